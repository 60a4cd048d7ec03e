"""Shared, expensive test fixtures: the loaded spaCy pipeline is built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from crosswire.models import load_nlp

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
POLNEAR = SHARED / "datasets" / "polnear"
FNC1 = SHARED / "datasets" / "fnc1-train"
DEMO = REPO / "demo"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", help="also run the long fuzz and load tests")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="long run: use --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def nlp():
    """The configured spaCy pipeline, loaded once."""
    return load_nlp()


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not present")
    return SEEDS


@pytest.fixture(scope="session")
def seed_articles(seeds_dir) -> list:
    """The seeds as the pipeline's stages see them: read by ingest, as one story, dates completed.

    The first seed's dateline has no year; the story stage's inference fills it in, and every
    article carries its outlet label (the second seed names no outlet).
    """
    from crosswire.ingest import read_paths
    from crosswire.records import Article, Story
    from crosswire.stories import infer_missing_dates

    articles = [a for a in read_paths([seeds_dir]) if isinstance(a, Article)]
    articles.sort(key=lambda a: a.source_path)
    story = Story("seeds", "seeds", [a.id for a in articles])
    return [a.with_outlet_label() for a in infer_missing_dates(articles, [story])]
