"""Reading articles: datelines, markers, every format, and one clear line for each bad input."""

from __future__ import annotations

import json
from dataclasses import replace

from crosswire.ingest import parse_dateline, read_paths
from crosswire.records import Article, Rejection
from crosswire.settings import load_settings

BODY = "The harbour master said the quay would reopen on Monday after repairs."


def read(*paths, **options) -> tuple[list[Article], list[Rejection]]:
    items = list(read_paths(paths, **options))
    return (
        [i for i in items if isinstance(i, Article)],
        [i for i in items if isinstance(i, Rejection)],
    )


def test_agency_dateline_without_year_gives_outlet_and_partial_date():
    body, meta = parse_dateline(f"DORSK, March 2. /VELNEWS/. {BODY}")
    assert body == BODY
    assert meta["outlet"] == "VELNEWS" and meta["city"] == "DORSK"
    assert meta["date_partial"] == "--03-02" and "date" not in meta


def test_wire_datelines_with_and_without_date():
    body, meta = parse_dateline(f"TARNIV (Meridian Wire) — {BODY}")
    assert (body, meta["outlet"], meta["city"]) == (BODY, "Meridian Wire", "TARNIV")
    body, meta = parse_dateline(f"LISSENDORF, March 10 (Meridian Wire) - {BODY}")
    assert body == BODY and meta["date_partial"] == "--03-10"


def test_date_marker_leading_on_the_same_line_or_trailing_is_stripped():
    for text in (f"date 2026-03-02 {BODY}", f"date 2026-03-02\n{BODY}", f"{BODY} date 2026-03-02"):
        body, meta = parse_dateline(text)
        assert body == BODY
        assert meta["date"] == "2026-03-02"


def test_marker_completes_a_dateline_without_year():
    body, meta = parse_dateline(f"date 2026-03-10\n\nLISSENDORF, March 10 (Meridian Wire) - {BODY}")
    assert body == BODY and meta["date"] == "2026-03-10" and "date_partial" not in meta


def test_dateline_span_points_into_the_raw_text():
    raw = f"TARNIV (Meridian Wire) — {BODY}"
    _, meta = parse_dateline(raw)
    span = meta["dateline"]
    assert raw[span["start"] : span["end"]] == span["text"]
    assert span["text"].startswith("TARNIV")


def test_text_file_with_crlf_and_bom_is_normalised(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(
        ("\ufeffTARNIV (Meridian Wire) — " + BODY + "\r\n\r\nSecond paragraph.").encode()
    )
    [article], [] = read(path)
    assert article.text == BODY + "\n\nSecond paragraph."
    assert article.outlet == "Meridian Wire" and article.language == "en"


def test_same_content_gives_the_same_id_and_is_read_once(tmp_path):
    (tmp_path / "a.txt").write_text(f"TARNIV (Meridian Wire) — {BODY}")
    (tmp_path / "b.txt").write_text(f"TARNIV (Meridian Wire) — {BODY}\n")
    articles, _ = read(tmp_path)
    assert len(articles) == 1
    assert articles[0].id == Article.content_id(BODY, "Meridian Wire")


def test_html_page_gives_text_title_outlet_date_and_url(tmp_path):
    page = tmp_path / "p.html"
    page.write_text(
        "<!doctype html><html><head><title>Quay to reopen</title>"
        '<meta property="og:site_name" content="Tarniv Courier">'
        '<meta property="article:published_time" content="2026-03-05T08:00:00Z">'
        '<link rel="canonical" href="https://courier.example/quay"></head>'
        "<body><nav>Home | Sport</nav><article><h1>Quay to reopen</h1>"
        f"<p>{BODY}</p><p>Traders welcomed the news, the chamber of commerce said in a statement "
        "on Tuesday, adding that business had fallen by half.</p></article>"
        "<footer>Copyright</footer></body></html>"
    )
    [article], [] = read(page)
    assert article.text.startswith(BODY)
    assert "Copyright" not in article.text
    assert (article.outlet, article.date, article.title) == (
        "Tarniv Courier",
        "2026-03-05",
        "Quay to reopen",
    )
    assert article.url == "https://courier.example/quay"


def test_jsonl_keeps_unknown_keys_and_rejects_only_the_broken_line(tmp_path):
    path = tmp_path / "batch.jsonl"
    good = {
        "text": BODY,
        "title": "Quay",
        "outlet": "Buzzline",
        "date": "2026-03-02",
        "section": "news",
    }
    path.write_text(json.dumps(good) + "\n{broken json\n" + json.dumps({"title": "no text"}) + "\n")
    [article], rejections = read(path)
    assert article.metadata == {"section": "news"} and article.source_path == f"{path}#1"
    assert [(r.line, r.reason.split(":")[0]) for r in rejections] == [
        (2, "malformed JSON on line 2"),
        (3, "no article text on line 3"),
    ]


def test_rss_and_atom_entries_are_articles(tmp_path):
    rss = tmp_path / "feed.xml"
    rss.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Brevania Radio</title>'
        f"<item><title>One</title><link>https://r.example/1</link><pubDate>Mon, 02 Mar 2026 10:00:00 GMT</pubDate>"
        f"<description>&lt;p&gt;{BODY}&lt;/p&gt;</description></item>"
        "<item><title>Two</title><description>The ministry denied the report on Tuesday.</description></item>"
        "</channel></rss>"
    )
    atom = tmp_path / "feed.atom"
    atom.write_text(
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Wire</title>'
        "<entry><title>A</title><updated>2026-03-04T00:00:00Z</updated>"
        f'<content type="html">&lt;p&gt;{BODY}&lt;/p&gt;</content></entry></feed>'
    )
    articles, [] = read(rss, atom)
    assert [(a.outlet, a.title) for a in articles] == [
        ("Brevania Radio", "One"),
        ("Brevania Radio", "Two"),
        ("Atom Wire", "A"),
    ]
    assert articles[0].text == BODY and articles[0].date == "2026-03-02"
    assert articles[0].source_path.endswith("feed.xml#1") and articles[2].date == "2026-03-04"


def test_sidecar_and_flags_override_detected_metadata(tmp_path):
    path = tmp_path / "copy.txt"
    path.write_text(f"TARNIV (Meridian Wire) — {BODY}")
    (tmp_path / "copy.meta.json").write_text('{"outlet": "Tarniv Courier", "date": "2026-03-05"}')
    [article], [] = read(path)
    assert (article.outlet, article.date) == ("Tarniv Courier", "2026-03-05")
    [article], [] = read(path, outlet="Flag Outlet", date="2026-04-01")
    assert (article.outlet, article.date) == ("Flag Outlet", "2026-04-01")


def test_legacy_encoding_is_detected(tmp_path):
    path = tmp_path / "cp1251.txt"
    text = "Министр заявил в понедельник, что порт снова откроется после ремонта причала."
    path.write_bytes(text.encode("cp1251"))
    [article], [] = read(path)
    assert article.text == text and article.language == "ru" and not article.is_english


def test_each_bad_input_gets_one_line_with_its_reason(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "blob.bin").write_bytes(b"\x89PNG\x00\x00\x01" * 50)
    (tmp_path / "page.html").write_text("<html><body><nav>menu</nav></body></html>")
    (tmp_path / "big.txt").write_text("word " * 400)
    settings = replace(load_settings(), max_file_bytes=1000)
    _, rejections = read(tmp_path, tmp_path / "missing.txt", settings=settings)
    reasons = {r.path.rsplit("/", 1)[-1]: r.reason for r in rejections}
    assert reasons["empty.txt"] == "empty file"
    assert reasons["blob.bin"].startswith("binary file")
    assert reasons["page.html"].startswith("not an article")
    assert reasons["big.txt"].startswith("over size limit")
    assert reasons["missing.txt"] == "no such file or folder"
    assert all(str(r).count("\n") == 0 for r in rejections)


def test_seeds_give_agency_dateline_and_date_marker(seeds_dir):
    articles, [] = read(seeds_dir)
    first, second = sorted(articles, key=lambda a: a.source_path)
    assert (first.outlet, first.date, first.date_partial) == ("TASS", None, "--12-29")
    assert second.date == "2025-12-29"
    assert second.text.startswith("Russian President")
