"""The store: SQLite by default, the only module that speaks SQL.

Each record is kept as JSON in a ``data`` column beside the columns used to select it, so new
record fields need no migration and a server database can hold the same tables later.
Writes are short transactions in WAL mode; a batch of articles' write is all-or-nothing, so an
interrupted run leaves every article either fully analysed or not analysed at all.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crosswire.records import (
    Article,
    Claim,
    Entity,
    Mention,
    Statement,
    Story,
    TemporalExpression,
    TimelineEvent,
    record_from_dict,
)

MIGRATIONS: list[str] = [
    # 1: articles and every stage's output
    """
    CREATE TABLE articles (
        id TEXT PRIMARY KEY,
        outlet TEXT,
        date TEXT,
        title TEXT,
        source_path TEXT,
        language TEXT,
        text TEXT NOT NULL,
        data TEXT NOT NULL,
        analysed_version INTEGER,
        ingested_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    CREATE TABLE statements (
        id TEXT PRIMARY KEY,
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        kind TEXT NOT NULL,
        speaker_name TEXT,
        cue_stance TEXT,
        data TEXT NOT NULL
    );
    CREATE INDEX statements_article ON statements(article_id);
    CREATE TABLE mentions (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        label TEXT NOT NULL,
        entity_id TEXT,
        data TEXT NOT NULL
    );
    CREATE INDEX mentions_article ON mentions(article_id);
    CREATE TABLE time_expressions (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX time_expressions_article ON time_expressions(article_id);
    CREATE TABLE entities (id TEXT PRIMARY KEY, name TEXT NOT NULL, label TEXT, data TEXT NOT NULL);
    CREATE TABLE stories (id TEXT PRIMARY KEY, title TEXT, data TEXT NOT NULL);
    CREATE TABLE story_articles (
        story_id TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        PRIMARY KEY (story_id, article_id)
    );
    CREATE TABLE claims (
        id TEXT PRIMARY KEY,
        story_id TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        data TEXT NOT NULL
    );
    CREATE TABLE timeline_events (
        id TEXT PRIMARY KEY,
        story_id TEXT REFERENCES stories(id) ON DELETE CASCADE,
        date TEXT,
        data TEXT NOT NULL
    );
    CREATE TABLE story_views (
        story_id TEXT PRIMARY KEY REFERENCES stories(id) ON DELETE CASCADE,
        framing TEXT NOT NULL,
        summary TEXT NOT NULL
    );
    """,
    # 2: live monitoring: sources, conditional-GET state, alerts, versions of updated articles
    """
    CREATE TABLE sources (
        url TEXT PRIMARY KEY,
        name TEXT,
        kind TEXT NOT NULL DEFAULT 'auto',
        language TEXT,
        added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    CREATE TABLE fetch_state (
        url TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        status INTEGER,
        error TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        checked_at TEXT,
        ok_at TEXT
    );
    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        story_id TEXT,
        message TEXT NOT NULL,
        data TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    CREATE INDEX alerts_created ON alerts(created_at);
    CREATE TABLE article_versions (
        url TEXT NOT NULL,
        version INTEGER NOT NULL,
        article_id TEXT NOT NULL,
        fetched_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        PRIMARY KEY (url, version)
    );
    CREATE INDEX article_versions_article ON article_versions(article_id);
    """,
    # 3: full-text search over article text, titles, outlets, speakers and entity names
    # (entity names of an existing store are indexed at its next cross-article refresh)
    """
    CREATE VIRTUAL TABLE article_search USING fts5(
        article_id UNINDEXED, title, text, outlet, speakers, entities,
        tokenize = 'unicode61 remove_diacritics 2'
    );
    INSERT INTO article_search (article_id, title, text, outlet, speakers, entities)
        SELECT id, coalesce(title, ''), text, coalesce(outlet, ''),
            coalesce((SELECT group_concat(DISTINCT speaker_name) FROM statements
                      WHERE statements.article_id = articles.id), ''),
            ''
        FROM articles;
    """,
    # 4: each statement as the per-article stages found it, before cross-article linking
    # renamed its speaker; refreshes start from it, so re-running changes nothing
    """
    ALTER TABLE statements ADD COLUMN found TEXT;
    """,
    # 5: a hash of each story's inputs, so a refresh re-analyses only the stories that changed
    """
    ALTER TABLE story_views ADD COLUMN fingerprint TEXT;
    """,
    # 6: sentence embeddings by model and text hash, so a refresh embeds only new articles
    """
    CREATE TABLE embeddings (
        model TEXT NOT NULL,
        text_key TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (model, text_key)
    );
    """,
    # 7: per-story results found by story, since a refresh replaces them a batch of stories
    # at a time (and deleting a story cascades to them): without them, each replacement
    # scanned the whole table, and refreshing 20,000 articles spent half its time there
    """
    CREATE INDEX claims_story ON claims(story_id);
    CREATE INDEX timeline_events_story ON timeline_events(story_id);
    """,
    # 8: the stories and entities of an article, so the explorer reads one story's or entity's
    # rows instead of every row (filled here from the entities stored so far)
    """
    CREATE INDEX story_articles_article ON story_articles(article_id);
    CREATE TABLE entity_articles (
        entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
        article_id TEXT NOT NULL,
        PRIMARY KEY (entity_id, article_id)
    );
    CREATE INDEX entity_articles_article ON entity_articles(article_id);
    INSERT OR IGNORE INTO entity_articles (entity_id, article_id)
        SELECT e.id, json_extract(m.value, '$.article_id')
        FROM entities e, json_each(e.data, '$.mentions') m;
    """,
]


class StoreError(RuntimeError):
    """The store file cannot be used; the message says why and what to do."""


class Store:
    """A crosswire store in one SQLite file."""

    def __init__(self, path: str | Path, *, read_only: bool = False):
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise StoreError(f"{self.path}: no such store; run `crosswire analyze` first")
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        uri = f"file:{self.path}?mode=ro" if read_only else f"file:{self.path}"
        try:
            self.db = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA busy_timeout = 30000")
            self.db.execute("PRAGMA foreign_keys = ON")
            if not read_only:
                self.db.execute("PRAGMA journal_mode = WAL")
                self.db.execute("PRAGMA synchronous = NORMAL")
                self._migrate()
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path}: not a crosswire store ({error})") from error

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run the block in one write transaction: all of it is stored, or none."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[Store]:
        """Read in one transaction, so every query inside sees the same committed state.

        In WAL mode a writer may commit meanwhile; readers inside keep their snapshot, so a
        page built from several queries never mixes two versions of the analysis.
        """
        self.db.execute("BEGIN")
        try:
            yield self
        finally:
            self.db.execute("COMMIT")

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path}: store schema version {version} is newer than this crosswire "
                f"({len(MIGRATIONS)}); upgrade crosswire"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction() as db:
                for sql in script.split(";"):
                    if sql.strip():
                        db.execute(sql)
                db.execute(f"PRAGMA user_version = {number}")

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    # --- articles -------------------------------------------------------------------------

    def add_article(self, article: Article) -> bool:
        """Store an article; return False (and change nothing) if its id is already stored."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO articles "
                "(id, outlet, date, title, source_path, language, text, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    article.id,
                    article.outlet,
                    article.date,
                    article.title,
                    article.source_path,
                    article.language,
                    article.text,
                    _dump_record(article),
                ),
            )
            added = cursor.rowcount == 1
            if added:
                db.execute(
                    "INSERT INTO article_search "
                    "(article_id, title, text, outlet, speakers, entities) "
                    "VALUES (?, ?, ?, ?, '', '')",
                    (article.id, article.title or "", article.text, article.outlet or ""),
                )
        return added

    def update_article_dates(self, articles: Iterable[Article]) -> None:
        """Store the dates a cross-article stage filled in (inferred years)."""
        with self.transaction() as db:
            for article in articles:
                db.execute(
                    "UPDATE articles SET date = ?, data = ? WHERE id = ?",
                    (article.date, _dump_record(article), article.id),
                )

    def articles(self, ids: Iterable[str] | None = None) -> list[Article]:
        """Return stored articles (all, or those with the given ids) in ingest order."""
        rows = self._select("SELECT data FROM articles", "id", ids, order="rowid")
        return [Article.from_dict(json.loads(row[0])) for row in rows]

    def article_ids_needing_analysis(self, version: int) -> list[str]:
        rows = self.db.execute(
            "SELECT id FROM articles WHERE analysed_version IS NOT ? ORDER BY rowid",
            (version,),
        )
        return [row[0] for row in rows]

    def count(self, table: str) -> int:
        if table not in _TABLES:
            raise ValueError(f"unknown table {table!r}")
        return self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    # --- per-article annotations ----------------------------------------------------------

    def save_article_annotations(
        self,
        article_id: str,
        statements: list[Statement],
        mentions: list[Mention],
        time_expressions: list[TemporalExpression],
        version: int,
    ) -> None:
        """Replace one article's annotations and mark it analysed, in one transaction."""
        self.save_annotation_batch([(article_id, statements, mentions, time_expressions)], version)

    def save_annotation_batch(
        self,
        batch: list[tuple[str, list[Statement], list[Mention], list[TemporalExpression]]],
        version: int,
        embeddings: tuple[str, dict[str, Any]] | None = None,
    ) -> None:
        """Replace several articles' annotations and mark them analysed, in one transaction.

        ``embeddings`` is ``(model, {text key: vector})`` to remember with them.
        """
        with self.transaction() as db:
            _write_annotations(db, batch, version)
            if embeddings and embeddings[1]:
                _insert_embeddings(db, *embeddings)

    def statements(self, article_ids: Iterable[str] | None = None) -> list[Statement]:
        rows = self._select(
            "SELECT data FROM statements", "article_id", article_ids, order="article_id, start"
        )
        return [record_from_json(Statement, row[0]) for row in rows]

    def found_statements(self, article_ids: Iterable[str] | None = None) -> list[Statement]:
        """Return statements as the per-article stages found them, before speaker linking."""
        rows = self._select(
            "SELECT coalesce(found, data) FROM statements",
            "article_id",
            article_ids,
            order="article_id, start",
        )
        return [record_from_json(Statement, row[0]) for row in rows]

    def mentions(self, article_ids: Iterable[str] | None = None) -> list[Mention]:
        rows = self._select(
            "SELECT data FROM mentions", "article_id", article_ids, order="article_id, start"
        )
        return [record_from_json(Mention, row[0]) for row in rows]

    def time_expressions(
        self, article_ids: Iterable[str] | None = None
    ) -> list[TemporalExpression]:
        rows = self._select(
            "SELECT data FROM time_expressions",
            "article_id",
            article_ids,
            order="article_id, start",
        )
        return [record_from_json(TemporalExpression, row[0]) for row in rows]

    # --- cross-article results --------------------------------------------------------------

    def replace_cross_article_results(
        self,
        stories: list[Story],
        entities: list[Entity],
        statements: list[Statement],
        claims: list[Claim],
        timeline: list[TimelineEvent],
        framing: dict[str, Any],
        summaries: dict[str, Any],
    ) -> None:
        """Replace the whole cross-article view in one transaction, every story's results too.

        The stored fingerprints are forgotten: the next refresh analyses every story again.
        """
        by_story: dict[str, StoredStoryResults] = {
            s.id: StoredStoryResults(s.id, [], [], framing.get(s.id, {}), summaries.get(s.id, {}))
            for s in stories
        }
        for claim in claims:
            by_story[claim.story_id].claims.append(claim)
        for event in timeline:
            by_story[event.story_id].timeline.append(event)
        with self.transaction() as db:
            for table in ("story_views", "timeline_events", "claims"):
                db.execute(f"DELETE FROM {table}")
            _write_linked_corpus(db, stories, entities, statements)
            _write_story_results(db, list(by_story.values()))

    def replace_linked_corpus(
        self, stories: list[Story], entities: list[Entity], statements: list[Statement]
    ) -> None:
        """Replace stories, entities and the linked statements in one transaction.

        ``statements`` are the per-article statements with speaker entities linked; narrator
        assertions are stored with them. Stories gone since the last refresh lose their
        claims, timeline and views; the others keep theirs, with the fingerprint of the slice
        they were computed from, until ``replace_story_results`` replaces them: a refresh
        interrupted in between analyses those stories again.
        """
        with self.transaction() as db:
            _write_linked_corpus(db, stories, entities, statements)

    def replace_story_results(self, results: Iterable[StoredStoryResults]) -> None:
        """Replace some stories' claims, timeline events and views in one transaction."""
        batch = list(results)
        with self.transaction() as db:
            for table in ("story_views", "timeline_events", "claims"):
                db.executemany(
                    f"DELETE FROM {table} WHERE story_id = ?", [(r.story_id,) for r in batch]
                )
            _write_story_results(db, batch)

    def embeddings(self, model: str, keys: Iterable[str]) -> dict[str, Any]:
        """Return the stored float32 vectors of ``model`` for the given text keys."""
        import numpy as np

        found = {}
        wanted = list(keys)
        for offset in range(0, len(wanted), 500):
            chunk = wanted[offset : offset + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT text_key, vector FROM embeddings WHERE model = ? AND text_key IN ({marks})",
                [model, *chunk],
            )
            found.update({key: np.frombuffer(blob, dtype=np.float32) for key, blob in rows})
        return found

    def add_embeddings(self, model: str, vectors: dict[str, Any]) -> None:
        """Remember vectors of ``model`` by text key (float32)."""

        with self.transaction() as db:
            _insert_embeddings(db, model, vectors)

    def story_fingerprints(self) -> dict[str, str]:
        """Return the input hash each story's stored results were computed from."""
        rows = self.db.execute(
            "SELECT story_id, fingerprint FROM story_views WHERE fingerprint IS NOT NULL"
        )
        return {row[0]: row[1] for row in rows}

    # Each reader takes optional ids: the explorer shows one story or entity at a time, and
    # reading every row to keep a few made each page cost as much as the whole corpus.

    def stories(self, ids: Iterable[str] | None = None) -> list[Story]:
        """Return stored stories (all, or those with the given ids) in the order stored."""
        rows = self._select_sorted("SELECT rowid, data FROM stories", "id", ids)
        return [Story(**json.loads(row[-1])) for row in rows]

    def story_ids_holding(self, article_ids: Iterable[str]) -> list[str]:
        """Return the ids of the stories holding any of these articles, in the order stored."""
        rows = self._select_sorted(
            "SELECT s.rowid, s.id FROM stories s JOIN story_articles a ON a.story_id = s.id",
            "a.article_id",
            article_ids,
        )
        return list(dict.fromkeys(row[-1] for row in rows))

    def entities(self, ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Return stored entities (all, or those with the given ids) by name."""
        rows = self._select_sorted("SELECT name, rowid, data FROM entities", "id", ids)
        return [json.loads(row[-1]) for row in rows]

    def entities_in_articles(self, article_ids: Iterable[str]) -> list[dict[str, Any]]:
        """Return the entities mentioned in any of these articles, by name."""
        rows = self._select_sorted(
            "SELECT DISTINCT e.name, e.rowid, e.data FROM entities e "
            "JOIN entity_articles a ON a.entity_id = e.id",
            "a.article_id",
            article_ids,
        )
        return [json.loads(row[-1]) for row in dict.fromkeys(rows)]

    def claims(self, story_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Return stored claims (all, or those of the given stories), story by story."""
        rows = self._select_sorted(
            "SELECT s.rowid, c.rowid, c.data FROM claims c JOIN stories s ON s.id = c.story_id",
            "c.story_id",
            story_ids,
        )
        return [json.loads(row[-1]) for row in rows]

    def contested_claim_counts(self) -> dict[str, int]:
        """Count each story's claims that are contested or hold conflicting wordings."""
        rows = self.db.execute(
            "SELECT story_id, count(*) FROM claims WHERE json_extract(data, '$.contested') "
            "OR json_array_length(data, '$.conflicts') > 0 GROUP BY story_id"
        )
        return {row[0]: row[1] for row in rows}

    def timeline(self, story_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Return stored timeline events (all, or those of the given stories) by date."""
        rows = self._select_sorted(
            "SELECT t.date IS NOT NULL, t.date, s.rowid IS NOT NULL, s.rowid, t.rowid, t.data "
            "FROM timeline_events t LEFT JOIN stories s ON s.id = t.story_id",
            "t.story_id",
            story_ids,
        )
        return [json.loads(row[-1]) for row in rows]

    def story_views(self, story_ids: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        """Return each story's framing and summary (all, or those of the given stories)."""
        rows = self._select_sorted(
            "SELECT rowid, story_id, framing, summary FROM story_views", "story_id", story_ids
        )
        return {
            row[1]: {"framing": json.loads(row[2]), "summary": json.loads(row[3])} for row in rows
        }

    def _select_sorted(
        self, sql: str, key: str, values: Iterable[str] | None
    ) -> list[tuple[Any, ...]]:
        """Run ``sql`` for every row or those whose ``key`` is one of ``values``, the rows
        sorted by every column but the last (the order columns first, the data last)."""
        rows = (
            self.db.execute(sql).fetchall() if values is None else self._where_in(sql, key, values)
        )
        return sorted(rows, key=lambda row: row[:-1])

    def integrity_ok(self) -> bool:
        return self.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # --- helpers ----------------------------------------------------------------------------

    def _select(
        self, sql: str, key: str, values: Iterable[str] | None, *, order: str
    ) -> list[tuple[Any, ...]]:
        if values is None:
            return self.db.execute(f"{sql} ORDER BY {order}").fetchall()
        # The values are taken sorted, so an ORDER BY that starts with the key holds across
        # chunks too: the rows come in the same order whatever order the values came in.
        return self._where_in(sql, key, values, f" ORDER BY {order}")

    def _where_in(
        self, sql: str, key: str, values: Iterable[str], suffix: str = ""
    ) -> list[tuple[Any, ...]]:
        """Run ``sql`` for the rows whose ``key`` is one of ``values``, in chunks that stay
        under SQLite's bound-parameter limit, the values taken in sorted order."""
        wanted = sorted(set(values))
        rows: list[tuple[Any, ...]] = []
        for offset in range(0, len(wanted), 500):
            chunk = wanted[offset : offset + 500]
            marks = ",".join("?" * len(chunk))
            rows += self.db.execute(f"{sql} WHERE {key} IN ({marks}){suffix}", chunk).fetchall()
        return rows

    # --- monitoring: sources, fetch state, article versions, alerts --------------------------

    def add_source(
        self, url: str, name: str | None, kind: str = "auto", language: str | None = None
    ) -> bool:
        """Store a monitored source; return False (and change nothing) if its URL is stored."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO sources (url, name, kind, language) VALUES (?, ?, ?, ?)",
                (url, name, kind, language),
            )
        return cursor.rowcount == 1

    def remove_source(self, url: str) -> bool:
        """Forget a monitored source; return False if it was not stored."""
        with self.transaction() as db:
            cursor = db.execute("DELETE FROM sources WHERE url = ?", (url,))
        return cursor.rowcount == 1

    def sources(self) -> list[dict[str, Any]]:
        """Return the monitored sources with their last fetch state, in the order added."""
        rows = self.db.execute(
            "SELECT s.url, s.name, s.kind, s.language, s.added_at, f.status, f.error, "
            "f.failures, f.checked_at, f.ok_at FROM sources s "
            "LEFT JOIN fetch_state f ON f.url = s.url ORDER BY s.rowid"
        )
        keys = ("url", "name", "kind", "language", "added_at", "status", "error", "failures")
        keys += ("checked_at", "ok_at")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def fetch_state(self, url: str) -> dict[str, Any]:
        """Return the stored validators and last outcome of fetching a URL (empty if never)."""
        row = self.db.execute(
            "SELECT etag, last_modified, status, error, failures, checked_at, ok_at "
            "FROM fetch_state WHERE url = ?",
            (url,),
        ).fetchone()
        keys = ("etag", "last_modified", "status", "error", "failures", "checked_at", "ok_at")
        return dict(zip(keys, row, strict=True)) if row else {}

    def record_fetch(
        self,
        url: str,
        *,
        status: int | None,
        error: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        """Store the outcome of one fetch: new validators on success, the error on failure."""
        now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO fetch_state (url) VALUES (?)", (url,))
            if error is not None:
                db.execute(
                    f"UPDATE fetch_state SET status = ?, error = ?, failures = failures + 1, "
                    f"checked_at = {now} WHERE url = ?",
                    (status, error, url),
                )
                return
            db.execute(
                f"UPDATE fetch_state SET status = ?, error = NULL, failures = 0, "
                f"etag = coalesce(?, etag), last_modified = coalesce(?, last_modified), "
                f"checked_at = {now}, ok_at = {now} WHERE url = ?",
                (status, etag, last_modified, url),
            )

    def add_article_version(self, url: str, article_id: str) -> int:
        """Record that fetching ``url`` gave this article; return the version number (1, 2 …)."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT max(version) FROM article_versions WHERE url = ?", (url,)
            ).fetchone()
            version = (row[0] or 0) + 1
            db.execute(
                "INSERT INTO article_versions (url, version, article_id) VALUES (?, ?, ?)",
                (url, version, article_id),
            )
        return version

    def latest_article_version(self, url: str) -> str | None:
        """Return the id of the newest stored version of the article at ``url``."""
        row = self.db.execute(
            "SELECT article_id FROM article_versions WHERE url = ? ORDER BY version DESC LIMIT 1",
            (url,),
        ).fetchone()
        return row[0] if row else None

    def article_versions(self) -> dict[str, list[str]]:
        """Return every fetched URL's article ids, oldest version first."""
        versions: dict[str, list[str]] = {}
        for url, article_id in self.db.execute(
            "SELECT url, article_id FROM article_versions ORDER BY url, version"
        ):
            versions.setdefault(url, []).append(article_id)
        return versions

    def statements_with_stance(self, stance: str) -> list[Statement]:
        """Return the statements whose cue has this stance (e.g. every denial)."""
        rows = self.db.execute(
            "SELECT data FROM statements WHERE cue_stance = ? ORDER BY article_id, start",
            (stance,),
        )
        return [record_from_json(Statement, row[0]) for row in rows]

    def add_alerts(self, alerts: Iterable[dict[str, Any]]) -> int:
        """Store alerts (dicts with ``kind``, ``story_id``, ``message``); return how many."""
        rows = [(a["kind"], a.get("story_id"), a["message"], _dump(a)) for a in alerts]
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO alerts (kind, story_id, message, data) VALUES (?, ?, ?, ?)", rows
            )
        return len(rows)

    def alerts(self, limit: int | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        """Return stored alerts, newest first, each with its ``id`` and ``created_at``."""
        sql = "SELECT id, created_at, data FROM alerts"
        params: list[Any] = []
        if kind:
            sql += " WHERE kind = ?"
            params.append(kind)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [
            {**json.loads(data), "id": alert_id, "created_at": created}
            for alert_id, created, data in self.db.execute(sql, params)
        ]

    def search_article_ids(self, query: str) -> list[str]:
        """Return ids of articles whose text, title, outlet, speakers or entity names hold every
        word of ``query`` (as a word or the start of one), best match first."""
        words = re.findall(r"\w+", query)
        if not words:
            return []
        if self.schema_version < 3:
            raise StoreError(f"{self.path}: no search index; open it once without --read-only")
        match = " ".join(f'"{word}"*' for word in words)
        rows = self.db.execute(
            "SELECT article_id FROM article_search WHERE article_search MATCH ? ORDER BY rank",
            (match,),
        )
        return [row[0] for row in rows]


@dataclass
class StoredStoryResults:
    """One story's per-story results as stored, with the fingerprint of the slice behind them."""

    story_id: str
    claims: list[Claim]
    timeline: list[TimelineEvent]
    framing: dict[str, Any]
    summary: dict[str, Any]
    fingerprint: str | None = None


def _write_linked_corpus(
    db: sqlite3.Connection,
    stories: list[Story],
    entities: list[Entity],
    statements: list[Statement],
) -> None:
    current = {s.id for s in stories}
    gone = [(row[0],) for row in db.execute("SELECT id FROM stories") if row[0] not in current]
    # Gone stories are deleted, and their claims, timeline and views with them (ON DELETE
    # CASCADE); the others are updated in place, since deleting them would cascade to the
    # results kept.
    db.executemany("DELETE FROM stories WHERE id = ?", gone)
    db.execute("DELETE FROM story_articles")
    db.execute("DELETE FROM entity_articles")
    db.execute("DELETE FROM entities")
    db.executemany(
        "INSERT INTO stories (id, title, data) VALUES (?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET title = excluded.title, data = excluded.data "
        "WHERE stories.data IS NOT excluded.data OR stories.title IS NOT excluded.title",
        [(s.id, s.title, _dump_record(s)) for s in stories],
    )
    db.executemany(
        "INSERT OR IGNORE INTO story_articles (story_id, article_id) VALUES (?, ?)",
        [(s.id, a) for s in stories for a in s.article_ids],
    )
    db.executemany(
        "INSERT INTO entities (id, name, label, data) VALUES (?, ?, ?, ?)",
        [(e.id, e.name, e.label, _dump_record(e)) for e in entities],
    )
    db.executemany(
        "INSERT OR IGNORE INTO entity_articles (entity_id, article_id) VALUES (?, ?)",
        [(e.id, m.article_id) for e in entities for m in e.mentions],
    )
    _insert_statements(db, statements)
    _refill_article_search(db, entities, statements)


def _write_story_results(db: sqlite3.Connection, results: list[StoredStoryResults]) -> None:
    db.executemany(
        "INSERT INTO claims (id, story_id, data) VALUES (?, ?, ?)",
        [(c.id, c.story_id, _dump_record(c)) for r in results for c in r.claims],
    )
    db.executemany(
        "INSERT INTO timeline_events (id, story_id, date, data) VALUES (?, ?, ?, ?)",
        [(t.id, t.story_id, t.date, _dump_record(t)) for r in results for t in r.timeline],
    )
    db.executemany(
        "INSERT INTO story_views (story_id, framing, summary, fingerprint) VALUES (?, ?, ?, ?)",
        [(r.story_id, _dump(r.framing), _dump(r.summary), r.fingerprint) for r in results],
    )


def _refill_article_search(
    db: sqlite3.Connection, entities: list[Entity], statements: list[Statement]
) -> None:
    """Index each article with the speakers quoted in it and the entities it mentions.

    Only the articles whose names changed (new ones among them) are indexed again: a refresh
    after a few new articles re-indexed every article's whole text.
    """
    names: dict[str, dict[str, set[str]]] = {}
    for s in statements:
        found = names.setdefault(s.article_id, {"speakers": set(), "entities": set()})
        found["speakers"].update(n for n in (s.speaker_name, s.speaker and s.speaker.text) if n)
    for entity in entities:
        for mention in entity.mentions:
            found = names.setdefault(mention.article_id, {"speakers": set(), "entities": set()})
            found["entities"].update([entity.name, *entity.aliases])
    empty: dict[str, set[str]] = {"speakers": set(), "entities": set()}
    wanted = {
        row[0]: (
            " ; ".join(sorted(names.get(row[0], empty)["speakers"])),
            " ; ".join(sorted(names.get(row[0], empty)["entities"])),
        )
        for row in db.execute("SELECT id FROM articles")
    }
    indexed: dict[str, list[tuple[int, tuple[str, str]]]] = defaultdict(list)
    for rowid, article_id, speakers, mentioned in db.execute(
        "SELECT rowid, article_id, speakers, entities FROM article_search"
    ):
        indexed[article_id].append((rowid, (speakers, mentioned)))
    stale = [i for i, found in wanted.items() if [row[1] for row in indexed.get(i, [])] != [found]]
    db.executemany(
        "DELETE FROM article_search WHERE rowid = ?",
        [(rowid,) for i in stale for rowid, _ in indexed.get(i, [])],
    )
    db.executemany(
        "INSERT INTO article_search (article_id, title, text, outlet, speakers, entities) "
        "SELECT id, coalesce(title, ''), text, coalesce(outlet, ''), ?, ? FROM articles "
        "WHERE id = ?",
        [(*wanted[i], i) for i in stale],
    )


_TABLES = {
    "articles",
    "statements",
    "mentions",
    "time_expressions",
    "entities",
    "stories",
    "story_articles",
    "claims",
    "timeline_events",
    "story_views",
    "embeddings",
}


def _write_annotations(
    db: sqlite3.Connection,
    batch: list[tuple[str, list[Statement], list[Mention], list[TemporalExpression]]],
    version: int,
) -> None:
    """Replace the batch's articles' annotations and mark them analysed (in the caller's transaction).

    One statement per table for the whole batch, not one per article. An article listed twice
    keeps its last annotations, as writing it twice one after the other would.
    """
    batch = list({entry[0]: entry for entry in batch}.values())
    ids = [(article_id,) for article_id, _, _, _ in batch]
    for table in ("statements", "mentions", "time_expressions"):
        db.executemany(f"DELETE FROM {table} WHERE article_id = ?", ids)
    _insert_statements(db, [s for _, statements, _, _ in batch for s in statements], found=True)
    db.executemany(
        "INSERT INTO mentions (article_id, start, end, label, entity_id, data) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (article_id, m.span.start, m.span.end, m.label, m.entity_id, _dump_record(m))
            for article_id, _, mentions, _ in batch
            for m in mentions
        ],
    )
    db.executemany(
        "INSERT INTO time_expressions (article_id, start, end, data) VALUES (?, ?, ?, ?)",
        [
            (article_id, t.span.start, t.span.end, _dump_record(t))
            for article_id, _, _, time_expressions in batch
            for t in time_expressions
        ],
    )
    db.executemany(
        "UPDATE articles SET analysed_version = ? WHERE id = ?",
        [(version, article_id) for (article_id,) in ids],
    )


def _insert_embeddings(db: sqlite3.Connection, model: str, vectors: dict[str, Any]) -> None:
    import numpy as np

    db.executemany(
        "INSERT OR IGNORE INTO embeddings (model, text_key, vector) VALUES (?, ?, ?)",
        [
            (model, key, np.asarray(vector, dtype=np.float32).tobytes())
            for key, vector in vectors.items()
        ],
    )


def _insert_statements(
    db: sqlite3.Connection, statements: Iterable[Statement], found: bool = False
) -> None:
    """Write statements; ``found`` marks them as the per-article stages found them.

    Later (linked) writes of a statement keep its ``found`` form, which refreshes start from.
    """
    db.executemany(
        "INSERT INTO statements "
        "(id, article_id, start, end, kind, speaker_name, cue_stance, data, found) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
        "article_id = excluded.article_id, start = excluded.start, end = excluded.end, "
        "kind = excluded.kind, speaker_name = excluded.speaker_name, "
        "cue_stance = excluded.cue_stance, data = excluded.data, "
        "found = coalesce(excluded.found, statements.found) "
        # a linked row equal to the stored one is left as it is: a refresh rewrites every
        # statement of the corpus, and most come out as they were (the columns are read from
        # ``data``); a found form is always written
        "WHERE statements.data IS NOT excluded.data OR excluded.found IS NOT NULL",
        [_statement_row(s, found) for s in statements],
    )


def _statement_row(statement: Statement, found: bool) -> tuple[Any, ...]:
    """Return a statement's column values, serialising it once (``data`` and ``found`` alike)."""
    data = _dump_record(statement)
    return (
        statement.id,
        statement.article_id,
        statement.content.start,
        statement.content.end,
        statement.kind,
        statement.speaker_name,
        statement.cue_stance,
        data,
        data if found else None,
    )


# one encoder for every row (``json.dumps`` with options builds a new one per call)
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def _dump(data: Any) -> str:
    return _ENCODER.encode(data)


# Records are plain dataclasses, their ``__dict__`` their fields: the encoder writes a record,
# and the records, lists and dicts in it, as ``_dump(record.to_dict())`` would, without
# building the dicts and lists of ``to_dict`` first (a refresh writes some 25,000 records).
_RECORD_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=vars)


def _dump_record(record: Any) -> str:
    """Return a record's JSON: the text of ``_dump(record.to_dict())``."""
    return _RECORD_ENCODER.encode(record)


def record_from_json(cls: type, raw: str) -> Any:
    """Rebuild a record from its stored JSON, turning span dicts back into ``Span``s."""
    return record_from_dict(cls, json.loads(raw))
