import duckdb
import pytest

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.models.record import ModelRecord, read_meta
from sentiflow.tasks.warehouse import registry


def add(home, model_id, **kw):
    (home.model(model_id)).mkdir(parents=True)
    (home.model(model_id) / "weights.bin").write_bytes(b"x" * 100)
    rec = ModelRecord(
        model_id=model_id,
        base_model="base",
        kind="finetuned",
        format="torch",
        labels=["negative", "positive"],
        path=f"models/{model_id}",
        **kw,
    )
    return registry.register(home, rec)


def test_register_writes_meta_and_row(home):
    rec = add(home, "m1", metrics={"test": {"macro_f1": 0.8}})
    assert rec.size_bytes == 100
    assert read_meta(home.model("m1")).metrics == {"test": {"macro_f1": 0.8}}
    [listed] = registry.list_models(home)
    assert (listed.model_id, listed.stage, listed.labels) == ("m1", "candidate", ["negative", "positive"])


def test_promote_archives_the_previous_production_model(home):
    add(home, "m1")
    add(home, "m2", parent_id="m1")
    registry.promote(home, "m1")
    registry.promote(home, "m2")
    stages = {m.model_id: m.stage for m in registry.list_models(home)}
    assert stages == {"m1": "archived", "m2": "production"}
    assert registry.get_model(home, "production").model_id == "m2"


def test_reregistering_keeps_the_stage(home):
    add(home, "m1")
    registry.promote(home, "m1")
    registry.register(home, read_meta(home.model("m1")))
    assert registry.production_model(home).model_id == "m1"


def test_unknown_and_missing_production_are_user_errors(home):
    assert registry.list_models(home) == []
    add(home, "m1")
    with pytest.raises(UserError, match="no production model"):
        registry.get_model(home, "production")
    with pytest.raises(UserError, match="'nope' not found .*m1"):
        registry.get_model(home, "nope")


def test_stage_is_checked_by_the_database(home):
    add(home, "m1")
    with duckdb.connect(str(home.warehouse)) as con, pytest.raises(duckdb.ConstraintException):
        con.execute("update models set stage = 'gold'")
