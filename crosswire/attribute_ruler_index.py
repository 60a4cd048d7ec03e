"""Find a spaCy attribute ruler's matches by table lookup instead of trying every pattern.

The English pipeline's attribute ruler maps tags to parts of speech, morphology and lemmas
with 179 patterns, and spaCy's ``Matcher`` tries each of them at every token, calling Python
for every ``IN`` set: about 12% of the whole parse. Nearly every pattern's first token asks
for attributes equal to given strings ("TAG": "NNS"; "LOWER" in a list of words and "TAG":
"IN"), so patterns are looked up in one table per set of such attributes, keyed by the
values a token has; the rest of a pattern (``NOT_IN`` and ``REGEX`` tests, further tokens)
is checked only where the lookup hits. Patterns this cannot read (operators, extension
attributes, other predicates, a first token without an equality) stay with a ``Matcher`` of
their own. The ruler then sets its attributes from the same matches in the same order as
from its own matcher, so the annotations are the same; a test compares both on every token.
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


def index_attribute_rulers(nlp: Any) -> None:
    """Give each attribute ruler in ``nlp`` a table-based ``match`` equal to its own."""
    from spacy.pipeline import AttributeRuler

    for _, pipe in nlp.pipeline:
        if isinstance(pipe, AttributeRuler):
            pipe.match = IndexedRulerMatch(pipe)


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
                names = tuple(sorted(first_equal))
                table = tables.setdefault(names, {})
                for values in itertools.product(*(sorted(first_equal[name]) for name in names)):
                    table.setdefault(values, []).append(
                        (rule, key_id, len(pattern), first_predicates, tests[1:])
                    )
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
            column_of = self.column_of
            for positions, table in self.tables:
                if len(positions) == 1:
                    values = ((value,) for value in columns[positions[0]])
                else:
                    values = zip(*(columns[position] for position in positions), strict=True)
                for i, value in enumerate(values):
                    for rule, key_id, size, predicates, rest in table.get(value, ()):
                        if i + size > length:
                            continue
                        if predicates and not all(
                            predicate(columns[column_of[name]][i]) for name, predicate in predicates
                        ):
                            continue
                        if all(
                            self._passes(columns, i + 1 + k, test) for k, test in enumerate(rest)
                        ):
                            matches.add((rule, key_id, i, i + size))
        if len(self.rest):
            strings = self.strings
            matches.update(
                (int(strings[key_id]), key_id, start, end)
                for key_id, start, end in self.rest(doc, allow_missing=True, as_spans=False)
            )
        return sorted(matches)
