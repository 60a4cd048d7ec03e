"""Generate realistic article corpora of any size from the demo corpus, and read real JSONL corpora.

Synthetic articles recombine the demo corpus's sentences within each story (so stories form and
attribution patterns stay realistic), under invented outlet names and shifted dates.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

from crosswire.ingest import read_paths
from crosswire.records import Article, Rejection

DEMO = Path(__file__).resolve().parent.parent / "demo" / "corpus"
SENTENCE_END = re.compile(r"(?<=[.!?\"”])\s+(?=[A-Z“\"])")


def demo_articles() -> list[Article]:
    return [a for a in read_paths([DEMO]) if not isinstance(a, Rejection) and a.is_english]


def synthetic_articles(count: int, seed: int = 7) -> Iterator[Article]:
    """Yield ``count`` articles recombined from the demo corpus, story by story."""
    rng = random.Random(seed)
    sources = demo_articles()
    paragraphs = [[p for p in a.text.split("\n\n") if p.strip()] for a in sources]
    for number in range(count):
        pick = number % len(sources)
        base = sources[pick]
        body = paragraphs[pick][:]
        rng.shuffle(body[1:])
        keep = max(2, int(len(body) * rng.uniform(0.6, 1.0)))
        text = "\n\n".join(body[:keep]) + f"\n\n(Item {number}.)"
        day = dt.date.fromisoformat(base.date or "2026-03-01") + dt.timedelta(days=number // 500)
        outlet = f"Outlet {number % 37}"
        yield Article(
            id=Article.content_id(text, outlet),
            text=text,
            title=base.title,
            outlet=outlet,
            date=day.isoformat(),
            language="en",
        )


def write_jsonl(path: Path, count: int) -> Path:
    """Write a synthetic corpus as JSON Lines, the format real corpora come in."""
    with path.open("w", encoding="utf-8") as out:
        for article in synthetic_articles(count):
            record = {"text": article.text, "title": article.title, "outlet": article.outlet}
            out.write(json.dumps({**record, "date": article.date}) + "\n")
    return path


def words(articles: list[Article]) -> int:
    return sum(len(a.text.split()) for a in articles)
