"""What writing the report produced (`ReportSummary`): where the page is and what it holds."""

from __future__ import annotations

from dataclasses import dataclass

from sentiflow.tasks.core.summary import Summary


@dataclass(frozen=True)
class ReportSummary(Summary):
    """build_report's answer, typed: what `sentiflow report` prints and the report flow returns."""

    report: str  # the HTML file
    bytes: int
    plots: list[str]  # the plots drawn
    missing: dict[str, str]  # plot -> why its data is not there yet
    latest_run: str | None
    production_model: str | None
