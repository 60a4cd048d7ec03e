"""spaCy's greedy entity recogniser, decoded with whole-array steps: the same entities, found faster.

spaCy's ``EntityRecognizer`` reads a doc one token at a time. At each step its state (the next
token, and the entity left open, if any) picks three tokens; their precomputed rows are summed,
passed through a maxout layer and a linear layer, and the best action the state allows (begin,
in, last, unit or out, with a label) is taken. The loop is Cython, but spaCy's compiled wheels
take and release the interpreter's lock a few times inside every validity test of every action
at every step: about 60% of the recogniser's time on this VM, and more than the whole parse of
a doc by the tagger and parser together.

Here the same arithmetic runs on arrays. While no entity is open, a state's three tokens are
the next token and two padding rows, so its scores depend on that token alone: they are
computed for every token of a batch at once, and the choice among the allowed actions at each
token follows. Only tokens inside a multi-token entity need the open entity's first token, so
the walk through each doc is a jump from one ``begin`` to the next, with one small step per
token inside an entity, taken for all the batch's docs together. The sums are taken in spaCy's
order and the output layer goes through BLIS, as spaCy's does; ``agrees_with`` compares this
decoder with spaCy's own on a few texts when the pipeline loads, and tests compare them on
every token of the demo corpus.

Only what the decoder can read exactly is replaced: a greedy recogniser with three state
features, a maxout hidden layer and an output layer, no unseen classes and no entities preset
on the docs (a doc with any is left to spaCy's own loop).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

# tokens decoded together: the batch's precomputed rows take 1.5 KB a token, so a large
# ``nlp.pipe`` batch is decoded a part at a time (spaCy's own loop takes a quarter of a batch)
DECODE_TOKENS = 16_384
# spaCy's BiluoPushDown moves, by the first letter of their names
BEGIN, IN, LAST, UNIT, OUT = "BILUO"
AGREEMENT_TEXTS = (  # fictional, like the demo corpus; many kinds of entity, some long
    "The Foreign Ministry of Velmara said on Monday that 41 boats had been seized in the Selen "
    "Strait.\n\nPresident Konstantin Orlev told Maria Dzyuba about it in Lissendorf.",
    "Tarniv denied it. The Brevanian Herald and the United Nations reported $3 million in "
    "damage, 40 per cent of the port, on December 29, 2025.",
)


def use_array_ner(nlp: Any) -> None:
    """Give ``nlp``'s greedy entity recognisers this decoder for ``nlp.pipe`` where it applies
    and agrees with spaCy's own; a single ``nlp(text)`` keeps spaCy's loop."""
    # the recogniser is a compiled class whose methods cannot be reassigned, so the pipeline
    # holds a stand-in under the same name (spaCy keeps its components in ``_components``)
    for index, (name, pipe) in enumerate(nlp._components):
        if not ArrayEntityDecoder.reads(pipe):
            continue
        decoder = ArrayEntityDecoder(pipe)
        if decoder.agrees_with(nlp):
            nlp._components[index] = (name, ArrayEntityRecognizer(pipe, decoder))


class ArrayEntityRecognizer:
    """A recogniser whose ``pipe`` is the array decoder's; everything else is spaCy's."""

    def __init__(self, recognizer: Any, decoder: ArrayEntityDecoder) -> None:
        self.recognizer = recognizer
        self.decoder = decoder

    def __call__(self, doc: Any) -> Any:
        return self.recognizer(doc)

    def pipe(self, docs: Iterable[Any], *, batch_size: int = 256) -> Iterator[Any]:
        return self.decoder.pipe(docs, batch_size=batch_size)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.recognizer, name)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickle as the recogniser and its decoder (``nlp.pipe(n_process=...)`` may)."""
        return ArrayEntityRecognizer, (self.recognizer, self.decoder)


class ArrayEntityDecoder:
    """Stand-in for an ``EntityRecognizer``'s ``pipe``: the same entities, decoded on arrays."""

    @staticmethod
    def reads(pipe: Any) -> bool:
        """Say whether ``pipe`` is a recogniser this decoder reproduces exactly."""
        from spacy.pipeline import EntityRecognizer

        if type(pipe) is not EntityRecognizer or pipe.cfg.get("beam_width", 1) != 1:
            return False
        model = pipe.model
        if not model.attrs.get("has_upper") or model.attrs.get("unseen_classes"):
            return False
        try:
            lower, upper = model.get_ref("lower"), model.get_ref("upper")
            return (
                lower.get_dim("nF") == 3
                and lower.get_dim("nP") >= 2
                and upper.get_param("W").shape[0] == pipe.moves.n_moves
            )
        except (KeyError, ValueError):
            return False

    def __init__(self, recognizer: Any) -> None:
        self.recognizer = recognizer
        strings = recognizer.vocab.strings
        names = [recognizer.moves.get_class_name(i) for i in range(recognizer.moves.n_moves)]
        moves = np.array([name[0] for name in names])
        labels = np.array([strings[name[2:]] if name[1:2] == "-" else 0 for name in names])
        labelled = labels != 0
        self.begin = (moves == BEGIN) & labelled
        self.unit = (moves == UNIT) & labelled
        self.out = moves == OUT
        # the in and last move of each label, as class indices
        self.in_of = {int(labels[i]): i for i in np.flatnonzero((moves == IN) & labelled)}
        self.last_of = {int(labels[i]): i for i in np.flatnonzero((moves == LAST) & labelled)}
        self.labels = labels

    def agrees_with(self, nlp: Any, texts: Iterable[str] = AGREEMENT_TEXTS) -> bool:
        """Say whether this decoder finds spaCy's own entities in ``texts``."""
        name = next(name for name, pipe in nlp.pipeline if pipe is self.recognizer)
        before = nlp.pipe_names[: nlp.pipe_names.index(name)]
        with nlp.select_pipes(enable=before):
            docs = [nlp(text) for text in texts]
        theirs = [self.recognizer(doc.copy()) for doc in docs]
        ours = [doc.copy() for doc in docs]
        self._annotate(ours)
        return all(
            [(e.start, e.end, e.label) for e in a.ents]
            == [(e.start, e.end, e.label) for e in b.ents]
            for a, b in zip(ours, theirs, strict=True)
        )

    def pipe(self, docs: Iterable[Any], *, batch_size: int = 256) -> Iterator[Any]:
        """Annotate a stream of docs, batch by batch, in order (``EntityRecognizer.pipe``)."""
        from spacy.util import minibatch

        error_handler = self.recognizer.get_error_handler()
        for batch in minibatch(docs, size=batch_size):
            batch = list(batch)
            try:
                self._annotate(batch)
                yield from batch
            except Exception as error:  # spaCy's own contract: the pipeline's error handler
                error_handler(self.recognizer.name, self.recognizer, batch, error)

    def _annotate(self, docs: list[Any]) -> None:
        from spacy.attrs import ENT_IOB

        docs = [doc for doc in docs if len(doc)]
        preset = [bool(doc.to_array(ENT_IOB).any()) for doc in docs]
        stock = [doc for doc, has in zip(docs, preset, strict=True) if has]
        if stock:  # entities given beforehand: spaCy's loop honours them
            self.recognizer.set_annotations(stock, self.recognizer.predict(stock))
        docs = [doc for doc, has in zip(docs, preset, strict=True) if not has]
        for chunk in _chunks(docs, DECODE_TOKENS):
            for doc, spans in zip(chunk, self._decode(chunk), strict=True):
                _set_entities(doc, spans)

    def _decode(self, docs: list[Any]) -> list[list[tuple[int, int, int]]]:
        """Each doc's entities as (start, end, label), as spaCy's greedy loop finds them."""
        model = self.recognizer.model
        tok2vec, lower, upper = model.layers
        table = lower.predict(tok2vec.predict(docs))  # (tokens + 1, 3, hidden, pieces); row 0 pads
        steps = _StepScores(table, lower.get_param("b"), upper)
        tokens = _BatchTokens(docs)
        closed = steps.closed()
        allowed = self.out[None, :] | (self.unit[None, :] & ~tokens.space[:, None])
        allowed |= self.begin[None, :] & tokens.may_begin[:, None]
        choice = np.where(allowed, closed, -np.inf).argmax(axis=1)
        begins = np.flatnonzero(self.begin[choice])
        entities = self._walk(tokens, steps, begins, self.labels[choice])
        units = np.flatnonzero(self.unit[choice])
        return tokens.per_doc(entities, units, self.labels[choice])

    def _walk(
        self, tokens: _BatchTokens, steps: _StepScores, begins: np.ndarray, labels: np.ndarray
    ) -> list[tuple[int, int, int]]:
        """Follow each doc from one ``begin`` to the next; return the multi-token entities as
        batch token spans. All docs with an entity open take their next step together."""
        per_doc = np.split(begins, np.searchsorted(begins, tokens.starts[1:]))
        cursors = [iter(positions.tolist()) for positions in per_doc]
        open_: dict[int, tuple[int, int, int]] = {}  # doc -> (entity start, label, position)
        for doc, cursor in enumerate(cursors):
            _open_next(open_, doc, cursor, -1, labels)
        entities: list[tuple[int, int, int]] = []
        while open_:
            docs = list(open_)
            starts = np.array([open_[doc][0] for doc in docs])
            heres = np.array([open_[doc][2] for doc in docs])
            scores = steps.open(heres, starts)
            for row, doc in enumerate(docs):
                start, label, here = open_.pop(doc)
                if tokens.may_continue[here] and self._goes_on(scores[row], label):
                    open_[doc] = (start, label, here + 1)
                    continue
                entities.append((start, here + 1, label))
                _open_next(open_, doc, cursors[doc], here, labels)
        return entities

    def _goes_on(self, scores: np.ndarray, label: int) -> bool:
        """Say whether an open entity takes in the next token (``in``) rather than ends here
        (``last``): spaCy's argmax over the two, the lower class index winning a tie."""
        last, in_ = self.last_of[label], self.in_of.get(label)
        if in_ is None:
            return False
        return bool(scores[in_] > scores[last] or (scores[in_] == scores[last] and in_ < last))


def _open_next(
    open_: dict[int, tuple[int, int, int]],
    doc: int,
    cursor: Iterator[int],
    after: int,
    labels: np.ndarray,
) -> None:
    """Open the doc's first entity that begins after ``after``, if any: with no entity open,
    the walk reaches every token, so the next begin chosen there is the next one taken."""
    for position in cursor:
        if position > after:
            open_[doc] = (position, int(labels[position]), position + 1)
            return


class _BatchTokens:
    """Per-token facts of a batch of docs laid end to end, as the validity tests read them."""

    def __init__(self, docs: list[Any]) -> None:
        from spacy.attrs import IS_SPACE, SENT_START

        lengths = np.array([len(doc) for doc in docs])
        self.starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        self.docs = docs
        self.doc_of = np.repeat(np.arange(len(docs)), lengths)
        columns = np.concatenate([doc.to_array([SENT_START, IS_SPACE]) for doc in docs])
        sent_start, self.space = columns[:, 0], columns[:, 1].astype(bool)
        left = np.repeat(self.starts + lengths, lengths) - np.arange(lengths.sum())
        # the next token starts a sentence (false for a doc's last token: the buffer is empty)
        next_starts = np.append(sent_start[1:] == 1, False) & (left >= 2)
        # an entity may begin here only with a token after it in its sentence, not on a space;
        # an open entity may take in the next token under the same rule
        self.may_continue = (left >= 2) & ~next_starts
        self.may_begin = self.may_continue & ~self.space

    def per_doc(
        self, entities: list[tuple[int, int, int]], units: np.ndarray, labels: np.ndarray
    ) -> list[list[tuple[int, int, int]]]:
        """Split batch spans into each doc's (start, end, label), adding the single-token
        entities found at tokens that no longer entity covers."""
        covered = np.zeros(len(self.doc_of), dtype=bool)
        for start, end, _ in entities:
            covered[start:end] = True
        spans = entities + [(int(u), int(u) + 1, int(labels[u])) for u in units if not covered[u]]
        found: list[list[tuple[int, int, int]]] = [[] for _ in self.docs]
        for start, end, label in sorted(spans):
            doc = int(self.doc_of[start])
            offset = int(self.starts[doc])
            found[doc].append((start - offset, end - offset, label))
        return found


class _StepScores:
    """The recogniser's scores for states, from its precomputed rows, in spaCy's arithmetic."""

    def __init__(self, table: np.ndarray, bias: np.ndarray, upper: Any) -> None:
        from blis.py import gemm

        self.pieces = table.shape[3]
        self.hidden = table.shape[2]
        self.table = table.reshape(table.shape[0], table.shape[1], -1)
        self.bias = bias.reshape(-1)
        self.weights = np.ascontiguousarray(upper.get_param("W"))
        self.output_bias = upper.get_param("b")
        self.gemm = gemm  # spaCy's output layer multiplies through BLIS too

    def closed(self) -> np.ndarray:
        """Scores of a state with no entity open at every token: the token, then two pads."""
        summed = self.table[1:, 0] + self.table[0, 1]
        summed += self.table[0, 2]
        return self._scores(summed)

    def open(self, heres: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Scores of states at ``heres`` inside entities that began at ``starts``."""
        summed = self.table[heres + 1, 0] + self.table[starts + 1, 1]
        summed += self.table[heres, 2]  # the token before: row (here - 1) + 1
        return self._scores(summed)

    def _scores(self, summed: np.ndarray) -> np.ndarray:
        summed += self.bias
        pieces = summed.reshape(len(summed), self.hidden, self.pieces)
        hidden = pieces[:, :, 0].copy()
        for piece in range(1, self.pieces):  # the maxout's max, one piece at a time
            np.maximum(hidden, pieces[:, :, piece], out=hidden)
        scores = self.gemm(hidden, self.weights, trans2=True)
        scores += self.output_bias
        return scores


def _chunks(docs: list[Any], tokens: int) -> Iterator[list[Any]]:
    """Split ``docs`` in order into runs of about ``tokens`` tokens (a longer doc alone)."""
    chunk: list[Any] = []
    size = 0
    for doc in docs:
        if chunk and size + len(doc) > tokens:
            yield chunk
            chunk, size = [], 0
        chunk.append(doc)
        size += len(doc)
    if chunk:
        yield chunk


def _set_entities(doc: Any, spans: list[tuple[int, int, int]]) -> None:
    """Set the decoded entities as spaCy's recogniser does: every other token outside."""
    from spacy.tokens import Span

    doc.set_ents(
        [Span(doc, start, end, label=label) for start, end, label in spans], default="outside"
    )
