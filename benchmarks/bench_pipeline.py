"""Benchmark crosswire end to end against the ceiling: bare spaCy ``nlp.pipe`` on the same text.

    .venv/bin/python benchmarks/bench_pipeline.py [--articles 1000] [--engine local|dask] [--workers N]

Prints, per stage, articles/second, words/second and peak memory, then crosswire's end-to-end
throughput as a ratio to bare ``nlp.pipe`` in the same run (target: >= 0.7).
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpus import synthetic_articles, words  # noqa: E402
from crosswire import pipeline  # noqa: E402
from crosswire.engine import make_engine  # noqa: E402
from crosswire.models import load_nlp  # noqa: E402
from crosswire.store import Store  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--engine", choices=["local", "dask"], default="local")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    articles = list(synthetic_articles(args.articles))
    n_words = words(articles)
    nlp = load_nlp()
    print(
        f"# {platform.node()} {platform.processor() or platform.machine()}, "
        f"{args.articles} articles, {n_words} words, engine {args.engine}"
    )

    start = time.perf_counter()
    for _ in nlp.pipe((a.text for a in articles), batch_size=16):
        pass
    ceiling = time.perf_counter() - start
    print(
        f"nlp.pipe ceiling   {args.articles / ceiling:8.1f} articles/s "
        f"{n_words / ceiling:9.0f} words/s  peak {peak_mb():.0f} MB"
    )

    options = {"workers": args.workers} if args.engine == "dask" else {}
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "b.db") as store:
        for article in articles:
            store.add_article(article)
        with make_engine(args.engine, **options) as engine:
            start = time.perf_counter()
            pipeline.annotate_pending(store, engine=engine)
            annotate = time.perf_counter() - start
        print(
            f"per-article stages {args.articles / annotate:8.1f} articles/s "
            f"{n_words / annotate:9.0f} words/s  peak {peak_mb():.0f} MB"
        )
        start = time.perf_counter()
        analysis = pipeline.refresh_cross_article(store)
        cross = time.perf_counter() - start
        print(
            f"cross-article      {args.articles / cross:8.1f} articles/s "
            f"{n_words / cross:9.0f} words/s  peak {peak_mb():.0f} MB "
            f"({len(analysis.stories)} stories, {len(analysis.claims)} claims)"
        )
    total = annotate + cross
    print(
        f"end to end         {args.articles / total:8.1f} articles/s; "
        f"ratio to nlp.pipe ceiling {ceiling / total:.2f} (target >= 0.7)"
    )


if __name__ == "__main__":
    main()
