"""The SQLite store: migrations, idempotent writes, all-or-nothing transactions."""

from __future__ import annotations

import json
import sqlite3

import pytest

from crosswire.records import (
    Article,
    Claim,
    Mention,
    Span,
    Statement,
    Story,
    TemporalExpression,
    TimelineEvent,
)
from crosswire.store import MIGRATIONS, Store, StoreError


def make_article(
    text: str = "The minister said the port would reopen.", outlet: str = "Wire"
) -> Article:
    return Article(id=Article.content_id(text, outlet), text=text, outlet=outlet, date="2026-03-02")


def test_new_store_is_migrated_to_latest_version_in_wal_mode(tmp_path):
    with Store(tmp_path / "s.db") as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.integrity_ok()


def test_replacing_or_deleting_a_storys_results_reads_only_that_storys_rows(tmp_path):
    # A refresh replaces per-story results a batch of stories at a time; a scan of the whole
    # table for each story made it grow with the square of the corpus.
    with Store(tmp_path / "s.db") as store:
        for table in ("claims", "timeline_events", "story_views"):
            plan = store.db.execute(
                f"EXPLAIN QUERY PLAN DELETE FROM {table} WHERE story_id = ?", ("t1",)
            ).fetchall()
            details = " ".join(row[-1] for row in plan)
            assert "USING" in details and "INDEX" in details, (table, details)


def test_adding_the_same_article_twice_is_a_noop(tmp_path):
    article = make_article()
    with Store(tmp_path / "s.db") as store:
        assert store.add_article(article) is True
        assert store.add_article(article) is False
        assert store.count("articles") == 1
        assert store.articles()[0] == article


def make_statement(article: Article) -> Statement:
    """The minister's statement in ``make_article()``'s text, with exact spans."""
    text = article.text
    return Statement(
        id="s1",
        article_id=article.id,
        content=Span.of(text, 18, 39),
        kind="indirect",
        cue=Span.of(text, 13, 17),
        cue_stance="neutral",
        speaker=Span.of(text, 0, 12),
        speaker_name="The minister",
    )


def test_article_annotations_round_trip_with_exact_spans(tmp_path):
    article = make_article()
    text = article.text
    statement = make_statement(article)
    mention = Mention(article_id=article.id, span=Span.of(text, 22, 26), label="FAC")
    when = TemporalExpression(article_id=article.id, span=Span.of(text, 0, 3), value=None)
    with Store(tmp_path / "s.db") as store:
        store.add_article(article)
        store.save_article_annotations(article.id, [statement], [mention], [when], version=1)
        assert store.statements() == [statement]
        assert store.mentions() == [mention]
        assert store.time_expressions() == [when]
        assert store.statements()[0].content.text == "the port would reopen"
        assert store.article_ids_needing_analysis(1) == []
        assert store.article_ids_needing_analysis(2) == [article.id]


def test_a_batch_writes_each_article_once_and_an_article_listed_twice_keeps_its_last_entry(
    tmp_path,
):
    first, second = make_article(), make_article("Officials in Kyiv said the port was calm.")
    port = Mention(article_id=first.id, span=Span.of(first.text, 22, 26), label="FAC")
    minister = Mention(article_id=first.id, span=Span.of(first.text, 4, 12), label="PERSON")
    kyiv = Mention(article_id=second.id, span=Span.of(second.text, 13, 17), label="GPE")
    with Store(tmp_path / "s.db") as store:
        store.add_article(first)
        store.add_article(second)
        batch = [(first.id, [], [port, minister], []), (second.id, [], [kyiv], [])]
        store.save_annotation_batch([*batch, (first.id, [], [port], [])], version=1)
        assert sorted(m.span.text for m in store.mentions()) == ["Kyiv", "port"]
        assert store.article_ids_needing_analysis(1) == []


def test_failed_write_leaves_previous_annotations_intact(tmp_path):
    article = make_article()
    good = Statement(
        id="s1", article_id=article.id, content=Span.of(article.text, 0, 3), kind="direct"
    )
    with Store(tmp_path / "s.db") as store:
        store.add_article(article)
        store.save_article_annotations(article.id, [good], [], [], version=1)
        broken = Statement(id="s2", article_id=article.id, content=None, kind="direct")  # type: ignore[arg-type]
        with pytest.raises(AttributeError):
            store.save_article_annotations(article.id, [broken], [], [], version=2)
        assert store.statements() == [good]
        assert store.article_ids_needing_analysis(1) == []


def test_store_from_a_newer_crosswire_is_refused_with_a_clear_error(tmp_path):
    path = tmp_path / "s.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    db.close()
    with pytest.raises(StoreError, match="newer than this crosswire"):
        Store(path)


def test_a_file_that_is_not_sqlite_is_refused_with_a_clear_error(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 50)
    with pytest.raises(StoreError, match="not a crosswire store"):
        Store(path)
    assert path.read_text().startswith("these are my notes")


def test_read_only_store_must_exist(tmp_path):
    with pytest.raises(StoreError, match="no such store"):
        Store(tmp_path / "missing.db", read_only=True)


def test_a_snapshot_keeps_seeing_one_state_while_another_connection_writes(tmp_path):
    path = tmp_path / "s.db"
    with Store(path) as writer, Store(path) as reader:
        writer.add_article(make_article("The port reopened on Monday, officials said."))
        with reader.snapshot():
            before = reader.count("articles")
            writer.add_article(make_article("The ferry resumed on Tuesday, its operator said."))
            assert reader.count("articles") == before == 1
        assert reader.count("articles") == 2


def test_records_turn_into_the_same_plain_dicts_as_dataclasses_asdict():
    from dataclasses import asdict

    from crosswire.records import Claim, Entity, Mention, Span, TimelineEvent

    mention = Mention("a1", Span(0, 4, "Kyiv"), "GPE", entity_id="e1")
    entity = Entity("e1", "Kyiv", "GPE", ["Kyiv", "Kiev"], {"Wire": ["Kiev"]}, [mention])
    claim = Claim(
        "c1",
        "t1",
        "91 drones",
        wordings=[{"article_id": "a1", "span": {"start": 0, "end": 2, "text": "91"}}],
        conflicts=[{"values": (91, 90), "spans": [Span(0, 2, "91")]}],
    )
    event = TimelineEvent("v1", None, "2025-12-29", "day", "attack", "drones", ["e1"])
    for record in (mention, entity, claim, event):
        plain = record.to_dict()
        assert plain == asdict(record)
        assert all(plain[k] is not v for k, v in vars(record).items() if isinstance(v, list))


def test_records_are_written_as_the_json_of_their_plain_dicts():
    from crosswire.records import Article, Claim, Entity, Proposition, TimelineEvent
    from crosswire.store import _dump, _dump_record

    span = Span(0, 4, "Kyiv")
    mention = Mention("a1", span, "GPE", entity_id="e1")
    records = [
        Article("a1", "Kyiv said.", title="T", dateline=span, metadata={"tags": ["x", 1.5]}),
        mention,
        Entity("e1", "Kyiv", "GPE", ["Kiev"], {"Wire": ["Kiev"]}, [mention]),
        Statement(
            "s1",
            "a1",
            span,
            "direct",
            speaker=span,
            propositions=[Proposition(span, ["say"], negates=True)],
        ),
        Claim("c1", "t1", "ß 91", conflicts=[{"values": (91, 90), "spans": [span]}]),
        TimelineEvent("v1", None, None, "day", "attack", "drones", evidence=[{"span": span}]),
    ]
    for record in records:
        assert _dump_record(record) == _dump(record.to_dict())


def test_statements_of_many_articles_come_in_one_order_whatever_order_the_ids_are_given(tmp_path):
    # more articles than one SQL chunk holds (500 bound parameters): the rows of each chunk
    # are sorted, so the chunks must be too, or a set of ids reads back in hash-seed order
    articles = [make_article(f"Minister {n} said the port would reopen.") for n in range(1_100)]
    with Store(tmp_path / "s.db") as store:
        for article in articles:
            store.add_article(article)
            said = Statement(
                id=f"s-{article.id}",
                article_id=article.id,
                content=Span.of(article.text, 0, 10),
                kind="indirect",
            )
            store.save_article_annotations(article.id, [said], [], [], version=1)
        ids = [a.id for a in articles]
        everything = [s.article_id for s in store.statements()]
        assert everything == sorted(ids)
        assert [s.article_id for s in store.statements(reversed(ids))] == everything
        assert [s.article_id for s in store.statements(set(ids))] == everything


def test_upgrading_a_store_indexes_the_entities_it_already_holds_by_article(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    for script in MIGRATIONS[:7]:
        db.executescript(script)
    mention = {"article_id": "a1", "span": {"start": 0, "end": 4, "text": "Oslo"}}
    data = {"id": "e1", "name": "Oslo", "mentions": [mention, {**mention, "article_id": "a2"}]}
    db.execute(
        "INSERT INTO entities (id, name, label, data) VALUES ('e1', 'Oslo', 'GPE', ?)",
        (json.dumps(data),),
    )
    db.execute("PRAGMA user_version = 7")
    db.commit()
    db.close()
    with Store(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.entities_in_articles(["a2"]) == [data]
        assert store.entities_in_articles(["a3"]) == []


def test_a_story_gone_from_the_linked_corpus_takes_its_results_with_it(tmp_path):
    stories = [Story(id=i, title=i, article_ids=[]) for i in ("t1", "t2")]
    claims = [Claim(id=f"c{s.id}", story_id=s.id, text="the port reopened") for s in stories]
    events = [
        TimelineEvent(f"e{s.id}", s.id, "2026-03-02", "day", "statement", "reopened")
        for s in stories
    ]
    with Store(tmp_path / "s.db") as store:
        store.replace_cross_article_results(stories, [], [], claims, events, {}, {})
        store.replace_linked_corpus(stories[:1], [], [])
        for table in ("claims", "timeline_events", "story_views"):
            rows = store.db.execute(f"SELECT story_id FROM {table}").fetchall()
            assert rows == [("t1",)], table


def test_a_refresh_leaves_the_statement_and_story_rows_it_would_write_unchanged_alone(tmp_path):
    import dataclasses

    article = make_article()
    found = make_statement(article)
    linked = dataclasses.replace(found, speaker_entity_id="e1")
    story = Story(id="t1", title="Port", article_ids=[article.id])
    with Store(tmp_path / "s.db") as store:
        store.add_article(article)
        store.save_article_annotations(article.id, [found], [], [], version=1)
        store.replace_linked_corpus([story], [], [linked])

        def rows_written(stories: list[Story], statements: list[Statement]) -> int:
            before = store.db.total_changes
            store.replace_linked_corpus(stories, [], statements)
            # story_articles is refilled on every write: its one row is not counted
            return store.db.total_changes - before - 2 * len(stories[0].article_ids)

        assert rows_written([story], [linked]) == 0
        assert rows_written([story], [dataclasses.replace(linked, speaker_entity_id="e2")]) == 1
        assert rows_written([dataclasses.replace(story, title="Harbour")], [linked]) == 2
        assert store.statements() == [linked]
        assert store.found_statements() == [found]  # the found form survives every rewrite
