"""Parse articles with the configured spaCy pipelines, in batches, keeping offsets exact.

English and articles in other languages go to the main pipeline (only English ones are read
further); French articles go to the French pipeline when one is configured.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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
    with one_blas_thread():
        yield from _parse(list(articles), nlp, batch_size)


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Keep numpy's BLAS to one thread: spaCy's layers are products of small matrices, and a
    second thread only spins (twice the CPU time for the same wall-clock time). Parallel work
    comes from the engine's worker processes instead."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _parse(articles: list[Article], nlp: Any, batch_size: int) -> Iterator[tuple[Article, Any]]:
    french = [is_french(article) for article in articles]
    docs: dict[int, Any] = {}
    if any(french):
        french_nlp = load_nlp(load_settings().french_pipeline)
        pairs = ((a.text, i) for i, a in enumerate(articles) if french[i])
        for doc, index in french_nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
            docs[index] = doc
    nlp = nlp or load_nlp()
    others = ((a.text, i) for i, a in enumerate(articles) if not french[i])
    parsed = nlp.pipe(others, as_tuples=True, batch_size=batch_size)
    for index, article in enumerate(articles):
        yield article, docs.pop(index) if french[index] else next(parsed)[0]
