"""normalize_text: repair encoding, unescape HTML, NFC, mask URLs/mentions/e-mails/phones, tidy spaces.

Mojibake comes in two kinds. Recoverable: UTF-8 read as cp1252 ('Ã©' for 'é', 'â€™' for '’');
ftfy reverses it exactly. Irrecoverable: bytes that were already lost before we saw them. The demo
tweets file holds such sequences ('cars_\\xd1_.no', 'Google\\xd5\\xa2_\\x8a\\xce_\\x86\\xa2s'): the
original curly quotes and emoji went through two wrong decodings and had bytes replaced by '_',
so ingest's UTF-8 decoding leaves runs of U+FFFD mixed with stray non-Latin letters. No decoder
can restore them; we replace each such run with an apostrophe where it sits inside a contraction
("don<run>t" -> "don't", "Google<run>s" -> "Google's", sentiment hinges on "don't") and with a
space elsewhere, so the noise neither reaches the model nor splits duplicates apart.

Placeholders follow the GloVe Twitter preprocessing convention: <url>, <user>, <email>, <phone>.
"""

from __future__ import annotations

import html
import re
import unicodedata

import ftfy

from sentiflow.tasks.curate.config import TextConfig
from sentiflow.tasks.curate.step import Doc, DocumentStep, Verdict

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

_FTFY = ftfy.TextFixerConfig(unescape_html=False, normalization=None, explain=False)


def repair_mojibake(text: str) -> tuple[str, bool]:
    """ftfy's repair, then irrecoverable residue replaced; returns (text, changed)."""
    fixed = ftfy.fix_text(text, _FTFY)
    if "\ufffd" in fixed:
        fixed = _CONTRACTION_RESIDUE.sub("'", fixed)
        fixed = _ANY_RESIDUE.sub(" ", fixed)
    return fixed, fixed != text


def _mask_phone(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match.group(0))
    low, high = PHONE_DIGITS
    return PHONE if low <= digits <= high else match.group(0)


class TextNormalizer(DocumentStep):
    """Rewrites `doc.text`; never drops a document (empty results are quality's call)."""

    name = "normalize_text"

    def __init__(self, config: TextConfig = TextConfig()) -> None:
        super().__init__()
        self.config = config

    def normalize(self, text: str) -> str:
        c = self.config
        if c.fix_mojibake:
            text, changed = repair_mojibake(text)
            self.count("mojibake_repaired", changed)
        if c.unescape_html and "&" in text:
            unescaped = html.unescape(text)
            self.count("html_unescaped", unescaped != text)
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
                self.count(key, text.count(placeholder) - before)
        if c.collapse_whitespace:
            text = " ".join(text.split())
        return text

    def filter(self, doc: Doc) -> Verdict:
        doc.text = self.normalize(doc.text)
        self.count("changed", doc.text != doc.text_original)
        return True
