"""Score time expressions against the demo gold "timeline": found, and resolved to the right date.

A gold item names an article, the expression text, its date and granularity. It is found when a
predicted expression of that article overlaps the gold text; its date is right when the predicted
value equals the gold date, or, for a range (night, week, month), when the gold date is one of
the range's days. Scores come twice: with the article dates crosswire ends up with (the
story stage infers missing years) and with the gold article dates, which isolates resolution.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from crosswire.evaluate import read_demo, score_sources
from crosswire.evaluate.entities import DEFAULT_GOLD, annotate
from crosswire.records import Article, TemporalExpression

RANGE_GRANULARITIES = frozenset({"night", "week", "month", "year"})


@dataclass(frozen=True)
class GoldTime:
    """One gold time expression, located in its article."""

    article_id: str
    start: int
    end: int
    expression: str
    date: str
    granularity: str


def _date_is_right(predicted: TemporalExpression, gold: GoldTime) -> bool:
    if predicted.value is None:
        return False
    if predicted.value == gold.date:
        return True
    if predicted.granularity not in RANGE_GRANULARITIES or not predicted.end_value:
        return False
    try:
        day = date.fromisoformat(gold.date)
        return date.fromisoformat(predicted.value) <= day <= date.fromisoformat(predicted.end_value)
    except ValueError:
        return False


def _best_overlap(gold: GoldTime, predicted: list[TemporalExpression]) -> TemporalExpression | None:
    best, best_overlap = None, 0
    for expression in predicted:
        if expression.article_id != gold.article_id:
            continue
        overlap = min(gold.end, expression.span.end) - max(gold.start, expression.span.start)
        if overlap > best_overlap:
            best, best_overlap = expression, overlap
    return best


def score_time_expressions(
    predicted: list[TemporalExpression], gold: list[GoldTime]
) -> dict[str, Any]:
    """Count gold expressions found, dated right and given the right granularity."""
    found = dated = granular = 0
    misses = []
    for item in gold:
        match = _best_overlap(item, predicted)
        if match is None:
            misses.append({"expression": item.expression, "why": "not found"})
            continue
        found += 1
        if _date_is_right(match, item):
            dated += 1
        else:
            misses.append({"expression": item.expression, "why": f"{match.value} for {item.date}"})
        granular += match.granularity == item.granularity
    total = len(gold)

    def ratio(count: int, of: int) -> float | None:
        return count / of if of else None

    return {
        "gold": total,
        "found": found,
        "recall": ratio(found, total),
        "date_accuracy": ratio(dated, total),
        "date_accuracy_of_found": ratio(dated, found),
        "granularity_accuracy_of_found": ratio(granular, found),
        "misses": misses,
    }


def _locate(text: str, needle: str, occurrence: int = 1) -> int:
    start = -1
    for _ in range(occurrence):
        start = text.find(needle, start + 1)
        if start < 0:
            return -1
    return start


def read_gold_times(
    data: dict[str, Any], articles: dict[str, Article], gold_path: Path
) -> list[GoldTime]:
    """Locate the gold timeline items in their articles."""
    items = []
    for item in data.get("timeline", []):
        article = articles.get(item["article"])
        if article is None:
            raise ValueError(
                f"{gold_path}: timeline item names unknown article {item['article']!r}"
            )
        start = _locate(article.text, item["expression"], int(item.get("occurrence", 1)))
        if start < 0:
            raise ValueError(
                f"{gold_path}: {item['expression']!r} is not in the text of {item['article']}"
            )
        items.append(
            GoldTime(
                article_id=article.id,
                start=start,
                end=start + len(item["expression"]),
                expression=item["expression"],
                date=item["date"],
                granularity=item.get("granularity", "day"),
            )
        )
    return items


def _inferred_dates(articles: list[Article], mentions: list[Any]) -> list[Article]:
    """Date articles as the pipeline does: stories first, then missing years from the story."""
    from crosswire import stories

    found = stories.cluster_stories(articles, mentions, None)
    return stories.infer_missing_dates(articles, found)


def evaluate_demo(gold_path: Path) -> dict[str, dict[str, Any]]:
    """Score time expressions on the demo gold, with crosswire's and with gold article dates."""
    from crosswire.timeline import reresolve

    data, by_key = read_demo(gold_path)
    articles = list(by_key.values())
    gold = read_gold_times(data, by_key, gold_path)
    expressions: list[TemporalExpression] = []
    mentions = []
    for _, _, found_mentions, found_times in annotate(articles):
        expressions += found_times
        mentions += found_mentions
    results = {}
    final = _inferred_dates([a for a in articles if a.is_english], mentions)
    results["crosswire article dates"] = score_time_expressions(reresolve(expressions, final), gold)
    gold_dates = {key: info.get("date") for key, info in data.get("articles", {}).items()}
    with_gold = [
        replace(article, date=gold_dates.get(key) or article.date)
        for key, article in by_key.items()
    ]
    results["gold article dates"] = score_time_expressions(reresolve(expressions, with_gold), gold)
    return results


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def run(paths: list[str], console: Any) -> int:
    """Score time expressions on each gold file and print the results; 0 on success."""
    return score_sources(
        [Path(p) for p in paths] or [DEFAULT_GOLD], console, _print_scores(console)
    )


def _print_scores(console: Any) -> Any:
    from rich.table import Table

    rows = [
        ("gold expressions", "gold", str),
        ("found", "found", str),
        ("recall", "recall", _percent),
        ("date accuracy", "date_accuracy", _percent),
        ("date accuracy of found", "date_accuracy_of_found", _percent),
        ("granularity accuracy of found", "granularity_accuracy_of_found", _percent),
    ]

    def score(source: Path) -> None:
        started = time.perf_counter()
        results = evaluate_demo(source)
        table = Table(title=f"timeline: {source}")
        table.add_column("measure")
        for name in results:
            table.add_column(name, justify="right")
        for label, key, show in rows:
            table.add_row(label, *(show(r[key]) for r in results.values()))
        table.add_row("seconds", f"{time.perf_counter() - started:.1f}", "")
        console.print(table)
        for name, scores in results.items():
            for miss in scores["misses"]:
                console.print(f"  {name}: {miss['expression']!r}: {miss['why']}")

    return score
