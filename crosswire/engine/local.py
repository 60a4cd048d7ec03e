"""Run the per-article stages in this process, batching documents through spaCy."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from crosswire.records import Article


class LocalEngine:
    """Parse and annotate articles in the current process."""

    def annotate(self, articles: Iterable[Article]) -> Iterator[tuple[Article, Any]]:
        from crosswire.parse import parse_articles
        from crosswire.pipeline import annotate_article

        for article, doc in parse_articles(articles):
            yield article, annotate_article(doc, article)

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
