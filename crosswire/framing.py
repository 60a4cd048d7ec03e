"""Compare how the outlets of one story frame it: naming, loaded terms, cue stances, hedges, words.

``compare_framing(story, articles, statements, entities)`` returns a JSON-able dict::

    {
      "story_id": "S1",
      "outlets": ["Outlet A", "Outlet B"],
      "articles": {"<article id>": "Outlet A", ...},
      "entities": [                       # naming choices for the same entity, per outlet
        {"entity_id": "E1", "name": "Tarniv", "label": "GPE",
         "spellings_differ": true,        # some outlet uses a form no other outlet uses
         "spellings_only_in": {"Outlet A": ["Tarnov"], "Outlet B": ["Tarniv"]},
         "by_outlet": {"Outlet A": {
             "spellings": [{"text": "Tarnov", "count": 2}],
             "frames": {"evaluative": 1, "neutral": 0, "name": 1},
             "mentions": [{"frame": "evaluative", "head": "regime",
                           "span": {"article_id", "start", "end", "text"}}],
             "mentions_omitted": 0}}}],
      "by_outlet": {"Outlet A": {
          "articles": ["<article id>"],
          "naming_frames": [{"frame": "evaluative" | "neutral", "head": "regime",
                             "modifier": "so-called" | null, "entity_id": "E1" | null,
                             "entity": "Tarniv" | null, "span": {...}, "voice": {...}}],
          "loaded_terms": [{"term": "terrorist attack", "category": "violence_label",
                            "span": {...}, "voice": {...}}],
          "loaded_term_counts": {"violence_label": 1, ...},
          "loaded_term_voices": {"narrator": 0, "attributed": 1},
          "hedges": [{"term": "reportedly", "kind": "hedge", "span": {...}, "voice": {...}}],
          "hedge_counts": {"hedge": 0, "certainty": 1},
          "cue_stances": {
              "by_speaker": {"<speaker>": {"side": "<side>", "counts": {"neutral": 3, ...},
                                           "cues": [{"cue": "said", "stance": "neutral",
                                                     "statement_id": "s1", "span": {...}}]}},
              "by_side": {"<side>": {"counts": {...}, "cue_words": {"said": 3},
                                     "distancing_cues": {"claimed": 1},
                                     "distancing_share": 0.0, "speakers": ["<speaker>"]}}},
          "narrator_statements": 2,
          "distinctive_words": [{"word": "regime", "delta": 1.2, "z": 2.1, "count": 3}],
          "omitted": {"naming_frames": 0, "loaded_terms": 0, "hedges": 0}}},
      "sides": {"<speaker>": "<side>"},
      "nationality_sides": ["<side>"],      # sides that are nationalities, not lone speakers
      "speakers_across_outlets": {"<speaker quoted by 2+ outlets>": {"Outlet A": {
          "counts": {"neutral": 2, ...}, "cue_words": {"said": 2}}}},
      "cue_asymmetries": [{"kind": "within_outlet" | "across_outlets", "outlets": [a, b],
                           "sides": [a, b], "distancing_shares": [a, b],
                           "distancing_counts": [a, b], "distancing_cues": [a, b],
                           "message": "..."}],
      "presupposed_claims": [...]         # only when ``claims`` are given: presupposed_claims()
    }

Every span dict carries ``article_id`` and ``text == article.text[start:end]``. ``voice`` says
whether the words are the outlet's own (``"narrator"``) or inside an attributed statement
(``{"voice": "attributed", "statement_id", "speaker", "kind"}``).

A speaker's *side* approximates their affiliation: the nationality (a NORP or GPE name of the
story) in the speaker's role, in their own description ("the Velmaran Ministry of Defence") or in
the title words before any naming of them in the story ("Velmaran Defence Minister", "Velmara's
defence minister"); a speaker with no nationality in sight is their own side. Cue stances count
only the cues an outlet chose: cues inside another speaker's quote are left out. Lexicons live in ``crosswire/data`` (loaded_terms.tsv,
hedges.tsv, naming_heads.tsv) and are matched on lemmas from a light tokeniser, or on spaCy lemmas
too when an ``nlp`` pipeline is passed.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from crosswire.entities import standalone_spans
from crosswire.records import Article, Claim, Entity, Mention, Statement, Story

DATA = Path(__file__).resolve().parent / "data"

WORD = re.compile(r"[^\W_]+(?:[-\u2010\u2011][^\W_]+)*")
APOSTROPHES = "'\u2019"
POSSESSIVE_GAP = re.compile(r"^[" + APOSTROPHES + r"]s?\s+$")
DETERMINERS = {"the", "this", "that", "these", "those", "a", "an"}
# Closed-class words that end a noun phrase; not a framing lexicon.
FUNCTION_WORDS = DETERMINERS | {
    "of", "in", "on", "at", "to", "for", "from", "by", "with", "and", "or", "but", "as", "than",
    "is", "are", "was", "were", "be", "been", "has", "have", "had", "will", "would", "can",
    "could", "should", "may", "might", "must", "do", "does", "did", "not", "that", "which", "who",
    "whom", "whose", "it", "its", "he", "she", "they", "we", "i", "you", "his", "her", "their",
    "our", "my", "your", "there", "here", "if", "when", "while", "after", "before", "into", "over",
    "about", "against", "between", "during", "without", "also", "s",
}  # fmt: skip
ADJECTIVE_SUFFIXES = ("al", "ial", "ian", "ean", "ary", "ic", "ive", "ior", "ern", "ese", "ous")
DEMONYM_TAILS = {"", "a", "n", "an", "ian", "ean", "ese", "i", "ns", "ans", "ians", "e", "y", "ic"}
AFFILIATION_LABELS = {"NORP", "GPE"}
FRAMING_STANCES = ("neutral", "emphatic", "distancing", "hedged")
STANCES = ("neutral", "emphatic", "distancing", "denial", "hedged", "belief")
UNKNOWN_OUTLET = "(unknown outlet)"
MAX_LISTED = 300  # spans listed per outlet and kind; the counts always cover everything


# --- tokens and lexicons -------------------------------------------------------------------


class Token(NamedTuple):
    """A word of an article: its offsets, text and the lemmas it may stand for.

    A named tuple, not a frozen dataclass: one is built for every word of every article a
    refresh compares, and a tuple is several times quicker to build.
    """

    start: int
    end: int
    text: str
    lemmas: frozenset[str]
    possessive: bool = False  # followed by 's or a bare apostrophe

    @property
    def capitalized(self) -> bool:
        return self.text[:1].isupper()


@functools.lru_cache(maxsize=65536)
def lemma_candidates(word: str) -> frozenset[str]:
    """Return the lemmas an inflected English word may have (a light, rule-based lemmatiser)."""
    return frozenset(_lemma_candidates(word.lower()))


def _lemma_candidates(word: str) -> set[str]:
    found = {word}
    if len(word) <= 3:
        return found
    if word.endswith("ies") or word.endswith("ied"):
        found.add(word[:-3] + "y")
    if word.endswith("es") or word.endswith("ed"):
        found.update({word[:-2], word[:-1]})
    if word.endswith("s") and not word.endswith("ss"):
        found.add(word[:-1])
    if word.endswith("ing") and len(word) > 5:
        found.update({word[:-3], word[:-3] + "e"})
    for suffix in ("ing", "ed"):
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and len(stem) > 2 and stem[-1] == stem[-2]:
            found.add(stem[:-1])
    if word.endswith("men"):
        found.add(word[:-3] + "man")
    return found


def tokenize(text: str, doc: Any = None) -> list[Token]:
    """Split text into words (hyphenated words stay whole); add spaCy lemmas when a doc is given."""
    spacy_lemmas: dict[tuple[int, int], str] = {}
    if doc is not None:
        spacy_lemmas = {(t.idx, t.idx + len(t.text)): t.lemma_.lower() for t in doc}
    raw = [(m.start(), m.end(), m.group()) for m in WORD.finditer(text)]
    tokens: list[Token] = []
    last = len(raw) - 1
    length = len(text)
    for index, (start, end, word) in enumerate(raw):
        if word.lower() == "s" and start > 0 and text[start - 1] in APOSTROPHES:
            continue  # the "s" of a possessive belongs to the word before
        # most words have no apostrophe after them: look further only when one has
        possessive = end < length and text[end] in APOSTROPHES
        if possessive:
            after = text[end + 1 : end + 2]
            possessive = after in ("s", "S") or after.isspace() or index == last
        lemmas = lemma_candidates(word)
        if spacy_lemmas and (start, end) in spacy_lemmas:
            lemmas = lemmas | {spacy_lemmas[(start, end)]}
        tokens.append(Token(start, end, word, lemmas, possessive))
    return tokens


@dataclass(frozen=True)
class LexiconEntry:
    """One lexicon row: the term's lemmas word by word, its label (category or kind), a note."""

    term: str
    words: tuple[str, ...]
    label: str
    note: str
    frame: str = ""


def _read_rows(path: Path) -> list[list[str]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        row = line.split("\t")
        if len(row) < 2:
            raise ValueError(f"{path}:{number}: expected tab-separated columns, got {line!r}")
        rows.append(row)
    return rows[1:]  # the first row is the column header


@functools.cache
def load_lexicon(name: str) -> tuple[LexiconEntry, ...]:
    """Read a term lexicon (``loaded_terms.tsv`` or ``hedges.tsv``): term, label, note."""
    entries = []
    for row in _read_rows(DATA / name):
        term = row[0].strip().lower()
        words = tuple(m.group() for m in WORD.finditer(term))
        entries.append(LexiconEntry(term, words, row[1].strip(), row[2].strip() if row[2:] else ""))
    return tuple(entries)


@functools.cache
def load_naming_lexicon() -> dict[str, dict[str, str]]:
    """Read naming heads and modifiers: ``{"head": {lemma: frame}, "modifier": {lemma: frame}}``."""
    table: dict[str, dict[str, str]] = {"head": {}, "modifier": {}}
    for row in _read_rows(DATA / "naming_heads.tsv"):
        table[row[1].strip()][row[0].strip().lower()] = row[2].strip()
    return table


def _joined(text: str, left: Token, right: Token) -> bool:
    return text[left.end : right.start].isspace()


# the loaded lexicons' indexes (``load_lexicon`` keeps each lexicon's tuple for the process)
_lexicon_indexes: dict[int, tuple[Any, dict[str, list[LexiconEntry]], frozenset[str]]] = {}


def _index_by_first_word(
    entries: Iterable[LexiconEntry],
) -> tuple[dict[str, list[LexiconEntry]], frozenset[str]]:
    """Index lexicon entries by their first word, longest first; a tuple's index is kept."""
    known = _lexicon_indexes.get(id(entries))
    if known is not None and known[0] is entries:
        return known[1], known[2]
    by_first: dict[str, list[LexiconEntry]] = defaultdict(list)
    for entry in entries:
        by_first[entry.words[0]].append(entry)
    for candidates in by_first.values():
        candidates.sort(key=lambda e: -len(e.words))
    first_words = frozenset(by_first)
    if isinstance(entries, tuple):  # the table holds the tuple, so its id stays its own
        _lexicon_indexes[id(entries)] = (entries, by_first, first_words)
    return by_first, first_words


def find_terms(
    text: str, tokens: Sequence[Token], entries: Iterable[LexiconEntry]
) -> list[tuple[LexiconEntry, int, int]]:
    """Find lexicon terms by lemma, longest match first, without overlaps: (entry, start, end)."""
    by_first, first_words = _index_by_first_word(entries)
    found = []
    i = 0
    while i < len(tokens):
        if tokens[i].lemmas.isdisjoint(first_words):  # most words start no term
            i += 1
            continue
        match = None
        for lemma in sorted(tokens[i].lemmas):  # sets iterate in a per-process order
            for entry in by_first.get(lemma, []):
                if _matches_at(text, tokens, i, entry) and (
                    match is None or len(entry.words) > len(match.words)
                ):
                    match = entry
        if match is None:
            i += 1
            continue
        last = tokens[i + len(match.words) - 1]
        found.append((match, tokens[i].start, last.end))
        i += len(match.words)
    return found


def _matches_at(text: str, tokens: Sequence[Token], i: int, entry: LexiconEntry) -> bool:
    if i + len(entry.words) > len(tokens):
        return False
    for offset, word in enumerate(entry.words):
        token = tokens[i + offset]
        if word not in token.lemmas:
            return False
        if offset and not _joined(text, tokens[i + offset - 1], token):
            return False
    return True


# --- spans and voice ------------------------------------------------------------------------


def _span(article: Article, start: int, end: int) -> dict[str, Any]:
    return {"article_id": article.id, "start": start, "end": end, "text": article.text[start:end]}


def _is_narrator(statement: Statement) -> bool:
    return statement.kind == "narrator"


def _speaker_label(statement: Statement, entity_names: dict[str, str]) -> str:
    if statement.speaker_entity_id and statement.speaker_entity_id in entity_names:
        return entity_names[statement.speaker_entity_id]
    if statement.speaker_name:
        return statement.speaker_name
    if statement.speaker is not None:
        return statement.speaker.text
    return "(unknown speaker)"


def voice_of(
    start: int, end: int, statements: Sequence[Statement], entity_names: dict[str, str]
) -> dict[str, Any]:
    """Say whether a stretch of one article is the outlet's own voice or inside a statement."""
    hosts = [
        s
        for s in statements
        if not _is_narrator(s) and s.content.start <= start and end <= s.content.end
    ]
    if not hosts:
        return {"voice": "narrator"}
    inner = min(hosts, key=lambda s: s.content.end - s.content.start)
    return {
        "voice": "attributed",
        "statement_id": inner.id,
        "speaker": _speaker_label(inner, entity_names),
        "kind": inner.kind,
    }


# --- naming ---------------------------------------------------------------------------------


def _extend_left(text: str, tokens: Sequence[Token], first: int) -> int:
    """Walk left from token ``first`` over the premodifiers of a name: Western Europe's, the US."""
    i = first
    lowercase_taken = 0
    while i > 0:
        left, right = tokens[i - 1], tokens[i]
        gap = text[left.end : right.start]
        if not (gap.isspace() or (left.possessive and POSSESSIVE_GAP.match(gap))):
            break
        word = left.text.lower()
        if word in DETERMINERS:
            return i - 1
        if word in FUNCTION_WORDS:
            break
        if left.capitalized:
            i -= 1
            continue
        if lowercase_taken < 2 and _looks_like_modifier(word):
            lowercase_taken += 1
            i -= 1
            continue
        break
    # Keep lower-case premodifiers only when a determiner or a capitalised word holds them.
    while i < first and not tokens[i].capitalized and tokens[i].text.lower() not in DETERMINERS:
        i += 1
    return i


def _looks_like_modifier(word: str) -> bool:
    return word in _evaluative_words() or word.endswith(ADJECTIVE_SUFFIXES)


@functools.cache
def _evaluative_words() -> frozenset[str]:
    loaded = {e.term for e in load_lexicon("loaded_terms.tsv")}
    return frozenset(loaded | set(load_naming_lexicon()["modifier"]))


def _extend_right(text: str, tokens: Sequence[Token], modifier: int) -> int:
    """Take the noun after an evaluative modifier, with the adjectives or name words before it."""
    last = modifier
    while last + 1 < len(tokens) and last - modifier < 4:
        nxt = tokens[last + 1]
        if not _joined(text, tokens[last], nxt) or nxt.text.lower() in FUNCTION_WORDS:
            break
        if last > modifier and not _continues_phrase(tokens[last], nxt):
            break
        last += 1
        if nxt.possessive:
            break
    return last


def _continues_phrase(taken: Token, nxt: Token) -> bool:
    """Tell whether the word after ``taken`` belongs to the same noun phrase (no parse needed).

    Names continue with capitalised words ("so-called Foreign Minister Ann Lee"); adjectives and
    singular nouns continue ("so-called political elites", "so-called drone attack"); a plural
    noun ends the phrase, and so does a word that looks like a verb ("mediators stayed").
    """
    if taken.capitalized or nxt.capitalized:
        return taken.capitalized and nxt.capitalized
    word, following = taken.text.lower(), nxt.text.lower()
    inflected_cue = following not in _cue_verbs() and bool(nxt.lemmas & _cue_verbs())
    if following.endswith(("ed", "ing", "ly")) or inflected_cue:  # "says", "claims"
        return False
    if word.endswith(ADJECTIVE_SUFFIXES):
        return True
    return not (word.endswith("s") and not word.endswith("ss"))


@functools.cache
def _cue_verbs() -> frozenset[str]:
    """Read the speech verbs of the statements stage's cue table (say, claim, insist)."""
    path = DATA / "cues.tsv"
    if not path.exists():
        return frozenset()
    return frozenset(row[0].strip() for row in _read_rows(path) if row[2:3] == ["verb"])


def find_naming_frames(article: Article, tokens: Sequence[Token]) -> list[dict[str, Any]]:
    """Find noun phrases that name an actor with an evaluative or a neutral head or modifier."""
    naming = load_naming_lexicon()
    text = article.text
    frames: list[dict[str, Any]] = []
    covered: set[int] = set()
    head_lemmas = frozenset(naming["head"])
    for i, token in enumerate(tokens):
        if token.lemmas.isdisjoint(head_lemmas):  # most words head no naming phrase
            continue
        # the shortest lemma (the base form): sets iterate in a per-process order
        head = min(token.lemmas & head_lemmas, key=lambda w: (len(w), w))
        if not _is_phrase_head(text, tokens, i, naming):
            continue
        first = _extend_left(text, tokens, i)
        if first == i:
            continue  # a bare noun ("forces") names nobody in particular
        modifier = next(
            (t.text.lower() for t in tokens[first:i] if t.text.lower() in naming["modifier"]), None
        )
        frame = "evaluative" if modifier else naming["head"][head]
        frames.append(_frame(article, tokens[first].start, token.end, frame, head, modifier))
        covered.update(range(first, i + 1))
    for i, token in enumerate(tokens):
        modifier = token.text.lower()
        if i in covered or modifier not in naming["modifier"]:
            continue
        last = _extend_right(text, tokens, i)
        if last == i:
            continue
        first = _extend_left(text, tokens, i)
        head = tokens[last].text.lower()
        frames.append(
            _frame(article, tokens[first].start, tokens[last].end, "evaluative", head, modifier)
        )
    frames.sort(key=lambda f: f["span"]["start"])
    return frames


def _is_phrase_head(
    text: str, tokens: Sequence[Token], i: int, naming: dict[str, dict[str, str]]
) -> bool:
    """Reject a head word that modifies the next word (``Ministry Spokeswoman``)."""
    if i + 1 >= len(tokens) or not _joined(text, tokens[i], tokens[i + 1]):
        return True
    nxt = tokens[i + 1]
    return not (nxt.capitalized or any(lemma in naming["head"] for lemma in nxt.lemmas))


def _frame(
    article: Article, start: int, end: int, frame: str, head: str, modifier: str | None
) -> dict[str, Any]:
    return {
        "frame": frame,
        "head": head,
        "modifier": modifier,
        "entity_id": None,
        "entity": None,
        "span": _span(article, start, end),
    }


def _anchor_frames(frames: list[dict[str, Any]], mentions: Sequence[Mention], names: dict) -> None:
    """Attach each frame to the entity mentioned inside it (the mention nearest the head)."""
    for frame in frames:
        start, end = frame["span"]["start"], frame["span"]["end"]
        inside = [m for m in mentions if start <= m.span.start and m.span.end <= end] or [
            m for m in mentions if m.span.start < end and start < m.span.end
        ]
        if not inside:
            continue
        mention = max(inside, key=lambda m: m.span.end)
        frame["entity_id"] = mention.entity_id
        frame["entity"] = names.get(mention.entity_id or "", mention.span.text)
    _anchor_repeated_heads(frames)


def _anchor_repeated_heads(frames: list[dict[str, Any]]) -> None:
    """Give "the regime" the entity of an earlier "the X regime" in the same article."""
    anchored: dict[str, dict[str, Any]] = {}
    for frame in sorted(frames, key=lambda f: f["span"]["start"]):
        if frame["entity_id"] is not None or frame["entity"] is not None:
            anchored[frame["head"]] = frame
            continue
        earlier = anchored.get(frame["head"])
        if earlier is not None and frame["span"]["text"].split()[0].lower() in DETERMINERS:
            frame["entity_id"] = earlier["entity_id"]
            frame["entity"] = earlier["entity"]
            frame["anchored_by"] = earlier["span"]


# --- entities -------------------------------------------------------------------------------


def compare_entity_naming(
    entities: Sequence[Entity],
    articles: Sequence[Article],
    frames_by_article: dict[str, list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """For each entity named in the story, list each outlet's spellings and naming frames."""
    by_id = {a.id: a for a in articles}
    found = []
    for entity in entities:
        mentions = [m for m in entity.mentions if m.article_id in by_id]
        if not mentions:
            continue
        by_outlet: dict[str, dict[str, Any]] = {}
        for mention in sorted(mentions, key=lambda m: (m.article_id, m.span.start)):
            article = by_id[mention.article_id]
            outlet = _outlet(article)
            view = by_outlet.get(outlet)
            if view is None:  # built only when new: most mentions add to their outlet's
                view = by_outlet[outlet] = {
                    "spellings": Counter(),
                    "frames": Counter(),
                    "mentions": [],
                }
            if mention.kind == "name":
                view["spellings"][mention.span.text] += 1
            frame = _frame_around(mention, frames_by_article.get(article.id, []))
            kind = frame["frame"] if frame else "name"
            view["frames"][kind] += 1
            view["mentions"].append(
                {
                    "frame": kind,
                    "head": frame["head"] if frame else None,
                    "span": frame["span"] if frame else _span(article, *_bounds(mention)),
                }
            )
        only_here = _spellings_only_here({o: set(v["spellings"]) for o, v in by_outlet.items()})
        found.append(
            {
                "entity_id": entity.id,
                "name": entity.name,
                "label": entity.label,
                "spellings_differ": any(only_here.values()),
                "spellings_only_in": only_here,
                "by_outlet": {
                    outlet: {
                        "spellings": [
                            {"text": t, "count": n} for t, n in view["spellings"].most_common()
                        ],
                        "frames": {
                            k: view["frames"].get(k, 0) for k in ("evaluative", "neutral", "name")
                        },
                        "mentions": view["mentions"][:MAX_LISTED],
                        "mentions_omitted": max(0, len(view["mentions"]) - MAX_LISTED),
                    }
                    for outlet, view in sorted(by_outlet.items())
                },
            }
        )
    return found


def _spellings_only_here(spellings: dict[str, set[str]]) -> dict[str, list[str]]:
    """List, per outlet, the name forms no other outlet uses, even inside a longer form.

    "Dzyuba" next to another outlet's "Oleksandr Dzyuba" is a short form, not another spelling;
    "Tarnov" next to "Tarniv" is.
    """
    words = {form: _words(form) for forms in spellings.values() for form in forms}
    found = {}
    for outlet, forms in spellings.items():
        others = [words[f] for o, fs in spellings.items() if o != outlet for f in fs]
        if not others:
            continue
        found[outlet] = sorted(
            form
            for form in forms
            if not any(_contains(o, words[form]) or _contains(words[form], o) for o in others)
        )
    return {o: forms for o, forms in sorted(found.items()) if forms}


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in WORD.findall(text))


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    n = len(shorter)
    return n > 0 and any(longer[i : i + n] == shorter for i in range(len(longer) - n + 1))


def _bounds(mention: Mention) -> tuple[int, int]:
    return mention.span.start, mention.span.end


def _frame_around(mention: Mention, frames: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    for frame in frames:
        if (
            frame["span"]["start"] <= mention.span.start
            and mention.span.end <= frame["span"]["end"]
        ):
            return frame
    return None


def _outlet(article: Article) -> str:
    return article.outlet or UNKNOWN_OUTLET


# --- sides and cue stances ------------------------------------------------------------------


@functools.lru_cache(maxsize=65536)
def _same_affiliation(a: str, b: str) -> bool:
    """Tell whether two nationality words name the same country (Velmara / Velmaran)."""
    a, b = _bare(a), _bare(b)
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    stem = short.rstrip("aeiouy") if len(short) > 4 else short
    return len(stem) >= 3 and long.startswith(stem) and long[len(stem) :] in DEMONYM_TAILS


def _bare(name: str) -> str:
    name = name.lower().strip()
    return name[4:] if name.startswith("the ") else name


def _title_window(text: str, tokens: Sequence[Token], start: int) -> int:
    """Return where the title words before a name begin (``Velmaran presidential aide``)."""
    roles = _role_words()
    index = bisect.bisect_left(tokens, start, key=lambda t: t.start)
    i = index
    role_seen = False
    while i > 0 and index - i < 5:
        left = tokens[i - 1]
        right_start = tokens[i].start if i < len(tokens) else start
        gap = text[left.end : right_start]
        if left.possessive and POSSESSIVE_GAP.match(gap):
            i -= 1  # a possessor is the affiliation: "Velmara's defence minister"
            break
        if not gap.isspace():
            break
        word = left.text.lower()
        if word in FUNCTION_WORDS or left.possessive:
            break
        modifies_role = role_seen and not word.endswith(("ed", "ing", "ly"))  # "defence minister"
        if not (
            left.capitalized or word in roles or word.endswith(ADJECTIVE_SUFFIXES) or modifies_role
        ):
            break
        role_seen = role_seen or word in roles
        i -= 1
    return tokens[i].start if i < index else start


@functools.cache
def _role_words() -> frozenset[str]:
    """Read role words (minister, aide, spokeswoman) from the statements stage's speaker table."""
    path = DATA / "speakers.tsv"
    if not path.exists():
        return frozenset()
    return frozenset(row[0].strip().lower() for row in _read_rows(path) if row[1:2] == ["role"])


@dataclass
class _AffiliationFinder:
    """Find nationality words (NORP or GPE names of the story) in a stretch of an article."""

    mentions: dict[str, list[Mention]]
    tokens: dict[str, list[Token]]
    names: frozenset[str]

    def within(
        self, article_id: str, start: int, end: int, own_name: frozenset[str] = frozenset()
    ) -> list[str]:
        """List the nationality words in a stretch, leaving out the words of a person's name."""
        found = {
            m.span.start: m.span.text
            for m in self.mentions.get(article_id, [])
            if start <= m.span.start and m.span.end <= end and m.span.text.lower() not in own_name
        }
        tokens = self.tokens.get(article_id, [])
        first = bisect.bisect_left(tokens, start, key=lambda t: t.start)
        # A nationality inside a longer name ("the Velmaran Ministry of Defence") is no mention
        # of its own, so also look for the story's nationality words token by token.
        for token in tokens[first:]:
            if token.end > end:
                break
            if token.start in found:
                continue
            if token.text.lower() in own_name:
                continue
            if token.capitalized and any(_same_affiliation(token.text, n) for n in self.names):
                found[token.start] = token.text
        return list(found.values())


def assign_sides(
    articles: Sequence[Article],
    statements: Sequence[Statement],
    entities: Sequence[Entity],
    tokens_by_article: dict[str, list[Token]],
    extra_mentions: Sequence[Mention] = (),
) -> tuple[dict[str, str], set[str]]:
    """Map each speaker to a side: the nationality in their role or title, else themselves.

    Return the map and the set of sides that are nationalities rather than lone speakers.
    """
    by_id = {a.id: a for a in articles}
    names = {e.id: e.name for e in entities}
    affiliation_mentions: dict[str, list[Mention]] = defaultdict(list)
    nationality_mentions = [
        m for e in entities if e.label in AFFILIATION_LABELS for m in e.mentions
    ]  # the entity's label, not the mention's: "the Kovalyk regime" names no nation
    for mention in nationality_mentions + list(extra_mentions):
        if mention.label in AFFILIATION_LABELS and mention.article_id in by_id:
            affiliation_mentions[mention.article_id].append(mention)
    finder = _AffiliationFinder(
        affiliation_mentions,
        tokens_by_article,
        frozenset(m.span.text for ms in affiliation_mentions.values() for m in ms),
    )
    windows: dict[str, set[tuple[str, int, int]]] = defaultdict(set)
    people: set[str] = set()
    speaker_entities: dict[str, set[str]] = defaultdict(set)
    for statement in statements:
        if _is_narrator(statement) or statement.article_id not in by_id:
            continue
        speaker = _speaker_label(statement, names)
        windows[speaker]  # every speaker gets a side, found or not
        for span in (statement.role, statement.speaker):
            if span is not None:
                windows[speaker].add((statement.article_id, span.start, span.end))
        if statement.speaker_entity_id:
            speaker_entities[speaker].add(statement.speaker_entity_id)
        if (statement.speaker_type or "").upper() == "PERSON":
            people.add(speaker)
    # The title words before any naming of the speaker in the story: "Velmaran Defence Minister".
    named_at = _namings(articles, entities, speaker_entities, list(windows))
    for speaker, places in named_at.items():
        for article_id, start, end in places:
            text = by_id[article_id].text
            windows[speaker].add(
                (article_id, _title_window(text, tokens_by_article[article_id], start), end)
            )
    votes = {}
    for speaker, found in windows.items():
        # A person's own name is no nationality, even where a parser tagged it as one.
        is_name = speaker in people and all(w[:1].isupper() for w in WORD.findall(speaker))
        own_name = frozenset(_words(speaker)) if is_name else frozenset()
        votes[speaker] = Counter(
            a for window in sorted(found) for a in finder.within(*window, own_name=own_name)
        )
    return _merge_sides(votes)


def _namings(
    articles: Sequence[Article],
    entities: Sequence[Entity],
    speaker_entities: dict[str, set[str]],
    speakers: list[str],
) -> dict[str, set[tuple[str, int, int]]]:
    """Find where each speaker is named in the story: its entity's mentions and its name."""
    article_ids = {a.id for a in articles}
    by_entity = {e.id: e for e in entities}
    found: dict[str, set[tuple[str, int, int]]] = defaultdict(set)
    for speaker in speakers:
        for entity_id in speaker_entities.get(speaker, ()):
            for mention in by_entity[entity_id].mentions if entity_id in by_entity else []:
                if mention.article_id in article_ids and mention.kind == "name":
                    found[speaker].add((mention.article_id, mention.span.start, mention.span.end))
        if not speaker[:1].isupper():
            continue  # an unresolved pronoun or description: no name to look up
        for article in articles:
            for start, end in standalone_spans(speaker, article.text, joiners="_"):
                found[speaker].add((article.id, start, end))
    return found


def _merge_sides(votes: dict[str, Counter]) -> tuple[dict[str, str], set[str]]:
    """Give each speaker its most voted nationality, spelled as the story spells it most often.

    Return the sides and the set of sides that are nationalities (not a lone speaker).
    """
    groups: list[Counter] = []
    for counter in votes.values():
        for word, count in counter.items():
            group = next((g for g in groups if any(_same_affiliation(word, w) for w in g)), None)
            if group is None:
                group = Counter()
                groups.append(group)
            group[word] += count
    sides = {}
    for speaker, counter in votes.items():
        if not counter:
            sides[speaker] = speaker
            continue
        best = max(groups, key=lambda g: sum(n for w, n in counter.items() if w in g))
        sides[speaker] = best.most_common(1)[0][0]
    return sides, {g.most_common(1)[0][0] for g in groups}


def compare_cue_stances(
    articles: Sequence[Article],
    statements: Sequence[Statement],
    entities: Sequence[Entity],
    sides: dict[str, str],
) -> dict[str, dict[str, Any]]:
    """Count, per outlet, the stances of the cues that introduce each speaker and each side."""
    by_id = {a.id: a for a in articles}
    names = {e.id: e.name for e in entities}
    result: dict[str, dict[str, Any]] = {}
    for statement in sorted(statements, key=lambda s: (s.article_id, s.content.start)):
        article = by_id.get(statement.article_id)
        if article is None or _is_narrator(statement) or statement.cue is None:
            continue
        if statement.nested_in:
            continue  # the cue inside a quote is the quoted speaker's word, not the outlet's
        outlet = _outlet(article)
        speaker = _speaker_label(statement, names)
        side = sides.get(speaker, speaker)
        stance = statement.cue_stance or "unknown"
        view = result.setdefault(outlet, {"by_speaker": {}, "by_side": {}})
        # each speaker's and side's counts are built when first met, not for every cue
        person = view["by_speaker"].get(speaker)
        if person is None:
            person = view["by_speaker"][speaker] = {"side": side, "counts": Counter(), "cues": []}
        person["counts"][stance] += 1
        person["cues"].append(
            {
                "cue": statement.cue.text,
                "stance": stance,
                "statement_id": statement.id,
                "span": _span(article, statement.cue.start, statement.cue.end),
            }
        )
        group = view["by_side"].get(side)
        if group is None:
            group = view["by_side"][side] = {
                "counts": Counter(),
                "cue_words": Counter(),
                "distancing_cues": Counter(),
                "speakers": [],
            }
        group["counts"][stance] += 1
        group["cue_words"][statement.cue.text.lower()] += 1
        if stance == "distancing":
            group["distancing_cues"][statement.cue.text.lower()] += 1
        if speaker not in group["speakers"]:
            group["speakers"].append(speaker)
    for view in result.values():
        for group in list(view["by_speaker"].values()) + list(view["by_side"].values()):
            group["counts"] = {k: group["counts"].get(k, 0) for k in STANCES} | {
                k: n for k, n in group["counts"].items() if k not in STANCES
            }
        for group in view["by_side"].values():
            group["cue_words"] = dict(group["cue_words"].most_common())
            group["distancing_cues"] = dict(group["distancing_cues"].most_common())
            group["distancing_share"] = _distancing_share(group["counts"])
    return result


def _framing_total(counts: dict[str, int]) -> int:
    return sum(counts.get(k, 0) for k in FRAMING_STANCES)


def _distancing_share(counts: dict[str, int]) -> float | None:
    total = _framing_total(counts)
    return round(counts.get("distancing", 0) / total, 3) if total else None


def _is_asymmetric(a: dict[str, int], b: dict[str, int]) -> bool:
    """Flag 'said' for one group and 'claimed' for the other, or clearly different shares."""
    total_a, total_b = _framing_total(a), _framing_total(b)
    dist_a, dist_b = a.get("distancing", 0), b.get("distancing", 0)
    if min(total_a, total_b) < 2:
        return False  # one cue says little about an outlet's habits
    if (dist_a and not dist_b) or (dist_b and not dist_a):
        return True
    if min(total_a, total_b) < 3:
        return False
    return abs(dist_a / total_a - dist_b / total_b) >= 0.25


def compare_speakers_across_outlets(
    cue_stances: dict[str, dict[str, Any]],
) -> dict[str, dict[str, dict[str, Any]]]:
    """Set side by side how each outlet introduces a speaker that several outlets quote."""
    by_speaker: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for outlet, view in sorted(cue_stances.items()):
        for speaker, found in view["by_speaker"].items():
            by_speaker[speaker][outlet] = {
                "counts": found["counts"],
                "cue_words": dict(Counter(c["cue"].lower() for c in found["cues"]).most_common()),
            }
    return {s: outlets for s, outlets in sorted(by_speaker.items()) if len(outlets) > 1}


def find_cue_asymmetries(
    cue_stances: dict[str, dict[str, Any]], nationalities: set[str] | None = None
) -> list[dict[str, Any]]:
    """Flag where one outlet distances itself from one side's speakers but not another's.

    Within an outlet, only nationality sides are compared when ``nationalities`` is given (two
    lone speakers are no "sides"); across outlets, every side or speaker they share is compared.
    """
    flags = []
    for outlet, view in sorted(cue_stances.items()):
        sides = sorted(s for s in view["by_side"] if nationalities is None or s in nationalities)
        for i, side_a in enumerate(sides):
            for side_b in sides[i + 1 :]:
                a, b = view["by_side"][side_a], view["by_side"][side_b]
                if _is_asymmetric(a["counts"], b["counts"]):
                    flags.append(_flag("within_outlet", [outlet, outlet], [side_a, side_b], a, b))
    outlets = sorted(cue_stances)
    for i, outlet_a in enumerate(outlets):
        for outlet_b in outlets[i + 1 :]:
            shared = set(cue_stances[outlet_a]["by_side"]) & set(cue_stances[outlet_b]["by_side"])
            for side in sorted(shared):
                a = cue_stances[outlet_a]["by_side"][side]
                b = cue_stances[outlet_b]["by_side"][side]
                if _is_asymmetric(a["counts"], b["counts"]):
                    flags.append(_flag("across_outlets", [outlet_a, outlet_b], [side, side], a, b))
    return flags


def _flag(
    kind: str, outlets: list[str], sides: list[str], a: dict[str, Any], b: dict[str, Any]
) -> dict[str, Any]:
    if kind == "within_outlet":
        message = (
            f"{outlets[0]} introduces {sides[0]} speakers with {_cue_summary(a)} "
            f"and {sides[1]} speakers with {_cue_summary(b)}"
        )
    else:
        message = (
            f"{outlets[0]} introduces {sides[0]} speakers with {_cue_summary(a)}; "
            f"{outlets[1]} with {_cue_summary(b)}"
        )
    return {
        "kind": kind,
        "outlets": outlets,
        "sides": sides,
        "distancing_shares": [a["distancing_share"], b["distancing_share"]],
        "distancing_counts": [a["counts"].get("distancing", 0), b["counts"].get("distancing", 0)],
        "distancing_cues": [a["distancing_cues"], b["distancing_cues"]],
        "message": message,
    }


def _cue_summary(group: dict[str, Any]) -> str:
    total = _framing_total(group["counts"])
    distancing = group["distancing_cues"]
    others = [w for w in group["cue_words"] if w not in distancing][:3]
    plain = ", ".join(f"'{w}'" for w in others) or "no other cues"
    if not distancing:
        return f"no distancing cues ({plain}; {total} cues)"
    words = ", ".join(f"'{w}' ({n})" for w, n in distancing.items())
    return f"distancing cues {words} of {total} cues (also {plain})"


# --- presupposition -------------------------------------------------------------------------


def presupposed_claims(
    claims: Sequence[Claim], statements: Sequence[Statement]
) -> list[dict[str, Any]]:
    """For each contested claim, say which outlets assert it in their own voice, not attributed.

    A wording is in the narrator's voice when its statement is of kind ``narrator``, or, with no
    known statement, when its span lies inside no attributed statement of its article.
    """
    by_id = {s.id: s for s in statements}
    attributed_by_article: dict[str, list[Statement]] = defaultdict(list)
    for statement in statements:
        if not _is_narrator(statement):
            attributed_by_article[statement.article_id].append(statement)
    found = []
    for claim in claims:
        if not claim.contested:
            continue
        narrator, attributed = [], []
        for wording in claim.wordings:
            entry = _wording_entry(wording, by_id)
            statement = by_id.get(wording.get("statement_id") or "")
            if statement is not None:
                in_narrator_voice = _is_narrator(statement)
            else:
                in_narrator_voice = not _inside_any(entry, attributed_by_article)
            (narrator if in_narrator_voice else attributed).append(entry)
        narrator_outlets = sorted({w["outlet"] for w in narrator if w["outlet"]})
        attributed_outlets = sorted({w["outlet"] for w in attributed if w["outlet"]})
        found.append(
            {
                "claim_id": claim.id,
                "text": claim.text,
                "presupposed": bool(narrator),
                "presupposed_by": narrator_outlets,
                "attributed_only_by": [o for o in attributed_outlets if o not in narrator_outlets],
                "narrator_wordings": narrator,
                "attributed_wordings": attributed,
                "contested_by": list(claim.contested_by),
            }
        )
    return found


def _wording_entry(wording: dict[str, Any], by_id: dict[str, Statement]) -> dict[str, Any]:
    statement = by_id.get(wording.get("statement_id") or "")
    span = wording.get("span")
    if span is None and statement is not None:
        span = statement.content
    if hasattr(span, "to_dict"):
        span = span.to_dict()
    article_id = wording.get("article_id") or (statement.article_id if statement else None)
    return {
        "article_id": article_id,
        "outlet": wording.get("outlet"),
        "statement_id": wording.get("statement_id"),
        "span": {"article_id": article_id, **span} if span else None,
    }


def _inside_any(entry: dict[str, Any], attributed: dict[str, list[Statement]]) -> bool:
    span = entry["span"]
    if span is None:
        return False
    return any(
        s.content.start <= span["start"] and span["end"] <= s.content.end
        for s in attributed.get(entry["article_id"], [])
    )


# --- distinctive vocabulary -----------------------------------------------------------------


def log_odds_dirichlet(
    counts_a: Counter, counts_b: Counter, prior: Counter, words: Iterable[str] | None = None
) -> list[tuple[str, float, float]]:
    """Compare word use in two groups: weighted log-odds with an informative Dirichlet prior.

    Monroe, Colaresi & Quinn (2008), "Fightin' Words", eq. 16 and 18: for word w with counts
    y_a, y_b, group totals n_a, n_b, prior pseudo-count a_w and a_0 = sum of the prior,
    delta = log((y_a + a_w) / (n_a + a_0 - y_a - a_w)) - log((y_b + a_w) / (n_b + a_0 - y_b - a_w)),
    var = 1 / (y_a + a_w) + 1 / (y_b + a_w), z = delta / sqrt(var). Positive z: more typical of
    group a. Words with no prior pseudo-count are skipped, so give the prior every word (for
    example the pooled counts of a background corpus plus both groups). Sorted by z, highest first.
    ``words`` limits the scores to those words (the totals still cover every word).
    """
    n_a, n_b = sum(counts_a.values()), sum(counts_b.values())
    alpha_0 = sum(v for v in prior.values() if v > 0)
    scores = []
    for word in prior if words is None else words:
        alpha = prior.get(word, 0)
        if alpha <= 0:
            continue
        y_a, y_b = counts_a.get(word, 0), counts_b.get(word, 0)
        rest_a, rest_b = n_a + alpha_0 - y_a - alpha, n_b + alpha_0 - y_b - alpha
        if rest_a <= 0 or rest_b <= 0:
            continue  # the word is the whole vocabulary: its odds are undefined
        odds_a, odds_b = (y_a + alpha) / rest_a, (y_b + alpha) / rest_b
        delta = math.log(odds_a) - math.log(odds_b)
        variance = 1 / (y_a + alpha) + 1 / (y_b + alpha)
        scores.append((word, delta, delta / math.sqrt(variance)))
    scores.sort(key=lambda s: (-s[2], s[0]))
    return scores


def word_counts(texts: Iterable[str]) -> Counter:
    """Count lower-case words (numbers left out) over texts.

    Each written form is counted first and lower-cased once: most words recur.
    """
    counts: Counter = Counter()
    for text in texts:
        for word, count in Counter(WORD.findall(text)).items():
            if not any(map(str.isdigit, word)):
                counts[word.lower()] += count
    return counts


def _counts_without(total: Counter, part: Counter) -> Counter:
    """Return ``total`` less ``part`` (a part of it), keeping only the words left over.

    The other outlets' counts, found once from everyone's: adding them up outlet by outlet
    made a story with many outlets quadratic.
    """
    return Counter({w: n - part.get(w, 0) for w, n in total.items() if n > part.get(w, 0)})


def distinctive_vocabulary(
    articles_by_outlet: dict[str, Sequence[Article]],
    background_articles: Sequence[Article] = (),
    *,
    top: int = 15,
) -> dict[str, list[dict[str, Any]]]:
    """Find each outlet's most distinctive words against the other outlets' words.

    The prior is the pooled word counts of the background articles plus all compared articles
    (every word gets a pseudo-count); words with z > 0 are listed, strongest first.
    """
    counts = {o: word_counts(a.text for a in arts) for o, arts in articles_by_outlet.items()}
    prior = word_counts(a.text for a in background_articles)
    for counter in counts.values():
        prior.update(counter)
    everyone: Counter = Counter()
    for counter in counts.values():
        everyone.update(counter)
    found = {}
    for outlet, own in counts.items():
        rest = _counts_without(everyone, own)
        if not rest:
            found[outlet] = []
            continue
        # only the outlet's own words can be listed: score those alone
        scores = log_odds_dirichlet(own, rest, prior, words=own)
        found[outlet] = [
            {"word": w, "delta": round(d, 4), "z": round(z, 3), "count": own[w]}
            for w, d, z in scores
            if z > 0 and own[w] > 0 and w not in FUNCTION_WORDS and len(w) > 1
        ][:top]
    return found


# --- the story view -------------------------------------------------------------------------


def _mentions_by_article(entities: Sequence[Entity], article_ids: set[str]) -> dict[str, list]:
    found: dict[str, list[Mention]] = defaultdict(list)
    for entity in entities:
        for mention in entity.mentions:
            if mention.article_id in article_ids:
                if mention.entity_id is None:
                    mention = Mention(**{**mention.__dict__, "entity_id": entity.id})
                found[mention.article_id].append(mention)
    return found


def _ner_mentions(article: Article, doc: Any) -> list[Mention]:
    return [
        Mention(article.id, _span_record(article, e.start_char, e.end_char), e.label_)
        for e in doc.ents
        if e.label_ in AFFILIATION_LABELS
    ]


def _span_record(article: Article, start: int, end: int) -> Any:
    from crosswire.records import Span

    return Span.of(article.text, start, end)


def _term_hits(
    article: Article,
    tokens: Sequence[Token],
    lexicon: str,
    field: str,
    statements: Sequence[Statement],
    names: dict[str, str],
) -> list[dict[str, Any]]:
    return [
        {
            "term": entry.term,
            field: entry.label,
            "span": _span(article, start, end),
            "voice": voice_of(start, end, statements, names),
        }
        for entry, start, end in find_terms(article.text, tokens, load_lexicon(lexicon))
    ]


def compare_framing(
    story: Story,
    articles: Sequence[Article],
    statements: Sequence[Statement],
    entities: Sequence[Entity],
    *,
    claims: Sequence[Claim] | None = None,
    nlp: Any = None,
    top_words: int = 15,
) -> dict[str, Any]:
    """Compare, outlet by outlet, how one story is framed (the shape is in the module docstring)."""
    members = set(story.article_ids)
    articles = [a for a in articles if not members or a.id in members]
    article_ids = {a.id for a in articles}
    statements = [s for s in statements if s.article_id in article_ids]
    names = {e.id: e.name for e in entities}
    docs = {a.id: nlp(a.text) for a in articles} if nlp is not None else {}
    tokens = {a.id: tokenize(a.text, docs.get(a.id)) for a in articles}
    mentions = _mentions_by_article(entities, article_ids)
    statements_by_article: dict[str, list[Statement]] = defaultdict(list)
    for statement in statements:
        statements_by_article[statement.article_id].append(statement)

    by_outlet: dict[str, dict[str, Any]] = {}
    frames_by_article = {}
    for article in articles:
        own = statements_by_article[article.id]
        frames = find_naming_frames(article, tokens[article.id])
        _anchor_frames(frames, mentions.get(article.id, []), names)
        for frame in frames:
            frame["voice"] = voice_of(frame["span"]["start"], frame["span"]["end"], own, names)
        frames_by_article[article.id] = frames
        view = by_outlet.setdefault(
            _outlet(article),
            {"articles": [], "naming_frames": [], "loaded_terms": [], "hedges": []},
        )
        view["articles"].append(article.id)
        view["naming_frames"] += frames
        view["loaded_terms"] += _term_hits(
            article, tokens[article.id], "loaded_terms.tsv", "category", own, names
        )
        view["hedges"] += _term_hits(article, tokens[article.id], "hedges.tsv", "kind", own, names)
        view["narrator_statements"] = view.get("narrator_statements", 0) + sum(
            1 for s in own if s.kind == "narrator"
        )

    extra = [m for a in articles if a.id in docs for m in _ner_mentions(a, docs[a.id])]
    sides, nationalities = assign_sides(articles, statements, entities, tokens, extra)
    cue_stances = compare_cue_stances(articles, statements, entities, sides)
    outlet_articles = {o: [a for a in articles if _outlet(a) == o] for o in by_outlet}
    distinctive = (
        distinctive_vocabulary(outlet_articles, top=top_words) if len(by_outlet) > 1 else {}
    )
    for outlet, view in by_outlet.items():
        view["loaded_term_counts"] = dict(Counter(h["category"] for h in view["loaded_terms"]))
        view["loaded_term_voices"] = {
            voice: sum(1 for h in view["loaded_terms"] if h["voice"]["voice"] == voice)
            for voice in ("narrator", "attributed")
        }
        view["hedge_counts"] = {
            k: sum(1 for h in view["hedges"] if h["kind"] == k) for k in ("hedge", "certainty")
        }
        view["cue_stances"] = cue_stances.get(outlet, {"by_speaker": {}, "by_side": {}})
        view["distinctive_words"] = distinctive.get(outlet, [])
        view["omitted"] = {}
        for name in ("naming_frames", "loaded_terms", "hedges"):
            view["omitted"][name] = max(0, len(view[name]) - MAX_LISTED)
            view[name] = view[name][:MAX_LISTED]

    result: dict[str, Any] = {
        "story_id": story.id,
        "outlets": sorted(by_outlet),
        "articles": {a.id: _outlet(a) for a in articles},
        "entities": compare_entity_naming(entities, articles, frames_by_article),
        "by_outlet": dict(sorted(by_outlet.items())),
        "sides": dict(sorted(sides.items())),
        "nationality_sides": sorted(nationalities),
        "speakers_across_outlets": compare_speakers_across_outlets(cue_stances),
        "cue_asymmetries": find_cue_asymmetries(cue_stances, nationalities),
    }
    if claims is not None:
        story_claims = [c for c in claims if c.story_id == story.id]
        result["presupposed_claims"] = presupposed_claims(story_claims, statements)
    return result
