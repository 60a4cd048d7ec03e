"""Provenance never lies: every span of every output item quotes its stored article exactly.

Generated articles carry what the web hands us (CRLF, BOM, NBSP, zero-width and bidi characters,
NFD accents, curly and guillemet quotes, Cyrillic, emoji); real ones are the demo corpus and the
seeds. The helpers here are shared with the other robustness tests.
"""

from __future__ import annotations

import dataclasses
import html
import json
import random
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crosswire import pipeline
from crosswire.ingest import normalize, read_paths
from crosswire.pipeline import ArticleAnnotations
from crosswire.records import Article
from crosswire.store import Store

# Characters the web hands us that must never shift a span.
NOISE = [
    "\u00a0",  # no-break space
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\u200e",  # left-to-right mark
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\ufeff",  # BOM inside the text (zero-width no-break space)
    "\U0001f4f0",  # newspaper emoji (outside the BMP)
    "\U0001f1fa\U0001f1e6",  # flag: two regional indicators
    "\U0001f469\u200d\U0001f4bb",  # ZWJ emoji sequence
]
SPEAKERS = [
    "José Müller",
    "Zoë Brontë",
    "Иван Петров",
    "Ngô Bảo Châu",
    "Søren Ødegård",
    "the ministry",
    "Amélie Lefèvre",
]
QUOTES = [("“", "”"), ("«", "»"), ("„", "“"), ('"', '"'), ("‘", "’"), ("‹", "›")]
CUES = ["said", "told reporters", "claimed", "denied", "added", "warned"]
CLAUSES = [
    "the talks in Genève would resume on Monday",
    "переговоры продолжатся в понедельник",
    "nobody was hurt in the fire at the café",
    "the agreement signed on 3 March was broken",
    "prices rose by 12% in the first week of May",
    "ships had entered the strait without permission",
]


def nasty_article_text(rng: random.Random, sentences: int = 5) -> str:
    """Build raw article text (NFD, CRLF, BOM, noise characters) with quotes and attributions."""
    parts = []
    for _ in range(sentences):
        speaker, cue, clause = rng.choice(SPEAKERS), rng.choice(CUES), rng.choice(CLAUSES)
        opening, closing = rng.choice(QUOTES)
        noise = rng.choice(NOISE)
        shape = rng.randrange(3)
        if shape == 0:
            sentence = f"{opening}{clause.capitalize()}{noise},{closing} {speaker} {cue}."
        elif shape == 1:
            sentence = f"{speaker.capitalize()} {cue} on Tuesday{noise} that {clause}."
        else:
            sentence = (
                f"{opening}{clause.capitalize()}.{closing} {noise}That is what {speaker} {cue}."
            )
        parts.append(sentence)
    paragraphs = [" ".join(parts[i : i + 2]) for i in range(0, len(parts), 2)]
    text = "\r\n\r\n".join(paragraphs)
    header = rng.choice(["", "GENÈVE, March 3 (Harbor Times) - ", "date 2026-03-03\r\n\r\n"])
    return "\ufeff" + unicodedata.normalize("NFD", header + text) + "\r\n"


def _as_plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _as_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _as_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_as_plain(v) for v in value]
    return value


def _is_span(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("start"), int)
        and isinstance(value.get("end"), int)
        and isinstance(value.get("text"), str)
    )


def check_spans(texts: dict[str, str], output: Any, article_id: str | None = None) -> int:
    """Assert every span in ``output`` lies inside its article and quotes it exactly.

    The article is the nearest ``article_id`` above the span (or in the span itself). Returns how
    many spans were checked.
    """
    value = _as_plain(output)
    return _walk(texts, value, article_id, "")


def _walk(texts: dict[str, str], value: Any, article_id: str | None, where: str) -> int:
    checked = 0
    if isinstance(value, dict):
        own = value.get("article_id")
        if isinstance(own, str) and own in texts:
            article_id = own
        if _is_span(value):
            assert article_id is not None, f"span without an article at {where}: {value}"
            text = texts[article_id]
            start, end = value["start"], value["end"]
            assert 0 <= start <= end <= len(text), f"span outside its article at {where}: {value}"
            assert text[start:end] == value["text"], (
                f"span text differs from the stored text at {where}: "
                f"{value['text']!r} != {text[start:end]!r}"
            )
            checked += 1
        for key, item in value.items():
            checked += _walk(texts, item, article_id, f"{where}.{key}")
    elif isinstance(value, list):
        for number, item in enumerate(value):
            checked += _walk(texts, item, article_id, f"{where}[{number}]")
    return checked


def check_analysis(analysis: Any) -> int:
    """Check every span of a pipeline ``Analysis``; return how many were checked."""
    texts = {a.id: a.text for a in analysis.articles}
    checked = 0
    for part in ("statements", "mentions", "time_expressions", "claims", "timeline", "entities"):
        checked += check_spans(texts, getattr(analysis, part))
    checked += check_spans(texts, analysis.framing)
    return checked


# --- the tests --------------------------------------------------------------------------------


def annotate(nlp: Any, articles: list[Article]) -> dict[str, ArticleAnnotations]:
    return {a.id: pipeline.annotate_article(nlp(a.text), a) for a in articles}


def ingest_raw(tmp_path: Path, name: str, raw: bytes) -> Article:
    path = tmp_path / name
    path.write_bytes(raw)
    found = list(read_paths([path]))
    path.unlink()
    assert len(found) == 1 and isinstance(found[0], Article), found
    return found[0]


def assert_clean_text(article: Article) -> None:
    assert unicodedata.is_normalized("NFC", article.text)
    assert "\r" not in article.text
    assert not article.text.startswith("\ufeff")
    assert article.text == article.text.strip()


def check_per_article(nlp: Any, article: Article) -> int:
    found = pipeline.annotate_article(nlp(article.text), article)
    texts = {article.id: article.text}
    return sum(
        check_spans(texts, part)
        for part in (found.statements, found.mentions, found.time_expressions)
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1), fmt=st.sampled_from(["txt", "json", "html"]))
def test_nasty_unicode_text_keeps_every_per_article_span_exact(nlp, tmp_path, seed, fmt):
    raw = nasty_article_text(random.Random(seed))
    if fmt == "json":
        data = json.dumps({"text": raw, "outlet": "Harbor Times", "language": "en"}).encode()
    elif fmt == "html":
        body = "".join(f"<p>{html.escape(p)}</p>" for p in raw.split("\r\n\r\n"))
        data = f"<html><head><title>T</title></head><body><article>{body}</article></body></html>"
        data = data.encode("utf-8")
    else:
        data = raw.encode("utf-8")
    article = ingest_raw(tmp_path, f"a.{fmt}", data)
    assert_clean_text(article)
    check_per_article(nlp, article)


@settings(max_examples=25, deadline=None)
@given(text=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=400))
def test_arbitrary_unicode_never_yields_a_span_outside_the_text(nlp, text):
    text = normalize(text).strip()
    if len(text.split()) < 1:
        return
    article = Article(id="a-fuzz", text=text, language="en")
    check_per_article(nlp, article)


def test_nasty_articles_keep_every_cross_article_span_exact(nlp, tmp_path):
    rng = random.Random(20261123)
    articles = [
        ingest_raw(tmp_path, f"n{number}.txt", nasty_article_text(rng, 6).encode("utf-8"))
        for number in range(6)
    ]
    articles = [
        replace(a, outlet=f"Outlet {n % 3}", date="2026-03-03") for n, a in enumerate(articles)
    ]
    articles = [replace(a, id=Article.content_id(a.text, a.outlet)) for a in articles]
    analysis = pipeline.analyze_corpus(articles, annotate(nlp, articles))
    checked = check_analysis(analysis)
    print(f"\nnasty articles: {checked} spans exact")
    assert checked > 20
    assert analysis.statements


def test_seed_articles_keep_every_span_exact_through_the_store(nlp, seeds_dir, tmp_path):
    articles = [a for a in read_paths([seeds_dir]) if isinstance(a, Article)]
    assert len(articles) >= 2
    annotations = annotate(nlp, articles)
    analysis = pipeline.analyze_corpus(articles, annotations)
    checked = check_analysis(analysis)
    print(f"\nseeds: {checked} spans exact")
    assert checked > 50
    with Store(tmp_path / "seeds.db") as store:
        for article in articles:
            store.add_article(article)
            found = annotations[article.id]
            store.save_article_annotations(
                article.id, found.statements, found.mentions, found.time_expressions, 1
            )
        stored_texts = {a.id: a.text for a in store.articles()}
        assert stored_texts == {a.id: a.text for a in articles}
        checked = check_spans(stored_texts, store.statements())
        checked += check_spans(stored_texts, store.mentions())
        checked += check_spans(stored_texts, store.time_expressions())
        assert checked > 50


def test_demo_articles_keep_every_per_article_span_exact(nlp):
    articles = [a for a in read_paths([DEMO / "corpus"]) if isinstance(a, Article)]
    assert len(articles) > 10
    checked = sum(check_per_article(nlp, a) for a in articles)
    print(f"\ndemo corpus: {checked} per-article spans of {len(articles)} articles exact")
    assert checked > 300


def test_demo_story_keeps_every_cross_article_span_exact(nlp):
    articles = [a for a in read_paths([DEMO / "corpus"]) if isinstance(a, Article)]
    articles = [a for a in articles if a.is_english][:5]
    analysis = pipeline.analyze_corpus(articles, annotate(nlp, articles))
    assert analysis.claims and analysis.timeline
    checked = check_analysis(analysis)
    print(f"\ndemo story: {checked} spans of {len(articles)} articles exact")
    assert checked > 100


@pytest.mark.slow
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1))
def test_long_nasty_unicode_fuzz_keeps_every_span_exact(nlp, tmp_path, seed):
    rng = random.Random(seed)
    article = ingest_raw(tmp_path, "a.txt", nasty_article_text(rng, rng.randrange(2, 14)).encode())
    assert_clean_text(article)
    check_per_article(nlp, article)


@pytest.mark.slow
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1))
def test_long_nasty_corpus_fuzz_keeps_every_cross_article_span_exact(nlp, tmp_path, seed):
    rng = random.Random(seed)
    articles = []
    for number in range(4):
        raw = nasty_article_text(rng, rng.randrange(3, 8)).encode("utf-8")
        article = ingest_raw(tmp_path, f"n{number}.txt", raw)
        articles.append(replace(article, outlet=f"Outlet {number}", date="2026-03-03"))
    articles = [replace(a, id=Article.content_id(a.text, a.outlet)) for a in articles]
    check_analysis(pipeline.analyze_corpus(articles, annotate(nlp, articles)))


def test_a_name_left_with_only_lowercase_descriptions_still_becomes_an_entity(nlp):
    texts = [
        "„Prices rose by 12% in the first week of may\u200e,“ Иван Петров added. ‘Ships had "
        "entered the strait without permission\u2066,’ Ngô Bảo Châu denied.\n\nИван петров "
        "warned on Tuesday\u202e that prices rose by 12% in the first week of May. “Prices rose "
        "by 12% in the first week of may\u200e,” José Müller told reporters.\n\nИван петров said "
        "on Tuesday\u200d that переговоры продолжатся в понедельник. The ministry denied on "
        "Tuesday\u200b that prices rose by 12% in the first week of May.",
        "Ngô bảo châu claimed on Tuesday\u202e that nobody was hurt in the fire at the café. Zoë "
        "brontë claimed on Tuesday\u200e that переговоры продолжатся в понедельник.\n\n„The "
        "agreement signed on 3 march was broken\u202e,“ Zoë Brontë warned. Иван петров denied "
        "on Tuesday\xa0 that prices rose by 12% in the first week of May.\n\n«The agreement "
        "signed on 3 march was broken.» 👩\u200d💻That is what José Müller told reporters. Zoë "
        "brontë added on Tuesday\u200e that prices rose by 12% in the first week of May.",
    ]
    articles = [
        Article(id=f"a{n}", text=t, outlet=f"Outlet {n}", date="2026-03-03", language="en")
        for n, t in enumerate(texts)
    ]
    analysis = pipeline.analyze_corpus(articles, annotate(nlp, articles))
    assert any("петров" in e.name.lower() for e in analysis.entities)
    assert check_analysis(analysis) > 20
