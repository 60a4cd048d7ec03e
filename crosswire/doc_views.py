"""Views of a parsed Doc that the rule stages read over and over, built once per doc.

spaCy builds a new Token object on each step of ``for token in doc``, on each ``doc[i]`` and
on each step through ``token.children``; ``span.text`` joins its tokens' texts again on every
access, a token's string attributes (``lower_``, ``pos_``) are looked up in the string store on
each access, and ``token.sent`` checks every token's sentence annotation before it finds the
sentence (8 µs a call on the benchmark machine). The rule stages walk every token of an article
in a dozen passes and look up tokens' sentences, children and texts thousands of times. The
views are those of the last doc asked about (the stages read one article at a time), kept here
rather than in ``doc.user_data`` so that no reference cycle keeps the doc alive after its
article is done.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any


@dataclass
class _DocViews:
    doc: Any
    length: int  # a retokenized doc is a different doc to the views
    tokens: list[Any]
    sentences: list[Any] | None = None
    sentence_starts: list[int] = field(default_factory=list)  # first token of each sentence
    text: str | None = None
    children: list[list[Any]] | None = None  # each token's children, by token index
    subtrees: dict[int, tuple[Any, ...]] = field(default_factory=dict)  # token index -> subtree
    attributes: dict[str, list[Any]] = field(default_factory=dict)  # attribute name -> values


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


def values(doc: Any, attribute: str) -> list[Any]:
    """Return one attribute of every token, by token index: ``values(doc, "lower_")[i]`` is
    ``doc[i].lower_``. Read-only: the list is shared by every caller until the next doc."""
    views = _views(doc)
    found = views.attributes.get(attribute)
    if found is None:
        found = views.attributes[attribute] = list(map(attrgetter(attribute), views.tokens))
    return found


def token_ends(doc: Any) -> list[int]:
    """Return where every token ends in the doc text: ``token.idx + len(token.text)``, by index."""
    views = _views(doc)
    found = views.attributes.get("end")
    if found is None:
        lengths = map(len, values(doc, "text"))
        found = views.attributes["end"] = list(map(int.__add__, values(doc, "idx"), lengths))
    return found


def text(doc: Any) -> str:
    """Return ``doc.text``, built once per doc."""
    views = _views(doc)
    if views.text is None:
        views.text = doc.text
    return views.text


def span_text(span: Any) -> str:
    """Return ``span.text`` (the span's characters in its doc) without joining its tokens."""
    return text(span.doc)[span.start_char : span.end_char] if len(span) else ""


def children(token: Any) -> list[Any]:
    """Return ``list(token.children)``: the token's children in document order. Read-only."""
    views = _views(token.doc)
    if views.children is None:
        views.children = _all_children(views.tokens)
    return views.children[token.i]


def lefts(token: Any) -> list[Any]:
    """Return ``list(token.lefts)``: the token's children before it, in document order."""
    i = token.i
    return [child for child in children(token) if child.i < i]


def rights(token: Any) -> list[Any]:
    """Return ``list(token.rights)``: the token's children after it, in document order."""
    i = token.i
    return [child for child in children(token) if child.i > i]


def subtree(token: Any) -> tuple[Any, ...]:
    """Return ``tuple(token.subtree)``: the token and its descendants in document order (the
    subtrees of its left children, the token, those of its right children)."""
    views = _views(token.doc)
    found = views.subtrees.get(token.i)
    if found is None:
        if views.children is None:
            views.children = _all_children(views.tokens)
        found = _subtree(views, token.i)
    return found


def _subtree(views: _DocViews, root: int) -> tuple[Any, ...]:
    """Build the subtrees under ``root`` that are not built yet, children before parents (a
    stack, not recursion: a parse can be deeper than Python's recursion limit)."""
    built = views.subtrees
    pending = [root]
    while pending:
        i = pending[-1]
        if i in built:
            pending.pop()
            continue
        unbuilt = [child.i for child in views.children[i] if child.i not in built]
        if unbuilt:
            pending.extend(unbuilt)
            continue
        pending.pop()
        found: list[Any] = []
        placed = False
        for child in views.children[i]:
            if not placed and child.i > i:
                found.append(views.tokens[i])
                placed = True
            found.extend(built[child.i])
        if not placed:
            found.append(views.tokens[i])
        built[i] = tuple(found)
    return built[root]


def _all_children(doc_tokens: list[Any]) -> list[list[Any]]:
    found: list[list[Any]] = [[] for _ in doc_tokens]
    for token in doc_tokens:
        head = token.head.i
        if head != token.i:
            found[head].append(token)
    return found


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
