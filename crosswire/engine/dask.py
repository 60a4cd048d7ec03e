"""Run the per-article stages on a Dask cluster (dask.distributed), batch by batch.

Each worker process loads the models once (``crosswire.models`` caches them per process) and
annotates whole batches; only the client writes to the store. Without a scheduler address a
``LocalCluster`` of worker processes is started on this machine.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from crosswire.records import Article


def annotate_batch(articles: list[Article]) -> list[tuple[Article, Any]]:
    """Annotate a batch of articles on a worker."""
    from crosswire.engine.local import LocalEngine

    return list(LocalEngine().annotate(articles))


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
        batches = _batches(articles, self.batch_size)
        in_flight = [
            self.client.submit(annotate_batch, b, pure=False) for b in islice(batches, self.window)
        ]
        while in_flight:
            future = in_flight.pop(0)
            for batch in islice(batches, 1):
                in_flight.append(self.client.submit(annotate_batch, batch, pure=False))
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
