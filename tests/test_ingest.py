"""Reading articles: datelines, markers, every format, and one clear line for each bad input."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest

from crosswire.ingest import (
    decode,
    detect_language,
    language_code,
    normalize_date,
    parse_dateline,
    read_paths,
    read_text_article,
)
from crosswire.records import Article, Rejection
from crosswire.settings import load_settings

FIXTURES = Path(__file__).resolve().parent / "data" / "ingest"
BODY = "The harbour master said the quay would reopen on Monday after repairs."


def read(*paths, **options) -> tuple[list[Article], list[Rejection]]:
    items = list(read_paths(paths, **options))
    return (
        [i for i in items if isinstance(i, Article)],
        [i for i in items if isinstance(i, Rejection)],
    )


def read_one(path, **options) -> Article:
    articles, rejections = read(path, **options)
    assert rejections == [] and len(articles) == 1
    return articles[0]


def reasons_by_name(rejections: list[Rejection]) -> dict[str, str]:
    return {Path(r.path).name: r.reason for r in rejections}


# --- datelines and markers on one string ------------------------------------------------------


def test_agency_dateline_without_year_gives_outlet_city_and_partial_date():
    body, meta = parse_dateline(f"DORSK, March 2. /VELNEWS/. {BODY}")
    assert body == BODY
    assert meta["outlet"] == "VELNEWS" and meta["city"] == "DORSK"
    assert meta["date_partial"] == "--03-02" and "date" not in meta


def test_wire_datelines_with_and_without_date():
    body, meta = parse_dateline(f"TARNIV (Meridian Wire) — {BODY}")
    assert (body, meta["outlet"], meta["city"]) == (BODY, "Meridian Wire", "TARNIV")
    body, meta = parse_dateline(f"LISSENDORF, March 10 (Meridian Wire) - {BODY}")
    assert body == BODY and meta["date_partial"] == "--03-10"


def test_day_first_dateline_with_year_gives_full_date():
    body, meta = parse_dateline(f"SÃO VELHO, 29 December 2025 (Meridian Wire) - {BODY}")
    assert (body, meta["city"], meta["date"]) == (BODY, "SÃO VELHO", "2025-12-29")


def test_dateline_with_region_and_abbreviated_month():
    body, meta = parse_dateline(f"TARNIV, Brevania (Meridian Wire) — {BODY}")
    assert (body, meta["city"], meta["region"]) == (BODY, "TARNIV", "Brevania")
    body, meta = parse_dateline(f"DORSK, Dec. 29 (Velmar Agency) -- {BODY}")
    assert (body, meta["outlet"], meta["date_partial"]) == (BODY, "Velmar Agency", "--12-29")


def test_sentence_starting_with_capitals_is_not_a_dateline():
    for text in (f"US officials said {BODY}", f"The UN (in a statement) - {BODY}", BODY):
        body, meta = parse_dateline(text)
        assert body == text and "outlet" not in meta


def test_impossible_day_gives_no_date():
    _, meta = parse_dateline(f"DORSK, February 30. /VELNEWS/. {BODY}")
    assert meta["outlet"] == "VELNEWS" and "date" not in meta and "date_partial" not in meta


def test_date_marker_leading_on_the_same_line_or_trailing_is_stripped():
    for text in (
        f"date 2026-03-02 {BODY}",
        f" date 2026-03-02 {BODY}",
        f"date 2026-03-02\n{BODY}",
        f"Date: 2026-03-02\n\n{BODY}",
        f"{BODY} date 2026-03-02",
        f"{BODY}\n\ndate 2026-03-02\n",
    ):
        body, meta = parse_dateline(text)
        assert body == BODY, text
        assert meta["date"] == "2026-03-02"


def test_marker_completes_a_dateline_without_year():
    body, meta = parse_dateline(f"date 2026-03-10\n\nLISSENDORF, March 10 (Meridian Wire) - {BODY}")
    assert body == BODY and meta["date"] == "2026-03-10" and "date_partial" not in meta
    body, meta = parse_dateline(f"Talks end\n\ndate 2026-03-10\nLISSENDORF, March 10 (X) - {BODY}")
    assert (body, meta["title"], meta["date"]) == (BODY, "Talks end", "2026-03-10")


def test_dateline_span_points_into_the_raw_text():
    raw = f"Quay to reopen\n\nTARNIV (Meridian Wire) — {BODY}"
    article = read_text_article(raw, "a.txt")
    span = article.dateline
    assert raw[span.start : span.end] == span.text == "TARNIV (Meridian Wire) — "
    assert article.text == BODY and article.title == "Quay to reopen"


def test_only_a_clear_headline_becomes_the_title():
    not_titles = (
        f"The quay will reopen.\n\n{BODY}",  # a sentence, not a headline
        f"By Anna Verel\n\n{BODY}",  # a byline
        f"Quay to reopen\n{BODY}",  # no blank line after it
    )
    for text in not_titles:
        assert read_text_article(text, "a.txt").title is None, text


# --- dates and languages --------------------------------------------------------------------


def test_dates_are_normalised_and_a_missing_year_is_never_taken_from_today():
    assert normalize_date("2026-03-05T23:30:00-05:00") == ("2026-03-05", None)
    assert normalize_date("5 March 2026") == ("2026-03-05", None)
    assert normalize_date("Thu, 05 Mar 2026 10:00:00 GMT") == ("2026-03-05", None)
    assert normalize_date("March 5") == (None, "--03-05")
    for not_a_date in ("Monday", "March 2026", "yesterday", "2026-02-30", ""):
        assert normalize_date(not_a_date) == (None, None), not_a_date


def test_language_tags_and_names_become_iso_codes():
    assert [language_code(v) for v in ("en-GB", "EN_us", "English", "fr")] == [
        "en",
        "en",
        "en",
        "fr",
    ]
    assert detect_language("Le maire a annoncé samedi que le port rouvrirait lundi.") == "fr"


# --- each format from fixture files ------------------------------------------------------------


def test_agency_dateline_file_gives_outlet_city_partial_date_and_span():
    path = FIXTURES / "wire" / "agency-dateline.txt"
    article = read_one(path)
    assert (article.outlet, article.date, article.date_partial) == ("OSTPRESS", None, "--04-07")
    assert article.metadata["city"] == "KELLMARSH"
    assert article.text.startswith("The Kellmarsh port authority said")
    assert "\n\n" in article.text  # paragraph breaks are kept
    raw = path.read_text(encoding="utf-8")
    assert raw[article.dateline.start : article.dateline.end] == article.dateline.text
    assert article.source_path == str(path) and article.is_english


def test_dash_dateline_file_gives_outlet_and_no_date():
    article = read_one(FIXTURES / "wire" / "dash-dateline.txt")
    assert (article.outlet, article.date, article.date_partial) == ("Coastal Wire", None, None)
    assert article.text.startswith("Fishermen in Pellwick")


def test_trailing_marker_on_its_own_line_completes_a_dateline_date():
    article = read_one(FIXTURES / "wire" / "dated-dateline-trailing-marker.txt")
    assert (article.date, article.date_partial) == ("2026-04-08", None)
    assert article.text.endswith("according to the council.")


def test_leading_marker_on_the_body_line_is_stripped_like_the_seed():
    article = read_one(FIXTURES / "wire" / "marker-same-line.txt")
    assert article.date == "2026-04-09" and article.outlet is None
    assert article.text.startswith("The mayor of Pellwick said")


def test_headline_dateline_and_same_line_trailing_marker_together():
    article = read_one(FIXTURES / "wire" / "headline-and-same-line-trailing-marker.txt")
    assert article.title == "Ferry service resumes after storm"
    assert (article.outlet, article.date) == ("Coastal Wire", "2026-04-10")
    assert article.text.startswith("The ferry to the outer islands")
    assert article.text.endswith("according to a harbour official.")


def test_html_page_gives_text_title_outlet_date_and_url():
    article = read_one(FIXTURES / "web" / "harbour-page.html")
    assert article.text.startswith("The Kellmarsh quay reopened on Sunday")
    assert article.text.count("\n\n") == 2
    assert "Copyright" not in article.text and "Sport" not in article.text
    assert (article.outlet, article.date, article.title) == (
        "Kellmarsh Courier",
        "2026-04-12",
        "Quay reopens after repairs",
    )
    assert article.url == "https://courier.example/news/quay-reopens"


def test_tiny_html_page_still_gives_its_text(tmp_path):
    page = tmp_path / "tiny.htm"
    page.write_text(f"<html><body><p>{BODY}</p></body></html>")
    assert read_one(page).text == BODY


def test_jsonl_keeps_unknown_keys_and_rejects_only_the_broken_lines():
    path = FIXTURES / "web" / "batch.jsonl"
    articles, rejections = read(path)
    first, french = articles
    assert first.source_path == f"{path}#1" and french.source_path == f"{path}#5"
    assert first.metadata == {"section": "Local", "author": "Staff"}
    assert (first.outlet, first.date, first.url) == (
        "Shoreline Daily",
        "2026-04-11",
        "https://shoreline.example/rescue",
    )
    assert [(r.line, r.reason.split(":")[0]) for r in rejections] == [
        (2, "malformed JSON on line 2"),
        (3, "no article text on line 3"),
    ]
    assert str(rejections[0]).startswith(f"{path}:2: malformed JSON on line 2: ")


def test_parquet_rows_are_articles_read_in_batches_and_bad_rows_are_rejected(tmp_path):
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as parquet

    rows = 600  # more than one batch of rows
    texts = [f"{BODY} Item {n} of the shard." for n in range(rows)]
    texts[3] = ""  # a row without text
    table = pa.table(
        {
            "text": texts,
            "outlet": ["Shoreline Daily"] * rows,
            "date": [dt.date(2026, 4, 11)] * rows,
            "section": ["Local"] * rows,
            "language": ["en"] * rows,
        }
    )
    path = tmp_path / "shard-0001.parquet"
    parquet.write_table(table, path, row_group_size=100)
    articles, rejections = read(path)
    assert len(articles) == rows - 1
    assert (articles[0].outlet, articles[0].date) == ("Shoreline Daily", "2026-04-11")
    assert articles[0].metadata == {"section": "Local"}
    assert articles[-1].source_path == f"{path}#{rows}"
    assert [(r.line, r.reason) for r in rejections] == [(4, "no article text in row 4")]


def test_parquet_without_a_text_column_or_broken_is_one_rejection(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as parquet

    parquet.write_table(pa.table({"headline": ["A", "B"]}), tmp_path / "no-text.parquet")
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 this is not really parquet")
    articles, rejections = read(tmp_path)
    assert articles == []
    reasons = reasons_by_name(rejections)
    assert reasons["no-text.parquet"] == "no 'text' or 'body' column in Parquet file"
    assert reasons["broken.parquet"].startswith("malformed Parquet file (")
    assert all("\n" not in r for r in reasons.values())


def test_gzipped_jsonl_shards_are_streamed_like_plain_ones(tmp_path):
    import gzip

    lines = [json.dumps({"text": f"{BODY} Shard line {n}.", "outlet": "Wire"}) for n in range(3)]
    with gzip.open(tmp_path / "part-0.jsonl.gz", "wt", encoding="utf-8") as out:
        out.write("\n".join(lines[:2]) + "\n{broken\n")
    with gzip.open(tmp_path / "part-1.jsonl.gz", "wt", encoding="utf-8") as out:
        out.write(lines[2] + "\n")
    (tmp_path / "part-2.jsonl.gz").write_bytes(b"not gzip at all")
    articles, rejections = read(tmp_path)
    assert [a.text.split()[-1] for a in articles] == ["0.", "1.", "2."]
    assert [(Path(r.path).name, r.line) for r in rejections] == [
        ("part-0.jsonl.gz", 3),
        ("part-2.jsonl.gz", None),
    ]
    assert "cannot read file" in rejections[1].reason


def test_non_english_articles_are_kept_and_flagged():
    _, french = read(FIXTURES / "web" / "batch.jsonl")[0]
    assert french.text.startswith("Les pêcheurs") and french.date == "2026-04-11"
    assert (french.language, french.is_english) == ("fr", False)


def test_json_file_holds_one_article_or_a_list(tmp_path):
    single = tmp_path / "one.json"
    single.write_text(json.dumps({"text": BODY, "outlet": "Buzzline"}, indent=2))
    many = tmp_path / "many.json"
    many.write_text(json.dumps([{"text": BODY}, {"body": BODY + " Traders cheered."}]))
    articles, rejections = read(single, many)
    assert rejections == []
    assert [a.source_path for a in articles] == [str(single), f"{many}#1", f"{many}#2"]


def test_rss_entries_are_articles_with_feed_title_as_outlet():
    path = FIXTURES / "feeds" / "radio.rss"
    first, second = read(path)[0]
    assert (first.outlet, first.title) == ("Islands Public Radio", "Sea wall funds approved")
    assert first.text.startswith("The regional council approved")  # content:encoded, not summary
    assert first.text.count("\n\n") == 1 and "<p>" not in first.text
    assert first.date == "2026-04-08"  # the date as written, not shifted to UTC
    assert (first.source_path, second.source_path) == (f"{path}#1", f"{path}#2")
    assert first.url == "https://ipr.example/news/sea-wall"
    assert second.text.startswith("The island ferry") and second.date == "2026-04-10"


def test_feed_entry_without_text_is_rejected_and_the_others_read(tmp_path):
    path = tmp_path / "feed.rss"
    path.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Islands Radio</title>'
        "<item><title>Headline only</title></item>"
        f"<item><title>Two</title><description>{BODY}</description></item></channel></rss>"
    )
    [article], [rejection] = read(path)
    assert article.source_path == f"{path}#2" and article.text == BODY
    assert (rejection.line, rejection.reason) == (1, "not an article (no text found) in entry 1")


def test_plain_text_feed_summary_keeps_angle_brackets(tmp_path):
    path = tmp_path / "feed.atom"
    path.write_text(
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Tide Wire</title>'
        '<entry><title>Tides</title><summary type="text">Levels rose where depth &lt; 2 m and '
        "flow &gt; 3 knots, the office said.</summary></entry></feed>"
    )
    article = read_one(path)
    assert article.text == "Levels rose where depth < 2 m and flow > 3 knots, the office said."


def test_atom_entry_is_an_article_and_its_dateline_is_stripped():
    article = read_one(FIXTURES / "feeds" / "wire.atom")
    assert (article.outlet, article.date) == ("Coastal Wire", "2026-04-09")
    assert article.text.startswith("The mayor of Pellwick said")
    assert article.url == "https://coastal.example/ferry-timetable"


def test_folder_is_read_recursively_in_order_without_hidden_files_or_sidecars():
    articles, rejections = read(FIXTURES)
    paths = [a.source_path for a in articles]
    assert paths == sorted(paths, key=lambda p: Path(p.split("#")[0]))
    assert not any("hidden" in p or p.endswith(".meta.json") for p in paths)
    assert len(articles) == 12 and len(rejections) == 2


def test_content_decides_the_format_when_the_extension_does_not(tmp_path):
    (tmp_path / "braces.txt").write_text("{Corrected} " + BODY)
    (tmp_path / "lines.txt").write_text(json.dumps({"text": BODY, "outlet": "Buzzline"}) + "\n")
    (tmp_path / "page").write_text(f"<p>{BODY}</p><p>Traders cheered the news.</p>")
    braces, lines, page = read(tmp_path)[0]
    assert braces.text == "{Corrected} " + BODY
    assert (lines.text, lines.outlet) == (BODY, "Buzzline")
    assert page.text == BODY + "\n\nTraders cheered the news."


def test_invalid_marker_date_is_left_in_the_text():
    body, meta = parse_dateline(f"{BODY} date 2026-02-30")
    assert body.endswith("date 2026-02-30") and "date" not in meta


# --- metadata overrides ---------------------------------------------------------------------


def test_sidecar_gives_outlet_date_and_title():
    article = read_one(FIXTURES / "web" / "courier.txt")
    assert (article.outlet, article.date, article.title) == (
        "Kellmarsh Courier",
        "2026-04-12",
        "Quay reopens after repairs",
    )
    assert article.id == Article.content_id(article.text, "Kellmarsh Courier")


def test_sidecar_and_flags_override_detected_metadata(tmp_path):
    path = tmp_path / "copy.txt"
    path.write_text(f"DORSK, March 2. /VELNEWS/. {BODY}")
    (tmp_path / "copy.txt.meta.json").write_text(
        '{"outlet": "Tarniv Courier", "date": "2026-03-05"}'
    )
    article = read_one(path)
    assert (article.outlet, article.date, article.date_partial) == (
        "Tarniv Courier",
        "2026-03-05",
        None,
    )
    article = read_one(path, outlet="Flag Outlet", date="2026-04-01")
    assert (article.outlet, article.date) == ("Flag Outlet", "2026-04-01")
    assert article.id == Article.content_id(BODY, "Flag Outlet")


def test_date_flag_that_is_not_a_date_is_one_rejection(tmp_path):
    (tmp_path / "a.txt").write_text(BODY)
    articles, [rejection] = read(tmp_path, date="last Tuesday")
    assert articles == [] and rejection.path == "--date"
    assert "YYYY-MM-DD" in rejection.reason


# --- identity and normalisation -------------------------------------------------------------


def test_text_file_with_crlf_and_bom_is_normalised(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(
        ("\ufeffTARNIV (Meridian Wire) — " + BODY + "\r\n\r\nSecond paragraph.").encode()
    )
    article = read_one(path)
    assert article.text == BODY + "\n\nSecond paragraph."
    assert article.dateline.start == 0  # the span counts from after the BOM
    assert article.outlet == "Meridian Wire" and article.language == "en"


def test_same_content_gives_the_same_id_and_is_read_once(tmp_path):
    text = f"TARNIV (Meridian Wire) — Café owners said {BODY}\n\nMore."
    (tmp_path / "a.txt").write_text(text)
    (tmp_path / "b.txt").write_bytes(("\ufeff" + text.replace("\n", "\r\n") + "\r\n").encode())
    (tmp_path / "c.txt").write_text(unicodedata.normalize("NFD", text))
    articles, rejections = read(tmp_path)
    assert rejections == [] and len(articles) == 1
    assert articles[0].source_path.endswith("a.txt")
    assert articles[0].id == Article.content_id(
        f"Café owners said {BODY}\n\nMore.", "Meridian Wire"
    )


def test_same_text_from_two_outlets_is_two_articles(tmp_path):
    (tmp_path / "a.txt").write_text(f"TARNIV (Meridian Wire) — {BODY}")
    (tmp_path / "b.txt").write_text(f"TARNIV (Coastal Wire) — {BODY}")
    articles, _ = read(tmp_path)
    assert len({a.id for a in articles}) == 2


# --- bad input: one line each, never an exception ---------------------------------------------


def test_legacy_encodings_are_detected(tmp_path):
    russian = "Министр заявил в понедельник, что порт снова откроется после ремонта причала."
    (tmp_path / "cp1251.txt").write_bytes(russian.encode("cp1251"))
    western = "The mayor said the café would reopen “within days” after the storm — a relief for naïve visitors."
    (tmp_path / "cp1252.txt").write_bytes(western.encode("cp1252"))
    russian_article, western_article = read(tmp_path)[0]  # files in sorted order
    assert russian_article.text == russian and russian_article.language == "ru"
    assert not russian_article.is_english
    assert western_article.text == western


def test_each_bad_input_gets_one_line_with_its_reason(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "blank.txt").write_text("  \n\n ")
    (tmp_path / "blob.bin").write_bytes(b"\x89PNG\x00\x00\x01" * 50)
    (tmp_path / "mojibake.txt").write_bytes(bytes(range(128, 256)) * 3)
    (tmp_path / "page.html").write_text("<html><body><nav>menu</nav></body></html>")
    (tmp_path / "settings.json").write_text('{"theme": "dark", "columns": 3}')
    (tmp_path / "empty.rss").write_text('<?xml version="1.0"?><rss><channel></channel></rss>')
    (tmp_path / "short.txt").write_text("Quay reopens.")
    (tmp_path / "big.txt").write_text("word " * 400)
    settings = replace(load_settings(), max_file_bytes=1000)
    _, rejections = read(
        tmp_path,
        tmp_path / "missing.txt",
        FIXTURES / "web" / "courier.txt.meta.json",
        settings=settings,
    )
    reasons = reasons_by_name(rejections)
    assert reasons["empty.txt"] == "empty file"
    assert reasons["blank.txt"].startswith("empty file")
    assert reasons["blob.bin"].startswith("binary file")
    assert reasons["mojibake.txt"].startswith("undecodable text")
    assert reasons["page.html"].startswith("not an article")
    assert reasons["settings.json"].startswith("not an article")
    assert reasons["empty.rss"].startswith("not an article")
    assert reasons["short.txt"].startswith("not an article")
    assert reasons["big.txt"].startswith("over size limit")
    assert reasons["missing.txt"] == "no such file or folder"
    assert reasons["courier.txt.meta.json"].startswith("not an article (sidecar")
    assert len(rejections) == len(reasons) == 11
    assert all("\n" not in str(r) for r in rejections)


def test_article_over_the_character_limit_is_rejected(tmp_path):
    (tmp_path / "long.txt").write_text(BODY * 20)
    settings = replace(load_settings(), max_article_chars=500)
    _, [rejection] = read(tmp_path, settings=settings)
    assert rejection.reason.startswith("over size limit (article of")


def test_jsonl_streams_past_a_line_over_the_limit(tmp_path):
    path = tmp_path / "big.jsonl"
    huge = json.dumps({"text": "word " * 5000})
    path.write_text(
        json.dumps({"text": BODY}) + "\n" + huge + "\n" + json.dumps({"text": BODY + " Yes."})
    )
    settings = replace(load_settings(), max_article_chars=1000, max_file_bytes=100)
    articles, [rejection] = read(path, settings=settings)
    assert [a.source_path for a in articles] == [f"{path}#1", f"{path}#3"]
    assert rejection.line == 2 and rejection.reason.startswith("over size limit (line 2")


def test_undecodable_bytes_are_named_as_such():
    with pytest.raises(ValueError, match="^undecodable text"):
        decode(bytes(range(128, 256)) * 3)


# --- the seed articles ------------------------------------------------------------------------


def test_seeds_give_agency_dateline_and_date_marker(seeds_dir):
    articles, rejections = read(seeds_dir)
    assert rejections == [] and len(articles) == 2
    first, second = articles
    assert (first.outlet, first.date, first.date_partial) == ("TASS", None, "--12-29")
    assert first.dateline.text.startswith("MOSCOW, December 29. /TASS/.")
    assert second.date == "2025-12-29"
    assert second.text.startswith("Russian President")
