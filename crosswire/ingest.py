"""Read files and folders into Articles: plain text with datelines, HTML, JSON Lines, RSS/Atom.

Each article's body is normalised (Unicode NFC, LF line ends, no BOM) before anything else, so
every later span indexes the stored text. Bad input never raises: it becomes one ``Rejection``
naming the file (and line) and the reason.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from crosswire.models import load_language_detector
from crosswire.records import Article, Rejection, Span
from crosswire.settings import Settings, load_settings

FEED_EXTENSIONS = {".xml", ".rss", ".atom"}
HTML_EXTENSIONS = {".html", ".htm", ".xhtml"}
JSONL_EXTENSIONS = {".jsonl", ".ndjson", ".json"}
SIDECAR_SUFFIX = ".meta.json"
MIN_ARTICLE_WORDS = 5
METADATA_KEYS = ("outlet", "date", "title", "url", "language")


class BadInput(ValueError):
    """Input that is not an article; the message is the reason shown to the user."""


@functools.cache
def dateline_patterns() -> dict[str, Any]:
    """Load the dateline and date-marker patterns from crosswire/data/datelines.json."""
    raw = json.loads(resources.files("crosswire").joinpath("data", "datelines.json").read_text())
    return {
        "datelines": [re.compile(p) for p in raw["datelines"]],
        "leading_marker": re.compile(raw["leading_marker"]),
        "trailing_marker": re.compile(raw["trailing_marker"]),
    }


# --- the whole batch ----------------------------------------------------------------------


def read_paths(
    paths: Iterable[str | Path],
    *,
    outlet: str | None = None,
    date: str | None = None,
    settings: Settings | None = None,
) -> Iterator[Article | Rejection]:
    """Yield every article (or rejection) found in files and folders, each article once."""
    settings = settings or load_settings()
    overrides = {k: v for k, v in (("outlet", outlet), ("date", date)) if v}
    seen: set[str] = set()
    for path in _expand(paths):
        if isinstance(path, Rejection):
            yield path
            continue
        try:
            sidecar = _sidecar(path)
        except BadInput as reason:
            yield Rejection(str(path), str(reason))
            continue
        for item in read_file(path, settings):
            if isinstance(item, Article):
                item = _apply_metadata(item, sidecar, overrides)
                if item.id in seen:
                    continue
                seen.add(item.id)
            yield item


def _expand(paths: Iterable[str | Path]) -> Iterator[Path | Rejection]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if child.is_file() and not hidden and not child.name.endswith(SIDECAR_SUFFIX):
                    yield child
        elif path.is_file():
            yield path
        else:
            yield Rejection(str(path), "no such file or folder")


def read_file(path: Path, settings: Settings) -> Iterator[Article | Rejection]:
    """Read one file: one article, several (JSONL, feeds), or a rejection."""
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
        if size == 0:
            raise BadInput("empty file")
        if suffix in JSONL_EXTENSIONS:
            yield from read_jsonl(path, settings)
            return
        if size > settings.max_file_bytes:
            raise BadInput(
                f"over size limit ({size:,} bytes > {settings.max_file_bytes:,}; "
                "set CROSSWIRE_MAX_FILE_BYTES to raise it)"
            )
        text = decode(path.read_bytes())
        kind = _sniff(suffix, text)
        if kind == "feed":
            yield from read_feed(text, str(path), settings)
        elif kind == "html":
            yield _checked(read_html(text, str(path)), settings)
        elif kind == "jsonl":
            yield from read_jsonl(path, settings)
        else:
            yield _checked(read_text_article(text, str(path)), settings)
    except BadInput as reason:
        yield Rejection(str(path), str(reason))
    except OSError as error:
        yield Rejection(str(path), f"cannot read file ({error.strerror or error})")


def _sniff(suffix: str, text: str) -> str:
    head = text.lstrip()[:1000].lower()
    if suffix in FEED_EXTENSIONS or re.match(r"(<\?xml[^>]*>\s*)?<(rss|feed|rdf:rdf)\b", head):
        return "feed"
    if suffix in HTML_EXTENSIONS or head.startswith(("<!doctype html", "<html")):
        return "html"
    if head.startswith("{"):
        return "jsonl"
    return "text"


def _checked(article: Article, settings: Settings) -> Article:
    if len(article.text.split()) < MIN_ARTICLE_WORDS:
        raise BadInput(f"not an article (fewer than {MIN_ARTICLE_WORDS} words of text)")
    if len(article.text) > settings.max_article_chars:
        raise BadInput(
            f"over size limit (article of {len(article.text):,} characters > "
            f"{settings.max_article_chars:,}; set CROSSWIRE_MAX_ARTICLE_CHARS to raise it)"
        )
    return article


# --- decoding and normalising ---------------------------------------------------------------


def decode(raw: bytes) -> str:
    """Decode bytes to normalised text: UTF-8 first, then the detected legacy encoding."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return normalize(raw.decode("utf-16"))
    if b"\x00" in raw:
        raise BadInput("binary file (contains NUL bytes), not text")
    try:
        return normalize(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise BadInput("undecodable text (not UTF-8 and no known encoding fits)")
    text = str(best)
    if _control_share(text) > 0.05:
        raise BadInput("binary file (mostly control characters), not text")
    return normalize(text)


def normalize(text: str) -> str:
    """Use NFC, LF line ends and no BOM, so spans mean the same on every machine."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def _control_share(text: str) -> float:
    sample = text[:5000]
    controls = sum(1 for c in sample if unicodedata.category(c) == "Cc" and c not in "\n\t")
    return controls / max(1, len(sample))


# --- plain text with datelines --------------------------------------------------------------


def parse_dateline(text: str) -> tuple[str, dict[str, Any]]:
    """Split a plain-text article into its body and the metadata its dateline and markers give.

    Returns the body (a substring of ``text``, stripped) and metadata with ``outlet``, ``city``,
    ``date`` (ISO) or ``date_partial`` ("--MM-DD"), and ``dateline`` (a Span into ``text``).
    """
    patterns = dateline_patterns()
    meta: dict[str, Any] = {}
    start, end = 0, len(text)
    marker = patterns["leading_marker"].match(text, start)
    if marker:
        meta["date"] = marker["date"]
        start = marker.end()
    start = _skip_space(text, start)
    title, start = _title_line(text, start)
    if title:
        meta["title"] = title
    for pattern in patterns["datelines"]:
        found = pattern.match(text, start)
        if found:
            meta.update(_dateline_metadata(found))
            meta["dateline"] = Span.of(text, found.start(), found.end()).to_dict()
            start = found.end()
            break
    marker = patterns["leading_marker"].match(text, start)
    if marker:
        meta["date"] = marker["date"]
        start = marker.end()
    trailing = patterns["trailing_marker"].search(text, start)
    if trailing:
        meta.setdefault("date", trailing["date"])
        end = trailing.start()
    if meta.get("date"):
        meta.pop("date_partial", None)
    return text[start:end].strip(), meta


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _title_line(text: str, start: int) -> tuple[str | None, int]:
    """Take a first line as the title only when it clearly is a headline."""
    line_end = text.find("\n", start)
    if line_end == -1 or not text.startswith("\n\n", line_end):
        return None, start
    line = text[start:line_end].strip()
    if not line or len(line) > 150 or line[-1] in '.!?"”’:' or line.isupper():
        return None, start
    if any(p.match(line) for p in dateline_patterns()["datelines"]):
        return None, start
    return line, _skip_space(text, line_end)


def _dateline_metadata(found: re.Match[str]) -> dict[str, Any]:
    groups = {k: v for k, v in found.groupdict().items() if v}
    meta: dict[str, Any] = {"outlet": groups["outlet"].strip(), "city": groups["city"].strip()}
    if "month" in groups:
        month = _month_number(groups["month"])
        if month:
            day = int(groups["day"])
            if "year" in groups:
                meta["date"] = f"{groups['year']}-{month:02d}-{day:02d}"
            else:
                meta["date_partial"] = f"--{month:02d}-{day:02d}"
    return meta


def _month_number(name: str) -> int | None:
    for fmt in ("%B", "%b"):
        try:
            return dt.datetime.strptime(name.rstrip("."), fmt).month
        except ValueError:
            continue
    return None


def read_text_article(text: str, source: str) -> Article:
    """Build an Article from plain text, moving its dateline and date marker into metadata."""
    body, meta = parse_dateline(text)
    dateline = Span.from_dict(meta.pop("dateline", None))
    return _article(
        body,
        source=source,
        outlet=meta.pop("outlet", None),
        date=meta.pop("date", None),
        date_partial=meta.pop("date_partial", None),
        title=meta.pop("title", None),
        dateline=dateline,
        metadata=meta,
    )


# --- HTML -------------------------------------------------------------------------------------


def read_html(page: str, source: str) -> Article:
    """Extract the main text and metadata of an HTML page with trafilatura."""
    import trafilatura

    found = trafilatura.bare_extraction(
        page, with_metadata=True, include_comments=False, include_tables=False
    )
    if found is None or not (found.text or "").strip():
        raise BadInput("not an article (no article text found in the HTML)")
    lines = [line.strip() for line in normalize(found.text).split("\n") if line.strip()]
    if found.title and lines and lines[0] == found.title.strip():
        lines = lines[1:]  # the headline repeated as the first line of the body
    return _article(
        "\n\n".join(lines),
        source=source,
        outlet=found.sitename or found.hostname,
        date=_iso_date(found.date),
        title=found.title,
        url=found.url,
    )


# --- JSON Lines -------------------------------------------------------------------------------


def read_jsonl(path: Path, settings: Settings) -> Iterator[Article | Rejection]:
    """Stream a JSON Lines file: one article per line, bad lines rejected one by one."""
    limit = settings.max_article_chars * 4 + 4096
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            if len(raw) > limit:
                yield Rejection(
                    str(path), f"over size limit ({len(raw):,} bytes on line {number})", number
                )
                continue
            try:
                record = json.loads(decode(raw))
                article = _checked(_jsonl_article(record, f"{path}#{number}", number), settings)
            except json.JSONDecodeError as error:
                yield Rejection(str(path), f"malformed JSON on line {number}: {error.msg}", number)
                continue
            except BadInput as reason:
                yield Rejection(str(path), f"{reason} on line {number}", number)
                continue
            yield article


def _jsonl_article(record: Any, source: str, number: int) -> Article:
    if not isinstance(record, dict):
        raise BadInput("not an article (expected a JSON object)")
    text = record.get("text") or record.get("body")
    if not isinstance(text, str) or not text.strip():
        raise BadInput("no article text")
    known = {"text", "body", "title", "outlet", "date", "url", "language"}
    return _article(
        normalize(text).strip(),
        source=source,
        outlet=_str(record.get("outlet")),
        date=_iso_date(_str(record.get("date"))),
        title=_str(record.get("title")),
        url=_str(record.get("url")),
        language=_str(record.get("language")),
        metadata={k: v for k, v in record.items() if k not in known},
    )


def _str(value: Any) -> str | None:
    return str(value).strip() if value not in (None, "") else None


# --- RSS / Atom feeds -------------------------------------------------------------------------


def read_feed(text: str, source: str, settings: Settings) -> Iterator[Article | Rejection]:
    """Read each entry of an RSS/Atom feed as an article."""
    import feedparser

    feed = feedparser.parse(text)
    if not feed.entries:
        reason = "not an article (a feed with no entries"
        if feed.bozo:
            reason += f"; malformed XML: {feed.bozo_exception}"
        raise BadInput(reason + ")")
    outlet = feed.feed.get("title")
    for number, entry in enumerate(feed.entries, start=1):
        body = _entry_html(entry)
        try:
            article = _article(
                html_to_text(body),
                source=f"{source}#{number}",
                outlet=outlet,
                date=_struct_date(entry.get("published_parsed") or entry.get("updated_parsed")),
                title=entry.get("title"),
                url=entry.get("link"),
            )
            yield _checked(article, settings)
        except BadInput as reason:
            yield Rejection(source, f"{reason} in entry {number}", number)


def _entry_html(entry: Any) -> str:
    if entry.get("content"):
        return max((c.get("value", "") for c in entry.content), key=len)
    return entry.get("summary", "") or entry.get("description", "")


def html_to_text(fragment: str) -> str:
    """Turn an HTML fragment into plain text with blank lines between paragraphs."""
    fragment = re.sub(r"(?i)<\s*(br|/p|/div|/h\d|/li|/blockquote)\s*/?>", "\n\n", fragment)
    text = html.unescape(re.sub(r"<[^>]+>", "", fragment))
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", normalize(text))]
    return "\n\n".join(p for p in paragraphs if p)


def _struct_date(value: Any) -> str | None:
    return f"{value.tm_year:04d}-{value.tm_mon:02d}-{value.tm_mday:02d}" if value else None


# --- shared -----------------------------------------------------------------------------------


def _iso_date(value: str | None) -> str | None:
    """Normalise a date string to YYYY-MM-DD, or None when it is not a date."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        pass
    from dateutil import parser as dateutil_parser

    try:
        return dateutil_parser.parse(value).date().isoformat()
    except (ValueError, OverflowError):
        return None


def _article(text: str, *, source: str, **fields: Any) -> Article:
    text = normalize(text).strip()
    if not text:
        raise BadInput("not an article (no text found)")
    language = fields.pop("language", None) or detect_language(text)
    outlet = fields.get("outlet")
    return Article(
        id=Article.content_id(text, outlet),
        text=text,
        source_path=source,
        language=language,
        is_english=language in (None, "en"),
        **{k: v for k, v in fields.items() if v is not None},
    )


def detect_language(text: str) -> str | None:
    """Return the ISO 639-1 code of the text's language, or None if unsure."""
    found = load_language_detector().detect_language_of(text[:3000])
    return found.iso_code_639_1.name.lower() if found else None


def _sidecar(path: Path) -> dict[str, Any]:
    for candidate in (path.with_name(path.name + SIDECAR_SUFFIX), path.with_suffix(SIDECAR_SUFFIX)):
        if candidate.is_file():
            try:
                data = json.loads(candidate.read_text("utf-8"))
            except (OSError, ValueError) as error:
                raise BadInput(f"unreadable sidecar {candidate.name}: {error}") from error
            if not isinstance(data, dict):
                raise BadInput(f"unreadable sidecar {candidate.name}: expected a JSON object")
            return {k: data[k] for k in METADATA_KEYS if data.get(k)}
    return {}


def _apply_metadata(article: Article, *layers: dict[str, Any]) -> Article:
    """Let sidecar metadata, then command-line flags, override what was detected."""
    changes: dict[str, Any] = {}
    for layer in layers:
        changes.update(layer)
    if not changes:
        return article
    data = article.to_dict()
    if "date" in changes:
        changes["date"] = _iso_date(changes["date"])
        data["date_partial"] = None
    if "language" in changes:
        data["is_english"] = changes["language"] == "en"
    data.update(changes)
    data["id"] = Article.content_id(data["text"], data.get("outlet"))
    return Article.from_dict(data)
