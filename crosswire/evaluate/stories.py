"""Score story clustering with B-cubed precision, recall and F1.

Gold sources: demo/gold.json (each article's story) and the FNC-1 training data, whose gold
stories are the connected components of related (agree / disagree / discuss) headline-body
pairs; FNC-1 has no dates, titles or outlets, so its bodies are clustered on text alone. FNC-1
components are split in two halves by a hash of the component: thresholds are tuned on the
tuning half (the grid is printed) and the score is reported on the held-out half.
"""

from __future__ import annotations

import csv
import hashlib
import time
from collections import defaultdict
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from crosswire.evaluate import print_scores, read_demo, score_sources
from crosswire.records import Article

REPO = Path(__file__).resolve().parents[2]
DEFAULT_GOLD = REPO / "demo" / "gold.json"
DEFAULT_FNC1 = REPO.parent / "shared" / "datasets" / "fnc1-train"
RELATED_STANCES = {"agree", "disagree", "discuss"}
MERGE_GRID = [round(0.2 + 0.025 * i, 3) for i in range(25)]


def bcubed(
    pred_clusters: Sequence[Hashable], gold_clusters: Sequence[Hashable]
) -> tuple[float, float, float]:
    """Return B-cubed precision, recall and F1 of predicted against gold labels (one per item)."""
    if len(pred_clusters) != len(gold_clusters):
        raise ValueError("predicted and gold labels must cover the same items")
    if not pred_clusters:
        return 0.0, 0.0, 0.0
    predicted: dict[Hashable, set[int]] = defaultdict(set)
    gold: dict[Hashable, set[int]] = defaultdict(set)
    for index, (p, g) in enumerate(zip(pred_clusters, gold_clusters, strict=True)):
        predicted[p].add(index)
        gold[g].add(index)
    precision = recall = 0.0
    for p, g in zip(pred_clusters, gold_clusters, strict=True):
        shared = len(predicted[p] & gold[g])
        precision += shared / len(predicted[p])
        recall += shared / len(gold[g])
    precision /= len(pred_clusters)
    recall /= len(pred_clusters)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


# ---------------------------------------------------------------- FNC-1


def read_fnc1_stories(folder: Path) -> tuple[list[Article], dict[str, str]]:
    """Read FNC-1 bodies as articles and their gold story (related-pair component) by id."""
    with (folder / "train_bodies.csv").open(encoding="utf-8", newline="") as handle:
        bodies = {row["Body ID"]: row["articleBody"] for row in csv.DictReader(handle)}
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    with (folder / "train_stances.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Stance"] in RELATED_STANCES:
                parent[root(f"h:{row['Headline']}")] = root(f"b:{row['Body ID']}")
    articles = [Article(id=f"fnc1-{bid}", text=text) for bid, text in bodies.items()]
    gold = {f"fnc1-{bid}": root(f"b:{bid}") for bid in bodies}
    return articles, gold


def split_half(gold: dict[str, str]) -> tuple[list[str], list[str]]:
    """Split article ids into a tuning and a held-out half by a hash of their gold story."""
    tuning, held_out = [], []
    for article_id, story in gold.items():
        digest = int(hashlib.sha256(story.encode("utf-8")).hexdigest(), 16)
        (tuning if digest % 2 == 0 else held_out).append(article_id)
    return tuning, held_out


def _score_vectors(
    vectors: np.ndarray, gold: list[str], thresholds: dict[str, float], merge: float
) -> tuple[float, float, float]:
    from crosswire.stories import cluster_vectors

    labels = cluster_vectors(vectors, {**thresholds, "merge": merge})
    return bcubed(labels, gold)


def score_fnc1(folder: Path, console: Any, model_name: str | None = None) -> dict[str, Any]:
    """Tune the merge threshold on one half of FNC-1 stories and score both settings on the other."""
    from crosswire.models import load_embedder
    from crosswire.settings import load_settings
    from crosswire.stories import article_vectors, load_story_thresholds

    model_name = model_name or load_settings().embedding_model
    thresholds = load_story_thresholds(model_name)
    embedder = load_embedder(model_name)
    articles, gold = read_fnc1_stories(folder)
    by_id = {a.id: a for a in articles}
    tuning, held_out = split_half(gold)
    started = time.perf_counter()
    halves = {}
    for name, ids in (("tuning", tuning), ("held-out", held_out)):
        vectors = article_vectors([by_id[i] for i in ids], embedder, thresholds)
        halves[name] = (vectors, [gold[i] for i in ids])
    seconds = time.perf_counter() - started
    grid = {m: _score_vectors(*halves["tuning"], thresholds, m) for m in MERGE_GRID}
    best_merge = max(grid, key=lambda m: grid[m][2])
    console.print(
        "FNC-1 tuning half, merge threshold → B-cubed F1: "
        + ", ".join(f"{m:.3f}→{grid[m][2]:.3f}" for m in MERGE_GRID)
    )
    return {
        "model": model_name,
        "tuning articles": len(tuning),
        "held-out articles": len(held_out),
        "configured merge": thresholds["merge"],
        "held-out (configured)": _score_vectors(
            *halves["held-out"], thresholds, thresholds["merge"]
        ),
        "best merge on tuning half": best_merge,
        "held-out (tuned)": _score_vectors(*halves["held-out"], thresholds, best_merge),
        "embedding seconds": seconds,
    }


# ---------------------------------------------------------------- demo gold


def score_demo(gold_path: Path, model_name: str | None = None) -> dict[str, Any]:
    """Cluster the demo corpus (with spaCy entity mentions) and score it against demo gold."""
    from crosswire.models import load_nlp
    from crosswire.records import Mention, Span
    from crosswire.stories import cluster_stories

    data, articles = read_demo(gold_path)
    gold = {key: entry["story"] for key, entry in data["articles"].items() if key in articles}
    missing = sorted(set(data["articles"]) - set(articles))
    nlp = load_nlp()
    mentions = []
    for key in gold:
        article = articles[key]
        for ent in nlp(article.text).ents:
            span = Span.of(article.text, ent.start_char, ent.end_char)
            mentions.append(Mention(article_id=article.id, span=span, label=ent.label_))
    stories = cluster_stories([articles[k] for k in gold], mentions, model_name=model_name)
    story_of = {aid: story.id for story in stories for aid in story.article_ids}
    keys = sorted(gold)
    return {
        "articles": len(keys),
        "missing from corpus": missing,
        "stories": len(stories),
        "gold stories": len(set(gold.values())),
        "B-cubed": bcubed([story_of[articles[k].id] for k in keys], [gold[k] for k in keys]),
    }


def run(paths: list[str], console: Any) -> int:
    """Score story clustering on demo gold and FNC-1 (or the given sources); 0 on success."""

    def score(source: Path) -> None:
        if source.is_dir():
            title = f"stories: FNC-1 {source} (tuned on one half, reported on the other)"
            print_scores(console, title, score_fnc1(source, console))
        else:
            print_scores(console, f"stories: {source}", score_demo(source))

    return score_sources([Path(p) for p in paths] or [DEFAULT_GOLD, DEFAULT_FNC1], console, score)
