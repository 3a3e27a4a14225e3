"""The text preprocessing a model was trained with, kept with the model and applied wherever it scores.

A model learns from curated text (curation's normalize_text step) but is asked to score raw lake
text. Without the same preprocessing at scoring, the two differ: on the demo tweets' test split
2,807 of 3,188 raw texts differ from their curated form and the int8 model labelled 5.4% of them
differently depending on which form it saw. So the preprocessing is part of the model: its record
(sentiflow.json, `ModelRecord.preprocessing`) names it, and every backend applies it to the raw
texts it is given (`batching.padded_batches`). Curation's normalize_text step calls the same
`normalize_text`, so there is one implementation.

normalize_text is not idempotent: `html.unescape` twice turns '&amp;lt;' into '<', where once
gives '&lt;' (ftfy's repair, too, may change an already-repaired text). It must see raw text
exactly once; a model is therefore always fed raw text, in scoring and in evaluation alike.

What normalize_text does:
- repairs encoding. Mojibake comes in two kinds. Recoverable: UTF-8 read as cp1252 ('Ã©' for
  'é', 'â€™' for '’'); ftfy reverses it exactly. Irrecoverable: bytes that were already lost
  before we saw them. The demo tweets file holds such sequences ('cars_\\xd1_.no',
  'Google\\xd5\\xa2_\\x8a\\xce_\\x86\\xa2s'): the original curly quotes and emoji went through two
  wrong decodings and had bytes replaced by '_', so ingest's UTF-8 decoding leaves runs of U+FFFD
  mixed with stray non-Latin letters. No decoder can restore them; each such run becomes an
  apostrophe where it sits inside a contraction ("don<run>t" -> "don't", "Google<run>s" ->
  "Google's", sentiment hinges on "don't") and a space elsewhere, so the noise neither reaches
  the model nor splits duplicates apart;
- unescapes HTML, applies Unicode NFC;
- masks URLs, mentions, e-mails and phone numbers with the GloVe Twitter placeholders
  <url>, <user>, <email>, <phone>;
- collapses whitespace.
"""

from __future__ import annotations

import dataclasses
import html
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home

# Bump when normalize_text changes what it makes of some text: a model records the version it
# was trained with, and a sentiflow that does not know that version refuses to score with it.
PREPROCESSING_VERSION = 1
NORMALIZE_TEXT = "normalize_text"  # curation's step name; its settings are report.json's config.text

URL, USER, EMAIL, PHONE = "<url>", "<user>", "<email>", "<phone>"
PLACEHOLDERS = (URL, USER, EMAIL, PHONE)

# A run of lost-byte residue: replacement characters with the '_' and stray non-ASCII letters
# the double mis-decoding leaves around them (never crossing whitespace).
_RESIDUE = r"(?:[^\x00-\x7f\s]|_)*\ufffd(?:[^\x00-\x7f\s]|_)*"
_CONTRACTION_RESIDUE = re.compile(rf"(?<=[A-Za-z]){_RESIDUE}(?=(?:s|t|re|ve|ll|d|m)\b)")
_ANY_RESIDUE = re.compile(_RESIDUE)

URL_RE = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
MENTION_RE = re.compile(r"(?<![\w@])@\w+")
_PHONE_CANDIDATE = re.compile(r"(?<![\w+])\+?\d[\d\s().-]{7,}\d(?!\w)")
PHONE_DIGITS = (9, 15)  # E.164 numbers have at most 15 digits; 9 keeps dates and scores out

Count = Callable[[str, int], None]  # (what was done, how many times), e.g. ('urls_masked', 2)


@dataclass(frozen=True)
class TextConfig:
    """Text normalisation settings. Curation keeps the original text in `text_original`."""

    fix_mojibake: bool = True  # ftfy.fix_text, then drop irrecoverable U+FFFD residue
    unescape_html: bool = True  # '&amp;' -> '&' (tweets arrive HTML-escaped)
    nfc: bool = True  # Unicode NFC, so 'é' is one code point however it arrived
    collapse_whitespace: bool = True  # runs of spaces, tabs and newlines -> one space
    mask_urls: bool = True  # http(s)://... and www.... -> '<url>' (GloVe-Twitter placeholders)
    mask_mentions: bool = True  # @handle -> '<user>'
    mask_emails: bool = False  # name@host.tld -> '<email>'
    mask_phones: bool = False  # 9-15 digit phone numbers -> '<phone>'


@cache
def _ftfy_config() -> Any:
    # ftfy is imported on first use (about 65 ms): reading a model record should not pay for it
    import ftfy

    return ftfy.TextFixerConfig(unescape_html=False, normalization=None, explain=False)


# Text that ftfy.fix_text provably returns unchanged under _ftfy_config: printable ASCII, tab and
# newline. Every fix ftfy makes targets non-ASCII characters (mojibake, ligatures, wide forms,
# curly quotes, surrogates, C1 controls) except three, whose ASCII triggers this excludes:
# terminal escapes (ESC), line breaks ('\r'; '\n' is what ftfy turns them into) and the control
# characters it removes (0x00-0x08, 0x0b, 0x0e-0x1f, 0x7f). HTML unescaping is off in our
# config. ftfy costs ~30 us a text; the check ~0.3 us, and most lake text is plain ASCII.
_FTFY_NOOP = re.compile(r"[\t\n\x20-\x7e]*")


def repair_mojibake(text: str) -> tuple[str, bool]:
    """ftfy's repair, then irrecoverable residue replaced; returns (text, changed)."""
    if _FTFY_NOOP.fullmatch(text):
        return text, False
    import ftfy

    fixed = ftfy.fix_text(text, _ftfy_config())
    if "\ufffd" in fixed:
        fixed = _CONTRACTION_RESIDUE.sub("'", fixed)
        fixed = _ANY_RESIDUE.sub(" ", fixed)
    return fixed, fixed != text


def _mask_phone(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match.group(0))
    low, high = PHONE_DIGITS
    return PHONE if low <= digits <= high else match.group(0)


def _no_count(key: str, n: int) -> None:
    pass


def normalize_text(text: str, config: TextConfig = TextConfig(), count: Count = _no_count) -> str:
    """`text` normalised under `config`; `count` hears what was done (curation's report counts it).

    Not idempotent (module docstring): apply it to raw text, once.
    """
    c = config
    if c.fix_mojibake:
        text, changed = repair_mojibake(text)
        count("mojibake_repaired", int(changed))
    if c.unescape_html and "&" in text:
        unescaped = html.unescape(text)
        count("html_unescaped", int(unescaped != text))
        text = unescaped
    if c.nfc:
        text = unicodedata.normalize("NFC", text)
    # URLs first (they may hold '@'), then e-mails (they hold '@'), then the rest
    for enabled, pattern, placeholder, repl, key in (
        (c.mask_urls, URL_RE, URL, URL, "urls_masked"),
        (c.mask_emails, EMAIL_RE, EMAIL, EMAIL, "emails_masked"),
        (c.mask_phones, _PHONE_CANDIDATE, PHONE, _mask_phone, "phones_masked"),
        (c.mask_mentions, MENTION_RE, USER, USER, "mentions_masked"),
    ):
        if enabled:
            before = text.count(placeholder)
            text = pattern.sub(repl, text)
            count(key, text.count(placeholder) - before)
    if c.collapse_whitespace:
        text = " ".join(text.split())
    return text


def text_config_from_json(data: Mapping[str, Any]) -> TextConfig:
    """A TextConfig from its JSON form; an unknown setting is a UserError (it would be ignored)."""
    known = {f.name for f in dataclasses.fields(TextConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise UserError(f"text preprocessing settings {unknown} are unknown to this sentiflow (known: {sorted(known)})")
    return TextConfig(**data)


@dataclass(frozen=True)
class Preprocessing:
    """What a model's input text goes through before tokenising: normalize_text with `text`."""

    text: TextConfig = TextConfig()
    version: int = PREPROCESSING_VERSION

    def apply(self, texts: Sequence[str]) -> list[str]:
        """Raw texts as the model was trained to see them."""
        return [normalize_text(t, self.text) for t in texts]

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, NORMALIZE_TEXT: dataclasses.asdict(self.text)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Preprocessing:
        """Parse the record's form; a version this sentiflow does not know is a UserError."""
        version = int(data.get("version", 0))
        if version != PREPROCESSING_VERSION:
            raise UserError(
                f"the model was trained with text preprocessing version {version}; this sentiflow "
                f"applies version {PREPROCESSING_VERSION} and would score it on text it never saw"
            )
        return cls(text_config_from_json(data.get(NORMALIZE_TEXT, {})), version)


def from_curation_config(config: Mapping[str, Any] | None) -> Preprocessing | None:
    """The preprocessing a dataset's texts went through, from its report.json `config`.

    None when curation did not run normalize_text (the texts are raw) or the report predates
    recording its config (unknown: the model keeps scoring raw text, as it always did).
    """
    if not config or NORMALIZE_TEXT not in config.get("steps", ()):
        return None
    return Preprocessing(text_config_from_json(config.get("text") or {}))


def dataset_preprocessing(home: Home, version: str) -> Preprocessing | None:
    """The preprocessing dataset `version`'s texts went through: what a model trained on it records."""
    from sentiflow.tasks.core.datasets import load_report  # pandas and pyarrow: only when asked

    return from_curation_config(load_report(home, version).get("config"))
