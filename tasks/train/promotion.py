"""Champion/challenger: a new model replaces production only if it beats it on the same test split.

"Same test split" is the candidate's: when production was evaluated on the same dataset
version, its stored test macro-F1 is used; otherwise production is scored on the candidate's
test split here, so the two numbers always compare like with like.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sentiflow.tasks.core.home import Home
from sentiflow.tasks.models.record import ModelRecord
from sentiflow.tasks.warehouse.registry import get_model, production_model, promote


@dataclass
class PromotionDecision:
    promote: bool
    reason: str
    candidate_macro_f1: float | None = None
    production_id: str | None = None
    production_macro_f1: float | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def stored_test_macro_f1(record: ModelRecord) -> float | None:
    test = record.metrics.get("test") if isinstance(record.metrics, dict) else None
    return float(test["macro_f1"]) if isinstance(test, dict) and "macro_f1" in test else None


def decide(candidate: ModelRecord, production: ModelRecord | None, production_f1: float | None) -> PromotionDecision:
    """The rule alone: `production_f1` is production's test macro-F1 on the candidate's split."""
    cand_f1 = stored_test_macro_f1(candidate)
    if cand_f1 is None:
        return PromotionDecision(False, f"{candidate.model_id} has no test macro-F1 to compare")
    if production is None:
        return PromotionDecision(True, "no production model yet: the first model becomes production", cand_f1)
    base = PromotionDecision(False, "", cand_f1, production.model_id, production_f1)
    if production.model_id == candidate.model_id:
        base.reason = f"{candidate.model_id} is already the production model"
    elif list(production.labels) != list(candidate.labels):
        base.reason = (
            f"not comparable: production {production.model_id} predicts {list(production.labels)}, "
            f"the candidate {list(candidate.labels)}; promote by hand if intended"
        )
    elif production_f1 is None:
        base.reason = f"production {production.model_id} could not be scored on the candidate's test split"
    elif cand_f1 > production_f1:
        base.promote = True
        base.reason = (
            f"test macro-F1 {cand_f1:.4f} beats production {production.model_id} "
            f"({production_f1:.4f}) on dataset {candidate.dataset_version}'s test split"
        )
    else:
        base.reason = (
            f"test macro-F1 {cand_f1:.4f} does not beat production {production.model_id} "
            f"({production_f1:.4f}) on dataset {candidate.dataset_version}'s test split; kept as candidate"
        )
    return base


def production_score(home: Home, production: ModelRecord, candidate: ModelRecord) -> float | None:
    """Production's test macro-F1 on the candidate's test split (stored, or measured now)."""
    if production.dataset_version == candidate.dataset_version:
        stored = stored_test_macro_f1(production)
        if stored is not None:
            return stored
    if list(production.labels) != list(candidate.labels) or candidate.dataset_version is None:
        return None
    from sentiflow.tasks.core.datasets import load_split
    from sentiflow.tasks.models.loading import load_classifier
    from sentiflow.tasks.models.metrics import evaluate_classifier

    model_dir = home.root / production.path
    if not model_dir.is_dir():
        return None
    test = load_split(home, candidate.dataset_version, "test")
    clf = load_classifier(model_dir)
    # raw text: the model applies its own recorded preprocessing, as when it scores the lake
    texts = test["text_original"].astype(str).tolist()
    return float(evaluate_classifier(clf, texts, test["label"].tolist())["macro_f1"])


def promote_if_better(home: Home, model_id: str) -> PromotionDecision:
    """Promote `model_id` when it beats production on its test split; say why either way."""
    candidate = get_model(home, model_id)
    production = production_model(home)
    score = None
    if production is not None and production.model_id != candidate.model_id:
        score = production_score(home, production, candidate)
    decision = decide(candidate, production, score)
    if decision.promote:
        promote(home, model_id)
    return decision
