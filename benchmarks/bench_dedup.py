"""Near-duplicate detection: precision/recall against injected duplicates, and speed vs a naive baseline.

Corpus (>= 200k documents, built from SST-2's train.tsv):
- base documents join three random SST-2 phrases of >= 4 words; base documents that are already
  near each other (exact word-bigram Jaccard >= 0.5, found by a generous LSH pass and checked
  exactly) are dropped, so the only near duplicates are the injected ones;
- injected: a copy of a random base document at a random position; 70% of copies get one change
  to their words (an adjacent swap, one word replaced, or the last ~10% of words cut), and each
  gets up to two format changes (a URL added, 'RT @user:' added, case, punctuation).

Ours: `NearDuplicateIndex` (numpy MinHash signatures bit-identical to datasketch's, numpy LSH
banding, estimated Jaccard >= dedup.threshold) and connected components, exactly as curation
runs it; also timed with datasketch's MinHashLSH doing the banding (`dedup.lsh = "datasketch"`).
Baseline, same shingles, same LSH bands and threshold: one `datasketch.MinHash` per document
updated shingle by shingle (`MinHash.update`), `MinHashLSH.insert` and `query` per document,
`MinHash.jaccard` to verify. It is too slow for the whole corpus, so it runs on the first
`--baseline-docs` documents and its per-document rate is compared with ours (ours is also
timed on that same subsample, printed alongside).

    .venv/bin/python benchmarks/bench_dedup.py [--docs 200000] [--baseline-docs 20000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import string
import time
from pathlib import Path

import numpy as np
from datasketch import MinHash, MinHashLSH
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from sentiflow.tasks.core.minhash import MinHasher, dedup_tokens
from sentiflow.tasks.curate.config import DedupConfig
from sentiflow.tasks.curate.dedup import NearDuplicateIndex

SST2 = Path(__file__).resolve().parents[2] / "shared" / "data" / "sst2"
CONFIG = DedupConfig()


def load_phrases() -> list[str]:
    lines = (SST2 / "train.tsv").read_text(encoding="utf-8").splitlines()[1:]
    phrases = {line.rsplit("\t", 1)[0].strip() for line in lines}
    return sorted(p for p in phrases if len(dedup_tokens(p)) >= 4)


class ShingleSets:
    """Exact shingle sets (the truth MinHash estimates), built on demand per document."""

    def __init__(self, texts: list[str]) -> None:
        self.hashes, counts = MinHasher(CONFIG.num_perm, CONFIG.seed, CONFIG.shingle_words).shingle_hashes(texts)
        self.bounds = np.concatenate([[0], np.cumsum(counts)])

    def __getitem__(self, i: int) -> set[int]:
        return set(self.hashes[self.bounds[i] : self.bounds[i + 1]].tolist())


def jaccard(a: set[int], b: set[int]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def clean_base(texts: list[str]) -> list[str]:
    """Drop base documents with a natural near neighbour (exact Jaccard >= 0.5)."""
    index = NearDuplicateIndex.build(texts, DedupConfig(threshold=0.5))
    sets = ShingleSets(texts)
    key_doc = np.unique(index.key_of_doc, return_index=True)[1]
    drop = {int(d) for d in np.flatnonzero(np.bincount(index.key_of_doc) > 1)}  # identical token strings
    for a, b in key_doc[index.pairs].tolist():
        if jaccard(sets[a], sets[b]) >= 0.5:
            drop.add(max(a, b))
    return [t for i, t in enumerate(texts) if i not in drop]


def mutate(text: str, rng: random.Random, vocabulary: list[str]) -> str:
    words = text.split()
    # one change to the words themselves at most (a near duplicate, not a rewrite), plus formatting
    changes = [rng.choice(["swap", "replace", "truncate"])] if rng.random() < 0.7 else []
    changes += rng.sample(["url", "retweet", "case", "punct"], rng.randint(0 if changes else 1, 2))
    for change in changes:
        if change == "swap" and len(words) > 2:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        elif change == "replace":
            words[rng.randrange(len(words))] = rng.choice(vocabulary)
        elif change == "url":
            url = "https://t.co/" + "".join(rng.choices(string.ascii_letters + string.digits, k=10))
            words.insert(rng.randrange(len(words) + 1), url)
        elif change == "retweet":
            words = ["RT", f"@user{rng.randrange(10_000)}:"] + words
        elif change == "case":
            words = [rng.choice([str.upper, str.lower, str.title])(w) for w in words]
        elif change == "punct":
            words = [w.strip(",.;:!?'`-") or w for w in words] if rng.random() < 0.5 else words + ["!!!"]
        elif change == "truncate":
            words = words[: len(words) - max(1, round(len(words) * 0.1))]
    return " ".join(words)


def build_corpus(n_docs: int, seed: int = 0) -> tuple[list[str], list[tuple[int, int]]]:
    """Documents and the injected (copy, original) positions."""
    rng = random.Random(seed)
    phrases = load_phrases()
    n_base = int(n_docs * 0.85)
    made = [" ; ".join(rng.sample(phrases, 3)) for _ in range(int(n_base * 1.25))]
    base = clean_base(made)[:n_base]
    vocabulary = sorted({w for p in phrases[:5000] for w in p.split()})
    n_copies = n_docs - len(base)
    originals = rng.sample(range(len(base)), n_copies)
    copies = iter([(mutate(base[o], rng, vocabulary), o) for o in originals])
    copy_slots = set(rng.sample(range(n_docs), n_copies))
    texts: list[str] = []
    position_of_base = [0] * len(base)
    placed: list[tuple[int, int]] = []  # (position of the copy, base index of its original)
    next_base = 0
    for pos in range(n_docs):
        if pos in copy_slots:
            text, original = next(copies)
            texts.append(text)
            placed.append((pos, original))
        else:
            texts.append(base[next_base])
            position_of_base[next_base] = pos
            next_base += 1
    return texts, [(pos, position_of_base[original]) for pos, original in placed]


def ours(texts: list[str], lsh: str = CONFIG.lsh) -> np.ndarray:
    """Cluster label per document, as curation's near_dedup forms clusters."""
    index = NearDuplicateIndex.build(texts, dataclasses.replace(CONFIG, lsh=lsh))
    first_doc_of_key = np.unique(index.key_of_doc, return_index=True)[1]
    links = first_doc_of_key[index.linked_keys(CONFIG.threshold)]
    same_key = np.stack([first_doc_of_key[index.key_of_doc], np.arange(len(texts))], axis=1)
    return _components(len(texts), np.concatenate([links, same_key]))


def baseline(texts: list[str]) -> np.ndarray:
    """One datasketch MinHash per document, token by token; MinHashLSH insert + query; jaccard."""
    minhashes = []
    for text in texts:
        tokens = dedup_tokens(text)
        m = MinHash(num_perm=CONFIG.num_perm, seed=CONFIG.seed)
        for n in range(1, CONFIG.shingle_words + 1):  # the same shingles: word 1..n-grams
            for i in range(len(tokens) - n + 1):
                m.update(" ".join(tokens[i : i + n]).encode("utf-8"))
        minhashes.append(m)
    lsh = MinHashLSH(num_perm=CONFIG.num_perm, params=(CONFIG.bands, CONFIG.rows))
    for i, m in enumerate(minhashes):
        lsh.insert(i, m)
    links = [
        (i, j)
        for i, m in enumerate(minhashes)
        for j in lsh.query(m)
        if j > i and m.jaccard(minhashes[j]) >= CONFIG.threshold
    ]
    return _components(len(texts), np.array(links, dtype=np.int64).reshape(-1, 2))


def _components(n: int, links: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(len(links)), (links[:, 0], links[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def pairs_within(labels: np.ndarray) -> set[tuple[int, int]]:
    order = np.argsort(labels, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(labels[order])) + 1)
    return {(int(a), int(b)) for g in groups if len(g) > 1 for i, a in enumerate(sorted(g)) for b in sorted(g)[i + 1 :]}


def true_pairs(truth: list[tuple[int, int]]) -> set[tuple[int, int]]:
    groups: dict[int, set[int]] = {}
    for copy, original in truth:
        groups.setdefault(original, {original}).add(copy)
    return {(a, b) for g in groups.values() for i, a in enumerate(sorted(g)) for b in sorted(g)[i + 1 :]}


def score(labels: np.ndarray, truth: set[tuple[int, int]]) -> tuple[float, float]:
    predicted = pairs_within(labels)
    hits = len(predicted & truth)
    return hits / max(len(predicted), 1), hits / max(len(truth), 1)


def timed(fn, texts: list[str], repeats: int) -> tuple[np.ndarray, float]:
    seconds, labels = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        labels = fn(texts)
        seconds.append(time.perf_counter() - start)
    return labels, statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200_000)
    parser.add_argument("--baseline-docs", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of ours (median); the baseline runs once")
    args = parser.parse_args()
    if not (SST2 / "train.tsv").is_file():
        raise SystemExit(f"needs {SST2 / 'train.tsv'}")

    start = time.perf_counter()
    texts, truth = build_corpus(args.docs)
    sets = ShingleSets(texts)
    true_j = np.array([jaccard(sets[c], sets[o]) for c, o in truth])
    print(
        f"corpus: {len(texts):,} documents, {len(truth):,} injected near duplicates "
        f"(built in {time.perf_counter() - start:.0f}s); exact Jaccard of injected pairs: "
        f"min {true_j.min():.2f}, 5th pct {np.percentile(true_j, 5):.2f}, median {np.median(true_j):.2f}, "
        f"{(true_j >= CONFIG.threshold).mean():.1%} >= threshold {CONFIG.threshold}"
    )
    print(
        f"config: word 1..{CONFIG.shingle_words}-gram shingles, {CONFIG.num_perm} permutations, "
        f"{CONFIG.bands} bands x {CONFIG.rows} rows, estimated Jaccard >= {CONFIG.threshold}"
    )

    truth_pairs = true_pairs(truth)
    labels, seconds = timed(ours, texts, args.repeats)
    precision, recall = score(labels, truth_pairs)
    strong = true_pairs([t for t, j in zip(truth, true_j) if j >= CONFIG.threshold])
    recall_strong = len(pairs_within(labels) & strong) / max(len(strong), 1)
    print(
        f"ours, {len(texts):,} docs: precision {precision:.4f}, recall {recall:.4f} "
        f"(recall on pairs with exact Jaccard >= {CONFIG.threshold}: {recall_strong:.4f}), "
        f"median {seconds:.1f}s over {args.repeats} runs = {len(texts) / seconds:,.0f} docs/s"
    )

    sub = texts[: args.baseline_docs]
    sub_truth = true_pairs([(c, o) for c, o in truth if c < len(sub) and o < len(sub)])
    base_labels, base_seconds = timed(baseline, sub, 1)
    sub_labels, sub_seconds = timed(ours, sub, args.repeats)
    bp, br = score(base_labels, sub_truth)
    op, orr = score(sub_labels, sub_truth)
    base_rate, sub_rate, full_rate = len(sub) / base_seconds, len(sub) / sub_seconds, len(texts) / seconds
    print(
        f"baseline (datasketch MinHash.update per shingle + MinHashLSH), first {len(sub):,} docs: "
        f"precision {bp:.4f}, recall {br:.4f}, {base_seconds:.1f}s = {base_rate:,.0f} docs/s"
    )
    print(
        f"ours on the same {len(sub):,} docs: precision {op:.4f}, recall {orr:.4f}, median {sub_seconds:.1f}s "
        f"= {sub_rate:,.0f} docs/s"
    )
    _, ds_seconds = timed(lambda t: ours(t, lsh="datasketch"), sub, 1)
    print(
        f"ours with datasketch's MinHashLSH for the banding (same signatures and pairs), same {len(sub):,} docs: "
        f"{ds_seconds:.1f}s = {len(sub) / ds_seconds:,.0f} docs/s ({len(sub) / ds_seconds / base_rate:.1f}x baseline)"
    )
    print(
        f"speed-up vs baseline: {sub_rate / base_rate:.1f}x on the same {len(sub):,} docs; "
        f"{full_rate / base_rate:.1f}x for ours on all {len(texts):,} docs vs the baseline's per-doc rate "
        f"(extrapolated from {len(sub):,})"
    )
    ok = precision >= 0.95 and recall >= 0.95 and full_rate / base_rate >= 3
    print(f"targets (P, R >= 0.95; >= 3x): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
