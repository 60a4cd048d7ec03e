"""Find who said what in one article: quotations, reported speech, beliefs, and their speakers.

The rules read the spaCy dependency parse, the quotation-mark structure of the text and the cue
lexicon in ``crosswire/data/cues.tsv``. Two small linear scorers learned on PolNeAR train
(``crosswire/data/statement_scorer.json``) then weigh what the rules found, dropping unlikely
attributions, and add candidates the rules missed: what any verb or noun governs (its clause,
object, prepositional object, the quote beside it), where the scorer finds it likely. Each step
is a small function chained in ``extract_statements`` so that a model can replace one step
later; ``STATEMENT_EXTRACTORS`` names the implementations a setting can choose from.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from itertools import repeat
from pathlib import Path
from typing import Any

from crosswire import doc_views
from crosswire.records import Article, Span, Statement, stable_id

DATA = Path(__file__).resolve().parent / "data"

OPENING_MARKS = {"\u201c": "\u201d", "\u00ab": "\u00bb", "\u201e": "\u201c"}
CLOSING_ONLY = {"\u201d", "\u00bb"}
SENTENCE_BOUNDARY_PUNCT = set(".!?")
QUOTE_CHARS = set('"\u201c\u201d\u00ab\u00bb\u201e\u2018\u2019\u201a')
SUBJECT_DEPS = {"nsubj", "csubj"}
INHERITING_DEPS = {"xcomp", "advcl", "conj", "ccomp", "pcomp", "acl"}
DATE_WORDS = {"earlier", "later", "yesterday", "today", "tonight", "overnight"}
POSSESSIVE_SLOT = "POSS"
POSSESSIVES = {"his", "her", "their", "its", "my", "our", "your"}
DETERMINERS = {"the", "a", "an", "this", "that", "his", "her", "their", "its", "our", "my"}


# ---------------------------------------------------------------- lexicons


@dataclass(frozen=True)
class CueLexicon:
    """The cue words and speaker words read from ``crosswire/data``."""

    verbs: dict[str, str]
    nouns: dict[str, str]
    takes: dict[str, frozenset[str]]
    phrases: dict[tuple[str, ...], str]
    channels: frozenset[str]
    audiences: frozenset[str]
    adverbs: dict[str, str]
    roles: dict[str, str]
    honorifics: dict[str, str]
    institutions: frozenset[str]
    pronouns: dict[str, str]
    groups: frozenset[str]


def _read_tsv(path: Path) -> list[list[str]]:
    """Read a tab-separated data file, skipping '#' comments and the header row."""
    rows = []
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith("#")]
    for line in lines[1:]:
        rows.append([cell.strip() for cell in line.split("\t")])
    return rows


@functools.cache
def load_cue_lexicon(data_dir: Path = DATA) -> CueLexicon:
    """Load the cue and speaker lexicons (once per process)."""
    verbs: dict[str, str] = {}
    nouns: dict[str, str] = {}
    takes: dict[str, frozenset[str]] = {}
    phrases: dict[tuple[str, ...], str] = {}
    channels: set[str] = set()
    audiences: set[str] = set()
    adverbs: dict[str, str] = {}
    for row in _read_tsv(data_dir / "cues.tsv"):
        cue, stance, kind = row[0].lower(), row[1], row[2]
        if kind == "verb":
            verbs[cue] = stance
            if len(row) > 3 and row[3]:
                takes[cue] = frozenset(item.strip() for item in row[3].split(","))
        elif kind == "noun":
            nouns[cue] = stance
            if len(row) > 3 and row[3]:
                takes[f"{cue}/noun"] = frozenset(item.strip() for item in row[3].split(","))
        elif kind == "phrase":
            phrases[tuple(cue.split())] = stance
        elif kind == "channel":
            channels.add(cue)
        elif kind == "audience":
            audiences.add(cue)
        elif kind == "adverb":
            adverbs[cue] = stance
    roles: dict[str, str] = {}
    honorifics: dict[str, str] = {}
    institutions: set[str] = set()
    groups: set[str] = set()
    pronouns: dict[str, str] = {}
    for word, kind, gender in _read_tsv(data_dir / "speakers.tsv"):
        table = {"role": roles, "honorific": honorifics, "pronoun": pronouns}.get(kind)
        if table is not None:
            table[word] = gender
        elif kind == "institution":
            institutions.add(word)
        elif kind == "group":
            groups.add(word)
    return CueLexicon(
        verbs=verbs,
        nouns=nouns,
        takes=takes,
        phrases=phrases,
        channels=frozenset(channels),
        audiences=frozenset(audiences),
        adverbs=adverbs,
        roles=roles,
        honorifics=honorifics,
        institutions=frozenset(institutions),
        pronouns=pronouns,
        groups=frozenset(groups),
    )


# ---------------------------------------------------------------- quotations


@dataclass(frozen=True)
class Quote:
    """A quotation: ``start``/``end`` enclose the quoted words, without the marks."""

    start: int
    end: int
    open_mark: int
    close_mark: int | None  # None when the quote is never closed


def _paragraph_bounds(text: str) -> list[tuple[int, int]]:
    """Split text into paragraphs at line breaks."""
    bounds = []
    for match in re.finditer(r"[^\n]+", text):
        if match.group().strip():
            bounds.append((match.start(), match.end()))
    return bounds


def _is_opening(text: str, i: int) -> bool:
    """Decide whether an ambiguous quotation mark at ``i`` opens a quote."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if before.isspace() or before in "([{\u2014-:;" or i == 0:
        return not after.isspace()
    return False


def _starts_with_quote(text: str, start: int, end: int) -> bool:
    stripped = text[start:end].lstrip()
    return bool(stripped) and stripped[0] in {'"', "\u201c", "\u00ab", "\u201e"}


def _with_plain_double_marks(text: str) -> str:
    """Rewrite typewriter double quotes (two apostrophes) as one mark and a space, same length.

    ``''Yes,'' she said`` becomes `` "Yes," she said``: the opening mark sits right before the
    word and the closing one right after it, so quote offsets stay those of the article.
    """

    def one_mark(match: re.Match[str]) -> str:
        before = text[match.start() - 1] if match.start() > 0 else " "
        return ' "' if before.isspace() or before in "([{\u2014-:;" else '" '

    return re.sub(r"(?<!')''(?!')", one_mark, text)


def find_quotes(text: str) -> list[Quote]:
    """Pair quotation marks into top-level quotes; tolerate unbalanced and mixed marks.

    A quote left open at the end of a paragraph continues when the next paragraph opens with a
    quotation mark (the news convention for quotes over several paragraphs); otherwise it ends
    with its paragraph. Typewriter double quotes (``''``) count as quotation marks.
    """
    if "''" in text:
        text = _with_plain_double_marks(text)
    quotes: list[Quote] = []
    paragraphs = _paragraph_bounds(text)
    open_at: int | None = None
    expected_close = ""
    continuing = False
    for index, (p_start, p_end) in enumerate(paragraphs):
        single_open: int | None = None
        for i in range(p_start, p_end):
            char = text[i]
            if open_at is not None:
                if continuing and i == p_start + (
                    len(text[p_start:p_end]) - len(text[p_start:p_end].lstrip())
                ):
                    continuing = False
                    if char in QUOTE_CHARS:
                        continue
                if _closes(char, expected_close, text, i):
                    quotes.append(Quote(open_at + 1, i, open_at, i))
                    open_at = None
                continue
            if single_open is not None:
                if char == "\u2019" and not (i + 1 < p_end and text[i + 1].isalpha()):
                    if len(text[single_open + 1 : i].split()) >= 3:
                        quotes.append(Quote(single_open + 1, i, single_open, i))
                    single_open = None
                continue
            if char in OPENING_MARKS:
                open_at, expected_close = i, OPENING_MARKS[char]
            elif char == '"' and _is_opening(text, i):
                open_at, expected_close = i, '"'
            elif char == "\u201d" and _is_opening(text, i):
                open_at, expected_close = i, "\u201d"
            elif char == "\u2018" and _is_opening(text, i):
                single_open = i
        if open_at is None:
            continue
        has_next = index + 1 < len(paragraphs)
        if has_next and _starts_with_quote(text, *paragraphs[index + 1]):
            continuing = True
            continue
        quotes.append(Quote(open_at + 1, p_end, open_at, None))
        open_at = None
    if open_at is not None:
        quotes.append(Quote(open_at + 1, len(text), open_at, None))
    return [q for q in quotes if text[q.start : q.end].strip()]


def _closes(char: str, expected: str, text: str, i: int) -> bool:
    if char == expected:
        return True
    if expected == '"' and char in CLOSING_ONLY:
        return True
    return expected != '"' and char == '"' and not _is_opening(text, i)


def _inside(quotes: list[Quote], position: int) -> Quote | None:
    for quote in quotes:
        if quote.open_mark <= position < (quote.close_mark or quote.end) + 1:
            return quote
    return None


# ---------------------------------------------------------------- candidate attributions


@dataclass
class Attribution:
    """A statement found by the rules, before speaker resolution (character offsets)."""

    cue: tuple[int, int]
    stance: str
    content: tuple[int, int]
    kind: str
    speaker_token: Any = None  # head token of the speaker mention
    speaker: tuple[int, int] | None = None
    channel: tuple[int, int] | None = None
    date: tuple[int, int] | None = None
    anchor: Any = None  # the cue token whose clause holds channel and date
    quotes: list[Quote] = field(default_factory=list)
    fragments: list[Quote] = field(default_factory=list)  # quoted fragments inside the content
    host: Attribution | None = None  # the reported speech a partial quotation belongs to
    within: Quote | None = None  # the quotation whose speaker reports this ("He said they ...")


def _token_span(tokens: Iterable[Any]) -> tuple[int, int] | None:
    tokens = list(tokens)
    if not tokens:
        return None
    doc = tokens[0].doc
    starts, ends = doc_views.values(doc, "idx"), doc_views.token_ends(doc)
    positions = [t.i for t in tokens]
    return min(map(starts.__getitem__, positions)), max(map(ends.__getitem__, positions))


def _subtree_span(token: Any) -> tuple[int, int]:
    """Return the characters of a token's subtree, as ``_token_span(token.subtree)`` without the walk.

    A subtree runs from its left edge to its right edge, whatever tokens it skips between.
    """
    return token.left_edge.idx, token.right_edge.idx + len(token.right_edge.text)


def _trim(doc: Any, start: int, end: int) -> tuple[int, int]:
    """Trim spaces, commas and stray quotation marks from both ends of a character range."""
    text = doc_views.text(doc)
    strip = " \t\n,;:\u2014-"
    while start < end and text[start] in strip:
        start += 1
    while end > start and text[end - 1] in strip:
        end -= 1
    return start, end


def _subject_of(token: Any, depth: int = 0) -> Any:
    """Return the subject of a cue verb, inheriting from the governing verb when it has none."""
    for child in doc_views.children(token):
        if child.dep_ in SUBJECT_DEPS:
            return child
    if token.dep_ == "acl" and token.tag_ == "VBG" and token.head.pos_ in {"NOUN", "PROPN", "PRON"}:
        return token.head  # "a lawsuit challenging the policy", "those backing her rival"
    for child in doc_views.children(token):
        if child.dep_ == "agent":
            for grandchild in doc_views.children(child):
                if grandchild.dep_ == "pobj":
                    return grandchild
    if depth < 2 and token.dep_ in INHERITING_DEPS and token.head.i != token.i:
        if token.dep_ == "ccomp" and token.i > token.head.i:
            return None
        head = token.head
        before = token.doc[token.i - 1] if token.i > 0 else None
        if token.tag_ == "VBG" and before is not None and before.text == ",":
            # "It denied that X was Y, saying ...": the participle belongs to the main clause.
            root = doc_views.sentence_of(token).root
            head = root if root.i != token.i else head
        if head.pos_ in {"NOUN", "PROPN"} and head.head.i != head.i:
            # "welcomed the release, saying ...": the parser hung the cue on the object.
            head = head.head
        return _subject_of(head, depth + 1)
    return None


def _speaker_span(subject: Any) -> tuple[int, int]:
    """Cover the subject phrase up to its head, plus right modifiers before any comma.

    A subtree starts at its left edge and ends at its right edge, so the edges give the span.
    """
    end = subject.idx + len(subject.text)
    for right in doc_views.rights(subject):
        if right.dep_ in {"prep", "compound", "flat", "nummod", "appos"} and "," not in [
            t.text for t in doc_views.subtree(right)
        ]:
            end = max(end, _subtree_span(right)[1])
        else:
            break
    return subject.left_edge.idx, end


@dataclass(frozen=True)
class ContentFound:
    """What a cue verb governs: the content range, and whether it is a full clause."""

    bounds: tuple[int, int]
    clausal: bool
    cue_end: int | None = None  # where the cue ends when it takes a preposition ("called for")


def _clause_content(cue: Any, lexicon: CueLexicon) -> ContentFound | None:
    """Return what a cue verb reports: ``said that ...``, ``vowed to ...``, ``called for ...``."""
    takes = lexicon.takes.get(_cue_lemma(cue, lexicon.verbs) or "", frozenset())
    clauses = [child for child in doc_views.children(cue) if child.dep_ == "ccomp"]
    if clauses:
        # Of two reported clauses the one after the cue is what it reports ("..., X said Y").
        clause = next((c for c in clauses if c.i > cue.i), clauses[0])
        return ContentFound(_content_tokens(cue, clause, lexicon), True)
    for token in doc_views.subtree(cue):
        if token.i > cue.i and token.lower_ == "that" and token.dep_ == "mark":
            clause = token.head
            if not _governed_loosely(clause, cue):
                continue
            tokens = [t for t in _reported_subtree(clause, lexicon, cue) if t.i >= token.i]
            return ContentFound(_token_span(tokens), True)
    for child in doc_views.rights(cue):
        if child.dep_ == "xcomp" and "to-clause" in takes:
            return ContentFound(_content_tokens(cue, child, lexicon), False)
        if child.dep_ == "dobj" and "object" in takes:
            return ContentFound(_content_tokens(cue, child, lexicon), False)
        if child.dep_ == "dobj" and _misparsed_clause(child):
            # "X says the movement that is sweeping the country appeals to ...": the parser
            # took the reported clause's subject for an object.
            tokens = [
                t for t in doc_views.subtree(cue) if t.i >= child.left_edge.i and not t.is_punct
            ]
            return ContentFound(_token_span(tokens), True)
        if child.dep_ in {"prep", "prt"} and child.lower_ in takes:
            objects = [c for c in doc_views.children(child) if c.dep_ in {"pobj", "pcomp"}]
            if objects:
                cue_end = child.idx + len(child.text)
                return ContentFound(_content_tokens(cue, objects[0], lexicon), False, cue_end)
    return None


TRAILING_ASIDE_DEPS = {"advcl", "prep", "npadvmod", "conj", "cc", "punct", "ccomp", "parataxis"}
FRONTED_WORDS = {"which", "that", "who", "whom", "what", "where", "when", "how", "why"}
CONTENT_TAIL_DEPS = {"prep", "oprd", "xcomp", "ccomp", "npadvmod", "dep", "attr", "acomp"}


def _misparsed_clause(noun: Any) -> bool:
    """Say whether a direct object of a speech verb is really the start of a clause."""
    tokens = list(doc_views.subtree(noun))
    after = [
        t
        for t in noun.doc[noun.right_edge.i + 1 : doc_views.sentence_of(noun).end]
        if not t.is_punct
    ]
    verbs = [t for t in tokens + after if t.pos_ in {"VERB", "AUX"}]
    return len(tokens) >= 2 and bool(verbs) and any(t.dep_ == "relcl" for t in tokens)


def _content_tokens(cue: Any, content: Any, lexicon: CueLexicon) -> tuple[int, int]:
    """Cover the content phrase and, after it, the cue's further complements up to the clause end.

    The parser often hangs the tail of a reported clause (``... "peanuts," compared to ...``,
    ``criticized X for doing Y``) on the cue verb instead of the clause; channels and dates
    (``in an interview``, ``on Monday``) and coordinated verbs are left out.
    """
    tokens = list(_reported_subtree(content, lexicon, cue))
    if content.i > cue.i:
        # "a list, which the campaign says includes ...": the relative word before the cue is
        # the antecedent's stand-in, not the start of what was said.
        before = [t for t in tokens if t.i < cue.i]
        if before and all(t.lower_ in FRONTED_WORDS for t in before):
            tokens = [t for t in tokens if t.i > cue.i]
        for sibling in doc_views.rights(cue):
            if sibling.i <= content.i or sibling.dep_ not in CONTENT_TAIL_DEPS:
                continue
            if _is_channel(sibling, lexicon) or _is_date(sibling):
                break
            tokens.extend(_reported_subtree(sibling, lexicon, cue))
    return _token_span(tokens)


def _reported_subtree(token: Any, lexicon: CueLexicon, cue: Any = None) -> list[Any]:
    """Return a subtree without coordinated clauses that are attributions of their own.

    A coordinated cue verb with its own subject (``..., and most said ...``) or in the same tense
    as the cue (``says he'd do X and tells the crowd ...``) starts a new attribution.
    """
    excluded: set[int] = set()
    subtree = list(doc_views.subtree(token))
    for descendant in subtree:
        if descendant.dep_ != "conj" or descendant.lemma_.lower() not in lexicon.verbs:
            continue
        if _has_that(descendant):
            continue  # "said X and that she wanted Y": a second clause of the same report
        own_subject = any(c.dep_ in SUBJECT_DEPS for c in doc_views.children(descendant))
        same_tense = cue is not None and descendant.tag_ == cue.tag_ and cue.tag_ in {"VBZ", "VBD"}
        if not (own_subject or same_tense):
            continue
        excluded.update(t.i for t in doc_views.subtree(descendant))
        for sibling in doc_views.rights(descendant.head):
            if sibling.dep_ in {"cc", "punct"} and sibling.i < descendant.i:
                excluded.add(sibling.i)
    return [t for t in subtree if t.i not in excluded] if excluded else subtree


def _governed_loosely(clause: Any, cue: Any) -> bool:
    """Say whether a misattached ``that`` clause still belongs to the cue (not to its object)."""
    token = clause
    for _ in range(4):
        if token.head.i == cue.i:
            return True
        if token.dep_ in {"dobj", "nsubj", "nsubjpass"} or token.head.i == token.i:
            return False
        token = token.head
    return False


def _inverted_content(cue: Any) -> tuple[int, int] | None:
    """Return the clause before ``, she said`` when the parser made it govern the cue."""
    head = cue.head
    if head.i == cue.i or head.i > cue.i or cue.dep_ not in {"parataxis", "ccomp", "advcl", "conj"}:
        return None
    if any(child.dep_ == "mark" for child in doc_views.children(cue)):
        return None
    before = cue.doc[cue.left_edge.i - 1] if cue.left_edge.i > 0 else None
    if before is None or not (before.is_punct or before.is_quote):
        return None
    # "This campaign, he says, is different": the clause around the parenthetical cue.
    inside = {t.i for t in doc_views.subtree(cue)}
    sentence = doc_views.sentence_of(cue)
    tokens = [
        t
        for t in doc_views.subtree(head)
        if t.i not in inside and sentence.start <= t.i < sentence.end and not t.is_punct
    ]
    return _token_span(tokens)


def _as_content(cue: Any) -> tuple[int, int] | None:
    """Return the clause that ``As X said, ...`` introduces: the main clause after the cue."""
    head = cue.head
    if cue.dep_ != "advcl" or head.i <= cue.i:
        return None
    if not any(child.dep_ == "mark" and child.lower_ == "as" for child in doc_views.children(cue)):
        return None
    tokens = [t for t in doc_views.subtree(head) if t.i > cue.right_edge.i and not t.is_punct]
    return _token_span(tokens)


# what may lie between a quote and the cue after it, or between a cue and the quote after it
QUOTE_TO_CUE_GAP = re.compile(r"[ \t,.\u2014\-!?\"'\u201d\u2019]*")
CUE_TO_QUOTE_GAP = re.compile(r"[^.!?\"\u201c]*[:,]\s*")


def _quote_near(
    doc: Any, quotes: list[Quote], cue: Any, speaker: tuple[int, int] | None
) -> Quote | None:
    """Find a quote that ends right before the attribution or starts right after the cue."""
    text = doc_views.text(doc)
    start = min(cue.idx, speaker[0] if speaker else cue.idx)
    end = cue.idx + len(cue.text)
    if speaker:
        end = max(end, speaker[1])
    for quote in quotes:
        close = quote.close_mark if quote.close_mark is not None else quote.end
        gap = text[close:start]
        if close < start and QUOTE_TO_CUE_GAP.fullmatch(gap):
            return quote  # not across a line break: a quote does not end one paragraph's speech
    sentence_end = doc_views.sentence_of(cue).end_char
    for quote in quotes:
        if end <= quote.open_mark < sentence_end:
            gap = text[end : quote.open_mark]
            if CUE_TO_QUOTE_GAP.fullmatch(gap) or not gap.strip():
                return quote
    return None


def find_reported_speech(doc: Any, quotes: list[Quote], lexicon: CueLexicon) -> list[Attribution]:
    """Find statements introduced by a cue verb: ``X said (that) ...``, ``"...," X said``."""
    found = []
    for token, pos in zip(doc_views.tokens(doc), doc_views.values(doc, "pos_"), strict=True):
        if pos not in {"VERB", "AUX"}:
            continue
        lemma = _cue_lemma(token, lexicon.verbs)
        if lemma is None and _reports_a_clause(token):
            lemma = ""  # an unlisted verb with a "that" clause: "learned that", "made clear that"
        if lemma is None:
            continue
        quoted = _inside(quotes, token.idx)
        subject = _subject_of(token)
        if subject is None or subject.lower_ == "there":
            continue
        if subject.lower_ in {"which", "that"} and subject.head.dep_ != "relcl":
            continue
        if subject.lower_ == "it" and not _speaks_as_organisation(token, lexicon):
            continue
        if quoted is None and subject.dep_ == "nsubj" and _inside(quotes, subject.idx):
            continue
        speaker = _speaker_span(subject)
        found_content = _clause_content(token, lexicon)
        stance = lexicon.verbs.get(lemma)
        if quoted is not None and not _reported_within(doc, quoted, subject, found_content, stance):
            continue
        content = found_content.bounds if found_content else None
        if content is None:
            quote = _quote_near(doc, quotes, token, speaker)
            content = (quote.start, quote.end) if quote else _inverted_content(token)
        if content is None:
            content = _as_content(token)
        if content is None:
            continue
        if content[1] <= speaker[0] and token.i > subject.i:
            # "X is so, Y said": the reported clause runs up to the speaker.
            content = (content[0], speaker[0])
        content = _trim(doc, *_within_paragraph(doc_views.text(doc), content, token.idx))
        if content[1] - content[0] < 3 or _overlaps(content, speaker):
            continue
        if stance is None and not (_is_animate(subject, lexicon) or _is_a_source_text(subject)):
            continue
        clausal = found_content is None or found_content.clausal
        if stance == "belief" and not _is_animate(subject, lexicon):
            continue
        if not clausal and not (_is_animate(subject, lexicon) or _is_a_source_text(subject)):
            continue
        if stance in {"belief", "finding"} and subject.lower_ in {"i", "we", "you"}:
            continue  # "we know", "you see": the writer's own voice, not an attribution
        cue = _cue_extent(doc, token, lexicon)
        if found_content and found_content.cue_end:
            cue = (cue[0], max(cue[1], found_content.cue_end))
        found.append(
            Attribution(
                cue=cue,
                stance=stance,
                content=content,
                kind=_reported_kind(stance),
                speaker_token=subject,
                speaker=speaker,
                anchor=token,
                within=quoted,
            )
        )
    return found


NESTED_QUOTE_STANCES = frozenset({"neutral", "emphatic", "distancing", "denial", "belief"})


def _reported_within(
    doc: Any, quote: Quote, subject: Any, content: ContentFound | None, stance: str | None
) -> bool:
    """Say whether a cue inside a quotation reports a clause inside it, by someone named there.

    ``"My brother called me. He said they were hitting people"``: the quoted speaker reports
    what another said or believes; the statement is nested in the quotation. Only a listed
    verb of saying or believing with a finite clause counts: ``"they wanted me to confess"``
    and ``"we will find out that ..."`` are the quoted speaker's own talk.
    """
    if content is None or not content.clausal or stance not in NESTED_QUOTE_STANCES:
        return False
    start, end = content.bounds
    if not (quote.start <= subject.idx < quote.end and quote.start <= start and end <= quote.end):
        return False
    clause = doc.char_span(start, end, alignment_mode="expand")
    return clause is not None and _is_finite(clause.root)


def _is_finite(verb: Any) -> bool:
    """Say whether a verb heads a finite clause: a tensed verb or auxiliary ("they were
    hitting", "it is"), not an infinitive or participle ("me to confess")."""
    verbs = [verb, *(c for c in doc_views.children(verb) if c.dep_ in {"aux", "auxpass"})]
    return any("Fin" in t.morph.get("VerbForm") for t in verbs)


def _speaks_as_organisation(cue: Any, lexicon: CueLexicon) -> bool:
    """Say whether ``it`` is a speaker ("It denied the report"), not "it is said" or "it seems"."""
    if any(child.dep_ in {"auxpass", "nsubjpass"} for child in doc_views.children(cue)):
        return False
    stance = lexicon.verbs.get(_cue_lemma(cue, lexicon.verbs) or "")
    return stance in {"neutral", "emphatic", "distancing", "denial"}


def _reports_a_clause(token: Any) -> bool:
    """Say whether a verb governs a ``that`` clause, as verbs of saying and knowing do."""
    if token.pos_ != "VERB" or token.lemma_.lower() in {
        "be",
        "have",
        "do",
        "make",
        "ensure",
        "mean",
    }:
        return False
    return any(child.dep_ == "ccomp" and _has_that(child) for child in doc_views.children(token))


def _reported_kind(stance: str | None) -> str:
    """Name what a cue introduces: a belief or finding ("believes", "found"), else reported speech."""
    return "belief" if stance in {"belief", "finding"} else "indirect"


CUE_SUFFIX_LAST_LETTERS = ("g", "d", "s")  # how "ing", "ed", "es" and "s" end


def _cue_lemma(token: Any, table: dict[str, str]) -> str | None:
    """Return the lexicon entry for a token, repairing lemmas the tagger gets wrong ("hoping")."""
    lemma = token.lemma_.lower()
    if lemma in table:
        return lemma
    word = token.lower_
    if not word.endswith(CUE_SUFFIX_LAST_LETTERS):
        return None  # most words: no suffix below to repair
    for suffix, ending in (
        ("ing", "e"),
        ("ed", "e"),
        ("es", "e"),
        ("s", ""),
        ("ing", ""),
        ("ed", ""),
    ):
        if word.endswith(suffix) and word[: -len(suffix)] + ending in table:
            return word[: -len(suffix)] + ending
    return None


def _within_paragraph(text: str, bounds: tuple[int, int], cue_at: int) -> tuple[int, int]:
    """Clip a reported clause to the paragraph of its cue (quotes are clipped by ``find_quotes``)."""
    start, end = bounds
    if start >= cue_at:
        newline = text.find("\n", start, end)
        return (start, newline) if newline >= 0 else bounds
    newline = text.rfind("\n", start, min(end, cue_at))
    return (newline + 1, end) if newline >= 0 else bounds


def _is_animate(subject: Any, lexicon: CueLexicon) -> bool:
    """Say whether a subject can hold beliefs: a person, group, organisation or pronoun."""
    if subject.lower_ in {"that", "which"} and subject.head.dep_ == "relcl":
        subject = subject.head.head  # "the company that endorsed her": the antecedent
    if subject.ent_type_ in {"PERSON", "ORG", "GPE", "NORP"} or subject.pos_ == "PROPN":
        return True
    word = subject.lower_
    if word in {"it", "this", "that"}:
        return False
    return (
        subject.pos_ == "PRON"
        or word in lexicon.roles
        or subject.lemma_.lower() in lexicon.roles
        or word in lexicon.institutions
        or subject.lemma_.lower() in lexicon.groups
    )


def _is_a_source_text(subject: Any) -> bool:
    """Say whether a common noun can act as a source: "a lawsuit challenging", "the ad attacks"."""
    return subject.pos_ == "NOUN"


def _overlaps(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
    return bool(a and b and a[0] < b[1] and b[0] < a[1])


def _cue_extent(doc: Any, cue: Any, lexicon: CueLexicon) -> tuple[int, int]:
    """Widen a cue verb to its multiword phrase ("went on to say", "told journalists")."""
    start, end = cue.idx, cue.idx + len(cue.text)
    if cue.dep_ == "xcomp" and cue.head.i < cue.i:
        words = tuple(t.lower_ for t in doc[cue.head.i : cue.i + 1])
        if words in lexicon.phrases or len(words) <= 4:
            start = cue.head.idx
    for child in doc_views.rights(cue):
        if child.dep_ in {"dobj", "dative"} and child.lower_ in lexicon.audiences:
            end = child.idx + len(child.text)
    for child in doc_views.children(cue):
        if child.dep_ == "prt" and child.i == cue.i + 1:
            end = max(end, child.idx + len(child.text))
    return start, end


def find_phrase_attributions(
    doc: Any, quotes: list[Quote], lexicon: CueLexicon
) -> list[Attribution]:
    """Find statements introduced by ``according to X`` and ``in X's words``."""
    found = []
    for token, word in zip(doc_views.tokens(doc), doc_views.values(doc, "lower_"), strict=True):
        if word not in {"according", "words"}:
            continue  # the only words _according_to and _in_words start from
        # the cue words first: they rule out nearly every token without scanning the quotes
        attribution = _according_to(doc, token, lexicon) or _in_words(doc, token, lexicon)
        if attribution is not None and not _inside(quotes, token.idx):
            found.append(attribution)
    return found


def _phrase_content(doc: Any, cue_phrase: Any, head: Any) -> tuple[int, int] | None:
    """Take the clause the cue phrase modifies, minus the phrase itself, within the sentence."""
    span = _token_span(_larger_side(head, cue_phrase))
    return _trim(doc, *span) if span else None


def _larger_side(head: Any, phrase: Any) -> list[Any]:
    """Return the larger contiguous side of ``head``'s clause around a phrase it governs: the
    clause's tokens in the phrase's sentence after the phrase, or before it when more are.

    The phrase's own tokens all lie between its edges, so neither side needs them left out.
    """
    sentence = doc_views.sentence_of(phrase)
    sentence_start, sentence_end = sentence.start, sentence.end
    first, last = phrase.left_edge.i, phrase.right_edge.i
    before, after = [], []
    for t in doc_views.subtree(head):
        i = t.i
        if sentence_start <= i < sentence_end:
            if i < first:
                before.append(t)
            elif i > last:
                after.append(t)
    return after if len(after) >= len(before) else before


def _according_to(doc: Any, token: Any, lexicon: CueLexicon) -> Attribution | None:
    if token.lower_ != "according" or ("according", "to") not in lexicon.phrases:
        return None
    to = next((c for c in doc_views.children(token) if c.lower_ == "to"), None)
    source = next((c for c in doc_views.children(to) if c.dep_ == "pobj"), None) if to else None
    if source is None:
        return None
    head = token.head if token.head.i != token.i else token
    content = _phrase_content(doc, token, head)
    if not content or content[1] - content[0] < 3:
        return None
    return Attribution(
        cue=(token.idx, to.idx + len(to.text)),
        stance=lexicon.phrases[("according", "to")],
        content=content,
        kind="indirect",
        speaker_token=source,
        speaker=_speaker_span(source),
        anchor=head,
    )


def _in_words(doc: Any, token: Any, lexicon: CueLexicon) -> Attribution | None:
    if token.lower_ != "words" or token.head.lower_ != "in":
        return None
    preposition = token.head
    owner = next((c for c in doc_views.children(token) if c.dep_ == "poss"), None)
    key = ("in", POSSESSIVE_SLOT.lower(), "words")
    if owner is None:
        of = next((c for c in doc_views.children(token) if c.lower_ == "of"), None)
        owner = next((c for c in doc_views.children(of) if c.dep_ == "pobj"), None) if of else None
        key = ("in", "the", "words", "of")
    stance = lexicon.phrases.get(key) or lexicon.phrases.get(("in", POSSESSIVE_SLOT, "words"))
    if owner is None or stance is None:
        return None
    head = preposition.head if preposition.head.i != preposition.i else preposition
    content = _phrase_content(doc, preposition, head)
    if not content or content[1] - content[0] < 3:
        return None
    cue_end = preposition.right_edge.idx + len(preposition.right_edge.text)
    return Attribution(
        cue=(preposition.idx, cue_end),
        stance=stance,
        content=content,
        kind="indirect",
        speaker_token=owner,
        speaker=_token_span([owner]) if owner.lower_ in POSSESSIVES else _speaker_span(owner),
        anchor=head,
    )


def find_noun_attributions(doc: Any, quotes: list[Quote], lexicon: CueLexicon) -> list[Attribution]:
    """Find ``X's claim that ...`` and ``a statement by X that ...``."""
    found = []
    for token, pos in zip(doc_views.tokens(doc), doc_views.values(doc, "pos_"), strict=True):
        if pos != "NOUN":
            continue
        stance = lexicon.nouns.get(token.lemma_.lower())
        if stance is None or _inside(quotes, token.idx):
            continue
        owner = (
            next((c for c in doc_views.children(token) if c.dep_ == "poss"), None)
            or _agent_of(token)
            or _subject_of_governing_verb(token, lexicon)
        )
        cue_end = token.idx + len(token.text)
        clause = next(
            (c for c in doc_views.children(token) if c.dep_ in {"acl", "ccomp"} and _has_that(c)),
            None,
        )
        if clause is None:
            clause, cue_end = _prepositional_object(
                token, lexicon.takes.get(f"{token.lemma_.lower()}/noun")
            )
        if clause is None:
            continue
        content = _trim(doc, *_token_span(doc_views.subtree(clause)))
        found.append(
            Attribution(
                cue=(token.idx, cue_end),
                stance=stance,
                content=content,
                kind=_reported_kind(stance),
                speaker_token=owner,
                speaker=_speaker_span(owner) if owner is not None else None,
                anchor=token,
            )
        )
    return found


def find_unattributed_reports(
    doc: Any, quotes: list[Quote], lexicon: CueLexicon
) -> list[Attribution]:
    """Find reports with no named source: ``X reportedly met Y``, ``X is expected to win``."""
    found = []
    words = doc_views.values(doc, "lower_")
    for token, pos, word in zip(
        doc_views.tokens(doc), doc_views.values(doc, "pos_"), words, strict=True
    ):
        if word not in lexicon.adverbs and pos not in {"VERB", "AUX"}:
            continue  # neither a reporting adverb nor a verb _passive_cue or _impression_cue takes
        if _inside(quotes, token.idx):
            continue
        stance = lexicon.adverbs.get(word)
        if stance is not None and token.dep_ == "advmod":
            clause = token.head
            sentence = doc_views.sentence_of(token)
            tokens = [
                t
                for t in doc_views.subtree(clause)
                if t.i != token.i and sentence.start <= t.i < sentence.end
            ]
            cue = (token.idx, token.idx + len(token.text))
        elif _passive_cue(token, lexicon) or _impression_cue(token, lexicon):
            stance = lexicon.verbs.get(_cue_lemma(token, lexicon.verbs) or "")
            tokens = _clause_from_subject(token)
            cue = (token.idx, token.idx + len(token.text))
        else:
            continue
        content = _token_span(
            t for t in tokens if not (t.is_punct and t.i in {tokens[0].i, tokens[-1].i})
        )
        if content is None or content[1] - content[0] < 3:
            continue
        found.append(
            Attribution(
                cue=cue, stance=stance, content=_trim(doc, *content), kind="indirect", anchor=token
            )
        )
    return found


def _passive_cue(token: Any, lexicon: CueLexicon) -> bool:
    """Say whether a cue verb is a sourceless passive: "is expected to", "it was reported that"."""
    if token.pos_ != "VERB" or _cue_lemma(token, lexicon.verbs) is None:
        return False
    children = list(doc_views.children(token))
    if not any(c.dep_ == "auxpass" for c in children) or any(c.dep_ == "agent" for c in children):
        return False
    return any(c.dep_ in {"xcomp", "ccomp", "oprd"} or c.lower_ == "as" for c in children)


def _impression_cue(token: Any, lexicon: CueLexicon) -> bool:
    """Say whether a verb reports how things look, with no one named: "X seems weak"."""
    if token.pos_ not in {"VERB", "AUX"}:
        return False
    lemma = _cue_lemma(token, lexicon.verbs)
    if "sourceless" not in lexicon.takes.get(lemma or "", ()):
        return False
    return any(
        c.dep_ in {"xcomp", "ccomp", "acomp", "attr", "oprd"} or c.lower_ == "like"
        for c in doc_views.children(token)
    )


def _clause_from_subject(verb: Any) -> list[Any]:
    """Return a clause's tokens from its subject on, leaving out what comes before the subject.

    ``After months of polls, more voters are expected to attend``: the report is what follows.
    """
    tokens = [t for t in doc_views.subtree(verb) if not t.is_punct]
    subjects = [
        c for c in doc_views.children(verb) if c.dep_ in {"nsubj", "nsubjpass", "expl", "csubj"}
    ]
    if subjects:
        start = min(s.left_edge.i for s in subjects)
        tokens = [t for t in tokens if t.i >= start]
    for child in doc_views.rights(verb):
        before = verb.doc[child.left_edge.i - 1]
        if child.dep_ in TRAILING_ASIDE_DEPS and before.text in {",", "\u2014", "--", "\n"}:
            # "X appeared to lead, with a new survey finding ...": the aside is not the report.
            tokens = [t for t in tokens if t.i < before.i]
            break
    paragraph_end = [t.i for t in tokens if "\n" in t.text or t.is_space]
    if paragraph_end:
        tokens = [t for t in tokens if t.i < paragraph_end[0]]
    return tokens


def find_colon_attributions(
    doc: Any, quotes: list[Quote], lexicon: CueLexicon
) -> list[Attribution]:
    """Find headline-style attributions: ``Senator X: "We will win."``, ``Poll: X leads``."""
    found = []
    text = doc_views.text(doc)
    for token, word in zip(doc_views.tokens(doc), doc_views.values(doc, "text"), strict=True):
        if word != ":" or _inside(quotes, token.idx):
            continue
        sentence = doc_views.sentence_of(token)
        left = doc[sentence.start : token.i]
        if not 1 <= len(left) <= 6 or any(t.pos_ in {"VERB", "AUX"} for t in left):
            continue
        head = left.root
        if not (
            head.pos_ == "PROPN"
            or head.ent_type_ in {"PERSON", "ORG"}
            or _names_a_speaker(head, lexicon)
        ):
            continue
        start = token.idx + 1
        quote = next((q for q in quotes if start <= q.open_mark <= start + 2), None)
        if quote is not None:
            content = (quote.start, quote.end)
        else:
            end = text.find("\n", start, sentence.end_char)
            content = (start, sentence.end_char if end < 0 else end)
        content = _trim(doc, *content)
        if content[1] - content[0] < 3:
            continue
        found.append(
            Attribution(
                cue=(token.idx, token.idx + 1),
                stance="neutral",
                content=content,
                kind="indirect",
                speaker_token=head,
                speaker=_token_span(left),
                anchor=None,
            )
        )
    return found


def _names_a_speaker(token: Any, lexicon: CueLexicon) -> bool:
    word = token.lemma_.lower()
    return (
        word in lexicon.roles
        or word in lexicon.institutions
        or word in {"poll", "survey", "report"}
    )


def _subject_of_governing_verb(noun: Any, lexicon: CueLexicon) -> Any:
    """Return X in ``X voiced support for Y`` / ``X has concerns about Y``: the verb's subject."""
    verb = noun.head
    if noun.dep_ != "dobj" or verb.pos_ not in {"VERB", "AUX"}:
        return None
    subject = next((c for c in doc_views.children(verb) if c.dep_ in SUBJECT_DEPS), None)
    if subject is None or not _is_animate(subject, lexicon) or subject.lower_ == "who":
        return None
    return subject


def _agent_of(noun: Any) -> Any:
    """Return X in ``criticism by X`` / ``a statement from X``."""
    for child in doc_views.children(noun):
        if child.dep_ == "prep" and child.lower_ in {"by", "from"}:
            return next((c for c in doc_views.children(child) if c.dep_ == "pobj"), None)
    return None


def _prepositional_object(noun: Any, prepositions: frozenset[str] | None) -> tuple[Any, int]:
    """Return the object of ``criticism of X`` and where the cue ends (after the preposition)."""
    for child in doc_views.rights(noun):
        if child.dep_ == "prep" and prepositions and child.lower_ in prepositions:
            target = next(
                (c for c in doc_views.children(child) if c.dep_ in {"pobj", "pcomp"}), None
            )
            if target is not None:
                return target, child.idx + len(child.text)
    return None, 0


def _has_that(clause: Any) -> bool:
    return any(c.dep_ == "mark" and c.lower_ == "that" for c in doc_views.children(clause))


# ---------------------------------------------------------------- quotes, kinds, continuations


def classify_quotes(doc: Any, found: list[Attribution], quotes: list[Quote]) -> None:
    """Snap contents to quotations: ``direct`` when a quote is the content, ``partial`` when inside."""
    for attribution in found:
        start, end = attribution.content
        inner = [q for q in quotes if q.start < end and start < q.end]
        if not inner:
            continue
        if attribution.within is not None:
            continue  # reported inside a quotation ("He said they ..."): nested, not the quote
        attribution.quotes = inner
        quoted = sum(min(end, q.end) - max(start, q.start) for q in inner)
        if quoted >= 0.8 * (end - start) or any(q.start <= start and end <= q.end for q in inner):
            attribution.content = _trim(doc, min(q.start for q in inner), max(q.end for q in inner))
            attribution.kind = "direct"
        else:
            attribution.fragments = inner


ASIDE_MARKS = {",", "\u2014", "\u2013", "--", "-"}
RELATIVE_WORDS = {"which", "who", "whom", "whose"}


def cut_trailing_aside(doc: Any, bounds: tuple[int, int], quotes: list[Quote]) -> tuple[int, int]:
    """Cut the narrator's aside off the end of a reported clause.

    ``said he backs Y, who was scheduled to ...`` and ``opposed the pact \u2014 one of the goals
    of his term``: a non-restrictive relative clause or a dashed appositive that runs to the end
    of the content is the writer's addition, not what was reported.
    """
    span = doc.char_span(*bounds, alignment_mode="expand")
    if span is None or len(span) < 4:
        return bounds
    doc_tokens, words = doc_views.tokens(doc), doc_views.values(doc, "text")
    punctuation = doc_views.values(doc, "is_punct")
    last = max((i for i in range(span.start, span.end) if not punctuation[i]), default=span.end - 1)
    for i in range(span.start + 2, span.end - 1):  # span[2:-1]
        mark = doc_tokens[i]
        if words[i] not in ASIDE_MARKS or _inside(quotes, mark.idx):
            continue
        after = mark.doc[mark.i + 1]
        aside = None
        if after.lower_ in RELATIVE_WORDS and after.head.dep_ == "relcl":
            aside = after.head
        elif after.dep_ == "prep" and after.i + 1 < span.end:
            if mark.doc[after.i + 1].lower_ in RELATIVE_WORDS and after.head.dep_ == "relcl":
                aside = after.head
        elif mark.text != ",":
            phrase = after if after.dep_ == "appos" else after.head
            if phrase.dep_ == "appos" and phrase.head.i < mark.i:
                aside = phrase
        if aside is not None and aside.right_edge.i >= last:
            return _trim(doc, bounds[0], mark.idx)
    return bounds


CUT_MARKS = {",", ";", "(", "\u2014", "\u2013", "--"}
CUE_INSIDE_CONTENT_DEPS = {"xcomp", "ccomp", "acomp", "oprd", "attr", "advcl"}


def content_cut_points(doc: Any, attribution: Attribution, quotes: list[Quote]) -> list[Any]:
    """List the tokens where a reported clause could end, in text order.

    A cut point is a punctuation mark, or the first word of a phrase hanging on the right of the
    cue or of the content's head (``will support the bill | despite ...``), outside quotations
    and after the content's first two words.
    """
    span = doc.char_span(*attribution.content, alignment_mode="expand")
    if span is None or len(span) < 3:
        return []
    heads = [head for head in (span.root, attribution.anchor) if head is not None]
    cue_start, cue_end = attribution.cue
    if span.start_char <= cue_start and cue_end <= span.end_char:
        # A cue inside the content (``it seems to change | after ...``) governs the content:
        # cut only after what it governs, never right after the cue.
        cues = [head for head in heads if cue_start <= head.idx < cue_end]
        heads = [head for head in heads if head not in cues]
        heads += [
            c for cue in cues for c in doc_views.rights(cue) if c.dep_ in CUE_INSIDE_CONTENT_DEPS
        ]
    starts = {
        child.left_edge.i
        for head in heads
        for child in doc_views.rights(head)
        if child.dep_ not in {"punct", "case"} and span.start + 2 <= child.left_edge.i < span.end
    }
    doc_tokens, words = doc_views.tokens(doc), doc_views.values(doc, "text")
    punctuation = doc_views.values(doc, "is_punct")
    points = [
        doc_tokens[i]
        for i in range(span.start + 2, span.end)  # span[2:]
        if (words[i] in CUT_MARKS or i in starts)
        and not _inside(quotes, doc_tokens[i].idx)
        and not all(punctuation[i + 1 : span.end])
    ]
    return points


def cut_point_features(doc: Any, attribution: Attribution, point: Any) -> list[str]:
    """Describe a cut point for the boundary scorer: the mark, the phrase after it, the sizes."""
    start, end = attribution.content
    after = point
    mark = "-"
    if point.is_punct and point.i + 1 < len(doc):
        mark = point.text
        after = doc[point.i + 1]
    phrase = after
    while phrase.head.i != phrase.i and after.i <= phrase.head.i and phrase.head.idx < end:
        phrase = phrase.head
    anchor = attribution.anchor
    on = "cue" if anchor is not None and phrase.head.i == anchor.i else "content"
    if phrase.head.idx < start:
        on = "outside"
    before_words = len(doc_views.text(doc)[start : point.idx].split())
    rest = doc.char_span(after.idx, end, alignment_mode="expand")
    rest_tokens = list(rest) if rest is not None else []
    words = [t for t in rest_tokens if not t.is_punct]
    verb = any(t.pos_ in {"VERB", "AUX"} for t in rest_tokens)
    rest_positions = {t.i for t in rest_tokens}
    subject = any(
        t.dep_ in {"nsubj", "nsubjpass"} and t.head.i in rest_positions for t in rest_tokens
    )
    tail = bool(words) and phrase.right_edge.i >= words[-1].i
    quoted = any(q.start >= point.idx for q in attribution.fragments)
    kind = attribution.kind
    return [
        f"mark={mark}",
        f"mark|word={mark}|{after.lower_}",
        f"word={after.lower_}",
        f"word_tag={after.tag_}",
        f"mark|tag={mark}|{after.tag_}",
        f"dep={after.dep_}",
        f"phrase_dep={phrase.dep_}|{on}",
        f"phrase_tag={phrase.tag_}|{phrase.dep_}",
        f"mark|phrase={mark}|{phrase.dep_}|{on}",
        f"on={on}",
        f"kind={kind}",
        f"before={_size(before_words)}",
        f"rest={_size(len(words))}",
        f"rest_subject={subject}|{mark}",
        f"tail={tail}|{phrase.dep_}",
        f"tail|tag={tail}|{after.tag_}",
        f"rest_quoted={quoted}",
        f"rest_verb={verb}|{mark}",
        f"head_pos={phrase.head.pos_}|{phrase.dep_}",
        f"cue_first={anchor is not None and anchor.idx < start}|{mark}",
    ]


def cut_content_boundary(
    doc: Any, attribution: Attribution, quotes: list[Quote], boundary: AttributionScorer
) -> tuple[int, int]:
    """End a reported clause at the first cut point the boundary scorer finds likely.

    ``declared that he cannot support X, throwing a wrench in ...`` reports only up to the
    comma; the writer's participle, ``despite`` phrase or second clause is not what was said.
    """
    for point in content_cut_points(doc, attribution, quotes):
        features = cut_point_features(doc, attribution, point)
        if boundary.probability(features) >= boundary.threshold:
            return _trim(doc, attribution.content[0], point.idx)
    return attribution.content


def split_partial_quotes(doc: Any, found: list[Attribution]) -> list[Attribution]:
    """Add each quoted fragment of reported speech as a ``partial`` statement nested in it.

    ``She said the plan was "a total failure"`` is an indirect statement and, inside it, the
    partial quotation "a total failure" by the same speaker with the same cue.
    """
    partials: dict[tuple[int, int], Attribution] = {}
    for attribution in found:
        for quote in attribution.fragments:
            start = max(quote.start, attribution.content[0])
            end = min(quote.end, attribution.content[1])
            bounds = _trim(doc, start, end)
            if bounds[1] - bounds[0] < 2:
                continue
            kept = partials.get(bounds)
            if kept is not None and _length(kept.host.content) <= _length(attribution.content):
                continue  # a fragment belongs to the innermost reported speech that quotes it
            partials[bounds] = replace(
                attribution,
                content=bounds,
                kind="partial",
                quotes=[quote],
                fragments=[],
                host=attribution,
            )
    taken = {a.content for a in found}
    return found + [p for bounds, p in partials.items() if bounds not in taken]


def _length(bounds: tuple[int, int]) -> int:
    return bounds[1] - bounds[0]


def find_quote_frames(
    doc: Any, found: list[Attribution], quotes: list[Quote], lexicon: CueLexicon
) -> list[Attribution]:
    """Attribute a quote framed by any verb: ``"...," I confessed.`` / ``She shot back: "..."``.

    Only quotes no other rule claimed are framed, and only by a verb with an animate subject
    that sits right after the closing mark or right before the opening one.
    """
    text = doc_views.text(doc)
    used = [a.content for a in found if a.within is None]
    added = []
    for quote in quotes:
        if any(_overlaps((quote.start, quote.end), span) for span in used):
            continue
        verb = _verb_after(doc, quote) or _verb_before(doc, quote, text)
        if verb is None:
            continue
        subject = _subject_of(verb)
        if subject is None or not _is_animate(subject, lexicon) or _inside(quotes, subject.idx):
            continue
        lemma = _cue_lemma(verb, lexicon.verbs)
        added.append(
            Attribution(
                cue=_cue_extent(doc, verb, lexicon),
                stance=lexicon.verbs.get(lemma or ""),
                content=_trim(doc, quote.start, quote.end),
                kind="direct",
                speaker_token=subject,
                speaker=_speaker_span(subject),
                anchor=verb,
                quotes=[quote],
            )
        )
    return found + added


def _verb_after(doc: Any, quote: Quote) -> Any:
    """Find the verb of ``, she said`` right after a closing quotation mark."""
    if quote.close_mark is None:
        return None
    following = doc.char_span(
        quote.close_mark + 1, len(doc_views.text(doc)), alignment_mode="expand"
    )
    if following is None:
        return None
    for token in list(following)[:14]:
        if (
            token.is_sent_start
            and token.idx > quote.close_mark + 1
            or token.text in {'"', "\u201c"}
            or "\n" in token.text
        ):
            return None  # a new sentence, quote or paragraph: not this quote's frame
        if token.pos_ == "VERB" and token.dep_ in {"ROOT", "parataxis", "ccomp", "conj"}:
            return token
    return None


def _verb_before(doc: Any, quote: Quote, text: str) -> Any:
    """Find the verb of ``She shot back: "..."`` right before an opening quotation mark."""
    before = text[: quote.open_mark].rstrip()
    if not before.endswith((":", ",")):
        return None
    preceding = doc.char_span(0, len(before) - 1, alignment_mode="contract")
    if preceding is None or len(preceding) == 0:
        return None
    last = preceding[-1]
    sentence = doc_views.sentence_of(last)
    for token in reversed(list(doc[max(sentence.start, last.i - 8) : last.i + 1])):
        if token.pos_ == "VERB":
            return token
    return None


def attach_orphan_quotes(
    doc: Any, found: list[Attribution], quotes: list[Quote]
) -> list[Attribution]:
    """Give quotes without a cue of their own to the speaker quoted just before, or just after.

    ``"...," she said. "More words."`` and a quoted paragraph following a quoted paragraph are the
    same speaker talking on; short scare quotes and titles are left alone.
    """
    used = [span for a in found if a.within is None for span in (a.content, a.cue)]
    paragraphs = _paragraph_bounds(doc_views.text(doc))
    added = []
    for quote in quotes:
        if any(_overlaps((quote.start, quote.end), span) for span in used):
            continue
        if not _looks_like_speech(doc_views.text(doc)[quote.start : quote.end]):
            continue
        speaker = _neighbouring_quote_speaker(doc, found, quote, paragraphs)
        if speaker is None:
            continue
        added.append(
            Attribution(
                cue=speaker.cue,
                stance=speaker.stance,
                content=_trim(doc, quote.start, quote.end),
                kind="direct",
                speaker_token=speaker.speaker_token,
                speaker=speaker.speaker,
                anchor=speaker.anchor,
                quotes=[quote],
            )
        )
    return found + added


def _looks_like_speech(quoted: str) -> bool:
    words = quoted.split()
    return len(words) >= 6 or (len(words) >= 3 and quoted.rstrip()[-1:] in SENTENCE_BOUNDARY_PUNCT)


def _paragraph_index(paragraphs: list[tuple[int, int]], position: int) -> int:
    for index, (start, end) in enumerate(paragraphs):
        if start <= position < end:
            return index
    return -1


def _neighbouring_quote_speaker(
    doc: Any, found: list[Attribution], quote: Quote, paragraphs: list[tuple[int, int]]
) -> Attribution | None:
    """Return the quoted speaker who goes on talking in ``quote``, from just before or after.

    Before: a direct quote in the same or the previous paragraph, with little narration between.
    After: a quoted paragraph followed by a paragraph that opens with the same speaker's quote.
    """
    text = doc_views.text(doc)
    here = _paragraph_index(paragraphs, quote.open_mark)
    quoted = [a for a in found if a.kind == "direct" or a.fragments]
    before = [a for a in quoted if a.content[1] <= quote.open_mark]
    if before:
        last = max(before, key=lambda a: a.content[1])
        if _paragraph_index(paragraphs, last.content[1] - 1) in {here, here - 1}:
            if not _has_other_sentence(text[last.content[1] : quote.open_mark]):
                return last
    after = [a for a in quoted if a.kind == "direct" and a.content[0] >= quote.end]
    if after and _starts_paragraph(text, paragraphs, here, quote):
        first = min(after, key=lambda a: a.content[0])
        following = _paragraph_index(paragraphs, first.content[0])
        if following == here + 1 and _starts_paragraph(
            text,
            paragraphs,
            following,
            Quote(first.content[0], first.content[1], first.content[0] - 1, None),
        ):
            return first
    return None


def _has_other_sentence(between: str) -> bool:
    """Say whether narration not belonging to the attribution separates two quotes."""
    unquoted = re.sub(r"[\"\u201c\u201d\u00ab\u00bb\u201e]", "", between).strip(" ,.\n")
    if len(unquoted.split()) <= 18:
        return False
    # A long attribution with an aside ("X said, referring to Y.") is still one sentence.
    return bool(re.search(r"[.!?]\s", unquoted)) or len(unquoted.split()) > 45


def _starts_paragraph(
    text: str, paragraphs: list[tuple[int, int]], index: int, quote: Quote
) -> bool:
    """Say whether a quote opens its paragraph."""
    return index >= 0 and text[paragraphs[index][0] : quote.open_mark].strip() == ""


# ---------------------------------------------------------------- channel and date


def find_channel_and_date(doc: Any, attribution: Attribution, lexicon: CueLexicon) -> None:
    """Fill in where (``in an interview with ...``) and when (``on Monday``) it was said."""
    anchor = attribution.anchor
    if anchor is None:
        return
    heads = [anchor]
    if anchor.dep_ in {"xcomp", "advcl", "conj"}:
        heads.append(anchor.head)
    blocked = [attribution.content, attribution.speaker]
    if attribution.kind == "direct" and attribution.quotes:
        # A quote interrupted by its attribution: the channel sits between the quoted parts.
        blocked = [(q.start, q.end) for q in attribution.quotes] + [attribution.speaker]
    for head in heads:
        for child in doc_views.children(head):
            span = _subtree_span(child)
            if span is None or any(_overlaps(span, other) for other in blocked):
                continue
            if attribution.channel is None and child.dep_ == "prep" and _is_channel(child, lexicon):
                attribution.channel, trailing_date = _split_trailing_date(child)
                if attribution.date is None:
                    attribution.date = trailing_date
            elif attribution.date is None and _is_date(child):
                attribution.date = span


def _split_trailing_date(channel: Any) -> tuple[tuple[int, int], tuple[int, int] | None]:
    """Split ``in an interview ... on Monday`` into the channel and the date the parser hung on it."""
    for token in doc_views.subtree(channel):
        if token.i > channel.i and token.dep_ in {"prep", "npadvmod"} and _is_date(token):
            if token.right_edge.i == channel.right_edge.i:
                kept = [t for t in doc_views.subtree(channel) if t.i < token.left_edge.i]
                return _token_span(kept), _token_span(doc_views.subtree(token))
    return _token_span(doc_views.subtree(channel)), None


def _is_channel(preposition: Any, lexicon: CueLexicon) -> bool:
    objects = [c for c in doc_views.children(preposition) if c.dep_ == "pobj"]
    return any(
        o.lower_ in lexicon.channels or o.lemma_.lower() in lexicon.channels for o in objects
    )


def _is_date(child: Any) -> bool:
    """Say whether a phrase on the cue dates the statement ("on Monday", "last week").

    The phrase itself or its object must be the date: "of carrying out the attack ... on
    Sunday" holds a date but is what the cue reports.
    """
    if child.dep_ not in {"prep", "npadvmod", "advmod", "obl", "nmod"}:
        return False
    heads = [child, *(c for c in doc_views.children(child) if c.dep_ in {"pobj", "npadvmod"})]
    if any(t.ent_type_ in {"DATE", "TIME"} for t in heads):
        return True
    tokens = list(doc_views.subtree(child))
    dated = sum(t.ent_type_ in {"DATE", "TIME"} for t in tokens)
    return dated * 2 >= len(tokens) or child.lower_ in DATE_WORDS


# ---------------------------------------------------------------- speakers


@dataclass
class PersonMention:
    """A named person, with the title that introduced them."""

    position: int
    end: int
    name: str
    role_words: tuple[str, ...]
    is_subject: bool
    gender: str


@dataclass
class SpeakerIndex:
    """Everyone named in the article, for resolving surnames, titles and pronouns."""

    people: list[PersonMention]
    organisations: list[tuple[int, str, str]]  # (position, name, label)


def _strip_title(tokens: list[Any], lexicon: CueLexicon) -> tuple[list[Any], list[Any]]:
    """Split leading title words from a name: returns (title tokens, name tokens)."""
    index = 0
    while index < len(tokens) - 1:
        word = tokens[index].lower_
        if word in lexicon.roles or word in lexicon.honorifics or tokens[index].pos_ == "ADJ":
            index += 1
            continue
        if tokens[index].ent_type_ in {"NORP", "ORG", "GPE"} and tokens[index].ent_iob_ != "":
            index += 1
            continue
        break
    name = tokens[index:]
    while name and name[-1].text in {"'s", "\u2019s", "'", "\u2019"}:
        name = name[:-1]
    return tokens[:index], name


def _title_before(doc: Any, name_start: int, lexicon: CueLexicon) -> list[Any]:
    """Collect the title words that precede a name inside the same noun phrase."""
    index = name_start - 1
    while index >= 0:
        token = doc[index]
        if token.is_punct or token.lower_ in DETERMINERS or token.dep_ in {"poss", "case"}:
            break
        if token.pos_ not in {"PROPN", "NOUN", "ADJ"}:
            break
        index -= 1
    return list(doc[index + 1 : name_start])


def build_speaker_index(doc: Any, quotes: list[Quote], lexicon: CueLexicon) -> SpeakerIndex:
    """Index people (with their introducing titles) and organisations named in the article."""
    people = []
    organisations = []
    for ent in doc.ents:
        if _inside(quotes, ent.start_char):
            continue
        if ent.label_ in {"ORG", "GPE", "NORP"}:
            organisations.append((ent.start_char, doc_views.span_text(ent), ent.label_))
            continue
        if ent.label_ != "PERSON":
            continue
        title, name = _strip_title(list(ent), lexicon)
        if not name:
            continue
        title = _title_before(doc, ent.start, lexicon) + title
        role_words = tuple(t.lower_ for t in title)
        people.append(
            PersonMention(
                position=ent.start_char,
                end=ent.end_char,
                name=_text_of(doc, name),
                role_words=role_words,
                is_subject=ent.root.dep_ in SUBJECT_DEPS,
                gender=_gender_of(role_words, lexicon),
            )
        )
    people.extend(_surname_mentions(doc, quotes, people))
    people.sort(key=lambda p: p.position)
    return SpeakerIndex(people=people, organisations=organisations)


def _surname_mentions(
    doc: Any, quotes: list[Quote], people: list[PersonMention]
) -> list[PersonMention]:
    """Find surnames the entity recogniser missed ("Dzyuba was guarded") after a full name."""
    surnames = {p.name.split()[-1]: p for p in people if len(p.name.split()) > 1}
    covered = {p.position for p in people}
    found = []
    for token, word in zip(doc_views.tokens(doc), doc_views.values(doc, "text"), strict=True):
        person = surnames.get(word)
        if person is None or token.pos_ != "PROPN" or token.ent_type_ == "PERSON":
            continue
        if token.idx in covered or _inside(quotes, token.idx):
            continue
        found.append(
            PersonMention(
                position=token.idx,
                end=token.idx + len(token.text),
                name=token.text,
                role_words=(),
                is_subject=token.dep_ in SUBJECT_DEPS,
                gender=person.gender,
            )
        )
    return found


def _gender_of(words: Iterable[str], lexicon: CueLexicon) -> str:
    for word in words:
        gender = lexicon.roles.get(word) or lexicon.honorifics.get(word)
        if gender in {"F", "M"}:
            return gender
    return "-"


def full_name(index: SpeakerIndex, name: str, position: int) -> str:
    """Resolve a surname to the fuller name used for the same person (earlier if possible)."""
    words = name.split()
    if not words:
        return name
    matches = [
        p
        for p in index.people
        if len(p.name.split()) > len(words) and p.name.split()[-len(words) :] == words
    ]
    if not matches:
        return name
    earlier = [p for p in matches if p.position < position]
    return (earlier[-1] if earlier else matches[0]).name


@dataclass
class ResolvedSpeaker:
    """Who a speaker mention refers to."""

    name: str | None
    type: str | None
    role: tuple[int, int] | None = None
    gender: str = "-"


def resolve_speaker(
    doc: Any,
    attribution: Attribution,
    index: SpeakerIndex,
    earlier: list[tuple[Attribution, ResolvedSpeaker]],
    lexicon: CueLexicon,
) -> ResolvedSpeaker:
    """Resolve a speaker mention to a name: names, titles, descriptions, pronouns, metonyms."""
    head = attribution.speaker_token
    if head is None:
        return ResolvedSpeaker(None, None)
    if head.lower_ in {"who", "that", "which"} and head.head.dep_ in {"relcl", "acl"}:
        antecedent = head.head.head
        proxy = replace(attribution, speaker_token=antecedent, speaker=_speaker_span(antecedent))
        return resolve_speaker(doc, proxy, index, earlier, lexicon)
    if head.lower_ in lexicon.pronouns:
        if attribution.within is not None:
            # "They write that ...", inside a quotation: whom the quoted speaker means is not
            # told by who spoke last in the article; the mention stays as written
            return ResolvedSpeaker(None, None)
        return _resolve_pronoun(doc, head, index, earlier, lexicon)
    tokens = [t for t in doc.char_span(*attribution.speaker, alignment_mode="expand")]
    appositive = {
        t.i for c in doc_views.rights(head) if c.dep_ == "appos" for t in doc_views.subtree(c)
    }
    tokens = [t for t in tokens if t.i <= head.i or t.i in appositive] or [head]
    person = _person_in(tokens, lexicon, _known_surnames(index))
    if person is not None:
        title, name = person
        role = _token_span(t for t in title if t.lower_ not in DETERMINERS) if title else None
        if role is None:
            role = _appositive_role(head, lexicon)
        resolved = full_name(index, _text_of(doc, name), head.idx)
        return ResolvedSpeaker(
            resolved, "PERSON", role, _gender_of((t.lower_ for t in title), lexicon)
        )
    if head.ent_type_ in {"ORG", "GPE", "NORP"} or _is_institution(tokens, lexicon):
        label = head.ent_type_ if head.ent_type_ in {"GPE", "NORP"} else "ORG"
        name = _text_of(doc, _without_determiners(tokens))
        return ResolvedSpeaker(_resolve_institution(index, name, head.idx), label)
    if head.lower_ in lexicon.roles or head.lemma_.lower() in lexicon.roles:
        return _resolve_description(doc, tokens, head, index, lexicon)
    name = _text_of(doc, _without_determiners(tokens))
    return ResolvedSpeaker(name or None, None)


def _without_determiners(tokens: list[Any]) -> list[Any]:
    index = 0
    while index < len(tokens) - 1 and (
        tokens[index].lower_ in DETERMINERS or tokens[index].dep_ == "poss"
    ):
        index += 1
    return tokens[index:]


def _text_of(doc: Any, tokens: list[Any]) -> str:
    """Return the article text a run of tokens covers, without a trailing possessive."""
    while tokens and tokens[-1].text in {"'s", "’s", "'", "’"}:
        tokens = tokens[:-1]
    if not tokens:
        return ""
    return doc_views.text(doc)[tokens[0].idx : tokens[-1].idx + len(tokens[-1].text)]


def _known_surnames(index: SpeakerIndex) -> set[str]:
    return {p.name.split()[-1] for p in index.people}


def _person_in(
    tokens: list[Any], lexicon: CueLexicon, surnames: set[str]
) -> tuple[list[Any], list[Any]] | None:
    """Split a speaker phrase into title and name when it names a person."""
    named = [t for t in tokens if t.ent_type_ == "PERSON" or t.text in surnames]
    if not named and tokens[-1].pos_ == "PROPN" and tokens[-1].ent_type_ in {"", "PERSON"}:
        if tokens[-1].lower_ not in lexicon.institutions and tokens[-1].lower_ not in lexicon.roles:
            named = [tokens[-1]]
    if not named:
        return None
    first = tokens.index(named[0])
    title, name = _strip_title(tokens[first:], lexicon)
    title = [t for t in tokens[:first]] + title
    return title, name


def _appositive_role(head: Any, lexicon: CueLexicon) -> tuple[int, int] | None:
    for child in doc_views.rights(head):
        if child.dep_ == "appos" and (
            child.lower_ in lexicon.roles or child.lemma_.lower() in lexicon.roles
        ):
            return _token_span(t for t in doc_views.subtree(child) if t.lower_ not in DETERMINERS)
    return None


def _is_institution(tokens: list[Any], lexicon: CueLexicon) -> bool:
    words = " ".join(t.lower_ for t in tokens)
    head = tokens[-1].lower_
    return head in lexicon.institutions or any(
        " " in item and words.endswith(item) for item in lexicon.institutions
    )


def _resolve_institution(index: SpeakerIndex, name: str, position: int) -> str:
    """Resolve ``the ministry`` to the organisation named earlier with that word."""
    words = name.lower().split()
    if len(words) != 1:
        return name
    for _, org_name, _ in reversed([o for o in index.organisations if o[0] < position]):
        if words[0] in org_name.lower().split() and org_name.lower() != words[0]:
            return org_name
    return name


def _resolve_description(
    doc: Any, tokens: list[Any], head: Any, index: SpeakerIndex, lexicon: CueLexicon
) -> ResolvedSpeaker:
    """Resolve ``the Russian president`` / ``his aide`` to the person introduced with that title."""
    wanted = {t.lower_ for t in tokens if t.lower_ not in DETERMINERS and t.dep_ != "poss"}
    wanted = {_root_form(w) for w in wanted}
    candidates = [
        p for p in index.people if p.role_words and wanted <= {_root_form(w) for w in p.role_words}
    ]
    description = _text_of(doc, _without_determiners(tokens))
    role = _token_span(t for t in tokens if t.lower_ not in DETERMINERS and t.dep_ != "poss")
    if not candidates:
        return ResolvedSpeaker(description, "PERSON", role, _gender_of(wanted, lexicon))
    before = [p for p in candidates if p.position < head.idx]
    chosen = before[-1] if before else candidates[0]
    name = full_name(index, chosen.name, chosen.position)
    return ResolvedSpeaker(name, "PERSON", role, chosen.gender)


def _root_form(word: str) -> str:
    """Map ``presidential`` to ``president`` and plain plurals to singulars for title matching."""
    for suffix, replacement in (("ial", ""), ("al", ""), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 3:
            return word[: -len(suffix)] + replacement
    return word


def _resolve_pronoun(
    doc: Any,
    pronoun: Any,
    index: SpeakerIndex,
    earlier: list[tuple[Attribution, ResolvedSpeaker]],
    lexicon: CueLexicon,
) -> ResolvedSpeaker:
    """Resolve a pronoun to the nearest compatible person: recency and subjecthood count most."""
    gender = lexicon.pronouns[pronoun.lower_]
    position = pronoun.idx
    if gender in {"P", "N"}:
        return _resolve_group_pronoun(index, earlier, position, gender)
    scores: dict[str, float] = {}
    genders: dict[str, str] = {}
    sentence_starts = [s.start_char for s in doc_views.sentences(doc)]
    here = _sentence_number(sentence_starts, position)
    for person in index.people:
        if person.position >= position:
            continue
        name = full_name(index, person.name, person.position)
        distance = here - _sentence_number(sentence_starts, person.position)
        score = (
            -1.0 * distance
            - (position - person.position) / 2000
            + (1.5 if person.is_subject else 0)
        )
        if person.gender != "-":
            genders[name] = person.gender
        scores[name] = max(scores.get(name, -1e9), score)
    for attribution, speaker in earlier:
        if speaker.name is None or speaker.type != "PERSON" or attribution.speaker is None:
            continue
        if attribution.speaker[0] >= position:
            continue
        distance = here - _sentence_number(sentence_starts, attribution.speaker[0])
        score = -1.0 * distance + 1.0
        if speaker.gender != "-":
            genders[speaker.name] = speaker.gender
        scores[speaker.name] = max(scores.get(speaker.name, -1e9), score)
    for name, known in genders.items():
        if known in {"F", "M"} and known != gender:
            scores[name] -= 10
    if not scores:
        return ResolvedSpeaker(None, "PERSON", None, gender)
    best = max(scores, key=scores.get)
    return ResolvedSpeaker(best, "PERSON", None, gender)


def _resolve_group_pronoun(
    index: SpeakerIndex,
    earlier: list[tuple[Attribution, ResolvedSpeaker]],
    position: int,
    gender: str,
) -> ResolvedSpeaker:
    for attribution, speaker in reversed(earlier):
        if (
            attribution.speaker
            and attribution.speaker[0] < position
            and speaker.type
            in {
                "ORG",
                "GPE",
                "NORP",
            }
        ):
            return ResolvedSpeaker(speaker.name, speaker.type)
    organisations = [o for o in index.organisations if o[0] < position]
    if organisations:
        _, name, label = organisations[-1]
        return ResolvedSpeaker(name, label if label != "NORP" or gender == "P" else "ORG")
    return ResolvedSpeaker(None, None)


def _sentence_number(starts: list[int], position: int) -> int:
    low, high = 0, len(starts)
    while low < high:
        middle = (low + high) // 2
        if starts[middle] <= position:
            low = middle + 1
        else:
            high = middle
    return low - 1


# ---------------------------------------------------------------- scored candidates

# What a word can govern that may be the content of an attribution it cues, by dependency label.
CANDIDATE_CONTENT_DEPS = {
    "ccomp",
    "xcomp",
    "dobj",
    "acl",
    "attr",
    "acomp",
    "oprd",
    "csubj",
    "advcl",
    "relcl",
    "conj",
}
CANDIDATE_POS = {"VERB", "AUX", "NOUN", "ADJ", "ADP"}
AROUND_DEPS = {"advmod", "prep", "npadvmod", "parataxis", "advcl"}


@dataclass(frozen=True)
class AttributionScorer:
    """A linear model that scores attributions, candidates the rules did not find, or cut points.

    The weights come from ``crosswire/data/statement_scorer.json`` (learned on PolNeAR train by
    ``python -m crosswire.evaluate.statements train``); a candidate is kept when its probability
    reaches ``threshold``.
    """

    weights: dict[str, float]
    bias: float
    threshold: float

    def probability(self, features: Iterable[str]) -> float:
        """Return the probability that a candidate is an attribution."""
        total = self.bias + sum(map(self.weights.get, features, repeat(0.0)))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, total))))


SCORER_FILE = DATA / "statement_scorer.json"


@functools.cache
def load_attribution_scorers(path: Path = SCORER_FILE) -> dict[str, AttributionScorer]:
    """Load the scorers' weights once per process: ``rules``, ``candidates`` and ``boundary``.

    Empty if the file is absent; a missing ``boundary`` leaves contents uncut.
    """
    if not path.exists():
        return {}
    return scorers_from_data(json.loads(path.read_text(encoding="utf-8")))


def scorers_from_data(data: dict[str, Any]) -> dict[str, AttributionScorer]:
    """Build the scorers from a weights file's content (or what training returns, unwritten)."""
    return {
        name: AttributionScorer(
            weights={str(k): float(v) for k, v in model["weights"].items()},
            bias=float(model["bias"]),
            threshold=float(model["threshold"]),
        )
        for name, model in data["models"].items()
    }


@dataclass
class Candidate:
    """A possible attribution: a cue word, what it governs as content, and features to score."""

    attribution: Attribution
    features: list[str]


def find_candidates(
    doc: Any, quotes: list[Quote], lexicon: CueLexicon, found: list[Attribution]
) -> list[Candidate]:
    """List what every word could cue that no attribution found so far covers.

    For each verb, noun or adjective outside quotations, each clause or phrase it governs
    (``ccomp``, ``xcomp``, object, ``that`` clause, prepositional object, the quote beside it, the
    clause around a parenthetical cue, the clause of a sourceless passive) is one candidate.
    """
    text = doc_views.text(doc)
    taken = bytearray(len(text))  # 1 where a found attribution's content or cue lies
    for attribution in found:
        for start, end in (attribution.content, attribution.cue):
            taken[start:end] = b"\x01" * (end - start)
    quoted = bytearray(len(text) + 1)  # 1 where ``_inside`` finds a quote
    for quote in quotes:
        start, end = quote.open_mark, (quote.close_mark or quote.end) + 1
        quoted[start:end] = b"\x01" * (end - start)
    candidates: list[Candidate] = []
    for token, pos, start, word in zip(
        doc_views.tokens(doc),
        doc_views.values(doc, "pos_"),
        doc_views.values(doc, "idx"),
        doc_views.values(doc, "text"),
        strict=True,
    ):
        if pos not in CANDIDATE_POS or (pos == "AUX" and token.dep_ == "aux"):
            continue
        if quoted[start] or 1 in taken[start : start + len(word)]:
            continue
        seen: set[tuple[int, int]] = set()
        subject = _subject_of(token) if token.pos_ in {"VERB", "AUX"} else None
        speaker = _speaker_span(subject) if subject is not None else None
        for content_type, head, tokens, cue_end in _governed_contents(doc, token, quotes, speaker):
            bounds = _token_span(t for t in tokens if not t.is_space)
            if bounds is None:
                continue
            bounds = _trim(doc, *_within_paragraph(text, bounds, token.idx))
            if bounds[1] - bounds[0] < 3 or bounds in seen:
                continue
            if 1 in taken[bounds[0] : bounds[1]] or _overlaps(bounds, speaker):
                continue
            seen.add(bounds)
            cue = (token.idx, max(token.idx + len(token.text), cue_end))
            candidates.append(
                _candidate(doc, token, content_type, head, bounds, cue, subject, lexicon, quotes)
            )
    return candidates


def _governed_contents(
    doc: Any, token: Any, quotes: list[Quote], speaker: tuple[int, int] | None
) -> Iterable[tuple[str, Any, list[Any], int]]:
    """Yield (content type, content head, content tokens, cue end) for what a word governs."""
    lexicon = load_cue_lexicon()
    for child in doc_views.children(token):
        if child.dep_ in CANDIDATE_CONTENT_DEPS:
            if child.dep_ in {"ccomp", "xcomp", "dobj"} and child.i > token.i:
                bounds = _content_tokens(token, child, lexicon)
                yield child.dep_, child, list(doc.char_span(*bounds, alignment_mode="expand")), 0
            else:
                yield child.dep_, child, list(doc_views.subtree(child)), 0
        elif child.dep_ in {"prep", "prt", "agent"}:
            for grandchild in doc_views.children(child):
                if grandchild.dep_ in {"pobj", "pcomp"}:
                    end = child.idx + len(child.text)
                    yield (
                        f"prep:{child.lower_}",
                        grandchild,
                        list(doc_views.subtree(grandchild)),
                        end,
                    )
    if token.pos_ not in {"VERB", "AUX"}:
        yield from _around_content(token)
        return
    inverted = _inverted_content(token)
    if inverted:
        yield "inverted", token.head, list(doc.char_span(*inverted, alignment_mode="expand")), 0
    if any(c.dep_ in {"auxpass", "nsubjpass"} for c in doc_views.children(token)):
        yield "passive", token, _clause_from_subject(token), 0
    quote = _quote_near(doc, quotes, token, speaker)
    if quote:
        yield (
            "quote",
            token,
            list(doc.char_span(quote.start, quote.end, alignment_mode="expand")),
            0,
        )
    yield from _around_content(token)


def _around_content(token: Any) -> Iterable[tuple[str, Any, list[Any], int]]:
    """Yield the clause a parenthetical cue modifies, minus the cue phrase ("X, he believes")."""
    if token.dep_ not in AROUND_DEPS or token.head.i == token.i:
        return
    yield "around", token.head, _larger_side(token.head, token), 0


def _candidate(
    doc: Any,
    token: Any,
    content_type: str,
    head: Any,
    bounds: tuple[int, int],
    cue: tuple[int, int],
    subject: Any,
    lexicon: CueLexicon,
    quotes: list[Quote],
) -> Candidate:
    lemma = _cue_lemma(token, lexicon.verbs) or token.lemma_.lower()
    stance = (lexicon.nouns if token.pos_ == "NOUN" else lexicon.verbs).get(lemma)
    features = candidate_features(doc, token, content_type, head, bounds, subject, lexicon, quotes)
    attribution = Attribution(
        cue=cue,
        stance=stance,
        content=bounds,
        kind=_reported_kind(stance),
        speaker_token=subject,
        speaker=_speaker_span(subject) if subject is not None else None,
        anchor=token,
    )
    return Candidate(attribution, features)


def _size(count: int) -> str:
    return "1" if count <= 1 else "2-3" if count <= 3 else "4-8" if count <= 8 else "9+"


def candidate_features(
    doc: Any,
    token: Any,
    content_type: str,
    head: Any,
    bounds: tuple[int, int],
    subject: Any,
    lexicon: CueLexicon,
    quotes: list[Quote],
) -> list[str]:
    """Describe a candidate for the scorer: the cue word, what it governs, and who governs it."""
    lemma = token.lemma_.lower()
    kind = content_type.split(":")[0]
    stance = (lexicon.nouns if token.pos_ == "NOUN" else lexicon.verbs).get(
        _cue_lemma(token, lexicon.nouns if token.pos_ == "NOUN" else lexicon.verbs) or ""
    )
    children = {c.dep_ for c in doc_views.children(token)}
    words = len(doc_views.text(doc)[bounds[0] : bounds[1]].split())
    span = doc.char_span(bounds[0], bounds[1], alignment_mode="expand")
    first = next((t.lower_ for t in span if t.text.strip()), "-") if span is not None else "-"
    features = [
        f"type={content_type}",
        f"lemma={lemma}",
        f"lemma|type={lemma}|{kind}",
        f"lemma|pos={lemma}|{token.pos_}",
        f"tag={token.tag_}",
        f"dep={token.dep_}",
        f"dep|type={token.dep_}|{kind}",
        f"pos|type={token.pos_}|{kind}",
        f"stance={stance}",
        f"stance|type={stance}|{kind}",
        f"head={token.head.lemma_.lower() if token.head.i != token.i else 'ROOT'}",
        f"content_head={head.pos_}|{head.dep_}",
        f"content_tag={head.tag_}|{kind}",
        f"words={_size(words)}|{kind}",
        f"that={_has_that(head)}",
        f"quoted={any(q.start < bounds[1] and bounds[0] < q.end for q in quotes)}|{kind}",
        f"after={bounds[0] > token.idx}|{kind}",
        f"passive={'auxpass' in children or 'nsubjpass' in children}",
        f"neg={'neg' in children}",
        f"clause_subject={any(c.dep_ in SUBJECT_DEPS for c in doc_views.children(head))}|{kind}",
        f"lemma|content_type={lemma}|{content_type}",
        f"content_lemma={head.lemma_.lower()}|{kind}",
        f"first={first}|{kind}",
        f"lemma|dep={lemma}|{token.dep_}",
    ]
    modal = next((c.lower_ for c in doc_views.children(token) if c.tag_ == "MD"), None)
    if modal:
        features.append(f"modal={modal}")
    if subject is None:
        features += ["subject=none", f"subject=none|lemma={lemma}"]
    else:
        animate = _is_animate(subject, lexicon)
        entity = subject.ent_type_ or subject.pos_
        features += [
            f"subject={entity}",
            f"subject_animate={animate}",
            f"subject_animate|lemma={animate}|{lemma}",
            f"subject_word={subject.lower_ if subject.pos_ == 'PRON' else subject.lemma_.lower()}",
            f"subject_dep={subject.dep_}",
            f"subject|lemma={entity}|{lemma}",
            f"subject_animate|type={animate}|{kind}",
        ]
    return features


def rule_features(
    doc: Any, attribution: Attribution, lexicon: CueLexicon, quotes: list[Quote]
) -> list[str]:
    """Describe an attribution the rules found, for the scorer that weeds out unlikely ones."""
    cue = doc.char_span(*attribution.cue, alignment_mode="expand")
    content = doc.char_span(*attribution.content, alignment_mode="expand")
    if cue is None or content is None or not len(cue) or not len(content):
        return []
    content_type = f"rule_{attribution.kind}"
    features = candidate_features(
        doc,
        cue.root,
        content_type,
        content.root,
        attribution.content,
        attribution.speaker_token,
        lexicon,
        quotes,
    )
    return features + [
        f"rule_stance={attribution.stance}",
        f"rule_fragments={bool(attribution.fragments)}|{attribution.kind}",
        f"rule_cue={doc_views.span_text(cue).lower()}",
    ]


def choose_attributions(
    doc: Any,
    quotes: list[Quote],
    lexicon: CueLexicon,
    found: list[Attribution],
    scorers: dict[str, AttributionScorer],
) -> list[Attribution]:
    """Weigh the rules' attributions with the scorers and add the likely candidates they missed.

    A rule attribution the ``rules`` scorer finds unlikely is dropped (direct quotes always
    stay). Then each candidate the ``candidates`` scorer accepts is added, best first, where
    nothing kept overlaps it.
    """
    rules, candidates = scorers.get("rules"), scorers.get("candidates")
    if rules is None or candidates is None:
        return found
    kept = [
        attribution
        for attribution in found
        if attribution.kind == "direct"
        or rules.probability(rule_features(doc, attribution, lexicon, quotes)) >= rules.threshold
    ]
    scored = [
        (candidates.probability(c.features), c.attribution)
        for c in find_candidates(doc, quotes, lexicon, kept)
    ]
    scored.sort(key=lambda item: -item[0])
    added: list[Attribution] = []
    for probability, attribution in scored:
        if probability < candidates.threshold:
            break
        if not any(_conflicts(attribution, other) for other in added):
            added.append(attribution)
    return kept + added


def _conflicts(a: Attribution, b: Attribution) -> bool:
    return (
        _overlaps(a.content, b.content)
        or _overlaps(a.cue, b.content)
        or _overlaps(a.content, b.cue)
    )


# ---------------------------------------------------------------- assembling statements


def _deduplicate(found: list[Attribution]) -> list[Attribution]:
    """Keep one attribution per content span (and drop contents nested in a sibling's cue)."""
    by_content: dict[tuple[int, int], Attribution] = {}
    for attribution in found:
        key = attribution.content
        kept = by_content.get(key)
        if kept is None or _cue_distance(attribution) < _cue_distance(kept):
            by_content[key] = attribution
    unique = list(by_content.values())
    return [
        a
        for a in unique
        if a.within is not None
        or not any(_overlaps(a.cue, b.content) and _same_quote(a, b) for b in unique if b is not a)
    ]


def _same_quote(inner: Attribution, outer: Attribution) -> bool:
    """Say whether an attribution's cue sits inside a quotation that another one reports."""
    return any(q.start <= inner.cue[0] < q.end for q in outer.quotes)


def _cue_distance(attribution: Attribution) -> int:
    start, end = attribution.content
    return min(abs(attribution.cue[0] - end), abs(attribution.cue[1] - start))


def _span(doc: Any, bounds: tuple[int, int] | None) -> Span | None:
    return Span.of(doc_views.text(doc), *bounds) if bounds else None


def _sentence_of(doc: Any, position: int) -> Span | None:
    for sentence in doc_views.sentences(doc):
        if sentence.start_char <= position < sentence.end_char:
            return Span.of(doc_views.text(doc), sentence.start_char, sentence.end_char)
    return None


def _link_nesting(statements: list[Statement]) -> None:
    """Mark a statement whose cue and content lie inside another statement's content."""
    for inner in statements:
        if inner.cue is None or inner.nested_in is not None:
            continue
        hosts = [
            outer
            for outer in statements
            if outer is not inner
            and outer.content.start <= min(inner.cue.start, inner.content.start)
            and max(inner.cue.end, inner.content.end) <= outer.content.end
            and (outer.content.end - outer.content.start)
            > (inner.content.end - inner.content.start)
        ]
        if hosts:
            inner.nested_in = min(hosts, key=lambda s: s.content.end - s.content.start).id


def find_rule_attributions(doc: Any, quotes: list[Quote], lexicon: CueLexicon) -> list[Attribution]:
    """Run the rules: cue verbs, phrases, nouns, colons, sourceless reports, then quotes."""
    found = (
        find_reported_speech(doc, quotes, lexicon)
        + find_phrase_attributions(doc, quotes, lexicon)
        + find_noun_attributions(doc, quotes, lexicon)
        + find_colon_attributions(doc, quotes, lexicon)
        + find_unattributed_reports(doc, quotes, lexicon)
    )
    shape_contents(doc, found, quotes)
    found = _deduplicate(found)
    found = find_quote_frames(doc, found, quotes, lexicon)
    return attach_orphan_quotes(doc, found, quotes)


def shape_contents(doc: Any, found: list[Attribution], quotes: list[Quote]) -> None:
    """Snap contents to quotations and cut the narrator's trailing asides."""
    classify_quotes(doc, found, quotes)
    for attribution in found:
        if attribution.kind != "direct":
            attribution.content = cut_trailing_aside(doc, attribution.content, quotes)


def cut_content_boundaries(
    doc: Any, found: list[Attribution], quotes: list[Quote], boundary: AttributionScorer | None
) -> None:
    """End each reported (not directly quoted) content where the boundary scorer says it ends.

    This runs after the scorers have chosen the attributions, so they weigh contents as the
    rules shaped them, which is how they were trained.
    """
    if boundary is None:
        return
    for attribution in found:
        if attribution.kind != "direct":
            attribution.content = cut_content_boundary(doc, attribution, quotes, boundary)


def extract_statements(
    doc: Any, article: Article, *, scorers: dict[str, AttributionScorer] | None = None
) -> list[Statement]:
    """Find every attributed statement in one article, with speaker, cue, content and kind.

    ``scorers`` replaces the learned scorers from ``statement_scorer.json`` (``{}``: rules alone),
    so that scorers fitted on part of a split can be measured on the rest before being written.
    A French parse is read by the French rules (``statements_french``), which learn nothing.
    """
    if doc.lang_ == "fr":
        from crosswire.statements_french import extract_french_statements

        return extract_french_statements(doc, article)
    lexicon = load_cue_lexicon()
    quotes = find_quotes(doc_views.text(doc))
    scorers = load_attribution_scorers() if scorers is None else scorers
    found = find_rule_attributions(doc, quotes, lexicon)
    chosen = choose_attributions(doc, quotes, lexicon, found, scorers)
    shape_contents(doc, [a for a in chosen if all(a is not b for b in found)], quotes)
    cut_content_boundaries(doc, chosen, quotes, scorers.get("boundary"))
    found = split_partial_quotes(doc, chosen)
    found.sort(key=lambda a: (a.content[0], a.content[1]))
    index = build_speaker_index(doc, quotes, lexicon)
    resolved: list[tuple[Attribution, ResolvedSpeaker]] = []
    for attribution in sorted(found, key=lambda a: (a.speaker or a.cue)[0]):
        find_channel_and_date(doc, attribution, lexicon)
        resolved.append((attribution, resolve_speaker(doc, attribution, index, resolved, lexicon)))
    return assemble_statements(doc, article, resolved)


def assemble_statements(
    doc: Any, article: Article, resolved: list[tuple[Attribution, ResolvedSpeaker]]
) -> list[Statement]:
    """Turn attributions with their resolved speakers into statements, in text order.

    One statement per content span; a partial quotation is nested in the reported speech it
    belongs to, and any statement whose cue and content lie inside another's content in it.
    """
    by_attribution = {id(a): _to_statement(doc, article, a, s) for a, s in resolved}
    for attribution, _ in resolved:
        if attribution.host is not None:
            host = by_attribution[id(attribution.host)]
            by_attribution[id(attribution)].nested_in = host.id
    unique = {s.id: s for s in reversed(list(by_attribution.values()))}  # one per content span
    statements = sorted(unique.values(), key=lambda s: (s.content.start, s.content.end))
    _link_nesting(statements)
    # a report inside a quotation nobody is found to have said would stand as the article's own
    reported_within = {by_attribution[id(a)].id for a, _ in resolved if a.within is not None}
    return [s for s in statements if s.id not in reported_within or s.nested_in is not None]


def _to_statement(
    doc: Any, article: Article, attribution: Attribution, speaker: ResolvedSpeaker
) -> Statement:
    start, end = attribution.content
    first = min(start, attribution.cue[0], (attribution.speaker or attribution.cue)[0])
    return Statement(
        id=stable_id(article.id, str(start), str(end), prefix="s"),
        article_id=article.id,
        content=Span.of(doc_views.text(doc), start, end),
        kind=attribution.kind,
        cue=_span(doc, attribution.cue),
        cue_stance=attribution.stance,
        speaker=_span(doc, attribution.speaker),
        speaker_name=speaker.name,
        speaker_type=speaker.type,
        role=_span(doc, speaker.role),
        channel=_span(doc, attribution.channel),
        date=_span(doc, attribution.date),
        sentence=_sentence_of(doc, first),
    )


STATEMENT_EXTRACTORS: dict[str, Callable[[Any, Article], list[Statement]]] = {
    "rules": extract_statements,
}
STATEMENT_EXTRACTOR_SETTING = "CROSSWIRE_STATEMENT_EXTRACTOR"


def statement_extractor(name: str = "rules") -> Callable[[Any, Article], list[Statement]]:
    """Return the statement extractor registered under ``name`` (the setting's value)."""
    try:
        return STATEMENT_EXTRACTORS[name]
    except KeyError:
        known = ", ".join(sorted(STATEMENT_EXTRACTORS))
        raise ValueError(
            f"unknown statement extractor {name!r}; set {STATEMENT_EXTRACTOR_SETTING} to one of: {known}"
        ) from None
