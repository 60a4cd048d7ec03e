"""Say when things happened: time expressions per article, and a timeline of events per story.

``find_time_expressions`` takes spaCy's DATE and TIME entities plus the relative expressions of
``data/time_rules.tsv`` ("a day prior", "overnight to May 3") and resolves each against
the article date: dateparser with ``RELATIVE_BASE`` set to that date (and its default
``PREFER_DATES_FROM``, under which "on Monday" in a Monday article means that day), and the rules
of the data file where dateparser has no answer. ``build_timeline`` re-resolves them against the
final article dates, finds events with the trigger lexicon of ``data/events.tsv``, dates each by
the time expression of its own clause (statements by their own date), merges the same event
reported by several outlets, and lists the dates outlets disagree on instead of hiding them.
"""

from __future__ import annotations

import calendar
import functools
import re
import re._constants as regex_opcodes
import re._parser as regex_parser
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from crosswire import doc_views
from crosswire.records import (
    Article,
    Entity,
    Mention,
    Span,
    Statement,
    Story,
    TemporalExpression,
    TimelineEvent,
    stable_id,
)
from crosswire.timeline_french import find_french_time_expressions

DATA = Path(__file__).resolve().parent / "data"

TIME_LABELS = frozenset({"DATE", "TIME"})
WORD = re.compile(r"[A-Za-z]+")
# Words before a date entity that belong to the expression a reader sees ("on Monday").
LEADING_PREPOSITION = re.compile(r"(?i)\bon\s+$")
# Prepositions dateparser does not need ("in March", "on Sunday").
STRIP_PREPOSITION = re.compile(r"(?i)^(?:on|in|at|by|during|as of)\s+")
CLOCK_TIME = re.compile(r"(?i)\b\d{1,2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?)|\b\d{1,2}:\d{2}\b")
YEAR = re.compile(r"\b\d{4}\b")
MONTH_NAME = re.compile(
    r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(?![a-z])"
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY = re.compile(
    r"(?i)(?:(?:on|for|from|until|till|by)\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
)
# Words whose dateparser reading ``_known_reading`` knows, as articles write them.
KNOWN_WORDS = {
    form: word
    for word in (*WEEKDAYS, "today", "yesterday")
    for form in (word, word.capitalize(), word.upper())
}
KNOWN_YEARS = {
    form: offset
    for word, offset in (("last year", -1), ("this year", 0), ("next year", 1))
    for form in (word, word.capitalize())
}
BARE_YEAR = re.compile(r"[12][0-9]{3}")
MONTH_FORMS = {
    form: number
    for number in range(1, 13)
    for form in (
        calendar.month_name[number],
        calendar.month_name[number].upper(),
        calendar.month_abbr[number],
        calendar.month_abbr[number] + ".",
    )
} | {"Sept": 9, "Sept.": 9}
MONTH_DATE = re.compile(
    r"(?P<month>[A-Z][A-Za-z]+\.?)(?: (?P<day>[1-9]|[12][0-9]|3[01]))?(?:,? (?P<year>(?:19|20)[0-9]{2}))?"
)
POSSESSIVE_TIME = re.compile(r"['\u2019]s?$")
GRANULARITY_ORDER = {"time": 0, "day": 1, "night": 2, "week": 3, "month": 4, "year": 5}
# A date within this many days of the article date, before or after it, counts as the same day
# for an event dated only by its article ("weak" evidence).
ARTICLE_DATE_WINDOW_DAYS = 2
EVENT_DATE_WINDOW_DAYS = 1
PARTICIPANT_OVERLAP = 0.5
ACTOR_LABELS = frozenset({"PERSON", "ORG"})
STATEMENT_TYPES = frozenset({"statement", "denial"})
DESCRIPTION_CHARS = 200
# A sentence ends at . ! ? (and a closing quote) before a capital, unless the period ends an
# abbreviation such as "U.S." or "Mr.".
SENTENCE_END = re.compile(r"[.!?][\"\u201d\u2019']?\s+(?=[\"\u201c\u2018]?[A-Z0-9])|\n+")
ABBREVIATION = re.compile(
    r"(?:\b[A-Z]\.(?:[A-Z]\.)*|\b(?:Mr|Mrs|Ms|Dr|St|Gen|Sen|Rep|Gov|Jr|Sr)\.)$"
)


# ---------------------------------------------------------------- lexicons


def _read_tsv(path: Path) -> list[list[str]]:
    """Read a tab-separated data file, skipping '#' comments and the header row."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith("#")]
    return [[cell.strip() for cell in line.split("\t")] for line in lines[1:]]


@dataclass(frozen=True)
class TimeRule:
    """One relative expression and how to resolve it."""

    pattern: re.Pattern[str]
    rule: str
    granularity: str
    # text every match contains (same flags as ``pattern``), or None: a text without it is
    # not searched with the full pattern
    required: re.Pattern[str] | None = None
    # for a case-insensitive pattern, lower-case ASCII words every match contains, as sets of
    # alternatives ("week"; one of "last", "past", "previous"), to look for in lowered text
    required_words: tuple[tuple[str, ...], ...] = ()

    def finditer(self, text: str, lowered: str | None = None) -> Iterable[re.Match[str]]:
        """Find the rule's matches in ``text``, as ``pattern.finditer`` does, but faster.

        ``lowered`` is ``lowered_for_words(text)``, when the caller searches one text with many
        rules: the required words are then looked up in it as plain substrings.
        """
        if lowered is not None and self.required_words:
            for alternatives in self.required_words:
                if not any(word in lowered for word in alternatives):
                    return ()
            return self.pattern.finditer(text)
        if self.required is not None and self.required.search(text) is None:
            return ()
        return self.pattern.finditer(text)


# the characters that ``re.IGNORECASE`` matches to an ASCII letter but ``str.lower`` does not
# lower to it (dotted and dotless I, long s), found by trying every code point
_IGNORECASE_ODDITIES = ("\u0130", "\u0131", "\u017f")


def lowered_for_words(text: str) -> str | None:
    """Return ``text.lower()`` when a case-insensitive search for an ASCII word in ``text``
    finds it exactly where ``word in text.lower()`` does, else None."""
    if any(odd in text for odd in _IGNORECASE_ODDITIES):
        return None
    return text.lower()


@dataclass(frozen=True)
class TimeRules:
    """The rules, ignore patterns and future markers of ``data/time_rules.tsv``."""

    rules: tuple[TimeRule, ...]
    ignore: tuple[re.Pattern[str], ...]
    future_words: frozenset[str]
    future_prepositions: frozenset[str]


@functools.cache
def load_time_rules(path: Path = DATA / "time_rules.tsv") -> TimeRules:
    """Load the time-expression rules (once per process)."""
    rows = _read_tsv(path)
    macros = {row[1]: row[2] for row in rows if row[0] == "macro"}

    def expand(pattern: str) -> re.Pattern[str]:
        for name, body in macros.items():
            pattern = pattern.replace("{" + name + "}", body)
        return re.compile(pattern, re.IGNORECASE)

    rules = tuple(_time_rule(expand(r[1]), r[2], r[3]) for r in rows if r[0] == "rule")
    ignore = tuple(expand(r[1]) for r in rows if r[0] == "ignore")
    future_words = frozenset(r[1].lower() for r in rows if r[0] == "future_word")
    future_prepositions = frozenset(r[1].lower() for r in rows if r[0] == "future_preposition")
    return TimeRules(rules, ignore, future_words, future_prepositions)


def _time_rule(pattern: re.Pattern[str], rule: str, granularity: str) -> TimeRule:
    literal = required_literal(pattern)
    flags = pattern.flags & ~re.VERBOSE  # so the escaped run's spaces stay literal
    required = re.compile(re.escape(literal), flags) if literal else None
    words = required_words(pattern) if pattern.flags & re.IGNORECASE else ()
    return TimeRule(pattern, rule, granularity, required, words)


def required_literal(pattern: re.Pattern[str]) -> str:
    """Return the longest run of literal characters every match of ``pattern`` contains ("" if none).

    Searching a text for the run first skips the full pattern on most texts, where the run is
    absent: checking the 25 relative-time rules against an article took half the time.
    """
    runs: list[str] = []
    current: list[str] = []
    _literal_runs(regex_parser.parse(pattern.pattern, pattern.flags), runs, current)
    _close_run(runs, current)
    return max(runs, key=len, default="")


def required_words(pattern: re.Pattern[str]) -> tuple[tuple[str, ...], ...]:
    """Return what every match of ``pattern`` contains, lower-cased, as sets of alternatives:
    each run of literal characters (one alternative), and each alternation of bare literals
    ("last|past|previous"). Only ASCII runs and alternations are kept.
    """
    runs: list[str] = []
    current: list[str] = []
    alternations: list[tuple[str, ...]] = []
    _literal_runs(regex_parser.parse(pattern.pattern, pattern.flags), runs, current, alternations)
    _close_run(runs, current)
    found = [(run,) for run in runs] + alternations
    return tuple(
        tuple(word.lower() for word in alternatives)
        for alternatives in found
        if all(word.isascii() for word in alternatives)
    )


def _literal_runs(
    items: Any,
    runs: list[str],
    current: list[str],
    alternations: list[tuple[str, ...]] | None = None,
) -> None:
    """Collect the runs of literal characters that a match of ``items`` must contain, in
    ``runs``; ``current`` is the run still open, which the caller's next item may continue.
    With ``alternations``, collect there too the alternations of bare literals a match must
    contain one of."""
    for op, argument in items:
        if op is regex_opcodes.LITERAL:
            current.append(chr(argument))
            continue
        # a group without its own flags matches its items in sequence: the run goes on inside
        if op is regex_opcodes.SUBPATTERN and not argument[1] and not argument[2]:
            _literal_runs(argument[3], runs, current, alternations)
            continue
        _close_run(runs, current)
        if op in (regex_opcodes.MAX_REPEAT, regex_opcodes.MIN_REPEAT) and argument[0] >= 1:
            inner: list[str] = []
            _literal_runs(argument[2], runs, inner, alternations)
            _close_run(runs, inner)
        if op is regex_opcodes.BRANCH and alternations is not None:
            words = [_bare_literal(branch) for branch in argument[1]]
            if all(words):
                alternations.append(tuple(words))


def _bare_literal(items: Any) -> str:
    """Return the text a sequence of literal characters matches ("" if it is anything else)."""
    if not all(op is regex_opcodes.LITERAL for op, _ in items):
        return ""
    return "".join(chr(argument) for _, argument in items)


def _close_run(runs: list[str], current: list[str]) -> None:
    if current:
        runs.append("".join(current))
        current.clear()


@dataclass(frozen=True)
class EventLexicon:
    """Event triggers and clause breaks from ``data/events.tsv``."""

    triggers: re.Pattern[str]  # every trigger form, longest first, in one pattern
    event_types: dict[str, str]  # lower-case form (single spaces) -> event type
    clause_breaks: tuple[re.Pattern[str], ...]
    first_words: frozenset[str]  # the words a trigger can start with, to skip the rest fast

    def event_type(self, matched: str) -> str:
        return self.event_types[" ".join(matched.lower().split())]


@functools.cache
def load_event_lexicon(path: Path = DATA / "events.tsv") -> EventLexicon:
    """Load the event trigger lexicon (once per process)."""
    event_types: dict[str, str] = {}
    breaks = []
    for kind, event_type, forms in _read_tsv(path):
        if kind == "clause_break":
            breaks.append(re.compile(forms, re.IGNORECASE))
            continue
        for form in forms.split(","):
            if form.strip():
                event_types.setdefault(" ".join(form.lower().split()), event_type)
    words = sorted(event_types, key=len, reverse=True)
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
    triggers = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)
    first_words = frozenset(form.split()[0] for form in event_types)
    return EventLexicon(triggers, event_types, tuple(breaks), first_words)


# ---------------------------------------------------------------- resolving one expression


Resolution = tuple[str | None, str, str | None]


def _iso(day: date) -> str:
    return day.isoformat()


def _parse_iso(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def _month_of(day: date) -> tuple[date, date]:
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def _shift_month(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@functools.lru_cache(maxsize=256)
def _date_parser(base: date | None) -> Any:
    """Return a dateparser parser relative to ``base`` at noon (so a time of day never shifts it)."""
    from dateparser.date import DateDataParser

    settings: dict[str, Any] = {"RETURN_AS_TIMEZONE_AWARE": False}
    if base is not None:
        settings["RELATIVE_BASE"] = datetime(base.year, base.month, base.day, 12)
    return DateDataParser(languages=["en"], settings=settings)


@functools.lru_cache(maxsize=65536)
def _dateparser_result(text: str, base: date | None) -> tuple[datetime, str] | None:
    """Parse with dateparser relative to ``base``; None when it cannot read the text."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = _date_parser(base).get_date_data(text)
    if data.date_obj is None:
        return None
    # dateparser falls back on the wall clock for text it cannot read ("the 1990s"): a base at
    # noon sharp never yields seconds, so a result with seconds is such a fallback.
    if data.date_obj.second or data.date_obj.microsecond:
        return None
    return data.date_obj, data.period or "day"


def _nearest_year(day: date, base: date) -> date:
    """Move a date written without a year to the year that puts it nearest the article date."""
    candidates = []
    for year in (base.year - 1, base.year, base.year + 1):
        try:
            candidates.append(day.replace(year=year))
        except ValueError:
            continue
    return min(candidates, key=lambda d: (abs((d - base).days), d))


def _known_reading(text: str, base: date) -> tuple[datetime, str] | None:
    """Return what dateparser reads in the commonest expressions, without its parse (None for
    anything else): a weekday alone is its latest occurrence up to the base; "today",
    "yesterday", "last year" and the like count from the base; a year alone is that year; a
    month alone or with a year takes the base's day of the month (or the month's last), and a
    month and day without a year the base's year.

    These are half the expressions news articles send to dateparser, at about a millisecond
    each. ``tests/test_timeline.py`` holds these readings to dateparser's: every weekday of the
    base, year ends, leap days, every form of every month (the full check, 1999-12 to 2004-04,
    every year 1000-2999, every month and day, passed).
    """
    word = KNOWN_WORDS.get(text)
    if word is not None:
        if word in WEEKDAYS:
            day = base - timedelta(days=(base.weekday() - WEEKDAYS.index(word)) % 7)
            return datetime(day.year, day.month, day.day), "day"
        day = base - timedelta(days=word == "yesterday")
        return datetime(day.year, day.month, day.day, 12), "day"
    if text in KNOWN_YEARS:
        return datetime(base.year + KNOWN_YEARS[text], 1, 1, 12), "year"
    if BARE_YEAR.fullmatch(text):
        return datetime(int(text), 1, 1), "year"
    written = MONTH_DATE.fullmatch(text)
    month = MONTH_FORMS.get(written.group("month")) if written else None
    if month is None:
        return None
    year = int(written.group("year") or base.year)
    if written.group("day") is None:
        day = min(base.day, calendar.monthrange(year, month)[1])
        return datetime(year, month, day), "month"
    try:
        return datetime(year, month, int(written.group("day"))), "day"
    except ValueError:  # "February 29" in a common year: dateparser looks for a leap year
        return None


def _with_dateparser(text: str, base: date | None) -> Resolution | None:
    stripped = STRIP_PREPOSITION.sub("", text)
    has_year = bool(YEAR.search(stripped))
    if base is None and not has_year:
        return None
    parsed = (base is not None and _known_reading(stripped, base)) or _dateparser_result(
        stripped, base
    )
    if parsed is None:
        return None
    moment, period = parsed
    day = moment.date()
    if base is not None and not has_year and MONTH_NAME.search(stripped):
        day = _nearest_year(day, base)
    if CLOCK_TIME.search(stripped):
        return _iso(day), "time", None
    if period == "week":
        start, end = _week_of(day)
        return _iso(start), "week", _iso(end)
    if period == "month":
        start, end = _month_of(day)
        return _iso(start), "month", _iso(end)
    if period == "year":
        return _iso(date(day.year, 1, 1)), "year", _iso(date(day.year, 12, 31))
    return _iso(day), "day", None


def _apply_rule(rule: TimeRule, match: re.Match[str], base: date | None) -> Resolution:
    """Resolve an expression that matched one of the data file's rules."""
    kind, _, amount = rule.rule.partition(":")
    named = match.groupdict().get("date")
    anchor = base
    if named:
        resolved = _with_dateparser(named, base)
        anchor = _parse_iso(resolved[0]) if resolved else None
    if anchor is None:
        return None, rule.granularity, None
    if kind == "night_ending":
        return _iso(anchor - timedelta(days=1)), "night", _iso(anchor)
    if kind == "night_starting":
        return _iso(anchor), "night", _iso(anchor + timedelta(days=1))
    if kind == "shift_days":
        return _iso(anchor + timedelta(days=int(amount))), "day", None
    if kind == "same_day":
        return _iso(anchor), "day", None
    if kind == "week":
        start, end = _week_of(anchor + timedelta(weeks=int(amount)))
        return _iso(start), "week", _iso(end)
    if kind == "month":
        start, end = _month_of(_shift_month(anchor, int(amount)))
        return _iso(start), "month", _iso(end)
    if kind == "month_week":
        # The seven days of the month the phrase names: days 1-7, 8-14, ... or its last seven.
        first, last = _month_of(anchor)
        nth = int(amount)
        start = last - timedelta(days=6) if nth < 0 else first + timedelta(weeks=nth - 1)
        return _iso(start), "week", _iso(min(start + timedelta(days=6), last))
    if kind == "weekend":
        saturday = anchor - timedelta(days=(anchor.weekday() - 5) % 7)
        return _iso(saturday), "week", _iso(saturday + timedelta(days=1))
    raise ValueError(f"data/time_rules.tsv: unknown rule {rule.rule!r}; see the file's header")


def strip_possessive_time(text: str) -> str:
    """Drop a possessive from a time expression ("last week's" → "last week")."""
    return POSSESSIVE_TIME.sub("", text)


def is_ignored_expression(expression: str) -> bool:
    """Tell whether a DATE-looking expression is a duration or an age, not a point in time."""
    text = " ".join(expression.split())
    return any(pattern.fullmatch(text) for pattern in load_time_rules().ignore)


@functools.lru_cache(maxsize=16384)
def resolve_time(
    expression: str, article_date: str | None, prefer_future: bool = False
) -> Resolution:
    """Resolve a time expression against the article date: (value, granularity, end_value).

    ``value`` is an ISO date (the first day of a night, week or month range) or None when the
    expression cannot be placed, for instance a relative one in an undated article. A bare
    weekday means its latest occurrence up to the article date (dateparser's default), or its
    next occurrence from that date on when ``prefer_future`` says the clause points forward.
    """
    text = strip_possessive_time(" ".join(expression.split()).strip(" ,."))
    base = _parse_iso(article_date)
    if is_ignored_expression(text):
        return None, "day", None
    weekday = WEEKDAY.fullmatch(text)
    if prefer_future and weekday and base is not None:
        target = WEEKDAYS.index(weekday.group(1).lower())
        return _iso(base + timedelta(days=(target - base.weekday()) % 7)), "day", None
    for rule in load_time_rules().rules:
        match = rule.pattern.fullmatch(text)
        if match:
            return _apply_rule(rule, match, base)
    resolved = _with_dateparser(text, base)
    if resolved is None:
        granularity = "time" if CLOCK_TIME.search(text) else "day"
        return None, granularity, None
    return resolved


# ---------------------------------------------------------------- expressions in one article


def _candidate_bounds(doc: Any, text: str) -> list[tuple[int, int]]:
    found = []
    for ent in doc.ents:
        if ent.label_ not in TIME_LABELS:
            continue
        start, end = ent.start_char, ent.end_char
        before = LEADING_PREPOSITION.search(text, max(0, start - 4), start)
        if before and before.end() == start:
            start = before.start()
        found.append((start, end))
    lowered = lowered_for_words(text)
    for rule in load_time_rules().rules:
        for match in rule.finditer(text, lowered):
            if _on_word_boundaries(text, *match.span()):
                found.append(match.span())
    return found


def _on_word_boundaries(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or after.isalnum())


def _longest_first(bounds: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Keep the longest of overlapping candidates ("overnight to May 3" over "May 3")."""
    kept: list[tuple[int, int]] = []
    for start, end in sorted(set(bounds), key=lambda b: (-(b[1] - b[0]), b[0])):
        if any(start < k_end and k_start < end for k_start, k_end in kept):
            continue
        kept.append((start, end))
    return sorted(kept)


def find_time_expressions(doc: Any, article: Article) -> list[TemporalExpression]:
    """Find the time expressions of one article and resolve them against its date (a French
    parse with the French time words of ``timeline_french``)."""
    if doc.lang_ == "fr":
        return find_french_time_expressions(doc, article)
    text = article.text
    found = []
    for start, end in _longest_first(_candidate_bounds(doc, text)):
        end = start + len(strip_possessive_time(text[start:end]))
        span = Span.of(text, start, end)
        if is_ignored_expression(span.text):
            continue
        # An expression that no article date could place ("the previous stage") is not a time.
        if resolve_time(span.text, "2000-01-03")[0] is None:
            continue
        future = points_forward(doc, start, end)
        value, granularity, end_value = resolve_time(span.text, article.date, future)
        found.append(TemporalExpression(article.id, span, value, granularity, end_value))
    return found


def points_forward(doc: Any, start: int, end: int) -> bool:
    """Tell whether the clause of a time expression looks ahead ("will meet on Monday")."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return False
    rules = load_time_rules()
    head = span.root.head
    preposition = head.lower_ if head.dep_ == "prep" else None
    for _ in range(3):
        if head.pos_ in ("VERB", "AUX") or head.head is head:
            break
        head = head.head
    if head.lemma_.lower() in rules.future_words:
        return True
    if head.tag_ in ("VBD", "VBN") or head.pos_ not in ("VERB", "AUX"):
        return False
    modals = {child.lower_ for child in doc_views.children(head) if child.tag_ == "MD"}
    if modals & rules.future_words:
        return True
    return preposition in rules.future_prepositions and head.tag_ == "VB"


# ---------------------------------------------------------------- timeline


@dataclass
class _Candidate:
    """One report of an event in one article, before reports are merged."""

    event_type: str
    story_id: str | None
    article_id: str
    outlet: str | None
    span: Span
    trigger: Span | None
    description: str
    participants: dict[str, str]  # entity name -> label
    time: TemporalExpression | None
    value: str | None
    granularity: str
    end_value: str | None
    basis: str  # expression | statement date | article date
    statement_id: str | None = None

    @property
    def is_weak(self) -> bool:
        return self.basis == "article date"

    def interval(self) -> tuple[date, date] | None:
        start = _parse_iso(self.value)
        if start is None:
            return None
        return start, _parse_iso(self.end_value) or start

    def evidence(self) -> dict[str, Any]:
        return {
            "article_id": self.article_id,
            "outlet": self.outlet,
            "span": self.span.to_dict(),
            "trigger": self.trigger.to_dict() if self.trigger else None,
            "time_span": self.time.span.to_dict() if self.time else None,
            "date": self.value,
            "granularity": self.granularity,
            "end_value": self.end_value,
            "date_basis": self.basis,
            "statement_id": self.statement_id,
        }


@dataclass
class _ArticleContext:
    """What the timeline needs to know about one article."""

    article: Article
    story_id: str | None
    times: list[TemporalExpression]
    statements: list[Statement]
    mentions: list[tuple[Mention, Entity]]
    sentences: list[tuple[int, int]] = field(default_factory=list)
    clauses: list[tuple[int, int]] = field(default_factory=list)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Split text into sentence bounds without a parser (the timeline has only the text)."""
    bounds = []
    start = 0
    for match in SENTENCE_END.finditer(text):
        if ABBREVIATION.search(text, max(0, match.start() - 6), match.start() + 1):
            continue
        if match.start() + 1 > start:
            bounds.append((start, match.start() + 1))
        start = match.end()
    if start < len(text):
        bounds.append((start, len(text)))
    return [(s, e) for s, e in bounds if text[s:e].strip()]


def split_clauses(text: str, sentence: tuple[int, int]) -> list[tuple[int, int]]:
    """Split one sentence at the clause breaks of ``data/events.tsv``."""
    start, end = sentence
    cuts = {start, end}
    for pattern in load_event_lexicon().clause_breaks:
        for match in pattern.finditer(text, start, end):
            cuts.add(match.start())
    ordered = sorted(cuts)
    return [(a, b) for a, b in zip(ordered, ordered[1:], strict=False) if text[a:b].strip()]


def _containing(bounds: list[tuple[int, int]], position: int) -> tuple[int, int] | None:
    for start, end in bounds:
        if start <= position < end:
            return start, end
    return None


def _inside(span: Span | None, position: int) -> bool:
    return span is not None and span.start <= position < span.end


def _not_quoted_apart(statements: list[Statement], trigger_at: int, time_at: int) -> bool:
    """Tell whether a time can date a trigger: no statement content holds the time alone."""
    return all(_inside(s.content, trigger_at) for s in statements if _inside(s.content, time_at))


def _participants(
    context: _ArticleContext, bounds: tuple[int, int], trigger_at: int
) -> dict[str, str]:
    """Name the entities mentioned in a clause (name -> label), leaving out the trigger's reporters."""
    reporters = [
        s.speaker for s in context.statements if s.speaker and _inside(s.content, trigger_at)
    ]
    names: dict[str, str] = {}
    for mention, entity in context.mentions:
        if entity.label == "NORP" or not (bounds[0] <= mention.span.start < bounds[1]):
            continue
        if any(r.start <= mention.span.start < r.end for r in reporters if r):
            continue
        names.setdefault(entity.name, entity.label)
    return names


def _short(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _article_date_resolution(article: Article) -> tuple[str | None, str, str | None]:
    return article.date, "day", None


def _statement_time(context: _ArticleContext, statement: Statement) -> TemporalExpression | None:
    """Find the time a statement was made: its own date span, else a time beside its cue."""
    if statement.date is not None:
        for time in context.times:
            if time.span.start < statement.date.end and statement.date.start < time.span.end:
                return time
        value, granularity, end_value = resolve_time(statement.date.text, context.article.date)
        if value is not None:
            return TemporalExpression(
                context.article.id, statement.date, value, granularity, end_value
            )
        return None
    if statement.cue is None or statement.sentence is None:
        return None
    cue_at = statement.cue.start
    cue_sentence = statement.sentence.start
    sentence_statements = [
        s for s in context.statements if s.sentence is not None and s.sentence.start == cue_sentence
    ]
    beside = [
        t
        for t in context.times
        if statement.sentence.start <= t.span.start < statement.sentence.end
        and not any(_inside(s.content, t.span.start) for s in sentence_statements)
        and t.value is not None
    ]
    if not beside:
        return None
    return min(beside, key=lambda t: abs(t.span.start - cue_at))


def _statement_candidates(context: _ArticleContext) -> list[_Candidate]:
    article = context.article
    entities = {pair[1].id: pair[1] for pair in context.mentions}
    found = []
    for statement in context.statements:
        if statement.kind == "narrator" or not (statement.speaker_name or statement.speaker):
            continue
        time = _statement_time(context, statement)
        if time is not None and time.value is not None:
            value, granularity, end_value, basis = (
                time.value,
                time.granularity,
                time.end_value,
                "statement date",
            )
        else:
            time = None
            value, granularity, end_value = _article_date_resolution(article)
            basis = "article date"
        entity = entities.get(statement.speaker_entity_id or "")
        speaker = entity.name if entity else statement.speaker_name
        if speaker is None and statement.speaker is not None:
            speaker = statement.speaker.text
        speaker_label = entity.label if entity else statement.speaker_type or "PERSON"
        event_type = "denial" if statement.cue_stance == "denial" else "statement"
        cue = statement.cue.text if statement.cue else "said"
        found.append(
            _Candidate(
                event_type=event_type,
                story_id=context.story_id,
                article_id=article.id,
                outlet=article.outlet,
                span=statement.content,
                trigger=statement.cue,
                description=_short(f"{speaker} ({cue}): {statement.content.text}"),
                participants={speaker: speaker_label} if speaker else {},
                time=time,
                value=value,
                granularity=granularity,
                end_value=end_value,
                basis=basis,
                statement_id=statement.id,
            )
        )
    return found


def _trigger_spans(context: _ArticleContext) -> list[tuple[Span, str]]:
    text = context.article.text
    cues = [s.cue for s in context.statements if s.cue is not None]
    lexicon = load_event_lexicon()
    found: list[tuple[Span, str]] = []
    covered = 0
    for word in WORD.finditer(text):
        if word.start() < covered or word.group().lower() not in lexicon.first_words:
            continue
        match = lexicon.triggers.match(text, word.start())
        if match is None:
            continue
        start, end = match.span()
        covered = end
        if any(c.start < end and start < c.end for c in cues):
            continue  # the cue of a statement is the statement's own event
        found.append((Span.of(text, start, end), lexicon.event_type(match.group())))
    return found


def _trigger_candidates(context: _ArticleContext) -> list[_Candidate]:
    article = context.article
    statement_dates = [s.date for s in context.statements if s.date is not None]
    triggers = _trigger_spans(context)
    by_clause: dict[tuple[int, int], list[tuple[Span, str]]] = defaultdict(list)
    for span, event_type in triggers:
        clause = _containing(context.clauses, span.start)
        if clause is not None:
            by_clause[clause].append((span, event_type))
    dated: dict[int, TemporalExpression] = {}
    for time in context.times:
        if time.value is None or any(
            d.start < time.span.end and time.span.start < d.end for d in statement_dates
        ):
            continue
        clause = _containing(context.clauses, time.span.start)
        if clause is None:
            continue
        eligible = [
            span
            for span, _ in by_clause.get(clause, [])
            if _not_quoted_apart(context.statements, span.start, time.span.start)
        ]
        if eligible:
            nearest = min(eligible, key=lambda s: abs(s.start - time.span.start))
            dated.setdefault(nearest.start, time)
    found = []
    for span, event_type in triggers:
        clause = _containing(context.clauses, span.start) or (span.start, span.end)
        participants = _participants(context, clause, span.start)
        time = dated.get(span.start)
        if time is not None:
            value, granularity, end_value, basis = (
                time.value,
                time.granularity,
                time.end_value,
                "expression",
            )
        else:
            value, granularity, end_value = _article_date_resolution(article)
            basis = "article date"
        statement = next((s for s in context.statements if _inside(s.content, span.start)), None)
        found.append(
            _Candidate(
                event_type=event_type,
                story_id=context.story_id,
                article_id=article.id,
                outlet=article.outlet,
                span=Span.of(article.text, *clause),
                trigger=span,
                description=_short(article.text[clause[0] : clause[1]].strip(" ,;")),
                participants=participants,
                time=time,
                value=value,
                granularity=granularity,
                end_value=end_value,
                basis=basis,
                statement_id=statement.id if statement else None,
            )
        )
    return found


DateVote = tuple[str | None, str, str | None]


@dataclass(eq=False)
class _Event:
    """Reports of one event merged across articles and outlets."""

    candidates: list[_Candidate] = field(default_factory=list)
    participants: dict[str, str] = field(default_factory=dict)
    # Date votes of the reports, in three tiers: explicit, any date, all (see ``chosen``).
    votes: tuple[Counter, Counter, Counter] = field(
        default_factory=lambda: (Counter(), Counter(), Counter())
    )
    first_with: dict[DateVote, _Candidate] = field(default_factory=dict)
    _chosen: _Candidate | None = None

    def add(self, candidate: _Candidate) -> None:
        self.candidates.append(candidate)
        for name, label in candidate.participants.items():
            self.participants.setdefault(name, label)
        vote = (candidate.value, candidate.granularity, candidate.end_value)
        self.first_with.setdefault(vote, candidate)
        explicit, dated, every = self.votes
        if candidate.value and not candidate.is_weak:
            explicit[vote] += 1
        if candidate.value:
            dated[vote] += 1
        every[vote] += 1
        self._chosen = None

    def dated(self) -> list[_Candidate]:
        return [c for c in self.candidates if not c.is_weak and c.value]

    def chosen(self) -> _Candidate:
        """Return the report whose date the event shows: the most common explicit date, else
        the most common date, the narrower granularity and the earlier date breaking ties."""
        if self._chosen is None:
            votes = next((tier for tier in self.votes if tier), self.votes[2])
            best = max(
                votes.items(),
                key=lambda item: (
                    item[1],
                    -GRANULARITY_ORDER.get(item[0][1], 9),
                    [-ord(ch) for ch in (item[0][0] or "")],
                ),
            )[0]
            self._chosen = self.first_with[best]
        return self._chosen


def _overlap(left: dict[str, str], right: dict[str, str]) -> float:
    if not left or not right:
        return 0.0
    return len(set(left) & set(right)) / min(len(left), len(right))


def _actors(participants: dict[str, str]) -> set[str]:
    return {name for name, label in participants.items() if label in ACTOR_LABELS}


def _shares_participants(event: _Event, candidate: _Candidate) -> bool:
    """Tell whether a report names the same participants as an event.

    A report dated only by its article must share a person or organisation with the event
    when it names any (a shared country or city alone says little); a report that names none
    joins on a shared place, and one that names no one at all joins the event of its type.
    """
    if not candidate.is_weak:
        return _overlap(event.participants, candidate.participants) >= PARTICIPANT_OVERLAP
    if not candidate.participants:
        return True
    actors = _actors(candidate.participants)
    if actors:
        return bool(actors & _actors(event.participants))
    return bool(set(candidate.participants) & set(event.participants))


def _days_apart(left: tuple[date, date] | None, right: tuple[date, date] | None) -> int | None:
    if left is None or right is None:
        return None
    if left[0] <= right[1] and right[0] <= left[1]:
        return 0
    return min(abs((left[0] - right[1]).days), abs((right[0] - left[1]).days))


def _fits(event: _Event, candidate: _Candidate) -> bool:
    if not _shares_participants(event, candidate):
        return False
    chosen = event.chosen()
    apart = _days_apart(chosen.interval(), candidate.interval())
    if apart is None:
        return True
    if candidate.is_weak or chosen.is_weak:
        return apart <= ARTICLE_DATE_WINDOW_DAYS
    window = 0 if candidate.event_type in STATEMENT_TYPES else EVENT_DATE_WINDOW_DAYS
    return apart <= window


def _merge_key(candidate: _Candidate) -> tuple[str | None, str]:
    """Group statements by story; other events of one type may join across stories, since one
    event is often reported in articles the story stage keeps apart."""
    if candidate.event_type in STATEMENT_TYPES:
        return candidate.story_id, candidate.event_type
    return None, candidate.event_type


def _merge(candidates: list[_Candidate]) -> list[_Event]:
    """Merge reports of the same event: same type, shared participants, close dates."""
    events: list[_Event] = []
    by_story: dict[tuple[str | None, str], list[_Event]] = defaultdict(list)
    # Events by (key, participant): a report is only compared with events it shares a
    # participant with, so large corpora stay fast.
    by_participant: dict[tuple[str | None, str, str], list[_Event]] = defaultdict(list)
    ordered = sorted(candidates, key=lambda c: (c.is_weak, c.value is None))
    for candidate in ordered:
        key = _merge_key(candidate)
        if candidate.participants:
            seen: dict[int, _Event] = {}
            for name in candidate.participants:
                for event in by_participant[(*key, name)]:
                    seen.setdefault(id(event), event)
            options = list(seen.values())
        else:
            # A report naming no one joins an event of its own story only.
            options = by_story[(candidate.story_id, candidate.event_type)]
        fitting = [e for e in options if _fits(e, candidate)]
        home = max(fitting, key=lambda e: len(e.candidates)) if fitting else None
        if home is None:
            home = _Event()
            events.append(home)
        if home not in by_story[(candidate.story_id, candidate.event_type)]:
            by_story[(candidate.story_id, candidate.event_type)].append(home)
        new_names = [n for n in candidate.participants if n not in home.participants]
        home.add(candidate)
        for name in new_names:
            by_participant[(*key, name)].append(home)
    return events


def _disagreements(event: _Event, chosen: _Candidate) -> list[dict[str, Any]]:
    found = []
    for candidate in event.dated():
        if _days_apart(chosen.interval(), candidate.interval()) in (0, None):
            continue
        found.append(
            {
                "article_id": candidate.article_id,
                "outlet": candidate.outlet,
                "date": candidate.value,
                "granularity": candidate.granularity,
                "end_value": candidate.end_value,
                "expression": candidate.time.span.to_dict() if candidate.time else None,
            }
        )
    return found


def _main_story(event: _Event, chosen: _Candidate) -> str | None:
    """Return the story most of an event's reports belong to (the chosen report's on a tie)."""
    votes = Counter(c.story_id for c in event.candidates)
    best = max(votes.values())
    return chosen.story_id if votes[chosen.story_id] == best else votes.most_common(1)[0][0]


def _to_record(event: _Event) -> TimelineEvent:
    chosen = event.chosen()
    first = min(event.candidates, key=lambda c: (c.article_id, c.span.start))
    outlets = sorted({c.outlet for c in event.candidates if c.outlet})
    evidence = [
        c.evidence() for c in sorted(event.candidates, key=lambda c: (c.article_id, c.span.start))
    ]
    return TimelineEvent(
        id=stable_id(
            first.story_id or "",
            first.event_type,
            first.article_id,
            str(first.span.start),
            prefix="t",
        ),
        story_id=_main_story(event, chosen),
        date=chosen.value,
        granularity=chosen.granularity,
        event_type=chosen.event_type,
        description=chosen.description,
        participants=list(event.participants),
        outlets=outlets,
        evidence=evidence,
        date_disagreements=_disagreements(event, chosen),
    )


def reresolve(
    expressions: list[TemporalExpression], articles: list[Article]
) -> list[TemporalExpression]:
    """Resolve expressions again against the final article dates (some are inferred later).

    An expression resolved at extraction keeps its value: the article date it used stays (only
    missing dates are inferred), and the parse that told a forward-looking clause is gone here.
    """
    dates = {article.id: article.date for article in articles}
    resolved = []
    for expression in expressions:
        if expression.value is not None:
            resolved.append(expression)
            continue
        value, granularity, end_value = resolve_time(
            expression.span.text, dates.get(expression.article_id)
        )
        resolved.append(
            replace(expression, value=value, granularity=granularity, end_value=end_value)
        )
    return resolved


def _unique_ids(records: list[TimelineEvent]) -> list[TimelineEvent]:
    """Tell apart events whose first report is the same (one report can open two events)."""
    seen: Counter[str] = Counter()
    for record in records:
        seen[record.id] += 1
        if seen[record.id] > 1:
            record.id = stable_id(record.id, str(seen[record.id]), prefix="t")
    return records


def build_timeline(
    articles: list[Article],
    stories: list[Story],
    statements: list[Statement],
    time_expressions: list[TemporalExpression],
    entities: list[Entity],
) -> list[TimelineEvent]:
    """Build the timeline: events found in all articles, merged across outlets, sorted by date."""
    story_of = {article_id: story.id for story in stories for article_id in story.article_ids}
    times_by_article: dict[str, list[TemporalExpression]] = defaultdict(list)
    for expression in reresolve(time_expressions, articles):
        times_by_article[expression.article_id].append(expression)
    statements_by_article: dict[str, list[Statement]] = defaultdict(list)
    for statement in statements:
        statements_by_article[statement.article_id].append(statement)
    mentions_by_article: dict[str, list[tuple[Mention, Entity]]] = defaultdict(list)
    for entity in entities:
        for mention in entity.mentions:
            mentions_by_article[mention.article_id].append((mention, entity))

    candidates: list[_Candidate] = []
    for article in articles:
        if not article.text:
            continue
        context = _ArticleContext(
            article=article,
            story_id=story_of.get(article.id),
            times=sorted(times_by_article[article.id], key=lambda t: t.span.start),
            statements=statements_by_article[article.id],
            mentions=sorted(mentions_by_article[article.id], key=lambda p: p[0].span.start),
        )
        context.sentences = split_sentences(article.text)
        context.clauses = [
            clause for s in context.sentences for clause in split_clauses(article.text, s)
        ]
        candidates += _statement_candidates(context)
        candidates += _trigger_candidates(context)

    return chronological(_unique_ids([_to_record(event) for event in _merge(candidates)]))


def chronological(events: list[TimelineEvent]) -> list[TimelineEvent]:
    """Sort events by date, then granularity (days before weeks), type and id."""
    return sorted(
        events,
        key=lambda e: (
            e.date or "9999-99-99",
            GRANULARITY_ORDER.get(e.granularity, 9),
            e.event_type,
            e.id,
        ),
    )
