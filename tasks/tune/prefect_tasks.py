"""Prefect tasks around the pure search modules: plan, prepare, search, and a summary artifact.

Each trial's line and the best trial's test score go to the Prefect run logger; every training
event goes to this process's listeners too (tasks/core/progress.py), as in the train stage.
"""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE

from sentiflow.tasks.core import progress
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.tune import search
from sentiflow.tasks.tune.recipe import FeatureFn
from sentiflow.tasks.tune.search import SearchPlan
from sentiflow.tasks.tune.summary import TuneSummary
from sentiflow.tasks.tune.trial import SearchData


@task(name="plan-search", cache_policy=NONE)
def plan_search_task(
    home: str,
    dataset: str,
    study: str | None,
    max_minutes: float,
    trials: int | None,
    resume: bool,
    space: str | None,
    sampler: str | None,
    pruner: str | None,
    base_model: str,
    device: str,
) -> SearchPlan:
    """Check every input; resolve the dataset version (a resumed study keeps its own)."""
    plan = search.plan_search(
        Home.at(home), dataset, study, max_minutes, trials, resume, space, sampler, pruner, base_model, device
    )
    get_run_logger().info(f"study {plan.study} on dataset {plan.dataset_version}, budget {plan.max_minutes:g} min")
    return plan


@task(name="prepare-search-data", cache_policy=NONE)
def prepare_task(plan: SearchPlan, features: FeatureFn) -> SearchData:
    """Splits, the training pool and its recipe features, the tokenizer."""
    data = search.prepare_data(plan, features)
    recovered = int(data.pool["recovered"].sum())
    get_run_logger().info(
        f"training pool {len(data.pool):,} rows ({recovered:,} that default curation removed), "
        f"validation {len(data.validation):,} rows (fixed for every trial)"
    )
    return data


@task(name="search", cache_policy=NONE)
def search_task(plan: SearchPlan, data: SearchData) -> TuneSummary:
    """The trials, the best config saved, its test score."""
    logger = get_run_logger()
    return search.run_search(plan, data, log=logger.info, on_event=progress.publish)


@task(name="search-artifact", cache_policy=NONE)
def artifact_task(summary: TuneSummary) -> None:
    """A markdown artifact `tune-summary`: the best trial and the counts."""
    lines = [
        f"# Study `{summary.study}` on `{summary.dataset_version}`",
        f"sampler {summary.sampler}, pruner {summary.pruner}; trials {summary.trials}",
        f"best validation macro-F1 {summary.best_value} (trial {summary.best_trial}), config `{summary.best_config}`",
        f"test: {summary.test}",
        "",
        "| parameter | value |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in sorted(summary.best_params.items())),
    ]
    create_markdown_artifact("\n".join(lines), key="tune-summary", description=f"sentiflow tune {summary.study}")
