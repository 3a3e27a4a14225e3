"""Champion/challenger promotion: only a better test macro-F1 on the same split replaces production."""

from __future__ import annotations

import pytest

from sentiflow.tasks.models.record import ModelRecord
from sentiflow.tasks.train.promotion import decide, promote_if_better
from sentiflow.tasks.warehouse.registry import get_model, production_model, register


def _record(model_id: str, f1: float | None, dataset: str = "v1", labels=("negative", "positive")) -> ModelRecord:
    metrics = {} if f1 is None else {"test": {"macro_f1": f1, "accuracy": f1}}
    return ModelRecord(
        model_id,
        "base",
        "finetuned",
        "torch",
        list(labels),
        f"models/{model_id}",
        dataset_version=dataset,
        metrics=metrics,
    )


def _registered(home, model_id: str, f1: float | None, **kw) -> ModelRecord:
    record = _record(model_id, f1, **kw)
    (home.root / record.path).mkdir(parents=True, exist_ok=True)
    (home.root / record.path / "weights").write_bytes(b"x" * 10)
    return register(home, record)


def test_first_model_becomes_production():
    d = decide(_record("a", 0.7), None, None)
    assert d.promote and "first model" in d.reason


@pytest.mark.parametrize(
    "candidate, production, promote, reason",
    [
        (0.81, 0.80, True, "beats production"),
        (0.80, 0.80, False, "does not beat production"),  # a tie keeps the champion
        (0.70, 0.80, False, "does not beat production"),
    ],
)
def test_rule(candidate, production, promote, reason):
    d = decide(_record("new", candidate), _record("old", production), production)
    assert d.promote is promote and reason in d.reason
    assert d.candidate_macro_f1 == candidate and d.production_macro_f1 == production and d.production_id == "old"


def test_not_comparable_cases():
    assert "already the production model" in decide(_record("a", 0.9), _record("a", 0.9), 0.9).reason
    three = _record("old", 0.5, labels=("negative", "neutral", "positive"))
    d = decide(_record("new", 0.9), three, None)
    assert not d.promote and "not comparable" in d.reason
    assert "no test macro-F1" in decide(_record("new", None), _record("old", 0.5), 0.5).reason


def test_promote_if_better_against_the_registry(home):
    _registered(home, "m1", 0.70)
    first = promote_if_better(home, "m1")
    assert first.promote and production_model(home).model_id == "m1"

    _registered(home, "m2", 0.65)
    worse = promote_if_better(home, "m2")
    assert not worse.promote and "0.6500 does not beat production m1 (0.7000)" in worse.reason
    assert production_model(home).model_id == "m1" and get_model(home, "m2").stage == "candidate"

    _registered(home, "m3", 0.75)
    better = promote_if_better(home, "m3")
    assert better.promote and production_model(home).model_id == "m3"
    assert get_model(home, "m1").stage == "archived"


def test_production_on_another_dataset_is_scored_on_the_candidates_test_split(trained, tmp_path):
    """Production (the trained tiny model, dataset v1) is evaluated on v2's test split."""
    import shutil

    from sentiflow.tasks.core.home import Home
    from sentiflow.tasks.warehouse.registry import promote
    from tests.train.helpers import toy_rows, write_dataset

    home = Home.at(tmp_path / "home")
    shutil.copytree(trained.home.root, home.root)
    promote(home, trained.plan.model_id)  # production: test macro-F1 1.0 on v1
    write_dataset(home, "v2", test=toy_rows().iloc[::2])
    _registered(home, "challenger", 0.9, dataset="v2")
    d = promote_if_better(home, "challenger")
    assert d.production_macro_f1 == pytest.approx(1.0)  # measured on v2's test split just now
    assert not d.promote and "on dataset v2's test split" in d.reason
