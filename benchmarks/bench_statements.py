"""Benchmark statement extraction on PolNeAR dev texts: statements/second, spaCy's share of time.

    .venv/bin/python benchmarks/bench_statements.py [--split ../shared/datasets/polnear/dev]
                                                    [--articles N] [--repeat 1]

Parses every article with the configured spaCy pipeline (timed on its own), then runs
``extract_statements`` on the parsed docs (timed on its own), and prints articles/second,
statements/second and the share of the total time spent in spaCy versus crosswire's rules.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crosswire.models import load_nlp  # noqa: E402
from crosswire.records import Article  # noqa: E402
from crosswire.statements import extract_statements, load_cue_lexicon  # noqa: E402

DEFAULT_SPLIT = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "polnear" / "dev"


def read_texts(split: Path, limit: int | None) -> list[Article]:
    paths = sorted((split / "text").glob("*.txt"))[:limit]
    if not paths:
        raise SystemExit(f"{split}: no text/*.txt files; pass --split a PolNeAR split folder")
    return [Article(id=p.stem, text=p.read_text(encoding="utf-8")) for p in paths]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", type=Path, default=DEFAULT_SPLIT)
    parser.add_argument("--articles", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=1, help="run the rules this many times")
    args = parser.parse_args()

    articles = read_texts(args.split, args.articles)
    words = sum(len(a.text.split()) for a in articles)
    nlp = load_nlp()
    load_cue_lexicon()
    nlp("Warm up.")

    started = time.perf_counter()
    docs = list(nlp.pipe((a.text for a in articles), batch_size=16))
    spacy_seconds = time.perf_counter() - started

    started = time.perf_counter()
    statements = 0
    for _ in range(args.repeat):
        statements = sum(len(extract_statements(d, a)) for d, a in zip(docs, articles, strict=True))
    rules_seconds = (time.perf_counter() - started) / args.repeat

    total = spacy_seconds + rules_seconds
    print(f"articles: {len(articles)}  words: {words}  statements: {statements}")
    print(f"spaCy parse:        {spacy_seconds:7.2f} s  ({words / spacy_seconds:,.0f} words/s)")
    print(
        f"statement rules:    {rules_seconds:7.2f} s  ({statements / rules_seconds:,.0f} statements/s)"
    )
    print(
        f"end to end:         {total:7.2f} s  ({statements / total:,.1f} statements/s, "
        f"{len(articles) / total:,.1f} articles/s)"
    )
    print(
        f"share of time: spaCy {spacy_seconds / total:.0%}, crosswire rules {rules_seconds / total:.0%}"
    )


if __name__ == "__main__":
    main()
