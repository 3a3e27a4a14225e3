"""MinHash signatures of many texts at once, bit-identical to datasketch's, computed in numpy.

Text -> tokens: lower case; URLs, mentions, placeholders and 'RT' markers removed; punctuation
becomes space. So a retweet ('RT @a: Great game! http://t.co/x') and its source ('great game')
have the same tokens. Shingles are the word 1-grams and 2-grams (see DedupConfig).

Signatures use datasketch's 'affine32' permutation scheme with datasketch's own permutation
parameters: for a shingle hash h, slot k holds min over shingles of a_k * fmix32(h) + b_k
(mod 2^32). A datasketch `MinHash(num_perm, seed, hashfunc=identity)` updated with the same
shingle hashes gives bit-identical values (tests check it). The difference is speed: datasketch
updates one shingle at a time (one numpy call per token); here all shingles of thousands of
documents go through one (shingles x permutations) array operation and `minimum.reduceat`.
Distinct words are found by pyarrow and hashed once each (blake2b, stable across processes);
n-grams are mixed in numpy.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from itertools import chain

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from datasketch import MinHash

_DROP = re.compile(r"https?://\S+|www\.\S+|(?<![\w@])@\w+|<(?:url|user|email|phone)>|(?<!\w)rt(?!\w)", re.IGNORECASE)
_NON_WORD = re.compile(r"[\W_]+")
_MUL = np.uint64(0x9E3779B97F4A7C15)  # 2^64 / golden ratio: spreads the previous word's bits
_CHUNK_SHINGLES = 65_536  # shingles per signature block: 64k x 128 x 4 bytes = 32 MiB


def dedup_tokens(text: str) -> list[str]:
    """The words two near-duplicate texts are compared on."""
    return _NON_WORD.sub(" ", _DROP.sub(" ", text).lower()).split()


def _fmix64(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def _fmix32(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def _blake64(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


class MinHasher:
    """MinHash signatures of many texts at once."""

    def __init__(self, num_perm: int = 128, seed: int = 1, shingle_words: int = 2) -> None:
        self.num_perm, self.seed, self.shingle_words = num_perm, seed, shingle_words
        a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
        self.a, self.b = a.astype(np.uint32), b.astype(np.uint32)
        self._word_ids: dict[str, int] = {}

    def _word_hashes(self, words: list[str]) -> np.ndarray:
        """A stable 64-bit hash of each word (blake2b), each distinct word hashed once."""
        if not words:
            return np.zeros(0, dtype=np.uint64)
        # pyarrow finds the distinct words in C++: the Python work is per distinct word, not per word
        encoded = pc.dictionary_encode(pa.array(words, pa.large_string()))
        cache = self._word_ids
        distinct = np.fromiter(
            (cache.get(w) or cache.setdefault(w, _blake64(w)) for w in encoded.dictionary.to_pylist()),
            dtype=np.uint64,
            count=len(encoded.dictionary),
        )
        return distinct[encoded.indices.to_numpy(zero_copy_only=False)]

    def shingle_hashes(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """32-bit hashes of every text's word 1..n-grams, grouped by text, and each text's count."""
        return self.shingle_hashes_of_tokens([dedup_tokens(t) for t in texts])

    def shingle_hashes_of_tokens(self, tokens: Sequence[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """shingle_hashes for texts already split by dedup_tokens."""
        lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
        ids = self._word_hashes(list(chain.from_iterable(tokens)))
        text_of = np.repeat(np.arange(len(tokens)), lengths)
        text_end = np.repeat(np.cumsum(lengths), lengths)  # position after the last token of its text
        position = np.arange(len(ids))
        gram, hashes, owners = ids.copy(), [ids], [text_of]  # 1-grams: the word hashes themselves
        for k in range(1, self.shingle_words):
            following = np.zeros_like(ids)
            following[:-k] = ids[k:]
            gram = _fmix64(gram * _MUL + following)  # (k+1)-gram starting at each position
            fits = position + k < text_end
            hashes.append(gram[fits])
            owners.append(text_of[fits])
        owner = np.concatenate(owners)
        order = np.argsort(owner, kind="stable")
        counts = np.bincount(owner, minlength=len(tokens)).astype(np.int64)
        return (np.concatenate(hashes)[order] >> np.uint64(32)).astype(np.uint32), counts

    def signatures(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(signatures (n, num_perm) uint32, has_shingles (n,) bool); textless rows are all-max."""
        return self.signatures_of_tokens([dedup_tokens(t) for t in texts])

    def signatures_of_tokens(self, tokens: Sequence[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """signatures for texts already split by dedup_tokens (tokenising is the costly part)."""
        hashes, counts = self.shingle_hashes_of_tokens(tokens)
        texts = tokens
        sig = np.full((len(texts), self.num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
        permuted = _fmix32(hashes)
        offsets = np.concatenate([[0], np.cumsum(counts)])
        doc, total = 0, len(texts)
        while doc < total:
            # the next block of whole texts with at most _CHUNK_SHINGLES shingles (at least one text)
            stop = max(int(np.searchsorted(offsets, offsets[doc] + _CHUNK_SHINGLES, side="right")) - 1, doc + 1)
            block = permuted[offsets[doc] : offsets[stop]]
            if len(block):
                # (permutations, shingles): each permutation's row is contiguous, so reduceat
                # streams through memory (5-10x faster than the transposed layout)
                values = self.a[:, None] * block[None, :]
                values += self.b[:, None]
                local = offsets[doc:stop] - offsets[doc]
                nonempty = counts[doc:stop] > 0
                sig[doc:stop][nonempty] = np.minimum.reduceat(values, local[nonempty], axis=1).T
            doc = stop
        return sig, counts > 0
