"""The report flow: HOME/reports/report.html from whatever the home holds now."""

from __future__ import annotations

from typing import Any

from prefect import flow

from sentiflow.tasks.report.prefect_tasks import write_report_task


@flow(name="report", flow_run_name="report")
def report_flow(home: str, out: str | None = None) -> dict[str, Any]:
    """Write the self-contained HTML report (plots cached on their data) and say what it holds
    (a ReportSummary's JSON form)."""
    return write_report_task(home, out).to_json()
