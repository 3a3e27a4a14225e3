"""Each document step on tiny inline data with a known outcome."""

from __future__ import annotations

import pytest

from sentiflow.tasks.curate.config import (
    ConfidenceConfig,
    LabelConfig,
    LanguageConfig,
    QualityConfig,
    SourceLabels,
    TextConfig,
)
from sentiflow.tasks.curate.labels import LabelConfidenceFilter, LabelNormalizer, clean_label, infer_scheme
from sentiflow.tasks.curate.language import LANGID_LANGUAGES, LanguageFilter, _identifier, classify_many
from sentiflow.tasks.curate.quality import QualityFilter
from sentiflow.tasks.curate.step import Ledger, run_document_step
from sentiflow.tasks.curate.text import TextNormalizer
from tests.curate.corpus import doc

# --- normalize_text -------------------------------------------------------------------------


def test_mojibake_is_repaired_and_original_kept():
    d = doc("Iâ€™m so happy with this cafÃ© &amp; its staff")
    assert TextNormalizer().filter(d) is True
    assert d.text == "I'm so happy with this café & its staff"
    assert d.text_original == "Iâ€™m so happy with this cafÃ© &amp; its staff"


def test_irrecoverable_demo_residue_becomes_apostrophe_or_space():
    # as the demo file reads after ingest's UTF-8 decoding: lost bytes are U+FFFD runs
    normalizer = TextNormalizer()
    assert normalizer.normalize("I don\u0562_\ufffd\ufffd_\ufffd\ufffdt trust cars_\ufffd_.no thanks") == (
        "I don't trust cars .no thanks"
    )
    assert (
        normalizer.normalize("Google\u0562_\ufffd\ufffd_\ufffd\ufffds car \u054d\ufffd\ufffd_\ufffd") == "Google's car"
    )
    assert normalizer.counters["mojibake_repaired"] == 2


def test_nfc_and_whitespace():
    d = doc("cafe\u0301  is\n\tfine  ")
    TextNormalizer().filter(d)
    assert d.text == "caf\u00e9 is fine"


def test_urls_and_mentions_masked_by_default_emails_and_phones_on_request():
    text = "RT @bob_99: call +1 (555) 123-4567 or mail jo.doe@example.com, see https://t.co/abc and www.x.org/y"
    default = TextNormalizer().normalize(text)
    assert default == "RT <user>: call +1 (555) 123-4567 or mail jo.doe@example.com, see <url> and <url>"
    everything = TextNormalizer(TextConfig(mask_emails=True, mask_phones=True))
    assert everything.normalize(text) == "RT <user>: call <phone> or mail <email>, see <url> and <url>"
    assert everything.counters["phones_masked"] == 1 and everything.counters["emails_masked"] == 1


def test_phone_masking_leaves_years_and_scores_alone():
    normalizer = TextNormalizer(TextConfig(mask_phones=True))
    assert normalizer.normalize("won 24-17 in 2015, flight 1943") == "won 24-17 in 2015, flight 1943"


def test_masking_can_be_switched_off():
    text = "@bob see http://x.io"
    assert TextNormalizer(TextConfig(mask_urls=False, mask_mentions=False)).normalize(text) == text


# --- normalize_labels and label_confidence ----------------------------------------------------


@pytest.mark.parametrize(
    ("values", "scheme"),
    [
        ({"0", "1"}, "binary"),
        ({"1", "2", "5"}, "stars"),
        ({"1", "7", "10"}, "ratings"),
        ({"negative", "POS"}, "text"),
        ({"negative", "3"}, "text"),
    ],
)
def test_scheme_inferred_from_values(values, scheme):
    assert infer_scheme({clean_label(v) for v in values}) == scheme


def _normalize(labels: list[str | None], config: LabelConfig = LabelConfig(), source: str = "s"):
    docs = [doc(f"text {i}", label=lb, source=source) for i, lb in enumerate(labels)]
    for d in docs:
        d.label = None
    ledger = Ledger()
    kept = run_document_step(LabelNormalizer.for_corpus(config, docs), docs, ledger)
    return [d.label for d in docs], kept, ledger


def test_default_schemes_map_to_canonical_labels():
    assert _normalize(["0", "1", "1.0"])[0] == ["negative", "positive", "positive"]
    assert _normalize(["1", "3", "5", "4"])[0] == ["negative", "neutral", "positive", "positive"]
    assert _normalize(["1", "5", "6", "7", "10"])[0] == ["negative", "neutral", "neutral", "positive", "positive"]
    assert _normalize(["Negative", " neutral ", "POS"])[0] == ["negative", "neutral", "positive"]


def test_unknown_and_missing_labels_are_removed_with_their_reason():
    labels, kept, ledger = _normalize(["positive", "meh", None, ""])
    assert labels[0] == "positive" and len(kept) == 1
    assert ledger.removed_by_reason() == {"unknown_label": 1, "unlabelled": 2}


def test_per_source_mapping_and_scheme_override():
    config = LabelConfig(sources={"s": SourceLabels(scheme="stars", mapping={"joy": "positive", "1": "neutral"})})
    labels, _, ledger = _normalize(["joy", "1", "2", "grr"], config)
    assert labels[:3] == ["positive", "neutral", "negative"]
    assert ledger.removed_by_reason() == {"unknown_label": 1}


def test_confidence_threshold_keeps_rows_without_confidence():
    docs = [doc("a", confidence=0.3), doc("b", confidence=0.5), doc("c"), doc("d", confidence=float("nan"))]
    ledger = Ledger()
    kept = run_document_step(LabelConfidenceFilter(ConfidenceConfig(min_confidence=0.5)), docs, ledger)
    assert [d.text for d in kept] == ["b", "c", "d"]
    assert ledger.removed_by_reason() == {"low_confidence": 1}


# --- quality ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<user> <url>", "too_short"),
        ("ok", "too_short"),
        ("x" * 30 + " " + "y" * 2000, "too_long"),
        ("<user> flight # 317 , 555 , 12", "low_alpha_ratio"),
        ("noooooooooooooooooo", "char_repetition"),
        ("buy buy buy buy now buy buy", "word_repetition"),
        ("the film was a delight from start to finish", None),
        ("sooo good", None),
    ],
)
def test_quality_reasons(text, reason):
    verdict = QualityFilter(QualityConfig()).filter(doc(text))
    assert verdict == (True if reason is None else (False, reason))


# --- language ---------------------------------------------------------------------------------


def test_language_keeps_english_drops_confident_other_and_keeps_short_as_und():
    docs = [
        doc("the weather today is lovely and i am going to the beach"),
        doc("das ist ein wirklich schlechtes auto und ich hasse es sehr"),
        doc("ciao"),
        doc("Wanna go to Coachella soo bad"),  # names are left out: too few words left to judge
    ]
    ledger = Ledger()
    step = LanguageFilter(LanguageConfig())
    kept = run_document_step(step, docs, ledger)
    assert [d.language for d in docs] == ["en", "de", "und", "und"]
    assert kept == [docs[0], docs[2], docs[3]]
    assert ledger.removed_by_reason() == {"other_language": 1}
    assert step.counters["lang:en"] == 1 and step.counters["lang:und"] == 2


def test_batched_identification_matches_langid():
    texts = ["the film is great fun", "das ist ein schlechtes auto", "c'est une belle journée"]
    ident = _identifier()
    for text, (lang, p) in zip(texts, classify_many(texts)):
        expected_lang, expected_p = ident.classify(text)
        assert lang == expected_lang and p == pytest.approx(expected_p, rel=1e-9)
    assert set(ident.nb_classes) == LANGID_LANGUAGES
