"""The story explorer over a real store built by the real pipeline, through FastAPI's TestClient."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import pytest
from conftest import REPO
from fastapi.testclient import TestClient
from strike_corpus import analysed_store

from crosswire import pipeline, report
from crosswire.ingest import read_paths
from crosswire.store import Store, StoreError
from crosswire.web import create_app, views


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    """A store analysed by the real pipeline, built once for the module."""
    return analysed_store(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def client(store_path) -> TestClient:
    return TestClient(create_app(store_path, read_only=True))


@pytest.fixture(scope="module")
def strike_story(client) -> dict:
    """The story that holds the Varnholt quote, as the JSON API returns it."""
    [row] = client.get("/api/stories", params={"q": "dock gate"}).json()["stories"]
    return client.get(f"/api/stories/{row['id']}").json()


def test_story_list_shows_outlets_article_count_dates_and_contested_claims(client):
    page = client.get("/")
    assert page.status_code == 200
    rows = client.get("/api/stories").json()["stories"]
    both = [r for r in rows if {"Harbor Ledger", "Coastline Daily"} <= set(r["outlets"])]
    assert both, rows
    assert both[0]["article_count"] == 2
    assert both[0]["date_range"] == ["2026-04-07", "2026-04-07"]
    assert isinstance(both[0]["contested_claims"], int)
    assert f'href="/stories/{both[0]["id"]}"' in page.text


def test_search_finds_stories_by_article_words_speakers_and_entities(client):
    for query in ("stranded passengers", "Varnholt", "elvan maritime"):
        found = client.get("/api/stories", params={"q": query}).json()["stories"]
        assert found, query
    assert client.get("/api/stories", params={"q": "volcano"}).json()["stories"] == []
    assert "No story matches" in client.get("/stories", params={"q": "volcano"}).text


def test_search_index_matches_word_starts_without_accents_and_needs_every_word(store_path):
    with Store(store_path, read_only=True) as store:
        outlets = {a.id: a.outlet for a in store.articles()}
        assert {outlets[i] for i in store.search_article_ids("Várnholt")} == set(outlets.values())
        assert {outlets[i] for i in store.search_article_ids("strand")} == {"Coastline Daily"}
        assert {outlets[i] for i in store.search_article_ids("dock gate")} == {"Harbor Ledger"}
        assert store.search_article_ids('gate" OR "x') == store.search_article_ids("gate x")


def test_stories_can_be_filtered_by_outlet_and_date(client):
    by_outlet = client.get("/api/stories", params={"outlet": "Harbor Ledger"}).json()["stories"]
    assert by_outlet and all("Harbor Ledger" in r["outlets"] for r in by_outlet)
    later = client.get("/api/stories", params={"date_from": "2026-05-01"}).json()["stories"]
    assert later == []
    around = {"date_from": "2026-04-01", "date_to": "2026-04-30"}
    assert client.get("/api/stories", params=around).json()["stories"]


def test_story_json_spans_point_at_the_stored_article_text(strike_story):
    texts = {a["id"]: a["text"] for a in strike_story["articles"]}
    statements = [s for found in strike_story["statements"].values() for s in found]
    assert statements
    for s in statements:
        content = s["content"]
        assert texts[s["article_id"]][content["start"] : content["end"]] == content["text"]
    for row in strike_story["matrix"]:
        for cell in row["cells"]:
            assert cell["state"] in {"carried", "omitted", "contested", "conflicting"}
            for span in cell["spans"]:
                assert cell["state"] != "omitted"
                assert span["article_id"] in texts


def test_story_page_marks_spans_and_colours_them_by_speaker(client, strike_story):
    page = client.get(f"/stories/{strike_story['story']['id']}").text
    assert 'class="article-text"' in page
    assert "data-span=" in page and 'class="speaker"' in page
    varnholt = next(s for s in strike_story["speakers"] if "Varnholt" in s["name"])
    first = varnholt["statement_ids"][0]
    assert f'.content[data-statement="{first}"]' in page
    assert f"var(--sp{varnholt['colour']})" in page
    assert f'title="{varnholt["name"]} — ' in page  # hover names the speaker, no script needed


def test_claim_cells_link_to_their_statements_without_javascript(client, strike_story):
    page = client.get(f"/stories/{strike_story['story']['id']}").text
    cells = [c for row in strike_story["matrix"] for c in row["cells"] if c["spans"]]
    assert cells, "the strike story should have a claim carried by an outlet"
    first = cells[0]["spans"][0]
    assert f'href="#s-{first["statement_id"]}"' in page
    assert f'id="s-{first["statement_id"]}"' in page
    assert f"{first['article_id']}:{first['start']}:{first['end']}" in page


def test_story_page_shows_timeline_framing_and_entities(client, strike_story):
    page = client.get(f"/stories/{strike_story['story']['id']}").text
    for section in ('id="timeline"', 'id="framing"', 'id="entities"'):
        assert section in page
    names = {e["name"] for e in strike_story["entities"]}
    assert any("Varnholt" in n for n in names), names
    entity = next(e for e in strike_story["entities"] if "Varnholt" in e["name"])
    assert f'href="/entities/{entity["id"]}"' in page
    assert set(entity["spellings_by_outlet"]) <= set(strike_story["outlets"])


def test_hostile_article_text_and_titles_are_escaped(client, strike_story):
    page = client.get(f"/stories/{strike_story['story']['id']}").text
    assert "<script>window.__pwned" not in page
    assert "&lt;script&gt;window.__pwned" in page
    assert '<img src=x onerror="window.__pwned' not in page
    assert "<b>bold</b>" not in page
    data = page.split('<script type="application/json" id="statement-data">')[1]
    assert "</script" not in data.split("</script>")[0].lower()


def test_entity_page_lists_statements_by_the_entity_across_outlets(client, strike_story):
    entity = next(e for e in strike_story["entities"] if "Varnholt" in e["name"])
    view = client.get(f"/api/entities/{entity['id']}").json()
    outlets = {s["outlet"] for s in view["statements_by"]}
    assert outlets == {"Harbor Ledger", "Coastline Daily"}
    assert set(view["entity"]["spellings_by_outlet"]) == outlets
    assert any("promised" in s["content"]["text"] for s in view["statements_by"])
    page = client.get(f"/entities/{entity['id']}").text
    assert "Statements by" in page and "Coastline Daily" in page


def test_unknown_story_or_entity_is_not_found(client):
    assert client.get("/stories/nope").status_code == 404
    assert client.get("/api/stories/nope").json() == {"detail": "no story 'nope' in this store"}
    assert client.get("/entities/nope").status_code == 404


def test_api_is_described_by_the_openapi_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/stories", "/api/stories/{story_id}", "/api/entities/{entity_id}"):
        assert "get" in paths[path]
    assert "post" in paths["/api/upload"]


def test_pages_load_nothing_from_other_hosts(client, strike_story):
    assert client.get("/docs").status_code == 404  # FastAPI's docs page would load a CDN
    for url in ("/", f"/stories/{strike_story['story']['id']}", "/upload", "/entities/nope"):
        page = client.get(url).text
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), url


def test_read_only_explorer_refuses_uploads_and_leaves_the_store_unchanged(client, store_path):
    before = store_path.read_bytes()
    assert client.get("/upload").status_code == 403
    sent = client.post("/api/upload", files={"files": ("a.txt", b"Some text.", "text/plain")})
    assert sent.status_code == 403
    assert 'href="/upload"' not in client.get("/").text
    assert store_path.read_bytes() == before


def test_read_only_explorer_needs_an_existing_store(tmp_path):
    with pytest.raises(StoreError, match="no such store"):
        create_app(tmp_path / "missing.db", read_only=True)
    assert not (tmp_path / "missing.db").exists()


def test_upload_adds_articles_and_reports_bad_files_as_the_cli_does(store_path, tmp_path):
    writable = tmp_path / "copy.db"
    shutil.copy(store_path, writable)
    client = TestClient(create_app(writable))
    assert client.get("/upload").status_code == 200
    good = json.dumps(
        {
            "outlet": "Harbor Ledger",
            "date": "2026-04-08",
            "language": "en",
            "title": "Port Elvan strike enters second day",
            "text": 'The strike entered its second day. "We are not moving," Ilsa Varnholt said.',
        }
    )
    bad = b"\x00\x01\x02 not an article"
    expected = [str(r) for r in read_paths([_write(tmp_path / "broken.txt", bad)])]
    files = [
        ("files", ("day-two.jsonl", good.encode(), "application/json")),
        ("files", ("broken.txt", bad, "text/plain")),
    ]
    result = client.post("/api/upload", files=files).json()
    assert len(result["added"]) == 1
    assert result["rejected"] == [
        f"rejected {line.replace(str(tmp_path / 'broken.txt'), 'broken.txt')}" for line in expected
    ]
    with Store(writable, read_only=True) as store:
        assert result["added"][0] in {a.id for a in store.articles()}
    again = client.post("/upload", files=files[:1])
    assert "1 already stored" in again.text


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_timeline_chart_spaces_days_by_rank_and_labels_at_most_ten():
    from crosswire.web.views import timeline_chart

    events = [{"date": f"2026-01-{day:02d}", "event_type": "statement"} for day in range(1, 31)]
    events += [{"date": "1994-01-01", "event_type": "agreement"}, {"date": None}]
    chart = timeline_chart(events)
    xs = sorted({p["x"] for p in chart["points"]})
    assert len(xs) == 31 and len({round(b - a, 1) for a, b in zip(xs, xs[1:], strict=False)}) == 1
    assert 0 < len([t for t in chart["ticks"] if t["label"]]) <= 10
    assert len(chart["points"]) == 31  # the undated event stays in the table only


def test_every_report_says_what_the_matrix_marks_mean(client, store_path, strike_story):
    import html

    from crosswire import report

    assert strike_story["matrix"], "the strike story should have a claim matrix"
    page = html.unescape(client.get(f"/stories/{strike_story['story']['id']}").text)
    with Store(store_path, read_only=True) as store:
        document = report.build_document(store)
    markdown = report.to_markdown(document)
    rendered = html.unescape(report.to_html(document))
    for mark, meaning in report.MATRIX_MARKS.items():
        assert f'title="{meaning}">{mark}<' in page
        assert f"{mark}: {meaning}" in markdown
        assert f"{mark}: {meaning}" in rendered
    assert report.SOURCES_NOTE in page and report.SOURCES_NOTE in markdown


def test_events_dated_only_by_their_article_say_so(client, store_path, strike_story):
    from crosswire import report

    events = strike_story["timeline"]
    weak = [e for e in events if report.dated_by_article_only(e)]
    assert weak and len(weak) < len(events), "the strike story dates events both ways"
    page = client.get(f"/stories/{strike_story['story']['id']}").text
    note = report.ARTICLE_DATE_NOTE.replace("'", "&#39;")
    assert page.count(note) == len(weak)
    with Store(store_path, read_only=True) as store:
        document = report.build_document(store)
    all_weak = sum(report.dated_by_article_only(e) for e in document["timeline"])
    assert report.to_markdown(document).count(report.ARTICLE_DATE_NOTE) == all_weak
    assert report.to_html(document).count(note) == all_weak
    assert not report.dated_by_article_only({"evidence": []})
    mixed = [{"date_basis": "article date"}, {"date_basis": "expression"}]
    assert not report.dated_by_article_only({"evidence": mixed})


def test_the_story_page_lists_what_each_conflict_opposes(client, store_path):
    from crosswire import report

    with Store(store_path, read_only=True) as store:
        views = report.story_views(report.build_document(store))
    shown = [v for v in views if v["conflicts"]]
    assert shown, "the strike corpus should have a story whose statements conflict"
    view = shown[0]
    page = client.get(f"/stories/{view['story']['id']}").text
    assert 'id="conflicts"' in page
    for conflict in view["conflicts"]:
        for side in conflict["sides"]:
            where = f"{side['article_id']}:{side['span']['start']}:{side['span']['end']}"
            assert f'href="#s-{side["statement_id"]}" data-spans="{where}"' in page


def test_reports_read_the_summary_and_framing_instead_of_dumping_json(client, store_path):
    import html

    from crosswire import report

    with Store(store_path, read_only=True) as store:
        document = report.build_document(store)
    markdown = report.to_markdown(document)
    rendered = html.unescape(report.to_html(document))
    assert "```json" not in markdown  # framing was a raw JSON dump, cut at 6,000 characters
    view = next(v for v in report.story_views(document) if v["summary"] and v["framing"])
    labels = {row["claim"]["id"]: row["label"] for row in view["matrix"]}
    sections = report.summary_sections(view["summary"], labels)
    assert sections
    page = html.unescape(client.get(f"/stories/{view['story']['id']}").text)
    for title, entries in sections:
        for text in (markdown, rendered, page):
            assert title in text and entries[0] in text
    for row in report.framing_table(view["framing"], view["outlets"]):
        assert f"| {row['outlet']} | {row['narrator_statements']} |" in markdown


@pytest.fixture(scope="module")
def demo_store_path(tmp_path_factory) -> Path:
    """The demo corpus (several stories) analysed by the real pipeline."""
    path = tmp_path_factory.mktemp("demo") / "crosswire.db"
    with Store(path) as store:
        pipeline.analyze(store, [REPO / "demo" / "corpus"])
    return path


def test_a_story_read_alone_is_the_story_the_whole_report_shows(demo_store_path):
    # The explorer reads one story's rows only; what it shows must be what the whole
    # report shows for that story.
    with Store(demo_store_path, read_only=True) as store:
        whole = report.story_views(report.build_document(store))
        assert len(whole) >= 2
        for view in whole:
            members = set(view["story"]["article_ids"])
            alone = report.build_document(store, view["story"]["article_ids"][:1])
            # read alone, an entity lists its mentions in this story only
            in_story = [
                {**e, "mentions": [m for m in e["mentions"] if m["article_id"] in members]}
                for e in view["entities"]
            ]
            assert report.story_views(alone) == [{**view, "entities": in_story}]
            assert view["entities"] and view["claims"] and view["timeline"]
        for entity in store.entities():
            assert store.entities([entity["id"]]) == [entity]


def test_the_story_list_counts_the_claims_that_are_contested_or_conflict(demo_store_path):
    with Store(demo_store_path, read_only=True) as store:
        claims = store.claims()
        expected = Counter(
            c["story_id"] for c in claims if c.get("contested") or c.get("conflicts")
        )
        assert expected and len(expected) < len(claims)
        assert store.contested_claim_counts() == dict(expected)


def test_the_story_list_comes_a_page_at_a_time_with_links_that_keep_the_filters(
    demo_store_path, monkeypatch
):
    monkeypatch.setattr(views, "STORIES_PER_PAGE", 2)
    client = TestClient(create_app(demo_store_path, read_only=True))
    first = client.get("/api/stories").json()
    assert first["matching"] == first["total"] >= 3
    assert first["pages"] == -(-first["total"] // 2) and len(first["stories"]) == 2
    seen = []
    for number in range(1, first["pages"] + 1):
        listing = client.get("/api/stories", params={"page": number}).json()
        assert listing["page"] == number
        seen += listing["stories"]
    assert len({s["id"] for s in seen}) == len(seen) == first["total"], "each story on one page"
    past = client.get("/api/stories", params={"page": 99}).json()
    assert past["page"] == first["pages"] and past["stories"]

    outlet, stories = Counter(o for s in seen for o in s["outlets"]).most_common(1)[0]
    assert stories >= 3
    html = client.get("/stories", params={"outlet": outlet, "page": 1}).text
    wanted = urlencode({"q": "", "outlet": outlet, "date_from": "", "date_to": "", "page": 2})
    assert f'href="/stories?{wanted.replace("&", "&amp;")}" rel="next"' in html
