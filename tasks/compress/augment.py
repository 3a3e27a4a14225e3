"""Augmented training texts, TinyBERT-style, the cheap way: words swapped for vocabulary neighbours.

TinyBERT replaces words with a BERT MLM's predictions or GloVe neighbours and has the teacher
label the variants. Here: each word of a text that is a whole token of the student's vocabulary
is replaced, with probability `replace_probability`, by one of its `neighbours` nearest tokens by
cosine similarity of the student's input embeddings (whole-word, alphabetic tokens only); other
words stay. No MLM forward pass, no extra model: one matrix product per batch of distinct words.
The labels come from the teacher, never from the source text's gold label (a swap can flip the
sentiment: "good" -> "bad" are neighbours). A variant equal to its source, or to another variant,
is not kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

WORD = re.compile(r"[A-Za-z]+")
NEIGHBOURS = 8  # candidates per word; TinyBERT uses K = 15 from GloVe
REPLACE_PROBABILITY = 0.3  # per word (TinyBERT: 0.4)
ATTEMPTS = 4  # draws per variant before giving up on a text too short to change
_CHUNK = 1_024  # distinct words per similarity block: 1k x 30k floats = 120 MB


@dataclass
class NeighbourTable:
    """Lower-cased word -> its nearest vocabulary words (excluding itself)."""

    neighbours: dict[str, list[str]]

    @classmethod
    def build(cls, words: set[str], vocab: dict[str, int], embeddings: np.ndarray, k: int = NEIGHBOURS):
        candidates = sorted(t for t in vocab if t.isalpha() and t.islower() and len(t) > 1)
        allowed = set(candidates)
        known = sorted(w for w in words if w in allowed)
        if not known or len(candidates) < 2:
            return cls({})
        unit = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
        pool = unit[[vocab[t] for t in candidates]]
        table: dict[str, list[str]] = {}
        for begin in range(0, len(known), _CHUNK):
            chunk = known[begin : begin + _CHUNK]
            similarity = unit[[vocab[w] for w in chunk]] @ pool.T
            top = np.argpartition(-similarity, min(k, similarity.shape[1] - 1), axis=1)[:, : k + 1]
            for word, row, sims in zip(chunk, top, similarity):
                ranked = row[np.argsort(-sims[row])]
                table[word] = [candidates[i] for i in ranked if candidates[i] != word][:k]
        return cls(table)


def _recase(word: str, like: str) -> str:
    return word.capitalize() if like[:1].isupper() else word


def augment_texts(
    texts: list[str],
    per_text: int,
    table: NeighbourTable,
    seed: int,
    replace_probability: float = REPLACE_PROBABILITY,
) -> tuple[list[str], list[int]]:
    """Up to `per_text` distinct variants of each text; returns (variants, source text index)."""
    rng = np.random.default_rng(seed)
    variants: list[str] = []
    sources: list[int] = []
    for index, text in enumerate(texts):
        seen = {text}
        for _ in range(per_text):
            for _ in range(ATTEMPTS):
                candidate = WORD.sub(lambda m: _swap(m.group(0), table, rng, replace_probability), text)
                if candidate not in seen:
                    seen.add(candidate)
                    variants.append(candidate)
                    sources.append(index)
                    break
    return variants, sources


def _swap(word: str, table: NeighbourTable, rng: np.random.Generator, p: float) -> str:
    options = table.neighbours.get(word.lower())
    if not options or rng.random() >= p:
        return word
    return _recase(options[int(rng.integers(len(options)))], word)


def neighbour_table_for(texts: list[str], tokenizer, model) -> NeighbourTable:
    """The table for the words of `texts`, from the student's vocabulary and input embeddings."""
    words = {w.lower() for t in texts for w in WORD.findall(t)}
    embeddings = model.get_input_embeddings().weight.detach().float().cpu().numpy()
    return NeighbourTable.build(words, tokenizer.get_vocab(), embeddings)
