"""Two of spaCy's per-token Python steps done by table lookup, with the same annotations.

Attribute ruler: the English pipeline's maps tags to parts of speech, morphology and lemmas
with 179 patterns, and spaCy's ``Matcher`` tries each of them at every token, calling Python
for every ``IN`` set: about 12% of the whole parse. Nearly every pattern's first token asks
for attributes equal to given strings ("TAG": "NNS"; "LOWER" in a list of words and "TAG":
"IN"), so patterns are looked up in one table per set of such attributes, keyed by the
values a token has; the rest of a pattern (``NOT_IN`` and ``REGEX`` tests, further tokens)
is checked only where the lookup hits. Patterns this cannot read (operators, extension
attributes, other predicates, a first token without an equality) stay with a ``Matcher`` of
their own. The ruler then sets its attributes from the same matches in the same order as
from its own matcher.

Lemmatizer: spaCy's rule and lookup lemmatizers give a lemma that depends on the token's
text, part of speech and morphology alone, but build a Token and read those per token; here
the three are read for a whole doc at once and each distinct triple is lemmatized once, by
the lemmatizer itself.

Tests compare both with stock spaCy on every token of the demo corpus.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

# token attributes the matcher compares by string id (0/1 for IS_SPACE), read the same way
# from ``Doc.to_array``
_READ = {"ORTH", "LOWER", "NORM", "TAG", "POS", "DEP", "LEMMA", "IS_SPACE"}

_TokenTest = tuple[dict[str, frozenset[int]], list[tuple[str, Callable[[int], bool]]]]


def use_lookups(nlp: Any) -> None:
    """Give ``nlp``'s attribute rulers and rule lemmatizers their table-based steps."""
    from spacy.lang.en.lemmatizer import EnglishLemmatizer
    from spacy.lang.fr.lemmatizer import FrenchLemmatizer
    from spacy.pipeline import AttributeRuler, Lemmatizer

    for _, pipe in nlp.pipeline:
        if isinstance(pipe, AttributeRuler):
            pipe.match = IndexedRulerMatch(pipe)
        elif type(pipe) in (Lemmatizer, EnglishLemmatizer, FrenchLemmatizer) and pipe.mode in (
            "rule",
            "lookup",
        ):
            # these read only the token's text, part of speech and morphology; ``nlp.pipe``
            # calls a component's ``pipe`` (a single ``nlp(text)`` keeps the stock loop)
            pipe.pipe = MemoisedLemmas(pipe).pipe


def _token_test(spec: dict[str, Any], strings: Any) -> _TokenTest | None:
    """What one pattern token asks, as allowed ids per attribute plus other predicates on an
    attribute's id; None where it asks anything else."""
    from spacy.strings import get_string_id

    equal: dict[str, frozenset[int]] = {}
    predicates: list[tuple[str, Callable[[int], bool]]] = []
    for key, value in spec.items():
        name = "ORTH" if key.upper() == "TEXT" else key.upper()
        if name not in _READ:
            return None
        if isinstance(value, bool):
            equal[name] = frozenset([int(value)])
        elif isinstance(value, str):
            equal[name] = frozenset([strings.add(value)])
        elif isinstance(value, dict) and len(value) == 1:
            [(operator, operand)] = value.items()
            if operator in ("IN", "NOT_IN"):
                if not all(isinstance(item, str) for item in operand):
                    return None
                ids = frozenset(get_string_id(item) for item in operand)
                if operator == "IN":
                    equal[name] = ids
                else:
                    predicates.append((name, lambda id_, ids=ids: id_ not in ids))
            elif operator == "REGEX" and isinstance(operand, str):
                search = re.compile(operand).search
                predicates.append(
                    (name, lambda id_, search=search: search(strings[id_]) is not None)
                )
            else:
                return None
        else:
            return None
    return equal, predicates


class IndexedRulerMatch:
    """A drop-in for ``AttributeRuler.match``: the same sorted (rule, key, start, end) list."""

    def __init__(self, ruler: Any) -> None:
        from spacy.attrs import IDS
        from spacy.matcher import Matcher

        strings = ruler.vocab.strings
        self.strings = strings
        self.rest = Matcher(ruler.vocab, validate=False)
        tables: dict[tuple[str, ...], dict[tuple[int, ...], list]] = {}
        tested: list[_TokenTest] = []
        for rule in range(len(ruler.attrs)):
            key = str(rule)
            key_id = strings.add(key)
            for pattern in ruler.matcher.get(key)[1]:
                tests = [_token_test(token, strings) for token in pattern]
                if not tests or None in tests or not tests[0][0]:
                    self.rest.add(key, [pattern])
                    continue
                tested.extend(tests)
                first_equal, first_predicates = tests[0]
                # what a hit must still pass, by token offset: the first token's equalities
                # are the table's key, so only its other predicates remain; most have none
                left = [({}, first_predicates), *tests[1:]]
                checks = [(k, test) for k, test in enumerate(left) if test[0] or test[1]]
                names = tuple(sorted(first_equal))
                table = tables.setdefault(names, {})
                for values in itertools.product(*(sorted(first_equal[name]) for name in names)):
                    table.setdefault(values, []).append((rule, key_id, len(pattern), checks))
        names_read = sorted(
            {name for equal, predicates in tested for name in [*equal, *(n for n, _ in predicates)]}
        )
        self.attr_ids = [IDS[name] for name in names_read]
        self.column_of = {name: position for position, name in enumerate(names_read)}
        self.tables = [
            ([self.column_of[name] for name in names], table) for names, table in tables.items()
        ]

    def _passes(self, columns: list[list[int]], i: int, test: _TokenTest) -> bool:
        equal, predicates = test
        column_of = self.column_of
        return all(columns[column_of[name]][i] in ids for name, ids in equal.items()) and all(
            predicate(columns[column_of[name]][i]) for name, predicate in predicates
        )

    def __call__(self, doc: Any) -> list[tuple[int, int, int, int]]:
        matches: set[tuple[int, int, int, int]] = set()
        length = len(doc)
        if self.tables and length:
            columns = doc.to_array(self.attr_ids).T.tolist()
            for positions, table in self.tables:
                if len(positions) == 1:
                    values = ((value,) for value in columns[positions[0]])
                else:
                    values = zip(*(columns[position] for position in positions), strict=True)
                for i, value in enumerate(values):
                    for rule, key_id, size, checks in table.get(value, ()):
                        if i + size <= length and all(
                            self._passes(columns, i + k, test) for k, test in checks
                        ):
                            matches.add((rule, key_id, i, i + size))
        if len(self.rest):
            strings = self.strings
            matches.update(
                (int(strings[key_id]), key_id, start, end)
                for key_id, start, end in self.rest(doc, allow_missing=True, as_spans=False)
            )
        return sorted(matches)


class MemoisedLemmas:
    """A lemmatizer's ``pipe``, reading each (text, part of speech, morphology) once."""

    def __init__(self, lemmatizer: Any, capacity: int = 1 << 18) -> None:
        self.lemmatizer = lemmatizer
        self.capacity = capacity
        self.lemma_ids: dict[tuple[int, int, int], int] = {}

    def pipe(self, docs: Any, **_config: Any) -> Any:
        for doc in docs:
            yield self(doc)

    def __call__(self, doc: Any) -> Any:
        from spacy.attrs import LEMMA, MORPH, ORTH, POS

        if not len(doc):
            return doc
        lemmatizer = self.lemmatizer
        if not lemmatizer._validated:
            lemmatizer._validate_tables()
        strings = doc.vocab.strings
        overwrite = lemmatizer.overwrite
        lemma_ids = self.lemma_ids
        if len(lemma_ids) > self.capacity:
            lemma_ids.clear()
        table = doc.to_array([ORTH, POS, MORPH, LEMMA])
        lemmas = table[:, 3]
        for i, (orth, pos, morph, lemma) in enumerate(table.tolist()):
            if lemma and not overwrite:
                continue
            key = (orth, pos, morph)
            lemma_id = lemma_ids.get(key)
            if lemma_id is None:
                lemma_id = lemma_ids[key] = strings.add(lemmatizer.lemmatize(doc[i])[0])
            lemmas[i] = lemma_id
        doc.from_array([LEMMA], lemmas)
        return doc
