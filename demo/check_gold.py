"""Check demo/gold.json against the demo corpus: every span is in its article, every id resolves.

Run ``python demo/check_gold.py`` (standard library only). Articles are read with crosswire's own
reader (``crosswire.ingest.read_paths``) when it can be imported, otherwise with the simple reader
below; ``--simple`` forces the simple one. Exit status 0 when the gold is consistent, 1 otherwise.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLD = HERE / "gold.json"
CORPUS = HERE / "corpus"

STANCES = {"neutral", "emphatic", "distancing", "denial", "hedged", "belief"}
KINDS = {"direct", "partial", "indirect", "belief", "narrator"}
LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "FAC"}
GRANULARITIES = {"day", "night", "week", "month"}
CONFLICT_KINDS = {"numeric", "negation"}
# The cue sits in the statement's sentence; the speaker may be named a paragraph earlier.
CUE_REACH = 250
SPEAKER_REACH = 500
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

DATE_MARKER = re.compile(r"(?:^|\s)date (\d{4}-\d{2}-\d{2})\s*$")
LEADING_DATE_MARKER = re.compile(r"^\s*date (\d{4}-\d{2}-\d{2})\s+")
MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
CITY = r"[A-Z][A-Z'.-]+(?: [A-Z][A-Z'.-]+)*"
DATELINES = [
    re.compile(rf"^{CITY}, {MONTH} \d{{1,2}}\. /[^/\n]+/\.\s+"),  # DORSK, March 2. /VELNEWS/.
    re.compile(rf"^{CITY}, {MONTH} \d{{1,2}} \([^)\n]+\) [-\u2014\u2013]\s+"),  # X, March 2 (Y) -
    re.compile(rf"^{CITY} \([^)\n]+\) [-\u2014\u2013]\s+"),  # TARNIV (Meridian Wire) —
]


# ---------------------------------------------------------------- the simple reader


def body_of_txt(raw: str) -> str:
    """Strip a leading or trailing ``date YYYY-MM-DD`` marker and the dateline."""
    text = raw.strip()
    text = LEADING_DATE_MARKER.sub("", text, count=1)
    text = DATE_MARKER.sub("", text, count=1).strip()
    for pattern in DATELINES:
        text, found = pattern.subn("", text, count=1)
        if found:
            break
    return text.strip()


class _ParagraphCollector(HTMLParser):
    """Collect the text of <p> elements inside <article> (or anywhere, with ``anywhere``)."""

    def __init__(self, anywhere: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.anywhere = anywhere
        self.in_article = 0
        self.current: list[str] | None = None
        self.paragraphs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "article":
            self.in_article += 1
        elif tag == "p" and (self.in_article or self.anywhere):
            self.current = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self.in_article -= 1
        elif tag == "p" and self.current is not None:
            paragraph = " ".join("".join(self.current).split())
            if paragraph:
                self.paragraphs.append(paragraph)
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.current is not None:
            self.current.append(data)


def paragraphs_of_html(markup: str, anywhere: bool = False) -> str:
    collector = _ParagraphCollector(anywhere=anywhere)
    collector.feed(markup)
    collector.close()
    return "\n\n".join(collector.paragraphs)


def read_simple(corpus: Path) -> dict[str, str]:
    """Read every article of the corpus into {article key: body text}, the simple way."""
    bodies: dict[str, str] = {}
    for path in sorted(p for p in corpus.rglob("*") if p.is_file()):
        key = path.relative_to(corpus).as_posix()
        raw = path.read_text(encoding="utf-8")
        if path.name.endswith(".meta.json"):
            continue
        if path.suffix == ".txt":
            bodies[key] = body_of_txt(raw)
        elif path.suffix in {".html", ".htm"}:
            bodies[key] = paragraphs_of_html(raw)
        elif path.suffix == ".jsonl":
            for number, line in enumerate(raw.splitlines(), start=1):
                if line.strip():
                    bodies[f"{key}#{number}"] = json.loads(line)["text"].strip()
        elif path.suffix == ".xml":
            encoded = "{http://purl.org/rss/1.0/modules/content/}encoded"
            for number, item in enumerate(ElementTree.fromstring(raw).iter("item"), start=1):
                content = item.findtext(encoded) or item.findtext("description") or ""
                bodies[f"{key}#{number}"] = paragraphs_of_html(html.unescape(content), True)
    return bodies


def read_with_crosswire(corpus: Path) -> dict[str, str] | None:
    """Read the corpus with crosswire's own reader; None when it cannot be imported."""
    try:
        from crosswire.ingest import read_paths
        from crosswire.records import Article
    except ImportError:
        return None
    bodies: dict[str, str] = {}
    for item in read_paths([str(corpus)]):
        if not isinstance(item, Article):
            continue
        path, _, number = (item.source_path or "").partition("#")
        try:
            key = Path(path).resolve().relative_to(corpus.resolve()).as_posix()
        except ValueError:
            key = path
        bodies[f"{key}#{number}" if number else key] = item.text
    return bodies


# ---------------------------------------------------------------- the checks


def _count(text: str, needle: str) -> int:
    count, start = 0, text.find(needle)
    while start >= 0:
        count, start = count + 1, text.find(needle, start + 1)
    return count


def _locate(text: str, needle: str, occurrence: int) -> int:
    start = -1
    for _ in range(occurrence):
        start = text.find(needle, start + 1)
        if start < 0:
            return -1
    return start


def _near(text: str, needle: str, start: int, end: int, reach: int) -> bool:
    """Say whether ``needle`` occurs within ``reach`` characters of text[start:end]."""
    window_start = max(0, start - reach)
    return needle in text[window_start : end + reach]


def check_gold(gold: dict, bodies: dict[str, str]) -> list[str]:
    """Return every problem found in the gold: missing articles, spans, ids and bad values."""
    problems: list[str] = []
    articles = gold.get("articles", {})
    for key in articles:
        if key not in bodies:
            problems.append(f"article {key!r} is not in the corpus")
    for key in bodies:
        if key not in articles:
            problems.append(f"corpus article {key!r} has no gold entry")
    for key, info in articles.items():
        if not ISO_DATE.match(info.get("date", "")):
            problems.append(f"article {key!r}: date {info.get('date')!r} is not YYYY-MM-DD")
        for field in ("story", "outlet"):
            if not info.get(field):
                problems.append(f"article {key!r}: no {field}")
    problems += _check_entities(gold, "\n".join(bodies.values()))
    problems += _check_statements(gold, bodies)
    problems += _check_claims(gold)
    problems += _check_timeline(gold, bodies)
    return problems


def _check_entities(gold: dict, corpus_text: str) -> list[str]:
    problems, seen = [], set()
    for entity in gold.get("entities", []):
        if entity["id"] in seen:
            problems.append(f"entity id {entity['id']} is used twice")
        seen.add(entity["id"])
        if entity.get("label") not in LABELS:
            problems.append(f"entity {entity['id']}: label {entity.get('label')!r}")
        if entity["name"] not in entity.get("surface_forms", []):
            problems.append(f"entity {entity['id']}: its name is not among its surface forms")
        for form in entity.get("surface_forms", []):
            if form != entity["name"] and form not in corpus_text:
                problems.append(f"entity {entity['id']}: surface form {form!r} is in no article")
    return problems


def _check_statements(gold: dict, bodies: dict[str, str]) -> list[str]:
    problems: list[str] = []
    ids = [s["id"] for s in gold.get("statements", [])]
    if len(ids) != len(set(ids)):
        problems.append("statement ids are not unique")
    known_ids = set(ids)
    outlets = {info["outlet"] for info in gold.get("articles", {}).values()}
    speakers = {e["name"] for e in gold.get("entities", [])} | outlets
    by_id = {s["id"]: s for s in gold.get("statements", [])}
    for item in gold.get("statements", []):
        where = f"statement {item['id']} ({item.get('article')})"
        text = bodies.get(item.get("article"))
        if text is None:
            problems.append(f"{where}: unknown article")
            continue
        if item.get("kind") not in KINDS:
            problems.append(f"{where}: kind {item.get('kind')!r}")
        if item.get("stance") not in STANCES:
            problems.append(f"{where}: stance {item.get('stance')!r}")
        occurrence = int(item.get("occurrence", 1))
        start = _locate(text, item["content"], occurrence)
        if start < 0:
            problems.append(f"{where}: content not found: {item['content']!r}")
        elif _count(text, item["content"]) > 1 and "occurrence" not in item:
            problems.append(f"{where}: content occurs more than once; say which occurrence")
        for part, reach in (("speaker_mention", SPEAKER_REACH), ("cue", CUE_REACH)):
            value = item.get(part)
            if value is None and item.get("kind") == "narrator":
                continue
            if not value or value not in text:
                problems.append(f"{where}: {part} not found: {value!r}")
            elif start >= 0 and not _near(text, value, start, start + len(item["content"]), reach):
                problems.append(f"{where}: {part} {value!r} is not within {reach} characters")
        if item.get("kind") == "narrator" and item.get("speaker") not in outlets:
            problems.append(f"{where}: a narrator statement's speaker must be an outlet")
        if item.get("kind") != "narrator" and not item.get("speaker"):
            problems.append(f"{where}: no speaker")
        if item.get("speaker") and item["speaker"] not in speakers and item.get("speaker_type"):
            problems.append(f"{where}: speaker {item['speaker']!r} is not an entity or outlet")
        nested = item.get("nested_in")
        if nested is not None:
            if nested not in known_ids:
                problems.append(f"{where}: nested_in {nested} does not exist")
            elif by_id[nested]["article"] != item["article"]:
                problems.append(f"{where}: nested_in {nested} is in another article")
            elif item["content"] not in by_id[nested]["content"]:
                problems.append(f"{where}: content is not inside the content of {nested}")
    return problems


def _check_claims(gold: dict) -> list[str]:
    problems: list[str] = []
    statements = {s["id"]: s for s in gold.get("statements", [])}
    story_of = {key: info["story"] for key, info in gold.get("articles", {}).items()}
    claims = {c["id"]: c for c in gold.get("claims", [])}
    if len(claims) != len(gold.get("claims", [])):
        problems.append("claim ids are not unique")
    for claim in gold.get("claims", []):
        for sid in claim.get("statements", []) + claim.get("contested_by", []):
            if sid not in statements:
                problems.append(f"claim {claim['id']}: statement {sid} does not exist")
            elif story_of.get(statements[sid]["article"]) != claim.get("story"):
                problems.append(f"claim {claim['id']}: statement {sid} is in another story")
        if not isinstance(claim.get("independent_sources"), int):
            problems.append(f"claim {claim['id']}: independent_sources is not a number")
        problems += _check_claim_membership(claim, statements, gold.get("articles", {}))
    for conflict in gold.get("conflicts", []):
        if conflict.get("claim") not in claims:
            problems.append(f"conflict on unknown claim {conflict.get('claim')}")
        if conflict.get("kind") not in CONFLICT_KINDS:
            problems.append(f"conflict on {conflict.get('claim')}: kind {conflict.get('kind')!r}")
        for sid in conflict.get("statements", []):
            if sid not in statements:
                problems.append(f"conflict on {conflict.get('claim')}: no statement {sid}")
    return problems


def _check_claim_membership(claim: dict, statements: dict, articles: dict) -> list[str]:
    """Check a claim's members are distinct, none contests it, and omitted_by follows the rule.

    A claim is one proposition; omitted_by lists the story's outlets that carry neither the
    claim nor a statement contesting it.
    """
    problems: list[str] = []
    members = claim.get("statements", [])
    if len(set(members)) != len(members):
        problems.append(f"claim {claim['id']}: a statement is listed twice")
    for sid in sorted(set(members) & set(claim.get("contested_by", []))):
        problems.append(f"claim {claim['id']}: {sid} both carries and contests it")
    known = [sid for sid in members + claim.get("contested_by", []) if sid in statements]
    carried = {articles.get(statements[sid]["article"], {}).get("outlet") for sid in known}
    outlets = {
        info["outlet"] for info in articles.values() if info.get("story") == claim.get("story")
    }
    expected = sorted(outlets - carried)
    if sorted(claim.get("omitted_by", [])) != expected:
        problems.append(f"claim {claim['id']}: omitted_by should be {expected}")
    return problems


def _check_timeline(gold: dict, bodies: dict[str, str]) -> list[str]:
    problems: list[str] = []
    taken: dict[str, list[tuple[int, int]]] = {}
    for item in gold.get("timeline", []):
        where = f"timeline {item.get('expression')!r} in {item.get('article')}"
        text = bodies.get(item.get("article"))
        if text is None:
            problems.append(f"{where}: unknown article")
            continue
        start = _locate(text, item["expression"], int(item.get("occurrence", 1)))
        if start < 0:
            problems.append(f"{where}: expression not found")
        end = start + len(item["expression"])
        spans = taken.setdefault(item["article"], [])
        if start >= 0 and any(start < e and s < end for s, e in spans):
            problems.append(f"{where}: overlaps another expression; say which occurrence")
        spans.append((start, end))
        if not ISO_DATE.match(item.get("date", "")):
            problems.append(f"{where}: date {item.get('date')!r} is not YYYY-MM-DD")
        if item.get("granularity") not in GRANULARITIES:
            problems.append(f"{where}: granularity {item.get('granularity')!r}")
    return problems


def summary(gold: dict) -> str:
    kinds: dict[str, int] = {}
    for item in gold.get("statements", []):
        kinds[item["kind"]] = kinds.get(item["kind"], 0) + 1
    stories = {info["story"] for info in gold.get("articles", {}).values()}
    outlets = {info["outlet"] for info in gold.get("articles", {}).values()}
    return (
        f"{len(gold.get('articles', {}))} articles, {len(stories)} stories, {len(outlets)} outlets, "
        f"{len(gold.get('entities', []))} entities, {len(gold.get('statements', []))} statements "
        f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}), "
        f"{len(gold.get('claims', []))} claims, {len(gold.get('conflicts', []))} conflicts, "
        f"{len(gold.get('timeline', []))} time expressions"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--simple", action="store_true", help="use the simple reader only")
    args = parser.parse_args(argv)
    gold = json.loads(args.gold.read_text(encoding="utf-8"))
    corpus = args.gold.parent / "corpus"
    bodies = None if args.simple else read_with_crosswire(corpus)
    reader = "crosswire.ingest" if bodies is not None else "the simple reader"
    if bodies is None:
        bodies = read_simple(corpus)
    problems = check_gold(gold, bodies)
    for problem in problems:
        print(problem)
    print(f"{summary(gold)}; read with {reader}; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    sys.exit(main())
