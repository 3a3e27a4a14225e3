"""The curation configuration: typed, frozen, every default documented with its unit and off switch.

Loaded from a TOML file (`sentiflow curate --config FILE`). TOML because it is in the standard
library (tomllib: no new dependency), is typed (numbers stay numbers, unlike YAML's `no` -> False
surprises) and reads well for a flat list of settings. Every key is optional; a file only names
what it changes. Example:

    steps = ["normalize_text", "normalize_labels", "quality", "exact_dedup", "near_dedup"]

    [text]
    mask_emails = true

    [confidence]
    min_confidence = 0.6

    [labels.sources.imdb]
    scheme = "ratings"

    [labels.sources.tweets.mapping]
    happy = "positive"
    sad = "negative"

    [split]
    train = 0.8
    validation = 0.1
    test = 0.1

A mistake (unknown key or step, a threshold outside 0..1, fractions not summing to 1, a label
mapped onto no canonical label) is a one-line UserError naming the key and the allowed values.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.neardup import DedupConfig
from sentiflow.tasks.curate.configcheck import build_section, check_fraction, check_range

# Text settings belong to the model that is trained on the text (it applies them again when it
# scores raw text); re-exported here as the [text] section of a curation config.
from sentiflow.tasks.models.preprocessing import TextConfig

CANONICAL_LABELS = ("negative", "neutral", "positive")
LABEL_SCHEMES = ("auto", "binary", "text", "stars", "ratings")

# Per-document steps, in their default order (datatrove filters: keep or (drop, reason)).
DOCUMENT_STEPS = ("normalize_text", "normalize_labels", "label_confidence", "quality", "language")
# Corpus steps see every document at once; they always run after the document steps.
CORPUS_STEPS = ("exact_dedup", "near_dedup")
ALL_STEPS = DOCUMENT_STEPS + CORPUS_STEPS


@dataclass(frozen=True)
class SourceLabels:
    """How one source's labels map onto the canonical set."""

    scheme: str = "auto"  # auto (inferred from the values present) | binary | text | stars | ratings
    mapping: dict[str, str] = field(default_factory=dict)  # raw label -> canonical; checked first


@dataclass(frozen=True)
class LabelConfig:
    sources: dict[str, SourceLabels] = field(default_factory=dict)  # source name -> its labels

    def for_source(self, source: str) -> SourceLabels:
        return self.sources.get(source, SourceLabels())


@dataclass(frozen=True)
class ConfidenceConfig:
    # Annotator agreement below this drops the row (demo: 3 classes, so 0.33 is chance).
    # Rows without a confidence are kept. 0 turns the filter off.
    min_confidence: float = 0.5


@dataclass(frozen=True)
class QualityConfig:
    """Thresholds for short texts; README compares them with datatrove's Gopher and C4 defaults."""

    min_chars: int = 3  # characters, placeholders excluded; 0 = off
    max_chars: int = 2000  # characters; longer is a paste/spam, not a review sentence; 0 = off
    min_words: int = 1  # content words (placeholders excluded); 0 = off
    min_alpha_word_ratio: float = 0.5  # share of words with a letter (Gopher: 0.8); 0 = off
    max_char_run_ratio: float = 0.5  # share of characters in runs of >= 4 identical ones; 1 = off
    max_top_word_ratio: float = 0.5  # share of words that are the most frequent word; 1 = off
    word_repetition_min_words: int = 6  # the top-word rule only judges texts this long or longer


@dataclass(frozen=True)
class LanguageConfig:
    keep: tuple[str, ...] = ("en",)  # ISO 639-1 codes (langid's 97); empty = keep all
    # langid's normalised probabilities are over-confident on short texts (README); drop a text
    # only when it is long enough and the identifier is this sure of another language.
    min_probability: float = 0.999
    min_words: int = 6  # lower-case words left without URLs, mentions, hashtags; fewer = "und", kept


@dataclass(frozen=True)
class SplitConfig:
    train: float = 0.8
    validation: float = 0.1
    test: float = 0.1
    seed: int = 13  # seeds the split's hash order; same seed -> same membership


@dataclass(frozen=True)
class CurationConfig:
    steps: tuple[str, ...] = ALL_STEPS
    text: TextConfig = TextConfig()
    labels: LabelConfig = LabelConfig()
    confidence: ConfidenceConfig = ConfidenceConfig()
    quality: QualityConfig = QualityConfig()
    language: LanguageConfig = LanguageConfig()
    dedup: DedupConfig = DedupConfig()
    split: SplitConfig = SplitConfig()

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types (tuples become lists), as report.json stores it."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

    def fingerprint(self) -> str:
        """Canonical JSON: the same settings always give the same text (it feeds VERSION)."""
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))


def load_config(path: str | Path | None) -> CurationConfig:
    """The defaults, or the defaults overridden by a TOML file; validated."""
    if path is None:
        return validate(CurationConfig())
    path = Path(path)
    if not path.is_file():
        raise UserError(f"config file {path} does not exist")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"config file {path} is not valid TOML: {exc}") from None
    return config_from_mapping(data)


def config_from_mapping(data: dict[str, Any]) -> CurationConfig:
    """Build and validate a config from parsed TOML (or any nested mapping)."""
    data = dict(data)
    labels = data.pop("labels", {}) or {}
    config = build_section(CurationConfig, data, "", skip={"labels"})
    return validate(dataclasses.replace(config, labels=_labels_from_mapping(labels)))


def _labels_from_mapping(data: Any) -> LabelConfig:
    if not isinstance(data, dict) or set(data) - {"sources"}:
        raise UserError("config key 'labels' takes only a [labels.sources.NAME] table per source")
    sources = data.get("sources", {})
    if not isinstance(sources, dict):
        raise UserError("config key 'labels.sources' must be a table of source names")
    built: dict[str, SourceLabels] = {}
    for name, section in sources.items():
        prefix = f"labels.sources.{name}"
        if not isinstance(section, dict):
            raise UserError(f"config key '{prefix}' must be a table with 'scheme' and/or 'mapping'")
        mapping = section.get("mapping", {})
        if not isinstance(mapping, dict):
            raise UserError(f"config key '{prefix}.mapping' must be a table of raw label = canonical label")
        rest = {k: v for k, v in section.items() if k != "mapping"}
        source = build_section(SourceLabels, rest, prefix, skip={"mapping"})
        built[name] = dataclasses.replace(source, mapping={str(k): v for k, v in mapping.items()})
    return LabelConfig(sources=built)


def validate(config: CurationConfig) -> CurationConfig:
    """Check every cross-field rule; return the config unchanged when it is valid."""
    _check_steps(config.steps)
    for name, source in config.labels.sources.items():
        if source.scheme not in LABEL_SCHEMES:
            raise UserError(
                f"config key 'labels.sources.{name}.scheme' is {source.scheme!r}; allowed: {', '.join(LABEL_SCHEMES)}"
            )
        for raw, canonical in source.mapping.items():
            if canonical not in CANONICAL_LABELS:
                raise UserError(
                    f"config key 'labels.sources.{name}.mapping.{raw}' maps onto {canonical!r}, "
                    f"which is no canonical label; allowed: {', '.join(CANONICAL_LABELS)}"
                )
    check_fraction("confidence.min_confidence", config.confidence.min_confidence)
    q = config.quality
    for key in ("min_alpha_word_ratio", "max_char_run_ratio", "max_top_word_ratio"):
        check_fraction(f"quality.{key}", getattr(q, key))
    for key in ("min_chars", "max_chars", "min_words", "word_repetition_min_words"):
        check_range(f"quality.{key}", getattr(q, key), 0, None)
    if q.max_chars and q.max_chars < q.min_chars:
        raise UserError(f"config key 'quality.max_chars' ({q.max_chars}) is below quality.min_chars ({q.min_chars})")
    _check_language(config.language)
    _check_dedup(config.dedup)
    _check_split(config.split)
    return config


def _check_steps(steps: tuple[str, ...]) -> None:
    for step in steps:
        if step not in ALL_STEPS:
            raise UserError(f"config key 'steps' has unknown step {step!r}; allowed: {', '.join(ALL_STEPS)}")
    if len(set(steps)) != len(steps):
        raise UserError("config key 'steps' names a step twice; each step runs at most once")
    if "normalize_labels" not in steps:
        raise UserError("config key 'steps' must include 'normalize_labels' (datasets hold canonical labels)")
    kinds = [step in CORPUS_STEPS for step in steps]
    if kinds != sorted(kinds):
        raise UserError(
            f"config key 'steps': corpus steps ({', '.join(CORPUS_STEPS)}) must come after "
            f"every document step ({', '.join(DOCUMENT_STEPS)})"
        )


def _check_language(lang: LanguageConfig) -> None:
    from sentiflow.tasks.curate.language import known_languages

    known = known_languages()
    for code in lang.keep:
        if code not in known:
            raise UserError(
                f"config key 'language.keep' has unknown language {code!r}; allowed: {', '.join(sorted(known))}"
            )
    check_fraction("language.min_probability", lang.min_probability)
    check_range("language.min_words", lang.min_words, 0, None)


def _check_dedup(d: DedupConfig) -> None:
    from sentiflow.tasks.core.lsh import BACKENDS

    if d.lsh not in BACKENDS:
        raise UserError(f"config key 'dedup.lsh' is {d.lsh!r}; allowed: {', '.join(BACKENDS)}")
    check_fraction("dedup.threshold", d.threshold)
    check_fraction("dedup.leakage_threshold", d.leakage_threshold)
    check_range("dedup.shingle_words", d.shingle_words, 1, 8)
    check_range("dedup.num_perm", d.num_perm, 16, 1024)
    check_range("dedup.bands", d.bands, 2, d.num_perm)
    check_range("dedup.rows", d.rows, 1, d.num_perm)
    if d.bands * d.rows > d.num_perm:
        raise UserError(
            f"config keys 'dedup.bands' x 'dedup.rows' ({d.bands} x {d.rows}) exceed "
            f"dedup.num_perm ({d.num_perm}); allowed: bands x rows <= num_perm"
        )


def _check_split(s: SplitConfig) -> None:
    for key in ("train", "validation", "test"):
        check_fraction(f"split.{key}", getattr(s, key))
    total = s.train + s.validation + s.test
    if abs(total - 1.0) > 1e-9:
        raise UserError(
            f"config keys 'split.train', 'split.validation', 'split.test' sum to {total:g}; "
            "allowed: fractions in 0..1 that sum to 1"
        )
    if s.train <= 0:
        raise UserError("config key 'split.train' must be above 0: a dataset needs training rows")
