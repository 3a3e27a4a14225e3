"""normalize_labels and label_confidence: source labels -> negative | neutral | positive.

Default schemes (a source's explicit `mapping` is consulted first):

    text     negative/neg, neutral/neu, positive/pos (any case)
    binary   0 -> negative, 1 -> positive (SST-2, IMDB-binary)
    stars    1-2 -> negative, 3 -> neutral, 4-5 -> positive (Amazon/Yelp)
    ratings  1-4 -> negative, 5-6 -> neutral, 7-10 -> positive (IMDB's own <=4 / >=7 cut-offs)

'auto' infers a source's scheme from the values present: words -> text; only 0/1 -> binary;
1..5 -> stars; 1..10 -> ratings. A source whose values fit several (a ratings corpus that only
has 1-5) should name its scheme in the config. Numbers are compared by value ('4.0' is '4').
"""

from __future__ import annotations

from collections.abc import Iterable

from sentiflow.tasks.curate.config import ConfidenceConfig, LabelConfig
from sentiflow.tasks.curate.step import Doc, DocumentStep, Verdict

NEG, NEU, POS = "negative", "neutral", "positive"
SCHEMES: dict[str, dict[str, str]] = {
    "text": {"negative": NEG, "neg": NEG, "neutral": NEU, "neu": NEU, "positive": POS, "pos": POS},
    "binary": {"0": NEG, "1": POS},
    "stars": {"1": NEG, "2": NEG, "3": NEU, "4": POS, "5": POS},
    "ratings": {str(i): NEG if i <= 4 else NEU if i <= 6 else POS for i in range(1, 11)},
}
UNLABELLED = "unlabelled"
UNKNOWN_LABEL = "unknown_label"
LOW_CONFIDENCE = "low_confidence"


def clean_label(raw: str | None) -> str | None:
    """Trimmed and lower-cased; integral numbers in their plain form ('4.0' -> '4')."""
    if raw is None:
        return None
    value = str(raw).strip().lower()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        return value
    return str(int(number)) if number.is_integer() else value


def infer_scheme(values: Iterable[str]) -> str:
    """The default scheme that fits a source's (cleaned) label values."""
    present = {v for v in values if v is not None}
    if not present or present <= SCHEMES["text"].keys():
        return "text"
    numbers = {int(v) for v in present if v.lstrip("-").isdigit()}
    if len(numbers) != len(present):
        return "text"  # mixed words and numbers: map the words, the rest is unknown_label
    for scheme in ("binary", "stars", "ratings"):
        if present <= SCHEMES[scheme].keys():
            return scheme
    return "text"


class LabelNormalizer(DocumentStep):
    """Sets `doc.label` to a canonical label; drops unlabelled and unmappable documents."""

    name = "normalize_labels"

    def __init__(self, config: LabelConfig, schemes: dict[str, str]) -> None:
        super().__init__()
        self.config = config
        self.schemes = schemes  # source -> resolved scheme (see for_corpus)
        self._tables: dict[str, dict[str, str]] = {}

    @classmethod
    def for_corpus(cls, config: LabelConfig, docs: Iterable[Doc]) -> LabelNormalizer:
        """Resolve each source's scheme ('auto' is inferred from the labels the source has)."""
        seen: dict[str, set[str | None]] = {}
        for doc in docs:
            seen.setdefault(doc.source, set()).add(clean_label(doc.label_original))
        schemes = {}
        for source, values in sorted(seen.items()):
            chosen = config.for_source(source).scheme
            explicit = {clean_label(k) for k in config.for_source(source).mapping}
            schemes[source] = infer_scheme(v for v in values if v not in explicit) if chosen == "auto" else chosen
        return cls(config, schemes)

    def table(self, source: str) -> dict[str, str]:
        """Cleaned raw label -> canonical label for one source (explicit mapping wins)."""
        if source not in self._tables:
            scheme = SCHEMES[self.schemes.get(source, "text")]
            explicit = {clean_label(k): v for k, v in self.config.for_source(source).mapping.items()}
            self._tables[source] = {**scheme, **explicit}
        return self._tables[source]

    def filter(self, doc: Doc) -> Verdict:
        raw = clean_label(doc.label_original)
        if raw is None:
            return False, UNLABELLED
        label = self.table(doc.source).get(raw)
        if label is None:
            return False, UNKNOWN_LABEL
        doc.label = label
        self.count(label)
        return True


class LabelConfidenceFilter(DocumentStep):
    """Drops labels whose annotator confidence is below the threshold; keeps rows without one."""

    name = "label_confidence"

    def __init__(self, config: ConfidenceConfig = ConfidenceConfig()) -> None:
        super().__init__()
        self.min_confidence = config.min_confidence

    def filter(self, doc: Doc) -> Verdict:
        confidence = doc.label_confidence
        if confidence is None or confidence != confidence:  # None or NaN: nothing to judge
            self.count("without_confidence")
            return True
        if confidence < self.min_confidence:
            return False, LOW_CONFIDENCE
        return True
