"""Watch sources: poll them, run new articles through the pipeline, and raise alerts.

A poll fetches every stored source (conditionally), stores new articles and new versions of
updated ones, runs ``pipeline.annotate_pending`` and ``pipeline.refresh_cross_article``, and
compares a snapshot of the store taken before with one taken after: ``diff_alerts`` is a pure
function of the two snapshots. All state lives in the store, so a restarted watch goes on
where it stopped.
"""

from __future__ import annotations

import difflib
import re
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from crosswire import ingest, pipeline
from crosswire.fetch import Fetcher, FetchError, FetchPolicy, RobotsRefusal
from crosswire.records import Article, Rejection
from crosswire.settings import Settings, load_settings
from crosswire.sources import is_http_url
from crosswire.store import Store

# A feed entry shorter than this is taken as a teaser: the article page is fetched for the text.
FULL_TEXT_MIN_WORDS = 80
DIFF_MAX_LINES = 80
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d)?\s*$", re.I)
_UNIT_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400}


# --- snapshots and alerts -------------------------------------------------------------------


@dataclass(frozen=True)
class StoryState:
    """A story as a poll sees it: its articles and outlets."""

    id: str
    title: str
    article_ids: frozenset[str]
    outlets: frozenset[str]


@dataclass(frozen=True)
class ClaimState:
    """A claim as a poll sees it, keyed by the ids of the statements that word it."""

    story_id: str
    text: str
    statement_ids: frozenset[str]
    contested_by: frozenset[str]
    conflicts: tuple[dict[str, Any], ...]
    outlet_of: dict[str, str]  # statement id -> outlet


@dataclass
class Snapshot:
    """What the store says about stories, claims, denials and article versions at one moment."""

    stories: list[StoryState] = field(default_factory=list)
    claims: list[ClaimState] = field(default_factory=list)
    denials: dict[str, dict[str, Any]] = field(default_factory=dict)  # statement id -> details
    versions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # url -> article ids
    texts: dict[str, str] = field(default_factory=dict)  # article id -> text, for new versions


@dataclass
class Alert:
    """Something a watcher wants to know: a new story, a new outlet, a denial, a change."""

    kind: str  # new_story | outlet_joined | contested | denial | numeric_conflict | updated
    message: str
    story_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def take_snapshot(store: Store, previous: Snapshot | None = None) -> Snapshot:
    """Read the state alerts are computed from; with ``previous``, keep the texts a diff needs.

    Only article versions that are already in a story count, so a version stored by an
    interrupted poll raises its alert after the poll that analyses it.
    """
    stories = [
        StoryState(s.id, s.title, frozenset(s.article_ids), frozenset(s.outlets))
        for s in store.stories()
    ]
    in_story = {aid for s in stories for aid in s.article_ids}
    claims = [_claim_state(c) for c in store.claims()]
    denials = _denials(store)
    versions = {
        url: kept
        for url, ids in store.article_versions().items()
        if (kept := tuple(i for i in ids if i in in_story))
    }
    texts: dict[str, str] = {}
    if previous is not None:
        wanted: set[str] = set()
        for url, ids in versions.items():
            if len(ids) > 1 and previous.versions.get(url) != ids:
                wanted.update(ids[-2:])
                wanted.update(previous.versions.get(url, ())[-1:])
        texts = {a.id: a.text for a in store.articles(sorted(wanted))} if wanted else {}
    return Snapshot(stories, claims, denials, versions, texts)


def _claim_state(claim: dict[str, Any]) -> ClaimState:
    wordings = claim.get("wordings", [])
    return ClaimState(
        story_id=claim["story_id"],
        text=claim.get("text", ""),
        statement_ids=frozenset(w["statement_id"] for w in wordings if w.get("statement_id")),
        contested_by=frozenset(claim.get("contested_by", [])),
        conflicts=tuple(claim.get("conflicts", [])),
        outlet_of={w["statement_id"]: w.get("outlet") or "" for w in wordings},
    )


def _denials(store: Store) -> dict[str, dict[str, Any]]:
    statements = store.statements_with_stance("denial")
    outlets = {a.id: a.outlet for a in store.articles({s.article_id for s in statements})}
    return {
        s.id: {
            "article_id": s.article_id,
            "outlet": outlets.get(s.article_id),
            "speaker": s.speaker_name or (s.speaker.text if s.speaker else None),
            "text": s.content.text,
        }
        for s in statements
    }


def diff_alerts(before: Snapshot, after: Snapshot) -> list[Alert]:
    """Compare two snapshots and say what changed, story by story.

    Stories are matched by shared articles (not by id), claims by shared statements and
    conflicts by their kind and statement ids, so re-clustering never raises false alarms.
    """
    alerts = _story_alerts(before, after)
    alerts += _claim_alerts(before, after)
    alerts += _denial_alerts(before, after)
    alerts += _update_alerts(before, after)
    return alerts


def _story_alerts(before: Snapshot, after: Snapshot) -> list[Alert]:
    story_of = {aid: s for s in before.stories for aid in s.article_ids}
    alerts = []
    for story in after.stories:
        earlier = {story_of[a].id: story_of[a] for a in story.article_ids if a in story_of}
        if not earlier:
            outlets = ", ".join(sorted(story.outlets)) or "unknown outlet"
            alerts.append(
                Alert(
                    "new_story",
                    f"New story: {story.title} ({outlets})",
                    story.id,
                    {"title": story.title, "outlets": sorted(story.outlets)},
                )
            )
            continue
        known = set().union(*(s.outlets for s in earlier.values()))
        for outlet in sorted(story.outlets - known):
            alerts.append(
                Alert(
                    "outlet_joined",
                    f"{outlet} joins the story: {story.title}",
                    story.id,
                    {"outlet": outlet, "title": story.title, "outlets": sorted(story.outlets)},
                )
            )
    return alerts


def _claim_alerts(before: Snapshot, after: Snapshot) -> list[Alert]:
    claims_of: dict[str, list[ClaimState]] = {}
    for claim in before.claims:
        for sid in claim.statement_ids:
            claims_of.setdefault(sid, []).append(claim)
    known_conflicts = {_conflict_key(c, claim) for claim in before.claims for c in claim.conflicts}
    alerts = []
    for claim in after.claims:
        earlier = [c for sid in claim.statement_ids for c in claims_of.get(sid, [])]
        contested_before = {_denial_key(before, sid) for c in earlier for sid in c.contested_by}
        newly_contesting = sorted(
            sid for sid in claim.contested_by if _denial_key(after, sid) not in contested_before
        )
        if newly_contesting:
            alerts.append(
                Alert(
                    "contested",
                    f"Claim now contested: {_short(claim.text)}",
                    claim.story_id,
                    {"claim": claim.text, "contested_by": newly_contesting},
                )
            )
        for conflict in claim.conflicts:
            key = _conflict_key(conflict, claim)
            if conflict.get("kind") != "numeric" or key in known_conflicts:
                continue
            known_conflicts.add(key)
            outlets = [claim.outlet_of.get(sid, "") for sid in conflict.get("statements", [])]
            if len(set(outlets)) < 2:
                continue  # one outlet giving two numbers is not a conflict between outlets
            values = " vs ".join(
                f"{v} ({o})" for v, o in zip(conflict.get("values", []), outlets, strict=False)
            )
            alerts.append(
                Alert(
                    "numeric_conflict",
                    f"Outlets give different numbers: {values} — {_short(claim.text)}",
                    claim.story_id,
                    {"claim": claim.text, **conflict, "outlets": outlets},
                )
            )
    return alerts


def _conflict_key(conflict: dict[str, Any], claim: ClaimState) -> tuple[str, frozenset[Any]]:
    """Key a conflict by what it says (outlet and value), so a new version of an article that
    repeats the same numbers is not a new conflict."""
    outlets = [claim.outlet_of.get(sid, sid) for sid in conflict.get("statements", [])]
    values = conflict.get("values", [])
    return conflict.get("kind", ""), frozenset(zip(outlets, values, strict=False))


def _denial_key(snapshot: Snapshot, statement_id: str) -> tuple[str, str] | str:
    """Key a denial by outlet and wording, so the same denial in an updated article is not new."""
    denial = snapshot.denials.get(statement_id)
    if denial is None:
        return statement_id
    return denial.get("outlet") or "", " ".join(denial["text"].lower().split())


def _denial_alerts(before: Snapshot, after: Snapshot) -> list[Alert]:
    story_of = {aid: s.id for s in after.stories for aid in s.article_ids}
    known = {_denial_key(before, sid) for sid in before.denials}
    alerts = []
    for sid, denial in after.denials.items():
        key = _denial_key(after, sid)
        if key in known:
            continue
        known.add(key)
        who = denial.get("speaker") or "someone"
        outlet = denial.get("outlet") or "unknown outlet"
        alerts.append(
            Alert(
                "denial",
                f"Denial by {who} ({outlet}): {_short(denial['text'])}",
                story_of.get(denial["article_id"]),
                {"statement_id": sid, **denial},
            )
        )
    return alerts


def _update_alerts(before: Snapshot, after: Snapshot) -> list[Alert]:
    story_of = {aid: s.id for s in after.stories for aid in s.article_ids}
    alerts = []
    for url, ids in after.versions.items():
        seen = set(before.versions.get(url, ()))
        for position, article_id in enumerate(ids):
            if article_id in seen or position == 0:
                continue
            previous = ids[position - 1]
            old, new = after.texts.get(previous), after.texts.get(article_id)
            diff = unified_diff(old, new, url) if old is not None and new is not None else ""
            alerts.append(
                Alert(
                    "updated",
                    f"Article updated after publication: {url}",
                    story_of.get(article_id),
                    {"url": url, "previous": previous, "current": article_id, "diff": diff},
                )
            )
    return alerts


def unified_diff(old: str, new: str, url: str) -> str:
    """Show how an article's text changed, one paragraph per line, at most DIFF_MAX_LINES lines."""
    lines = list(
        difflib.unified_diff(
            [p for p in old.split("\n") if p.strip()],
            [p for p in new.split("\n") if p.strip()],
            fromfile=f"{url} (before)",
            tofile=f"{url} (now)",
            lineterm="",
        )
    )
    if len(lines) > DIFF_MAX_LINES:
        lines = lines[:DIFF_MAX_LINES] + [f"… {len(lines) - DIFF_MAX_LINES} more lines"]
    return "\n".join(lines)


def _short(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- reading fetched content ----------------------------------------------------------------


def read_fetched(
    data: bytes, source: str, kind_hint: str | None = None, settings: Settings | None = None
) -> Iterator[Article | Rejection]:
    """Read a fetched feed or page the way ``crosswire.ingest`` reads a file of that kind.

    ``kind_hint`` ("feed" or "html") is used when the content itself does not say.
    """
    settings = settings or load_settings()
    try:
        if not data.strip():
            raise ingest.BadInput("empty answer")
        text = ingest.decode(data)
        kind = ingest.sniff_format("", text)
        if kind in ("text", "json") and kind_hint in ("feed", "html"):
            kind = kind_hint
        if kind == "feed":
            yield from ingest.read_feed(text, source, settings)
        elif kind == "html":
            yield _checked(ingest.read_html(text, source), settings)
        else:
            yield _checked(ingest.read_text_article(text, source), settings)
    except ingest.BadInput as reason:
        yield Rejection(source, str(reason))


def _checked(article: Article, settings: Settings) -> Article:
    if len(article.text) > settings.max_article_chars:
        raise ingest.BadInput(f"over size limit ({len(article.text):,} characters)")
    if len(article.text.split()) < ingest.MIN_ARTICLE_WORDS:
        raise ingest.BadInput(f"not an article (fewer than {ingest.MIN_ARTICLE_WORDS} words)")
    return article


def _kind_hint(source_kind: str, content_type: str) -> str | None:
    if source_kind == "feed":
        return "feed"
    if source_kind == "page":
        return "html"
    content_type = content_type.lower()
    if any(k in content_type for k in ("rss", "atom", "xml")):
        return "feed"
    return "html" if "html" in content_type else None


# --- polling ----------------------------------------------------------------------------------


@dataclass
class SourceReport:
    """What polling one source did."""

    url: str
    name: str | None
    new_articles: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    not_modified: bool = False
    errors: list[str] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.errors)


@dataclass
class PollReport:
    """What one poll of every source did."""

    sources: list[SourceReport] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    analysed: int = 0
    stopped: bool = False


def poll(
    store: Store,
    fetcher: Fetcher,
    *,
    stop: threading.Event | None = None,
    on_source: Callable[[SourceReport], None] | None = None,
    settings: Settings | None = None,
    engine: Any = None,
) -> PollReport:
    """Poll every source once, analyse what is new, and store and return the alerts.

    A failing source is recorded (its error in the store) and the poll goes on. When ``stop``
    is set the poll finishes the current source and returns without analysing; the articles it
    stored are analysed by the next poll.
    """
    settings = settings or load_settings()
    report = PollReport()
    before = take_snapshot(store)
    for source in store.sources():
        if stop is not None and stop.is_set():
            report.stopped = True
            return report
        found = poll_source(store, fetcher, source, settings)
        report.sources.append(found)
        if on_source:
            on_source(found)
    if store.article_ids_needing_analysis(pipeline.ANALYSIS_VERSION):  # else skip model loading
        report.analysed = pipeline.annotate_pending(store, engine=engine)
    if report.analysed:
        pipeline.refresh_cross_article(store)
    report.alerts = diff_alerts(before, take_snapshot(store, before))
    store.add_alerts(a.to_dict() for a in report.alerts)
    return report


def poll_source(
    store: Store, fetcher: Fetcher, source: dict[str, Any], settings: Settings
) -> SourceReport:
    """Fetch one source and store its new articles; never raise for a bad source."""
    url = source["url"]
    report = SourceReport(url, source.get("name"))
    state = store.fetch_state(url)
    try:
        fetched = fetcher.get(url, etag=state.get("etag"), last_modified=state.get("last_modified"))
    except FetchError as error:
        store.record_fetch(url, status=error.status, error=error.reason)
        report.errors.append(error.reason)
        return report
    if fetched.not_modified:
        store.record_fetch(url, status=304)
        report.not_modified = True
        return report
    hint = _kind_hint(source.get("kind") or "auto", fetched.content_type)
    items = list(read_fetched(fetched.content, url, hint, settings))
    articles = [i for i in items if isinstance(i, Article)]
    rejections = [i for i in items if isinstance(i, Rejection)]
    textless = _textless_entries(fetched.content, rejections)
    report.rejections = [str(r) for r in rejections if r.line not in textless]
    if not articles and not textless:
        reason = rejections[0].reason if rejections else "no articles"
        store.record_fetch(url, status=fetched.status, error=reason)
        report.errors.append(reason)
        return report
    from_feed = any(a.source_path != url for a in articles)  # entries are read as URL#n
    for article in articles:
        if from_feed and _is_teaser(article):
            article = _full_article(store, fetcher, article, report, settings)
            if article is None:
                continue
        _store_article(store, _with_source(article, source, fetched.url), report)
    for link, title in textless.values():
        _, page = _fetch_page(store, fetcher, link, report, settings)
        if page is not None:
            page.url, page.title = link, page.title or title
            _store_article(store, _with_source(page, source, link), report)
    store.record_fetch(
        url, status=fetched.status, etag=fetched.etag, last_modified=fetched.last_modified
    )
    return report


def _textless_entries(content: bytes, rejections: list[Rejection]) -> dict[int, tuple[str, str]]:
    """Find feed entries rejected for their text that link to a page: {entry number: (url, title)}."""
    numbers = {r.line for r in rejections if r.line is not None}
    if not numbers:
        return {}
    import feedparser

    entries = feedparser.parse(content).entries
    found = {}
    for number in sorted(numbers):
        entry = entries[number - 1] if number <= len(entries) else {}
        link = (entry.get("link") or "").strip()
        if is_http_url(link):
            found[number] = (link, (entry.get("title") or "").strip())
    return found


def _is_teaser(article: Article) -> bool:
    return len(article.text.split()) < FULL_TEXT_MIN_WORDS and is_http_url(article.url or "")


def _full_article(
    store: Store, fetcher: Fetcher, entry: Article, report: SourceReport, settings: Settings
) -> Article | None:
    """Fetch a teaser entry's page for its full text; None when unchanged or failed (retry later)."""
    outcome, page = _fetch_page(store, fetcher, entry.url or "", report, settings)
    if outcome == "refused" or (outcome == "fetched" and page is None):
        return entry  # the feed's own text is all crosswire may (or can) use
    if page is None:
        return None
    page.url = entry.url
    page.title = page.title or entry.title
    if entry.date and not page.date:
        page.date, page.date_partial = entry.date, None
    return page


def _fetch_page(
    store: Store, fetcher: Fetcher, url: str, report: SourceReport, settings: Settings
) -> tuple[str, Article | None]:
    """Fetch an article page conditionally: ("fetched", article or None), "unchanged",
    "refused" (robots.txt) or "failed" (recorded, and retried at the next poll)."""
    state = store.fetch_state(url)
    try:
        page = fetcher.get(url, etag=state.get("etag"), last_modified=state.get("last_modified"))
    except RobotsRefusal:
        return "refused", None
    except FetchError as error:
        store.record_fetch(url, status=error.status, error=error.reason)
        report.errors.append(f"{url}: {error.reason}")
        return "failed", None
    if page.not_modified:
        store.record_fetch(url, status=304)
        return "unchanged", None
    found = [i for i in read_fetched(page.content, url, "html", settings) if isinstance(i, Article)]
    store.record_fetch(url, status=page.status, etag=page.etag, last_modified=page.last_modified)
    return "fetched", found[0] if found else None


def _with_source(article: Article, source: dict[str, Any], fetched_url: str) -> Article:
    """Name the outlet and language the source gives, and remember where the article came from."""
    layer: dict[str, Any] = {}
    if source.get("name"):
        layer["outlet"] = source["name"]
    if source.get("language"):
        layer["language"] = source["language"]
    article = ingest.apply_metadata(article, layer)
    if not article.url:
        article.url = fetched_url
    article.metadata = {**article.metadata, "source": source["url"]}
    return article


def _store_article(store: Store, article: Article, report: SourceReport) -> None:
    """Store a new article or a new version of one already fetched from the same URL."""
    url = article.url or ""
    previous = store.latest_article_version(url) if url else None
    if previous == article.id:
        return
    if previous is not None:
        article.metadata = {**article.metadata, "previous_version": previous}
    added = store.add_article(article)
    if url:
        store.add_article_version(url, article.id)
    if previous is not None:
        report.updated.append(article.id)
    elif added:
        report.new_articles.append(article.id)


# --- the loop -----------------------------------------------------------------------------------


def parse_interval(value: str) -> float:
    """Read an interval such as '90', '30s', '10m', '2h' or '1d' as seconds."""
    found = _INTERVAL.match(value or "")
    if not found:
        raise ValueError(f"not an interval: {value!r}; write it like 30s, 10m or 2h")
    seconds = float(found[1]) * _UNIT_SECONDS[(found[2] or "s").lower()]
    if seconds <= 0:
        raise ValueError(f"not an interval: {value!r}; it must be longer than zero")
    return seconds


def watch(
    store: Store,
    *,
    every: float | None,
    stop: threading.Event,
    policy: FetchPolicy | None = None,
    on_source: Callable[[SourceReport], None] | None = None,
    on_poll: Callable[[PollReport], None] | None = None,
    settings: Settings | None = None,
) -> int:
    """Poll every ``every`` seconds (once when None) until ``stop`` is set; return the polls run."""
    polls = 0
    while not stop.is_set():
        with Fetcher(policy) as fetcher:
            found = poll(store, fetcher, stop=stop, on_source=on_source, settings=settings)
        polls += 1
        if on_poll:
            on_poll(found)
        if every is None or stop.wait(every):
            break
    return polls


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """Turn the first Ctrl-C or SIGTERM into a stop request; a second Ctrl-C interrupts at once."""
    stop = threading.Event()

    def request_stop(signum: int, frame: Any) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop.set()

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
