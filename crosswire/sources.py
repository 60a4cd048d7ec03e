"""The list of monitored sources: feeds, OPML lists of feeds and single article URLs.

Reading an OPML list is a pure function of its text; ``sources_from_argument`` turns what a user
types after ``crosswire sources add`` (a URL or an OPML file) into source specs.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

SOURCE_KINDS = ("auto", "feed", "page")


class SourceError(ValueError):
    """A source the user gave cannot be used; the message says why."""


@dataclass(frozen=True)
class SourceSpec:
    """One monitored source: a feed or an article page, the outlet's name, a default language."""

    url: str
    name: str | None = None
    kind: str = "auto"  # auto (decided from the content) | feed | page
    language: str | None = None


def is_http_url(value: str) -> bool:
    """Say whether the value is an absolute http(s) URL with a host."""
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def parse_opml(text: str) -> list[SourceSpec]:
    """Read every feed (an ``outline`` with ``xmlUrl``) from an OPML document, nested or not.

    The outline's ``title`` (else ``text``) is the outlet name; a ``language`` attribute, when
    present, is the source's default language.
    """
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise SourceError(f"not an OPML list (malformed XML: {error})") from error
    if root.tag.lower() != "opml":
        raise SourceError(f"not an OPML list (the root element is <{root.tag}>, not <opml>)")
    specs: list[SourceSpec] = []
    seen: set[str] = set()
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        if not url or url in seen or not is_http_url(url):
            continue
        seen.add(url)
        name = (outline.get("title") or outline.get("text") or "").strip() or None
        language = (outline.get("language") or "").strip() or None
        specs.append(SourceSpec(url, name, "feed", language))
    return specs


def sources_from_argument(
    value: str, *, name: str | None = None, kind: str = "auto", language: str | None = None
) -> list[SourceSpec]:
    """Turn a URL or an OPML file path into source specs; ``name`` and ``language`` apply to a URL.

    For an OPML list, ``language`` fills in feeds that name none.
    """
    if kind not in SOURCE_KINDS:
        raise SourceError(f"unknown source kind {kind!r}; use one of {', '.join(SOURCE_KINDS)}")
    if is_http_url(value):
        return [SourceSpec(value.strip(), (name or "").strip() or None, kind, language)]
    path = Path(value)
    if not path.is_file():
        raise SourceError(f"{value}: neither an http(s) URL nor an OPML file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError(f"{value}: cannot read ({error})") from error
    specs = parse_opml(text)
    if not specs:
        raise SourceError(f"{value}: the OPML list names no http(s) feeds (outline xmlUrl)")
    return [SourceSpec(s.url, s.name, s.kind, s.language or language) for s in specs]
