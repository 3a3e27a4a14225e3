"""Gather, plot, render, write: the report for a home, at HOME/reports/report.html by default.

`render` (kind, data) -> PNG bytes is injectable: the CLI calls the plot functions directly,
flows pass a cached Prefect task so unchanged plots are not drawn again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sentiflow.tasks.core.atomic import write_text
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.report.gather import gather
from sentiflow.tasks.report.html import SECTIONS, render_html
from sentiflow.tasks.report.plots import PLOTS

REPORT_FILE = "report.html"
Render = Callable[[str, Any], bytes]


def draw(kind: str, section: Any) -> bytes:
    """One plot's PNG."""
    return PLOTS[kind](section)


def default_report_path(home: Home) -> Path:
    return home.reports / REPORT_FILE


def build_report(
    home: Home, out: Path | None = None, render: Render = draw, wait_seconds: float = 30.0
) -> dict[str, Any]:
    """Write the report; returns a summary (path, size, which plots it holds, what is missing)."""
    data = gather(home, wait_seconds=wait_seconds)
    pngs = {key: render(key, data[key]) for key, _, _ in SECTIONS if data.get(key)}
    page = render_html(data, pngs)
    path = Path(out) if out else default_report_path(home)
    write_text(page, path)
    return {
        "report": str(path),
        "bytes": len(page.encode("utf-8")),
        "plots": sorted(pngs),
        "missing": data["missing"],
        "latest_run": (data.get("latest_run") or {}).get("run_id"),
        "production_model": (data.get("production") or {}).get("model_id"),
    }
