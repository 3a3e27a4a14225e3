"""Near-duplicate evidence between texts, and the leakage check built on it.

Curation uses it to deduplicate and to keep training copies of evaluation texts out of the
train split (tasks/curate/dedup.py, split.py); compression's teacher distillation uses the same
check to keep its transfer set (lake documents, augmented texts) clear of the validation and test
splits. One copy, here, so both stages answer "is this text an evaluation text in disguise?" the
same way.

Two texts are linked when their dedup tokens (minhash.dedup_tokens: case, punctuation, URLs,
mentions removed) are equal, or when the MinHash estimate of their word-shingle Jaccard reaches a
threshold (LSH candidate pairs, each verified by its estimate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sentiflow.tasks.core.lsh import candidate_pairs, estimated_jaccard
from sentiflow.tasks.core.minhash import MinHasher, dedup_tokens


@dataclass(frozen=True)
class DedupConfig:
    """MinHash LSH over word shingles of the dedup-normalised text (README: why these)."""

    shingle_words: int = 2  # shingles are word 1..n-grams: words keep a swap cheap, pairs keep order
    num_perm: int = 128  # MinHash permutations: Jaccard estimate std ~ 0.04 at J = 0.7
    bands: int = 32  # bands x rows = 128; a pair becomes a candidate with p = 1-(1-J^4)^32:
    # 0.9998 at J = 0.7, 0.87 at J = 0.5 (the leakage threshold), 0.23 at J = 0.3
    rows: int = 4
    threshold: float = 0.7  # estimated Jaccard at or above which two texts are near duplicates
    leakage_threshold: float = 0.5  # looser: a train text this close to a test text is leakage
    seed: int = 1  # seed of the MinHash permutations
    lsh: str = "numpy"  # banding backend: numpy (vectorised) | datasketch (MinHashLSH); same pairs


@dataclass
class NearDuplicateIndex:
    """Every document's dedup key, and the LSH candidate pairs of distinct keys with their Jaccard."""

    key_of_doc: np.ndarray  # (n_docs,) index of the doc's dedup key
    pairs: np.ndarray  # (k, 2) key indices, i < j
    jaccard: np.ndarray  # (k,) estimated Jaccard of each pair

    @classmethod
    def build(cls, texts: list[str], config: DedupConfig) -> NearDuplicateIndex:
        keys: dict[str, int] = {}
        key_tokens: list[list[str]] = []  # the tokens of each distinct key, tokenised once

        def key_of(text: str) -> int:
            tokens = dedup_tokens(text)
            key = keys.setdefault(" ".join(tokens), len(keys))
            if key == len(key_tokens):
                key_tokens.append(tokens)
            return key

        key_of_doc = np.fromiter(map(key_of, texts), dtype=np.int64, count=len(texts))
        hasher = MinHasher(config.num_perm, config.seed, config.shingle_words)
        signatures, usable = hasher.signatures_of_tokens(key_tokens)
        pairs = candidate_pairs(signatures, usable, config.bands, config.rows, config.lsh, config.seed)
        return cls(key_of_doc, pairs, estimated_jaccard(signatures, pairs))

    def linked_keys(self, min_jaccard: float) -> np.ndarray:
        return self.pairs[self.jaccard >= min_jaccard]


def leaks_into(index: NearDuplicateIndex, evaluation: list[int], threshold: float) -> list[int | None]:
    """For each document of `index`, an `evaluation` document (positions in the
    index) it leaks into (same dedup key, or estimated Jaccard >= `threshold`), else None.

    Evaluation documents leak into themselves; callers keep only their candidate positions.
    """
    key = index.key_of_doc
    eval_doc_of_key: dict[int, int] = {}
    for position in evaluation:  # the last evaluation document of a key names it (as curation always did)
        eval_doc_of_key[int(key[position])] = position
    twin_of_key = dict(eval_doc_of_key)  # dedup key -> the evaluation document it is close to
    for a, b in index.linked_keys(threshold).tolist():
        if b in eval_doc_of_key:
            twin_of_key.setdefault(a, eval_doc_of_key[b])
        if a in eval_doc_of_key:
            twin_of_key.setdefault(b, eval_doc_of_key[a])
    return [twin_of_key.get(int(k)) for k in key]


def leaking_texts(
    candidates: list[str], evaluation: list[str], config: DedupConfig = DedupConfig()
) -> list[int | None]:
    """For each candidate text, the index of the evaluation text it nearly duplicates, else None."""
    index = NearDuplicateIndex.build([*candidates, *evaluation], config)
    n = len(candidates)
    twins = leaks_into(index, list(range(n, n + len(evaluation))), config.leakage_threshold)
    return [None if twin is None else twin - n for twin in twins[:n]]
