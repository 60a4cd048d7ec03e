"""Engines run the per-article stages: in this process, or on a Dask cluster.

An engine turns stored articles into ``(article, annotations)`` pairs; the pipeline writes them
to the store as they arrive, so both engines give the same store and the same reports.
"""

from __future__ import annotations

from typing import Any

ENGINES = ("local", "dask")


def make_engine(name: str = "local", **options: Any) -> Any:
    """Build the engine registered under ``name``."""
    if name == "local":
        from crosswire.engine.local import LocalEngine

        return LocalEngine()
    if name == "dask":
        from crosswire.engine.dask import DaskEngine

        return DaskEngine(**options)
    raise ValueError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
