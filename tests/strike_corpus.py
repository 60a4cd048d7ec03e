"""A fictional two-outlet strike story for the explorer tests; one article carries hostile markup."""

from __future__ import annotations

import json
from pathlib import Path

from crosswire.pipeline import analyze
from crosswire.store import Store

HOSTILE_QUOTE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'

# Two fictional outlets report one fictional strike; the second carries hostile markup as text.
ARTICLES = {
    "harbor-ledger.jsonl": {
        "outlet": "Harbor Ledger",
        "date": "2026-04-07",
        "language": "en",  # given, so no language detection model loads
        "title": "Port Elvan dockworkers strike over pay as ferries halt",
        "text": (
            "Dockworkers at Port Elvan walked off the job on Monday, halting ferry traffic "
            "across the Marrow Sound.\n\n"
            '"We will stay out until the company pays what it promised," union leader Ilsa '
            "Varnholt told reporters at the dock gate.\n\n"
            "The port operator, Elvan Maritime, said 300 workers had joined the strike. "
            "Company spokesman Piet Oddsen denied that wages had been cut.\n\n"
            "Harbour minister Corvin Aldegard said the government would not intervene in "
            "the dispute."
        ),
    },
    "coastline-daily.jsonl": {
        "outlet": "Coastline Daily",
        "date": "2026-04-07",
        "language": "en",  # given, so no language detection model loads
        "title": "Port Elvan strike strands ferry passengers <b>bold</b>",
        "text": (
            "More than a thousand ferry passengers were stranded at Port Elvan on Monday "
            "after dockworkers went on strike over pay.\n\n"
            '"We will stay out until the company pays what it promised," said Ilsa Varnholt, '
            "who leads the dockworkers' union.\n\n"
            "Varnholt said 500 workers had joined the strike. Elvan Maritime claimed the "
            "stoppage was illegal.\n\n"
            f'"{HOSTILE_QUOTE} I just want to get home," said Tomas Brink, a stranded '
            "passenger."
        ),
    },
}


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, record in ARTICLES.items():
        (folder / name).write_text(json.dumps(record) + "\n", encoding="utf-8")
    return folder


def analysed_store(root: Path) -> Path:
    """Analyse the corpus with the real pipeline into a store under ``root``; return its path."""
    path = root / "crosswire.db"
    with Store(path) as store:
        analyze(store, [write_corpus(root / "corpus")])
    return path
