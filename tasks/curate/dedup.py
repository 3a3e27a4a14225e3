"""exact_dedup and near_dedup: duplicate clusters, one representative each, labels by majority.

Exact duplicates share their normalised text. Near duplicates share their dedup tokens (case,
punctuation, URLs, mentions and 'RT' removed) or have an estimated Jaccard similarity of their
word-shingle sets at or above `dedup.threshold` (MinHash LSH: minhash.py, lsh.py). Clusters are the
connected components of those links.

In each cluster:
- the labels vote; a tie removes the whole cluster as `label_conflict` (no label is trustworthy);
- the cluster takes the strictest split given at ingest among its members (test > validation >
  train), so an official test sentence is never traded for a training copy;
- the representative is a member of that split carrying the winning label (then the highest
  label confidence, then the smallest doc_id); it takes the winning label;
- every other member is removed: `leakage` if ingest gave it another split (a training copy of
  a test document), `exact_duplicate` if its text equals the representative's, else
  `near_duplicate`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from sentiflow.tasks.curate.config import DedupConfig
from sentiflow.tasks.curate.lsh import candidate_pairs, estimated_jaccard
from sentiflow.tasks.curate.minhash import MinHasher, dedup_tokens
from sentiflow.tasks.curate.step import Doc, Ledger

EXACT, NEAR = "exact_dedup", "near_dedup"
EXACT_DUPLICATE, NEAR_DUPLICATE = "exact_duplicate", "near_duplicate"
LABEL_CONFLICT, LEAKAGE = "label_conflict", "leakage"
SPLIT_RANK = {"test": 3, "validation": 2, "train": 1}


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


def _components(n: int, edges: list[np.ndarray]) -> np.ndarray:
    """Component label of each of n nodes, given (k, 2) edge arrays."""
    links = np.concatenate(edges) if edges else np.zeros((0, 2), dtype=np.int64)
    graph = coo_matrix((np.ones(len(links), dtype=np.int8), (links[:, 0], links[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _same_value_edges(values: np.ndarray) -> np.ndarray:
    """Edges joining each position to the first position holding the same value."""
    _, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    heads = first[inverse]
    keep = heads != np.arange(len(values))
    return np.stack([heads[keep], np.flatnonzero(keep)], axis=1)


def duplicate_clusters(
    docs: list[Doc], exact: bool, near: bool, config: DedupConfig, index: NearDuplicateIndex | None
) -> list[list[Doc]]:
    """Groups of documents linked by equal text (exact) or by near-duplicate evidence (near)."""
    edges: list[np.ndarray] = []
    if exact:
        text_ids: dict[str, int] = {}
        edges.append(
            _same_value_edges(np.array([text_ids.setdefault(d.text, len(text_ids)) for d in docs], dtype=np.int64))
        )
    if near and index is not None:
        edges.append(_same_value_edges(index.key_of_doc))  # the same dedup tokens
        first_doc_of_key = np.unique(index.key_of_doc, return_index=True)[1]
        edges.append(first_doc_of_key[index.linked_keys(config.threshold)])
    clusters: dict[int, list[Doc]] = {}
    for doc, label in zip(docs, _components(len(docs), edges) if docs else []):
        clusters.setdefault(int(label), []).append(doc)
    return list(clusters.values())


Removed = tuple[Doc, str, str, str | None]  # document, step, reason, duplicate_of


def resolve_cluster(members: list[Doc], exact: bool, near: bool) -> tuple[Doc | None, list[Removed]]:
    """The cluster's kept document (None on a tied vote) and what is removed, with reasons."""
    cluster_id = min(d.doc_id for d in members)
    for d in members:
        d.cluster_id, d.cluster_size = cluster_id, len(members)
    if len(members) == 1:
        return members[0], []
    rep, winner = _representative(members)
    if rep is None:
        return None, [(d, NEAR if near else EXACT, LABEL_CONFLICT, None) for d in members]
    rep.label = winner
    removed: list[Removed] = []
    for d in members:
        if d is not rep:
            step = EXACT if exact and d.text == rep.text else NEAR
            reason = EXACT_DUPLICATE if step == EXACT else NEAR_DUPLICATE
            if d.split_given not in (None, rep.split_given):
                reason = LEAKAGE  # e.g. a training copy of a test document
            removed.append((d, step, reason, rep.doc_id))
    return rep, removed


def deduplicate(
    docs: list[Doc], exact: bool, near: bool, config: DedupConfig, index: NearDuplicateIndex | None, ledger: Ledger
) -> list[Doc]:
    """Cluster, vote and keep one representative per cluster; returns the kept documents."""
    kept: list[Doc] = []
    removals: list[Removed] = []
    for members in duplicate_clusters(docs, exact, near, config, index):
        rep, removed = resolve_cluster(members, exact, near)
        kept.extend([rep] if rep is not None else [])
        removals.extend(removed)
    rows_in = len(docs)
    for step, enabled in ((EXACT, exact), (NEAR, near)):
        if enabled:
            stats = ledger.begin(step, rows_in)
            for doc, _, reason, duplicate_of in sorted(
                (r for r in removals if r[1] == step), key=lambda r: r[0].doc_id
            ):
                ledger.remove(stats, doc, reason, duplicate_of)
            rows_in = stats.kept
    return sorted(kept, key=lambda d: d.doc_id)


def _representative(members: list[Doc]) -> tuple[Doc | None, str | None]:
    """The kept member and the cluster's label, or (None, None) on a tied vote."""
    votes = Counter(d.label for d in members).most_common()
    if len(votes) > 1 and votes[0][1] == votes[1][1]:
        return None, None
    winner = votes[0][0]
    split_rank = max(SPLIT_RANK.get(d.split_given or "", 0) for d in members)

    def preference(d: Doc) -> tuple[bool, bool, float, str]:
        confidence = d.label_confidence if d.label_confidence == d.label_confidence else None
        return (
            SPLIT_RANK.get(d.split_given or "", 0) != split_rank,
            d.label != winner,
            -(confidence if confidence is not None else 1.0),  # unrated labels count as certain
            d.doc_id,
        )

    return min(members, key=preference), winner
