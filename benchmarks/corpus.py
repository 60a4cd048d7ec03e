"""Generate realistic article corpora of any size from the demo corpus, and read real corpora.

Each synthetic story takes one of the demo corpus's (fictional) stories as its template: its
articles recombine the template articles' paragraphs under invented outlet names, with the
template's names of people and places swapped for names invented for that story, and dates
shifted to the story's own days. Story sizes follow a heavy-tailed distribution (most stories
have a handful of articles, a few have dozens), as news does. The demo stories are all
follow-ups of one conflict, so stories less than the clustering's time window apart would chain
into a few huge ones; each synthetic story gets its own days, so the stories that form are the
ones made.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from crosswire.ingest import read_paths
from crosswire.records import Article, Rejection

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "demo" / "corpus"
GOLD = ROOT / "demo" / "gold.json"
OUTLETS = 37
MAX_STORY_ARTICLES = 60
DAYS_BETWEEN_STORIES = 8  # more than the clustering's 7-day window: stories stay apart
SYLLABLES = "ka ri mo ten sal vor lin dra pe su gan el tor mi bra os ul ne fa rid".split()


def demo_articles() -> list[Article]:
    return [a for a in read_paths([DEMO]) if not isinstance(a, Rejection) and a.is_english]


def demo_stories() -> list[list[Article]]:
    """Return the demo corpus's English articles grouped by their gold story."""
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    story_of = {name: entry["story"] for name, entry in gold["articles"].items()}
    grouped: dict[str, list[Article]] = defaultdict(list)
    for article in demo_articles():
        name = Path(article.source_path or "").relative_to(DEMO).as_posix().split("#")[0]
        grouped[story_of.get(name, name)].append(article)
    return [grouped[key] for key in sorted(grouped)]


def demo_names() -> list[str]:
    """Return the proper names in the demo gold's entity names and surface forms.

    A capitalised word that the demo corpus also uses in lower case ("Ferry"), or a title word
    ("Admiral"), is not a name and is left alone.
    """
    from crosswire.entities import load_titles

    titles = load_titles()
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    lowercase = {w for a in demo_articles() for w in re.findall(r"\b[a-z]+\b", a.text)}
    words = {
        word
        for entity in gold["entities"]
        for form in [entity["name"], *entity.get("surface_forms", [])]
        for word in re.findall(r"\b[A-Z][a-z]{2,}\b", form)
        if word.lower() not in lowercase and not titles.is_title_word(word)
    }
    return sorted(words, key=lambda word: (-len(word), word))  # longest first, then stable


def _invented_name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def _story_size(rng: random.Random) -> int:
    return min(MAX_STORY_ARTICLES, max(1, int(rng.paretovariate(1.2) * 1.5)))


def synthetic_articles(count: int, seed: int = 7) -> Iterator[Article]:
    """Yield ``count`` articles forming synthetic stories recombined from the demo corpus."""
    rng = random.Random(seed)
    templates = demo_stories()
    names = demo_names()
    name_pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    made = 0
    story = 0
    while made < count:
        template = templates[story % len(templates)]
        renamed = {name: _invented_name(rng) for name in names}

        def rename(text: str, renamed: dict[str, str] = renamed) -> str:
            return name_pattern.sub(lambda m: renamed[m.group(0)], text)

        first_day = dt.date(2026, 1, 1) + dt.timedelta(days=DAYS_BETWEEN_STORIES * story)
        for _ in range(min(_story_size(rng), count - made)):
            base = rng.choice(template)
            paragraphs = [p for p in base.text.split("\n\n") if p.strip()]
            body = paragraphs[:1] + rng.sample(paragraphs[1:], len(paragraphs) - 1)
            keep = max(2, int(len(body) * rng.uniform(0.6, 1.0)))
            text = "\n\n".join(body[:keep])
            text = rename(text)
            text += f"\n\n(Item {made}.)"
            outlet = f"Outlet {rng.randrange(OUTLETS)}"
            day = first_day + dt.timedelta(days=rng.randint(0, 1))
            title = rename(base.title or "")
            yield Article(
                id=Article.content_id(text, outlet),
                text=text,
                title=title or None,
                outlet=outlet,
                date=day.isoformat(),
                language="en",
                metadata={"synthetic_story": story},
            )
            made += 1
        story += 1


def _records(count: int) -> Iterator[dict]:
    for article in synthetic_articles(count):
        yield {
            "text": article.text,
            "title": article.title,
            "outlet": article.outlet,
            "date": article.date,
            "language": article.language,
        }


def read_real_corpus(path: Path, count: int) -> list[Article]:
    """Read the first ``count`` articles of a real corpus in JSON Lines (one article a line:
    ``text`` or ``body``, optional ``outlet``, ``date``, ``title``...), as crosswire ingests it."""
    from crosswire.ingest import article_from_record

    found: list[Article] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if len(found) >= count:
                break
            if line.strip():
                found.append(article_from_record(json.loads(line), f"{path}:{number}"))
    if len(found) < count:
        raise SystemExit(f"{path}: {len(found)} articles, {count} wanted")
    return found


def write_articles_jsonl(path: Path, articles: list[Article]) -> Path:
    """Write articles as JSON Lines, for ``crosswire`` to ingest."""
    with path.open("w", encoding="utf-8") as out:
        for article in articles:
            record = {"text": article.text, "title": article.title, "outlet": article.outlet}
            record |= {"date": article.date, "language": article.language}
            out.write(json.dumps(record) + "\n")
    return path


def write_jsonl(path: Path, count: int) -> Path:
    """Write a synthetic corpus as JSON Lines, the format real corpora come in."""
    with path.open("w", encoding="utf-8") as out:
        for record in _records(count):
            out.write(json.dumps(record) + "\n")
    return path


def write_parquet(path: Path, count: int, rows_per_group: int = 1000) -> Path:
    """Write a synthetic corpus as one Parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as parquet

    parquet.write_table(
        pa.Table.from_pylist(list(_records(count))), path, row_group_size=rows_per_group
    )
    return path


def words(articles: list[Article]) -> int:
    return sum(len(a.text.split()) for a in articles)
