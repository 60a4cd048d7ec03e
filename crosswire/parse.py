"""Parse articles with the configured spaCy pipeline, in batches, keeping offsets exact."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from crosswire.models import load_nlp
from crosswire.records import Article


def parse_articles(
    articles: Iterable[Article], nlp: Any = None, batch_size: int = 16
) -> Iterator[tuple[Article, Any]]:
    """Yield each article with its spaCy Doc; ``doc.text == article.text`` so token offsets are spans."""
    nlp = nlp or load_nlp()
    pairs = ((article.text, article) for article in articles)
    for doc, article in nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
        yield article, doc
