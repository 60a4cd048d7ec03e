"""Run the stages in order: ingest → parse → per-article stages → cross-article stages → store.

``annotate_article`` and ``analyze_corpus`` work in memory (tests and ``crosswire eval`` use
them); ``analyze`` adds the store: articles are stored as they are read, each batch of
articles' annotations is written in one transaction, the global cross-article results (stories,
entities, linked statements) replace the previous ones in one transaction and each batch of
stories' results in another, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Any

from crosswire import claims, entities, framing, statements, stories, timeline
from crosswire.engine.local import LocalEngine
from crosswire.ingest import read_paths
from crosswire.models import RememberingEmbedder, load_embedder, text_key
from crosswire.parse import is_french
from crosswire.records import (
    Article,
    Claim,
    Entity,
    Mention,
    Rejection,
    Statement,
    Story,
    TemporalExpression,
    TimelineEvent,
)
from crosswire.settings import Settings, load_settings
from crosswire.store import Store, StoredStoryResults

# Bump when a per-article stage changes its output, so stored articles are analysed again.
ANALYSIS_VERSION = 4
# Bump when a per-story stage (claims, timeline, framing, summary) changes its output, so the
# next refresh analyses every story again without parsing any article again.
# 2: claim conflicts compare each statement's wording in the claim; 3: labels chosen with a
# tolerance, relative clauses saying what a copula's subject did stay with it; 4: counts of
# people harmed conflict across claims ("no one was hurt" / "three injured"); 5: claim labels
# in the language most wordings use, never a bare name where a wording has a clause; 6: no
# numeric conflict over durations or over a count both wordings give; 7: a proposition calling a
# report untrue contests, and an outlet's verdict naming no claim is aimed at the most carried;
# 8: a denial of a part in an event ("any involvement") contests only claims naming the denier;
# 9: entities and speaker links decided from the story's own mentions
STORY_STAGES_VERSION = 9

Progress = Callable[[str, int, int], None]


@dataclass
class ArticleAnnotations:
    """What the per-article stages found in one article."""

    statements: list[Statement] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    time_expressions: list[TemporalExpression] = field(default_factory=list)
    # the article's story-clustering vector by text key (see ``embed_for_stories``)
    embeddings: dict[str, Any] = field(default_factory=dict)


@dataclass
class Analysis:
    """Everything crosswire knows about a set of articles."""

    articles: list[Article]
    stories: list[Story]
    statements: list[Statement]
    entities: list[Entity]
    claims: list[Claim]
    timeline: list[TimelineEvent]
    mentions: list[Mention]
    time_expressions: list[TemporalExpression]
    framing: dict[str, Any]
    summaries: dict[str, Any]


@dataclass
class RunResult:
    """What one ``analyze`` run did."""

    added: list[str] = field(default_factory=list)
    already_stored: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    analysed: int = 0

    @property
    def article_ids(self) -> list[str]:
        return self.added + self.already_stored


def annotate_batch(articles: list[Article]) -> list[tuple[Article, ArticleAnnotations]]:
    """Parse and annotate a batch of articles, and embed them for story clustering at once.

    Engines call this where the work runs (a Dask worker, or this process), so the sentence
    embeddings the story clustering needs are computed in parallel with the parsing, not
    later on the client.
    """
    from crosswire.parse import parse_articles

    done = [(article, annotate_article(doc, article)) for article, doc in parse_articles(articles)]
    for (_, found), (key, vector) in zip(
        done, embed_for_stories([a for a, _ in done]), strict=True
    ):
        found.embeddings = {key: vector}
    return done


def embed_for_stories(articles: list[Article]) -> list[tuple[str, Any]]:
    """Return each article's story-clustering vector with its text key, in article order."""
    model = load_settings().embedding_model
    lead_chars = int(stories.load_story_thresholds(model)["lead_chars"])
    texts = [stories.story_text(a, lead_chars) for a in articles]
    vectors = load_embedder(model).encode(texts) if texts else []
    return list(zip([text_key(t) for t in texts], vectors, strict=True))


def annotate_article(doc: Any, article: Article) -> ArticleAnnotations:
    """Run the per-article stages on one parsed article."""
    if not (article.is_english or is_french(article)):
        # Other languages are stored and flagged, not read. French is parsed by the French
        # pipeline, and each stage reads a French parse with its French rules.
        return ArticleAnnotations()
    article = article.with_outlet_label()
    extract = statements.statement_extractor(load_settings().statement_extractor)
    found = extract(doc, article)
    found += claims.extract_assertions(doc, article, found)
    claims.read_propositions(doc, found)
    return ArticleAnnotations(
        statements=found,
        mentions=entities.find_mentions(doc, article, found),
        time_expressions=timeline.find_time_expressions(doc, article),
    )


@dataclass
class LinkedCorpus:
    """The corpus after the global cross-article stages: stories, dates, entities, speakers."""

    articles: list[Article]  # under outlet labels, dates inferred
    stories: list[Story]
    statements: list[Statement]  # speakers linked to entities
    entities: list[Entity]
    mentions: list[Mention]
    time_expressions: list[TemporalExpression]


@dataclass
class StorySlice:
    """What the per-story stages read about one story: its members and what they found.

    Statements and mentions are as the per-article stages found them, before any linking: the
    per-story stages link the story's entities and speakers from the story's own mentions
    (``link_story``). The corpus-wide entities decide labels and surname links by votes over
    every article, and one new article can tip a vote for a name many stories use; read from
    the story alone, a story's results depend on the slice alone, and a new article changes
    only the story it joins.
    """

    story: Story
    articles: list[Article]
    statements: list[Statement]
    mentions: list[Mention]
    time_expressions: list[TemporalExpression]

    def fingerprint(self) -> str:
        """Hash the slice, so a refresh can tell the stories whose inputs did not change.

        The records' reprs hold every field (and are several times faster to build than
        dicts); refreshes build slices the same way, from the store, so equal inputs give
        equal reprs.
        """
        payload = repr(
            (
                ANALYSIS_VERSION,
                STORY_STAGES_VERSION,
                self.story,
                self.articles,
                self.statements,
                self.mentions,
                self.time_expressions,
            )
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class StoryResults:
    """What the per-story stages found in one story."""

    claims: list[Claim]
    timeline: list[TimelineEvent]
    framing: dict[str, Any]
    summary: dict[str, Any]


def link_corpus(
    articles: list[Article],
    annotations: dict[str, ArticleAnnotations],
    previous_stories: list[Story] | None = None,
    embedder: Any = None,
) -> LinkedCorpus:
    """Run the stages that need the whole corpus: stories, missing dates, entities, speakers.

    The stages see every article under an outlet label (``records.outlet_label``), so an
    article whose outlet is unknown still counts as an outlet of its own. ``embedder``
    (default: the configured model) embeds articles for story clustering.
    """
    articles = [a.with_outlet_label() for a in articles]
    all_statements = [s for a in articles for s in annotations[a.id].statements]
    all_mentions = [m for a in articles for m in annotations[a.id].mentions]
    all_times = [t for a in articles for t in annotations[a.id].time_expressions]

    found_stories = stories.cluster_stories(
        articles, all_mentions, previous_stories, embedder=embedder
    )
    articles = stories.infer_missing_dates(articles, found_stories)
    found_entities = entities.canonicalize_entities(articles, all_mentions, all_statements)
    return LinkedCorpus(
        articles=articles,
        stories=found_stories,
        statements=entities.link_speakers(all_statements, found_entities),
        entities=found_entities,
        mentions=[m for e in found_entities for m in e.mentions],
        time_expressions=all_times,
    )


def story_slices(
    corpus: LinkedCorpus, annotations: dict[str, ArticleAnnotations]
) -> list[StorySlice]:
    """Cut the linked corpus into one slice per story, with what its members' stages found."""
    by_id = {a.id: a for a in corpus.articles}
    times_of: dict[str, list[TemporalExpression]] = defaultdict(list)
    for expression in corpus.time_expressions:
        times_of[expression.article_id].append(expression)
    slices = []
    for story in corpus.stories:
        members = [by_id[i] for i in story.article_ids if i in by_id]
        slices.append(
            StorySlice(
                story=story,
                articles=members,
                statements=[s for a in members for s in annotations[a.id].statements],
                mentions=[m for a in members for m in annotations[a.id].mentions],
                time_expressions=[t for a in members for t in times_of[a.id]],
            )
        )
    return slices


def link_story(piece: StorySlice) -> tuple[list[Entity], list[Statement]]:
    """Link the story's mentions into entities and its statements to their speakers.

    The same linking as the corpus-wide one, over the story's members only: a name's label
    is the majority of its labels in the story, and a bare surname goes to the full name the
    story makes clear, whatever other stories say.
    """
    found = entities.canonicalize_entities(piece.articles, piece.mentions, piece.statements)
    return found, entities.link_speakers(piece.statements, found)


def analyze_story_batch(pieces: list[StorySlice]) -> list[StoryResults]:
    """Run the per-story stages on several stories, their claim units encoded in one call.

    Each story's results are those ``analyze_story`` gives it alone (see
    ``claims.encode_units_ahead``).
    """
    claims.encode_units_ahead([piece.statements for piece in pieces])
    return [analyze_story(piece) for piece in pieces]


def analyze_story(piece: StorySlice) -> StoryResults:
    """Run the per-story stages: entities, claims, timeline, framing and the story summary."""
    story_entities, said = link_story(piece)
    found_claims = claims.group_claims([piece.story], piece.articles, said, story_entities)
    events = timeline.build_timeline(
        piece.articles, [piece.story], said, piece.time_expressions, story_entities
    )
    framed = framing.compare_framing(
        piece.story, piece.articles, said, story_entities, claims=found_claims
    )
    return StoryResults(
        found_claims, events, framed, claims.story_summary(piece.story, found_claims)
    )


def assemble_analysis(
    corpus: LinkedCorpus, stored_outlets: dict[str, str | None], results: dict[str, StoryResults]
) -> Analysis:
    """Put the linked corpus and each story's results together, stories in corpus order."""
    ordered = [results[s.id] for s in corpus.stories if s.id in results]
    return Analysis(
        articles=[replace(a, outlet=stored_outlets[a.id]) for a in corpus.articles],
        stories=corpus.stories,
        statements=corpus.statements,
        entities=corpus.entities,
        claims=[c for r in ordered for c in r.claims],
        timeline=timeline.chronological([e for r in ordered for e in r.timeline]),
        mentions=corpus.mentions,
        time_expressions=corpus.time_expressions,
        framing={s.id: results[s.id].framing for s in corpus.stories if s.id in results},
        summaries={s.id: results[s.id].summary for s in corpus.stories if s.id in results},
    )


@contextlib.contextmanager
def cross_article_runtime() -> Iterator[None]:
    """Run the cross-article stages with one BLAS/OpenMP thread and no cyclic garbage collection.

    Their matrices are small (a batch's TF-IDF, a story's units): extra threads spin-wait more
    than they compute, and far more so when other work shares the cores. The first refresh of
    1,000 benchmark articles on 2 shared cores took 48.8 CPU s with the default threads and
    32.4 with one, same output; Dask's nanny starts its workers with one thread already.

    The stages hold the whole store's records and build many small objects without cycles,
    so the collector mostly re-walks what stays alive: pausing it took the refresh of 3,000
    benchmark articles from 75.0 to 69.3 CPU s (1,000: 27.2 to 23.8, on busy cores). It is
    switched back on (if it was on) when the stages end, however they end.
    """
    # threadpoolctl limits the thread pools loaded so far: load the stages' numeric libraries
    # (scipy's own BLAS among them) first
    import scipy.linalg  # noqa: F401
    import sklearn.cluster  # noqa: F401
    import sklearn.decomposition  # noqa: F401
    from threadpoolctl import threadpool_limits

    collecting = gc.isenabled()
    gc.disable()
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        if collecting:
            gc.enable()


def analyze_corpus(
    articles: list[Article],
    annotations: dict[str, ArticleAnnotations],
    previous_stories: list[Story] | None = None,
    engine: Any = None,
) -> Analysis:
    """Run the cross-article stages over annotated articles.

    The articles returned keep their stored outlet. ``engine`` runs the per-story stages
    (in this process by default).
    """
    stored_outlets = {a.id: a.outlet for a in articles}
    known = {key: v for found in annotations.values() for key, v in found.embeddings.items()}
    embedder = RememberingEmbedder(load_embedder(), known) if known else None
    with cross_article_runtime():
        corpus = link_corpus(articles, annotations, previous_stories, embedder)
        slices = story_slices(corpus, annotations)
        engine = engine or LocalEngine()
        found = engine.analyze_stories(slices)
        results = dict(zip([p.story.id for p in slices], found, strict=True))
    return assemble_analysis(corpus, stored_outlets, results)


def analyze_articles(articles: list[Article]) -> Analysis:
    """Analyse articles in memory, without a store."""
    annotations = {a.id: found for a, found in LocalEngine().annotate(articles)}
    return analyze_corpus(articles, annotations)


def ingest(
    store: Store,
    paths: Iterable[str | Path],
    *,
    outlet: str | None = None,
    date: str | None = None,
    settings: Settings | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Read files into the store; duplicates are no-ops, bad files are listed, not fatal."""
    result = RunResult()
    for item in read_paths(paths, outlet=outlet, date=date, settings=settings or load_settings()):
        if isinstance(item, Rejection):
            result.rejections.append(item)
        elif store.add_article(item):
            result.added.append(item.id)
        else:
            result.already_stored.append(item.id)
        if progress:
            progress("ingest", len(result.article_ids) + len(result.rejections), 0)
    return result


def annotate_pending(
    store: Store, progress: Progress | None = None, engine: Any = None, batch_size: int = 16
) -> int:
    """Run the per-article stages on every stored article not yet analysed by this version.

    Annotations are written a batch of articles per transaction as they arrive, so an
    interrupted run keeps every finished batch and the next run starts after it.
    """
    pending = store.article_ids_needing_analysis(ANALYSIS_VERSION)
    engine = engine or LocalEngine()
    model = load_settings().embedding_model
    done = 0
    results = engine.annotate(_stored_articles(store, pending))
    while batch := list(islice(results, batch_size)):
        store.save_annotation_batch(
            [(a.id, f.statements, f.mentions, f.time_expressions) for a, f in batch],
            ANALYSIS_VERSION,
            embeddings=(model, {k: v for _, f in batch for k, v in f.embeddings.items()}),
        )
        done += len(batch)
        if progress:
            progress("annotate", done, len(pending))
    return done


def _stored_articles(store: Store, ids: list[str], chunk: int = 64) -> Iterator[Article]:
    """Read articles from the store a chunk at a time, so memory stays bounded."""
    for start in range(0, len(ids), chunk):
        yield from store.articles(ids[start : start + chunk])


@dataclass
class RefreshSummary:
    """What one refresh did: how many stories there are, and how many were analysed again."""

    stories: int
    analysed: int


def refresh_cross_article(
    store: Store,
    progress: Progress | None = None,
    engine: Any = None,
    story_batch_size: int = 64,
) -> RefreshSummary:
    """Bring stories, entities, claims, timeline and framing up to date with the store.

    The global stages (stories, dates, entities, speaker links) run over the whole store and
    are written in one transaction; the per-story stages run only on the stories whose slice
    changed since the last refresh (the others keep their stored results, which are the same
    by construction), and their results are written ``story_batch_size`` stories per
    transaction as the engine returns them. So memory holds the corpus's annotations, never
    every story's results, and an interrupted refresh keeps the stories it finished.
    """
    with cross_article_runtime():
        changed, fingerprints, story_count = _link_and_store(store)
        engine = engine or LocalEngine()
        results = zip(changed, engine.analyze_stories(changed), strict=True)
        done = 0
        while batch := list(islice(results, story_batch_size)):
            store.replace_story_results(
                StoredStoryResults(
                    piece.story.id,
                    found.claims,
                    found.timeline,
                    found.framing,
                    found.summary,
                    fingerprints[piece.story.id],
                )
                for piece, found in batch
            )
            done += len(batch)
            if progress:
                progress("stories", done, len(changed))
        if progress and not changed:
            progress("stories", 1, 1)
    return RefreshSummary(stories=story_count, analysed=len(changed))


def _link_and_store(store: Store) -> tuple[list[StorySlice], dict[str, str], int]:
    """Run the global stages over the store and write what they found.

    Returns the slices of the stories whose per-story results must be computed again, every
    story's fingerprint, and the number of stories. The annotations and linked corpus of the
    other stories are dropped when this returns.
    """
    articles = store.articles()
    ids = [a.id for a in articles]
    annotations: dict[str, ArticleAnnotations] = {i: ArticleAnnotations() for i in ids}
    for s in store.found_statements():  # unlinked, so a refresh repeats the same linking
        annotations[s.article_id].statements.append(s)
    for m in store.mentions():
        annotations[m.article_id].mentions.append(m)
    for t in store.time_expressions():
        annotations[t.article_id].time_expressions.append(t)
    embedder = _remembering_embedder(store, articles)
    corpus = link_corpus(articles, annotations, store.stories() or None, embedder)
    store.add_embeddings(load_settings().embedding_model, embedder.learned)
    slices = story_slices(corpus, annotations)
    fingerprints = {piece.story.id: piece.fingerprint() for piece in slices}
    stored = store.story_fingerprints()
    outlets = {a.id: a.outlet for a in articles}
    store.update_article_dates(
        replace(a, outlet=outlets[a.id]) for a in corpus.articles if a.date_inferred
    )
    store.replace_linked_corpus(corpus.stories, corpus.entities, corpus.statements)
    changed = [p for p in slices if stored.get(p.story.id) != fingerprints[p.story.id]]
    return changed, fingerprints, len(corpus.stories)


def _remembering_embedder(store: Store, articles: list[Article]) -> RememberingEmbedder:
    """Return the configured embedder, knowing the stored vectors of these articles' texts."""
    model = load_settings().embedding_model
    lead_chars = int(stories.load_story_thresholds(model)["lead_chars"])
    keys = [text_key(stories.story_text(a, lead_chars)) for a in articles]
    return RememberingEmbedder(load_embedder(model), store.embeddings(model, keys))


def analyze(
    store: Store,
    paths: Iterable[str | Path],
    *,
    outlet: str | None = None,
    date: str | None = None,
    settings: Settings | None = None,
    progress: Progress | None = None,
    engine: Any = None,
) -> RunResult:
    """Ingest files, analyse every article not yet analysed, and refresh the cross-article view."""
    result = ingest(store, paths, outlet=outlet, date=date, settings=settings, progress=progress)
    result.analysed = annotate_pending(store, progress, engine)
    refresh_cross_article(store, progress, engine)
    return result
