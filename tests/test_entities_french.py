"""Name mentions of French articles, and their link to the same names in English articles
(sentences written for these tests)."""

from __future__ import annotations

from crosswire.entities import canonicalize_entities
from crosswire.parse import parse_articles
from crosswire.pipeline import annotate_article
from crosswire.records import Article


def _french(text: str, article_id: str = "f1") -> Article:
    return Article(
        id=article_id,
        text=text,
        outlet="Le Courrier",
        date="2026-03-06",
        language="fr",
        is_english=False,
    )


def test_french_names_become_mentions_with_the_english_labels_and_without_descriptions():
    article = _french(
        "Le ministre brevanien de la Défense, Iouri Hordynsky, s'est rendu à Tarniv jeudi."
    )
    ((_, doc),) = parse_articles([article])
    mentions = annotate_article(doc, article).mentions
    found = {(m.span.text, m.label, m.kind) for m in mentions}
    assert ("Iouri Hordynsky", "PERSON", "name") in found
    assert ("Tarniv", "GPE", "name") in found
    assert not any(m.span.text[:1].islower() for m in mentions)


def test_a_name_spelled_the_french_way_joins_the_entity_of_its_english_spelling():
    french = _french("Iouri Hordynsky a accusé la Velmara voisine d'être à l'origine de l'attaque.")
    english = Article(
        id="e1",
        text="Defence Minister Yuriy Hordynskyi said the attack was a response to protests.",
        outlet="Wire",
        date="2026-03-06",
    )
    mentions, statements = [], []
    for article, doc in parse_articles([english, french]):
        found = annotate_article(doc, article)
        mentions += found.mentions
        statements += found.statements
    entities = canonicalize_entities([english, french], mentions, statements)
    (minister,) = [e for e in entities if "Yuriy Hordynskyi" in [e.name, *e.aliases]]
    assert "Iouri Hordynsky" in minister.aliases
    assert {m.article_id for m in minister.mentions} == {"e1", "f1"}
