"""Score claim grouping on the demo gold, and tell contesting from carrying bodies on FNC-1.

Demo gold: the gold statements (narrator assertions included) are given to ``group_claims``
with the gold stories and the gold entities (a mention at each occurrence of a form the gold
lists for one entity only), so the score measures grouping alone; the pairwise scores with the
entities crosswire finds itself, and without entities, show what resolved mentions add. Pairwise precision, recall and F1
count pairs of gold statements that share a gold claim (a statement may sit in several gold
claims) against pairs that share a predicted claim; contestation and independent-source counts
are compared on the predicted claim holding most of each gold claim's statements (on a tie, the
one ``group_claims`` lists first).

FNC-1: a body that contests the headline's claim (``disagree``) is told apart from one that
carries (``agree``) or reports it (``discuss``) by the pipeline itself: the headline is a claim
stated by its own outlet, the body goes through the per-article stages, ``group_claims`` groups
both, and the body's statements decide (``pipeline_stance``). A keyword baseline that the
pipeline does not use (``contest_stance``: denial cues, debunking terms, hedges in sentences
sharing a word with the headline) is scored on the same pairs, to show what is left to gain.
"""

from __future__ import annotations

import csv
import random
import re
from collections import Counter, defaultdict
from importlib import resources
from itertools import combinations
from pathlib import Path
from typing import Any

from crosswire.evaluate import (
    article_key,
    clipped,
    print_error_lines,
    print_scores,
    read_demo,
    score_sources,
)
from crosswire.records import Article, Entity, Mention, Span, Statement, Story

REPO = Path(__file__).resolve().parents[2]
DEFAULT_GOLD = REPO / "demo" / "gold.json"
DEFAULT_FNC1 = REPO.parent / "shared" / "datasets" / "fnc1-train"
FNC1_LABELS = ("agree", "disagree", "discuss")
SAMPLE_PER_LABEL = 200
_WORD = re.compile(r"[a-z0-9']+")


# ---------------------------------------------------------------- FNC-1 contestation


def _data_rows(name: str) -> list[list[str]]:
    text = resources.files("crosswire.data").joinpath(name).read_text("utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    return rows[1:]


def _stems(words: list[str]) -> list[str]:
    """Cut a lemma to a prefix that also matches its inflections (deny → den: denied, denies)."""
    stems = []
    for word in words:
        if word.endswith("y") or word.endswith("e"):
            word = word[:-1]
        stems.append(word)
    return stems


def load_stance_terms() -> dict[str, list[str]]:
    """Return denial, debunking and hedging terms (as prefixes) from crosswire/data."""
    denial = [row[0] for row in _data_rows("cues.tsv") if len(row) > 1 and row[1] == "denial"]
    distancing = [
        row[0]
        for row in _data_rows("cues.tsv")
        if len(row) > 1 and row[1] in ("distancing", "hedged") and " " not in row[0]
    ]
    hedges = [row[0] for row in _data_rows("hedges.tsv") if len(row) > 1 and row[1] == "hedge"]
    return {
        "contest": _stems(denial) + [row[0] for row in _data_rows("contest_terms.tsv")],
        "report": _stems(distancing) + hedges,
    }


def _mentions_any(text: str, prefixes: list[str]) -> bool:
    return any(re.search(rf"\b{re.escape(prefix)}", text) for prefix in prefixes)


def contest_stance(headline: str, body: str, terms: dict[str, list[str]] | None = None) -> str:
    """Say whether a body contests (disagree), reports (discuss) or carries (agree) a headline.

    Only sentences sharing a word with the headline count. Contest: one uses a denial or
    debunking term. Report: they relay the claim with distancing cues or hedges. Else the body
    carries it. (Options were compared on a sample drawn with seed 1; ``run`` reports seed 0.)
    """
    terms = terms or load_stance_terms()
    headline_words = {w for w in _WORD.findall(headline.lower()) if len(w) > 3}
    about_headline = [
        sentence
        for sentence in re.split(r"(?<=[.!?])\s+", body.lower())
        if headline_words & set(_WORD.findall(sentence))
    ]
    if any(_mentions_any(sentence, terms["contest"]) for sentence in about_headline):
        return "disagree"
    if _mentions_any(" ".join(about_headline), terms["report"]):
        return "discuss"
    return "agree"


HEADLINE_ID = "headline"


def pipeline_stance(headline: str, body: Article, body_statements: list[Statement]) -> str:
    """Say what crosswire makes of a body against a headline: disagree, agree or discuss.

    The headline is a claim its own outlet states; the body's statements (attributed ones and
    the narrator's assertions and verdicts, as the per-article stages found them) are grouped
    with it. A body statement contesting the headline's claim: ``disagree``, unless the headline
    itself says no ("No, X was not arrested", "X is a hoax"), which the body's denial agrees
    with; a body wording of the claim that is not distanced or hedged ("claimed",
    "reportedly"): ``agree``; else ``discuss``.
    """
    from crosswire.claims import group_claims, read_propositions
    from crosswire.models import load_nlp

    source = Article(id="h", text=headline, outlet="Headline", language="en")
    claimed = Statement(
        id=HEADLINE_ID,
        article_id=source.id,
        content=Span(0, len(headline), headline),
        kind="narrator",
        speaker_name="Headline",
        speaker_type="OUTLET",
    )
    # read once, as the per-article stage reads an article: for grouping, and for its polarity
    read_propositions(load_nlp()(headline), [claimed])
    says_no = any(p.negates or p.verdict for p in claimed.propositions or [])
    story = Story(
        id="s", title=headline, article_ids=[source.id, body.id], outlets=["Headline", "Body"]
    )
    claims = group_claims([story], [source, body], [claimed, *body_statements], [])
    claim = next(c for c in claims if any(w["statement_id"] == HEADLINE_ID for w in c.wordings))
    by_id = {s.id: s for s in body_statements}
    if any(s in by_id for s in claim.contested_by):
        # a body denying what the headline itself denies ("No, X was not arrested") agrees
        return "agree" if says_no else "disagree"
    carried = [by_id[w["statement_id"]] for w in claim.wordings if w["statement_id"] in by_id]
    if any(s.cue_stance not in ("distancing", "hedged") for s in carried):
        return "agree"
    return "discuss"


def _fnc1_sample(folder: Path, seed: int) -> tuple[dict[str, str], list[dict[str, str]]]:
    with (folder / "train_bodies.csv").open(encoding="utf-8", newline="") as handle:
        bodies = {row["Body ID"]: row["articleBody"] for row in csv.DictReader(handle)}
    with (folder / "train_stances.csv").open(encoding="utf-8", newline="") as handle:
        pairs = [row for row in csv.DictReader(handle) if row["Stance"] in FNC1_LABELS]
    rng = random.Random(seed)
    sample = []
    for label in FNC1_LABELS:
        rows = [row for row in pairs if row["Stance"] == label]
        sample += rng.sample(rows, min(SAMPLE_PER_LABEL, len(rows)))
    return bodies, sample


def _stance_scores(confusion: Counter, total: int) -> tuple[tuple[float, float, float], float]:
    flagged = sum(confusion[g, "disagree"] for g in FNC1_LABELS)
    right = confusion["disagree", "disagree"]
    gold_disagree = sum(confusion["disagree", p] for p in FNC1_LABELS)
    precision = right / flagged if flagged else 0.0
    recall = right / gold_disagree if gold_disagree else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = sum(confusion[g, g] for g in FNC1_LABELS) / total if total else 0.0
    return (precision, recall, f1), accuracy


def _print_confusion(console: Any, title: str, confusion: Counter) -> None:
    console.print(f"{title} (rows gold, columns predicted)")
    console.print("            " + "".join(f"{label:>10}" for label in FNC1_LABELS))
    for gold in FNC1_LABELS:
        cells = "".join(f"{confusion[gold, p]:>10}" for p in FNC1_LABELS)
        console.print(f"  {gold:<10}{cells}")


def score_fnc1_contestation(folder: Path, console: Any, seed: int = 0) -> dict[str, Any]:
    """Classify a balanced sample of related FNC-1 pairs with the pipeline and the keyword
    baseline; print both confusion matrices."""
    from crosswire.parse import parse_articles
    from crosswire.pipeline import annotate_article

    bodies, sample = _fnc1_sample(folder, seed)
    wanted = sorted({row["Body ID"] for row in sample})
    console.print(
        f"FNC-1: reading {len(wanted)} bodies through the per-article stages (about a minute)"
    )
    articles = [
        Article(id=f"body-{i}", text=bodies[i], outlet="Body", language="en") for i in wanted
    ]
    found = {
        article.id: annotate_article(doc, article).statements
        for article, doc in parse_articles(articles)
    }
    by_id = {article.id: article for article in articles}
    terms = load_stance_terms()
    confusion: Counter = Counter()
    baseline: Counter = Counter()
    for row in sample:
        body = by_id[f"body-{row['Body ID']}"]
        confusion[row["Stance"], pipeline_stance(row["Headline"], body, found[body.id])] += 1
        baseline[row["Stance"], contest_stance(row["Headline"], body.text, terms)] += 1
    _print_confusion(
        console, f"FNC-1 stance by the pipeline, {len(sample)} sampled pairs", confusion
    )
    _print_confusion(
        console, "FNC-1 stance by the keyword baseline (not in the pipeline)", baseline
    )
    contested, accuracy = _stance_scores(confusion, len(sample))
    base_contested, base_accuracy = _stance_scores(baseline, len(sample))
    return {
        "contested (disagree) P/R/F1": contested,
        "3-way accuracy": accuracy,
        "keyword baseline: contested (disagree) P/R/F1": base_contested,
        "keyword baseline: 3-way accuracy": base_accuracy,
    }


# ---------------------------------------------------------------- demo gold grouping


def _locate(text: str, needle: str, occurrence: int) -> int:
    start = -1
    for _ in range(occurrence):
        start = text.find(needle, start + 1)
        if start < 0:
            return -1
    return start


def read_demo_claims(
    gold_path: Path,
) -> tuple[list[Article], list[Story], list[Statement], dict[str, Any]]:
    """Read the demo corpus, gold stories and gold statements as crosswire records."""
    data, articles = read_demo(gold_path)
    members: dict[str, list[str]] = defaultdict(list)
    for key, entry in data["articles"].items():
        if key in articles:
            members[entry["story"]].append(key)
    stories = [
        Story(
            id=story_id,
            title=story_id,
            article_ids=[articles[k].id for k in keys],
            # a syndicated copy is linked to its original, as find_duplicates would link it
            duplicates={
                articles[k].id: articles[data["articles"][k]["duplicate_of"]].id
                for k in keys
                if data["articles"][k].get("duplicate_of") in articles
            },
            outlets=list(dict.fromkeys(articles[k].outlet or k for k in keys)),
        )
        for story_id, keys in members.items()
    ]
    statements = []
    for item in data["statements"]:
        article = articles.get(item["article"])
        if article is None:
            continue
        start = _locate(article.text, item["content"], int(item.get("occurrence", 1)))
        if start < 0:
            raise ValueError(f"{gold_path}: content of {item['id']} is not in {item['article']}")
        statements.append(
            Statement(
                id=item["id"],
                article_id=article.id,
                content=Span.of(article.text, start, start + len(item["content"])),
                kind=item.get("kind", "indirect"),
                cue_stance=item.get("stance"),
                speaker_name=item.get("speaker"),
                nested_in=item.get("nested_in"),
            )
        )
    return list(articles.values()), stories, statements, data


def gold_entities(data: dict[str, Any], articles: list[Article]) -> list[Entity]:
    """Return the gold entities with a mention at every whole-word occurrence of their forms.

    A form shared by several gold entities ("the ministry") is left out; where forms overlap,
    the longest wins ("the Velmaran port of Velmarsk" over "Velmarsk").
    """
    owners: dict[str, set[str]] = defaultdict(set)
    for entity in data.get("entities", []):
        for form in {entity["name"], *entity.get("surface_forms", [])}:
            owners[form].add(entity["id"])
    forms = sorted((f for f, ids in owners.items() if len(ids) == 1), key=len, reverse=True)
    mentions: dict[str, list[Mention]] = defaultdict(list)
    label_of = {e["id"]: e["label"] for e in data.get("entities", [])}
    for article in articles:
        taken: list[tuple[int, int]] = []
        for form in forms:
            for found in re.finditer(rf"(?<!\w){re.escape(form)}(?!\w)", article.text):
                start, end = found.span()
                if any(start < e and s < end for s, e in taken):
                    continue
                taken.append((start, end))
                (entity_id,) = owners[form]
                mentions[entity_id].append(
                    Mention(
                        article.id,
                        Span.of(article.text, start, end),
                        label_of[entity_id],
                        entity_id,
                        article.outlet,
                    )
                )
    return [
        Entity(
            id=e["id"],
            name=e["name"],
            label=e["label"],
            aliases=list(e.get("surface_forms", [])),
            mentions=mentions[e["id"]],
        )
        for e in data.get("entities", [])
    ]


def _pair_sets(
    predicted: dict[str, str] | dict[str, set[str]], gold_claims: list[set[str]]
) -> tuple[set[frozenset[str]], set[frozenset[str]]]:
    """Return the gold pairs (two statements sharing a gold claim) and the predicted pairs (two
    statements of some gold claim sharing a predicted label)."""
    scored = set().union(*gold_claims) if gold_claims else set()
    gold_pairs = {frozenset(p) for claim in gold_claims for p in combinations(sorted(claim), 2)}
    by_claim: dict[str, list[str]] = defaultdict(list)
    for statement_id, labels in predicted.items():
        if statement_id in scored:
            for label in [labels] if isinstance(labels, str) else labels:
                by_claim[label].append(statement_id)
    predicted_pairs = {
        frozenset(p) for ids in by_claim.values() for p in combinations(sorted(ids), 2)
    }
    return gold_pairs, predicted_pairs


def pairwise_scores(
    predicted: dict[str, str] | dict[str, set[str]], gold_claims: list[set[str]]
) -> tuple[float, ...]:
    """Return pairwise P, R, F1 of predicted claim labels against (overlapping) gold claims.

    A statement may carry one predicted label or a set of them (it joined several claims);
    a predicted pair is two statements that share a label.
    """
    gold_pairs, predicted_pairs = _pair_sets(predicted, gold_claims)
    right = len(gold_pairs & predicted_pairs)
    precision = right / len(predicted_pairs) if predicted_pairs else 0.0
    recall = right / len(gold_pairs) if gold_pairs else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _natural(identifier: str) -> list[Any]:
    """Sort key that puts "st9" before "st10"."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", identifier)]


def pair_errors(
    predicted: dict[str, str] | dict[str, set[str]], gold_claims: list[set[str]]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return the pairwise errors behind ``pairwise_scores``: the gold pairs no predicted claim
    holds (missed), and the predicted pairs no gold claim holds (false), each pair and each
    list in statement order."""
    gold_pairs, predicted_pairs = _pair_sets(predicted, gold_claims)

    def ordered(pairs: set[frozenset[str]]) -> list[tuple[str, str]]:
        listed = [(left, right) for left, right in (sorted(p, key=_natural) for p in pairs)]
        return sorted(listed, key=lambda pair: (_natural(pair[0]), _natural(pair[1])))

    return ordered(gold_pairs - predicted_pairs), ordered(predicted_pairs - gold_pairs)


def read_articles(
    articles: list[Article], stories: list[Story], statements: list[Statement]
) -> dict[str, list[Entity]]:
    """Parse the articles once, as the per-article stage does: read the statements'
    propositions off the parse, and return the entities crosswire itself finds and links in
    each story, from the story's own mentions as the pipeline's per-story stages link them."""
    from crosswire.claims import read_propositions
    from crosswire.entities import canonicalize_entities, find_mentions
    from crosswire.parse import parse_articles

    said: dict[str, list[Statement]] = defaultdict(list)
    for statement in statements:
        said[statement.article_id].append(statement)
    mentions: dict[str, list[Mention]] = defaultdict(list)
    for article, doc in parse_articles(articles):
        read_propositions(doc, said[article.id])
        mentions[article.id] = find_mentions(doc, article, said[article.id])
    by_id = {a.id: a for a in articles}
    return {
        story.id: canonicalize_entities(
            [by_id[i] for i in story.article_ids],
            [m for i in story.article_ids for m in mentions[i]],
            [s for i in story.article_ids for s in said[i]],
        )
        for story in stories
    }


def _claim_labels(claims: list[Any]) -> dict[str, set[str]]:
    """Return the claims each statement joined."""
    labels: dict[str, set[str]] = defaultdict(set)
    for claim in claims:
        for wording in claim.wordings:
            labels[wording["statement_id"]].add(claim.id)
    return labels


def score_demo_claims(gold_path: Path, errors: list[str] | None = None) -> dict[str, Any]:
    """Group the demo's gold statements into claims and score against the gold claims.

    With ``errors`` (a list), the pairwise errors are appended to it as printable lines.
    """
    from crosswire.claims import group_claims

    articles, stories, statements, data = read_demo_claims(gold_path)
    own_entities = read_articles(articles, stories, statements)
    claims = group_claims(stories, articles, statements, gold_entities(data, articles))
    predicted = _claim_labels(claims)
    gold_claims = [set(c["statements"]) for c in data["claims"]]
    result: dict[str, Any] = {
        "gold claims": len(gold_claims),
        "predicted claims": len(claims),
        "pairwise grouping": pairwise_scores(predicted, gold_claims),
        "pairwise grouping with entities crosswire finds": pairwise_scores(
            _claim_labels(
                [
                    claim
                    for story in stories
                    for claim in group_claims([story], articles, statements, own_entities[story.id])
                ]
            ),
            gold_claims,
        ),
        "pairwise grouping without entities": pairwise_scores(
            _claim_labels(group_claims(stories, articles, statements, [])), gold_claims
        ),
    }
    by_id = {c.id: c for c in claims}
    order = {c.id: index for index, c in enumerate(claims)}
    contested_right = sources_right = 0
    for gold in data["claims"]:
        votes = Counter(c for s in gold["statements"] for c in predicted.get(s, ()))
        if not votes:
            continue
        # ties go to the claim listed first, so the score does not depend on set order
        claim = by_id[max(votes, key=lambda c: (votes[c], -order[c]))]
        contested_right += bool(gold["contested_by"]) == claim.contested
        sources_right += gold["independent_sources"] == claim.independent_sources
    result["contested agrees"] = f"{contested_right}/{len(gold_claims)}"
    result["independent sources exact"] = f"{sources_right}/{len(gold_claims)}"
    result.update(conflicts_found(data.get("conflicts", []), claims))
    if errors is not None:
        corpus = Path(gold_path).parent / "corpus"
        names = {article.id: article_key(article, corpus) for article in articles}
        errors.extend(pair_error_lines(predicted, gold_claims, statements, names))
    return result


def pair_error_lines(
    predicted: dict[str, set[str]],
    gold_claims: list[set[str]],
    statements: list[Statement],
    names: dict[str, str],
) -> list[str]:
    """Describe each pairwise error: missed (gold groups the two, no predicted claim does) or
    false (a predicted claim groups two statements gold keeps apart), with both statements'
    ids, articles (``names``: article id -> what to call it), character offsets and texts, so
    each can be found in its article."""
    by_id = {s.id: s for s in statements}

    def described(statement_id: str) -> str:
        statement = by_id[statement_id]
        span = statement.content
        where = names.get(statement.article_id, statement.article_id)
        return f"{statement_id} {where}:{span.start}-{span.end} {clipped(span.text)}"

    missed, false = pair_errors(predicted, gold_claims)
    return [
        f"{kind}  {described(left)}  ~  {described(right)}"
        for kind, pairs in (("missed", missed), ("false ", false))
        for left, right in pairs
    ]


def conflicts_found(gold: list[dict[str, Any]], claims: list[Any]) -> dict[str, str]:
    """Count the gold conflicts (a pair of statements, numeric or negation) that some claim
    flags, by kind; and those where instead one statement contests the claim holding the other
    (a denial linked to what it denies). The gold lists one or two pairs per conflicting claim,
    not every pair, so this is recall only.

    A claim lists each wording against one wording of each value it contradicts, not every
    pair: a gold pair is found when one claim flags both statements, each against the other's
    value (a count's number, or a negation's wording).
    """
    flagged = {
        frozenset(conflict["statements"]) for claim in claims for conflict in claim.conflicts
    }
    values = _flagged_values(claims)
    contests = {
        frozenset((member["statement_id"], denial))
        for claim in claims
        for denial in claim.contested_by
        for member in claim.wordings
    }
    found: Counter = Counter()
    linked: Counter = Counter()
    total: Counter = Counter()
    for conflict in gold:
        pair = frozenset(conflict["statements"])
        kind = conflict["kind"]
        total[kind] += 1
        hit = pair in flagged or _against_each_other(values, kind, *conflict["statements"])
        found[kind] += hit
        linked[kind] += hit or pair in contests
    result = {}
    for kind in sorted(total):
        result[f"{kind} conflicts found"] = f"{found[kind]}/{total[kind]}"
        result[f"{kind} conflicts found or linked as contesting"] = f"{linked[kind]}/{total[kind]}"
    result["conflicts flagged"] = str(sum(len(c.conflicts) for c in claims))
    return result


def _value_key(kind: str, text: str) -> Any:
    """What a conflict's side says, comparable across wordings: the harmed it counts ("no one
    had been hurt" and "no casualties" alike), a count's number ("three" and "3" alike), or a
    negation side's wording."""
    from crosswire.claims import casualty_counts, find_quantities

    if kind == "numeric":
        harmed = casualty_counts(text)
        if harmed:
            return frozenset((c.value, c.kind) for c in harmed)
        counts = find_quantities(text)
        if counts:
            return counts[0].value
    return text


def _flagged_values(claims: list[Any]) -> dict[tuple[str, str, str], tuple[set, set]]:
    """Return, for each (claim, kind, statement) flagged, the values it gives in those
    conflicts and the values it is flagged against."""
    values: dict[tuple[str, str, str], tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for claim in claims:
        for conflict in claim.conflicts:
            kind = conflict["kind"]
            if kind == "denial" or len(conflict.get("values", ())) != 2:
                continue
            keys = [_value_key(kind, text) for text in conflict["values"]]
            for side in (0, 1):
                own, against = values[(claim.id, kind, conflict["statements"][side])]
                own.add(keys[side])
                against.add(keys[1 - side])
    return values


def _against_each_other(
    values: dict[tuple[str, str, str], tuple[set, set]], kind: str, left: str, right: str
) -> bool:
    """Say whether some claim flags each statement against a value the other gives."""
    for claim_id, flagged_kind, statement in list(values):
        if flagged_kind != kind or statement != left or (claim_id, kind, right) not in values:
            continue
        left_own, left_against = values[(claim_id, kind, left)]
        right_own, right_against = values[(claim_id, kind, right)]
        if left_against & right_own and right_against & left_own:
            return True
    return False


def run(paths: list[str], console: Any, errors: int = 0) -> int:
    """Score claim grouping on demo gold and contestation on FNC-1; 0 on success.

    ``errors``: list up to that many missed and as many false statement pairs of the grouping.
    """

    def score(source: Path) -> None:
        if source.is_dir():
            result = score_fnc1_contestation(source, console)
            print_scores(console, f"claims: FNC-1 contestation {source}", result)
        else:
            lines: list[str] = []
            result = score_demo_claims(source, lines if errors else None)
            print_scores(console, f"claims: grouping on {source} (gold statements)", result)
            print_error_lines(console, "statement pairs", lines, errors)

    return score_sources([Path(p) for p in paths] or [DEFAULT_GOLD, DEFAULT_FNC1], console, score)
