"""Read files and folders into Articles: plain text with datelines, HTML, JSON, JSON Lines, feeds.

Each article's text is normalised (Unicode NFC, LF line ends, no BOM) before anything else, so
every later span indexes the stored text. Bad input never raises: it becomes one ``Rejection``
naming the file (and line) and the reason.
"""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import html
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import IO, Any

from crosswire.models import load_language_detector
from crosswire.records import Article, Rejection, Span
from crosswire.settings import Settings, load_settings

FEED_EXTENSIONS = {".xml", ".rss", ".atom"}
HTML_EXTENSIONS = {".html", ".htm", ".xhtml"}
JSONL_EXTENSIONS = {".jsonl", ".ndjson"}
GZIP_JSONL_SUFFIXES = (".jsonl.gz", ".ndjson.gz")  # compressed shards, as crawls ship them
PARQUET_EXTENSIONS = {".parquet"}
PARQUET_BATCH_ROWS = 256  # rows decoded at a time, so a large file never sits in memory whole
JSON_EXTENSIONS = {".json"}
SIDECAR_SUFFIX = ".meta.json"
MIN_ARTICLE_WORDS = 5
METADATA_KEYS = ("outlet", "date", "title", "url", "language")
RECORD_KEYS = {"text", "body", "title", "outlet", "date", "url", "language"}
TITLE_MAX_CHARS = 150
TITLE_MAX_WORDS = 20
LANGUAGE_SAMPLE_CHARS = 1000  # enough for a confident guess; lingua time grows with length
HTML_START = re.compile(
    r"(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*"
    r"<(!doctype\s+html|html|head|body|article|main|section|div|p|h1|h2)\b",
    re.S,
)
TRAILING_MARKER_WINDOW = 64  # characters at the end of the text searched for a date marker
LEGACY_CHAOS_MARGIN = 0.05  # charset_normalizer "chaos" within which encodings count as tied
FEED_START = re.compile(
    r"(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!doctype\s+(rss|feed|rdf:rdf)\b[^>\[]*(\[.*?\])?\s*>\s*)?"
    r"(<!--.*?-->\s*)*<(rss|feed|rdf:rdf)\b",
    re.S,
)


class BadInput(ValueError):
    """Input that is not an article; the message is the reason shown to the user."""


@functools.cache
def dateline_patterns() -> dict[str, Any]:
    """Load the dateline and date-marker patterns from crosswire/data/datelines.json."""
    path = resources.files("crosswire").joinpath("data", "datelines.json")
    raw = json.loads(path.read_text(encoding="utf-8"))
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
    """Yield every article (or rejection) found in files and folders, each article once.

    ``outlet`` and ``date`` (the --outlet/--date flags) override what the files say.
    """
    settings = settings or load_settings()
    overrides: dict[str, Any] = {}
    if outlet and outlet.strip():
        overrides["outlet"] = outlet.strip()
    if date:
        if normalize_date(date)[0] is None:
            yield Rejection("--date", f"not a date: {date!r}; give it as YYYY-MM-DD")
            return
        overrides["date"] = date
    seen: set[str] = set()
    for path in _expand(paths):
        if isinstance(path, Rejection):
            yield path
            continue
        try:
            sidecar = read_sidecar(path)
        except BadInput as reason:
            yield Rejection(str(path), str(reason))
            continue
        for item in read_file(path, settings):
            if isinstance(item, Rejection):
                item.reason = " ".join(item.reason.split())  # one line per bad input
            else:
                item = apply_metadata(item, sidecar, overrides)
                if item.id in seen:
                    continue
                seen.add(item.id)
            yield item


def _expand(paths: Iterable[str | Path]) -> Iterator[Path | Rejection]:
    """List files: folders recursively in sorted order, without hidden files and sidecars."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if child.is_file() and not hidden and not child.name.endswith(SIDECAR_SUFFIX):
                    yield child
        elif path.name.endswith(SIDECAR_SUFFIX) and path.is_file():
            yield Rejection(str(path), "not an article (sidecar metadata for another file)")
        elif path.is_file():
            yield path
        elif path.exists():
            yield Rejection(str(path), "not a regular file")
        else:
            yield Rejection(str(path), "no such file or folder")


def read_file(path: Path, settings: Settings) -> Iterator[Article | Rejection]:
    """Read one file: one article, several (JSON Lines, feeds), or a rejection."""
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
        if size == 0:
            raise BadInput("empty file")
        if suffix in JSONL_EXTENSIONS or path.name.lower().endswith(GZIP_JSONL_SUFFIXES):
            yield from read_jsonl(path, settings)
            return
        if suffix in PARQUET_EXTENSIONS:
            yield from read_parquet(path, settings)
            return
        if size > settings.max_file_bytes:
            raise BadInput(
                f"over size limit ({size:,} bytes > {settings.max_file_bytes:,}; "
                "set CROSSWIRE_MAX_FILE_BYTES to raise it)"
            )
        text = decode(path.read_bytes())
        if not text.strip():
            raise BadInput("empty file (only white space)")
        kind = sniff_format(suffix, text)
        if kind == "feed":
            yield from read_feed(text, str(path), settings)
        elif kind == "html":
            yield check_article(read_html(text, str(path)), settings)
        elif kind == "json":
            yield from read_json(text, path, settings)
        else:
            yield check_article(read_text_article(text, str(path)), settings)
    except BadInput as reason:
        yield Rejection(str(path), str(reason))
    except OSError as error:
        yield Rejection(str(path), f"cannot read file ({error.strerror or error})")


def sniff_format(suffix: str, text: str) -> str:
    """Tell the format from the extension, or from how the content starts: feed, html, json, text."""
    head = text.lstrip()[:2000].lower()
    if suffix in FEED_EXTENSIONS or FEED_START.match(head):
        return "feed"
    if suffix in HTML_EXTENSIONS or HTML_START.match(head):
        return "html"
    if suffix in JSON_EXTENSIONS or (head.startswith(("{", "[")) and _starts_with_json(text)):
        return "json"
    return "text"


def _starts_with_json(text: str) -> bool:
    """Tell JSON (a whole document, or JSON Lines) from prose that happens to start with a brace."""
    try:
        json.loads(text)
        return True
    except json.JSONDecodeError:
        pass
    first_line = text.lstrip().split("\n", 1)[0]
    try:
        return isinstance(json.loads(first_line), dict)
    except json.JSONDecodeError:
        return False


def check_article(article: Article, settings: Settings) -> Article:
    """Reject an article over the character limit or too short to be one (raises BadInput)."""
    if len(article.text) > settings.max_article_chars:
        raise BadInput(
            f"over size limit (article of {len(article.text):,} characters > "
            f"{settings.max_article_chars:,}; set CROSSWIRE_MAX_ARTICLE_CHARS to raise it)"
        )
    if len(article.text.split()) < MIN_ARTICLE_WORDS:
        raise BadInput(f"not an article (fewer than {MIN_ARTICLE_WORDS} words of text)")
    return article


# --- decoding and normalising ---------------------------------------------------------------


def decode(raw: bytes) -> str:
    """Decode bytes to normalised text: UTF-8 first, then the detected legacy encoding."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return normalize(raw.decode("utf-16"))
        except UnicodeDecodeError as error:
            raise BadInput(f"undecodable text (broken UTF-16: {error.reason})") from error
    if b"\x00" in raw:
        raise BadInput("binary file (contains NUL bytes), not text")
    body = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        return normalize(body.decode("utf-8"))
    except UnicodeDecodeError as error:
        if error.reason == "unexpected end of data" and error.end == len(body):
            # UTF-8 cut inside its last character (a truncated download): keep what is whole.
            return normalize(body[: error.start].decode("utf-8"))
    from charset_normalizer import from_bytes

    matches = from_bytes(raw)
    best = matches.best()
    if best is None:
        raise BadInput("undecodable text (not UTF-8 and no known encoding fits)")
    # Short Western texts fit several code pages almost equally well: among the nearly as
    # orderly, take the most coherent language, and cp1252 (far the most common) on a tie.
    near = [m for m in matches if m.chaos <= best.chaos + LEGACY_CHAOS_MARGIN]
    top = max(m.coherence for m in near)
    tied = [m for m in near if m.coherence == top]
    best = next((m for m in tied if "cp1252" in m.could_be_from_charset), tied[0])
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


def parse_dateline(text: str, *, find_title: bool = True) -> tuple[str, dict[str, Any]]:
    """Split a plain-text article into its body and the metadata its dateline and markers give.

    Returns the body (a substring of ``text``, stripped) and metadata with ``outlet``, ``city``,
    ``date`` (ISO) or ``date_partial`` ("--MM-DD"), ``title`` when the first line is clearly a
    headline, and ``dateline`` (a Span dict into ``text``).
    """
    patterns = dateline_patterns()
    meta: dict[str, Any] = {}
    start, end = 0, len(text)
    start = _take_marker(text, start, meta)
    if find_title:
        title, start = _title_line(text, start)
        if title:
            meta["title"] = title
            start = _take_marker(text, start, meta)
    for pattern in patterns["datelines"]:
        found = pattern.match(text, start)
        if found:
            meta.update(_dateline_metadata(found))
            meta["dateline"] = Span.of(text, found.start(), found.end()).to_dict()
            start = found.end()
            break
    start = _take_marker(text, start, meta)
    window = max(start, len(text.rstrip()) - TRAILING_MARKER_WINDOW)
    trailing = patterns["trailing_marker"].search(text, window)
    if trailing and normalize_date(trailing["date"])[0]:
        meta.setdefault("date", trailing["date"])
        end = trailing.start()
    if meta.get("date"):
        meta.pop("date_partial", None)
    return text[start:end].strip(), meta


def _take_marker(text: str, start: int, meta: dict[str, Any]) -> int:
    """Read a leading ``date YYYY-MM-DD`` marker at ``start``; return where the text goes on."""
    marker = dateline_patterns()["leading_marker"].match(text, start)
    if not marker or normalize_date(marker["date"])[0] is None:
        return _skip_space(text, start)
    meta["date"] = marker["date"]
    return _skip_space(text, marker.end())


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _title_line(text: str, start: int) -> tuple[str | None, int]:
    """Take a first line as the title only when it clearly is a headline.

    A headline is short, has no final sentence punctuation, is not all capitals (a dateline or
    a shouted lead), not a byline, and is followed by a blank line.
    """
    line_end = text.find("\n", start)
    if line_end == -1 or not re.match(r"\n[ \t]*\n", text[line_end:]):
        return None, start
    line = text[start:line_end].strip()
    if not line or len(line) > TITLE_MAX_CHARS or len(line.split()) > TITLE_MAX_WORDS:
        return None, start
    if line[-1] in '.!?"”’:;,' or line.isupper() or line.lower().startswith("by "):
        return None, start
    if any(p.match(line) for p in dateline_patterns()["datelines"]):
        return None, start
    return line, _skip_space(text, line_end)


def _dateline_metadata(found: re.Match[str]) -> dict[str, Any]:
    groups = {k: v.strip() for k, v in found.groupdict().items() if v}
    meta: dict[str, Any] = {"outlet": groups["outlet"], "city": groups["city"].rstrip(".")}
    if "region" in groups:
        meta["region"] = groups["region"]
    month = _month_number(groups.get("month", ""))
    if month:
        day = int(groups["day"])
        if "year" in groups and _valid_date(int(groups["year"]), month, day):
            meta["date"] = f"{groups['year']}-{month:02d}-{day:02d}"
        elif _valid_date(2000, month, day):  # 2000 is a leap year: 29 February is a day
            meta["date_partial"] = f"--{month:02d}-{day:02d}"
    return meta


def _month_number(name: str) -> int | None:
    name = name.rstrip(".")
    if name.lower() == "sept":
        name = "Sep"
    for fmt in ("%B", "%b"):
        try:
            return dt.datetime.strptime(name, fmt).month
        except ValueError:
            continue
    return None


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def read_text_article(text: str, source: str) -> Article:
    """Build an Article from plain text, moving its dateline and date markers into metadata.

    ``text`` must already be normalised (see ``normalize``); the dateline span points into it.
    """
    body, meta = parse_dateline(text)
    return _article(
        body,
        source=source,
        outlet=meta.pop("outlet", None),
        date=meta.pop("date", None),
        date_partial=meta.pop("date_partial", None),
        title=meta.pop("title", None),
        dateline=Span.from_dict(meta.pop("dateline", None)),
        metadata=meta,
    )


# --- HTML -------------------------------------------------------------------------------------


def read_html(page: str, source: str) -> Article:
    """Extract the main text and metadata of an HTML page with trafilatura."""
    import trafilatura

    try:
        found = trafilatura.bare_extraction(
            page, with_metadata=True, include_comments=False, include_tables=False
        )
        text = found.text if found is not None else None
        if not (text or "").strip():
            text = trafilatura.baseline(page)[1]  # tiny pages the main extractor gives up on
    except Exception as error:  # a parser failure on one page must not stop the batch
        raise BadInput(f"cannot parse HTML ({type(error).__name__}: {error})") from error
    if not (text or "").strip():
        raise BadInput("not an article (no article text found in the HTML)")
    title = (found.title or "").strip() if found is not None else ""
    lines = [line.strip() for line in normalize(text).split("\n") if line.strip()]
    if title and lines and lines[0] == title:
        lines = lines[1:]  # the headline repeated as the first line of the body
    date, date_partial = normalize_date(found.date if found is not None else None)
    return _article(
        "\n\n".join(lines),
        source=source,
        outlet=(found.sitename or found.hostname) if found is not None else None,
        date=date,
        date_partial=date_partial,
        title=title or None,
        url=found.url if found is not None else None,
    )


# --- JSON and JSON Lines ------------------------------------------------------------------------


def read_json(text: str, path: Path, settings: Settings) -> Iterator[Article | Rejection]:
    """Read a JSON file: one article object, a list of them, or else JSON Lines."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        yield from read_jsonl(path, settings)  # several values, one per line
        return
    if isinstance(value, dict):
        if not any(isinstance(value.get(key), str) for key in ("text", "body")):
            raise BadInput('not an article (a JSON object without "text" or "body")')
        yield check_article(article_from_record(value, str(path)), settings)
        return
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise BadInput("not an article (JSON that is neither an article object nor a list of them)")
    for number, record in enumerate(value, start=1):
        try:
            yield check_article(article_from_record(record, f"{path}#{number}"), settings)
        except BadInput as reason:
            yield Rejection(str(path), f"{reason} in item {number}", number)


def read_jsonl(path: Path, settings: Settings) -> Iterator[Article | Rejection]:
    """Stream a JSON Lines file: one article per line, bad lines rejected one by one.

    Lines are read with a byte limit, so one huge line never sits in memory whole.
    """
    limit = settings.max_article_chars * 4 + 4096
    compressed = path.name.lower().endswith(GZIP_JSONL_SUFFIXES)
    with gzip.open(path, "rb") if compressed else path.open("rb") as stream:
        for number, raw in _bounded_lines(stream, limit):
            if raw is None:
                reason = f"over size limit (line {number} is longer than {limit:,} bytes)"
                yield Rejection(str(path), reason, number)
                continue
            if not raw.strip():
                continue
            try:
                record = json.loads(decode(raw).strip())
                article = article_from_record(record, f"{path}#{number}")
                yield check_article(article, settings)
            except json.JSONDecodeError as error:
                reason = f"malformed JSON on line {number}: {error.msg} (column {error.colno})"
                yield Rejection(str(path), reason, number)
            except BadInput as reason:
                yield Rejection(str(path), f"{reason} on line {number}", number)


def read_parquet(path: Path, settings: Settings) -> Iterator[Article | Rejection]:
    """Stream a Parquet file a batch of rows at a time: one article per row (columns as JSON keys).

    Rows are numbered from 1 as lines are; a bad row is rejected alone.
    """
    try:
        import pyarrow.parquet as parquet
    except ImportError as error:  # a core dependency, but say so plainly if it is missing
        raise BadInput("reading Parquet needs pyarrow (pip install pyarrow)") from error
    try:
        table = parquet.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)
        if not {"text", "body"} & set(table.schema_arrow.names):
            raise BadInput("no 'text' or 'body' column in Parquet file")
        number = 0
        for batch in table.iter_batches(batch_size=PARQUET_BATCH_ROWS):
            for record in batch.to_pylist():
                number += 1
                try:
                    article = article_from_record(_json_values(record), f"{path}#{number}")
                    yield check_article(article, settings)
                except BadInput as reason:
                    yield Rejection(str(path), f"{reason} in row {number}", number)
    except BadInput:
        raise
    except Exception as error:  # pyarrow raises several types for broken files
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise BadInput(f"malformed Parquet file ({first_line})") from error


def _json_values(record: dict[str, Any]) -> dict[str, Any]:
    """Turn Parquet dates and timestamps into ISO strings, as they would be in JSON."""
    return {
        key: value.isoformat() if isinstance(value, dt.date | dt.datetime) else value
        for key, value in record.items()
    }


def _bounded_lines(stream: IO[bytes], limit: int) -> Iterator[tuple[int, bytes | None]]:
    """Yield (line number, line) pairs; a line longer than ``limit`` comes as None, skipped."""
    number = 0
    while chunk := stream.readline(limit + 1):
        number += 1
        if len(chunk) <= limit or chunk.endswith(b"\n"):
            yield number, chunk
            continue
        while chunk and not chunk.endswith(b"\n"):
            chunk = stream.readline(1 << 20)
        yield number, None


def article_from_record(record: Any, source: str) -> Article:
    """Build an Article from one JSON record; keys other than the known ones go to metadata."""
    if not isinstance(record, dict):
        raise BadInput("not an article (expected a JSON object)")
    text = record.get("text") or record.get("body")
    if not isinstance(text, str) or not text.strip():
        raise BadInput("no article text")
    body, found = parse_dateline(normalize(text), find_title=False)
    date, date_partial = normalize_date(_str(record.get("date")))
    if date is None and date_partial is None:
        date, date_partial = found.get("date"), found.get("date_partial")
    metadata = {k: v for k, v in record.items() if k not in RECORD_KEYS}
    if "city" in found:
        metadata.setdefault("city", found["city"])
    return _article(
        body,
        source=source,
        outlet=_str(record.get("outlet")) or found.get("outlet"),
        date=date,
        date_partial=date_partial,
        title=_str(record.get("title")),
        url=_str(record.get("url")),
        language=_str(record.get("language")),
        dateline=Span.from_dict(found.get("dateline")),
        metadata=metadata,
    )


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value).strip() or None


# --- RSS / Atom feeds -------------------------------------------------------------------------


def read_feed(text: str, source: str, settings: Settings) -> Iterator[Article | Rejection]:
    """Read each entry of an RSS/Atom feed as an article; the feed title is the outlet."""
    import feedparser

    try:
        feed = feedparser.parse(text)
    except Exception as error:  # a parser failure on one feed must not stop the batch
        raise BadInput(f"cannot parse feed ({type(error).__name__}: {error})") from error
    if not feed.entries:
        reason = "not an article (a feed with no entries"
        if feed.bozo:
            reason += f"; malformed XML: {feed.bozo_exception}"
        raise BadInput(reason + ")")
    outlet = _str(feed.feed.get("title"))
    for number, entry in enumerate(feed.entries, start=1):
        try:
            yield check_article(_entry_article(entry, f"{source}#{number}", outlet), settings)
        except BadInput as reason:
            yield Rejection(source, f"{reason} in entry {number}", number)


def _entry_article(entry: Any, source: str, outlet: str | None) -> Article:
    body, found = parse_dateline(_entry_text(entry), find_title=False)
    date, date_partial = normalize_date(entry.get("published") or entry.get("updated"))
    if date is None:
        date = _struct_date(entry.get("published_parsed") or entry.get("updated_parsed"))
    return _article(
        body,
        source=source,
        outlet=outlet or found.get("outlet"),
        date=date or found.get("date"),
        date_partial=None if date else date_partial or found.get("date_partial"),
        title=_str(entry.get("title")),
        url=_str(entry.get("link")),
        dateline=Span.from_dict(found.get("dateline")),
        metadata={"city": found["city"]} if "city" in found else {},
    )


def _entry_text(entry: Any) -> str:
    """Take the fullest body an entry has (content:encoded / content, else the summary) as text."""
    details = [c for c in entry.get("content") or [] if c.get("value")]
    if entry.get("summary"):
        details.append(entry.get("summary_detail") or {"value": entry["summary"]})
    if not details:
        return ""
    best = max(details, key=lambda detail: len(detail.get("value") or ""))
    if best.get("type") == "text/plain":  # plain text may hold '<' and '>' that are not tags
        return plain_paragraphs(best["value"])
    return html_to_text(best.get("value") or "")


def html_to_text(fragment: str) -> str:
    """Turn an HTML fragment into plain text with blank lines between paragraphs."""
    fragment = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", "", fragment)
    fragment = re.sub(r"(?i)<\s*(br|/p|/div|/h\d|/li|/blockquote|/tr)\s*/?>", "\n\n", fragment)
    return plain_paragraphs(html.unescape(re.sub(r"<[^>]+>", "", fragment)))


def plain_paragraphs(text: str) -> str:
    """Collapse white space inside paragraphs and keep one blank line between them."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", normalize(text))]
    return "\n\n".join(p for p in paragraphs if p)


def _struct_date(value: Any) -> str | None:
    return f"{value.tm_year:04d}-{value.tm_mon:02d}-{value.tm_mday:02d}" if value else None


# --- dates, language, metadata ------------------------------------------------------------------

_ISO_DATE = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})(?![\d])")


def normalize_date(value: str | None) -> tuple[str | None, str | None]:
    """Return ``(ISO date, None)``, ``(None, "--MM-DD")`` without a year, or ``(None, None)``.

    Only what the string says counts: a weekday alone or a bare month is not a date, and a
    missing year is never filled in from today.
    """
    if not value or not value.strip():
        return None, None
    iso = _ISO_DATE.match(value)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
        return (
            (f"{year:04d}-{month:02d}-{day:02d}", None)
            if _valid_date(year, month, day)
            else (
                None,
                None,
            )
        )
    from dateutil import parser as dateutil_parser

    try:  # two different defaults show which parts the string itself gives
        first = dateutil_parser.parse(value, default=dt.datetime(2000, 1, 1))
        second = dateutil_parser.parse(value, default=dt.datetime(1996, 2, 2))
    except (ValueError, OverflowError):
        return None, None
    if (first.month, first.day) != (second.month, second.day):
        return None, None
    if first.year == second.year:
        return first.date().isoformat(), None
    return None, f"--{first.month:02d}-{first.day:02d}"


def detect_language(text: str) -> str | None:
    """Return the ISO 639-1 code of the text's language, or None if unsure."""
    found = load_language_detector().detect_language_of(text[:LANGUAGE_SAMPLE_CHARS])
    return found.iso_code_639_1.name.lower() if found else None


def language_code(value: str | None) -> str | None:
    """Turn a language given as 'en', 'en-GB', 'EN_us' or 'English' into an ISO 639-1 code."""
    if not value or not value.strip():
        return None
    code = value.strip().replace("_", "-").split("-")[0].lower()
    if len(code) == 2 and code.isalpha():
        return code
    from lingua import Language

    try:
        return Language.from_str(value.strip()).iso_code_639_1.name.lower()
    except ValueError:
        return code


def _article(text: str, *, source: str, **fields: Any) -> Article:
    text = normalize(text).strip()
    if not text:
        raise BadInput("not an article (no text found)")
    language = language_code(fields.pop("language", None)) or detect_language(text)
    outlet = fields.get("outlet")
    return Article(
        id=Article.content_id(text, outlet),
        text=text,
        source_path=source,
        language=language,
        is_english=language in (None, "en"),
        **{k: v for k, v in fields.items() if v is not None},
    )


def read_sidecar(path: Path) -> dict[str, Any]:
    """Read ``FILE.meta.json`` (or ``FILE-stem.meta.json``) next to a file, if there is one."""
    for candidate in (path.with_name(path.name + SIDECAR_SUFFIX), path.with_suffix(SIDECAR_SUFFIX)):
        if candidate == path or not candidate.is_file():
            continue
        try:
            data = json.loads(candidate.read_text("utf-8-sig"))
        except (OSError, ValueError) as error:
            raise BadInput(f"unreadable sidecar {candidate.name}: {error}") from error
        if not isinstance(data, dict):
            raise BadInput(f"unreadable sidecar {candidate.name}: expected a JSON object")
        if data.get("date") and normalize_date(str(data["date"])) == (None, None):
            raise BadInput(f"sidecar {candidate.name}: not a date: {data['date']!r}")
        return {k: str(data[k]).strip() for k in METADATA_KEYS if _str(data.get(k))}
    return {}


def apply_metadata(article: Article, *layers: dict[str, Any]) -> Article:
    """Let sidecar metadata, then command-line flags, override what was detected."""
    changes: dict[str, Any] = {}
    for layer in layers:
        changes.update(layer)
    if not changes:
        return article
    data = article.to_dict()
    if "date" in changes:
        changes["date"], changes["date_partial"] = normalize_date(changes["date"])
    if "language" in changes:
        changes["language"] = language_code(changes["language"])
        changes["is_english"] = changes["language"] == "en"
    data.update(changes)
    data["id"] = Article.content_id(data["text"], data.get("outlet"))
    return Article.from_dict(data)
