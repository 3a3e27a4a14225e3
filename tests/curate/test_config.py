"""The curation config: documented defaults, TOML loading, one-line errors naming key and allowed values."""

from __future__ import annotations

import pytest

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.curate.config import ALL_STEPS, CurationConfig, load_config


def _load(tmp_path, text: str) -> CurationConfig:
    path = tmp_path / "curate.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_defaults_are_valid_and_fingerprint_is_stable():
    config = load_config(None)
    assert config == CurationConfig() and config.steps == ALL_STEPS
    assert config.fingerprint() == CurationConfig().fingerprint()


def test_toml_overrides_only_what_it_names(tmp_path):
    config = _load(
        tmp_path,
        """
steps = ["normalize_text", "normalize_labels", "exact_dedup"]
[text]
mask_emails = true
[split]
train = 0.7
validation = 0.15
test = 0.15
[labels.sources.imdb]
scheme = "ratings"
[labels.sources.tweets.mapping]
happy = "positive"
""",
    )
    assert config.steps == ("normalize_text", "normalize_labels", "exact_dedup")
    assert config.text.mask_emails and config.text.mask_urls  # untouched default stays
    assert config.split.train == 0.7 and config.quality == CurationConfig().quality
    assert config.labels.for_source("imdb").scheme == "ratings"
    assert config.labels.for_source("tweets").mapping == {"happy": "positive"}
    assert config.fingerprint() != CurationConfig().fingerprint()


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (
            'steps = ["normalize_text", "normalize_labels", "spellcheck"]',
            "config key 'steps' has unknown step 'spellcheck'; allowed: normalize_text, normalize_labels,",
        ),
        ('steps = ["normalize_text"]', "'steps' must include 'normalize_labels'"),
        ('steps = ["near_dedup", "normalize_labels"]', "corpus steps (exact_dedup, near_dedup) must come after"),
        (
            "[confidence]\nmin_confidence = 1.5",
            "config key 'confidence.min_confidence' is 1.5; allowed: a number from 0 to 1",
        ),
        ("[dedup]\nthreshold = -0.1", "config key 'dedup.threshold' is -0.1; allowed: a number from 0 to 1"),
        (
            "[split]\ntrain = 0.8\nvalidation = 0.2\ntest = 0.1",
            "'split.train', 'split.validation', 'split.test' sum to 1.1; allowed: fractions in 0..1 that sum to 1",
        ),
        (
            '[labels.sources.tweets.mapping]\nhappy = "joyful"',
            "config key 'labels.sources.tweets.mapping.happy' maps onto 'joyful', which is no canonical label; "
            "allowed: negative, neutral, positive",
        ),
        (
            '[labels.sources.tweets]\nscheme = "emoji"',
            "'labels.sources.tweets.scheme' is 'emoji'; allowed: auto, binary",
        ),
        ("[quality]\nmin_lenght = 3", "config key 'quality.min_lenght' is unknown; allowed in 'quality': min_chars,"),
        ('[quality]\nmin_chars = "three"', "config key 'quality.min_chars' must be a whole number, got 'three'"),
        (
            '[language]\nkeep = ["en", "klingon"]',
            "config key 'language.keep' has unknown language 'klingon'; allowed: af,",
        ),
        ("[dedup]\nbands = 64\nrows = 4", "'dedup.bands' x 'dedup.rows' (64 x 4) exceed dedup.num_perm (128)"),
        ("colour = 1", "config key 'colour' is unknown; allowed in the top level: steps, text,"),
    ],
)
def test_bad_config_is_one_line_naming_key_and_allowed_values(tmp_path, toml, expected):
    with pytest.raises(UserError) as info:
        _load(tmp_path, toml)
    message = str(info.value)
    assert expected in message and "\n" not in message


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(UserError, match="is not valid TOML"):
        _load(tmp_path, "steps = [")
