"""Benchmark the explorer on one big story: time to render /stories/{id} and its JSON twin.

    .venv/bin/python benchmarks/bench_web.py [--articles 50]

Builds a store whose largest story holds ``--articles`` articles (variants of one demo story
under many outlet names), then times the story page and /api/stories/{id} with FastAPI's
test client.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpus import demo_articles  # noqa: E402
from crosswire import pipeline  # noqa: E402
from crosswire.records import Article  # noqa: E402
from crosswire.store import Store  # noqa: E402


def one_story(count: int) -> list[Article]:
    """Make ``count`` variants of the demo's drone-strike reports under many outlet names."""
    articles = demo_articles()
    base = sorted(articles, key=lambda a: "drone" not in a.text.lower())[:4]
    variants = []
    for number in range(count):
        source = base[number % len(base)]
        paragraphs = source.text.split("\n\n")
        text = "\n\n".join(paragraphs[: max(2, len(paragraphs) - number % 3)])
        outlet = f"Outlet {number}"
        variants.append(
            replace(source, id=Article.content_id(text, outlet), text=text, outlet=outlet)
        )
    return variants


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50)
    args = parser.parse_args()
    from fastapi.testclient import TestClient

    from crosswire.web.app import create_app

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "web.db"
        with Store(db) as store:
            for article in one_story(args.articles):
                store.add_article(article)
            pipeline.annotate_pending(store)
            pipeline.refresh_cross_article(store)
            story = max(store.stories(), key=lambda s: len(s.article_ids))
        client = TestClient(create_app(db, read_only=True))
        for path in (f"/stories/{story.id}", f"/api/stories/{story.id}", "/stories"):
            client.get(path)  # warm
            start = time.perf_counter()
            for _ in range(5):
                response = client.get(path)
                assert response.status_code == 200, response.text[:200]
            took = (time.perf_counter() - start) / 5
            print(
                f"{path:32} {took * 1000:7.0f} ms  {len(response.content) / 1024:7.0f} KiB "
                f"(story of {len(story.article_ids)} articles)"
            )


if __name__ == "__main__":
    main()
