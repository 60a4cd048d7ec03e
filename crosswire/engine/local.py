"""Run the per-article stages (batching documents through spaCy) and the per-story stages here."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from crosswire.records import Article


class LocalEngine:
    """Parse and annotate articles in the current process."""

    def __init__(self, batch_size: int = 32, story_batch_size: int = 64) -> None:
        self.batch_size = batch_size
        self.story_batch_size = story_batch_size

    def annotate(self, articles: Iterable[Article]) -> Iterator[tuple[Article, Any]]:
        """Yield ``(article, annotations)`` in input order, a batch at a time."""
        from crosswire.pipeline import annotate_batch

        iterator = iter(articles)
        while batch := list(islice(iterator, self.batch_size)):
            yield from annotate_batch(batch)

    def analyze_stories(self, slices: Iterable[Any]) -> Iterator[Any]:
        """Run the per-story stages on each story slice, in order, a batch of stories at a time."""
        from crosswire.pipeline import analyze_story_batch

        iterator = iter(slices)
        while batch := list(islice(iterator, self.story_batch_size)):
            yield from analyze_story_batch(batch)

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
