"""Benchmark crosswire end to end against the ceiling: bare spaCy ``nlp.pipe`` on the same text.

    .venv/bin/python benchmarks/bench_pipeline.py [--articles 1000 [10000 ...]]
        [--engine local|dask] [--workers N] [--input jsonl|parquet]

For each corpus size, prints per stage the articles/second, words/second and peak memory:
ingest (reading a JSONL or Parquet file into the store), the per-article stages (parse,
statements, mentions, time expressions), the first cross-article refresh (stories, dates,
entities, then claims, timeline and framing per story), and an incremental refresh after 2%
more articles arrive. Then crosswire's end-to-end throughput as a ratio to bare ``nlp.pipe``
in the same run (target >= 0.7); with ``--workers N`` on Dask, also to ``nlp.pipe`` with
``n_process=N``. With several sizes, it prints how each stage's time grows with the corpus.
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

from benchmarks.corpus import synthetic_articles, write_jsonl, write_parquet  # noqa: E402
from crosswire import pipeline  # noqa: E402
from crosswire.engine import make_engine  # noqa: E402
from crosswire.models import load_nlp  # noqa: E402
from crosswire.store import Store  # noqa: E402

GROWTH = 0.02  # share of new articles for the incremental refresh


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_peaks(engine) -> str:
    client = getattr(engine, "client", None)
    if client is None:
        return ""
    peaks = client.run(peak_mb)
    return "; workers " + ", ".join(f"{mb:.0f}" for mb in peaks.values()) + " MB"


def line(name: str, articles: int, words: int, seconds: float, extra: str = "") -> None:
    print(
        f"  {name:<28} {articles / seconds:8.1f} articles/s {words / seconds:9.0f} words/s "
        f"{seconds:8.1f} s  peak {peak_mb():.0f} MB{extra}",
        flush=True,
    )


def run_size(count: int, args: argparse.Namespace, nlp) -> dict[str, float]:
    extra_count = max(1, int(count * GROWTH))
    everything = list(synthetic_articles(count + extra_count))
    texts = [a.text for a in everything[:count]]
    n_words = sum(len(t.split()) for t in texts)
    print(f"\n{count} articles, {n_words} words, engine {args.engine}", flush=True)
    times: dict[str, float] = {}

    start = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=16):
        pass
    times["ceiling"] = time.perf_counter() - start
    line("nlp.pipe ceiling", count, n_words, times["ceiling"])
    if args.engine == "dask" and args.workers > 1:
        start = time.perf_counter()
        for _ in nlp.pipe(texts, batch_size=16, n_process=args.workers):
            pass
        times["ceiling_parallel"] = time.perf_counter() - start
        line(f"nlp.pipe n_process={args.workers}", count, n_words, times["ceiling_parallel"])

    options = {"workers": args.workers} if args.engine == "dask" else {}
    with tempfile.TemporaryDirectory() as folder, make_engine(args.engine, **options) as engine:
        root = Path(folder)
        writer = write_parquet if args.input == "parquet" else write_jsonl
        corpus = writer(root / f"corpus.{args.input}", count)
        with Store(root / "bench.db") as store:
            start = time.perf_counter()
            pipeline.ingest(store, [corpus])
            times["ingest"] = time.perf_counter() - start
            line(f"ingest ({args.input})", count, n_words, times["ingest"])

            start = time.perf_counter()
            pipeline.annotate_pending(store, engine=engine)
            times["annotate"] = time.perf_counter() - start
            line("per-article stages", count, n_words, times["annotate"], worker_peaks(engine))

            start = time.perf_counter()
            analysis = pipeline.refresh_cross_article(store, engine=engine)
            times["refresh"] = time.perf_counter() - start
            line(
                "cross-article refresh",
                count,
                n_words,
                times["refresh"],
                f" ({len(analysis.stories)} stories, {len(analysis.claims)} claims)",
            )

            for article in everything[count:]:
                store.add_article(article)
            pipeline.annotate_pending(store, engine=engine)
            changed = []

            def count_changed(stage: str, done: int, total: int) -> None:
                changed[:] = [total]

            start = time.perf_counter()
            pipeline.refresh_cross_article(store, count_changed, engine=engine)
            times["incremental"] = time.perf_counter() - start
            line(
                f"refresh after +{extra_count} articles",
                count,
                n_words,
                times["incremental"],
                f" ({changed[0] if changed else 0} stories re-analysed)",
            )

    total = times["ingest"] + times["annotate"] + times["refresh"]
    times["end_to_end"] = total
    ratio = f"ratio to nlp.pipe ceiling {times['ceiling'] / total:.2f} (target >= 0.7)"
    if "ceiling_parallel" in times:
        ratio += f"; to nlp.pipe n_process={args.workers}: {times['ceiling_parallel'] / total:.2f}"
    print(f"  {'end to end':<28} {count / total:8.1f} articles/s; {ratio}", flush=True)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[1000])
    parser.add_argument("--engine", choices=["local", "dask"], default="local")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--input", choices=["jsonl", "parquet"], default="jsonl")
    args = parser.parse_args()

    nlp = load_nlp()
    print(f"# {platform.node()} {platform.machine()}, Python {platform.python_version()}")
    results = {count: run_size(count, args, nlp) for count in args.articles}
    sizes = sorted(results)
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        print(f"\ngrowth from {small} to {large} articles ({large / small:.0f}x the articles):")
        for stage in ("ceiling", "ingest", "annotate", "refresh", "incremental", "end_to_end"):
            factor = results[large][stage] / results[small][stage]
            print(f"  {stage:<12} {factor:6.1f}x the time")


if __name__ == "__main__":
    main()
