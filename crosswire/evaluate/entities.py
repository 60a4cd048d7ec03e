"""Score entity linking against the demo gold: B-cubed over the mentions of gold surface forms.

Gold lists each entity with the surface forms articles use for it ("Canonical Name", "Surname",
"the harbour minister"). Every occurrence of a surface form in an article is a gold mention of
that entity (longest form first; a form two gold entities share is ambiguous and left out, and
so are bare pronouns, which gold cannot place by form alone). A gold mention takes the entity of
the predicted mention that ends where it ends (its head), else one covering more than half
of it; one no predicted mention covers stands alone, which costs recall. B-cubed precision and recall are averaged over gold mentions.
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import Any

from crosswire.evaluate import read_demo, score_sources
from crosswire.records import Article, Entity, Mention, Statement, TemporalExpression

REPO = Path(__file__).resolve().parents[2]
DEFAULT_GOLD = REPO / "demo" / "gold.json"
PRONOUNS = frozenset(
    "he she they it his her hers its their theirs him them we our us i me my".split()
)


# ---------------------------------------------------------------- scoring


def score_mention_clusters(
    pred: dict[Hashable, Hashable], gold: dict[Hashable, Hashable]
) -> dict[str, Any]:
    """B-cubed precision, recall and F1 of a predicted clustering of the gold mentions.

    ``gold`` maps each gold mention to its gold entity, ``pred`` maps mentions to predicted
    clusters; gold mentions missing from ``pred`` are predicted singletons, and predicted
    mentions that gold does not list are not scored.
    """
    items = list(gold)
    if not items:
        return {"mentions": 0, "precision": None, "recall": None, "f1": None}
    pred_clusters: dict[Hashable, set[Hashable]] = defaultdict(set)
    gold_clusters: dict[Hashable, set[Hashable]] = defaultdict(set)
    for item in items:
        gold_clusters[gold[item]].add(item)
        if item in pred:
            pred_clusters[("cluster", pred[item])].add(item)
    precision = recall = 0.0
    for item in items:
        predicted = pred_clusters[("cluster", pred[item])] if item in pred else {item}
        truth = gold_clusters[gold[item]]
        shared = len(predicted & truth)
        precision += shared / len(predicted)
        recall += shared / len(truth)
    precision /= len(items)
    recall /= len(items)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "mentions": len(items),
        "gold_entities": len(gold_clusters),
        "predicted_clusters": len(pred_clusters) + sum(1 for i in items if i not in pred),
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


def gold_mentions(
    articles: list[Article], entities: list[dict[str, Any]]
) -> dict[tuple[str, int, int], str]:
    """Find every occurrence of the gold surface forms: (article id, start, end) -> gold id."""
    owners: dict[str, set[str]] = defaultdict(set)
    for entity in entities:
        for form in {entity["name"], *entity.get("surface_forms", [])}:
            if form.strip() and form.lower() not in PRONOUNS:
                owners[form].add(entity["id"])
    forms = sorted((f for f, ids in owners.items() if len(ids) == 1), key=len, reverse=True)
    found: dict[tuple[str, int, int], str] = {}
    for article in articles:
        taken: list[tuple[int, int]] = []
        for form in forms:
            for match in re.finditer(rf"(?<!\w){re.escape(form)}(?!\w)", article.text):
                start, end = match.span()
                if any(start < t_end and t_start < end for t_start, t_end in taken):
                    continue
                taken.append((start, end))
                found[(article.id, start, end)] = next(iter(owners[form]))
    return found


def predicted_clusters(
    gold: dict[tuple[str, int, int], str], mentions: list[Mention]
) -> dict[tuple[str, int, int], str]:
    """Give each gold mention the entity of the predicted mention that covers its head.

    A predicted mention ending where the gold mention ends wins; otherwise one covering more than
    half of it, the largest overlap first.
    """
    by_article: dict[str, list[Mention]] = defaultdict(list)
    for mention in mentions:
        if mention.entity_id:
            by_article[mention.article_id].append(mention)
    found = {}
    for key in gold:
        article_id, start, end = key
        best, best_rank = None, (False, 0)
        for mention in by_article.get(article_id, []):
            overlap = min(end, mention.span.end) - max(start, mention.span.start)
            if overlap <= 0:
                continue
            # An English noun phrase ends in its head: "Foreign Minister Ann Berg" is Ann Berg,
            # "the Ruritanian minister" is not Ruritanian.
            same_head = mention.span.end == end
            if not same_head and overlap * 2 <= end - start:
                continue
            rank = (same_head, overlap)
            if rank > best_rank:
                best, best_rank = mention, rank
        if best is not None:
            found[key] = best.entity_id
    return found


def name_accuracy(
    gold: dict[tuple[str, int, int], str],
    pred: dict[tuple[str, int, int], str],
    gold_entities: list[dict[str, Any]],
    entities: list[Entity],
) -> float | None:
    """Share of gold entities whose main predicted entity carries the gold canonical name."""
    names = {e.id: e.name for e in entities}
    votes: dict[str, Counter] = defaultdict(Counter)
    for key, gold_id in gold.items():
        if key in pred:
            votes[gold_id][pred[key]] += 1
    scored = [e for e in gold_entities if votes.get(e["id"])]
    if not scored:
        return None
    right = sum(
        1
        for e in scored
        if _normal(names.get(votes[e["id"]].most_common(1)[0][0], "")) == _normal(e["name"])
    )
    return right / len(scored)


def _normal(name: str) -> str:
    return " ".join(re.findall(r"\w+", name.lower()))


# ---------------------------------------------------------------- reading the demo gold


def annotate(
    articles: list[Article], nlp: Any = None
) -> Iterator[tuple[Article, list[Statement], list[Mention], list[TemporalExpression]]]:
    """Run the per-article stages the entity and timeline scores need, on the articles the
    pipeline reads (English, and French with its own pipeline)."""
    from crosswire.entities import find_mentions
    from crosswire.parse import is_french, parse_articles
    from crosswire.statements import extract_statements
    from crosswire.timeline import find_time_expressions

    readable = [a for a in articles if a.is_english or is_french(a)]
    for article, doc in parse_articles(readable, nlp):
        statements = extract_statements(doc, article)
        yield (
            article,
            statements,
            find_mentions(doc, article, statements),
            find_time_expressions(doc, article),
        )


# ---------------------------------------------------------------- running


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def evaluate_demo(gold_path: Path) -> dict[str, Any]:
    """Score entity linking on the demo corpus gold."""
    from crosswire.entities import canonicalize_entities

    data, articles_by_key = read_demo(gold_path)
    articles = list(articles_by_key.values())
    statements: list[Statement] = []
    mentions: list[Mention] = []
    for _, found, found_mentions, _ in annotate(articles):
        statements += found
        mentions += found_mentions
    entities = canonicalize_entities(articles, mentions, statements)
    linked = [m for e in entities for m in e.mentions]
    gold = gold_mentions([a for a in articles if a.is_english], data.get("entities", []))
    pred = predicted_clusters(gold, linked)
    scores = score_mention_clusters(pred, gold)
    scores["detected"] = len(pred) / len(gold) if gold else None
    scores["name_accuracy"] = name_accuracy(gold, pred, data.get("entities", []), entities)
    story_of = {
        articles_by_key[key].id: entry["story"]
        for key, entry in data["articles"].items()
        if key in articles_by_key
    }
    scores["within_stories"] = score_within_stories(gold, pred, story_of)
    own: dict[tuple[str, int, int], str] = {}
    for story in set(story_of.values()):
        members = {i for i, s in story_of.items() if s == story}
        found = canonicalize_entities(
            [a for a in articles if a.id in members],
            [m for m in mentions if m.article_id in members],
            [s for s in statements if s.article_id in members],
        )
        story_gold = {key: g for key, g in gold.items() if key[0] in members}
        own.update(predicted_clusters(story_gold, [m for e in found for m in e.mentions]))
    scores["within_stories_own"] = score_within_stories(gold, own, story_of)
    return scores


def score_within_stories(
    gold: dict[tuple[str, int, int], str],
    pred: dict[tuple[str, int, int], str],
    story_of: dict[str, str],
) -> dict[str, Any]:
    """B-cubed of the entities as each gold story sees them: one entity in two stories counts
    as two, so linking across stories neither helps nor hurts (the per-story stages read the
    entities of one story only)."""
    return score_mention_clusters(
        {key: (story_of.get(key[0]), p) for key, p in pred.items()},
        {key: (story_of.get(key[0]), g) for key, g in gold.items()},
    )


def run(paths: list[str], console: Any) -> int:
    """Score entity linking on each gold file and print the results; 0 on success."""
    return score_sources(
        [Path(p) for p in paths] or [DEFAULT_GOLD], console, _print_scores(console)
    )


def _print_scores(console: Any) -> Any:
    from rich.table import Table

    def score(source: Path) -> None:
        started = time.perf_counter()
        scores = evaluate_demo(source)
        table = Table(title=f"entities: {source}")
        table.add_column("measure")
        table.add_column("value", justify="right")
        for key in ("mentions", "gold_entities", "predicted_clusters"):
            table.add_row(key.replace("_", " "), str(scores.get(key, "-")))
        table.add_row("gold mentions covered by a prediction", _percent(scores["detected"]))
        for key in ("precision", "recall", "f1"):
            table.add_row(f"B-cubed {key}", _percent(scores[key]))
        table.add_row("canonical name accuracy", _percent(scores["name_accuracy"]))
        for key, entities in (
            ("within_stories", "corpus-wide entities"),
            ("within_stories_own", "each story's own entities"),
        ):
            found = scores[key]
            table.add_row(
                f"within gold stories, {entities}: B-cubed P / R / F1",
                " / ".join(_percent(found[k]) for k in ("precision", "recall", "f1")),
            )
        table.add_row("seconds", f"{time.perf_counter() - started:.1f}")
        console.print(table)

    return score
