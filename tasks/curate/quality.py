"""quality: length, alphabetic share, character and word repetition, tuned for short texts.

datatrove's Gopher and C4 filters judge web pages: Gopher wants 50..100,000 words, 80% of words
with a letter and bounded duplicate n-gram shares; C4 wants 3+ words per line and 5+ sentences.
A tweet or an SST-2 phrase fails nearly all of those (SST-2's median phrase has 7 words, a
quarter have 3 or fewer), so these thresholds look for what goes wrong in short texts instead:
nothing left once URLs and mentions are masked, pastes far longer than a review sentence,
strings of numbers or symbols, and keyboard-mash or copy-paste repetition. The README's table
sets each default next to the Gopher/C4 value it replaces and says why.
"""

from __future__ import annotations

import re
from collections import Counter

from sentiflow.tasks.curate.config import QualityConfig
from sentiflow.tasks.curate.step import Doc, DocumentStep, Verdict
from sentiflow.tasks.models.preprocessing import PLACEHOLDERS

TOO_SHORT, TOO_LONG = "too_short", "too_long"
LOW_ALPHA, CHAR_REPETITION, WORD_REPETITION = "low_alpha_ratio", "char_repetition", "word_repetition"

_RUN = re.compile(r"(.)\1{3,}", re.IGNORECASE | re.DOTALL)  # the same character 4+ times
_WORD_EDGE = re.compile(r"^\W+|\W+$")


def content_words(text: str) -> list[str]:
    """Whitespace tokens that are not placeholders."""
    return [w for w in text.split() if w not in PLACEHOLDERS]


def char_run_ratio(text: str) -> float:
    """Share of characters inside runs of 4+ identical characters ('soooo' -> 4 of 5)."""
    return sum(len(m.group(0)) for m in _RUN.finditer(text)) / len(text) if text else 0.0


def top_word_ratio(words: list[str]) -> float:
    """Share of words that are the most frequent word (case and edge punctuation ignored)."""
    keys = [_WORD_EDGE.sub("", w.lower()) or w for w in words]
    return Counter(keys).most_common(1)[0][1] / len(keys) if keys else 0.0


class QualityFilter(DocumentStep):
    """Drops documents that are empty, overlong, mostly non-words or repetitive."""

    name = "quality"

    def __init__(self, config: QualityConfig = QualityConfig()) -> None:
        super().__init__()
        self.config = config

    def filter(self, doc: Doc) -> Verdict:
        c = self.config
        words = content_words(doc.text)
        content = " ".join(words)
        if len(content) < c.min_chars or len(words) < c.min_words:
            return False, TOO_SHORT
        if c.max_chars and len(content) > c.max_chars:
            return False, TOO_LONG
        if words and sum(any(ch.isalpha() for ch in w) for w in words) / len(words) < c.min_alpha_word_ratio:
            return False, LOW_ALPHA
        if char_run_ratio(content) > c.max_char_run_ratio:
            return False, CHAR_REPETITION
        if len(words) >= c.word_repetition_min_words and top_word_ratio(words) > c.max_top_word_ratio:
            return False, WORD_REPETITION
        return True
