"""The retrain flow (manual trigger): curate, train, compress, evaluate, promote if better."""

from __future__ import annotations

from typing import Any, Literal

from prefect import flow

from sentiflow.flows.envelope import Envelope
from sentiflow.flows.monitor import store_reference_on_promotion
from sentiflow.flows.run_summary import production_and_parent, stage_counts
from sentiflow.flows.stages import retrain_stages
from sentiflow.tasks.core.home import Home


@flow(name="retrain", flow_run_name="retrain-{profile}")
def retrain_flow(
    home: str,
    profile: Literal["quick", "full"] = "quick",
    sources: list[str] | None = None,
    base_model: str | None = None,
    max_accuracy_drop: float = 1.0,
    config: str | None = None,
) -> dict[str, Any]:
    """Curate the lake (all sources, or `sources`), fine-tune, compress, and promote the model
    that would serve if it beats production's test macro-F1 on the same test split. `config`
    names a saved training config (e.g. the best of a `tune` study): its data recipe and
    hyperparameters replace the profile's."""
    parameters = {
        "profile": profile,
        "sources": sources,
        "base_model": base_model,
        "max_accuracy_drop": max_accuracy_drop,
        "config": config,
    }
    envelope = Envelope("retrain", parameters)
    production_id = retrain_stages(envelope.stages, home, profile, sources, base_model, max_accuracy_drop, config)
    store_reference_on_promotion(envelope.stages, home)  # the new production model's drift reference
    counts = stage_counts(envelope.stages)
    fields = {
        "seconds": envelope.seconds(),
        "stages": counts,
        "models": production_and_parent(Home.at(home), production_id),
    }
    return envelope.close(home, fields, counts)
