"""Score crosswire's stages against gold data; one module per stage, each with ``run(paths, console)``.

``crosswire eval STAGE PATH...`` imports ``crosswire.evaluate.STAGE`` and calls its ``run``, which
reads the gold files, runs the stage and prints its scores; the scoring itself is a pure function
in the same module so tests can call it on hand-made examples.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from crosswire.records import Article


def article_key(article: Article, corpus: Path) -> str:
    """Return the key gold files use for an article: its path under corpus/, with '#n'."""
    path, _, number = (article.source_path or "").partition("#")
    try:
        relative = Path(path).resolve().relative_to(corpus.resolve()).as_posix()
    except ValueError:
        relative = path
    return f"{relative}#{number}" if number else relative


def read_demo(gold_path: Path) -> tuple[dict[str, Any], dict[str, Article]]:
    """Read demo/gold.json and the corpus beside it, articles keyed as the gold keys them."""
    from crosswire.ingest import read_paths

    data = json.loads(Path(gold_path).read_text(encoding="utf-8"))
    corpus = Path(gold_path).parent / "corpus"
    articles = {}
    for item in read_paths([str(corpus)]):
        if isinstance(item, Article):
            articles[article_key(item, corpus)] = item
    return data, articles


def print_scores(console: Any, title: str, result: dict[str, Any]) -> None:
    """Print a titled list of scores; (P, R, F1) triples and floats get three decimals."""
    console.print(f"[bold]{title}[/bold]")
    for name, value in result.items():
        if isinstance(value, tuple) and len(value) == 3:
            value = "P {:.3f}  R {:.3f}  F1 {:.3f}".format(*value)
        elif isinstance(value, float):
            value = f"{value:.3f}"
        console.print(f"  {name}: {value}")


def clipped(text: str, size: int = 70) -> str:
    """Quote a text for an error line, cut to ``size`` characters with an ellipsis."""
    return repr(text if len(text) <= size else text[: size - 1] + "…")


def print_error_lines(console: Any, what: str, lines: list[str], limit: int) -> None:
    """Print up to ``limit`` lines of each kind of error (a line starts with its kind), and how
    many there are of each."""
    if limit <= 0:
        return
    kinds = Counter(line.split()[0] for line in lines)
    shown: Counter[str] = Counter()
    summary = ", ".join(f"{count} {kind}" for kind, count in kinds.items()) or "none"
    console.print(f"[bold]errors ({what}): {summary}; up to {limit} of each[/bold]")
    for line in lines:
        kind = line.split()[0]
        if shown[kind] < limit:
            shown[kind] += 1
            console.print(line, markup=False, highlight=False, soft_wrap=True)


def score_sources(sources: list[Path], console: Any, score: Any) -> int:
    """Call ``score(source)`` for each gold source; an unreadable one is named, not fatal.

    Return 0 when every source was scored, 1 otherwise (the exit status of ``crosswire eval``).
    """
    status = 0
    for source in sources:
        try:
            score(source)
        except (OSError, ValueError, KeyError, ImportError, RuntimeError) as error:
            console.print(f"[red]cannot score {source}: {error}[/red]")
            status = 1
    return status
