"""Run the stages in order: ingest → parse → per-article stages → cross-article stages → store.

``annotate_article`` and ``analyze_corpus`` work in memory (tests and ``crosswire eval`` use
them); ``analyze`` adds the store: articles are stored as they are read, each article's
annotations are written in one transaction, and the cross-article results replace the previous
ones in one transaction, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from crosswire import claims, entities, framing, statements, stories, timeline
from crosswire.engine.local import LocalEngine
from crosswire.ingest import read_paths
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
from crosswire.store import Store

# Bump when a per-article stage changes its output, so stored articles are analysed again.
ANALYSIS_VERSION = 1

Progress = Callable[[str, int, int], None]


@dataclass
class ArticleAnnotations:
    """What the per-article stages found in one article."""

    statements: list[Statement] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    time_expressions: list[TemporalExpression] = field(default_factory=list)


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


def annotate_article(doc: Any, article: Article) -> ArticleAnnotations:
    """Run the per-article stages on one parsed article."""
    if not article.is_english:
        # The configured pipeline is English: other languages are stored and flagged, not parsed.
        return ArticleAnnotations()
    article = article.with_outlet_label()
    extract = statements.statement_extractor(load_settings().statement_extractor)
    found = extract(doc, article)
    found += claims.extract_assertions(doc, article, found)
    return ArticleAnnotations(
        statements=found,
        mentions=entities.find_mentions(doc, article, found),
        time_expressions=timeline.find_time_expressions(doc, article),
    )


def analyze_corpus(
    articles: list[Article],
    annotations: dict[str, ArticleAnnotations],
    previous_stories: list[Story] | None = None,
) -> Analysis:
    """Run the cross-article stages over annotated articles.

    The stages see every article under an outlet label (``records.outlet_label``), so an
    article whose outlet is unknown still counts as an outlet of its own; the articles
    returned keep their stored outlet.
    """
    stored_outlets = {a.id: a.outlet for a in articles}
    articles = [a.with_outlet_label() for a in articles]
    all_statements = [s for a in articles for s in annotations[a.id].statements]
    all_mentions = [m for a in articles for m in annotations[a.id].mentions]
    all_times = [t for a in articles for t in annotations[a.id].time_expressions]

    found_stories = stories.cluster_stories(articles, all_mentions, previous_stories)
    articles = stories.infer_missing_dates(articles, found_stories)
    found_entities = entities.canonicalize_entities(articles, all_mentions, all_statements)
    all_statements = entities.link_speakers(all_statements, found_entities)
    all_mentions = [m for e in found_entities for m in e.mentions]
    found_claims = claims.group_claims(found_stories, articles, all_statements, found_entities)
    found_timeline = timeline.build_timeline(
        articles, found_stories, all_statements, all_times, found_entities
    )
    by_id = {a.id: a for a in articles}
    claims_by_story: dict[str, list[Claim]] = defaultdict(list)
    for claim in found_claims:
        claims_by_story[claim.story_id].append(claim)
    framings, summaries = {}, {}
    for story in found_stories:
        members = [by_id[i] for i in story.article_ids if i in by_id]
        member_ids = set(story.article_ids)
        story_statements = [s for s in all_statements if s.article_id in member_ids]
        framings[story.id] = framing.compare_framing(
            story, members, story_statements, found_entities, claims=claims_by_story[story.id]
        )
        summaries[story.id] = claims.story_summary(story, claims_by_story[story.id])
    return Analysis(
        articles=[replace(a, outlet=stored_outlets[a.id]) for a in articles],
        stories=found_stories,
        statements=all_statements,
        entities=found_entities,
        claims=found_claims,
        timeline=found_timeline,
        mentions=all_mentions,
        time_expressions=all_times,
        framing=framings,
        summaries=summaries,
    )


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


def annotate_pending(store: Store, progress: Progress | None = None, engine: Any = None) -> int:
    """Run the per-article stages on every stored article not yet analysed by this version.

    Each article's annotations are written in their own transaction as they arrive, so an
    interrupted run keeps every finished article and the next run starts after it.
    """
    pending = store.article_ids_needing_analysis(ANALYSIS_VERSION)
    engine = engine or LocalEngine()
    done = 0
    for article, found in engine.annotate(_stored_articles(store, pending)):
        store.save_article_annotations(
            article.id, found.statements, found.mentions, found.time_expressions, ANALYSIS_VERSION
        )
        done += 1
        if progress:
            progress("annotate", done, len(pending))
    return done


def _stored_articles(store: Store, ids: list[str], chunk: int = 64) -> Iterator[Article]:
    """Read articles from the store a chunk at a time, so memory stays bounded."""
    for start in range(0, len(ids), chunk):
        yield from store.articles(ids[start : start + chunk])


def refresh_cross_article(store: Store, progress: Progress | None = None) -> Analysis:
    """Recompute stories, entities, claims, timeline and framing over the whole store."""
    articles = store.articles()
    ids = [a.id for a in articles]
    annotations: dict[str, ArticleAnnotations] = {i: ArticleAnnotations() for i in ids}
    for s in store.found_statements():  # unlinked, so a refresh repeats the same linking
        annotations[s.article_id].statements.append(s)
    for m in store.mentions():
        annotations[m.article_id].mentions.append(m)
    for t in store.time_expressions():
        annotations[t.article_id].time_expressions.append(t)
    if progress:
        progress("stories", 0, 1)
    analysis = analyze_corpus(articles, annotations, store.stories() or None)
    store.update_article_dates(a for a in analysis.articles if a.date_inferred)
    store.replace_cross_article_results(
        analysis.stories,
        analysis.entities,
        analysis.statements,
        analysis.claims,
        analysis.timeline,
        analysis.framing,
        analysis.summaries,
    )
    if progress:
        progress("stories", 1, 1)
    return analysis


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
    refresh_cross_article(store, progress)
    return result
