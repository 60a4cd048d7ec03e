"""Benchmark crosswire end to end against the ceiling: bare spaCy ``nlp.pipe`` on the same text.

    .venv/bin/python benchmarks/bench_pipeline.py [--articles 1000 [10000 ...]]
        [--engine local|dask] [--workers N] [--input jsonl|parquet] [--corpus REAL.jsonl]
        [--ceiling-sample N]

For each corpus size, prints per stage the articles/second, words/second and peak memory:
ingest (reading a JSONL or Parquet file into the store), the per-article stages (parse,
statements, mentions, time expressions), the first cross-article refresh (stories, dates,
entities, then claims, timeline and framing per story), and an incremental refresh after 2%
more articles arrive, each also in CPU seconds (this process and the Dask workers). Then
crosswire's end-to-end throughput as a ratio to bare ``nlp.pipe`` in the same run (target
>= 0.7), by wall-clock time and by CPU time, which other load on the machine barely changes;
``nlp.pipe`` is timed before and after crosswire's stages and the ratio taken to the mean, as
the VM's speed drifts over minutes. With ``--workers N`` on Dask, also to ``nlp.pipe`` with
``n_process=N``. The ceiling is the spaCy pipeline as it ships; crosswire loads it with
thinc's numpy ops instead of BLIS (OpenBLAS, on one thread) and its attribute ruler and
lemmatizer reading tables (``crosswire.spacy_lookups``): the same annotations in about a third
less parse time. So ``nlp.pipe`` of crosswire's copy is timed too, and the ratio to it printed
beside: the ratio of crosswire's own work alone. With several sizes, it prints how each
stage's time grows with the corpus.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import spacy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpus import (  # noqa: E402
    read_real_corpus,
    synthetic_articles,
    write_articles_jsonl,
    write_jsonl,
    write_parquet,
)
from crosswire import pipeline  # noqa: E402
from crosswire.engine import make_engine  # noqa: E402
from crosswire.models import load_embedder, load_nlp  # noqa: E402
from crosswire.parse import one_blas_thread  # noqa: E402
from crosswire.settings import load_settings  # noqa: E402
from crosswire.store import Store  # noqa: E402

GROWTH = 0.02  # share of new articles for the incremental refresh


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def process_cpu() -> float:
    """CPU seconds this process (and its finished children) has used: robust to other load."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def cpu_seconds(engine=None) -> float:
    """CPU seconds used so far here and on the engine's live Dask workers."""
    client = getattr(engine, "client", None)
    workers = sum(client.run(process_cpu).values()) if client is not None else 0.0
    return process_cpu() + workers


class Clock:
    """Measure a stage's wall-clock and CPU seconds (here and on the engine's workers)."""

    def __init__(self, engine=None):
        self.engine = engine

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), cpu_seconds(self.engine)
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = cpu_seconds(self.engine) - self.cpu


def worker_peaks(engine) -> str:
    client = getattr(engine, "client", None)
    if client is None:
        return ""
    peaks = client.run(peak_mb)
    return "; workers " + ", ".join(f"{mb:.0f}" for mb in peaks.values()) + " MB"


def line(name: str, articles: int, words: int, clock: Clock, extra: str = "") -> None:
    seconds = clock.wall
    print(
        f"  {name:<28} {articles / seconds:8.1f} articles/s {words / seconds:9.0f} words/s "
        f"{seconds:8.1f} s  cpu {clock.cpu:8.1f} s  peak {peak_mb():.0f} MB{extra}",
        flush=True,
    )


def warm_models() -> None:
    """Load what crosswire loads once per process before the clocks start, as the ceiling's
    spaCy pipeline is: the sentence encoder's weights and tokeniser, and the libraries the
    stages import lazily (scikit-learn and SciPy). Dask workers load their own copies inside
    the clock, which is their real cost."""
    import scipy.sparse  # noqa: F401
    import sklearn.cluster  # noqa: F401
    import sklearn.decomposition  # noqa: F401
    import sklearn.feature_extraction.text  # noqa: F401

    load_embedder().encode(["a sentence to load the encoder"])


def run_size(count: int, args: argparse.Namespace, nlp) -> dict[str, Clock]:
    extra_count = max(1, int(count * GROWTH))
    if args.corpus:
        everything = read_real_corpus(args.corpus, count + extra_count)
    else:
        everything = list(synthetic_articles(count + extra_count))
    texts = [a.text for a in everything[:count]]
    n_words = sum(len(t.split()) for t in texts)
    print(f"\n{count} articles, {n_words} words, engine {args.engine}", flush=True)
    clocks: dict[str, Clock] = {}

    # at large sizes the bare parses can be timed on the first articles only and scaled by
    # words (a parse's cost is linear in its text), which saves hours at 100k
    sample = texts[: args.ceiling_sample] if args.ceiling_sample else texts
    scale = n_words / max(1, sum(len(t.split()) for t in sample))
    note = f" (first {len(sample)} articles, x{scale:.2f})" if len(sample) < len(texts) else ""

    def time_parse(name: str, parse: Any) -> None:
        with Clock() as clocks[name]:
            for _ in parse(sample):
                pass
        clocks[name].wall *= scale
        clocks[name].cpu *= scale

    time_parse("ceiling", lambda t: nlp.pipe(t, batch_size=16))
    line("nlp.pipe ceiling", count, n_words, clocks["ceiling"], note)
    with one_blas_thread():
        time_parse("ceiling_indexed", lambda t: load_nlp().pipe(t, batch_size=16))
    line("nlp.pipe, crosswire's copy", count, n_words, clocks["ceiling_indexed"], note)
    if args.engine == "dask" and args.workers > 1:
        time_parse("ceiling_parallel", lambda t: nlp.pipe(t, batch_size=16, n_process=args.workers))
        line(f"nlp.pipe n_process={args.workers}", count, n_words, clocks["ceiling_parallel"], note)

    options = {"workers": args.workers} if args.engine == "dask" else {}
    with tempfile.TemporaryDirectory() as folder, make_engine(args.engine, **options) as engine:
        root = Path(folder)
        if args.corpus:
            corpus = write_articles_jsonl(root / "corpus.jsonl", everything[:count])
        else:
            writer = write_parquet if args.input == "parquet" else write_jsonl
            corpus = writer(root / f"corpus.{args.input}", count)
        with Store(root / "bench.db") as store:
            with Clock(engine) as clocks["ingest"]:
                pipeline.ingest(store, [corpus])
            line(f"ingest ({args.input})", count, n_words, clocks["ingest"])

            with Clock(engine) as clocks["annotate"]:
                pipeline.annotate_pending(store, engine=engine)
            line("per-article stages", count, n_words, clocks["annotate"], worker_peaks(engine))

            with Clock(engine) as clocks["refresh"]:
                refreshed = pipeline.refresh_cross_article(store, engine=engine)
            found = f" ({refreshed.stories} stories, {store.count('claims')} claims)"
            line("cross-article refresh", count, n_words, clocks["refresh"], found)

            for article in everything[count:]:
                store.add_article(article)
            pipeline.annotate_pending(store, engine=engine)
            with Clock(engine) as clocks["incremental"]:
                refreshed = pipeline.refresh_cross_article(store, engine=engine)
            line(
                f"refresh after +{extra_count} articles",
                count,
                n_words,
                clocks["incremental"],
                f" ({refreshed.analysed} stories re-analysed)",
            )

    # the VM's speed drifts by 10-15% over minutes: the ceiling is taken again after
    # crosswire's stages, and the ratio is to the mean of both
    time_parse("ceiling_after", lambda t: nlp.pipe(t, batch_size=16))
    line("nlp.pipe ceiling, again", count, n_words, clocks["ceiling_after"], note)
    stages = [clocks["ingest"], clocks["annotate"], clocks["refresh"]]
    total = clocks["end_to_end"] = Clock()
    total.wall, total.cpu = sum(c.wall for c in stages), sum(c.cpu for c in stages)
    ceiling = Clock()
    before, after = clocks["ceiling"], clocks["ceiling_after"]
    ceiling.wall, ceiling.cpu = (before.wall + after.wall) / 2, (before.cpu + after.cpu) / 2
    print(
        f"  {'end to end':<28} {count / total.wall:8.1f} articles/s; ratio to the nlp.pipe "
        f"ceiling (mean of both) {ceiling.wall / total.wall:.2f} wall-clock, {ceiling.cpu / total.cpu:.2f} "
        "CPU time (target >= 0.7)",
        flush=True,
    )
    indexed = clocks["ceiling_indexed"]
    print(
        f"  {'':<28} ratio to nlp.pipe as crosswire loads it (numpy ops, attribute ruler and "
        "lemmatizer by table, entities decoded on arrays: the same annotations): "
        f"{indexed.wall / total.wall:.2f} wall-clock, {indexed.cpu / total.cpu:.2f} CPU time",
        flush=True,
    )
    if "ceiling_parallel" in clocks:
        parallel = clocks["ceiling_parallel"].wall / total.wall
        print(f"  {'':<28} ratio to nlp.pipe n_process={args.workers}: {parallel:.2f} wall-clock")
    return clocks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[1000])
    parser.add_argument("--engine", choices=["local", "dask"], default="local")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--input", choices=["jsonl", "parquet"], default="jsonl")
    parser.add_argument(
        "--ceiling-sample",
        type=int,
        metavar="N",
        help="time the bare nlp.pipe ceilings on the first N articles only, scaled by words",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        help="a real corpus in JSON Lines instead of the synthetic one (its first N articles)",
    )
    args = parser.parse_args()

    # the ceiling is the pipeline as spaCy ships it; crosswire's own copy (load_nlp, loaded
    # before the clocks like the ceiling's) multiplies with OpenBLAS and runs its attribute
    # ruler and lemmatizer by table
    nlp = spacy.load(load_settings().spacy_pipeline)
    if args.engine == "local":
        warm_models()
    # loaded last, as in `crosswire analyze`, where it comes before any other model or library
    # and freezes what is loaded out of the collector's full walks
    load_nlp()
    print(f"# {platform.node()} {platform.machine()}, Python {platform.python_version()}")
    results = {count: run_size(count, args, nlp) for count in args.articles}
    sizes = sorted(results)
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        print(f"\ngrowth from {small} to {large} articles ({large / small:.0f}x the articles):")
        for stage in ("ceiling", "ingest", "annotate", "refresh", "incremental", "end_to_end"):
            wall = results[large][stage].wall / results[small][stage].wall
            cpu = results[large][stage].cpu / results[small][stage].cpu
            print(f"  {stage:<12} {wall:6.1f}x the wall-clock time, {cpu:6.1f}x the CPU time")


if __name__ == "__main__":
    main()
