"""The pipeline's cross-article refresh: per-story stages re-run only where a story changed."""

from __future__ import annotations

import json

import pytest
from strike_corpus import ARTICLES, write_corpus

from crosswire import pipeline, report
from crosswire.engine.local import LocalEngine
from crosswire.models import RememberingEmbedder, load_embedder
from crosswire.store import Store

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
    slices = {piece.story.title: piece for piece in pipeline.story_slices(corpus)}
    strike = next(p for t, p in slices.items() if "strike" in t.lower())
    flood = next(p for t, p in slices.items() if "flood" in t.lower())

    assert {a.outlet for a in strike.articles} == {a["outlet"] for a in ARTICLES.values()}
    assert {a.outlet for a in flood.articles} == {"Valley Courier"}
    flood_ids = {a.id for a in flood.articles}
    assert all(s.article_id in flood_ids for s in flood.statements)
    assert all(m.article_id in flood_ids for e in flood.entities for m in e.mentions)
    names = {e.name for e in flood.entities}
    assert "Drumvale" in names and not any("Varnholt" in n for n in names)
    assert strike.fingerprint() != flood.fingerprint()
    again = {piece.story.id: piece for piece in pipeline.story_slices(corpus)}
    assert again[flood.story.id].fingerprint() == flood.fingerprint(), "the hash is stable"
    # the slice does not depend on the order of the corpus-wide entity list
    corpus.entities.reverse()
    reordered = {piece.story.id: piece for piece in pipeline.story_slices(corpus)}
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
