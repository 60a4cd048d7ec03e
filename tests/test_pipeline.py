"""The pipeline's cross-article refresh: per-story stages re-run only where a story changed."""

from __future__ import annotations

import json

import pytest
from strike_corpus import ARTICLES, write_corpus

from crosswire import entities, pipeline, report
from crosswire.engine.local import LocalEngine
from crosswire.models import RememberingEmbedder, load_embedder
from crosswire.records import Article, Entity, Mention, Span, Statement, Story, record_from_dict
from crosswire.store import Store, _refill_article_search

# A second fictional story, about something else entirely, from a third fictional outlet.
FLOOD_ARTICLE = {
    "outlet": "Valley Courier",
    "date": "2026-04-09",
    "language": "en",
    "title": "River Osk floods farmland as levee gives way",
    "text": (
        "The River Osk burst a levee near Drumvale on Wednesday, flooding farmland along "
        "the valley floor.\n\n"
        '"The water rose faster than any of us expected," farmer Hedda Lomm told the '
        "Valley Courier.\n\n"
        "Regional water officer Brannoc Felt said 40 homes had been evacuated and denied "
        "that the levee had been neglected."
    ),
}

# A third outlet joining the strike story: the strike story changes, the flood story does not.
STRIKE_FOLLOW_UP = {
    "outlet": "Sound Herald",
    "date": "2026-04-08",
    "language": "en",
    "title": "Port Elvan dockworkers strike enters second day, ferries still halted",
    "text": (
        "Dockworkers at Port Elvan stayed off the job for a second day on Tuesday, and "
        "ferries across the Marrow Sound remained halted by the strike over pay.\n\n"
        "Union leader Ilsa Varnholt said 500 workers had joined the strike. Elvan Maritime "
        "spokesman Piet Oddsen denied that wages had been cut."
    ),
}


class CountingEngine(LocalEngine):
    """The local engine, remembering which stories it was asked to analyse."""

    def __init__(self) -> None:
        super().__init__()
        self.analysed: list[str] = []

    def analyze_stories(self, slices):
        slices = list(slices)
        self.analysed += [piece.story.id for piece in slices]
        yield from super().analyze_stories(slices)


def write(folder, name, record):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(record) + "\n", encoding="utf-8")
    return folder / name


def story_of(store: Store, title_word: str) -> str:
    return next(s.id for s in store.stories() if title_word in s.title.lower())


def document(store: Store) -> dict:
    found = report.build_document(store)
    found.pop("generated_at")
    return json.loads(json.dumps(found, sort_keys=True))


def test_adding_an_article_reanalyses_only_its_story_and_keeps_the_others(tmp_path, monkeypatch):
    strike = write_corpus(tmp_path / "strike")
    flood = write(tmp_path / "flood", "valley-courier.jsonl", FLOOD_ARTICLE)
    with Store(tmp_path / "s.db") as store:
        first = CountingEngine()
        pipeline.analyze(store, [strike, flood], engine=first)
        strike_id, flood_id = story_of(store, "strike"), story_of(store, "flood")
        assert sorted(first.analysed) == sorted([strike_id, flood_id])
        flood_claims = [c for c in store.claims() if c["story_id"] == flood_id]
        assert flood_claims, "the flood story has claims to keep"

        assert store.count("embeddings") == 3, "each article's clustering text embedded once"
        second = CountingEngine()
        follow_up = write(tmp_path / "more", "sound-herald.jsonl", STRIKE_FOLLOW_UP)
        pipeline.analyze(store, [follow_up], engine=second)
        assert store.count("embeddings") == 4, "only the new article was embedded"

        assert second.analysed == [strike_id]
        assert [c for c in store.claims() if c["story_id"] == flood_id] == flood_claims
        strike_outlets = {
            o for c in store.claims() if c["story_id"] == strike_id for o in c["outlets"]
        }
        assert "Sound Herald" in strike_outlets

        third = CountingEngine()
        pipeline.refresh_cross_article(store, engine=third)
        assert third.analysed == [], "nothing changed, so no story is analysed again"
        incremental = document(store)

        # a new version of the per-story stages analyses every story again, parsing nothing
        monkeypatch.setattr(pipeline, "STORY_STAGES_VERSION", pipeline.STORY_STAGES_VERSION + 1)
        fourth = CountingEngine()
        pipeline.refresh_cross_article(store, engine=fourth)
        assert sorted(fourth.analysed) == sorted([strike_id, flood_id])
        assert document(store) == incremental

    # The same three articles analysed in one go give the same report.
    with Store(tmp_path / "once.db") as store:
        pipeline.analyze(store, [strike, flood])
        pipeline.analyze(store, [follow_up])
        # forget the stored fingerprints: every story is analysed again from scratch
        store.replace_cross_article_results(store.stories(), [], [], [], [], {}, {})
        pipeline.refresh_cross_article(store)
        assert document(store) == incremental


class FailingEngine(CountingEngine):
    """The local engine, failing once it has returned ``finish`` stories' results."""

    def __init__(self, finish: int) -> None:
        super().__init__()
        self.finish = finish

    def analyze_stories(self, slices):
        for number, found in enumerate(super().analyze_stories(slices)):
            if number == self.finish:
                raise RuntimeError("worker lost")
            yield found


def test_a_refresh_stopped_midway_keeps_the_stories_it_finished_and_resumes_with_the_rest(
    tmp_path,
):
    strike = write_corpus(tmp_path / "strike")
    flood = write(tmp_path / "flood", "valley-courier.jsonl", FLOOD_ARTICLE)
    with Store(tmp_path / "whole.db") as store:
        pipeline.analyze(store, [strike, flood])
        expected = document(store)

    with Store(tmp_path / "s.db") as store:
        pipeline.ingest(store, [strike, flood])
        pipeline.annotate_pending(store)
        stopped = FailingEngine(finish=1)
        with pytest.raises(RuntimeError, match="worker lost"):
            pipeline.refresh_cross_article(store, engine=stopped, story_batch_size=1)
        finished, unfinished = stopped.analysed
        # the global stages and the first story's results were written before the failure
        assert {s.id for s in store.stories()} == {finished, unfinished}
        assert {c["story_id"] for c in store.claims()} == {finished}
        assert set(store.story_fingerprints()) == {finished}

        resumed = CountingEngine()
        summary = pipeline.refresh_cross_article(store, engine=resumed)
        assert resumed.analysed == [unfinished], "only the unfinished story is analysed"
        assert (summary.stories, summary.analysed) == (2, 1)
        assert document(store) == expected


def test_a_story_slice_holds_only_its_own_articles_statements_and_entities(tmp_path):
    with Store(tmp_path / "s.db") as store:
        pipeline.analyze(
            store,
            [
                write_corpus(tmp_path / "strike"),
                write(tmp_path / "flood", "f.jsonl", FLOOD_ARTICLE),
            ],
        )
        articles = store.articles()
        annotations = {a.id: pipeline.ArticleAnnotations() for a in articles}
        for s in store.found_statements():
            annotations[s.article_id].statements.append(s)
        for m in store.mentions():
            annotations[m.article_id].mentions.append(m)
        corpus = pipeline.link_corpus(articles, annotations, store.stories())
    slices = {p.story.title: p for p in pipeline.story_slices(corpus, annotations)}
    strike = next(p for t, p in slices.items() if "strike" in t.lower())
    flood = next(p for t, p in slices.items() if "flood" in t.lower())

    assert {a.outlet for a in strike.articles} == {a["outlet"] for a in ARTICLES.values()}
    assert {a.outlet for a in flood.articles} == {"Valley Courier"}
    flood_ids = {a.id for a in flood.articles}
    assert all(s.article_id in flood_ids for s in flood.statements)
    assert all(m.article_id in flood_ids for m in flood.mentions)
    flood_entities, flood_said = pipeline.link_story(flood)
    assert all(m.article_id in flood_ids for e in flood_entities for m in e.mentions)
    names = {e.name for e in flood_entities}
    assert "Drumvale" in names and not any("Varnholt" in n for n in names)
    assert any(s.speaker_entity_id for s in flood_said), "speakers linked to the story's entities"
    assert strike.fingerprint() != flood.fingerprint()
    again = {piece.story.id: piece for piece in pipeline.story_slices(corpus, annotations)}
    assert again[flood.story.id].fingerprint() == flood.fingerprint(), "the hash is stable"
    # the slice does not depend on the corpus-wide entities at all
    corpus.entities.reverse()
    corpus.entities.pop()
    reordered = {p.story.id: p for p in pipeline.story_slices(corpus, annotations)}
    assert reordered[strike.story.id].fingerprint() == strike.fingerprint()


class CountingEmbedder:
    """The real embedder, remembering how many texts it was asked to encode."""

    def __init__(self) -> None:
        self.embedder = load_embedder()
        self.encoded = 0

    def encode(self, texts):
        self.encoded += len(texts)
        return self.embedder.encode(texts)


def test_a_remembering_embedder_encodes_each_new_text_once_and_gives_the_same_vectors():
    counting = CountingEmbedder()
    first = RememberingEmbedder(counting)
    texts = ["Ferries halted at Port Elvan.", "A levee gave way on the River Osk."]
    vectors = first.encode(texts + texts[:1])
    assert counting.encoded == 2 and len(first.learned) == 2
    second = RememberingEmbedder(counting, known=first.learned)
    again = second.encode(texts[::-1] + ["Farmland flooded near Drumvale."])
    assert counting.encoded == 3 and len(second.learned) == 1
    assert (again[1] == vectors[0]).all() and (again[0] == vectors[1]).all()


def test_the_per_article_stages_embed_articles_for_clustering_where_they_run(tmp_path):
    with Store(tmp_path / "s.db") as store:
        pipeline.ingest(store, [write_corpus(tmp_path / "strike")])
        pipeline.annotate_pending(store)
        assert store.count("stories") == 0
        assert store.count("embeddings") == len(ARTICLES), "embedded before any refresh"


def test_the_cross_article_stages_run_with_one_blas_thread_and_no_cyclic_collector(
    tmp_path, monkeypatch
):
    # Their matrices are small: extra BLAS threads spin-wait and cost more CPU than they save.
    # The collector would re-walk the whole store's records; it comes back on afterwards.
    import gc

    from threadpoolctl import threadpool_info

    from crosswire import stories

    seen: list[int] = []
    collecting: list[bool] = []
    clustering = stories.cluster_stories

    def spying(*args, **kwargs):
        seen.extend(pool["num_threads"] for pool in threadpool_info())
        collecting.append(gc.isenabled())
        return clustering(*args, **kwargs)

    monkeypatch.setattr(stories, "cluster_stories", spying)
    assert gc.isenabled()
    with Store(tmp_path / "s.db") as store:
        pipeline.analyze(store, [write_corpus(tmp_path / "corpus")])
    assert seen and set(seen) == {1}
    assert collecting and not any(collecting)
    assert gc.isenabled()


def test_the_collector_comes_back_on_when_a_cross_article_stage_fails():
    import gc

    with pytest.raises(RuntimeError), pipeline.cross_article_runtime():
        assert not gc.isenabled()
        raise RuntimeError("a stage failed")
    assert gc.isenabled()


def _named(article, *forms):
    """Name mentions at each occurrence of (form, label) in the article, as a parser tags them."""
    found = []
    for form, label in forms:
        start = -1
        while (start := article.text.find(form, start + 1)) >= 0:
            found.append(
                Mention(article.id, Span.of(article.text, start, start + len(form)), label)
            )
    return found


def _slices_of(articles, stories, annotations):
    """Link the corpus as a refresh does (stories given) and cut it into slices by story id."""
    found = {a.id: annotations[a.id] for a in articles}
    mentions = [m for a in articles for m in found[a.id].mentions]
    said = [s for a in articles for s in found[a.id].statements]
    corpus_entities = entities.canonicalize_entities(articles, mentions, said)
    corpus = pipeline.LinkedCorpus(
        articles=articles,
        stories=stories,
        statements=entities.link_speakers(said, corpus_entities),
        entities=corpus_entities,
        mentions=[m for e in corpus_entities for m in e.mentions],
        time_expressions=[],
    )
    return corpus, {p.story.id: p for p in pipeline.story_slices(corpus, found)}


def test_an_article_tipping_a_corpus_wide_entity_vote_leaves_other_stories_alone():
    # A ferry story names "Berg" alone; a talks story names Anna Berg in full. Across the
    # corpus the bare "Berg" goes to Anna Berg (both stories mention Drumvale), and Drumvale
    # is a place by one GPE against one ORG. A second talks article names an Erik Berg and
    # tags Drumvale ORG: corpus-wide the surname is now ambiguous and Drumvale an ORG, but the
    # ferry story's own mentions say the same as before.
    ferry = Article("b1", "Berg said the Drumvale ferry would sail again on Friday.", outlet="Post")
    talks = Article("a1", "Anna Berg opened the talks at Drumvale. Berg said more.", outlet="Wire")
    more = Article("a2", "Erik Berg joined the Drumvale talks on Tuesday.", outlet="Daily")
    berg_said = Statement(
        "s1",
        "b1",
        Span.of(ferry.text, 10, 56),
        "indirect",
        speaker=Span.of(ferry.text, 0, 4),
        speaker_name="Berg",
        speaker_type="PERSON",
    )
    annotations = {
        "b1": pipeline.ArticleAnnotations(
            statements=[berg_said], mentions=_named(ferry, ("Berg", "PERSON"), ("Drumvale", "GPE"))
        ),
        "a1": pipeline.ArticleAnnotations(
            mentions=_named(talks, ("Anna Berg", "PERSON"), ("Drumvale", "ORG"))
        ),
        "a2": pipeline.ArticleAnnotations(
            mentions=_named(more, ("Erik Berg", "PERSON"), ("Drumvale", "ORG"))
        ),
    }
    ferry_story = Story("t-ferry", "ferry", ["b1"])
    before_corpus, before = _slices_of(
        [ferry, talks], [ferry_story, Story("t-talks", "talks", ["a1"])], annotations
    )
    after_corpus, after = _slices_of(
        [ferry, talks, more], [ferry_story, Story("t-talks", "talks", ["a1", "a2"])], annotations
    )

    def corpus_view(corpus):
        said = next(s for s in corpus.statements if s.id == "s1")
        drumvale = next(e for e in corpus.entities if e.name == "Drumvale")
        return said.speaker_name, drumvale.label

    assert corpus_view(before_corpus) == ("Anna Berg", "GPE")
    assert corpus_view(after_corpus) == ("Berg", "ORG"), "both corpus-wide votes tipped"
    assert after["t-ferry"].fingerprint() == before["t-ferry"].fingerprint()
    assert after["t-talks"].fingerprint() != before["t-talks"].fingerprint()
    # the story's analysis links its own mentions: the same entities and speakers either way
    assert pipeline.link_story(after["t-ferry"]) == pipeline.link_story(before["t-ferry"])
    story_entities, said = pipeline.link_story(after["t-ferry"])
    assert {(e.name, e.label) for e in story_entities} == {("Berg", "PERSON"), ("Drumvale", "GPE")}
    assert said[0].speaker_name == "Berg"
    assert pipeline.analyze_story(after["t-ferry"]) == pipeline.analyze_story(before["t-ferry"])


def test_a_refresh_reindexes_for_search_only_the_articles_whose_names_changed(tmp_path):
    strike = write_corpus(tmp_path / "strike")
    flood = write(tmp_path / "flood", "valley-courier.jsonl", FLOOD_ARTICLE)
    follow_up = write(tmp_path / "more", "sound-herald.jsonl", STRIKE_FOLLOW_UP)

    def index(store: Store) -> dict[str, tuple]:
        rows = store.db.execute("SELECT article_id, rowid, speakers, entities FROM article_search")
        return {row[0]: tuple(row[1:]) for row in rows}

    with Store(tmp_path / "s.db") as store:
        pipeline.analyze(store, [strike, flood])
        before = index(store)
        executed: list[str] = []
        store.db.set_trace_callback(executed.append)
        pipeline.analyze(store, [follow_up])
        store.db.set_trace_callback(None)
        after = index(store)
        flood_id = next(a.id for a in store.articles() if a.outlet == "Valley Courier")
        assert after[flood_id] == before[flood_id], "an unchanged article keeps its index row"
        assert len(after) == len(before) + 1 and all(row[2] for row in after.values())
        indexed = [sql for sql in executed if sql.startswith("INSERT INTO article_search (")]
        # the new article, stored and then indexed with its names, and the articles it changed
        assert len(indexed) == 2 + sum(before[i] != after[i] for i in before)
        assert not any(flood_id in sql for sql in indexed)
        with store.transaction() as db:  # what indexing every article again gives
            db.execute("DELETE FROM article_search")
            entities = [record_from_dict(Entity, e) for e in store.entities()]
            _refill_article_search(db, entities, store.statements())
        rebuilt = index(store)
    assert {i: row[1:] for i, row in rebuilt.items()} == {i: row[1:] for i, row in after.items()}
