"""Time expressions resolved against article dates, and the cross-outlet timeline of events."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

import pytest

from crosswire import timeline
from crosswire.entities import canonicalize_entities, find_mentions, link_speakers
from crosswire.records import Article, Span, Statement, Story
from crosswire.timeline import (
    WEEKDAYS,
    _date_parser,
    _known_reading,
    build_timeline,
    find_time_expressions,
    load_time_rules,
    lowered_for_words,
    required_literal,
    required_words,
    resolve_time,
    split_clauses,
    split_sentences,
)

MONDAY = "2025-12-29"


def _article(text: str, article_id: str = "a1", outlet: str = "Wire", date: str | None = MONDAY):
    return Article(id=article_id, text=text, outlet=outlet, date=date)


# ---------------------------------------------------------------- resolving one expression


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("on Monday", (MONDAY, "day", None)),
        ("on Sunday", ("2025-12-28", "day", None)),
        ("Tuesday", ("2025-12-23", "day", None)),
        ("a day prior", ("2025-12-28", "day", None)),
        ("the previous day", ("2025-12-28", "day", None)),
        ("earlier in the day", (MONDAY, "day", None)),
        ("overnight to December 29", ("2025-12-28", "night", MONDAY)),
        ("overnight", ("2025-12-28", "night", MONDAY)),
        ("Sunday night", ("2025-12-28", "night", MONDAY)),
        ("last week", ("2025-12-22", "week", "2025-12-28")),
        ("this month", ("2025-12-01", "month", "2025-12-31")),
        ("yesterday", ("2025-12-28", "day", None)),
        ("December 28", ("2025-12-28", "day", None)),
        ("28 December 2025", ("2025-12-28", "day", None)),
        ("the last week of December", ("2025-12-25", "week", "2025-12-31")),
        ("the first week of December", ("2025-12-01", "week", "2025-12-07")),
    ],
)
def test_expressions_resolve_against_the_article_date(expression, expected):
    assert resolve_time(expression, MONDAY) == expected


@pytest.mark.parametrize(
    ("pattern", "literal"),
    [
        (r"(?:on\s+)?the night of\s+(?P<date>May \d+)", "the night of"),
        (r"(?:earlier|later)\s+today", "today"),
        (r"(?:in|at)\s+(?:sun|moon)", ""),
        (r"(?:ab)+c(?:de)?", "ab"),
        (r"x(?:yz)w", "xyzw"),
    ],
)
def test_required_literal_is_the_longest_run_every_match_contains(pattern, literal):
    assert required_literal(re.compile(pattern, re.IGNORECASE)) == literal


def test_time_rules_find_the_same_matches_as_their_full_patterns():
    texts = [
        "Ships left overnight to May 3 and returned the day before, LAST WEEK.",
        "Talks resume next week; earlier this month the ministry met on the same day.",
        "The \u212aelvin sign and a long \u017f: no rule is about them. On Sunday night, fire.",
        "",
    ]
    for rule in load_time_rules().rules:
        for text in texts:
            expected = [m.span() for m in rule.pattern.finditer(text)]
            assert [m.span() for m in rule.finditer(text)] == expected
            lowered = lowered_for_words(text)
            assert [m.span() for m in rule.finditer(text, lowered)] == expected


def test_required_words_hold_runs_and_alternations_of_literals():
    pattern = re.compile(r"(?:the\s+)?(?:last|past|previous)\s+week", re.IGNORECASE)
    assert required_words(pattern) == (("week",), ("last", "past", "previous"))
    assert required_words(re.compile(r"(?:in|)\s+(?:x\d|y)", re.IGNORECASE)) == ()


def test_lowered_text_is_refused_where_ignorecase_matches_more_than_lower():
    assert lowered_for_words("LAST Week") == "last week"
    assert lowered_for_words("la\u017ft week") is None  # a long s matches "s" case-insensitively


def test_a_bare_weekday_resolves_as_dateparser_reads_it():
    # Weekday names skip dateparser (see ``_known_reading``): over two weeks of article
    # dates, a leap day and a year's end, each form must give the date and period it gives.
    bases = [date(2024, 2, 20) + timedelta(days=n) for n in range(14)]
    bases += [date(2025, 12, 25) + timedelta(days=n) for n in range(10)]
    for base in bases:
        for name in WEEKDAYS:
            for form in (name, name.title(), name.upper()):
                read = _date_parser(base).get_date_data(form)
                assert _known_reading(form, base) == (read.date_obj, read.period)
    assert resolve_time("on Sunday", MONDAY) == ("2025-12-28", "day", None)
    assert resolve_time("MONDAY", MONDAY) == ("2025-12-29", "day", None)


def test_a_date_without_a_year_takes_the_year_nearest_the_article():
    assert resolve_time("December 29", "2026-01-02") == ("2025-12-29", "day", None)
    assert resolve_time("January 5", MONDAY) == ("2026-01-05", "day", None)


def test_a_relative_expression_without_an_article_date_is_unresolved():
    assert resolve_time("on Monday", None)[0] is None
    assert resolve_time("a day prior", None)[0] is None
    assert resolve_time("December 29, 2025", None) == ("2025-12-29", "day", None)


def test_durations_and_unreadable_dates_are_not_points_in_time():
    assert resolve_time("four years", MONDAY)[0] is None
    assert resolve_time("the 1990s", MONDAY)[0] is None


def test_known_readings_are_dateparsers_readings(monkeypatch):
    """The expressions that skip dateparser must read as it reads them: each weekday against
    bases on every weekday, month ends, leap days and year ends, and every month's forms (the
    full check, every base from 1999-12 to 2004-04, every year 1000-2999 and every day of every
    month, passed)."""
    from datetime import date, timedelta

    bases = [date(1999, 12, 26) + timedelta(days=i) for i in range(14)]
    bases += [date(2000, 2, 29), date(2001, 2, 28), date(2017, 3, 31), date(2017, 6, 30)]
    texts = [*timeline.KNOWN_WORDS, *timeline.KNOWN_YEARS, "on Monday", "in 2012", "1000", "2999"]
    texts += [*timeline.MONTH_FORMS, "in June", "September 11", "Nov. 26", "February 29"]
    texts += ["December 31", "Sept 3, 2001", "August 9 2014", "February 2015", "FEBRUARY 30"]
    pairs = [(text, base) for text in texts for base in bases]
    readings = [timeline._known_reading(text, base) for text, base in pairs]
    assert sum(reading is not None for reading in readings) > len(pairs) * 0.9
    known = [timeline._with_dateparser(text, base) for text, base in pairs]
    monkeypatch.setattr(timeline, "_known_reading", lambda text, base: None)
    assert known == [timeline._with_dateparser(text, base) for text, base in pairs]


# ---------------------------------------------------------------- expressions in one article


def test_expressions_keep_their_preposition_and_their_whole_night(nlp):
    article = _article(
        "The minister said on Monday that overnight to December 29 drones attacked the city, "
        "a day after talks that lasted four years."
    )
    found = find_time_expressions(nlp(article.text), article)
    by_text = {t.span.text: t for t in found}
    assert "on Monday" in by_text and by_text["on Monday"].value == MONDAY
    night = by_text["overnight to December 29"]
    assert (night.value, night.granularity, night.end_value) == ("2025-12-28", "night", MONDAY)
    assert "December 29" not in by_text
    assert "four years" not in by_text
    for expression in found:
        assert article.text[expression.span.start : expression.span.end] == expression.span.text


def test_an_undated_article_keeps_its_expressions_unresolved(nlp):
    article = _article("Talks were held a day prior, the aide said on Sunday.", date=None)
    found = find_time_expressions(nlp(article.text), article)
    assert {t.span.text for t in found} == {"a day prior", "on Sunday"}
    assert all(t.value is None for t in found)


def test_sentences_and_clauses_split_without_a_parser():
    text = "U.S. officials met on Monday. He said talks, during which they met, went well."
    sentences = split_sentences(text)
    assert [text[s:e] for s, e in sentences] == [
        "U.S. officials met on Monday.",
        "He said talks, during which they met, went well.",
    ]
    clauses = [text[s:e] for s, e in split_clauses(text, sentences[1])]
    assert clauses[1].startswith(", during which")


def test_a_weekday_in_a_forward_looking_clause_is_the_next_one(nlp):
    thursday = "2026-03-05"
    article = _article(
        "The strike must not derail the talks scheduled in Lissendorf for Monday. "
        "The ministers will meet again on Friday. Officials met on Monday.",
        date=thursday,
    )
    found = {
        (t.span.text, article.text.index(t.span.text)): t.value
        for t in find_time_expressions(nlp(article.text), article)
    }
    values = {text: value for (text, _), value in found.items()}
    assert values["Monday"] == "2026-03-09"
    assert values["on Friday"] == "2026-03-06"
    assert [v for (text, _), v in found.items() if text == "on Monday"] == ["2026-03-02"]


def test_possessives_ages_and_bare_numbers_are_trimmed_or_skipped(nlp):
    article = _article(
        "After last week's talks, the 58-year-old envoy said 58 boats had waited fourteen months."
    )
    texts = {t.span.text for t in find_time_expressions(nlp(article.text), article)}
    assert texts == {"last week"}


# ---------------------------------------------------------------- timeline


def _analyse(nlp, articles: list[Article], statements: list[Statement] | None = None):
    statements = statements or []
    mentions, times = [], []
    for article in articles:
        doc = nlp(article.text)
        own = [s for s in statements if s.article_id == article.id]
        mentions += find_mentions(doc, article, own)
        times += find_time_expressions(doc, article)
    entities = canonicalize_entities(articles, mentions, statements)
    statements = link_speakers(statements, entities)
    story = Story(id="S1", title="story", article_ids=[a.id for a in articles])
    return build_timeline(articles, [story], statements, times, entities), times


def _said(article: Article, speaker: str, name: str, cue: str, content: str, when: str | None):
    def span(text: str) -> Span:
        start = article.text.index(text)
        return Span.of(article.text, start, start + len(text))

    return Statement(
        id=f"{article.id}-{article.text.index(content)}",
        article_id=article.id,
        content=span(content),
        kind="indirect",
        cue=span(cue),
        cue_stance="neutral",
        speaker=span(speaker),
        speaker_name=name,
        speaker_type="PERSON",
        date=span(when) if when else None,
        sentence=Span.of(article.text, 0, len(article.text)),
    )


def test_an_event_takes_the_time_of_its_own_clause_and_a_statement_its_own_date(nlp):
    article = _article(
        "Foreign Minister Anna Berg said on Monday that she met Prime Minister Omar Haddad "
        "in Geneva a day prior."
    )
    said = _said(
        article,
        "Foreign Minister Anna Berg",
        "Anna Berg",
        "said",
        "she met Prime Minister Omar Haddad in Geneva a day prior",
        "on Monday",
    )
    events, _ = _analyse(nlp, [article], [said])
    meeting = next(e for e in events if e.event_type == "meeting")
    assert meeting.date == "2025-12-28"
    assert meeting.evidence[0]["time_span"]["text"] == "a day prior"
    statement = next(e for e in events if e.event_type == "statement")
    assert statement.date == MONDAY and statement.participants == ["Anna Berg"]
    assert [e.date for e in events] == sorted(e.date for e in events)


def test_outlets_reporting_one_event_on_different_days_show_the_disagreement(nlp):
    first = _article("A drone attack hit Kharkiv on Sunday, the governor said.", "a1", "East Wire")
    second = _article("A drone attack hit Kharkov on Saturday, officials said.", "a2", "West Wire")
    events, _ = _analyse(nlp, [first, second])
    attacks = [e for e in events if e.event_type == "attack"]
    assert len(attacks) == 1
    (attack,) = attacks
    assert attack.outlets == ["East Wire", "West Wire"]
    assert len(attack.date_disagreements) == 1
    assert {attack.date, attack.date_disagreements[0]["date"]} == {"2025-12-27", "2025-12-28"}


def test_events_in_different_places_are_not_merged(nlp):
    first = _article("A drone attack hit Kharkiv on Sunday.", "a1", "East Wire")
    second = _article("A drone attack hit Odesa on Sunday.", "a2", "West Wire")
    events, _ = _analyse(nlp, [first, second])
    assert len([e for e in events if e.event_type == "attack"]) == 2


def test_the_timeline_resolves_again_once_an_article_date_is_inferred(nlp):
    undated = _article("Drones attacked Kharkiv overnight to December 29.", date=None)
    doc = nlp(undated.text)
    times = find_time_expressions(doc, undated)
    assert all(t.value is None for t in times)
    dated = replace(undated, date=MONDAY, date_inferred=True)
    mentions = find_mentions(doc, dated, [])
    entities = canonicalize_entities([dated], mentions, [])
    story = Story(id="S1", title="story", article_ids=[dated.id])
    events = build_timeline([dated], [story], [], times, entities)
    attack = next(e for e in events if e.event_type == "attack")
    assert (attack.date, attack.granularity) == ("2025-12-28", "night")
    assert attack.evidence[0]["end_value"] == MONDAY


# ---------------------------------------------------------------- the seed articles


@pytest.fixture(scope="module")
def seed_timeline(nlp, seed_articles):
    from crosswire.statements import extract_statements

    articles = seed_articles
    statements = []
    for article in articles:
        statements += extract_statements(nlp(article.text), article)
    events, times = _analyse(nlp, articles, statements)
    return articles, events, times


def _time_texts(event) -> set[str]:
    return {e["time_span"]["text"] for e in event.evidence if e["time_span"]}


def test_seed_meeting_in_florida_is_dated_the_day_before(seed_timeline):
    _, events, _ = seed_timeline
    meetings = [
        e for e in events if e.event_type == "meeting" and "Volodymyr Zelenskyy" in e.participants
    ]
    assert len(meetings) == 1
    (meeting,) = meetings
    assert (meeting.date, meeting.granularity) == ("2025-12-28", "day")
    assert {"a day prior", "on Sunday"} <= _time_texts(meeting)
    assert "Florida" in meeting.participants


def test_seed_attack_is_dated_the_night_to_december_29(seed_timeline):
    _, events, _ = seed_timeline
    attacks = [e for e in events if e.event_type == "attack" and e.granularity == "night"]
    assert len(attacks) == 1
    (attack,) = attacks
    assert attack.date == "2025-12-28"
    assert any(e["end_value"] == MONDAY for e in attack.evidence)
    assert "overnight to December 29" in _time_texts(attack)
    assert len(attack.outlets) == 2  # both seed reports carry it


def test_seed_statements_are_dated_the_day_they_were_made(seed_timeline):
    _, events, _ = seed_timeline
    statements = [e for e in events if e.event_type in ("statement", "denial")]
    assert statements and all(e.date == MONDAY for e in statements)
    dated_by = set().union(*(_time_texts(e) for e in statements))
    assert {"on Monday", "earlier in the day"} <= dated_by


def test_seed_timeline_is_sorted_and_every_span_points_into_its_article(seed_timeline):
    articles, events, times = seed_timeline
    texts = {a.id: a.text for a in articles}
    assert [e.date for e in events] == sorted(e.date for e in events)
    for event in events:
        for evidence in event.evidence:
            for key in ("span", "trigger", "time_span"):
                span = evidence[key]
                if span:
                    text = texts[evidence["article_id"]]
                    assert text[span["start"] : span["end"]] == span["text"]
    for expression in times:
        assert texts[expression.article_id][expression.span.start : expression.span.end] == (
            expression.span.text
        )


# ---------------------------------------------------------------- scoring


def test_time_scores_count_found_expressions_and_right_dates():
    from crosswire.evaluate.timeline import GoldTime, score_time_expressions
    from crosswire.records import TemporalExpression

    text = "Drones attacked overnight to March 5 and talks began on Monday."
    night = Span.of(text, 16, 36)
    monday = Span.of(text, 53, 62)
    predicted = [
        TemporalExpression("a1", night, "2026-03-04", "night", "2026-03-05"),
        TemporalExpression("a1", monday, "2026-03-02", "day", None),
    ]
    gold = [
        GoldTime("a1", 16, 36, night.text, "2026-03-05", "night"),
        GoldTime("a1", 53, 62, monday.text, "2026-03-09", "day"),
        GoldTime("a1", 0, 6, "Drones", "2026-03-05", "day"),
    ]
    scores = score_time_expressions(predicted, gold)
    assert scores["found"] == 2 and scores["recall"] == 2 / 3
    assert scores["date_accuracy"] == 1 / 3 and scores["date_accuracy_of_found"] == 0.5
    assert scores["granularity_accuracy_of_found"] == 1.0


def test_one_event_reported_in_articles_of_different_stories_is_merged(nlp):
    first = _article("A drone attack hit Kharkiv on Sunday, the governor said.", "a1", "East Wire")
    second = _article("A drone attack hit Kharkiv on Sunday, officials said.", "a2", "West Wire")
    mentions, times = [], []
    for article in (first, second):
        doc = nlp(article.text)
        mentions += find_mentions(doc, article, [])
        times += find_time_expressions(doc, article)
    entities = canonicalize_entities([first, second], mentions, [])
    stories = [Story(id="S1", title="one", article_ids=["a1"]), Story("S2", "two", ["a2"])]
    events = build_timeline([first, second], stories, [], times, entities)
    (attack,) = [e for e in events if e.event_type == "attack"]
    assert attack.outlets == ["East Wire", "West Wire"] and attack.date == "2025-12-28"
    assert attack.date_disagreements == []
