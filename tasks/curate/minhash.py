"""Near-duplicate candidates: vectorised MinHash signatures, indexed in datasketch's MinHashLSH.

Text -> tokens: lower case; URLs, mentions, placeholders and 'RT' markers removed; punctuation
becomes space. So a retweet ('RT @a: Great game! http://t.co/x') and its source ('great game')
have the same tokens. Shingles are word n-grams (2 by default, see DedupConfig).

Signatures use datasketch's 'affine32' permutation scheme with datasketch's own permutation
parameters: for a shingle hash h, slot k holds min over shingles of a_k * fmix32(h) + b_k
(mod 2^32). A datasketch `MinHash(num_perm, seed, hashfunc=identity)` updated with the same
shingle hashes gives bit-identical values (tests check it). The difference is speed: datasketch
updates one shingle at a time (one numpy call per token); here all shingles of thousands of
documents go through one (shingles x permutations) array operation and `minimum.reduceat`.
Words are hashed once each (blake2b, stable across processes); n-grams are mixed in numpy.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

_DROP = re.compile(
    r"https?://\S+|www\.\S+|(?<![\w@])@\w+|<(?:url|user|email|phone)>|(?<!\w)rt(?!\w)", re.IGNORECASE
)
_NON_WORD = re.compile(r"[\W_]+")
_MUL = np.uint64(0x9E3779B97F4A7C15)  # 2^64 / golden ratio: spreads the previous word's bits
_CHUNK_SHINGLES = 65_536  # shingles per signature block: 64k x 128 x 4 bytes = 32 MiB
_MAX_BUCKET = 2_000  # an LSH bucket bigger than this links members to its first one only


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


class MinHasher:
    """MinHash signatures of many texts at once."""

    def __init__(self, num_perm: int = 128, seed: int = 1, shingle_words: int = 2) -> None:
        self.num_perm, self.seed, self.shingle_words = num_perm, seed, shingle_words
        a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
        self.a, self.b = a.astype(np.uint32), b.astype(np.uint32)
        self._word_ids: dict[str, int] = {}

    def _word_id(self, word: str) -> int:
        wid = self._word_ids.get(word)
        if wid is None:
            wid = int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")
            self._word_ids[word] = wid
        return wid

    def shingle_hashes(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """32-bit hashes of every text's word n-grams, concatenated, and each text's count."""
        tokens = [dedup_tokens(t) for t in texts]
        lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
        ids = np.fromiter((self._word_id(w) for t in tokens for w in t), dtype=np.uint64, count=int(lengths.sum()))
        doc_end = np.repeat(np.cumsum(lengths), lengths)  # position after each token's text
        n = self.shingle_words
        # an n-gram starts at i when it fits in its text, or i is the start of a shorter text
        starts = np.cumsum(lengths) - lengths
        first = np.zeros(len(ids), dtype=bool)
        first[starts[lengths > 0]] = True
        position = np.arange(len(ids))
        valid = (position + n <= doc_end) | (first & (doc_end - position < n))
        h = ids.copy()
        for k in range(1, n):
            nxt = np.zeros_like(ids)
            nxt[:-k] = ids[k:]
            inside = position + k < doc_end  # past the text's end the n-gram is just shorter
            h = np.where(inside, _fmix64(h * _MUL + nxt), h)
        text_of = np.repeat(np.arange(len(texts)), lengths)
        counts = np.bincount(text_of[valid], minlength=len(texts)).astype(np.int64)
        return (h[valid] >> np.uint64(32)).astype(np.uint32), counts

    def signatures(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(signatures (n, num_perm) uint32, has_shingles (n,) bool); textless rows are all-max."""
        hashes, counts = self.shingle_hashes(texts)
        sig = np.full((len(texts), self.num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
        permuted = _fmix32(hashes)
        offsets = np.concatenate([[0], np.cumsum(counts)])
        doc, total = 0, len(texts)
        while doc < total:
            # the next block of whole texts with at most _CHUNK_SHINGLES shingles (at least one text)
            stop = max(int(np.searchsorted(offsets, offsets[doc] + _CHUNK_SHINGLES, side="right")) - 1, doc + 1)
            block = permuted[offsets[doc] : offsets[stop]]
            if len(block):
                values = block[:, None] * self.a[None, :]
                values += self.b[None, :]
                local = offsets[doc:stop] - offsets[doc]
                nonempty = counts[doc:stop] > 0
                sig[doc:stop][nonempty] = np.minimum.reduceat(values, local[nonempty], axis=0)
            doc = stop
        return sig, counts > 0


def candidate_pairs(signatures: np.ndarray, usable: np.ndarray, bands: int, rows: int, seed: int = 1) -> np.ndarray:
    """Pairs (i < j) sharing at least one LSH band, from datasketch's MinHashLSH; shape (k, 2)."""
    lsh = MinHashLSH(num_perm=signatures.shape[1], params=(bands, rows))
    with lsh.insertion_session() as session:
        for i in np.flatnonzero(usable):
            session.insert(int(i), LeanMinHash(seed=seed, hashvalues=signatures[i], scheme="affine32"),
                           check_duplication=False)
    found: list[np.ndarray] = []
    for table in lsh.hashtables:
        for key in table.keys():
            members = table.get(key)
            if len(members) > 1:
                found.append(_bucket_pairs(np.fromiter(members, dtype=np.int64)))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(found)
    return np.unique(pairs, axis=0)


def _bucket_pairs(members: np.ndarray) -> np.ndarray:
    members = np.sort(members)
    if len(members) > _MAX_BUCKET:  # a hub of near-identical texts: a star keeps it linear
        return np.stack([np.full(len(members) - 1, members[0]), members[1:]], axis=1)
    i, j = np.triu_indices(len(members), k=1)
    return np.stack([members[i], members[j]], axis=1)


def estimated_jaccard(signatures: np.ndarray, pairs: np.ndarray, chunk: int = 100_000) -> np.ndarray:
    """Share of equal signature slots for each pair: the MinHash Jaccard estimate."""
    out = np.empty(len(pairs), dtype=np.float64)
    for start in range(0, len(pairs), chunk):
        p = pairs[start : start + chunk]
        out[start : start + chunk] = (signatures[p[:, 0]] == signatures[p[:, 1]]).mean(axis=1)
    return out
