"""Hostile and broken input: every file is read correctly or rejected in one line naming it.

Readers and the dateline and date parsers are fuzzed with hypothesis; the nasty files are in
tests/data/nasty or generated here (200 MB, deep nesting, a gigantic line).
"""

from __future__ import annotations

import json
import tracemalloc
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crosswire.ingest import normalize, normalize_date, parse_dateline, read_paths
from crosswire.records import Article, Rejection
from crosswire.settings import load_settings

NASTY = REPO / "tests" / "data" / "nasty"
MB = 1024 * 1024
RUSSIAN = "Министр иностранных дел заявил в понедельник"
FRENCH = "la semaine prochaine à Genève"
GOOD = "The port authority said on Monday that the northern quay would reopen after repairs."


def read_one(path: Path, **overrides) -> list[Article | Rejection]:
    config = replace(load_settings(), **overrides) if overrides else load_settings()
    return list(read_paths([path], settings=config))


def assert_well_formed(items: list[Article | Rejection], path: Path) -> None:
    """Each item is a normalised article or a one-line rejection that names the file."""
    for item in items:
        if isinstance(item, Rejection):
            assert item.path == str(path)
            assert "\n" not in str(item) and item.reason.strip()
        else:
            assert isinstance(item, Article)
            assert item.text == normalize(item.text).strip() and item.text
            if item.dateline is not None:
                assert item.dateline.start <= item.dateline.end


# --- the nasty files -----------------------------------------------------------------------------


def test_an_empty_file_is_rejected_as_empty(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    [rejection] = read_one(path)
    assert str(rejection) == f"{path}: empty file"


def test_a_binary_file_is_rejected_as_binary(tmp_path):
    path = tmp_path / "photo.jpg.txt"
    path.write_bytes(bytes(range(256)) * 40)
    [rejection] = read_one(path)
    assert isinstance(rejection, Rejection) and "binary" in rejection.reason


def test_nul_bytes_in_text_reject_the_file_as_binary(tmp_path):
    path = tmp_path / "nul.txt"
    path.write_bytes(GOOD.encode() + b"\x00" + GOOD.encode())
    [rejection] = read_one(path)
    assert isinstance(rejection, Rejection) and "NUL" in rejection.reason


def test_cp1251_without_a_declared_charset_is_read_as_russian():
    [article] = read_one(NASTY / "ru_cp1251.txt")
    assert article.text.startswith(RUSSIAN)


@pytest.mark.parametrize("name", ["ru_cp1251_declared.html", "ru_koi8r_declared.html"])
def test_html_with_a_declared_legacy_charset_is_read_as_russian(name):
    [article] = read_one(NASTY / name)
    assert article.text.startswith(RUSSIAN) and article.title == "Новости"


def test_a_billion_laughs_feed_is_read_without_expanding_its_entities():
    path = NASTY / "billion_laughs.xml"
    tracemalloc.start()
    try:
        items = read_one(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_well_formed(items, path)
    [article] = items
    assert "port authority" in article.text and "lollol" not in article.text
    assert peak < 64 * MB


def test_a_quadratic_blowup_feed_stays_small(tmp_path):
    entity = "A" * 50_000
    body = "&a;" * 2000
    path = tmp_path / "quadratic.xml"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "{entity}">]>\n'
        f'<rss version="2.0"><channel><title>Q</title><item><title>x</title>'
        f"<description>{body} {GOOD}</description></item></channel></rss>"
    )
    tracemalloc.start()
    try:
        items = read_one(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_well_formed(items, path)
    assert peak < 64 * MB


def test_a_jsonl_file_with_one_broken_line_keeps_the_good_lines():
    path = NASTY / "one_broken_line.jsonl"
    items = read_one(path)
    assert_well_formed(items, path)
    assert [type(i).__name__ for i in items] == ["Article", "Rejection", "Article"]
    assert items[1].line == 2 and str(items[1]).startswith(f"{path}:2: malformed JSON on line 2")


def test_a_gigantic_single_line_is_rejected_over_the_article_limit(tmp_path):
    path = tmp_path / "one_line.txt"
    path.write_text("word " * 2_000_000)
    [rejection] = read_one(path)
    assert (
        "over size limit" in rejection.reason and "CROSSWIRE_MAX_ARTICLE_CHARS" in rejection.reason
    )


def test_a_gigantic_jsonl_line_is_rejected_by_number_and_the_next_line_read(tmp_path):
    path = tmp_path / "huge_line.jsonl"
    good = json.dumps({"text": GOOD, "language": "en"})
    with path.open("w") as out:
        out.write(json.dumps({"text": "word " * 1_000_000}) + "\n" + good + "\n")
    items = read_one(path)
    assert isinstance(items[0], Rejection) and items[0].line == 1
    assert "over size limit" in items[0].reason
    assert isinstance(items[1], Article) and items[1].text == GOOD


def test_deeply_nested_html_is_read_or_rejected_in_one_line(tmp_path):
    path = tmp_path / "nested.html"
    depth = 50_000
    path.write_text(f"<html><body>{'<div>' * depth}<p>{GOOD}</p>{'</div>' * depth}</body></html>")
    items = read_one(path)
    assert_well_formed(items, path)
    assert len(items) == 1


def test_a_200_megabyte_text_file_is_rejected_by_size_without_reading_it(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as out:  # sparse: no 200 MB written to disk
        out.truncate(200 * MB)
    tracemalloc.start()
    try:
        [rejection] = read_one(path, max_file_bytes=50 * MB)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "over size limit" in rejection.reason and "CROSSWIRE_MAX_FILE_BYTES" in rejection.reason
    assert peak < 16 * MB


def test_the_file_size_limit_is_a_setting(tmp_path, monkeypatch):
    path = tmp_path / "small.txt"
    path.write_text(GOOD)
    monkeypatch.setenv("CROSSWIRE_MAX_FILE_BYTES", "10")
    assert load_settings().max_file_bytes == 10
    [rejection] = list(read_paths([path]))
    assert "over size limit" in rejection.reason


def test_a_200_megabyte_jsonl_line_streams_in_bounded_memory(tmp_path):
    path = tmp_path / "sparse.jsonl"
    with path.open("wb") as out:  # one 200 MB line of NUL bytes, then a good record
        out.truncate(200 * MB)
        out.seek(0, 2)
        out.write(b"\n" + json.dumps({"text": GOOD, "language": "en"}).encode() + b"\n")
    tracemalloc.start()
    try:
        items = read_one(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(items[0], Rejection) and items[0].line == 1
    assert isinstance(items[1], Article) and items[1].text == GOOD
    assert peak < 16 * MB


def write_jsonl_corpus(path: Path, megabytes: int) -> int:
    paragraph = " ".join([GOOD] * 8)
    count = 0
    with path.open("w") as out:
        while out.tell() < megabytes * MB:
            record = {"text": f"{paragraph} Item {count}.", "outlet": "Harbor Times"}
            out.write(json.dumps({**record, "language": "en", "date": "2026-03-03"}) + "\n")
            count += 1
    return count


def streamed_peak(path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        read = sum(1 for item in read_paths([path]) if isinstance(item, Article))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return read, peak


def test_a_large_jsonl_corpus_streams_in_bounded_memory(tmp_path):
    path = tmp_path / "corpus.jsonl"
    count = write_jsonl_corpus(path, 4)
    read, peak = streamed_peak(path)
    print(f"\nstreamed {read:,} JSONL articles (4 MB): peak traced memory {peak / MB:.1f} MB")
    assert read == count
    assert peak < 16 * MB  # ids are kept (for duplicates), texts are not


def test_a_large_parquet_shard_streams_in_bounded_memory(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as parquet

    paragraph = " ".join([GOOD] * 8)
    rows = 6000
    table = pa.table(
        {
            "text": [f"{paragraph} Item {n}." for n in range(rows)],
            "outlet": ["Harbor Times"] * rows,
            "language": ["en"] * rows,
        }
    )
    path = tmp_path / "shard.parquet"
    parquet.write_table(table, path, row_group_size=500, compression="none")
    del table
    text_bytes = rows * (len(paragraph) + 12)
    arrow_peak = 0
    read = 0
    tracemalloc.start()
    try:
        for item in read_paths([path]):
            read += isinstance(item, Article)
            arrow_peak = max(arrow_peak, pa.total_allocated_bytes())
        python_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print(
        f"\nstreamed {read:,} Parquet rows ({text_bytes / MB:.1f} MB of text): peak Arrow "
        f"{arrow_peak / MB:.1f} MB, peak traced Python {python_peak / MB:.1f} MB"
    )
    assert read == rows
    assert arrow_peak < text_bytes / 4  # a row group at a time, never the whole file
    assert python_peak < 16 * MB


@pytest.mark.slow
def test_a_200_megabyte_jsonl_corpus_streams_in_bounded_memory(tmp_path):
    path = tmp_path / "corpus.jsonl"
    count = write_jsonl_corpus(path, 200)
    read, peak = streamed_peak(path)
    print(f"\nstreamed {read:,} JSONL articles (200 MB): peak traced memory {peak / MB:.1f} MB")
    assert read == count
    assert peak < 64 * MB


# --- fuzzing the readers and parsers --------------------------------------------------------------

FUZZ = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
PROSE = st.text(
    st.sampled_from(list("abc XYZ.,;:-—\"'“”«»\n\r\t\u00a0\u200bé́Жß0123456789()<>&/")),
    max_size=300,
)


@st.composite
def dateline_texts(draw) -> str:
    city = draw(st.sampled_from(["LUMEN CITY", "GENÈVE", "MOSCOW", "NEW YORK", "x"]))
    month = draw(st.sampled_from(["Jan", "March", "Sept.", "Feb", "Foo", ""]))
    day = draw(st.integers(0, 40))
    outlet = draw(st.sampled_from(["Reuters", "Harbor Times", "AP", ""]))
    dash = draw(st.sampled_from([" - ", " — ", " – ", "-", ": "]))
    marker = draw(st.sampled_from(["", "date 2026-02-30\n\n", "date 2026-03-03\n\n", "\ufeff"]))
    tail = draw(st.sampled_from(["", "\n\n2026-03-03", "\n(date 2026-13-01)", "\nUpdated Mar 3"]))
    return f"{marker}{city}, {month} {day} ({outlet}){dash}{draw(PROSE)}{tail}"


@FUZZ
@given(text=st.one_of(dateline_texts(), PROSE))
def test_parse_dateline_returns_a_substring_and_an_exact_dateline_span(text):
    text = normalize(text)
    body, meta = parse_dateline(text)
    assert body in text
    if "dateline" in meta:
        span = meta["dateline"]
        assert text[span["start"] : span["end"]] == span["text"]
    for key in ("date",):
        if meta.get(key):
            assert normalize_date(meta[key])[0] is not None


@FUZZ
@given(
    value=st.one_of(
        st.text(max_size=40),
        st.from_regex(r"\d{1,5}-\d{1,3}-\d{1,3}", fullmatch=True),
        st.sampled_from(["Mon", "March", "3 March", "2026-02-29", "Tue, 03 Mar 2026 10:00 GMT"]),
    )
)
def test_normalize_date_gives_a_real_date_or_nothing(value):
    import datetime as dt

    date, partial = normalize_date(value)
    assert date is None or partial is None
    if date is not None:
        dt.date.fromisoformat(date)
    if partial is not None:
        assert partial.startswith("--") and len(partial) == 7


def fuzz_file(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    items = read_one(path)
    assert_well_formed(items, path)
    path.unlink()


@FUZZ
@given(
    data=st.binary(max_size=600),
    suffix=st.sampled_from([".txt", ".html", ".jsonl", ".json", ".xml", ""]),
)
def test_random_bytes_never_crash_a_reader(tmp_path, data, suffix):
    fuzz_file(tmp_path, f"fuzz{suffix}", data)


@FUZZ
@given(
    prose=PROSE, depth=st.integers(0, 30), tag=st.sampled_from(["div", "p", "b", "article", "x:y"])
)
def test_broken_html_is_read_or_rejected_in_one_line(tmp_path, prose, depth, tag):
    page = f"<html><body>{f'<{tag}>' * depth}<p>{prose} {GOOD}</p>{'</div>' * (depth // 2)}"
    fuzz_file(tmp_path, "page.html", page.encode("utf-8", "surrogatepass"))


@FUZZ
@given(
    records=st.lists(
        st.one_of(
            st.dictionaries(
                st.sampled_from(
                    ["text", "body", "title", "outlet", "date", "url", "language", "x"]
                ),
                st.one_of(
                    st.none(),
                    st.integers(),
                    st.text(max_size=80),
                    st.lists(st.integers(), max_size=2),
                ),
            ),
            PROSE,
        ),
        max_size=6,
    )
)
def test_odd_jsonl_records_are_read_or_rejected_by_line(tmp_path, records):
    lines = [json.dumps(r) if isinstance(r, dict) else r.replace("\n", " ") for r in records]
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(lines) + "\n")
    items = read_one(path)
    assert_well_formed(items, path)
    assert all(i.line is not None for i in items if isinstance(i, Rejection))


@FUZZ
@given(
    title=PROSE,
    summary=PROSE,
    date=st.sampled_from(["", "Tue, 03 Mar 2026 10:00:00 GMT", "garbage", "2026-02-30"]),
    atom=st.booleans(),
)
def test_odd_feeds_are_read_or_rejected_by_entry(tmp_path, title, summary, date, atom):
    from xml.sax.saxutils import escape

    title, summary = escape(title), escape(summary)
    if atom:
        feed = (
            f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title><entry><title>{title}'
            f"</title><updated>{date}</updated><summary>{summary} {GOOD}</summary></entry></feed>"
        )
    else:
        feed = (
            f'<rss version="2.0"><channel><title>{title}</title><item><title>{title}</title>'
            f"<pubDate>{date}</pubDate><description>{summary} {GOOD}</description></item>"
            "</channel></rss>"
        )
    fuzz_file(tmp_path, "feed.xml", feed.encode("utf-8", "surrogatepass"))


def test_utf8_cut_inside_its_last_character_is_read_as_utf8():
    [article] = read_one(NASTY / "truncated_utf8.txt")
    assert article.text.startswith("Zoë Brontë said on Monday that the café in Genève")
    assert article.text.endswith("déjà vu.")


def test_utf8_with_a_bom_cut_inside_its_last_character_is_read_as_utf8(tmp_path):
    path = tmp_path / "cut.txt"
    path.write_bytes(("\ufeff" + GOOD + " Жж").encode("utf-8")[:-1])
    [article] = read_one(path)
    assert article.text == GOOD + " Ж"


def test_latin1_french_without_a_declared_charset_keeps_its_accents():
    [article] = read_one(NASTY / "fr_latin1.txt")
    assert FRENCH in article.text and "déjà" in article.text


def test_a_feed_with_a_doctype_and_no_extension_is_read_as_a_feed():
    [article] = read_one(NASTY / "doctype_feed")
    assert article.text == GOOD and article.outlet == "Harbor Times" and article.title == "Quay"
