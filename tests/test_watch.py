"""Live monitoring against a real HTTP server on loopback: fetching, polling, alerts.

Every request goes to a ``ThreadingHTTPServer`` on 127.0.0.1 started by the test; the feeds,
pages and outlets are fictional and written for these tests.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

import pytest
from click.testing import CliRunner

from crosswire.cli import main
from crosswire.fetch import (
    USER_AGENT,
    Fetcher,
    FetchError,
    FetchPolicy,
    RobotsRefusal,
    backoff_delays,
)
from crosswire.settings import load_settings
from crosswire.sources import SourceError, parse_opml, sources_from_argument
from crosswire.store import Store
from crosswire.watch import (
    ClaimState,
    Snapshot,
    StoryState,
    diff_alerts,
    parse_interval,
    poll,
    poll_source,
    watch,
)

SLOW_ANSWER_SECONDS = 1.0
FAST_POLICY = FetchPolicy(
    timeout=0.25, retries=1, backoff_base=0.01, backoff_cap=0.05, min_interval=0.0
)

HERALD_FLOOD = """The flood barrier on the River Tessel failed on Tuesday night, sending water into more than 40 homes in the lower town of Marrowford, officials said on Wednesday.

Emergency crews worked through the night to pump water from the streets around the old market, and 120 residents spent the night in the Marrowford sports hall.

"The barrier gave way shortly after midnight and the water came in very fast," said Oskar Lindqvist, the head of the Marrowford fire brigade.

The regional water authority, which maintains the barrier, said engineers would inspect the structure once the river level falls.

Residents said they had complained for years about cracks in the barrier wall. "We warned them again and again," said Marta Keller, who runs a bakery near the river.

The mayor, Henrik Sollberg, said the town would ask the regional government for emergency funds to repair the homes and the barrier itself."""

HERALD_UPDATE = "Update: The regional water authority said on Wednesday evening that an independent engineer would examine the barrier next week."

COURIER_FLOOD = """Floodwater from the River Tessel poured into about 60 homes in Marrowford after the town's flood barrier collapsed late on Tuesday, the fire brigade said.

Some 120 people were taken to the Marrowford sports hall for the night while crews pumped water from the flooded streets near the old market.

The regional water authority denied that the barrier had been poorly maintained, saying it had passed an inspection in the spring.

Oskar Lindqvist, the head of the Marrowford fire brigade, said the barrier broke shortly after midnight.

Mayor Henrik Sollberg said the town would seek emergency funds from the regional government to repair the damage."""

COURIER_COMET = """A comet found by a student volunteer at the Velden Observatory could be bright enough to see without a telescope by early December, astronomers said on Saturday.

The observatory's director, Anika Roos, said the comet had brightened quickly since the student noticed it on images from the small telescope on the physics building roof.

Astronomers expect the comet to make its closest pass to the Sun on 2 December, and amateur observers in several European countries are already following it.

The observatory plans to open its dome to the public on clear Friday evenings until January."""

GAZETTE_CHESS = """Astronomers at the Velden Observatory have photographed a new comet that should become visible to the naked eye in December, the observatory's director announced on Saturday.

The comet, catalogued as C/2026 V4, was first spotted by a student volunteer checking images from a small telescope on the roof of the physics building.

"It is brightening faster than any comet we have followed in thirty years," said the director, Anika Roos. Her team expects it to pass closest to the Sun on 2 December.

Amateur astronomers across Europe have already begun tracking it, and the observatory will open its dome to visitors every clear Friday until the new year."""


# --- a fictional web on loopback ----------------------------------------------------------------


class FictionalWeb:
    """Serve feeds and pages from a dict on 127.0.0.1, counting every request per path."""

    def __init__(self) -> None:
        self.pages: dict[str, dict[str, Any]] = {}
        self.requests: Counter[str] = Counter()
        self.statuses: dict[str, list[int]] = defaultdict(list)
        self.user_agents: set[str] = set()
        self.failures_left: dict[str, int] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def serve(self, path: str, body: str | bytes, content_type: str, **options: Any) -> None:
        """Serve ``body`` at ``path``; options: etag, last_modified, status, slow, retry_after."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.pages[path] = {"body": data, "type": content_type, **options}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        web = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path
                web.requests[path] += 1
                web.user_agents.add(self.headers.get("User-Agent", ""))
                page = web.pages.get(path)
                if page is None:
                    return self._answer(path, 404, b"not found", "text/plain")
                if page.get("slow"):
                    time.sleep(SLOW_ANSWER_SECONDS)
                if web.failures_left.get(path, 0) > 0:
                    web.failures_left[path] -= 1
                    headers = {}
                    if page.get("retry_after"):
                        headers["Retry-After"] = page["retry_after"]
                    return self._answer(
                        path, page.get("fail_status", 503), b"busy", "text/plain", headers
                    )
                status = page.get("status", 200)
                headers = {}
                if page.get("etag"):
                    headers["ETag"] = page["etag"]
                    if self.headers.get("If-None-Match") == page["etag"]:
                        return self._answer(path, 304, b"", page["type"], headers)
                if page.get("last_modified"):
                    headers["Last-Modified"] = page["last_modified"]
                    if self.headers.get("If-Modified-Since") == page["last_modified"]:
                        return self._answer(path, 304, b"", page["type"], headers)
                self._answer(path, status, page["body"], page["type"], headers)

            def _answer(
                self, path: str, status: int, body: bytes, content_type: str, headers=None
            ) -> None:
                web.statuses[path].append(status)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    if status != 304:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if status != 304:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a slow answer): nothing to do

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def web():
    site = FictionalWeb()
    site.serve("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    site.thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()


def rss(title: str, items: list[dict[str, str]]) -> str:
    """Write an RSS 2.0 feed; each item has title, link, and body (content) or summary."""
    entries = []
    for item in items:
        body = "".join(f"<p>{escape(p)}</p>" for p in item.get("body", "").split("\n\n") if p)
        content = f"<content:encoded>{escape(body)}</content:encoded>" if body else ""
        summary = (
            f"<description>{escape(item['summary'])}</description>" if "summary" in item else ""
        )
        entries.append(
            f"<item><title>{escape(item['title'])}</title><link>{item['link']}</link>"
            f"<pubDate>Wed, 14 Oct 2026 08:00:00 GMT</pubDate>{summary}{content}</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{escape(title)}</title><link>http://127.0.0.1/</link>"
        f"{''.join(entries)}</channel></rss>"
    )


def html_page(title: str, body: str) -> str:
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in body.split("\n\n"))
    return (
        f"<!DOCTYPE html><html><head><title>{escape(title)}</title></head><body>"
        f"<nav><a href='/'>Home</a></nav><article><h1>{escape(title)}</h1>{paragraphs}</article>"
        "<footer>Copyright the fictional outlet</footer></body></html>"
    )


def opml(feeds: list[tuple[str, str]]) -> str:
    outlines = "".join(
        f'<outline type="rss" text="{escape(name)}" title="{escape(name)}" xmlUrl="{url}"/>'
        for name, url in feeds
    )
    return (
        '<?xml version="1.0"?><opml version="2.0"><head><title>desk</title></head>'
        f'<body><outline text="News">{outlines}</outline></body></opml>'
    )


# --- two polls of a changing web ------------------------------------------------------------------


def test_two_polls_of_changing_feeds_store_new_articles_and_raise_alerts(web, tmp_path):
    herald_link = web.url("/herald/tessel-flood")
    web.serve(
        "/herald/rss",
        rss(
            "The Northgate Herald feed",
            [{"title": "Flood barrier fails", "link": herald_link, "body": HERALD_FLOOD}],
        ),
        "application/rss+xml",
        last_modified=formatdate(1_790_000_000, usegmt=True),
    )
    comet_entry = {
        "title": "Coastal road to close",
        "link": web.url("/courier/road"),
        "body": COURIER_COMET,
    }
    web.serve("/courier/rss", rss("Courier", [comet_entry]), "application/rss+xml", etag='"c1"')
    web.serve(
        "/gazette/chess.html",
        html_page("Comet spotted from Velden", GAZETTE_CHESS),
        "text/html",
        etag='"g1"',
    )
    web.serve("/broken/rss", "server trouble", "text/plain", status=500)
    web.serve("/slow/rss", rss("Slow", [comet_entry]), "application/rss+xml", slow=True)
    web.serve(
        "/bad/rss",
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Broken",
        "application/rss+xml",
    )

    feeds = tmp_path / "desk.opml"
    feeds.write_text(
        opml(
            [
                ("Northgate Herald", web.url("/herald/rss")),
                ("Valley Courier", web.url("/courier/rss")),
            ]
        )
    )
    store = Store(tmp_path / "watch.db")
    sources = [
        *sources_from_argument(web.url("/broken/rss"), name="Broken Wire"),
        *sources_from_argument(str(feeds)),
        *sources_from_argument(web.url("/slow/rss"), name="Slow Wire"),
        *sources_from_argument(web.url("/gazette/chess.html"), name="Velden Gazette", kind="page"),
        *sources_from_argument(web.url("/bad/rss"), name="Bad Feed"),
    ]
    for spec in sources:
        store.add_source(spec.url, spec.name, spec.kind, spec.language)

    with Fetcher(FAST_POLICY) as fetcher:
        first = poll(store, fetcher)
    by_name = {s.name: s for s in first.sources}
    assert [
        len(by_name[n].new_articles)
        for n in ("Northgate Herald", "Valley Courier", "Velden Gazette")
    ] == [1, 1, 1]
    assert {n for n, s in by_name.items() if s.failed} == {"Broken Wire", "Slow Wire", "Bad Feed"}
    assert "HTTP 500" in by_name["Broken Wire"].errors[0]
    assert "timed out" in by_name["Slow Wire"].errors[0]
    assert "malformed" in by_name["Bad Feed"].errors[0]
    assert {a.kind for a in first.alerts} == {"new_story"}
    flood = next(s for s in store.stories() if "Northgate Herald" in s.outlets)
    assert flood.outlets == ["Northgate Herald"]

    # Between polls: the Herald updates its article, the Courier runs the flood story as a teaser
    # linking to its page, the Gazette page does not change.
    web.serve(
        "/herald/rss",
        rss(
            "The Northgate Herald feed",
            [
                {
                    "title": "Flood barrier fails",
                    "link": herald_link,
                    "body": HERALD_FLOOD + "\n\n" + HERALD_UPDATE,
                }
            ],
        ),
        "application/rss+xml",
        last_modified=formatdate(1_790_003_600, usegmt=True),
    )
    teaser = {
        "title": "Homes flooded in Marrowford",
        "link": web.url("/courier/flood.html"),
        "summary": "The town's flood barrier collapsed late on Tuesday.",
    }
    web.serve(
        "/courier/rss", rss("Courier", [teaser, comet_entry]), "application/rss+xml", etag='"c2"'
    )
    web.serve(
        "/courier/flood.html",
        html_page("Homes flooded in Marrowford", COURIER_FLOOD),
        "text/html",
        etag='"f1"',
    )

    store.close()  # a restarted watch goes on from what the store holds
    store = Store(tmp_path / "watch.db")
    with Fetcher(FAST_POLICY) as fetcher:
        second = poll(store, fetcher)
    by_name = {s.name: s for s in second.sources}
    assert len(by_name["Valley Courier"].new_articles) == 1
    assert len(by_name["Northgate Herald"].updated) == 1
    assert by_name["Velden Gazette"].not_modified
    assert web.statuses["/gazette/chess.html"] == [200, 304]
    assert web.requests["/courier/flood.html"] == 1
    assert by_name["Broken Wire"].failed and web.requests["/broken/rss"] == 4  # 2 polls x 2 tries

    kinds = Counter(a.kind for a in second.alerts)
    assert kinds["new_story"] == 0
    joined = [a for a in second.alerts if a.kind == "outlet_joined"]
    assert [a.details["outlet"] for a in joined] == ["Valley Courier"]
    denials = [a for a in second.alerts if a.kind == "denial"]
    assert len(denials) == 1 and "poorly maintained" in denials[0].message
    assert denials[0].story_id == joined[0].story_id
    updated = [a for a in second.alerts if a.kind == "updated"]
    assert len(updated) == 1 and updated[0].details["url"] == herald_link
    assert "+" + HERALD_UPDATE in updated[0].details["diff"].splitlines()

    # Both versions are kept; the alerts are stored, newest first; every request said who we are.
    assert len(store.article_versions()[herald_link]) == 2
    stored = store.alerts()
    assert stored[0]["kind"] == second.alerts[-1].kind and len(stored) == len(first.alerts) + len(
        second.alerts
    )
    failing = {s["name"]: s for s in store.sources()}
    assert failing["Broken Wire"]["failures"] == 2 and failing["Northgate Herald"]["error"] is None
    assert web.user_agents == {USER_AGENT}
    assert web.requests["/slow/rss"] == 4

    # A third poll of an unchanged web: every source answers 304 or fails again, no alerts.
    with Fetcher(FAST_POLICY) as fetcher:
        third = poll(store, fetcher)
    assert third.alerts == [] and third.analysed == 0
    assert web.statuses["/herald/rss"][-1] == 304 and web.statuses["/courier/rss"][-1] == 304
    assert web.requests["/courier/flood.html"] == 1


def test_stopping_finishes_the_current_source_and_polls_no_more(web, tmp_path):
    web.serve(
        "/gazette/chess.html", html_page("Comet spotted from Velden", GAZETTE_CHESS), "text/html"
    )
    web.serve(
        "/courier/rss",
        rss("Courier", [{"title": "Road", "link": web.url("/r"), "body": COURIER_COMET}]),
        "application/rss+xml",
    )
    store = Store(tmp_path / "watch.db")
    store.add_source(web.url("/gazette/chess.html"), "Velden Gazette", "page")
    store.add_source(web.url("/courier/rss"), "Valley Courier")
    stop = threading.Event()
    seen = []

    def stop_after_first(found):
        seen.append(found.name)
        stop.set()

    reports = []
    polls = watch(
        store,
        every=3600,
        stop=stop,
        policy=FAST_POLICY,
        on_source=stop_after_first,
        on_poll=reports.append,
    )
    assert polls == 1 and seen == ["Velden Gazette"] and reports[0].stopped
    assert web.requests["/courier/rss"] == 0
    assert store.count("articles") == 1 and store.alerts() == []


def test_feed_entries_without_text_are_read_from_their_pages(web, tmp_path):
    entry = {
        "title": "Comet spotted",
        "link": web.url("/gazette/comet.html"),
        "summary": "Look up.",
    }
    web.serve("/gazette/rss", rss("Gazette", [entry]), "application/rss+xml")
    web.serve("/gazette/comet.html", html_page("Comet spotted", GAZETTE_CHESS), "text/html")
    store = Store(tmp_path / "watch.db")
    source = {"url": web.url("/gazette/rss"), "name": "Velden Gazette", "kind": "feed"}
    with Fetcher(FAST_POLICY) as fetcher:
        found = poll_source(store, fetcher, source, load_settings())
    assert len(found.new_articles) == 1 and found.rejections == [] and not found.failed
    [article] = store.articles()
    assert article.outlet == "Velden Gazette" and article.url == web.url("/gazette/comet.html")
    assert "student volunteer" in article.text and article.title == "Comet spotted"


# --- fetching ---------------------------------------------------------------------------------------


def test_robots_txt_refusal_never_requests_the_page(web):
    web.serve("/private/memo.html", html_page("Memo", GAZETTE_CHESS), "text/html")
    with Fetcher(FAST_POLICY) as fetcher:
        with pytest.raises(RobotsRefusal):
            fetcher.get(web.url("/private/memo.html"))
    assert web.requests["/private/memo.html"] == 0 and web.requests["/robots.txt"] == 1


def test_unreachable_robots_txt_allows_nothing_and_missing_one_allows_everything(web):
    web.serve("/page.html", html_page("Chess", GAZETTE_CHESS), "text/html")
    with Fetcher(FAST_POLICY) as fetcher:
        assert fetcher.allowed(web.url("/page.html"))
    web.serve("/robots.txt", "down", "text/plain", status=503)
    with Fetcher(FAST_POLICY) as fetcher:
        assert not fetcher.allowed(web.url("/page.html"))
    del web.pages["/robots.txt"]
    with Fetcher(FAST_POLICY) as fetcher:
        assert fetcher.allowed(web.url("/page.html"))


def test_backoff_doubles_each_wait_up_to_the_cap():
    assert backoff_delays(5, 0.5, 3.0) == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert backoff_delays(0, 1.0, 60.0) == []


def test_failed_attempts_are_retried_after_exponential_waits(web):
    web.serve("/flaky.xml", rss("Flaky", []), "application/rss+xml")
    web.failures_left["/flaky.xml"] = 2
    waits: list[float] = []
    policy = FetchPolicy(retries=3, backoff_base=0.5, backoff_cap=10.0, min_interval=0.0)
    with Fetcher(policy, sleep=waits.append) as fetcher:
        assert fetcher.get(web.url("/flaky.xml")).status == 200
    assert waits == [0.5, 1.0] and web.requests["/flaky.xml"] == 3


def test_retry_after_is_honoured_and_giving_up_reports_the_last_error(web):
    web.serve("/busy.xml", rss("Busy", []), "application/rss+xml", retry_after="7", fail_status=429)
    web.failures_left["/busy.xml"] = 5
    waits: list[float] = []
    policy = FetchPolicy(retries=2, backoff_base=0.5, backoff_cap=10.0, min_interval=0.0)
    with Fetcher(policy, sleep=waits.append) as fetcher:
        with pytest.raises(FetchError, match=r"HTTP 429 \(after 3 attempts\)"):
            fetcher.get(web.url("/busy.xml"))
    assert waits == [7.0, 7.0]


def test_requests_to_one_host_are_spaced_by_the_minimum_interval(web):
    web.serve("/a.html", html_page("A", GAZETTE_CHESS), "text/html")
    waits: list[float] = []
    frozen_clock = lambda: 100.0  # noqa: E731 - no time passes between requests
    with Fetcher(FetchPolicy(min_interval=2.0), sleep=waits.append, clock=frozen_clock) as fetcher:
        fetcher.get(web.url("/a.html"))
        fetcher.get(web.url("/a.html"))
    assert waits == [2.0, 2.0]  # before the page (after robots.txt) and before the second page


# --- sources ----------------------------------------------------------------------------------------


def test_opml_lists_nested_feeds_with_names_and_languages():
    text = """<?xml version="1.0"?><opml version="1.0"><head/><body>
      <outline text="Europe">
        <outline text="Le Courrier" xmlUrl="https://courrier.example/rss" language="fr"/>
        <outline text="ignored" title="Harbour News" xmlUrl="https://harbour.example/feed"/>
        <outline text="A folder without a feed"/>
        <outline text="Local file" xmlUrl="file:///etc/feed.xml"/>
      </outline>
      <outline text="Le Courrier again" xmlUrl="https://courrier.example/rss"/>
    </body></opml>"""
    specs = parse_opml(text)
    assert [(s.url, s.name, s.language) for s in specs] == [
        ("https://courrier.example/rss", "Le Courrier", "fr"),
        ("https://harbour.example/feed", "Harbour News", None),
    ]
    assert {s.kind for s in specs} == {"feed"}


def test_malformed_or_foreign_opml_is_refused_with_a_reason(tmp_path):
    with pytest.raises(SourceError, match="malformed XML"):
        parse_opml("<opml><body><outline")
    with pytest.raises(SourceError, match="root element is <rss>"):
        parse_opml("<rss/>")
    with pytest.raises(SourceError, match="neither an http"):
        sources_from_argument(str(tmp_path / "missing.opml"))


def test_intervals_read_with_units():
    assert [parse_interval(v) for v in ("90", "30s", "10m", "2h", "1d")] == [
        90,
        30,
        600,
        7200,
        86400,
    ]
    with pytest.raises(ValueError):
        parse_interval("soon")


# --- diff_alerts --------------------------------------------------------------------------------------


def story(story_id: str, articles: set[str], outlets: set[str]) -> StoryState:
    return StoryState(story_id, "Barrier fails", frozenset(articles), frozenset(outlets))


def claim(statements: dict[str, str], contested_by=(), conflicts=()) -> ClaimState:
    return ClaimState(
        "t1",
        "The barrier failed",
        frozenset(statements),
        frozenset(contested_by),
        tuple(conflicts),
        statements,
    )


def test_a_reclustered_story_with_a_new_id_raises_no_alert():
    before = Snapshot(stories=[story("t1", {"a1", "a2"}, {"Herald"})])
    after = Snapshot(stories=[story("t9", {"a1", "a2"}, {"Herald"})])
    assert diff_alerts(before, after) == []


def test_new_stories_and_outlets_joining_a_story_are_alerts():
    before = Snapshot(stories=[story("t1", {"a1"}, {"Herald"})])
    after = Snapshot(
        stories=[story("t1", {"a1", "a2"}, {"Herald", "Courier"}), story("t2", {"a3"}, {"Gazette"})]
    )
    alerts = {(a.kind, a.story_id): a for a in diff_alerts(before, after)}
    assert set(alerts) == {("outlet_joined", "t1"), ("new_story", "t2")}
    assert alerts["outlet_joined", "t1"].details["outlet"] == "Courier"


def test_a_claim_contested_by_a_new_statement_is_an_alert_once():
    wordings = {"s1": "Herald", "s2": "Courier"}
    before = Snapshot(claims=[claim(wordings)])
    after = Snapshot(claims=[claim(wordings, contested_by=["s9"])])
    assert [a.kind for a in diff_alerts(before, after)] == ["contested"]
    assert diff_alerts(after, after) == []


def test_numeric_conflicts_between_outlets_are_alerts_but_not_within_one_outlet():
    between = {"kind": "numeric", "statements": ["s1", "s2"], "values": ["40 homes", "60 homes"]}
    within = {"kind": "numeric", "statements": ["s1", "s3"], "values": ["40 homes", "45 homes"]}
    before = Snapshot(claims=[claim({"s1": "Herald"})])
    after = Snapshot(
        claims=[
            claim({"s1": "Herald", "s2": "Courier", "s3": "Herald"}, conflicts=[between, within])
        ]
    )
    alerts = diff_alerts(before, after)
    assert [a.kind for a in alerts] == ["numeric_conflict"]
    assert "40 homes (Herald) vs 60 homes (Courier)" in alerts[0].message


def test_new_denials_and_article_updates_are_alerts_with_a_diff():
    denial = {
        "article_id": "a2",
        "outlet": "Courier",
        "speaker": "the water authority",
        "text": "that the barrier was neglected",
    }
    before = Snapshot(versions={"http://h.example/1": ("a1",)})
    after = Snapshot(
        stories=[story("t1", {"a1", "a2", "a1b"}, {"Herald", "Courier"})],
        denials={"s7": denial},
        versions={"http://h.example/1": ("a1", "a1b")},
        texts={
            "a1": "First paragraph.\n\nSecond paragraph.",
            "a1b": "First paragraph.\n\nSecond paragraph, corrected.",
        },
    )
    alerts = {a.kind: a for a in diff_alerts(before, after)}
    assert (
        alerts["denial"].story_id == "t1"
        and "the water authority (Courier)" in alerts["denial"].message
    )
    diff = alerts["updated"].details["diff"].splitlines()
    assert "-Second paragraph." in diff and "+Second paragraph, corrected." in diff


def test_an_updated_article_repeating_a_denial_and_numbers_raises_only_the_update():
    denial = {
        "article_id": "a1",
        "outlet": "Courier",
        "speaker": "the authority",
        "text": "that it failed",
    }
    repeated = {**denial, "article_id": "a1b"}
    numbers = {"kind": "numeric", "statements": ["s1", "s2"], "values": ["40 homes", "60 homes"]}
    same_numbers = {**numbers, "statements": ["s1", "s2b"]}
    before = Snapshot(
        stories=[story("t1", {"a0", "a1"}, {"Herald", "Courier"})],
        claims=[claim({"s1": "Herald", "s2": "Courier"}, contested_by=["d1"], conflicts=[numbers])],
        denials={"d1": denial},
        versions={"http://c.example/1": ("a1",)},
    )
    after = Snapshot(
        stories=[story("t1", {"a0", "a1", "a1b"}, {"Herald", "Courier"})],
        claims=[
            claim(
                {"s1": "Herald", "s2": "Courier", "s2b": "Courier"},
                contested_by=["d1", "d1b"],
                conflicts=[numbers, same_numbers],
            )
        ],
        denials={"d1": denial, "d1b": repeated},
        versions={"http://c.example/1": ("a1", "a1b")},
        texts={"a1": "It failed.", "a1b": "It failed.\n\nMore later."},
    )
    assert [a.kind for a in diff_alerts(before, after)] == ["updated"]


# --- the command line -------------------------------------------------------------------------------


def test_cli_adds_lists_and_watches_sources_once(web, tmp_path):
    web.serve(
        "/gazette/chess.html", html_page("Comet spotted from Velden", GAZETTE_CHESS), "text/html"
    )
    feeds = tmp_path / "feeds.opml"
    feeds.write_text(opml([("Valley Courier", web.url("/courier/rss"))]))
    db = str(tmp_path / "cli.db")
    runner = CliRunner()
    added = runner.invoke(
        main,
        [
            "--db",
            db,
            "sources",
            "add",
            web.url("/gazette/chess.html"),
            "--name",
            "Velden Gazette",
            "--kind",
            "page",
        ],
    )
    assert added.exit_code == 0, added.output
    assert runner.invoke(main, ["--db", db, "sources", "add", str(feeds)]).exit_code == 0
    watched = runner.invoke(main, ["--db", db, "watch", "--once"])
    assert watched.exit_code == 0, watched.output
    assert "[new_story]" in watched.output and "failed Valley Courier: HTTP 404" in watched.output
    listed = runner.invoke(main, ["--db", db, "sources", "list"], env={"COLUMNS": "240"})
    assert "Velden Gazette" in listed.output and "failing" in listed.output
    shown = runner.invoke(main, ["--db", db, "alerts"])
    assert "[new_story] New story:" in shown.output
    assert runner.invoke(main, ["--db", db, "watch", "--every", "0"]).exit_code == 2


def test_cli_refuses_a_source_that_is_neither_url_nor_opml(tmp_path):
    result = CliRunner().invoke(
        main, ["--db", str(tmp_path / "x.db"), "sources", "add", "not-a-url"]
    )
    assert result.exit_code == 1 and "neither an http(s) URL nor an OPML file" in result.output


def test_sigterm_stops_a_running_watch_cleanly_with_status_zero(web, tmp_path):
    db = str(tmp_path / "signal.db")
    assert (
        CliRunner().invoke(main, ["--db", db, "sources", "add", web.url("/gone/rss")]).exit_code
        == 0
    )
    watcher = subprocess.Popen(
        [sys.executable, "-m", "crosswire", "--db", db, "watch", "--every", "1h"],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        first_line = watcher.stderr.readline()  # the failing source, reported after the poll
        assert "failed" in first_line and "HTTP 404" in first_line
        watcher.send_signal(signal.SIGTERM)
        assert watcher.wait(timeout=60) == 0
    finally:
        if watcher.poll() is None:
            watcher.kill()
    assert web.requests["/gone/rss"] == 1
