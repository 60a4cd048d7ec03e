"""Assemble what each page of the story explorer shows, from the store and the report views.

These functions return plain dicts: the HTML templates render them and the ``/api`` routes
return them as JSON, so both show the same items and the same spans.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from typing import Any

from crosswire import report
from crosswire.records import Story
from crosswire.store import Store
from crosswire.web.search import article_ids_matching

STORIES_PER_PAGE = 200  # rows of the story list per page: a large store has tens of thousands
SPEAKER_COLOURS = 10  # the palette size in static/style.css (.speaker-0 … .speaker-9)
SAFE_ID = re.compile(r"^[A-Za-z0-9_-]+$")


# --- the story list ---------------------------------------------------------------------------


def story_list(
    store: Store,
    query: str = "",
    outlet: str = "",
    date_from: str = "",
    date_to: str = "",
    *,
    page: int = 1,
) -> dict[str, Any]:
    """List stories with outlets, size, dates and contested claims, filtered as asked, one
    page of ``STORIES_PER_PAGE`` matching stories at a time (pages count from 1)."""
    stories = store.stories()
    contested = store.contested_claim_counts()
    matching = article_ids_matching(store, query) if query.strip() else None
    all_outlets = sorted({o for s in stories for o in s.outlets})
    rows = []
    for story in stories:
        if matching is not None and not matching & set(story.article_ids):
            continue
        if outlet and outlet not in story.outlets:
            continue
        if not _overlaps(story, date_from, date_to):
            continue
        rows.append(_story_row(story, contested.get(story.id, 0)))
    pages = max(1, -(-len(rows) // STORIES_PER_PAGE))
    page = min(max(1, page), pages)
    return {
        "stories": rows[(page - 1) * STORIES_PER_PAGE : page * STORIES_PER_PAGE],
        "total": len(stories),
        "matching": len(rows),
        "page": page,
        "pages": pages,
        "outlets": all_outlets,
        "filters": {"q": query, "outlet": outlet, "date_from": date_from, "date_to": date_to},
    }


def _story_row(story: Story, contested_claims: int) -> dict[str, Any]:
    return {
        "id": story.id,
        "title": story.title,
        "outlets": story.outlets,
        "article_count": len(story.article_ids),
        "date_range": story.date_range,
        "contested_claims": contested_claims,
    }


def _overlaps(story: Story, date_from: str, date_to: str) -> bool:
    """Keep a story whose date range meets [date_from, date_to]; undated stories pass."""
    first, last = (story.date_range + [None, None])[:2]
    if date_from and last and last < date_from:
        return False
    if date_to and first and first > date_to:
        return False
    return True


# --- one story --------------------------------------------------------------------------------


def story_page(store: Store, story_id: str) -> dict[str, Any] | None:
    """Gather one story's articles, statements, claim matrix, timeline, framing and entities."""
    found = store.stories([story_id])
    if not found:
        return None
    story = found[0]
    document = report.build_document(store, story.article_ids)
    view = next(v for v in report.story_views(document) if v["story"]["id"] == story_id)
    statements = [s for found in view["statements"].values() for s in found]
    outlet_of_article = {a["id"]: a["outlet_label"] for a in view["articles"]}
    speakers = speaker_palette(statements, outlet_of_article)
    return {
        "story": view["story"],
        "outlets": view["outlets"],
        "articles": view["articles"],
        "statements": view["statements"],
        "speakers": speakers,
        "statement_info": statement_info(statements, speakers, outlet_of_article),
        "matrix": matrix_cells(view["matrix"], view["outlets"], statements, outlet_of_article),
        "conflicts": view["conflicts"],
        "timeline": view["timeline"],
        "timeline_chart": timeline_chart(view["timeline"]),
        "framing": view["framing"],
        "framing_table": view["framing_table"],
        "summary": view["summary"],
        "summary_sections": view["summary_sections"],
        "entities": [_entity_summary(e, view["outlets"]) for e in view["entities"]],
    }


def speaker_label(statement: dict[str, Any], outlet: str) -> str:
    """Name who is speaking: the linked name, the mention, or the outlet's own voice."""
    if statement.get("kind") == "narrator":
        return f"{outlet} (narrator)"
    return report.speaker_of(statement) or "unknown speaker"


def speaker_palette(
    statements: list[dict[str, Any]], outlet_of_article: dict[str, str]
) -> list[dict[str, Any]]:
    """Give each speaker a colour, the most quoted first, with the statements they made."""
    counts: Counter[str] = Counter()
    members: dict[str, list[str]] = defaultdict(list)
    entity_ids: dict[str, str | None] = {}
    for s in statements:
        label = speaker_label(s, outlet_of_article.get(s["article_id"], "unknown outlet"))
        counts[label] += 1
        members[label].append(s["id"])
        entity_ids.setdefault(label, s.get("speaker_entity_id"))
    ordered = sorted(counts, key=lambda label: (-counts[label], label))
    return [
        {
            "name": label,
            "colour": index % SPEAKER_COLOURS,
            "count": counts[label],
            "entity_id": entity_ids.get(label),
            "statement_ids": [sid for sid in members[label] if SAFE_ID.match(sid)],
        }
        for index, label in enumerate(ordered)
    ]


def statement_info(
    statements: list[dict[str, Any]],
    speakers: list[dict[str, Any]],
    outlet_of_article: dict[str, str],
) -> dict[str, dict[str, Any]]:
    """Say, per statement id, who spoke, with which cue and stance (for hover and click)."""
    colour = {sid: sp["colour"] for sp in speakers for sid in sp["statement_ids"]}
    info = {}
    for s in statements:
        outlet = outlet_of_article.get(s["article_id"], "unknown outlet")
        info[s["id"]] = {
            "speaker": speaker_label(s, outlet),
            "speaker_entity_id": s.get("speaker_entity_id"),
            "cue": (s.get("cue") or {}).get("text"),
            "stance": s.get("cue_stance"),
            "kind": s.get("kind"),
            "outlet": outlet,
            "content": s["content"],
            "colour": colour.get(s["id"], 0),
        }
    return info


def matrix_cells(
    matrix: list[dict[str, Any]],
    outlets: list[str],
    statements: list[dict[str, Any]],
    outlet_of_article: dict[str, str],
) -> list[dict[str, Any]]:
    """Attach to each claim × outlet cell the statement spans a click should highlight."""
    by_id = {s["id"]: s for s in statements}
    rows = []
    for row in matrix:
        claim = row["claim"]
        cells = []
        for outlet in outlets:
            ids = [w.get("statement_id") for w in claim.get("wordings", [])]
            ids += claim.get("contested_by", [])
            spans = []
            for sid in dict.fromkeys(i for i in ids if i in by_id):
                s = by_id[sid]
                if outlet_of_article.get(s["article_id"]) == outlet:
                    content = s["content"]
                    spans.append(
                        {
                            "statement_id": sid,
                            "article_id": s["article_id"],
                            "start": content["start"],
                            "end": content["end"],
                        }
                    )
            cells.append({"outlet": outlet, "state": row["cells"][outlet], "spans": spans})
        rows.append({"claim": claim, "label": row["label"], "cells": cells})
    return rows


def timeline_chart(
    events: list[dict[str, Any]], width: int = 900, max_labels: int = 10
) -> dict[str, Any]:
    """Lay dated events out on an axis of their distinct days, evenly spaced and in order,
    stacking the events of one day; long gaps stay readable because spacing is by rank."""
    dated = []
    for number, event in enumerate(events, start=1):
        day = _parse_day(event.get("date"))
        if day is not None:
            dated.append((day, number, event))
    if not dated:
        return {"width": width, "height": 0, "ticks": [], "points": []}
    days = sorted({day for day, _, _ in dated})
    left, right = 60, width - 60
    step = (right - left) / max(len(days) - 1, 1)
    x_of = {
        day: (left + right) / 2 if len(days) == 1 else left + rank * step
        for rank, day in enumerate(days)
    }
    every = -(-len(days) // max_labels)  # label every n-th day so labels never overlap
    ticks = [
        {"x": round(x_of[day], 1), "label": day.isoformat() if rank % every == 0 else ""}
        for rank, day in enumerate(days)
    ]
    stack: Counter[dt.date] = Counter()
    points = []
    for day, number, event in dated:
        stack[day] += 1
        points.append(
            {
                "x": round(x_of[day], 1),
                "y": 40 + stack[day] * 24,
                "number": number,
                "date": event.get("date"),
                "label": f"{event.get('date')}: {event.get('event_type')} — "
                f"{report.shorten(event.get('description', ''), 140)}",
                "disputed": bool(event.get("date_disagreements")),
            }
        )
    return {
        "width": width,
        "height": 60 + max(stack.values()) * 24,
        "ticks": ticks,
        "points": points,
    }


def _parse_day(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _entity_summary(entity: dict[str, Any], outlets: list[str]) -> dict[str, Any]:
    """Summarise an entity for one story: its spellings in this story's outlets only."""
    spellings = entity.get("spellings_by_outlet", {})
    return {
        "id": entity["id"],
        "name": entity["name"],
        "label": entity.get("label"),
        "mention_count": entity.get("mention_count", 0),
        "spellings_by_outlet": {o: spellings[o] for o in outlets if o in spellings},
    }


# --- one entity -------------------------------------------------------------------------------


def entity_page(store: Store, entity_id: str) -> dict[str, Any] | None:
    """Gather every statement by and about an entity across stories, with outlets' spellings."""
    found = store.entities([entity_id])
    if not found:
        return None
    entity = found[0]
    mentions = entity.get("mentions", [])
    article_ids = {m["article_id"] for m in mentions}
    articles = {a.id: a for a in store.articles(article_ids)}
    story_of = {
        a: s for s in store.stories(store.story_ids_holding(article_ids)) for a in s.article_ids
    }
    spans_in: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for m in mentions:
        spans_in[m["article_id"]].append((m["span"]["start"], m["span"]["end"]))
    by_entity, about_entity = [], []
    for statement in store.statements(article_ids):
        item = _statement_item(statement.to_dict(), articles, story_of)
        if statement.speaker_entity_id == entity_id:
            by_entity.append(item)
        elif any(
            statement.content.start <= start and end <= statement.content.end
            for start, end in spans_in[statement.article_id]
        ):
            about_entity.append(item)
    return {
        "entity": {k: v for k, v in entity.items() if k != "mentions"},
        "mention_count": len(mentions),
        "statements_by": by_entity,
        "statements_about": about_entity,
        "stories": sorted(
            {(story_of[a].id, story_of[a].title) for a in article_ids if a in story_of}
        ),
    }


def _statement_item(
    s: dict[str, Any], articles: dict[str, Any], story_of: dict[str, Story]
) -> dict[str, Any]:
    article = articles.get(s["article_id"])
    outlet = article.with_outlet_label().outlet if article else "unknown outlet"
    story = story_of.get(s["article_id"])
    return {
        "statement_id": s["id"],
        "article_id": s["article_id"],
        "outlet": outlet,
        "date": article.date if article else None,
        "story_id": story.id if story else None,
        "story_title": story.title if story else None,
        "speaker": speaker_label(s, outlet),
        "speaker_entity_id": s.get("speaker_entity_id"),
        "cue": (s.get("cue") or {}).get("text"),
        "stance": s.get("cue_stance"),
        "kind": s.get("kind"),
        "content": s["content"],
    }
