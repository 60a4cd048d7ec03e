"""Find stories by words in their articles' text, titles, speakers and entity names.

A stop-gap scan in Python over what the Store already returns; it belongs in ``store.py`` as
an FTS5 query (``Store.search_article_ids(query) -> list[str]``) once the index exists.
"""

from __future__ import annotations

from collections import defaultdict

from crosswire.store import Store


def query_terms(query: str) -> list[str]:
    """Split a search box query into case-folded words."""
    return [term for term in query.casefold().split() if term]


def article_ids_matching(store: Store, query: str) -> set[str]:
    """Return ids of articles whose text, title, outlet, speakers or entities hold every word."""
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
