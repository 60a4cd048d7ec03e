"""Score statement extraction against PolNeAR (brat) folders or the demo corpus gold.json.

A predicted statement matches a gold one when their content tokens overlap by at least half of
the longer of the two (greedy one-to-one, best overlap first). On matched pairs we count how
often the speaker (source) and the cue are right; on the demo gold also the kind, the stance and
the nesting. PolNeAR is univocal (each token belongs to at most one attribution), so statements
we nest inside another are not scored against it, and statements sharing one cue and speaker
mention (a quote interrupted by its attribution) are scored as one attribution, as PolNeAR has it.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from crosswire.evaluate import article_key, clipped, print_error_lines, read_demo
from crosswire.records import Article, Span, Statement

MIN_OVERLAP = 0.5
WORD = re.compile(r"\w+")
QUOTE_MARKS = '"\u201c\u201d\u00ab\u00bb\u201e'
REPO = Path(__file__).resolve().parents[2]
DEFAULT_GOLD = REPO / "demo" / "gold.json"
SCORED_POLNEAR_TYPES = {"Attribution", "Attribution-no-source"}


@dataclass
class GoldStatement:
    """One gold attribution: content fragments, and what is known of speaker, cue and kind."""

    id: str
    article_id: str
    content: list[Span]
    speaker: list[Span] = field(default_factory=list)
    speaker_names: set[str] = field(default_factory=set)
    cue: list[Span] = field(default_factory=list)
    cue_text: str | None = None
    stance: str | None = None
    kind: str | None = None
    nested_in: str | None = None
    has_source: bool = True


# ---------------------------------------------------------------- scoring


def _tokens(spans: Iterable[Span | None]) -> set[tuple[int, int]]:
    """Return the word tokens of spans as character ranges in the article."""
    tokens = set()
    for span in spans:
        if span is None:
            continue
        for match in WORD.finditer(span.text):
            tokens.add((span.start + match.start(), span.start + match.end()))
    return tokens


def _overlap(a: set[tuple[int, int]], b: set[tuple[int, int]]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / max(len(a), len(b))


def _spans_touch(a: Span | None, b: Iterable[Span]) -> bool:
    return a is not None and any(a.start < other.end and other.start < a.end for other in b)


def _normal(name: str | None) -> str:
    return " ".join(WORD.findall((name or "").lower()))


def speaker_is_right(predicted: Statement, gold: GoldStatement) -> bool:
    """Accept the speaker when the mention overlaps gold's, or the resolved name is gold's."""
    if _spans_touch(predicted.speaker, gold.speaker):
        return True
    names = {_normal(n) for n in gold.speaker_names if n}
    mine = {_normal(predicted.speaker_name), _normal(predicted.speaker and predicted.speaker.text)}
    mine.discard("")
    if names & mine:
        return True
    surnames = {n.split()[-1] for n in mine if n}
    gold_words = {w for n in names for w in n.split()}
    return bool(surnames & gold_words) and predicted.speaker_type in {"PERSON", None}


def cue_is_right(predicted: Statement, gold: GoldStatement) -> bool:
    """Accept the cue when it overlaps gold's cue span, or contains gold's cue text."""
    if predicted.cue is None:
        return False
    if gold.cue:
        return _spans_touch(predicted.cue, gold.cue)
    wanted = _normal(gold.cue_text)
    found = _normal(predicted.cue.text)
    return bool(wanted) and (wanted in found or found in wanted)


def _attributions(predicted: list[Statement]) -> list[tuple[Statement, list[Span]]]:
    """Group statements that share cue and speaker mention: one attribution in PolNeAR's sense.

    ``"First part," she said. "Second part."`` is two statements for crosswire and one
    attribution with two content fragments for PolNeAR.
    """
    groups: dict[tuple[Any, ...], tuple[Statement, list[Span]]] = {}
    for p in predicted:
        key = (p.article_id, p.cue and (p.cue.start, p.cue.end), p.speaker and p.speaker.start)
        if p.cue is None:
            key = (p.article_id, p.id)
        if key in groups:
            groups[key][1].append(p.content)
        else:
            groups[key] = (p, [p.content])
    return list(groups.values())


def _match(
    predicted: list[Statement], gold: list[GoldStatement], *, grouped: bool = False
) -> list[tuple[Statement, GoldStatement]]:
    """Pair predictions with gold statements one-to-one, best content overlap first."""
    candidates = []
    gold_tokens = [(g, _tokens(g.content)) for g in gold]
    units = _attributions(predicted) if grouped else [(p, [p.content]) for p in predicted]
    for p, contents in units:
        p_tokens = _tokens(contents)
        for g, g_tokens in gold_tokens:
            if g.article_id != p.article_id:
                continue
            score = _overlap(p_tokens, g_tokens)
            if score >= MIN_OVERLAP:
                candidates.append((score, id(p), id(g), p, g))
    candidates.sort(key=lambda c: -c[0])
    used_p: set[int] = set()
    used_g: set[int] = set()
    pairs = []
    for _, pid, gid, p, g in candidates:
        if pid in used_p or gid in used_g:
            continue
        used_p.add(pid)
        used_g.add(gid)
        pairs.append((p, g))
    return pairs


def _ratio(right: int, total: int) -> float | None:
    return right / total if total else None


def score_statements(
    predicted: list[Statement], gold: list[GoldStatement], *, univocal: bool = False
) -> dict[str, Any]:
    """Score predictions against gold: content P/R/F1, speaker, cue, stance, kind and nesting.

    With ``univocal`` (PolNeAR), predictions nested in another prediction are not scored, and
    predictions sharing cue and speaker mention count as one attribution with several fragments.
    """
    if univocal:
        predicted = [p for p in predicted if p.nested_in is None]
    pairs = _match(predicted, gold, grouped=univocal)
    true_positives = len(pairs)
    units = len(_attributions(predicted)) if univocal else len(predicted)
    precision = true_positives / units if units else 0.0
    recall = true_positives / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    with_source = [(p, g) for p, g in pairs if g.has_source]
    gold_to_predicted = {g.id: p for p, g in pairs}
    matched_gold = {g.id for _, g in pairs}
    misses = Counter(g.kind or "unknown" for g in gold if g.id not in matched_gold)
    totals = Counter(g.kind or "unknown" for g in gold)
    with_stance = [(p, g) for p, g in pairs if g.stance]
    with_kind = [(p, g) for p, g in pairs if g.kind and not univocal]
    nesting = [(p, g) for p, g in pairs if not univocal]
    return {
        "predicted": units,
        "gold": len(gold),
        "matched": true_positives,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "speaker_accuracy": _ratio(
            sum(speaker_is_right(p, g) for p, g in with_source), len(with_source)
        ),
        "speaker_scored": len(with_source),
        "cue_accuracy": _ratio(sum(cue_is_right(p, g) for p, g in pairs), len(pairs)),
        "stance_accuracy": _ratio(
            sum(p.cue_stance == g.stance for p, g in with_stance), len(with_stance)
        ),
        "kind_accuracy": _ratio(sum(p.kind == g.kind for p, g in with_kind), len(with_kind)),
        "nesting_accuracy": _ratio(
            sum(_nesting_is_right(p, g, gold_to_predicted) for p, g in nesting), len(nesting)
        ),
        "misses_by_kind": dict(misses),
        "gold_by_kind": dict(totals),
    }


def _where(spans: Iterable[Span]) -> str:
    return ",".join(f"{span.start}-{span.end}" for span in spans)


def attribution_errors(
    predicted: list[Statement],
    gold: list[GoldStatement],
    names: dict[str, str],
    *,
    univocal: bool = False,
) -> list[str]:
    """Describe the errors behind ``score_statements`` as printable lines, in article order.

    ``missed``: a gold attribution no prediction matches (its kind and cue, and its content);
    ``false``: a prediction that matches no gold attribution, ``boundary`` when its content
    overlaps some gold content too little, ``spurious`` when it overlaps none. ``names`` says
    what to call each article; each line gives the content's character offsets in it.
    """
    if univocal:
        predicted = [p for p in predicted if p.nested_in is None]
    pairs = _match(predicted, gold, grouped=univocal)
    matched_predictions = {id(p) for p, _ in pairs}
    matched_gold = {id(g) for _, g in pairs}
    rows: list[tuple[str, int, str]] = []
    for g in gold:
        if id(g) not in matched_gold and g.content:
            cue = " ".join(span.text for span in g.cue) or g.cue_text or "-"
            text = " … ".join(span.text for span in g.content)
            name = names.get(g.article_id, g.article_id)
            line = (
                f"missed  {name}:{_where(g.content)} [{g.kind or '-'}] cue {cue!r} {clipped(text)}"
            )
            rows.append((name, g.content[0].start, line))
    units = _attributions(predicted) if univocal else [(p, [p.content]) for p in predicted]
    gold_tokens = [(g, _tokens(g.content)) for g in gold]
    for p, contents in units:
        if id(p) in matched_predictions:
            continue
        tokens = _tokens(contents)
        touching = any(
            g.article_id == p.article_id and tokens & g_tokens for g, g_tokens in gold_tokens
        )
        cue = p.cue.text if p.cue else "-"
        text = " … ".join(span.text for span in contents)
        name = names.get(p.article_id, p.article_id)
        reason = "boundary" if touching else "spurious"
        line = f"false   {name}:{_where(contents)} [{p.kind}, {reason}] cue {cue!r} {clipped(text)}"
        rows.append((name, contents[0].start, line))
    rows.sort(key=lambda row: (row[0], row[1], row[2]))
    return [line for _, _, line in rows]


def _nesting_is_right(
    predicted: Statement, gold: GoldStatement, gold_to_predicted: dict[str, Statement]
) -> bool:
    if gold.nested_in is None:
        return predicted.nested_in is None
    host = gold_to_predicted.get(gold.nested_in)
    return host is not None and predicted.nested_in == host.id


# ---------------------------------------------------------------- PolNeAR (brat)


def _fragments(text: str, offsets: str) -> list[Span]:
    spans = []
    for part in offsets.split(";"):
        start, end = (int(x) for x in part.split())
        spans.append(Span.of(text, start, end))
    return spans


def read_brat_annotations(text: str, ann: str, article_id: str) -> list[GoldStatement]:
    """Read PolNeAR attributions (T Source/Cue/Content lines linked by E lines) from one .ann file."""
    spans: dict[str, tuple[str, list[Span]]] = {}
    links = []
    for line in ann.splitlines():
        parts = line.split("\t")
        if line.startswith("T") and len(parts) >= 2:
            label, _, offsets = parts[1].partition(" ")
            spans[parts[0]] = (label, _fragments(text, offsets))
        elif line.startswith("E") and len(parts) >= 2:
            links.append((parts[0], parts[1].split()))
    gold = []
    for event_id, roles in links:
        kind_and_anchor, *arguments = roles
        attribution_type = kind_and_anchor.split(":")[0]
        if attribution_type not in SCORED_POLNEAR_TYPES:
            continue
        found: dict[str, list[Span]] = {}
        for argument in arguments:
            role, _, ref = argument.partition(":")
            if ref in spans:
                found.setdefault(role, []).extend(spans[ref][1])
        if not found.get("Content"):
            continue
        source = found.get("Source", [])
        gold.append(
            GoldStatement(
                id=f"{article_id}:{event_id}",
                article_id=article_id,
                content=found["Content"],
                speaker=source,
                speaker_names={s.text for s in source},
                cue=found.get("Cue", []),
                kind=_polnear_kind(found["Content"], found.get("Cue", []), bool(source)),
                has_source=bool(source),
            )
        )
    return gold


def _polnear_kind(content: list[Span], cue: list[Span], has_source: bool) -> str:
    """Name the kind of a PolNeAR attribution for reporting misses (PolNeAR has no kinds)."""
    if not has_source:
        return "no-source"
    text = " ".join(s.text for s in content).strip(" .,")
    marks = sum(text.count(m) for m in QUOTE_MARKS)
    if marks and text[:1] in QUOTE_MARKS and text.rstrip(".,")[-1:] in QUOTE_MARKS and marks <= 2:
        return "direct"
    if marks:
        return "partial"
    cue_text = " ".join(s.text for s in cue).lower()
    if cue_text.startswith("according") or cue_text in {":", "in", "for", "of", "to"}:
        return "phrase"
    if any(word in cue_text for word in ("think", "believ", "want", "hope", "expect", "fear")):
        return "belief"
    if any(word in cue_text for word in ("found", "show", "poll", "find")):
        return "finding"
    return "indirect"


def read_polnear(
    split_dir: Path, limit: int | None = None
) -> list[tuple[Article, list[GoldStatement]]]:
    """Read a PolNeAR split folder: text/*.txt with attributions/<name>_<annotator>.ann.

    Where several annotators annotated a text, the alphabetically first annotator is used.
    """
    text_dir, ann_dir = split_dir / "text", split_dir / "attributions"
    if not text_dir.is_dir() or not ann_dir.is_dir():
        raise FileNotFoundError(
            f"{split_dir}: expected text/ and attributions/ folders (PolNeAR layout)"
        )
    items = []
    for text_path in sorted(text_dir.glob("*.txt")):
        annotations = sorted(ann_dir.glob(f"{text_path.stem}_*.ann"))
        if not annotations:
            continue
        text = text_path.read_text(encoding="utf-8")
        article = Article(id=text_path.stem, text=text, source_path=str(text_path))
        gold = read_brat_annotations(text, annotations[0].read_text(encoding="utf-8"), article.id)
        items.append((article, gold))
        if limit and len(items) >= limit:
            break
    return items


# ---------------------------------------------------------------- demo gold.json


def _locate(text: str, needle: str, occurrence: int = 1) -> int:
    start = -1
    for _ in range(occurrence):
        start = text.find(needle, start + 1)
        if start < 0:
            return -1
    return start


def read_demo_gold(gold_path: Path) -> list[tuple[Article, list[GoldStatement]]]:
    """Read demo/gold.json and the corpus beside it (via ``crosswire.ingest.read_paths``)."""
    data, articles = read_demo(gold_path)
    aliases: dict[str, set[str]] = {}
    for entity in data.get("entities", []):
        aliases[entity["name"]] = {entity["name"], *entity.get("surface_forms", [])}
    by_article: dict[str, list[GoldStatement]] = {key: [] for key in articles}
    for item in data.get("statements", []):
        if item.get("kind") == "narrator":
            continue
        article = articles.get(item["article"])
        if article is None:
            raise ValueError(
                f"{gold_path}: statement {item['id']} names unknown article {item['article']!r}"
            )
        start = _locate(article.text, item["content"], int(item.get("occurrence", 1)))
        if start < 0:
            raise ValueError(f"{gold_path}: content of {item['id']} is not in {item['article']}")
        speaker = item.get("speaker")
        by_article[item["article"]].append(
            GoldStatement(
                id=item["id"],
                article_id=article.id,
                content=[Span.of(article.text, start, start + len(item["content"]))],
                speaker_names=aliases.get(speaker, {speaker}) if speaker else set(),
                cue_text=item.get("cue"),
                stance=item.get("stance"),
                kind=item.get("kind"),
                nested_in=item.get("nested_in"),
                has_source=bool(speaker),
            )
        )
    return [(articles[key], gold) for key, gold in by_article.items()]


# ---------------------------------------------------------------- training the candidate scorer


@dataclass
class RuleFindings:
    """What the rules find in one parsed article, and the candidates they leave for the scorer."""

    lexicon: Any
    quotes: list[Any]
    found: list[Any]  # Attribution
    candidates: list[Any]  # Candidate


def find_with_rules(doc: Any, article: Article) -> RuleFindings:
    """Run the rules and list the candidates once, for all three scorers' training rows."""
    from crosswire.statements import (
        find_candidates,
        find_quotes,
        find_rule_attributions,
        load_cue_lexicon,
    )

    lexicon = load_cue_lexicon()
    quotes = find_quotes(article.text)
    found = find_rule_attributions(doc, quotes, lexicon)
    return RuleFindings(lexicon, quotes, found, find_candidates(doc, quotes, lexicon, found))


def scorer_training_rows(
    doc: Any, article: Article, gold: list[GoldStatement], findings: RuleFindings | None = None
) -> list[tuple[list[str], bool]]:
    """Label the candidates the rules leave for the scorer: right when its content matches gold."""
    findings = findings or find_with_rules(doc, article)
    gold_tokens = [_tokens(g.content) for g in gold]
    rows = []
    for candidate in findings.candidates:
        content = Span.of(article.text, *candidate.attribution.content)
        tokens = _tokens([content])
        right = any(_overlap(tokens, wanted) >= MIN_OVERLAP for wanted in gold_tokens)
        rows.append((candidate.features, right))
    return rows


def rule_training_rows(
    doc: Any, article: Article, gold: list[GoldStatement], findings: RuleFindings | None = None
) -> list[tuple[list[str], bool]]:
    """Label what the rules find: right when its content (with its sibling fragments) matches gold."""
    from crosswire.statements import rule_features

    findings = findings or find_with_rules(doc, article)
    groups: dict[tuple[Any, ...], list[Span]] = {}
    for a in findings.found:
        key = (a.cue, a.speaker and a.speaker[0])
        groups.setdefault(key, []).append(Span.of(article.text, *a.content))
    gold_tokens = [_tokens(g.content) for g in gold]
    rows = []
    for a in findings.found:
        tokens = _tokens(groups[(a.cue, a.speaker and a.speaker[0])])
        right = any(_overlap(tokens, wanted) >= MIN_OVERLAP for wanted in gold_tokens)
        rows.append((rule_features(doc, a, findings.lexicon, findings.quotes), right))
    return rows


def boundary_training_rows(
    doc: Any, article: Article, gold: list[GoldStatement], findings: RuleFindings | None = None
) -> list[tuple[list[str], bool]]:
    """Label the cut points of contents that report a gold attribution: right once gold has ended.

    A point before gold's last word is wrong (cutting there loses what was said); the first
    point after it is right; later points are left out, since content is cut at the first point
    the scorer finds likely. Contents found by the rules and the candidates the rules leave are
    both used, each only against the gold attribution whose cue it shares.
    """
    from crosswire.statements import content_cut_points, cut_point_features, shape_contents

    findings = findings or find_with_rules(doc, article)
    quotes = findings.quotes
    # shaped as extraction shapes chosen candidates; copies, so the candidates' rows are unchanged
    candidates = [replace(c.attribution) for c in findings.candidates]
    shape_contents(doc, candidates, quotes)
    rows = []
    for attribution in findings.found + candidates:
        if attribution.kind == "direct":
            continue
        reported = _reported_word_starts(article, attribution.cue, attribution.content, gold)
        if not reported:
            continue
        for point in content_cut_points(doc, attribution, quotes):
            right = all(start < point.idx for start in reported)
            rows.append((cut_point_features(doc, attribution, point), right))
            if right:
                break
    return rows


def _reported_word_starts(
    article: Article, cue: tuple[int, int], content: tuple[int, int], gold: list[GoldStatement]
) -> list[int]:
    """Return where the words of the gold content with this cue start, in the fragments it overlaps.

    Empty when no gold attribution has this cue or its content shares no word with ours.
    """
    cue_span = Span.of(article.text, *cue)
    ours = _tokens([Span.of(article.text, *content)])
    for statement in gold:
        if not _spans_touch(cue_span, statement.cue):
            continue
        words = [_tokens([fragment]) for fragment in statement.content]
        reported = set().union(*(w for w in words if w & ours))
        if reported:
            return sorted(start for start, _ in reported)
    return []


def fit_scorer(
    rows: list[tuple[list[str], bool]], *, regularisation: float = 0.3, min_count: int = 3
) -> dict[str, Any]:
    """Fit a logistic regression on candidate features; return its weights as plain numbers.

    Features seen fewer than ``min_count`` times are dropped so that the weights file holds
    only words and labels common in the training split, never article text.
    """
    from sklearn.linear_model import LogisticRegression

    counts = Counter(f for features, _ in rows for f in set(features))
    vocabulary = sorted(f for f, n in counts.items() if n >= min_count)
    column = {f: i for i, f in enumerate(vocabulary)}
    from scipy.sparse import csr_matrix

    data, indices, pointers = [], [], [0]
    for features, _ in rows:
        present = sorted({column[f] for f in features if f in column})
        indices.extend(present)
        data.extend([1.0] * len(present))
        pointers.append(len(indices))
    matrix = csr_matrix((data, indices, pointers), shape=(len(rows), len(vocabulary)))
    labels = [int(right) for _, right in rows]
    model = LogisticRegression(C=regularisation, max_iter=2000)
    model.fit(matrix, labels)
    weights = {
        f: round(float(w), 4)
        for f, w in zip(vocabulary, model.coef_[0], strict=True)
        if abs(w) >= 1e-3
    }
    return {"bias": round(float(model.intercept_[0]), 4), "weights": weights}


# ---------------------------------------------------------------- running


def evaluate_items(
    items: list[tuple[Article, list[GoldStatement]]],
    *,
    univocal: bool,
    nlp: Any = None,
    docs: Iterable[Any] | None = None,
    scorers: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[Statement]]:
    """Parse the articles (unless ``docs`` are given), extract statements and score them.

    ``scorers`` replaces the learned scorers of the weights file (see ``extract_statements``).
    """
    from crosswire.parse import parse_articles
    from crosswire.statements import extract_statements

    if docs is None:
        docs = (doc for _, doc in parse_articles((article for article, _ in items), nlp))
    predicted: list[Statement] = []
    gold: list[GoldStatement] = []
    for doc, (article, _) in zip(docs, items, strict=True):
        predicted.extend(extract_statements(doc, article, scorers=scorers))
    for _, statements in items:
        gold.extend(statements)
    return score_statements(predicted, gold, univocal=univocal), predicted


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_scores(console: Any, title: str, scores: dict[str, Any], seconds: float) -> None:
    """Print one score table and the misses by kind."""
    from rich.table import Table

    table = Table(title=title)
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key in ("gold", "predicted", "matched"):
        table.add_row(key, str(scores[key]))
    for key in ("precision", "recall", "f1"):
        table.add_row(f"content {key}", _percent(scores[key]))
    table.add_row(
        f"speaker accuracy (of {scores['speaker_scored']} with a source)",
        _percent(scores["speaker_accuracy"]),
    )
    for key in ("cue_accuracy", "stance_accuracy", "kind_accuracy", "nesting_accuracy"):
        table.add_row(key.replace("_", " "), _percent(scores[key]))
    table.add_row("seconds", f"{seconds:.1f}")
    console.print(table)
    misses = Table(title="misses by kind")
    misses.add_column("kind")
    misses.add_column("missed", justify="right")
    misses.add_column("gold", justify="right")
    for kind, total in sorted(scores["gold_by_kind"].items()):
        misses.add_row(kind, str(scores["misses_by_kind"].get(kind, 0)), str(total))
    console.print(misses)


def run(paths: list[str], console: Any, limit: int | None = None, errors: int = 0) -> int:
    """Score statement extraction on each gold source and print the results; 0 on success.

    ``errors``: list up to that many missed gold attributions and as many false predictions.
    """
    sources = [Path(p) for p in paths] or [DEFAULT_GOLD]
    status = 0
    for source in sources:
        started = time.perf_counter()
        try:
            if source.is_dir():
                items, univocal = read_polnear(source, limit), True
            else:
                items, univocal = read_demo_gold(source), False
        except (OSError, ValueError, RuntimeError) as error:
            console.print(f"[red]cannot score {source}: {error}[/red]")
            status = 1
            continue
        scores, predicted = evaluate_items(items, univocal=univocal)
        title = f"statements: {source} ({len(items)} articles)"
        print_scores(console, title, scores, time.perf_counter() - started)
        if errors:
            corpus = source / "text" if source.is_dir() else source.parent / "corpus"
            names = {a.id: article_key(a, corpus) for a, _ in items}
            gold = [g for _, statements in items for g in statements]
            lines = attribution_errors(predicted, gold, names, univocal=univocal)
            print_error_lines(console, "attributions", lines, errors)
    return status


# ---------------------------------------------------------------- training entry point

# Chosen on held-out PolNeAR train articles (the last 210 of 840, scorers fitted on the first
# 630: `python -m crosswire.evaluate.statements held-out ../shared/datasets/polnear/train`),
# never on dev. There F1 moves within noise (0.728-0.731) over rules 0.2-0.5, candidates
# 0.35-0.5 and boundary 0.4-0.5, so those keep their earlier values.
SCORER_THRESHOLDS = {"rules": 0.2, "candidates": 0.5, "boundary": 0.4}
SCORER_SOURCE = (
    "Logistic regressions over parse and lexicon features (no article text), learned by "
    "`python -m crosswire.evaluate.statements train ../shared/datasets/polnear/train` on the "
    "PolNeAR train split only (Newell, Margolin & Ruths 2018); features seen fewer than 3 times "
    "are dropped. `rules` weighs what the rules find, `candidates` what the rules miss, "
    "`boundary` where a reported clause ends."
)


def train_scorers(
    items: list[tuple[Article, list[GoldStatement]]],
    docs: Iterable[Any],
    thresholds: dict[str, float] = SCORER_THRESHOLDS,
) -> dict[str, Any]:
    """Learn the ``rules``, ``candidates`` and ``boundary`` scorers from parsed articles."""
    rows: dict[str, list[tuple[list[str], bool]]] = {name: [] for name in thresholds}
    for doc, (article, gold) in zip(docs, items, strict=True):
        findings = find_with_rules(doc, article)
        rows["rules"].extend(rule_training_rows(doc, article, gold, findings))
        rows["candidates"].extend(scorer_training_rows(doc, article, gold, findings))
        rows["boundary"].extend(boundary_training_rows(doc, article, gold, findings))
    models = {name: fit_scorer(rows[name]) for name in thresholds}
    for name, model in models.items():
        model["threshold"] = thresholds[name]
    return {"source": SCORER_SOURCE, "articles": len(items), "models": models}


def measure_held_out(
    items: list[tuple[Article, list[GoldStatement]]], docs: list[Any], fitted: int
) -> dict[str, Any]:
    """Fit the scorers on the first ``fitted`` articles and score extraction on the others.

    This is where thresholds and features are chosen: on train articles the scorers did not see,
    never on dev. The weights file is left as it is.
    """
    from crosswire.statements import scorers_from_data

    if not 0 < fitted < len(items):
        raise ValueError(f"--fit {fitted}: give a number between 1 and {len(items) - 1}")
    scorers = scorers_from_data(train_scorers(items[:fitted], docs[:fitted]))
    scores, _ = evaluate_items(items[fitted:], univocal=True, docs=docs[fitted:], scorers=scorers)
    return scores


def main(argv: list[str] | None = None) -> int:
    """Train the statement scorers on a PolNeAR split and write their weights file.

    ``held-out`` instead fits them on the split's first ``--fit`` articles and prints the scores
    on the rest, writing nothing: the measurement to choose thresholds and features by.
    """
    import argparse
    import json
    import sys

    from crosswire.parse import parse_articles
    from crosswire.statements import SCORER_FILE

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("command", choices=["train", "held-out"])
    parser.add_argument("split", type=Path, help="a PolNeAR split folder (train, never dev)")
    parser.add_argument("--out", type=Path, default=SCORER_FILE)
    parser.add_argument("--fit", type=int, default=630, help="held-out: articles to fit on")
    args = parser.parse_args(argv)
    if args.split.name == "dev":
        print("refusing to train on dev: dev is for measuring", file=sys.stderr)
        return 2
    items = read_polnear(args.split)
    docs = (doc for _, doc in parse_articles(article for article, _ in items))
    if args.command == "held-out":
        from rich.console import Console

        started = time.perf_counter()
        scores = measure_held_out(items, list(docs), args.fit)
        title = f"statements: {args.split}, fitted on {args.fit}, held out {len(items) - args.fit}"
        print_scores(Console(), title, scores, time.perf_counter() - started)
        return 0
    scorers = train_scorers(items, docs)
    args.out.write_text(json.dumps(scorers, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {args.out} from {len(items)} articles")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
