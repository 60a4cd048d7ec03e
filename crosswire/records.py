"""Typed records for everything crosswire shows a user.

Every span is a ``Span`` of character offsets into the stored ``Article.text`` (Python string
indices, end exclusive), and carries the exact text found there so a user can check it.
The JSON schema in ``crosswire/schemas/output.schema.json`` describes these records.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field, fields, replace
from pathlib import PurePath
from typing import Any


@dataclass(frozen=True)
class Span:
    """A stretch of an article's stored text: ``text == article.text[start:end]``."""

    start: int
    end: int
    text: str

    @classmethod
    def of(cls, text: str, start: int, end: int) -> Span:
        """Cut a span out of ``text``."""
        return cls(start, end, text[start:end])

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Span | None:
        if data is None:
            return None
        return cls(int(data["start"]), int(data["end"]), data["text"])


_LEAF_TYPES = frozenset({str, int, float, bool, type(None)})


def plain(value: Any) -> Any:
    """Turn a record into JSON-ready dicts and lists, as ``dataclasses.asdict`` would.

    ``asdict`` deep-copies every leaf; records hold only strings, numbers, spans, lists and
    dicts of those, so building new containers is enough, and several times faster.
    """
    if type(value) in _LEAF_TYPES:  # most values: one set lookup (subclasses are caught below)
        return value
    # leaves are kept without a call: a refresh turns a million of them into JSON
    leaf = _LEAF_TYPES
    # what records hold most, first: spans, lists and dicts
    if isinstance(value, Span):
        return {"start": value.start, "end": value.end, "text": value.text}
    if isinstance(value, list):
        return [v if type(v) in leaf else plain(v) for v in value]
    if isinstance(value, dict):
        return {k: v if type(v) in leaf else plain(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, tuple):
        return tuple(v if type(v) in leaf else plain(v) for v in value)
    if hasattr(value, "__dataclass_fields__"):
        return {
            name: v if type(v := getattr(value, name)) in leaf else plain(v)
            for name in _field_names(type(value))
        }
    return value


@functools.cache
def _field_names(record_type: type) -> tuple[str, ...]:
    """Return a dataclass's field names in order (``fields`` rebuilds them on every call)."""
    return tuple(f.name for f in fields(record_type))


def stable_id(*parts: str, prefix: str = "", length: int = 16) -> str:
    """Hash the parts into a short stable identifier."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:length]
    return f"{prefix}{digest}"


def outlet_label(outlet: str | None, source_path: str | None, article_id: str) -> str:
    """Name an article's outlet for cross-outlet views; say plainly when it is unknown.

    Two articles of unknown outlet must not count as one outlet, so the label names the file.
    """
    if outlet:
        return outlet
    where = PurePath(source_path.split("#")[0]).name if source_path else article_id
    return f"unknown outlet ({where})"


@dataclass
class Article:
    """One news article as stored: cleaned body text plus metadata."""

    id: str
    text: str
    title: str | None = None
    outlet: str | None = None
    date: str | None = None  # ISO date YYYY-MM-DD when known
    date_partial: str | None = None  # "--MM-DD" when only day and month are known
    date_inferred: bool = False  # date filled in from another article of the same story
    url: str | None = None
    source_path: str | None = None
    language: str | None = None
    is_english: bool = True
    dateline: Span | None = None  # the dateline as found in the raw input (not in ``text``)
    metadata: dict[str, Any] = field(default_factory=dict)

    def with_outlet_label(self) -> Article:
        """Return a copy whose outlet is never empty (see ``outlet_label``)."""
        return replace(self, outlet=outlet_label(self.outlet, self.source_path, self.id))

    @staticmethod
    def content_id(text: str, outlet: str | None = None) -> str:
        """Identify an article by its content: the same text from the same outlet is one article."""
        return stable_id(" ".join(text.split()), (outlet or "").strip().lower(), prefix="a")

    def to_dict(self) -> dict[str, Any]:
        return plain(self)  # the dateline included: plain turns a Span into its dict

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        data = dict(data)
        data["dateline"] = Span.from_dict(data.get("dateline"))
        return cls(**data)


@dataclass
class Rejection:
    """A file (or line of a file) that could not be read as an article, and why."""

    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"


@dataclass
class Proposition:
    """One proposition of a statement's content, as the article's parse reads it.

    Claims group propositions, not whole statements: a content of two sentences, or a main
    clause with a trailing "after ..." clause, says two things other outlets may say apart.
    ``predicates`` are the stems of its full verbs; ``modal`` says its main verb is a promise
    or forecast ("will answer"); ``negates`` that its main clause is negated; ``verdict`` that
    it calls a report untrue ("the reports are unfounded", "it is a hoax").
    """

    span: Span
    predicates: list[str] = field(default_factory=list)
    modal: bool = False
    negates: bool = False
    verdict: bool = False

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


@dataclass
class Statement:
    """An attributed statement: who said (or believes) what, introduced how, and where."""

    id: str
    article_id: str
    content: Span
    kind: str  # direct | partial | indirect | belief | ...
    cue: Span | None = None
    cue_stance: str | None = None  # neutral | emphatic | distancing | denial | ...
    speaker: Span | None = None  # the speaker mention in the text
    speaker_entity_id: str | None = None
    speaker_name: str | None = None  # resolved canonical name
    speaker_type: str | None = None  # PERSON | ORG | GPE | ...
    role: Span | None = None
    channel: Span | None = None
    date: Span | None = None
    nested_in: str | None = None  # id of the statement whose content contains this one
    sentence: Span | None = None
    # read by the per-article stage where the parse is at hand; None: not read yet
    propositions: list[Proposition] | None = None

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


@dataclass
class Mention:
    """One occurrence of an entity in one article."""

    article_id: str
    span: Span
    label: str  # spaCy label: PERSON, ORG, GPE, LOC, NORP, EVENT, FAC ...
    entity_id: str | None = None
    outlet: str | None = None
    kind: str = "name"  # name | description | pronoun | metonym

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


@dataclass
class Entity:
    """A person, organisation, place or event, canonicalised across articles and outlets."""

    id: str
    name: str
    label: str
    aliases: list[str] = field(default_factory=list)
    spellings_by_outlet: dict[str, list[str]] = field(default_factory=dict)
    mentions: list[Mention] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return plain(self)  # mentions included: plain converts nested records


@dataclass
class TemporalExpression:
    """A time expression found in an article, normalised against the article date."""

    article_id: str
    span: Span
    value: str | None  # ISO date (or date range start) when resolved
    granularity: str = "day"  # day | night | week | month | year | time
    end_value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


@dataclass
class TimelineEvent:
    """Something that happened, when, who took part, and which outlets report it."""

    id: str
    story_id: str | None
    date: str | None
    granularity: str
    event_type: str  # statement | meeting | call | attack | denial | ...
    description: str
    participants: list[str] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)  # {article_id, span, time_span}
    date_disagreements: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


@dataclass
class Story:
    """Articles from one or more outlets about the same event."""

    id: str
    title: str
    article_ids: list[str]
    duplicates: dict[str, str] = field(default_factory=dict)  # copy article id -> original id
    outlets: list[str] = field(default_factory=list)
    date_range: list[str | None] = field(default_factory=lambda: [None, None])

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


@dataclass
class Claim:
    """One proposition as stated across outlets, with who carries it and who contests it."""

    id: str
    story_id: str
    text: str
    wordings: list[dict[str, Any]] = field(
        default_factory=list
    )  # {article_id, outlet, statement_id, span}
    outlets: list[str] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)
    independent_sources: int = 0
    contested: bool = False
    contested_by: list[str] = field(default_factory=list)  # statement ids
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    omitted_by: list[str] = field(default_factory=list)  # outlets in the story that do not carry it

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


def record_from_dict(cls: type, data: dict[str, Any]) -> Any:
    """Rebuild a record from its dict form: span-shaped dicts become ``Span``s again."""
    values = dict(data)  # most values are kept as they are: only the others are replaced
    for name, value in data.items():
        if type(value) is dict:
            if len(value) == 3 and "start" in value and "end" in value and "text" in value:
                values[name] = Span(int(value["start"]), int(value["end"]), value["text"])
        elif name == "mentions" and isinstance(value, list):
            values[name] = [record_from_dict(Mention, m) for m in value]
        elif name == "propositions" and isinstance(value, list):
            values[name] = [record_from_dict(Proposition, p) for p in value]
    return cls(**values)
