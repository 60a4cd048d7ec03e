"""Concurrency: a writer fills the store while the explorer (a real uvicorn server on loopback)
serves pages from it. No request fails, no "database is locked" reaches the user, and every
story page is consistent (its spans quote its own articles) while new articles arrive.

Run with ``-s`` to see the latency figures.
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from conftest import REPO
from test_robustness_crash import write_corpus
from test_robustness_spans import check_spans

from crosswire import pipeline
from crosswire.store import Store
from crosswire.web import create_app

# Copies a finished store's articles into another one as ``analyze`` and ``watch`` write them:
# each article (and its annotations) in its own transaction, the cross-article view refreshed
# every two articles in one big transaction, then again and again until told to stop.
WRITER = """
import sys
from pathlib import Path
from crosswire import pipeline
from crosswire.store import Store

with Store(sys.argv[1]) as source:
    articles = source.articles()
    found = {
        a.id: (source.found_statements([a.id]), source.mentions([a.id]),
               source.time_expressions([a.id]))
        for a in articles
    }
with Store(sys.argv[2]) as target:
    for number, article in enumerate(articles, start=1):
        target.add_article(article)
        target.save_article_annotations(article.id, *found[article.id], pipeline.ANALYSIS_VERSION)
        print("stored", number, flush=True)
        if number % 2 == 0:
            pipeline.refresh_cross_article(target)
    pipeline.refresh_cross_article(target)
    stop = Path(sys.argv[3])
    for _ in range(200):  # as watch does: refresh again until the load test is over
        if stop.exists():
            break
        pipeline.refresh_cross_article(target)
"""


@pytest.fixture(scope="module")
def analysed_store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("source")
    db = folder / "source.db"
    with Store(db) as store:
        pipeline.analyze(store, [write_corpus(folder / "corpus.jsonl", 8, seed=5)])
    return db


class Server:
    """The explorer served by uvicorn in a thread on a free loopback port."""

    def __init__(self, db: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        config = uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="error")
        self.server = uvicorn.Server(config)
        self.url = f"http://127.0.0.1:{port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class Load:
    """Worker threads requesting list, story and entity pages for a bounded time."""

    def __init__(self, url: str, workers: int, seconds: float):
        self.url, self.workers, self.seconds = url, workers, seconds
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.not_found = 0
        self.story_pages = 0
        self.lock = threading.Lock()

    def run(self) -> None:
        deadline = time.monotonic() + self.seconds
        threads = [
            threading.Thread(target=self._work, args=(deadline, n)) for n in range(self.workers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _work(self, deadline: float, number: int) -> None:
        paths = ["/api/stories", "/stories", "/api/stories?q=said"]
        with httpx.Client(base_url=self.url, timeout=60) as client:
            step = number
            while time.monotonic() < deadline:
                step += 1
                story_ids = self._get(client, "/api/stories", check=False)
                ids = [s["id"] for s in (story_ids or {}).get("stories", [])]
                if ids and step % 2:
                    story_id = ids[step % len(ids)]
                    html_or_json = "/api/stories/" if step % 4 == 1 else "/stories/"
                    self._get(client, html_or_json + story_id, check=html_or_json[1] == "a")
                else:
                    self._get(client, paths[step % len(paths)], check=False)

    def _get(self, client: httpx.Client, path: str, check: bool) -> dict | None:
        started = time.monotonic()
        try:
            response = client.get(path)
        except httpx.HTTPError as error:
            self._error(f"{path}: {type(error).__name__}: {error}")
            return None
        elapsed = time.monotonic() - started
        with self.lock:
            self.latencies.append(elapsed)
        if "database is locked" in response.text:
            self._error(f"{path}: database is locked")
        if response.status_code == 404 and path.startswith(("/api/stories/", "/stories/")):
            with self.lock:
                self.not_found += 1  # the story was regrouped since the list was read
            return None
        if response.status_code != 200:
            self._error(f"{path}: HTTP {response.status_code}: {response.text[:200]}")
            return None
        if not path.startswith("/api/"):
            return None
        data = response.json()
        if check:
            self._check_story(path, data)
        return data

    def _check_story(self, path: str, view: dict) -> None:
        texts = {a["id"]: a["text"] for a in view["articles"]}
        try:
            check_spans(texts, view["statements"])
            assert set(view["story"]["article_ids"]) <= set(texts)
        except AssertionError as error:
            self._error(f"{path}: inconsistent page: {error}")
        with self.lock:
            self.story_pages += 1

    def _error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)

    def figures(self) -> str:
        ordered = sorted(self.latencies)
        p95 = ordered[int(0.95 * (len(ordered) - 1))] if ordered else 0.0
        median = statistics.median(ordered) if ordered else 0.0
        return (
            f"{len(ordered)} requests by {self.workers} workers in {self.seconds:.0f} s "
            f"({self.story_pages} story pages checked, {self.not_found} regrouped-story 404s): "
            f"p50 {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"max {(ordered[-1] if ordered else 0) * 1000:.0f} ms, errors {len(self.errors)}"
        )


def serve_while_writing(
    tmp_path: Path, writer: list[str], workers: int, seconds: float, start_after: int = 1
) -> Load:
    db = tmp_path / "live.db"
    Store(db).close()
    with Server(db) as server:
        process = subprocess.Popen(
            writer, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            for _ in range(start_after):  # stories exist, and writes go on
                assert process.stdout.readline(), process.stderr.read()
            load = Load(server.url, workers, seconds)
            load.run()
            written_during_load = process.poll() is None
            (tmp_path / "stop").touch()
            output, errors = process.communicate(timeout=600)
        finally:
            if process.poll() is None:
                process.kill()
        assert process.returncode == 0, errors
        assert "database is locked" not in errors
        final = Load(server.url, 2, 1)
        final.run()
    print(f"\nwhile writing: {load.figures()}\nafter writing: {final.figures()}")
    assert written_during_load, "the writer finished before the load test did"
    assert load.errors == [] and final.errors == []
    assert load.story_pages > 0 and final.story_pages > 0
    with Store(db) as store:
        assert store.integrity_ok()
    return load


def test_the_explorer_serves_consistent_pages_while_articles_are_written(tmp_path, analysed_store):
    live, stop = tmp_path / "live.db", tmp_path / "stop"
    writer = [sys.executable, "-c", WRITER, str(analysed_store), str(live), str(stop)]
    serve_while_writing(tmp_path, writer, workers=8, seconds=5, start_after=3)


@pytest.mark.slow
def test_the_explorer_serves_a_long_load_while_analyze_runs(tmp_path):
    db = tmp_path / "live.db"
    first = write_corpus(tmp_path / "first.jsonl", 20, seed=8)
    command = [sys.executable, "-m", "crosswire", "--db", str(db), "--quiet", "analyze"]
    assert subprocess.run([*command, str(first)], cwd=REPO, capture_output=True).returncode == 0
    corpus = write_corpus(tmp_path / "corpus.jsonl", 120, seed=9)  # stories exist; more arrive
    writer = [
        sys.executable,
        "-u",
        "-c",
        "print('start', flush=True)",
    ]
    writer = [
        sys.executable,
        "-c",
        "import subprocess, sys; print('start', flush=True); "
        "sys.exit(subprocess.call(sys.argv[1:]))",
        sys.executable,
        "-m",
        "crosswire",
        "--db",
        str(db),
        "--quiet",
        "analyze",
        str(corpus),
    ]
    serve_while_writing(tmp_path, writer, workers=16, seconds=60)
