"""split: stratified, seeded train/validation/test that respects ingest's splits; then leakage.

Per source:
- documents ingest marked `test` or `validation` stay there;
- documents marked `train` stay in training, except that validation is carved from them when
  the source gave no validation documents (validation / (train + validation) of each label,
  1/9 with the defaults); they never become test documents;
- documents without a split are divided among train, validation and test by the configured
  fractions, leaving out (and renormalising over) any split the source gave itself.
So SST-2 ingested as one source (`--source sst2`, train.tsv with `--split train`, dev.tsv with
`--split test`) keeps its train set for training (less a validation carve-out) and its dev set
as the test set.

Within each (source, label, pool) group documents are ordered by a seeded hash of their cluster
id, so membership depends only on the seed and the documents, never on input order. Counts are
rounded half up per group (10 docs -> 8/1/1, 5 -> 3/1/1, 4 -> 4/0/0).

Each cluster keeps one document after dedup, so clusters cannot straddle splits. Leakage: a
training document whose estimated Jaccard with a validation or test document reaches
`dedup.leakage_threshold` (looser than the dedup threshold) is removed as `leakage`.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict

from sentiflow.tasks.core.datasets import SPLITS
from sentiflow.tasks.core.neardup import NearDuplicateIndex, leaks_into
from sentiflow.tasks.curate.config import SplitConfig
from sentiflow.tasks.curate.dedup import LEAKAGE
from sentiflow.tasks.curate.step import Doc, Ledger

SPLIT_ALIASES = {
    "train": "train",
    "training": "train",
    "validation": "validation",
    "valid": "validation",
    "val": "validation",
    "dev": "validation",
    "test": "test",
    "testing": "test",
}
STEP = "split"


def canonical_split(value: str | None) -> str | None:
    """train | validation | test for a split name ingest gave, None for none or an unknown one."""
    return SPLIT_ALIASES.get(value.strip().lower()) if value else None


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def _order_key(seed: int, doc: Doc) -> bytes:
    return hashlib.blake2b(f"{seed}\x1f{doc.cluster_id or doc.doc_id}".encode(), digest_size=8).digest()


def pool_shares(config: SplitConfig, pool: str, source_gave: set[str]) -> dict[str, float]:
    """Where a pool's documents may go, renormalised: splits the source gave are not carved again,
    and documents ingest marked `train` never become test documents."""
    shares = {"train": config.train}
    if "validation" not in source_gave:
        shares["validation"] = config.validation
    if "test" not in source_gave and pool == "unassigned":
        shares["test"] = config.test
    total = sum(shares.values())
    return {split: share / total for split, share in shares.items()}


def assign_splits(docs: list[Doc], config: SplitConfig) -> dict[str, list[Doc]]:
    """Each document's split (see module docstring); lists sorted by doc_id."""
    given: dict[str, set[str]] = defaultdict(set)
    for doc in docs:
        if doc.split_given:
            given[doc.source].add(doc.split_given)
    groups: dict[tuple[str, str, str], list[Doc]] = defaultdict(list)
    out: dict[str, list[Doc]] = {s: [] for s in SPLITS}
    for doc in docs:
        if doc.split_given in ("validation", "test"):
            out[doc.split_given].append(doc)
        else:
            groups[(doc.source, doc.label or "", doc.split_given or "unassigned")].append(doc)
    for (source, _, pool), members in sorted(groups.items()):
        members.sort(key=lambda d: _order_key(config.seed, d))
        n, shares = len(members), pool_shares(config, pool, given[source])
        n_test = _round_half_up(n * shares.get("test", 0.0))
        n_val = min(_round_half_up(n * shares.get("validation", 0.0)), n - n_test)
        out["test"].extend(members[:n_test])
        out["validation"].extend(members[n_test : n_test + n_val])
        out["train"].extend(members[n_test + n_val :])
    return {s: sorted(v, key=lambda d: d.doc_id) for s, v in out.items()}


def remove_leakage(
    splits: dict[str, list[Doc]], docs: list[Doc], index: NearDuplicateIndex | None, threshold: float, ledger: Ledger
) -> dict[str, list[Doc]]:
    """Drop training documents that nearly duplicate a validation or test document."""
    stats = ledger.begin(STEP, sum(len(v) for v in splits.values()))
    for name, members in splits.items():
        stats.counters[f"assigned_{name}"] = len(members)
    if index is None or not splits["train"]:
        return splits
    position = {id(d): i for i, d in enumerate(docs)}
    evaluation = [position[id(d)] for s in ("validation", "test") for d in splits[s]]
    twins = leaks_into(index, evaluation, threshold)
    kept: list[Doc] = []
    for doc in splits["train"]:
        twin = twins[position[id(doc)]]
        if twin is None:
            kept.append(doc)
        else:
            ledger.remove(stats, doc, LEAKAGE, docs[twin].doc_id)
    return {**splits, "train": kept}
