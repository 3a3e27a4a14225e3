"""Per-text descriptors whose distributions are compared between reference and batch.

Length in words; the share of words the model's tokenizer does not hold whole (slang, names,
another language: text the model reads in fragments); the share of characters that are not
letters or spaces (markup, emoji, numbers); the language langid names (offline; its model ships
in the package).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

_WORD = re.compile(r"[^\W\d_]+")  # runs of letters, in any script


@dataclass(frozen=True)
class Descriptors:
    """One value per text, in input order."""

    length: np.ndarray  # words
    unknown_word_share: np.ndarray  # 0..1; 0 for a text without words
    non_letter_share: np.ndarray  # 0..1 of non-space characters
    language: list[str]  # ISO 639-1 code


def unknown_word_share(text: str, vocabulary: set[str]) -> float:
    """Share of the text's words that are not whole entries of `vocabulary` (case-insensitive
    for lower-cased vocabularies: a word counts as known in either case)."""
    words = _WORD.findall(text)
    if not words:
        return 0.0
    return sum(1 for w in words if w not in vocabulary and w.lower() not in vocabulary) / len(words)


def non_letter_share(text: str) -> float:
    visible = [c for c in text if not c.isspace()]
    if not visible:
        return 0.0
    return sum(1 for c in visible if not c.isalpha()) / len(visible)


def language(text: str) -> str:
    import langid

    return langid.classify(text)[0]


def describe(texts: Sequence[str], vocabulary: Iterable[str]) -> Descriptors:
    vocab = set(vocabulary)
    return Descriptors(
        length=np.array([len(_WORD.findall(t)) for t in texts], dtype=float),
        unknown_word_share=np.array([unknown_word_share(t, vocab) for t in texts], dtype=float),
        non_letter_share=np.array([non_letter_share(t) for t in texts], dtype=float),
        language=[language(t) for t in texts],
    )


def tokenizer_vocabulary(model_dir) -> set[str]:
    """The whole words of the model's tokenizer (word-piece continuations, '##...', dropped;
    SentencePiece's word-start mark removed)."""
    from transformers import AutoTokenizer

    vocab = AutoTokenizer.from_pretrained(str(model_dir)).get_vocab()
    return {w.lstrip("▁Ġ") for w in vocab if not w.startswith("##")}
