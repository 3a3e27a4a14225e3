"""The train flow under a Prefect test harness: trains, promotes the first model, publishes the
`model-metrics` artifact; a second identical run reuses the model."""

from __future__ import annotations

TOY_ARGS = dict(profile="quick", epochs=15, batch_size=16, lr=0.01, max_seq_len=32, device="cpu")


def _latest_metrics_artifact():
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["model-metrics"])))
    return max(found, key=lambda a: a.created)


def test_train_flow_trains_promotes_and_reuses(prefect_harness, home, tiny_bert):
    import json

    from sentiflow.flows.train import train_flow
    from sentiflow.tasks.warehouse.registry import production_model
    from tests.train.helpers import write_dataset

    write_dataset(home)
    first = train_flow(home=str(home.root), base_model=str(tiny_bert), promote_if_better=True, **TOY_ARGS)
    json.dumps(first)  # the summary is JSON-serialisable
    assert not first["reused"] and first["dataset_version"] == "v1"
    assert first["metrics"]["test"]["accuracy"] == 1.0
    assert first["promoted"] and "first model" in first["promotion_reason"]
    assert first["training"]["stop_reason"] == "completed" and first["training"]["steps"] == 30
    assert production_model(home).model_id == first["model_id"]

    artifact = _latest_metrics_artifact()
    rows = artifact.data if isinstance(artifact.data, list) else json.loads(artifact.data)
    overall = {r["split"]: r for r in rows if r["class"] == "(all)"}
    assert overall["test"]["accuracy"] == 1.0 and overall["test"]["model_id"] == first["model_id"]
    assert {r["class"] for r in rows} == {"(all)", "negative", "positive"}

    second = train_flow(home=str(home.root), base_model=str(tiny_bert), promote_if_better=True, **TOY_ARGS)
    assert second["reused"] and second["model_id"] == first["model_id"]
    assert second["metrics"] == first["metrics"]
    assert not second["promoted"] and "already the production model" in second["promotion_reason"]
