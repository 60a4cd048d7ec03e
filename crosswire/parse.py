"""Parse articles with the configured spaCy pipelines, in batches, keeping offsets exact.

English and articles in other languages go to the main pipeline (only English ones are read
further); French articles go to the French pipeline when one is configured.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from crosswire.models import load_nlp
from crosswire.records import Article
from crosswire.settings import load_settings


def is_french(article: Article) -> bool:
    """Say whether an article is French and a French pipeline is configured to read it."""
    return article.language == "fr" and bool(load_settings().french_pipeline)


def parse_articles(
    articles: Iterable[Article], nlp: Any = None, batch_size: int = 16
) -> Iterator[tuple[Article, Any]]:
    """Yield each article with its spaCy Doc, in input order; ``doc.text == article.text`` so
    token offsets are spans. ``nlp`` replaces the main pipeline, not the French one."""
    articles = list(articles)
    french = [a for a in articles if is_french(a)]
    docs = {}
    if french:
        french_nlp = load_nlp(load_settings().french_pipeline)
        pairs = ((article.text, article) for article in french)
        for doc, article in french_nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
            docs[id(article)] = doc
    nlp = nlp or load_nlp()
    others = ((article.text, article) for article in articles if not is_french(article))
    parsed = nlp.pipe(others, as_tuples=True, batch_size=batch_size)
    for article in articles:
        if id(article) in docs:
            yield article, docs.pop(id(article))
        else:
            yield article, next(parsed)[0]
