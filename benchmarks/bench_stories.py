"""Time story clustering on 10k and 100k synthetic article vectors, with peak memory.

The vectors imitate real ones: stories of Zipf-distributed sizes (most articles alone or in
small stories, a few big ones), members spread around a story direction with the noise level
that gives same-story cosines of about 0.5-0.8, in 384 dimensions (MiniLM's size). Clustering
takes candidate neighbours from a faiss inverted-file index above 5,000 articles, so the time
grows as n^1.5, not quadratically.

Run: .venv/bin/python benchmarks/bench_stories.py [sizes...]
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc

import numpy as np

from crosswire.evaluate.stories import bcubed
from crosswire.stories import cluster_vectors, load_story_thresholds

DIMENSIONS = 384


def synthetic_articles(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return unit vectors for ``count`` articles and the story each belongs to."""
    rng = np.random.default_rng(seed)
    sizes = []
    while sum(sizes) < count:
        sizes.append(min(int(rng.zipf(1.8)), 60))
    labels = np.repeat(np.arange(len(sizes)), sizes)[:count]
    centres = rng.standard_normal((len(sizes), DIMENSIONS)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    noise = rng.standard_normal((count, DIMENSIONS)).astype(np.float32) / np.sqrt(DIMENSIONS)
    vectors = centres[labels] + 0.8 * noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors, labels


def bench(count: int) -> None:
    vectors, labels = synthetic_articles(count)
    thresholds = load_story_thresholds("minilm")
    tracemalloc.start()
    started = time.perf_counter()
    predicted = cluster_vectors(vectors, thresholds)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    _, _, f1 = bcubed(predicted, labels.tolist())
    print(
        f"{count:>7} articles: {seconds:7.1f} s, peak traced {peak / 2**20:7.1f} MiB, "
        f"process max RSS {rss:7.1f} MiB, stories {len(set(predicted)):>6} "
        f"(true {len(set(labels.tolist()))}), B-cubed F1 {f1:.3f}"
    )


if __name__ == "__main__":
    for size in [int(a) for a in sys.argv[1:]] or [10_000, 100_000]:
        bench(size)
