"""Time expressions of French articles, resolved against the article date.

Covers what French news copy dates events with: weekdays (``jeudi``, ``lundi prochain``,
``mardi dernier``), the night between two days (``dans la nuit de mercredi à jeudi``), dates
(``le 5 mars``, ``1er avril 2026``) and days relative to the article (``hier``, ``demain``). A
bare weekday is the latest such day up to the article date, unless its clause points forward
(future tense, ``aller`` + infinitive, or a verb such as ``prévoir``): then the next one. The
words are data (``crosswire/data/time_words_fr.tsv``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from crosswire.records import Article, Span, TemporalExpression

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class FrenchTimeWords:
    """Weekday and month names, relative days and forward-looking verbs, with their pattern."""

    weekdays: dict[str, int]
    months: dict[str, int]
    relative: dict[str, int]
    future_verbs: frozenset[str]

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        weekday = "|".join(self.weekdays)
        month = "|".join(self.months)
        relative = "|".join(sorted(self.relative, key=len, reverse=True))
        return re.compile(
            rf"(?P<night>(?:dans\s+)?la\s+nuit\s+(?:de|du)\s+(?P<from>{weekday})\s+(?:à|au)\s+"
            rf"(?P<to>{weekday}))"
            rf"|(?P<date>(?:le\s+)?(?P<day>1er|\d{{1,2}})\s+(?P<month>{month})(?:\s+(?P<year>\d{{4}}))?)"
            rf"|(?P<relative>{relative})"
            rf"|(?P<weekday>{weekday})(?:\s+(?P<which>dernier|prochain))?",
            re.IGNORECASE,
        )


@functools.cache
def load_french_time_words(path: Path = DATA / "time_words_fr.tsv") -> FrenchTimeWords:
    """Read the French time words once per process."""
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")][1:]
    table: dict[str, dict[str, str]] = {}
    for kind, word, value in rows:
        table.setdefault(kind, {})[word] = value
    return FrenchTimeWords(
        weekdays={w: int(v) for w, v in table["weekday"].items()},
        months={w: int(v) for w, v in table["month"].items()},
        relative={w: int(v) for w, v in table["relative"].items()},
        future_verbs=frozenset(table["future_verb"]),
    )


def _latest(weekday: int, base: date) -> date:
    """The latest day with this weekday on or before ``base``."""
    return base - timedelta(days=(base.weekday() - weekday) % 7)


def _next(weekday: int, base: date) -> date:
    """The first day with this weekday after ``base``."""
    return base + timedelta(days=(weekday - base.weekday() - 1) % 7 + 1)


def points_forward(doc: Any, start: int, end: int, words: FrenchTimeWords) -> bool:
    """Tell whether the clause of an expression looks ahead: ``se réuniront lundi``,
    ``vont se réunir lundi``, ``les pourparlers prévus lundi``."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return False
    head = span.root.head
    path = [head]
    for _ in range(3):
        if head.pos_ in ("VERB", "AUX") or head.head.i == head.i:
            break
        head = head.head
        path.append(head)
    verbs = [head, *(c for c in head.children if c.dep_.startswith("aux"))]
    if any("Fut" in t.morph.get("Tense") for t in verbs):
        return True
    if any(t.lemma_ == "aller" and t.i < head.i for t in verbs[1:]):
        return True
    # the verb the parse gives, or a participle right before ("les pourparlers prévus lundi")
    before = [doc[span.start - 1]] if span.start > 0 else []
    return any(t.lemma_.lower() in words.future_verbs for t in [*path, *before])


def resolve_french(
    found: re.Match[str], base: date, forward: bool, words: FrenchTimeWords
) -> tuple[str | None, str, str | None]:
    """Return (value, granularity, end value) for one matched expression."""
    if found["night"]:
        end = _latest(words.weekdays[found["to"].lower()], base)
        return (end - timedelta(days=1)).isoformat(), "night", end.isoformat()
    if found["date"]:
        day = 1 if found["day"].lower() == "1er" else int(found["day"])
        year = int(found["year"]) if found["year"] else base.year
        try:
            value = date(year, words.months[found["month"].lower()], day)
        except ValueError:
            return None, "day", None
        return value.isoformat(), "day", None
    if found["relative"]:
        shift = words.relative[found["relative"].lower().replace("\u2019", "'")]
        return (base + timedelta(days=shift)).isoformat(), "day", None
    weekday = words.weekdays[found["weekday"].lower()]
    which = (found["which"] or "").lower()
    if which == "prochain" or (forward and which != "dernier"):
        return _next(weekday, base).isoformat(), "day", None
    if which == "dernier":
        return _latest(weekday, base - timedelta(days=1)).isoformat(), "day", None
    return _latest(weekday, base).isoformat(), "day", None


def find_french_time_expressions(doc: Any, article: Article) -> list[TemporalExpression]:
    """Find the time expressions of a French article and resolve them against its date."""
    words = load_french_time_words()
    base = date.fromisoformat(article.date[:10]) if article.date else None
    found = []
    for match in words.pattern.finditer(article.text):
        start, end = match.span()
        if (start and article.text[start - 1].isalnum()) or (
            end < len(article.text) and article.text[end].isalnum()
        ):
            continue  # part of a longer word
        value = end_value = None
        granularity = "night" if match["night"] else "day"
        if base is not None:
            forward = points_forward(doc, start, end, words)
            value, granularity, end_value = resolve_french(match, base, forward, words)
        found.append(
            TemporalExpression(
                article.id, Span.of(article.text, start, end), value, granularity, end_value
            )
        )
    return found
