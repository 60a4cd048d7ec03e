"""Find who and what each article names, and link the names across articles and outlets.

``find_mentions`` works on one parsed article: spaCy's named entities with their common boundary
errors fixed (a leading "the", a possessive "'s", a title inside a person's name, a place name
cut off before "region"), names the article repeats where spaCy missed them, the pronoun and
description speakers of statements, and descriptions such as "the foreign minister" when a
titled full name in the same article says who that is.

``canonicalize_entities`` links the mentions of all articles into entities: names that differ
only by title, case or possessive; spellings that transliterate one name differently (checked by
a consonant skeleton plus rapidfuzz); exonyms and renamings listed in ``data/aliases.tsv``; and
surnames to the one full name that their article (or its context in the corpus) makes clear.
``link_speakers`` then points each statement at the entity of its speaker.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz
from unidecode import unidecode

from crosswire import doc_views
from crosswire.entities_french import find_french_mentions
from crosswire.records import Article, Entity, Mention, Span, Statement, stable_id

DATA = Path(__file__).resolve().parent / "data"

MENTION_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "FAC"})
# Labels whose names may be linked to one another when spaCy disagrees with itself (a city as
# PERSON in one sentence and GPE in the next); nationalities and events stay apart.
NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC"})
LABEL_PREFERENCE = ("PERSON", "GPE", "ORG", "LOC", "FAC", "EVENT", "NORP")
POSSESSIVE_ENDINGS = ("'s", "\u2019s", "'", "\u2019")
LEADING_DETERMINERS = frozenset({"the"})
# Two spellings of one name must agree this much (rapidfuzz ratio, 0-100) besides their skeleton.
SPELLING_SIMILARITY = 80.0
MIN_FUZZY_CHARS = 4
TITLE_WINDOW_CHARS = 80
UNKNOWN_OUTLET = "unknown"
ORGANISATION_LABELS = frozenset({"ORG", "FAC"})
LOCATIVE_BEFORE = re.compile(r"\b(?:in|from|near)\s+$")
VOWELS = re.compile(r"[aeiouy]")
DOUBLED_LETTERS = re.compile(r"(.)\1+")
NON_SPACE_RUN = re.compile(r"\S+")
LEADING_DETERMINER = re.compile(r"(?i)^(?:the|a|an|his|her|their|its)\s+")


# ---------------------------------------------------------------- lexicons


def _read_tsv(path: Path) -> list[list[str]]:
    """Read a tab-separated data file, skipping '#' comments and the header row."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith("#")]
    return [[cell.strip() for cell in line.split("\t")] for line in lines[1:]]


@dataclass(frozen=True)
class TitleLexicon:
    """Title, modifier and honorific words from ``data/titles.tsv``."""

    kinds: dict[str, str]
    refers_to: dict[str, tuple[str, ...]]

    def kind(self, word: str) -> str | None:
        return self.kinds.get(word.lower().rstrip("."))

    def is_title_word(self, word: str) -> bool:
        return self.kind(word) is not None

    def heads_for(self, head: str) -> tuple[str, ...]:
        """Return the titles a description headed by ``head`` may refer to, itself included."""
        return (head, *self.refers_to.get(head, ()))


@functools.cache
def load_titles(path: Path = DATA / "titles.tsv") -> TitleLexicon:
    """Load the title lexicon (once per process)."""
    kinds: dict[str, str] = {}
    refers_to: dict[str, tuple[str, ...]] = {}
    for row in _read_tsv(path):
        word, kind = row[0].lower(), row[1]
        kinds.setdefault(word, kind)
        if len(row) > 2 and row[2] not in ("", "-"):
            refers_to[word] = tuple(w.strip() for w in row[2].split(",") if w.strip())
    return TitleLexicon(kinds, refers_to)


@dataclass(frozen=True)
class AliasTable:
    """Known variant spellings from ``data/aliases.tsv``: name key -> canonical name and label."""

    canonical: dict[str, str]
    labels: dict[str, str]
    surface_forms: tuple[str, ...]

    def canonical_key(self, key: str) -> str:
        name = self.canonical.get(key)
        return name_key(name) if name else key


@functools.cache
def load_aliases(path: Path = DATA / "aliases.tsv") -> AliasTable:
    """Load the alias table (once per process)."""
    canonical: dict[str, str] = {}
    labels: dict[str, str] = {}
    forms: set[str] = set()
    for row in _read_tsv(path):
        variant, name, label = row[0], row[1], row[2]
        canonical[name_key(variant)] = name
        canonical.setdefault(name_key(name), name)
        labels[name_key(name)] = label
        forms.update((variant, name))
    return AliasTable(canonical, labels, tuple(sorted(forms, key=len, reverse=True)))


@functools.cache
def load_place_heads(path: Path = DATA / "place_heads.tsv") -> frozenset[str]:
    """Load the nouns that belong to a place name that precedes them ("region")."""
    return frozenset(row[0].lower() for row in _read_tsv(path))


# ---------------------------------------------------------------- names


@functools.lru_cache(maxsize=1 << 16)
def name_key(text: str) -> str:
    """Reduce a name to the key two spellings share: ASCII, lower case, no 'the', no possessive."""
    text = unidecode(text).strip()
    text = re.sub(r"('s|')$", "", text)
    text = text.lower().replace(".", "")
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    if text.startswith("the "):
        text = text[4:]
    return text


@functools.lru_cache(maxsize=1 << 16)
def spelling_skeleton(key: str) -> str:
    """Drop vowels and doubled letters, the parts transliterations disagree on (Hrushevskyy → hrshvsk)."""
    tokens = []
    for token in key.split():
        token = token.replace("x", "ks")
        token = VOWELS.sub("", token)
        tokens.append(DOUBLED_LETTERS.sub(r"\1", token))
    return " ".join(tokens)


def are_spelling_variants(left: str, right: str) -> bool:
    """Tell whether two name keys look like one name transliterated or spelled two ways."""
    if left == right:
        return True
    if min(len(left), len(right)) < MIN_FUZZY_CHARS:
        return False
    left_skeleton, right_skeleton = spelling_skeleton(left), spelling_skeleton(right)
    if left_skeleton != right_skeleton or not all(left_skeleton.split()):
        return False
    return fuzz.ratio(left, right) >= SPELLING_SIMILARITY


def strip_possessive(text: str) -> str:
    """Drop a trailing possessive ("Lund's" → "Lund")."""
    for ending in POSSESSIVE_ENDINGS:
        if text.endswith(ending) and len(text) > len(ending):
            return text[: -len(ending)]
    return text


def split_title(
    words: list[str], titles: TitleLexicon | None = None
) -> tuple[list[str], list[str]]:
    """Split leading title words from a name: ["Ruritanian", "President", "Anna", "Berg"]."""
    titles = titles or load_titles()
    last_title = -1
    for i, word in enumerate(words[:-1]):
        if titles.is_title_word(word):
            last_title = i
        elif not word[:1].isupper():
            break
    if last_title < 0 or not words[last_title + 1][:1].isupper():
        return [], words
    return words[: last_title + 1], words[last_title + 1 :]


def title_before(text: str, start: int, titles: TitleLexicon | None = None) -> list[str]:
    """Return the title words written just before a name ("Ruritanian President" before "Anna Berg")."""
    titles = titles or load_titles()
    window = text[max(0, start - TITLE_WINDOW_CHARS) : start]
    words = re.findall(r"[^\s]+", window)
    if not window[-1:].isspace():
        return []
    found: list[str] = []
    for word in reversed(words):
        if not re.fullmatch(r"[A-Za-z][\w.\-]*", word):
            break
        if not found and titles.kind(word) not in ("title", "honorific"):
            break
        if not (titles.is_title_word(word) or word[:1].isupper()):
            break
        found.insert(0, word)
    return found


def title_after(text: str, end: int, titles: TitleLexicon | None = None) -> list[str]:
    """Return the words of an appositive title after a name (", the foreign minister,")."""
    titles = titles or load_titles()
    match = re.match(r",\s+the\s+((?:[A-Za-z][\w\-]*\s+){0,4}[A-Za-z][\w\-]*)\s*[,.]", text[end:])
    if not match:
        return []
    words = match.group(1).split()
    return words if titles.kind(words[-1]) == "title" else []


# ---------------------------------------------------------------- mentions in one article


def _fixed_bounds(
    ent: Any, text: str, titles: TitleLexicon, place_heads: frozenset[str]
) -> tuple | None:
    """Return (start_char, end_char, label) of an entity with spaCy's boundary errors fixed.

    ``text`` is the doc's text, passed in because spaCy rebuilds ``doc.text`` on every access.
    """
    tokens = list(ent)
    label = ent.label_
    while tokens and (tokens[0].lower_ in LEADING_DETERMINERS or tokens[0].is_punct):
        tokens = tokens[1:]
    while tokens and (tokens[-1].tag_ == "POS" or tokens[-1].is_punct):
        tokens = tokens[:-1]
    if len(tokens) > 1 and label != "NORP":
        title_words, name_words = split_title([t.text for t in tokens], titles)
        if label == "PERSON":
            tokens = tokens[len(title_words) :]
        elif title_words and titles.kind(title_words[-1]) in ("title", "honorific"):
            # "Defence Minister Jan Lind" tagged ORG: a titled name is a person.
            if len(name_words) > 1 and not any(titles.is_title_word(w) for w in name_words):
                tokens, label = tokens[len(title_words) :], "PERSON"
    if not tokens:
        return None
    if label == "PERSON" and titles.is_title_word(tokens[-1].text):
        return None  # "Foreign", "Ruritanian Foreign": a title cut off from its name
    doc = ent.doc
    after = doc[tokens[-1].i + 1] if tokens[-1].i + 1 < len(doc) else None
    if (
        after is not None
        and after.lower_ in place_heads
        and tokens[-1].tag_ == "NNP"
        and label in ("GPE", "NORP", "LOC")
    ):
        tokens.append(after)
        label = "LOC"
    start = tokens[0].idx
    end = tokens[-1].idx + len(tokens[-1].text)
    end = start + len(strip_possessive(text[start:end]))
    return start, end, label


def _is_titled_name(ent: Any, titles: TitleLexicon) -> bool:
    """Tell whether an entity of another label is a titled person ("Rear Admiral X Y")."""
    words = [t.text for t in ent if not t.is_punct]
    title_words, name_words = split_title(words, titles)
    return bool(title_words) and titles.kind(title_words[-1]) == "title" and len(name_words) > 1


def _overlaps(start: int, end: int, taken: Iterable[tuple[int, int]]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in taken)


def _name_mentions(doc: Any, article: Article) -> list[Mention]:
    titles, place_heads = load_titles(), load_place_heads()
    found: list[Mention] = []
    for ent in doc.ents:
        if ent.label_ not in MENTION_LABELS and not _is_titled_name(ent, titles):
            continue
        bounds = _fixed_bounds(ent, article.text, titles, place_heads)
        if bounds is None:
            continue
        start, end, label = bounds
        if label not in MENTION_LABELS:
            continue
        known = load_aliases().labels.get(
            load_aliases().canonical_key(name_key(doc_views.span_text(ent)))
        )
        if known and label != "NORP":
            label = known
        found.append(_mention(article, start, end, label, "name"))
    return found


def _mention(article: Article, start: int, end: int, label: str, kind: str) -> Mention:
    return Mention(
        article_id=article.id,
        span=Span.of(article.text, start, end),
        label=label,
        outlet=article.outlet,
        kind=kind,
    )


def _repeated_names(doc: Any, article: Article, found: list[Mention]) -> list[Mention]:
    """Add the places where a name the article uses (or a known alias) was left untagged."""
    labels: dict[str, Counter] = defaultdict(Counter)
    for mention in found:
        if mention.label != "NORP":
            labels[mention.span.text][mention.label] += 1
        words = mention.span.text.split()
        if mention.label == "PERSON" and len(words) > 1 and words[-1][:1].isupper():
            # Articles name a person in full once and by surname after; spaCy misses some.
            labels[words[-1]]["PERSON"] += 1
    for form in load_aliases().surface_forms:
        if form not in labels and form in article.text:  # most alias forms are absent
            labels[form] = Counter({_alias_label(form): 1})
    taken = [(m.span.start, m.span.end) for m in found]
    added: list[Mention] = []
    for form, votes in sorted(labels.items(), key=lambda item: -len(item[0])):
        for start, end in standalone_spans(form, article.text):
            if _overlaps(start, end, taken) or not _is_proper_name(doc, start, end):
                continue
            label = votes.most_common(1)[0][0]
            added.append(_mention(article, start, end, label, "name"))
            taken.append((start, end))
    return added


def standalone_spans(form: str, text: str, joiners: str = "_-") -> Iterator[tuple[int, int]]:
    r"""Yield the spans where ``form`` stands alone in ``text``: no letter, digit or joiner just
    before or after it, left to right without overlaps.

    With the default joiners these are the spans ``re.finditer`` gives for
    ``{form}(?<![\w-]{form})(?![\w-])`` (the form escaped); with ``joiners="_"``, those of
    ``\b{form}\b`` for a form that starts and ends with a word character. They are found with
    ``str.find``: compiling a pattern for each of an article's names took longer than the
    search (3,225 compilations over 1,000 synthetic articles).
    """

    def joined(char: str) -> bool:
        return char.isalnum() or char in joiners

    if not form:  # the empty form "stands alone" between any two characters that join nothing
        for i in range(len(text) + 1):
            if not (i > 0 and joined(text[i - 1])) and not (i < len(text) and joined(text[i])):
                yield i, i
        return
    size = len(form)
    at = text.find(form)
    while at >= 0:
        end = at + size
        if not (at > 0 and joined(text[at - 1])) and not (end < len(text) and joined(text[end])):
            yield at, end
            at = text.find(form, end)
        else:
            at = text.find(form, at + 1)


def _alias_label(form: str) -> str:
    aliases = load_aliases()
    return aliases.labels.get(aliases.canonical_key(name_key(form)), "GPE")


def _is_proper_name(doc: Any, start: int, end: int) -> bool:
    span = doc.char_span(start, end)
    return span is not None and all(token.pos_ == "PROPN" for token in span)


def _speaker_mentions(
    doc: Any, article: Article, statements: list[Statement], names: list[Mention]
) -> list[Mention]:
    """Add the pronoun and description speakers that statements resolved to a name."""
    named = [(m.span.start, m.span.end) for m in names if m.label != "NORP"]
    seen: set[tuple[int, int]] = set()
    found: list[Mention] = []
    for statement in statements:
        speaker = statement.speaker
        if speaker is None or not statement.speaker_name or statement.article_id != article.id:
            continue
        bounds = (speaker.start, speaker.end)
        if bounds in seen or _overlaps(*bounds, named):
            continue
        seen.add(bounds)
        span = doc.char_span(*bounds, alignment_mode="expand")
        label = statement.speaker_type or "PERSON"
        if span is not None and all(token.pos_ == "PRON" for token in span):
            kind = "pronoun"
        elif span is not None and all(t.pos_ == "PROPN" or t.is_punct for t in span):
            kind = "name"  # a speaker's name that spaCy's entities missed
            tokens = [t for t in span if not t.is_punct]
            title_words, _ = split_title([t.text for t in tokens])
            name_tokens = tokens[len(title_words) :]
            if not name_tokens:
                continue
            bounds = (name_tokens[0].idx, name_tokens[-1].idx + len(name_tokens[-1].text))
        else:
            kind = "description"
        found.append(_mention(article, *bounds, label, kind))
    return found


def _description_mentions(doc: Any, article: Article, names: list[Mention]) -> list[Mention]:
    """Add descriptions like "the Ruritanian president" that a titled full name resolves."""
    titles = load_titles()
    people = [m for m in names if m.label == "PERSON" and m.kind == "name"]
    taken = [(m.span.start, m.span.end) for m in names if m.kind != "name"]
    found: list[Mention] = []
    tokens = doc_views.tokens(doc)
    for token, word in zip(tokens, doc_views.values(doc, "text"), strict=True):
        if titles.kind(word) != "title" or token.tag_ not in ("NN", "NNP"):
            continue
        following = tokens[token.i + 1] if token.i + 1 < len(tokens) else None
        if following is not None and following.pos_ == "PROPN":
            continue
        first = token.i
        sentence_start = doc_views.sentence_of(token).start
        while first > sentence_start and tokens[first - 1].lower_ != "the":
            previous = tokens[first - 1]
            if previous.pos_ not in ("ADJ", "PROPN", "NOUN") or previous.tag_ == "POS":
                break
            first -= 1
        if first == sentence_start or tokens[first - 1].lower_ != "the":
            continue
        start, end = tokens[first - 1].idx, token.idx + len(token.text)
        if _overlaps(start, end, taken):
            continue
        if resolve_description(article.text, Span.of(article.text, start, end), people):
            found.append(_mention(article, start, end, "PERSON", "description"))
    return found


def _relabel_surnames(names: list[Mention]) -> list[Mention]:
    """Label as PERSON a lone surname spaCy mislabelled when the article names that person in full."""
    surnames = {
        m.span.text.split()[-1]
        for m in names
        if m.label == "PERSON" and len(m.span.text.split()) > 1
    }
    return [
        replace(m, label="PERSON") if m.label != "NORP" and m.span.text in surnames else m
        for m in names
    ]


def _anaphor_mentions(doc: Any, article: Article, found: list[Mention]) -> list[Mention]:
    """Add definite descriptions that repeat the head of an earlier name ("the strait")."""
    named = [m for m in found if m.kind == "name"]
    taken = [(m.span.start, m.span.end) for m in found]
    anaphors: list[Mention] = []
    tokens = doc_views.tokens(doc)
    for token, word in zip(tokens, doc_views.values(doc, "lower_"), strict=True):
        if word != "the":
            continue
        words = []
        for follower in tokens[token.i + 1 : token.i + 4]:
            if not follower.is_alpha or follower.text != follower.lower_:
                break
            words.append(follower)
        while words and words[-1].tag_ != "NN":
            words.pop()
        if not words or (words[-1].i + 1 < len(tokens) and tokens[words[-1].i + 1].tag_ == "NN"):
            continue
        start, end = token.idx, words[-1].idx + len(words[-1].text)
        if _overlaps(start, end, taken):
            continue
        span = Span.of(article.text, start, end)
        antecedent = resolve_anaphor(span, named)
        if antecedent is not None:
            anaphors.append(_mention(article, start, end, antecedent.label, "description"))
            taken.append((start, end))
    return anaphors


def _name_head(words: list[str]) -> str:
    """Return the head word of a name: the last, or the one before "of"/"for" ("centre")."""
    for i, word in enumerate(words[1:], start=1):
        if word in ("of", "for"):
            return words[i - 1]
    return words[-1]


def resolve_anaphor(description: Span, names: list[Mention]) -> Mention | None:
    """Resolve "the strait" to the one earlier place or organisation name it repeats the head of.

    Every word of the description must be a word of the name, and its last word the name's
    head; the names that fit must all be one name, else the description stays unresolved.
    """
    words = name_key(description.text).split()
    if not words:
        return None
    fitting = []
    for name in names:
        if name.label in ("PERSON", "NORP") or name.span.start >= description.start:
            continue
        name_words = name_key(name.span.text).split()
        if len(name_words) < 2 or _name_head(name_words) != words[-1]:
            continue
        if set(words) <= set(name_words):
            fitting.append(name)
    keys = sorted({name_key(m.span.text) for m in fitting}, key=len)
    if not keys or not all(keys[-1].endswith(key) for key in keys):
        return None  # two different names fit ("the ministry" after two ministries)
    return max(fitting, key=lambda m: m.span.start)


def find_mentions(doc: Any, article: Article, statements: list[Statement]) -> list[Mention]:
    """Find the entity mentions of one article: names, speaker pronouns and clear descriptions.

    A French parse gives its names only (``entities_french``).
    """
    if doc.lang_ == "fr":
        return find_french_mentions(doc, article)
    names = _name_mentions(doc, article)
    names += _repeated_names(doc, article, names)
    names = _relabel_surnames(names)
    speakers = _speaker_mentions(doc, article, statements, names)
    descriptions = _description_mentions(doc, article, names + speakers)
    anaphors = _anaphor_mentions(doc, article, names + speakers + descriptions)
    found = names + speakers + descriptions + anaphors
    return sorted(found, key=lambda m: (m.span.start, m.span.end))


# ---------------------------------------------------------------- descriptions


def _title_of(text: str, mention: Mention, titles: TitleLexicon) -> list[str]:
    words = title_before(text, mention.span.start, titles)
    return words or title_after(text, mention.span.end, titles)


def _title_matches(head: str, title_words: list[str], titles: TitleLexicon) -> bool:
    lowered = [w.lower().rstrip(".") for w in title_words]
    for phrase in titles.heads_for(head):
        parts = phrase.split()
        if lowered[-len(parts) :] == parts:
            return True
    return False


def _is_identity_word(word: str, titles: TitleLexicon) -> bool:
    """Tell whether a title word names a place or nationality ("US", "Ruritanian")."""
    return word[:1].isupper() and not titles.is_title_word(word)


def resolve_description(text: str, description: Span, people: list[Mention]) -> Mention | None:
    """Resolve "the Ruritanian president" to the titled person mention of the article it describes.

    The description resolves when exactly one person of the article has a title that contains
    every word of it; failing that, when exactly one person has a compatible title: the same
    title, and no nationality or place in it that the description does not also use. Two
    people who fit leave it unresolved.
    """
    titles = load_titles()
    words = description.text.split()[1:]
    head, modifiers = words[-1].lower(), [w for w in words[:-1]]
    exact: list[Mention] = []
    compatible: list[Mention] = []
    for person in people:
        title_words = _title_of(text, person, titles)
        if not title_words or not _title_matches(head, title_words, titles):
            continue
        lowered = {w.lower().rstrip(".") for w in title_words}
        missing = [m for m in modifiers if m.lower() not in lowered]
        if not missing:
            exact.append(person)
        elif all(_is_identity_word(m, titles) for m in missing) and not any(
            _is_identity_word(w, titles) for w in title_words
        ):
            compatible.append(person)
    for candidates in (exact, compatible):
        people_named = {name_key(p.span.text) for p in candidates}
        if len(people_named) == 1:
            return min(candidates, key=lambda p: abs(p.span.start - description.start))
        if people_named:
            return None
    return None


# ---------------------------------------------------------------- canonical entities


@dataclass
class _NameGroup:
    """The name mentions that share one key."""

    key: str
    labels: Counter = field(default_factory=Counter)
    forms: Counter = field(default_factory=Counter)
    articles: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        return _majority_label(self.labels)


def _majority_label(labels: Counter) -> str:
    if not labels:
        return "PERSON"
    best = max(labels.values())
    return next(label for label in LABEL_PREFERENCE if labels.get(label) == best)


def _kinds_clash(left: _NameGroup, right: _NameGroup) -> bool:
    """Keep a one-word person name apart from a one-word place or organisation (Lindov, Lundov)."""
    if len(left.key.split()) > 1 or len(right.key.split()) > 1:
        return False
    return (left.label == "PERSON") != (right.label == "PERSON")


DEMONYM_ENDINGS = ("n", "an", "ian", "nian", "ean", "ese", "ish", "i")


def is_demonym_of(word_key: str, place_key: str) -> bool:
    """Tell whether a one-word name is the demonym of a place name (Ruritanian of Ruritania)."""
    if " " in word_key or " " in place_key or len(place_key) < 4 or word_key == place_key:
        return False
    for stem in (place_key, place_key[:-1]):
        if word_key.startswith(stem) and word_key[len(stem) :] in DEMONYM_ENDINGS:
            return True
    return False


def is_demonym_of_any(
    word_key: str, places: Collection[str], by_stem: dict[str, list[str]]
) -> bool:
    """Tell whether a one-word name is the demonym of any of ``places`` (one-word place keys).

    ``by_stem`` maps each place less its last letter to the places. Looks up the stems the
    word's endings leave instead of trying every place: the same answer as ``is_demonym_of``
    against each place.
    """
    if " " in word_key:
        return False
    for ending in DEMONYM_ENDINGS:
        if not word_key.endswith(ending):
            continue
        stem = word_key[: len(word_key) - len(ending)]
        for place in ([stem] if stem in places else []) + by_stem.get(stem, []):
            if is_demonym_of(word_key, place):
                return True
    return False


def _relabel_demonyms(mentions: list[Mention]) -> list[Mention]:
    """Relabel by what the corpus says a word is: a demonym of a named place ("Ruritanian" as
    ORG) is NORP, and a place name spaCy took for a nationality ("a Lundov prison") is GPE."""
    places = Counter(name_key(m.span.text) for m in mentions if m.label in ("GPE", "LOC"))
    by_stem: dict[str, list[str]] = defaultdict(list)
    for place in places:
        by_stem[place[:-1]].append(place)
    named = _name_labels_by_skeleton(mentions)
    demonyms: dict[str, bool] = {}  # by key: most names recur, and the places are fixed here
    relabelled = []
    for mention in mentions:
        key = name_key(mention.span.text)
        if mention.label == "NORP":
            if key in places and places[key] >= 2:
                relabelled.append(replace(mention, label="GPE"))
                continue
            # another spelling of a name the text calls a place or a body ("Tarnov" beside
            # "Tarniv"), not its demonym: the name's label, so the two spellings can join
            label = _variant_label(key, named)
            relabelled.append(replace(mention, label=label) if label else mention)
            continue
        is_demonym = demonyms.get(key)
        if is_demonym is None:
            is_demonym = demonyms[key] = is_demonym_of_any(key, places, by_stem)
        relabelled.append(replace(mention, label="NORP") if is_demonym else mention)
    return relabelled


def _name_labels_by_skeleton(mentions: list[Mention]) -> dict[str, dict[str, Counter]]:
    """Count the name labels (PERSON aside) of each one-word name, by spelling skeleton."""
    found: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for mention in mentions:
        key = name_key(mention.span.text)
        if mention.label in NAME_LABELS and mention.label != "PERSON" and " " not in key:
            found[spelling_skeleton(key)][key][mention.label] += 1
    return found


def _variant_label(key: str, named: dict[str, dict[str, Counter]]) -> str | None:
    """Return the majority label of the names that ``key`` is another spelling of and not the
    demonym of, or None."""
    labels: Counter = Counter()
    for other, counts in named.get(spelling_skeleton(key), {}).items():
        if other == key or is_demonym_of(key, other):
            continue
        if are_spelling_variants(key, other):
            labels.update(counts)
    return _majority_label(labels) if labels else None


def _group_kind(label: str) -> str:
    return label if label not in NAME_LABELS else "NAME"


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def find(self, item: Any) -> Any:
        self.parent.setdefault(item, item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, left: Any, right: Any) -> None:
        left, right = self.find(left), self.find(right)
        if left != right:
            # The smaller id becomes the root so that the result does not depend on input order.
            low, high = sorted((left, right))
            self.parent[high] = low


class _Linker:
    """Group name keys into entities and answer which entity a name or surname belongs to."""

    def __init__(self, mentions: list[Mention], aliases: AliasTable) -> None:
        self.aliases = aliases
        self.keys: dict[str, str] = {}  # by text: most names recur
        self.groups: dict[tuple[str, str], _NameGroup] = {}
        self.sets = _UnionFind()
        for mention in mentions:
            group_id = self.group_id(mention)
            group = self.groups.get(group_id)
            if group is None:  # built only when new: most mentions join a group
                group = self.groups[group_id] = _NameGroup(self.key(mention))
            group.labels[mention.label] += 1
            group.forms[" ".join(mention.span.text.split())] += 1
            group.articles.add(mention.article_id)
        # the kinds of name to try, names first (asked once here, not on every lookup)
        self.kinds = ("NAME", *sorted({kind for kind, _ in self.groups} - {"NAME"}))
        self._merge_spelling_variants()
        self._index_surnames()
        self._merge_organisation_cores()

    def key(self, mention_or_name: Mention | str) -> str:
        text = mention_or_name if isinstance(mention_or_name, str) else mention_or_name.span.text
        key = self.keys.get(text)
        if key is None:
            key = self.keys[text] = self.aliases.canonical_key(name_key(text))
        return key

    def group_id(self, mention: Mention) -> tuple[str, str]:
        key = self.key(mention)
        label = self.aliases.labels.get(key, mention.label)
        return (_group_kind(label), key)

    def _merge_spelling_variants(self) -> None:
        buckets: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        for group_id in sorted(self.groups):
            kind, key = group_id
            buckets[(kind, spelling_skeleton(key))].append(group_id)
        self.buckets = buckets
        for kind, key in sorted(self.groups):
            # One nationality, singular and plural: "Ruritanian", "Ruritanians".
            if kind == "NORP" and key.endswith("s") and (kind, key[:-1]) in self.groups:
                self.sets.union((kind, key), (kind, key[:-1]))
        for members in buckets.values():
            self._join_variants(members)

    def _join_variants(self, members: list[tuple[str, str]]) -> None:
        """Join the names of one skeleton bucket that are all spelling variants of each other.

        Two sets join only when every name of one is a variant of every name of the other:
        chaining pairs would make "Mios" ~ "Miossu" ~ "Mosu" one entity although "Mios" and
        "Mosu" are not variants (short names share skeletons easily), and each new article
        could extend such a chain across stories.
        """
        pairs = [
            (fuzz.ratio(left[1], right[1]), left, right)
            for i, left in enumerate(members)
            for right in members[i + 1 :]
            if not _kinds_clash(self.groups[left], self.groups[right])
            and are_spelling_variants(left[1], right[1])
        ]
        joined = {member: [member] for member in members}
        for _, left, right in sorted(pairs, key=lambda pair: (-pair[0], pair[1], pair[2])):
            ours, theirs = joined[left], joined[right]
            if ours is theirs:
                continue
            if all(
                are_spelling_variants(a[1], b[1])
                and not _kinds_clash(self.groups[a], self.groups[b])
                for a in ours
                for b in theirs
            ):
                ours.extend(theirs)
                for member in theirs:
                    joined[member] = ours
                self.sets.union(left, right)

    def _index_surnames(self) -> None:
        """Index full person names by the skeleton of their last word."""
        self.surnames: dict[str, list[tuple[str, tuple[str, str]]]] = defaultdict(list)
        for group_id, group in sorted(self.groups.items()):
            words = group_id[1].split()
            if group_id[0] == "NAME" and len(words) > 1 and group.label == "PERSON":
                self.surnames[spelling_skeleton(words[-1])].append((words[-1], group_id))

    def root(self, group_id: tuple[str, str]) -> tuple[str, str]:
        return self.sets.find(group_id)

    def full_names_for(self, surname_key: str, exact: bool = False) -> set[tuple[str, str]]:
        """Return the entities whose full person name ends with this surname (or a spelling of it)."""
        return {
            self.root(group_id)
            for last, group_id in self.surnames.get(spelling_skeleton(surname_key), [])
            if last == surname_key or (not exact and are_spelling_variants(last, surname_key))
        }

    def _merge_organisation_cores(self) -> None:
        """Link "Ruritania's defence ministry" and "Ruritanian Ministry of Defence" (one place,
        one core), and an unqualified "the Ministry of Defence" to the one qualified such body."""
        places: dict[str, list[str]] = defaultdict(list)
        for (kind, key), group in sorted(self.groups.items()):
            if kind == "NAME" and group.label in ("GPE", "LOC") and " " not in key:
                places[key[:3]].append(key)
        self.places = places
        self.cores: dict[str, set[tuple[str, str]]] = defaultdict(set)
        unqualified: list[tuple[tuple[str, str], str]] = []
        for group_id, group in sorted(self.groups.items()):
            if group_id[0] != "NAME" or group.label not in ORGANISATION_LABELS:
                continue
            place, core = organisation_core(group_id[1], places)
            if len(core.split()) < 2:
                continue
            if place is None:
                unqualified.append((group_id, core))
                continue
            for other in self.cores.get(f"{place}|{core}", set()):
                self.sets.union(other, group_id)
            self.cores[f"{place}|{core}"].add(group_id)
            self.cores[core].add(group_id)
        alone: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for group_id, core in unqualified:
            roots = {self.root(g) for g in self.cores.get(core, set())}
            if len(roots) == 1:
                self.sets.union(next(iter(roots)), group_id)
            elif not roots:
                alone[core].append(group_id)
        # With no qualified body to join, "the Ministry of Defence" and "the defence ministry"
        # are still one name in two word orders, as much one body as two "defence ministry"s.
        for group_ids in alone.values():
            for group_id in group_ids[1:]:
                self.sets.union(group_ids[0], group_id)

    def lookup_organisation(self, name: str) -> tuple[str, str] | None:
        """Find an organisation by its place and core ("Ruritania's defence ministry")."""
        place, core = organisation_core(name_key(name), self.places)
        found = self.cores.get(f"{place}|{core}" if place else core, set())
        roots = {self.root(g) for g in found}
        return next(iter(roots)) if len(roots) == 1 else None

    def lookup(self, name: str, label: str | None = None) -> tuple[str, str] | None:
        """Return the entity a name (such as a statement's speaker name) belongs to, if any."""
        _, name_words = split_title(re.findall(r"[\w.\-'\u2019]+", name))
        keys = [k for k in dict.fromkeys((self.key(name), self.key(" ".join(name_words)))) if k]
        for key in keys:
            for kind in self.kinds:
                if (kind, key) in self.groups:
                    return self.root((kind, key))
        for key in keys:
            if len(key.split()) == 1:
                candidates = self.full_names_for(key)
                if len(candidates) == 1:
                    return next(iter(candidates))
            for group_id in self.buckets.get(("NAME", spelling_skeleton(key)), []):
                if not are_spelling_variants(group_id[1], key):
                    continue
                is_person = self.groups[group_id].label == "PERSON"
                if label is None or len(key.split()) > 1 or is_person == (label == "PERSON"):
                    return self.root(group_id)
        if label != "PERSON":
            return self.lookup_organisation(name)
        return None


def _article_roots(
    mentions: list[Mention], assigned: dict[int, tuple[str, str]]
) -> dict[str, set[tuple[str, str]]]:
    roots: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for i, mention in enumerate(mentions):
        if i in assigned:
            roots[mention.article_id].add(assigned[i])
    return roots


def _link_surnames(
    linker: _Linker, names: list[Mention], assigned: dict[int, tuple[str, str]]
) -> None:
    """Point single-word person names at the full name their article or context makes clear."""
    roots_by_article = _article_roots(names, assigned)
    articles_by_root: dict[tuple[str, str], set[str]] = defaultdict(set)
    for article_id, roots in roots_by_article.items():
        for root in roots:
            articles_by_root[root].add(article_id)
    seen_with: dict[tuple[str, str], set[tuple[str, str]]] = {}
    # the entities a surname may stand for, asked once per surname: the linker's entities do
    # not change here, and a common surname recurs in every article of its stories
    full_names: dict[tuple[str, bool], set[tuple[str, str]]] = {}
    for i, mention in enumerate(names):
        key = linker.key(mention)
        group = linker.groups[linker.group_id(mention)]
        if len(key.split()) != 1 or key in linker.aliases.labels:
            continue
        # Only a name tagged as a person may be a respelling of a surname (Lindov, not Lundov).
        exact = mention.label != "PERSON" and group.label != "PERSON"
        if (key, exact) not in full_names:
            full_names[(key, exact)] = linker.full_names_for(key, exact=exact)
        candidates = full_names[(key, exact)] - {assigned[i]}
        if not candidates:
            continue
        here = roots_by_article[mention.article_id]
        in_article = candidates & here
        if len(in_article) == 1:
            assigned[i] = next(iter(in_article))
            continue
        if in_article or group.label != "PERSON":
            continue
        context = here - {assigned[i]}
        scores = {}
        for candidate in candidates:
            if candidate not in seen_with:
                seen_with[candidate] = set().union(
                    *(roots_by_article[a] for a in articles_by_root[candidate])
                )
            scores[candidate] = len(context & seen_with[candidate])
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        best, best_score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else -1
        if best_score >= 1 and best_score > runner_up:
            assigned[i] = best


CAPITALISED_RUN = re.compile(r"(?<![\w'\u2019])[A-Z][\w'\u2019]*(?:[ ][A-Z][\w'\u2019]*)*")
MAX_NAME_WORDS = 5


@functools.lru_cache(maxsize=4096)
def capitalised_runs(text: str) -> tuple[tuple[tuple[int, int, str], ...], ...]:
    """Return the runs of capitalised words in a text, each word as (start, end, word).

    Kept per text: a refresh reads each article once for the corpus and once for its story.
    """
    return tuple(
        tuple(
            (run.start() + word.start(), run.start() + word.end(), word.group())
            for word in NON_SPACE_RUN.finditer(run.group())
        )
        for run in CAPITALISED_RUN.finditer(text)
    )


def _names_known_elsewhere(articles: list[Article], mentions: list[Mention]) -> list[Mention]:
    """Add the places where an article writes a name other articles tagged but spaCy missed here.

    A name counts when spaCy tagged it at least twice in the corpus, mostly with one label, and
    it is not a title word; its untagged occurrences (runs of capitalised words) become name
    mentions with that label.
    """
    titles = load_titles()
    votes: dict[str, Counter] = defaultdict(Counter)
    for mention in mentions:
        if mention.kind == "name":
            votes[" ".join(mention.span.text.split())][mention.label] += 1
    known = {}
    for form, labels in votes.items():
        label, count = labels.most_common(1)[0]
        if count >= 2 and len(form) >= MIN_FUZZY_CHARS and not titles.is_title_word(form):
            known[form] = label
    taken: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for mention in mentions:
        taken[mention.article_id].append((mention.span.start, mention.span.end))
    # a name can only start at a word that starts a known form (or is one, less a possessive):
    # most capitalised words start none, and need no slicing at all
    first_words = {form.split(" ")[0] for form in known}
    added = []
    for article in articles:
        for words in capitalised_runs(article.text):
            i = 0
            while i < len(words):
                word = words[i][2]
                if word not in first_words and strip_possessive(word) not in first_words:
                    i += 1
                    continue
                for n in range(min(MAX_NAME_WORDS, len(words) - i), 0, -1):
                    start = words[i][0]
                    end = start + len(strip_possessive(article.text[start : words[i + n - 1][1]]))
                    label = known.get(article.text[start:end])
                    if label and not _overlaps(start, end, taken[article.id]):
                        added.append(_mention(article, start, end, label, "name"))
                        taken[article.id].append((start, end))
                        i += n - 1
                        break
                i += 1
    return added


ORGANISATION_HEADS_BEFORE_OF = frozenset({"ministry", "department", "office", "bureau", "agency"})


def organisation_core(key: str, places: dict[str, list[str]]) -> tuple[str | None, str]:
    """Split an organisation name key into the place it belongs to and its core.

    "ruritanian ministry of defence" and "ruritania s defence ministry" both give
    ("ruritania", "defence ministry"): a leading place name, its possessive or its demonym is the
    place; "ministry of X" reads as "X ministry". ``places`` maps the first three letters of
    each known one-word place name to the names.
    """
    words = key.split()
    place = None
    if words:
        first = words[0]
        for candidate in places.get(first[:3], []):
            if first == candidate or is_demonym_of(first, candidate):
                place = candidate
                break
    if place is not None:
        words = words[1:]
        if words[:1] == ["s"]:
            words = words[1:]
    if len(words) >= 3 and words[1] == "of" and words[0] in ORGANISATION_HEADS_BEFORE_OF:
        words = [*words[2:], words[0]]
    return place, " ".join(words)


def _link_short_organisation_names(
    linker: _Linker, names: list[Mention], assigned: dict[int, tuple[str, str]]
) -> None:
    """Point "Coast Guard" at "Ruritanian Coast Guard" when its article names just one such."""
    by_article: dict[str, list[int]] = defaultdict(list)
    for i, mention in enumerate(names):
        by_article[mention.article_id].append(i)
    for indices in by_article.values():
        long_names = [
            (linker.key(names[i]).split(), assigned[i])
            for i in indices
            if names[i].label in ORGANISATION_LABELS
        ]
        for i in indices:
            if names[i].label not in ORGANISATION_LABELS:
                continue
            words = linker.key(names[i]).split()
            longer = {
                root
                for other, root in long_names
                if len(other) > len(words) and other[-len(words) :] == words
            } - {assigned[i]}
            if len(longer) == 1:
                assigned[i] = next(iter(longer))


def _canonical_name(group_ids: list[tuple[str, str]], linker: _Linker, forms: Counter) -> str:
    for _, key in group_ids:
        if key in linker.aliases.labels:
            return linker.aliases.canonical[key]
    # a capitalised form before a commoner lower-case one ("News.com.au", "news.com.au"): which
    # spelling is commoner changes as articles arrive, and the name with it
    return max(
        forms.items(),
        key=lambda item: (len(item[0].split()), item[0][:1].isupper(), item[1], item[0]),
    )[0]


def canonicalize_entities(
    articles: list[Article], mentions: list[Mention], statements: list[Statement]
) -> list[Entity]:
    """Link mentions of all articles into entities with stable ids, aliases and outlet spellings."""
    by_id = {article.id: article for article in articles}
    mentions = _relabel_demonyms([m for m in mentions if m.article_id in by_id])
    mentions += _names_known_elsewhere(articles, mentions)
    names = [m for m in mentions if m.kind == "name"]
    linker = _Linker(names, load_aliases())
    assigned = {i: linker.root(linker.group_id(m)) for i, m in enumerate(names)}
    _link_surnames(linker, names, assigned)
    _link_short_organisation_names(linker, names, assigned)

    members: dict[tuple[str, str], list[Mention]] = defaultdict(list)
    for i, mention in enumerate(names):
        members[assigned[i]].append(mention)
    name_root = {(m.article_id, m.span.start, m.span.end): assigned[i] for i, m in enumerate(names)}
    speaker_of = {
        (s.article_id, s.speaker.start, s.speaker.end): s
        for s in statements
        if s.speaker is not None and s.speaker_name
    }
    people_by_article: dict[str, list[Mention]] = defaultdict(list)
    for mention in names:
        people_by_article[mention.article_id].append(mention)

    created: dict[tuple[str, str], tuple[str, str]] = {}
    for mention in mentions:
        if mention.kind == "name":
            continue
        root = _resolve_other(
            mention, by_id[mention.article_id], linker, speaker_of, people_by_article, name_root
        )
        if root is None:
            statement = speaker_of.get((mention.article_id, mention.span.start, mention.span.end))
            if statement is None or not _names_someone(statement.speaker_name or "", mention):
                continue
            root = ("SPEAKER", name_key(statement.speaker_name or ""))
            created[root] = (statement.speaker_name or "", statement.speaker_type or "PERSON")
        members[root].append(mention)

    return _build_entities(members, linker, created, by_id)


def _is_bare_description(speaker_name: str | None, speaker_text: str) -> bool:
    """Tell whether a speaker's name is just the head words of the words that name the speaker,
    left unresolved in its article ("the spokeswoman" -> "spokeswoman", "Shop owners on the
    waterfront" -> "Shop owners"), not a name the article resolved them to."""
    key = name_key(speaker_name or "")
    described = _described_key(speaker_text)
    return bool(key) and (described == key or described.startswith(key + " "))


def _described_key(text: str) -> str:
    """Return the name key of a description without its determiner ("the spokeswoman")."""
    return name_key(LEADING_DETERMINER.sub("", text))


def _names_someone(speaker_name: str, mention: Mention) -> bool:
    """Tell whether a speaker name is a name, not the unresolved description itself ("locals")."""
    key = name_key(speaker_name)
    if not key or not speaker_name[:1].isupper():
        return False
    described = _described_key(mention.span.text)
    return key != described and not (" " not in key and described.startswith(key + " "))


def _resolve_other(
    mention: Mention,
    article: Article,
    linker: _Linker,
    speaker_of: dict[tuple[str, int, int], Statement],
    people_by_article: dict[str, list[Mention]],
    name_root: dict[tuple[str, int, int], tuple[str, str]],
) -> tuple[str, str] | None:
    """Find the entity of a pronoun or description mention."""
    statement = speaker_of.get((mention.article_id, mention.span.start, mention.span.end))
    if statement is not None:
        return linker.lookup(statement.speaker_name or "", statement.speaker_type)
    if mention.kind != "description":
        return None
    named = people_by_article.get(mention.article_id, [])
    if mention.label == "PERSON":
        people = [m for m in named if m.label == "PERSON"]
        antecedent = resolve_description(article.text, mention.span, people)
    else:
        antecedent = resolve_anaphor(mention.span, named)
    if antecedent is None:
        return None
    return name_root.get((antecedent.article_id, antecedent.span.start, antecedent.span.end))


def _reads_as_place(names: list[Mention], by_id: dict[str, Article]) -> bool:
    """Tell whether a one-word name spaCy took for a person or organisation is used as a place.

    spaCy's small model tags unfamiliar towns as PERSON or ORG; a name that never comes with a
    first name and often follows "in", "from" or "near" is a place.
    """
    if not names or any(len(m.span.text.split()) > 1 for m in names):
        return False
    if _majority_label(Counter(m.label for m in names)) not in ("PERSON", "ORG"):
        return False
    after_preposition = sum(
        1
        for m in names
        if LOCATIVE_BEFORE.search(by_id[m.article_id].text[max(0, m.span.start - 8) : m.span.start])
    )
    return after_preposition >= 2 and after_preposition * 3 >= len(names)


def _build_entities(
    members: dict[tuple[str, str], list[Mention]],
    linker: _Linker,
    created: dict[tuple[str, str], tuple[str, str]],
    by_id: dict[str, Article],
) -> list[Entity]:
    group_ids_by_root: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for group_id in linker.groups:
        group_ids_by_root[linker.root(group_id)].append(group_id)
    entities = []
    taken: set[str] = set()
    for root, found in members.items():
        if all(m.kind == "pronoun" for m in found) and root not in created:
            continue  # pronouns whose antecedent was never found name no one
        # A group whose names were all linked elsewhere keeps its descriptions: name it by them.
        names = [m for m in found if m.kind == "name"] or found
        forms = Counter(" ".join(m.span.text.split()) for m in names)
        if root in created:
            name, label = created[root]
        else:
            name = _canonical_name(sorted(group_ids_by_root[root]), linker, forms)
            alias_label = linker.aliases.labels.get(name_key(name))
            label = alias_label or _majority_label(Counter(m.label for m in names))
            if not alias_label and _reads_as_place(names, by_id):
                label = "GPE"
        entity_id = stable_id(label, name, prefix="e")
        if entity_id in taken:
            # Two groups the linker kept apart share a name: tell them apart by where the
            # second one is first mentioned.
            first = min(found, key=lambda m: (m.article_id, m.span.start))
            entity_id = stable_id(label, name, first.article_id, str(first.span.start), prefix="e")
        taken.add(entity_id)
        linked = [
            Mention(
                article_id=m.article_id,
                span=m.span,
                label=m.label,
                entity_id=entity_id,
                outlet=m.outlet or by_id[m.article_id].outlet,
                kind=m.kind,
            )
            for m in sorted(found, key=lambda m: (m.article_id, m.span.start))
        ]
        aliases, spellings = _aliases_and_spellings(name, linked)
        entities.append(
            Entity(
                id=entity_id,
                name=name,
                label=label,
                aliases=aliases,
                spellings_by_outlet=spellings,
                mentions=linked,
            )
        )
    return sorted(entities, key=lambda e: (-len(e.mentions), e.name, e.id))


def _aliases_and_spellings(
    name: str, mentions: list[Mention]
) -> tuple[list[str], dict[str, list[str]]]:
    """Return an entity's other names and each outlet's spellings, from its mentions."""
    spellings: dict[str, set[str]] = defaultdict(set)
    for mention in mentions:
        if mention.kind != "pronoun":
            outlet = mention.outlet or UNKNOWN_OUTLET
            spellings[outlet].add(" ".join(mention.span.text.split()))
    aliases = sorted({form for forms in spellings.values() for form in forms} - {name})
    return aliases, {o: sorted(f) for o, f in sorted(spellings.items())}


# ---------------------------------------------------------------- speakers


def link_speakers(statements: list[Statement], entities: list[Entity]) -> list[Statement]:
    """Return copies of the statements pointing at their speaker's entity and canonical name."""
    by_span: dict[tuple[str, int, int], Entity] = {}
    by_article: dict[str, list[tuple[Mention, Entity]]] = defaultdict(list)
    by_key: dict[str, Entity] = {}
    in_article: dict[tuple[str, str], Entity] = {}
    for entity in entities:
        keys = [name_key(form) for form in [entity.name, *entity.aliases]]
        for mention in entity.mentions:
            by_span[(mention.article_id, mention.span.start, mention.span.end)] = entity
            by_article[mention.article_id].append((mention, entity))
        for article_id in {m.article_id for m in entity.mentions}:
            for key in keys:
                in_article.setdefault((article_id, key), entity)
        for key in keys:
            by_key.setdefault(key, entity)
    linked = []
    for statement in statements:
        entity = _speaker_entity(statement, by_span, by_article, by_key, in_article)
        if entity is None:
            linked.append(statement)
            continue
        linked.append(replace(statement, speaker_entity_id=entity.id, speaker_name=entity.name))
    return linked


def _speaker_entity(
    statement: Statement,
    by_span: dict[tuple[str, int, int], Entity],
    by_article: dict[str, list[tuple[Mention, Entity]]],
    by_key: dict[str, Entity],
    in_article: dict[tuple[str, str], Entity],
) -> Entity | None:
    speaker = statement.speaker
    if speaker is not None:
        exact = by_span.get((statement.article_id, speaker.start, speaker.end))
        if exact is not None:
            return exact
        inside = [
            (mention, entity)
            for mention, entity in by_article.get(statement.article_id, [])
            if speaker.start <= mention.span.start
            and mention.span.end <= speaker.end
            and mention.label != "NORP"
        ]
        if inside:
            return max(inside, key=lambda pair: pair[0].span.start)[1]
    if statement.speaker_name:
        # an entity the article itself mentions first: which of several entities with this name
        # comes first corpus-wide changes as the corpus grows
        key = load_aliases().canonical_key(name_key(statement.speaker_name))
        found = in_article.get((statement.article_id, key))
        is_name = statement.speaker_name[:1].isupper() and not (
            speaker is not None and _is_bare_description(statement.speaker_name, speaker.text)
        )
        if found is None and is_name:
            # a name, not "the spokeswoman" left unresolved ("spokeswoman"): whoever another
            # story's spokeswoman was is not this one
            found = by_key.get(key)
        if found is not None:
            return found
    if speaker is not None:
        return _organisation_before(speaker, by_article.get(statement.article_id, []))
    return None


def _organisation_before(speaker: Span, mentioned: list[tuple[Mention, Entity]]) -> Entity | None:
    """Resolve a description ("the ministry", "the defence ministry") to the nearest organisation
    before it in the article whose name holds all its words ("Ruritanian Ministry of Defence").

    Only a description counts: its last word is lower case, so a name is never re-read this way.
    """
    last = speaker.text.split()[-1:] or [""]
    if not last[0][:1].islower():
        return None
    words = set(name_key(speaker.text).split())
    if not words:
        return None
    earlier = [
        (mention, entity)
        for mention, entity in mentioned
        if mention.span.end <= speaker.start
        and entity.label in ORGANISATION_LABELS
        and words < set(name_key(entity.name).split())
    ]
    if not earlier:
        return None
    return max(earlier, key=lambda pair: pair[0].span.start)[1]
