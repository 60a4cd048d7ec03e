"""Run the per-article and per-story stages on a Dask cluster (dask.distributed), batch by batch.

Each worker process loads the models once (``crosswire.models`` caches them per process) and
annotates whole batches of articles, or analyses whole batches of story slices; only the client
writes to the store. The global cross-article stages (stories, entities) run on the client
between the two. Without a scheduler address a ``LocalCluster`` of worker processes is started
on this machine.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from crosswire.records import Article


def annotate_batch(articles: list[Article]) -> list[tuple[Article, Any]]:
    """Annotate (and embed for story clustering) a batch of articles on a worker."""
    from crosswire.pipeline import annotate_batch as annotate_here

    return annotate_here(articles)


def analyze_story_batch(slices: list[Any]) -> list[Any]:
    """Run the per-story stages on a batch of story slices on a worker."""
    from crosswire.pipeline import analyze_story_batch

    return analyze_story_batch(slices)


class DaskEngine:
    """Send batches of articles to Dask workers and yield results in input order."""

    def __init__(
        self,
        scheduler: str | None = None,
        workers: int | None = None,
        batch_size: int = 32,
    ):
        from distributed import Client, LocalCluster

        self.batch_size = batch_size
        self.cluster = None
        if scheduler:
            self.client = Client(scheduler)
        else:
            self.cluster = LocalCluster(
                n_workers=workers or 2,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
            self.client = Client(self.cluster)
        self.window = 2 * max(1, len(self.client.scheduler_info()["workers"]))

    def annotate(self, articles: Iterable[Article]) -> Iterator[tuple[Article, Any]]:
        """Yield ``(article, annotations)`` in input order, with a bounded number of batches in flight."""
        yield from self._in_order(annotate_batch, _batches(articles, self.batch_size))

    def analyze_stories(self, slices: Iterable[Any]) -> Iterator[Any]:
        """Yield each story slice's results in input order; batches hold about a batch of articles."""
        yield from self._in_order(analyze_story_batch, _story_batches(slices, self.batch_size))

    def _in_order(self, task: Any, batches: Iterator[list[Any]]) -> Iterator[Any]:
        in_flight = [self.client.submit(task, b, pure=False) for b in islice(batches, self.window)]
        while in_flight:
            future = in_flight.pop(0)
            for batch in islice(batches, 1):
                in_flight.append(self.client.submit(task, batch, pure=False))
            yield from future.result()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self) -> DaskEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _batches(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    iterator = iter(articles)
    while batch := list(islice(iterator, size)):
        yield batch


def _story_batches(slices: Iterable[Any], articles_per_batch: int) -> Iterator[list[Any]]:
    """Group story slices so each batch holds about ``articles_per_batch`` articles."""
    batch: list[Any] = []
    size = 0
    for piece in slices:
        batch.append(piece)
        size += len(piece.articles)
        if size >= articles_per_batch:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch
