"""MinHash signatures, duplicate clusters, majority vote, splits and leakage on tiny corpora."""

from __future__ import annotations

import random

import numpy as np
from datasketch import MinHash

from sentiflow.tasks.core.lsh import candidate_pairs
from sentiflow.tasks.core.minhash import MinHasher, dedup_tokens
from sentiflow.tasks.curate.config import DedupConfig, SplitConfig
from sentiflow.tasks.curate.dedup import NearDuplicateIndex, deduplicate
from sentiflow.tasks.curate.split import assign_splits, remove_leakage
from sentiflow.tasks.curate.step import Doc, Ledger
from sentiflow.tasks.curate.text import TextNormalizer
from tests.curate.corpus import NEGATIVE, POSITIVE, doc

UNRELATED = "the orchestra played a long symphony in the old concert hall last night"


def _dedup(docs: list[Doc], exact: bool = True, near: bool = True) -> tuple[list[Doc], Ledger, NearDuplicateIndex]:
    for d in docs:
        d.text = TextNormalizer().normalize(d.text)
    ledger = Ledger()
    index = NearDuplicateIndex.build([d.text for d in docs], DedupConfig())
    return deduplicate(docs, exact, near, DedupConfig(), index, ledger), ledger, index


def test_vectorised_signatures_equal_datasketch_token_by_token():
    texts = ["RT @a: Great game tonight! http://t.co/x", "good", "", "one two three four five six"]
    hasher = MinHasher(num_perm=64, seed=3, shingle_words=2)
    hashes, counts = hasher.shingle_hashes(texts)
    signatures, usable = hasher.signatures(texts)
    assert counts.tolist() == [5, 1, 0, 11]  # words + word pairs and usable.tolist() == [True, True, False, True]
    offsets = np.concatenate([[0], np.cumsum(counts)])
    for i in np.flatnonzero(usable):
        reference = MinHash(num_perm=64, seed=3, hashfunc=lambda v: v)
        for value in hashes[offsets[i] : offsets[i + 1]]:
            reference.update(int(value))
        assert (reference.hashvalues == signatures[i]).all()


def test_numpy_banding_finds_the_same_candidates_as_datasketch_minhashlsh():
    rng = random.Random(1)
    words = "good bad film plot acting story fun dull great awful long short".split()
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(2, 6))) for _ in range(300)]
    signatures, usable = MinHasher().signatures(texts)
    numpy_pairs = candidate_pairs(signatures, usable, bands=32, rows=4, backend="numpy")
    datasketch_pairs = candidate_pairs(signatures, usable, bands=32, rows=4, backend="datasketch")
    assert len(numpy_pairs) > 100
    assert numpy_pairs.tolist() == datasketch_pairs.tolist()


def test_dedup_tokens_ignore_retweet_markers_urls_mentions_case_and_punctuation():
    assert dedup_tokens("RT @bob: Great GAME, tonight!!! https://t.co/xyz <url>") == ["great", "game", "tonight"]


def test_retweet_and_url_variant_collapse_into_one_cluster():
    docs = [
        doc("Great game tonight, the defence was amazing! http://t.co/abc"),
        doc("RT @fan: Great game tonight, the defence was amazing! https://t.co/zzz"),
        doc("great game tonight the defence was amazing"),
        doc(UNRELATED),
    ]
    kept, ledger, _ = _dedup(docs)
    assert len(kept) == 2
    assert ledger.removed_by_reason() == {"near_duplicate": 2}
    cluster = [d for d in docs if d.cluster_size == 3]
    assert len(cluster) == 3 and len({d.cluster_id for d in cluster}) == 1


def test_exact_duplicates_are_removed_as_exact():
    docs = [doc(POSITIVE[0], doc_id="a"), doc(POSITIVE[0], doc_id="b"), doc(NEGATIVE[0], doc_id="c")]
    kept, ledger, _ = _dedup(docs)
    assert [d.doc_id for d in kept] == ["a", "c"]
    assert [(r.doc.doc_id, r.reason, r.step, r.duplicate_of) for r in ledger.removals] == [
        ("b", "exact_duplicate", "exact_dedup", "a")
    ]


def test_label_conflict_majority_wins_and_a_tie_is_removed():
    text = "the service on this airline was not what i expected at all"
    majority = [
        doc(text, "negative", doc_id="a"),
        doc(text + "!", "positive", doc_id="b"),
        doc(text + " ...", "positive", doc_id="c"),
    ]
    kept, ledger, _ = _dedup(majority)
    assert len(kept) == 1 and kept[0].label == "positive" and kept[0].doc_id == "b"
    assert ledger.removed_by_reason() == {"near_duplicate": 2}

    tie = [doc(text, "negative", doc_id="a"), doc(text + "!", "positive", doc_id="b"), doc(UNRELATED, doc_id="c")]
    kept, ledger, _ = _dedup(tie)
    assert [d.doc_id for d in kept] == ["c"]
    assert ledger.removed_by_reason() == {"label_conflict": 2}


def test_cross_split_duplicate_keeps_the_test_copy_and_removes_the_train_copy_as_leakage():
    docs = [doc(POSITIVE[1], split="train", doc_id="a"), doc(POSITIVE[1] + " !", split="test", doc_id="b")]
    kept, ledger, _ = _dedup(docs)
    assert [d.doc_id for d in kept] == ["b"]
    assert [(r.doc.doc_id, r.reason) for r in ledger.removals] == [("a", "leakage")]


def test_train_doc_close_to_a_test_doc_is_removed_as_leakage_after_the_split():
    test_text = "the quick brown fox jumps over the lazy dog and then runs home along the river bank"
    train_text = "the quick brown fox leaps over the lazy dog and then runs home along the muddy bank"
    docs = [
        doc(test_text, split="test", doc_id="t"),
        doc(train_text, split="train", doc_id="r"),
        doc(UNRELATED, split="train", doc_id="u"),
    ]
    kept, ledger, index = _dedup(docs)
    jaccard = estimated_jaccard_of(index, 0, 1)
    assert DedupConfig().leakage_threshold <= jaccard < DedupConfig().threshold  # not a duplicate, but close
    assert len(kept) == 3  # dedup keeps all three
    splits = remove_leakage(assign_splits(kept, SplitConfig()), docs, index, DedupConfig().leakage_threshold, ledger)
    assert [d.doc_id for d in splits["train"]] == ["u"] and [d.doc_id for d in splits["test"]] == ["t"]
    assert [(r.doc.doc_id, r.reason, r.step, r.duplicate_of) for r in ledger.removals] == [
        ("r", "leakage", "split", "t")
    ]


def estimated_jaccard_of(index: NearDuplicateIndex, doc_a: int, doc_b: int) -> float:
    ka, kb = sorted((int(index.key_of_doc[doc_a]), int(index.key_of_doc[doc_b])))
    found = np.flatnonzero((index.pairs[:, 0] == ka) & (index.pairs[:, 1] == kb))
    return float(index.jaccard[found[0]]) if len(found) else 0.0


def _many(n: int, label: str, **kw) -> list[Doc]:
    return [doc(f"{label} review number {i}", label, doc_id=f"{label[:3]}-{i:03d}", **kw) for i in range(n)]


def test_split_is_stratified_and_seeded():
    docs = _many(20, "positive") + _many(10, "negative")
    splits = assign_splits(docs, SplitConfig())
    counts = {s: {lb: sum(d.label == lb for d in v) for lb in ("positive", "negative")} for s, v in splits.items()}
    assert counts == {
        "train": {"positive": 16, "negative": 8},
        "validation": {"positive": 2, "negative": 1},
        "test": {"positive": 2, "negative": 1},
    }
    shuffled = list(docs)
    random.Random(7).shuffle(shuffled)
    again = assign_splits(shuffled, SplitConfig())
    assert {s: [d.doc_id for d in v] for s, v in again.items()} == {s: [d.doc_id for d in v] for s, v in splits.items()}
    other_seed = assign_splits(docs, SplitConfig(seed=99))
    assert [d.doc_id for d in other_seed["test"]] != [d.doc_id for d in splits["test"]]


def test_given_splits_are_respected_and_validation_is_carved_from_train():
    # SST-2: train stays train (validation carved from it), dev ingested as --split test stays test
    docs = _many(18, "positive", split="train") + _many(4, "negative", split="test")
    splits = assign_splits(docs, SplitConfig())
    assert {d.doc_id for d in splits["test"]} == {d.doc_id for d in docs if d.split_given == "test"}
    assert len(splits["validation"]) == 2 and len(splits["train"]) == 16  # 18 x 0.1 / 0.9 = 2
    assert all(d.split_given == "train" for d in splits["validation"])

    with_validation = docs + _many(3, "negative", split="validation")
    splits = assign_splits(with_validation, SplitConfig())
    assert len(splits["train"]) == 18 and len(splits["validation"]) == 3  # nothing carved


def test_a_source_that_gave_a_test_set_sends_no_unassigned_rows_to_test():
    docs = _many(9, "positive") + _many(2, "negative", split="test")
    splits = assign_splits(docs, SplitConfig())
    assert sorted(d.doc_id for d in splits["test"]) == ["neg-000", "neg-001"]
    assert (len(splits["train"]), len(splits["validation"])) == (8, 1)  # 9 x 0.1 / 0.9 = 1
