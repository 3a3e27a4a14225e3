"""Prefect tasks for the report: gather (I/O), draw each plot (cached), write the page (I/O).

Plots are cached on their inputs and this module's code (INPUTS + TASK_SOURCE): a nightly run
that adds no documents to a day's sentiment, or a rerun on the same dataset, reuses the PNGs
already drawn instead of rendering them again (about 0.3-0.5 s each on this machine). Cache
keys live in HOME/prefect/cache, so two homes never share an entry; the PNGs themselves are
Prefect results, in PREFECT_LOCAL_STORAGE_PATH (HOME/prefect/storage when sentiflow sets it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import INPUTS, NONE, TASK_SOURCE

from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.retry import IO_RETRIES
from sentiflow.tasks.report.build import build_report
from sentiflow.tasks.report.plots import PLOTS
from sentiflow.tasks.report.summary import ReportSummary


@task(name="draw-plot", persist_result=True, task_run_name="draw-{kind}")
def draw_plot_task(kind: str, section: Any) -> bytes:
    """One plot's PNG from its section of the gathered data."""
    return PLOTS[kind](section)


def cached_drawer(home: Home):
    """draw(kind, section) backed by the cached task, with its cache keys inside `home`."""
    drawer = draw_plot_task.with_options(
        cache_policy=(INPUTS + TASK_SOURCE).configure(key_storage=str(home.root / "prefect" / "cache"))
    )
    return lambda kind, section: drawer(kind, section)


@task(name="write-report", cache_policy=NONE, **IO_RETRIES)
def write_report_task(home: str, out: str | None = None) -> ReportSummary:
    """Gather from the home, draw (cached), write HOME/reports/report.html; a markdown artifact."""
    root = Home.at(home)
    summary = ReportSummary.from_json(build_report(root, Path(out) if out else None, render=cached_drawer(root)))
    missing = "".join(f"\n- {key}: {why}" for key, why in summary.missing.items()) or " none"
    create_markdown_artifact(
        key="sentiflow-report",
        markdown=f"Report written to `{summary.report}` ({summary.bytes:,} bytes): "
        f"plots {', '.join(summary.plots) or 'none'}.\n\nNot available:{missing}",
        description="Where the latest HTML report is and what it holds",
    )
    return summary
