"""Render what the store holds as one JSON document, a Markdown report or an HTML report.

The JSON document follows ``crosswire/schemas/output.schema.json``; Markdown and HTML are views
of that same document, so every format shows the same items and the same spans.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from crosswire import __version__
from crosswire.records import outlet_label
from crosswire.store import Store

ARTICLE_FIELDS = (
    "id",
    "outlet",
    "date",
    "date_inferred",
    "date_partial",
    "title",
    "source_path",
    "url",
    "language",
    "is_english",
    "dateline",
    "metadata",
    "text",
)


def build_document(store: Store, article_ids: Iterable[str] | None = None) -> dict[str, Any]:
    """Collect the stored analysis, limited to the stories holding ``article_ids`` if given.

    Limited, it reads only those stories' rows, so one story's report costs the same in a
    corpus of any size.
    """
    wanted = None if article_ids is None else set(article_ids)
    story_ids = None if wanted is None else store.story_ids_holding(wanted)
    stories = [s.to_dict() for s in store.stories(story_ids)]
    in_scope = None
    if wanted is not None:
        in_scope = wanted | {a for s in stories for a in s["article_ids"]}
    articles = [
        {name: a.to_dict()[name] for name in ARTICLE_FIELDS} for a in store.articles(in_scope)
    ]
    ids = {a["id"] for a in articles}
    views = store.story_views(story_ids)
    entities = store.entities() if in_scope is None else store.entities_in_articles(ids)
    return {
        "crosswire_version": __version__,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "articles": articles,
        "stories": stories,
        "statements": [s.to_dict() for s in store.statements(ids)],
        "entities": _entities_in_scope(entities, ids),
        "claims": store.claims(story_ids),
        "timeline": store.timeline(story_ids),
        "framing": {k: v["framing"] for k, v in views.items()},
        "summaries": {k: v["summary"] for k, v in views.items()},
    }


def _entities_in_scope(entities: list[dict[str, Any]], ids: set[str]) -> list[dict[str, Any]]:
    kept = []
    for entity in entities:
        mentions = [m for m in entity.get("mentions", []) if m["article_id"] in ids]
        if mentions:
            kept.append({**entity, "mentions": mentions})
    return kept


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)


# --- per-story views shared by Markdown and HTML ----------------------------------------------


def story_views(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Group the document's items by story, in the order a reader wants them."""
    articles = {a["id"]: a for a in document["articles"]}
    statements_by_article: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for statement in document["statements"]:
        statements_by_article[statement["article_id"]].append(statement)
    statements_by_id = {s["id"]: s for s in document["statements"]}
    views = []
    for story in document["stories"]:
        members = [
            {**articles[i], "outlet_label": _outlet(articles[i])}
            for i in story["article_ids"]
            if i in articles
        ]
        members.sort(key=lambda a: (a.get("date") or "", a.get("outlet") or ""))
        outlets = sorted({_outlet(a) for a in members})
        claims = [c for c in document["claims"] if c["story_id"] == story["id"]]
        matrix = claim_matrix(claims, outlets, statements_by_id)
        entities = _story_entities(document["entities"], set(story["article_ids"]))
        framing = document["framing"].get(story["id"], {})
        summary = document["summaries"].get(story["id"], {})
        views.append(
            {
                "story": story,
                "articles": members,
                "outlets": outlets,
                "statements": {a["id"]: statements_by_article[a["id"]] for a in members},
                "claims": claims,
                "matrix": matrix,
                "conflicts": story_conflicts(claims, statements_by_id, articles),
                "timeline": [t for t in document["timeline"] if t.get("story_id") == story["id"]],
                "entities": entities,
                "framing": framing,
                "framing_table": framing_table(framing, outlets),
                "naming": naming_differences(framing, outlets, entities),
                "summary": summary,
                # the summary names claims as the matrix rows do ("X denied: ...")
                "summary_sections": summary_sections(
                    summary, {row["claim"]["id"]: row["label"] for row in matrix}
                ),
            }
        )
    return views


def speaker_of(statement: dict[str, Any]) -> str | None:
    """The speaker's resolved name, else the words that name them in the text."""
    return statement.get("speaker_name") or (statement.get("speaker") or {}).get("text")


def story_conflicts(
    claims: list[dict[str, Any]],
    statements: dict[str, dict[str, Any]],
    articles: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """List a story's numeric and negation conflicts once each, both sides with their spans.

    What a "conflicting" cell stands for: which two statements disagree, who said each, where.
    (Denials show as their own claim rows, "X denied: ...".)
    """
    seen: set[frozenset[str]] = set()
    listed = []
    for claim in claims:
        for conflict in claim.get("conflicts", []):
            pair = frozenset(conflict.get("statements", []))
            sides = [statements.get(i) for i in conflict.get("statements", [])]
            if conflict.get("kind") == "denial" or pair in seen or not all(sides):
                continue
            seen.add(pair)
            listed.append(
                {
                    "kind": conflict["kind"],
                    "sides": [
                        {
                            "statement_id": side["id"],
                            "article_id": side["article_id"],
                            "outlet": _outlet(articles[side["article_id"]]),
                            "speaker": "narrator"
                            if side.get("kind") == "narrator"
                            else speaker_of(side) or "unknown speaker",
                            "span": side["content"],
                        }
                        for side in sides
                    ],
                }
            )
    return listed


def _outlet(article: dict[str, Any]) -> str:
    return outlet_label(article.get("outlet"), article.get("source_path"), article["id"])


# a claim text this short reads as a fragment ("its own", "the suspension") without its cue
SHORT_CLAIM_WORDS = 4


def claim_label(claim: dict[str, Any], statements: dict[str, dict[str, Any]]) -> str:
    """Return the text a claim's row shows: a denial says who denies ("X denied: the claims"),
    and so does a fragment too short to read alone ("Brevania considers: its own")."""
    text = claim.get("text", "")
    said = [statements.get(w.get("statement_id")) for w in claim.get("wordings", [])]
    if not said or not all(said):
        return text
    denial = all(s.get("cue_stance") == "denial" for s in said)
    if not denial and len(text.split()) >= SHORT_CLAIM_WORDS:
        return text
    first = said[0]
    cue = (first.get("cue") or {}).get("text") or ("denied" if denial else "")
    speaker = speaker_of(first)
    if not denial and not (cue and speaker):
        return text
    return f"{speaker or 'someone'} {cue}: {text}"


# What each mark of the claim x outlet matrix says, for the legends of every report
MATRIX_MARKS = {
    "carried": "the outlet's articles state or quote the claim",
    "contested": "carried, and a statement in the story denies the claim (see its denial row)",
    "conflicting": "carried, in a wording another statement in the story contradicts (a count, a "
    "negation: 'no one was hurt' against 'three injured')",
    "omitted": "other outlets carry the claim, this one does not",
}
SOURCES_NOTE = "sources: the distinct original speakers (or outlets, in their own voice) behind it"


def matrix_legend() -> str:
    """One line saying what the matrix marks and its sources column mean."""
    marks = "; ".join(f"{mark}: {meaning}" for mark, meaning in MATRIX_MARKS.items())
    return f"{marks}. {SOURCES_NOTE}."


ARTICLE_DATE_NOTE = "no date in the text: the article's date"


def dated_by_article_only(event: dict[str, Any]) -> bool:
    """Say whether an event's date comes only from its articles' dates, not from its text."""
    evidence = event.get("evidence") or []
    return bool(evidence) and all(e.get("date_basis") == "article date" for e in evidence)


def claim_matrix(
    claims: list[dict[str, Any]],
    outlets: list[str],
    statements: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Mark, for each claim and outlet: carried, omitted, contested, or conflicting.

    Each row's ``label`` is the claim's text, said as a denial where the claim is one.

    "conflicting" marks the outlets whose wordings of the claim another statement contradicts:
    another wording of it (91 drones against 90), or a statement of another claim ("three
    injured" against "no casualties"). A denial paired with the wording it answers (a
    ``denial`` conflict) makes the claim contested instead.
    """
    rows = []
    for claim in claims:
        carried = set(claim.get("outlets", []))
        conflicting = {
            w.get("outlet")
            for conflict in claim.get("conflicts", [])
            if conflict.get("kind") != "denial"
            for w in claim.get("wordings", [])
            if w.get("statement_id") in conflict.get("statements", [])
        }
        cells = {}
        for outlet in outlets:
            if outlet not in carried:
                cells[outlet] = "omitted"
            elif outlet in conflicting:
                cells[outlet] = "conflicting"
            elif claim.get("contested"):
                cells[outlet] = "contested"
            else:
                cells[outlet] = "carried"
        rows.append({"claim": claim, "label": claim_label(claim, statements or {}), "cells": cells})
    return rows


def _story_entities(entities: list[dict[str, Any]], ids: set[str]) -> list[dict[str, Any]]:
    kept = []
    for entity in entities:
        mentions = [m for m in entity.get("mentions", []) if m["article_id"] in ids]
        if mentions:
            kept.append({**entity, "mention_count": len(mentions)})
    kept.sort(key=lambda e: -e["mention_count"])
    return kept


def framing_table(framing: dict[str, Any], outlets: list[str]) -> list[dict[str, Any]]:
    """Set each outlet's framing counts side by side: voice, loaded terms, hedges, cue stances."""
    rows = []
    by_outlet = framing.get("by_outlet", {})
    for outlet in outlets:
        found = by_outlet.get(outlet)
        if not found:
            continue
        stances: Counter[str] = Counter()
        for speaker in found.get("cue_stances", {}).get("by_speaker", {}).values():
            stances.update({k: v for k, v in speaker.get("counts", {}).items() if v})
        rows.append(
            {
                "outlet": outlet,
                "narrator_statements": found.get("narrator_statements", 0),
                "loaded_terms": found.get("loaded_term_counts", {}),
                "loaded_examples": sorted(
                    {t.get("term", "") for t in found.get("loaded_terms", [])}
                ),
                "hedges": found.get("hedge_counts", {}),
                "cue_stances": dict(stances),
                "distinctive_words": [w["word"] for w in found.get("distinctive_words", [])[:8]],
            }
        )
    return rows


def naming_differences(
    framing: dict[str, Any], outlets: list[str], entities: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Entities some outlet names with a loaded frame: each outlet's wordings of them.

    ("Kyiv": TASS "the Kiev regime" (evaluative); another outlet "Kyiv".) An outlet whose
    framing found no naming of the entity shows its spellings of it, from ``entities``.
    """
    forms: dict[str, dict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    for outlet in outlets:
        for naming in framing.get("by_outlet", {}).get(outlet, {}).get("naming_frames", []):
            text = " ".join(naming.get("span", {}).get("text", "").split())
            if text and naming.get("entity"):
                forms[naming["entity"]][outlet].setdefault(text, naming.get("frame") or "neutral")
    spellings = {e["name"]: e.get("spellings_by_outlet", {}) for e in entities or []}
    found = []
    for entity, per_outlet in forms.items():
        if not any(frame != "neutral" for f in per_outlet.values() for frame in f.values()):
            continue
        by_outlet = {}
        for outlet in outlets:
            named = per_outlet.get(outlet) or dict.fromkeys(
                spellings.get(entity, {}).get(outlet, []), "neutral"
            )
            if named:
                by_outlet[outlet] = dict(named)
        found.append({"entity": entity, "by_outlet": by_outlet})
    return found


def summary_sections(
    summary: dict[str, Any], labels: dict[str, str] | None = None, limit: int = 5
) -> list[tuple[str, list[str]]]:
    """The story summary as titled lists of claim lines, most important first.

    ``labels`` gives each claim id the text its matrix row shows ("X denied: ...").
    """
    labels = labels or {}

    def line(claim: dict[str, Any]) -> str:
        text = labels.get(claim.get("id", ""), claim.get("text", ""))
        outlets = ", ".join(claim.get("outlets", []))
        sources = claim.get("independent_sources", 0)
        return f"{shorten(text, 160)} ({outlets}; {sources} source{'s' * (sources != 1)})"

    def first(claims: list[dict[str, Any]]) -> list[str]:
        more = len(claims) - limit
        return [line(c) for c in claims[:limit]] + ([f"... and {more} more"] if more > 0 else [])

    sections = [
        ("Carried by every outlet", first(summary.get("consensus", []))),
        ("Contested", first(summary.get("contested", []))),
        ("Carried by one outlet only", first(summary.get("one_side_only", []))),
    ]
    for outlet, omitted in summary.get("omissions", {}).items():
        sections.append((f"Left out by {outlet} (carried by others)", first(omitted)))
    return [(title, lines) for title, lines in sections if lines]


# --- Markdown -------------------------------------------------------------------------------


def to_markdown(document: dict[str, Any]) -> str:
    """Render a readable per-story report; every statement shows its character offsets."""
    lines = [
        "# crosswire report",
        "",
        f"{len(document['articles'])} articles, {len(document['stories'])} stories, "
        f"{len(document['statements'])} statements, {len(document['claims'])} claims.",
        "",
    ]
    for view in story_views(document):
        lines += _markdown_story(view)
    return "\n".join(lines) + "\n"


def _markdown_story(view: dict[str, Any]) -> list[str]:
    story = view["story"]
    lines = [f"## {story['title']}", "", f"Outlets: {', '.join(view['outlets'])}", ""]
    lines += ["| outlet | date | title | language | article |", "|---|---|---|---|---|"]
    for a in view["articles"]:
        date = (a.get("date") or a.get("date_partial") or "?") + (
            " (inferred)" if a.get("date_inferred") else ""
        )
        copy_of = story.get("duplicates", {}).get(a["id"])
        title = _md(a.get("title") or "") + (f" (copy of {copy_of})" if copy_of else "")
        lines.append(
            f"| {_md(_outlet(a))} | {date} | {title} | {a.get('language') or '?'} | `{a['id']}` |"
        )
    lines.append("")
    if view["matrix"]:
        lines += ["### Claims by outlet", ""]
        lines += ["| claim | sources | " + " | ".join(view["outlets"]) + " |"]
        lines += ["|---|---|" + "---|" * len(view["outlets"])]
        for row in view["matrix"]:
            claim = row["claim"]
            cells = " | ".join(row["cells"][o] for o in view["outlets"])
            lines.append(
                f"| {_md(shorten(row['label']))} | {claim.get('independent_sources', 0)} | {cells} |"
            )
        lines += ["", f"*{_md(matrix_legend())}*", ""]
    if view["conflicts"]:
        lines += ["### Conflicting statements", ""]
        for conflict in view["conflicts"]:
            left, right = (
                f"{side['speaker']} ({side['outlet']}): “{_md(shorten(side['span']['text']))}” "
                f"`[{side['span']['start']}:{side['span']['end']}]`"
                for side in conflict["sides"]
            )
            lines.append(f"- {conflict['kind']}: {left} ↔ {right}")
        lines.append("")
    lines += ["### Who said what", ""]
    for a in view["articles"]:
        found = view["statements"][a["id"]]
        lines.append(f"**{_md(_outlet(a))}** — {len(found)} statements")
        lines.append("")
        for s in found:
            lines.append("- " + _markdown_statement(s))
        lines.append("")
    if view["timeline"]:
        lines += ["### Timeline", ""]
        for event in view["timeline"]:
            outlets = ", ".join(event.get("outlets", []))
            when = f"{event.get('granularity')}"
            if dated_by_article_only(event):
                when += f"; {ARTICLE_DATE_NOTE}"
            lines.append(
                f"- {event.get('date') or '?'} ({when}) "
                f"{event.get('event_type')}: {_md(shorten(event.get('description', '')))} — {outlets}"
            )
        lines.append("")
    if view["entities"]:
        lines += ["### Entities", ""]
        for entity in view["entities"][:30]:
            spellings = "; ".join(
                f"{outlet}: {', '.join(forms)}"
                for outlet, forms in entity.get("spellings_by_outlet", {}).items()
            )
            lines.append(f"- **{_md(entity['name'])}** ({entity['label']}) — {_md(spellings)}")
        lines.append("")
    if view["summary_sections"]:
        lines += ["### Summary", ""]
        for title, entries in view["summary_sections"]:
            lines.append(f"**{_md(title)}**")
            lines += [f"- {_md(entry)}" for entry in entries]
            lines.append("")
    if view["framing"]:
        lines += _markdown_framing(view)
    return lines


def _markdown_framing(view: dict[str, Any]) -> list[str]:
    """Framing as a reader wants it: a table by outlet, loaded naming, how speakers are cued."""
    lines = ["### Framing", ""]
    rows = view["framing_table"]
    if rows:
        lines += [
            "| outlet | own-voice statements | loaded terms | hedges | cue stances |",
            "|---|---|---|---|---|",
        ]
        for row in rows:
            loaded = ", ".join(f"{k} {v}" for k, v in row["loaded_terms"].items() if v)
            if row["loaded_examples"]:
                loaded += f" ({', '.join(row['loaded_examples'][:8])})"
            hedges = ", ".join(f"{k} {v}" for k, v in row["hedges"].items() if v)
            stances = ", ".join(f"{k} {v}" for k, v in row["cue_stances"].items())
            lines.append(
                f"| {_md(row['outlet'])} | {row['narrator_statements']} | {_md(loaded) or '—'} "
                f"| {hedges or '—'} | {stances or '—'} |"
            )
        lines.append("")
    naming = view["naming"]
    if naming:
        lines += ["**How outlets name**", ""]
        for entry in naming:
            forms = "; ".join(
                f"{outlet}: "
                + ", ".join(
                    f"“{text}”" + (f" ({frame})" if frame != "neutral" else "")
                    for text, frame in found.items()
                )
                for outlet, found in entry["by_outlet"].items()
            )
            lines.append(f"- {_md(entry['entity'])} — {_md(forms)}")
        lines.append("")
    asymmetries = view["framing"].get("cue_asymmetries", [])
    if asymmetries:
        lines += ["**How outlets introduce the same speakers**", ""]
        lines += [f"- {_md(a.get('message', ''))}" for a in asymmetries]
        lines.append("")
    return lines


def _markdown_statement(s: dict[str, Any]) -> str:
    speaker = speaker_of(s) or "?"
    cue = (s.get("cue") or {}).get("text") or "—"
    content = s["content"]
    nested = " (nested)" if s.get("nested_in") else ""
    return (
        f"{_md(speaker)} — *{_md(cue)}* [{s.get('cue_stance') or 'none'}], {s['kind']}{nested}: "
        f"“{_md(shorten(content['text'], 240))}” `[{content['start']}:{content['end']}]`"
    )


def _md(text: str) -> str:
    """Keep text literal in Markdown: no table breaks, no raw HTML."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def shorten(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- HTML -----------------------------------------------------------------------------------


def to_html(document: dict[str, Any]) -> str:
    """Render the report as one self-contained, escaped HTML page."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("crosswire", "templates"), autoescape=select_autoescape(["html"])
    )
    env.filters["highlight"] = highlight_article
    env.filters["short"] = shorten
    env.filters["pretty"] = lambda data: json.dumps(data, indent=1, ensure_ascii=False)
    env.tests["dated_by_article_only"] = dated_by_article_only
    return env.get_template("report.html").render(
        document=document,
        views=story_views(document),
        legend=matrix_legend(),
        article_date_note=ARTICLE_DATE_NOTE,
    )


def highlight_article(article: dict[str, Any], statements: list[dict[str, Any]]) -> str:
    """Return the article text as escaped HTML with statement, speaker and cue spans marked."""
    from markupsafe import Markup

    text = article["text"]
    marks: list[tuple[int, int, str, str]] = []  # start, end, css class, statement id
    for s in statements:
        marks.append((s["content"]["start"], s["content"]["end"], f"content {s['kind']}", s["id"]))
        for part in ("speaker", "cue"):
            if s.get(part):
                marks.append((s[part]["start"], s[part]["end"], part, s["id"]))
    bounds = sorted({0, len(text)} | {m[0] for m in marks} | {m[1] for m in marks})
    pieces = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        covering = [m for m in marks if m[0] <= start and end <= m[1]]
        chunk = html.escape(text[start:end]).replace("\n\n", "<br><br>")
        if not covering:
            pieces.append(chunk)
            continue
        classes = " ".join(sorted({c for m in covering for c in m[2].split()}))
        sid = covering[-1][3]
        pieces.append(
            f'<span class="{classes}" data-statement="{html.escape(sid)}" '
            f'data-span="{start}:{end}">{chunk}</span>'
        )
    return Markup("".join(pieces))
