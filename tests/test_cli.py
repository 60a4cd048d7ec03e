"""End to end: the CLI on the seeds, the demo corpus and bad input, against a real store."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import DEMO

from crosswire import pipeline
from crosswire.cli import main
from crosswire.schema import stored_schema
from crosswire.store import Store


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crosswire", *args], capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="session")
def demo_report(tmp_path_factory):
    """Analyse the demo corpus once with the real CLI; return (db path, JSON document)."""
    folder = tmp_path_factory.mktemp("demo")
    db, out = folder / "demo.db", folder / "report.json"
    done = run_cli("--db", str(db), "--quiet", "analyze", str(DEMO / "corpus"), "--json", str(out))
    assert done.returncode == 0, done.stderr
    return db, json.loads(out.read_text())


def test_seeds_are_one_story_with_outlet_and_inferred_date(tmp_path, seeds_dir):
    out = tmp_path / "out.json"
    done = run_cli("--db", str(tmp_path / "s.db"), "analyze", str(seeds_dir), "--json", str(out))
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    jsonschema.validate(document, stored_schema())
    articles = sorted(document["articles"], key=lambda a: a["source_path"])
    assert len(articles) == 2
    assert articles[0]["outlet"] == "TASS"
    assert [a["date"] for a in articles] == ["2025-12-29", "2025-12-29"]
    assert articles[0]["date_inferred"] is True
    assert articles[1]["date_inferred"] is False
    assert len(document["stories"]) == 1
    assert set(document["stories"][0]["article_ids"]) == {a["id"] for a in articles}


def test_demo_report_validates_and_covers_every_story(demo_report):
    _, document = demo_report
    jsonschema.validate(document, stored_schema())
    gold = json.loads((DEMO / "gold.json").read_text())
    gold_stories = {entry["story"] for entry in gold["articles"].values()}
    assert len(document["articles"]) == len(gold["articles"])
    assert len(document["stories"]) >= len(gold_stories) - 1
    assert len(document["statements"]) > 100
    for key in ("entities", "claims", "timeline"):
        assert document[key], f"the demo corpus produces no {key}"


def test_every_span_in_the_demo_report_is_exact(demo_report):
    _, document = demo_report
    texts = {a["id"]: a["text"] for a in document["articles"]}
    checked = 0
    for statement in document["statements"]:
        text = texts[statement["article_id"]]
        for part in ("content", "speaker", "cue", "role", "channel", "date"):
            span = statement.get(part)
            if span:
                assert text[span["start"] : span["end"]] == span["text"]
                checked += 1
    for entity in document["entities"]:
        for mention in entity["mentions"]:
            span = mention["span"]
            assert texts[mention["article_id"]][span["start"] : span["end"]] == span["text"]
            checked += 1
    assert checked > 200


def test_reanalysing_the_demo_corpus_adds_nothing(demo_report):
    db, _ = demo_report
    result = CliRunner().invoke(main, ["--db", str(db), "ingest", str(DEMO / "corpus")])
    assert result.exit_code == 0, result.output
    assert "0 new articles" in result.output


def test_bad_files_are_named_with_a_reason_and_do_not_stop_the_batch(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.txt").write_text("")
    (folder / "blob.txt").write_bytes(b"\x00\x01\x02binary\x00" * 20)
    (folder / "good.txt").write_text(
        "LUMEN CITY (Harbor Times) — The port authority said on Monday that the northern quay "
        "would reopen after repairs, according to a statement from its director.\n"
    )
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "s.db"), "ingest", str(folder)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("rejected")]
    assert len(lines) == 2
    assert any("empty.txt" in line and "empty" in line.split("empty.txt", 1)[1] for line in lines)
    assert any("blob.txt" in line and "binary" in line for line in lines)
    with Store(tmp_path / "s.db") as store:
        assert store.count("articles") == 1


def test_interrupted_analysis_resumes_to_the_same_result(tmp_path):
    corpus = DEMO / "corpus"
    with Store(tmp_path / "full.db") as store:
        pipeline.analyze(store, [corpus])
        expected = sorted((s.id, s.content) for s in store.statements())

    calls = 0

    def interrupt(stage: str, done: int, total: int) -> None:
        nonlocal calls
        if stage == "annotate":
            calls += 1
            if calls == 3:
                raise KeyboardInterrupt

    with Store(tmp_path / "cut.db") as store:
        pipeline.ingest(store, [corpus])
        with pytest.raises(KeyboardInterrupt):  # during the third batch of two articles
            pipeline.annotate_pending(store, progress=interrupt, batch_size=2)
        assert store.integrity_ok()
        analysed = store.count("articles") - len(
            store.article_ids_needing_analysis(pipeline.ANALYSIS_VERSION)
        )
        assert analysed == 6  # every finished batch was kept, whole
        pipeline.analyze(store, [corpus])
        assert sorted((s.id, s.content) for s in store.statements()) == expected


def test_eval_lists_claim_grouping_errors_with_spans_in_the_demo_articles():
    from crosswire.evaluate import article_key
    from crosswire.ingest import read_paths
    from crosswire.records import Article

    done = run_cli("eval", "claims", str(DEMO / "gold.json"), "--errors", "2")
    assert done.returncode == 0, done.stderr
    listed = [line for line in done.stdout.splitlines() if line.startswith(("missed", "false"))]
    assert 1 <= sum(line.startswith("missed") for line in listed) <= 2
    assert 1 <= sum(line.startswith("false") for line in listed) <= 2
    texts = {
        article_key(item, DEMO / "corpus"): item.text
        for item in read_paths([str(DEMO / "corpus")])
        if isinstance(item, Article)
    }
    for line in listed:
        # missed  st4 velnews/x.txt:557-669 'the vessels …'  ~  st45 web/y.jsonl#1:50-134 '…'
        sides = re.findall(
            r"st\d+ (\S+):(\d+)-(\d+) ('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")", line
        )
        assert len(sides) == 2, line
        for name, start, end, literal in sides:
            span, shown = texts[name][int(start) : int(end)], ast.literal_eval(literal)
            if shown.endswith("…"):  # a long text is cut
                assert span.startswith(shown[:-1]) and len(span) > len(shown)
            else:
                assert span == shown


def test_eval_errors_is_refused_where_no_errors_are_listed():
    result = CliRunner().invoke(main, ["eval", "entities", "--errors", "3"])
    assert result.exit_code == 2
    assert "--errors lists errors of statements and claims only" in result.output


def test_help_teaches_the_commands():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("analyze", "ingest", "report", "eval", "stories"):
        assert command in result.output
