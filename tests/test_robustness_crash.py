"""Crashes: ``kill -9`` a running ``crosswire analyze`` at random moments; the store survives.

After every kill the SQLite file passes ``PRAGMA integrity_check``, no article is half-stored
(an article marked analysed has exactly the annotations an uninterrupted run gives it; nothing
exists without its article), and re-running finishes the job with the same final report.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DEMO, REPO
from test_robustness_spans import check_spans

from crosswire import pipeline, report
from crosswire.ingest import read_paths
from crosswire.records import Article
from crosswire.store import Store

ANNOTATION_TABLES = ("statements", "mentions", "time_expressions")


def write_corpus(path: Path, count: int, seed: int = 11) -> Path:
    """Write ``count`` short fictional articles (two demo paragraphs each) as JSON Lines."""
    rng = random.Random(seed)
    sources = [a for a in read_paths([DEMO / "corpus"]) if isinstance(a, Article) and a.is_english]
    with path.open("w", encoding="utf-8") as out:
        for number in range(count):
            base = sources[number % len(sources)]
            paragraphs = [p for p in base.text.split("\n\n") if p.strip()]
            chosen = rng.sample(paragraphs, min(2, len(paragraphs)))
            record = {
                "text": "\n\n".join(chosen) + f"\n\n(Item {number}.)",
                "outlet": f"Outlet {number % 7}",
                "date": base.date or "2026-03-01",
                "title": base.title,
                "language": "en",
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def analyze_command(db: Path, corpus: Path) -> list[str]:
    return [sys.executable, "-m", "crosswire", "--db", str(db), "--quiet", "analyze", str(corpus)]


def run_to_the_end(db: Path, corpus: Path) -> float:
    started = time.monotonic()
    done = subprocess.run(
        analyze_command(db, corpus), capture_output=True, text=True, timeout=900, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    return time.monotonic() - started


def kill_after(db: Path, corpus: Path, seconds: float) -> bool:
    """Start an analysis and SIGKILL it after ``seconds``; return whether it was still running."""
    process = subprocess.Popen(
        analyze_command(db, corpus), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO
    )
    try:
        process.wait(timeout=seconds)
        finished = True
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        finished = False
    process.stderr.close()
    return not finished


def annotation_counts(db: Path) -> dict[str, dict[str, int]]:
    """Per article id: how many rows each per-article annotation table holds for it."""
    connection = sqlite3.connect(db)
    try:
        counts: dict[str, dict[str, int]] = {}
        for table in ANNOTATION_TABLES:
            rows = connection.execute(
                f"SELECT article_id, count(*) FROM {table} WHERE json_extract(data, '$.kind') "
                f"IS NOT 'assertion' OR '{table}' != 'statements' GROUP BY article_id"
            )
            for article_id, count in rows:
                counts.setdefault(article_id, {})[table] = count
        return counts
    finally:
        connection.close()


def assert_no_half_stored_article(db: Path, expected: dict[str, dict[str, int]]) -> int:
    """Check the store a kill left behind; return how many articles were fully analysed."""
    connection = sqlite3.connect(db)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        analysed = {
            row[0]
            for row in connection.execute(
                "SELECT id FROM articles WHERE analysed_version IS NOT NULL"
            )
        }
        stored = {row[0] for row in connection.execute("SELECT id FROM articles")}
        for table in ANNOTATION_TABLES:
            owners = {row[0] for row in connection.execute(f"SELECT article_id FROM {table}")}
            assert owners <= stored, f"{table} rows without their article"
            assert owners <= analysed, f"{table} rows of an article not marked analysed"
    finally:
        connection.close()
    found = annotation_counts(db)
    for article_id in analysed:
        assert found.get(article_id, {}) == expected.get(article_id, {}), article_id
    return len(analysed)


def final_document(db: Path) -> dict:
    with Store(db) as store:
        document = report.build_document(store)
    document.pop("generated_at")
    return document


def crash_and_resume(tmp_path: Path, articles: int, kills: int, seed: int) -> None:
    corpus = write_corpus(tmp_path / "corpus.jsonl", articles)
    reference = tmp_path / "reference.db"
    full_seconds = run_to_the_end(reference, corpus)
    expected_counts = annotation_counts(reference)
    expected = final_document(reference)

    rng = random.Random(seed)
    crashed = tmp_path / "crashed.db"
    survived = []
    for _ in range(kills):
        moment = rng.uniform(1.0, full_seconds * 0.9)
        if kill_after(crashed, corpus, moment):
            survived.append(
                (round(moment, 1), assert_no_half_stored_article(crashed, expected_counts))
            )
    run_to_the_end(crashed, corpus)
    assert_no_half_stored_article(crashed, expected_counts)
    document = final_document(crashed)
    print(
        f"\n{articles} articles, uninterrupted run {full_seconds:.1f} s; "
        f"killed at (seconds, articles analysed): {survived}"
    )
    texts = {a["id"]: a["text"] for a in document["articles"]}
    assert check_spans(texts, document) > articles
    assert document == expected
    assert survived, "no kill landed while the analysis was running"


def test_kill_9_during_analyze_leaves_a_sound_store_that_resumes_to_the_same_report(tmp_path):
    crash_and_resume(tmp_path, articles=16, kills=3, seed=1)


@pytest.mark.slow
def test_repeated_kill_9_over_hundreds_of_articles_resumes_to_the_same_report(tmp_path):
    crash_and_resume(tmp_path, articles=300, kills=10, seed=2)


def test_articles_come_back_in_ingest_order_even_when_stored_in_the_same_millisecond(tmp_path):
    # Resumed runs must see the articles in the same order as an uninterrupted run.
    ids = [f"a{9 - n}" for n in range(10)]
    with Store(tmp_path / "order.db") as store:
        for article_id in ids:
            store.add_article(Article(id=article_id, text=f"Text {article_id}.", language="en"))
        assert [a.id for a in store.articles()] == ids
        assert store.article_ids_needing_analysis(1) == ids


def test_refreshing_a_finished_store_again_changes_nothing(tmp_path):
    # A re-run after a crash may find the cross-article results already written (speakers
    # linked and renamed); it must start again from what the per-article stages found.
    corpus = write_corpus(tmp_path / "corpus.jsonl", 8)
    with Store(tmp_path / "twice.db") as store:
        pipeline.analyze(store, [corpus])
        first = report.build_document(store)
        pipeline.refresh_cross_article(store)
        second = report.build_document(store)
    first.pop("generated_at")
    second.pop("generated_at")
    assert second == first


def test_recombined_reports_get_unique_ids_in_every_table(tmp_path):
    # Twenty articles sharing paragraphs once gave two timeline events one id, and the store
    # refused the whole cross-article refresh (UNIQUE constraint failed: timeline_events.id).
    corpus = write_corpus(tmp_path / "corpus.jsonl", 20, seed=8)
    articles = [a for a in read_paths([corpus]) if isinstance(a, Article)]
    analysis = pipeline.analyze_articles(articles)
    for part in ("stories", "statements", "claims", "timeline", "entities"):
        ids = [item.id for item in getattr(analysis, part)]
        assert len(ids) == len(set(ids)), part
