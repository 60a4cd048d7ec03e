"""Engines: the Dask engine gives exactly the single-process result."""

from __future__ import annotations

import json

import pytest
from conftest import DEMO

from crosswire import pipeline, report
from crosswire.engine import make_engine
from crosswire.store import Store


def analysed_document(db_path, engine) -> dict:
    with Store(db_path) as store:
        pipeline.analyze(store, [DEMO / "corpus"], engine=engine)
        document = report.build_document(store)
    document.pop("generated_at")
    return json.loads(json.dumps(document, sort_keys=True))


def test_dask_engine_output_is_identical_to_the_local_engine(tmp_path):
    with make_engine("local") as local:
        expected = analysed_document(tmp_path / "local.db", local)
    with make_engine("dask", workers=2) as dask:
        got = analysed_document(tmp_path / "dask.db", dask)
    assert got["statements"], "the demo corpus gives statements"
    assert got == expected


def test_unknown_engine_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="local, dask"):
        make_engine("spark")
