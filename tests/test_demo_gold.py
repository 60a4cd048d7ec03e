"""The demo gold agrees with the demo corpus as crosswire's own reader stores it."""

from __future__ import annotations

import importlib.util
import json
from collections import defaultdict
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parent.parent / "demo"


def _load_checker():
    spec = importlib.util.spec_from_file_location("demo_check_gold", DEMO / "check_gold.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check = _load_checker()


@pytest.fixture(scope="module")
def gold() -> dict:
    return json.loads((DEMO / "gold.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def stored_articles() -> dict:
    """Read the demo corpus with crosswire.ingest: {gold article key: Article}."""
    from crosswire import ingest
    from crosswire.records import Article

    corpus = DEMO / "corpus"
    articles = {}
    for item in ingest.read_paths([str(corpus)]):
        assert isinstance(item, Article), f"the demo corpus has an unreadable file: {item}"
        path, _, number = (item.source_path or "").partition("#")
        key = Path(path).resolve().relative_to(corpus.resolve()).as_posix()
        articles[f"{key}#{number}" if number else key] = item
    return articles


def test_every_gold_span_is_found_in_the_articles_crosswire_stores(gold, stored_articles):
    bodies = {key: article.text for key, article in stored_articles.items()}
    problems = check.check_gold(gold, bodies)
    assert not problems, "\n".join(problems[:40])


def test_the_real_reader_finds_each_demo_article_once(gold, stored_articles):
    assert sorted(stored_articles) == sorted(gold["articles"])


def test_the_real_reader_gives_each_demo_article_its_gold_outlet(gold, stored_articles):
    wrong = {
        key: (article.outlet, gold["articles"][key]["outlet"])
        for key, article in stored_articles.items()
        if (article.outlet or "").lower() != gold["articles"][key]["outlet"].lower()
    }
    assert not wrong


def test_the_real_reader_dates_every_article_that_carries_a_full_date(gold, stored_articles):
    wrong = {}
    for key, article in stored_articles.items():
        expected = gold["articles"][key]
        if expected.get("date_inferred"):
            assert article.date_partial == "--" + expected["date"][5:], key
            continue
        if article.date != expected["date"]:
            wrong[key] = (article.date, expected["date"])
    assert not wrong


def test_the_simple_reader_agrees_with_the_gold(gold):
    problems = check.check_gold(gold, check.read_simple(DEMO / "corpus"))
    assert not problems, "\n".join(problems[:40])


def test_the_demo_gold_is_big_enough_to_score_every_stage(gold):
    outlets_by_story = defaultdict(set)
    for info in gold["articles"].values():
        outlets_by_story[info["story"]].add(info["outlet"])
    attributed = [s for s in gold["statements"] if s["kind"] != "narrator"]
    assert len(gold["articles"]) >= 16
    assert len(outlets_by_story) >= 5
    assert all(len(outlets) >= 3 for outlets in outlets_by_story.values())
    assert len({info["outlet"] for info in gold["articles"].values()}) == 6
    assert len(attributed) >= 160
    assert len(gold["claims"]) >= 20
    assert len(gold["timeline"]) >= 20
    assert {s["kind"] for s in attributed} == {"direct", "partial", "indirect", "belief"}
    assert {s["stance"] for s in attributed} == check.STANCES
