"""Views of a parsed Doc that the rule stages read over and over, built once per doc.

spaCy builds a new Token object on each step of ``for token in doc`` and on each ``doc[i]``,
and ``token.sent`` checks every token's sentence annotation before it finds the sentence
(8 µs a call on the benchmark machine); the rule stages walk every token of an article in a
dozen passes and look up tokens' sentences thousands of times. The views are those of the last
doc asked about (the stages read one article at a time), kept here rather than in
``doc.user_data`` so that no reference cycle keeps the doc alive after its article is done.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any


@dataclass
class _DocViews:
    doc: Any
    length: int  # a retokenized doc is a different doc to the views
    tokens: list[Any]
    sentences: list[Any] | None = None
    sentence_starts: list[int] = field(default_factory=list)  # first token of each sentence


_last: _DocViews | None = None


def _views(doc: Any) -> _DocViews:
    global _last
    views = _last
    if views is None or views.doc is not doc or views.length != len(doc):
        views = _last = _DocViews(doc, len(doc), list(doc))
    return views


def tokens(doc: Any) -> list[Any]:
    """Return the doc's tokens as a list: ``tokens(doc)[i]`` is ``doc[i]``, without a new Token."""
    return _views(doc).tokens


def sentences(doc: Any) -> list[Any]:
    """Return ``list(doc.sents)``, built once per doc."""
    views = _views(doc)
    if views.sentences is None:
        views.sentences = list(doc.sents)
        views.sentence_starts = [sentence.start for sentence in views.sentences]
    return views.sentences


def sentence_of(token: Any) -> Any:
    """Return ``token.sent``: the sentence Span the token is in."""
    views = _views(token.doc)
    found = sentences(token.doc)
    return found[bisect.bisect_right(views.sentence_starts, token.i) - 1]
