"""Find articles by words in their text, titles, outlets, speakers and entity names.

The store's full-text index answers; a store opened read-only before it was upgraded has no
index, so a slower scan over what the Store returns stands in.
"""

from __future__ import annotations

from collections import defaultdict

from crosswire.store import Store, StoreError


def query_terms(query: str) -> list[str]:
    """Split a search box query into case-folded words."""
    return [term for term in query.casefold().split() if term]


def article_ids_matching(store: Store, query: str) -> set[str]:
    """Return ids of articles whose text, title, outlet, speakers or entities hold every word."""
    try:
        return set(store.search_article_ids(query))
    except StoreError:
        return article_ids_scanned(store, query)


def article_ids_scanned(store: Store, query: str) -> set[str]:
    """Find matching articles without the index: every word must occur in the joined text."""
    terms = query_terms(query)
    if not terms:
        return {a.id for a in store.articles()}
    haystacks: dict[str, list[str]] = defaultdict(list)
    for article in store.articles():
        haystacks[article.id] += [article.text, article.title or "", article.outlet or ""]
    for statement in store.statements():
        haystacks[statement.article_id].append(statement.speaker_name or "")
        if statement.speaker:
            haystacks[statement.article_id].append(statement.speaker.text)
    for entity in store.entities():
        names = [entity["name"], *entity.get("aliases", [])]
        for mention in entity.get("mentions", []):
            haystacks[mention["article_id"]] += names
    found = set()
    for article_id, parts in haystacks.items():
        text = "\n".join(parts).casefold()
        if all(term in text for term in terms):
            found.add(article_id)
    return found
