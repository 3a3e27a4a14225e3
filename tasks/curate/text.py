"""normalize_text: repair encoding, unescape HTML, NFC, mask URLs/mentions/e-mails/phones, tidy spaces.

The normalisation itself lives with the model (tasks/models/preprocessing.py), because a model
must apply it again to the raw texts it scores; this step runs it over each document and counts
what it did for the report. The original text stays in `doc.text_original`.
"""

from __future__ import annotations

from sentiflow.tasks.curate.config import TextConfig
from sentiflow.tasks.curate.step import Doc, DocumentStep, Verdict
from sentiflow.tasks.models.preprocessing import normalize_text


class TextNormalizer(DocumentStep):
    """Rewrites `doc.text`; never drops a document (empty results are quality's call)."""

    name = "normalize_text"

    def __init__(self, config: TextConfig = TextConfig()) -> None:
        super().__init__()
        self.config = config

    def normalize(self, text: str) -> str:
        return normalize_text(text, self.config, self.count)

    def filter(self, doc: Doc) -> Verdict:
        doc.text = self.normalize(doc.text)
        self.count("changed", doc.text != doc.text_original)
        return True
