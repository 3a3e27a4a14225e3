"""The report's drift panel: each monitoring measure over the scored batches, against its threshold.

Reads the warehouse's drift_metrics table (written by the monitor stage) through the report's
read-only connection; the report stage does not import the monitor stage (stages are
independent), so the table is the contract between them.
"""

from __future__ import annotations

from typing import Any

import duckdb
from matplotlib.figure import Figure

MAX_BATCHES = 60  # the newest batches per source: a panel of years would be unreadable
DRIFT_COLOUR = "#c0392b"


def drift_history(con: duckdb.DuckDBPyConnection, tables: set[str]) -> list[dict[str, Any]] | None:
    """The production model's measured (not insufficient) rows of each source's newest
    batches, oldest first; None when there are none."""
    if not {"drift_metrics", "models"} <= tables:
        return None
    rows = con.execute(
        """
        with production as (select model_id from models where stage = 'production'),
        ranked as (
            select d.*, dense_rank() over (partition by d.source order by d.computed_at desc, d.run_id) as newest
            from drift_metrics d
            where d.model_id in (select model_id from production) and not d.insufficient
        )
        select source, metric, computed_at, value, threshold, drifted, lower, upper
        from ranked where newest <= ? order by computed_at, run_id
        """,
        [MAX_BATCHES],
    ).fetchall()
    names = ("source", "metric", "computed_at", "value", "threshold", "drifted", "lower", "upper")
    return [dict(zip(names, r)) for r in rows] or None


def drift_over_runs(history: list[dict[str, Any]]) -> bytes:
    """One small plot per measure: its value per batch (a line per source), its threshold
    dashed, drifted batches marked; estimated accuracy with its expected error band."""
    from sentiflow.tasks.report.plots import _png

    metrics = list(dict.fromkeys(r["metric"] for r in history))
    columns = 4
    rows_of_plots = (len(metrics) + columns - 1) // columns
    fig = Figure(figsize=(12, 2.6 * rows_of_plots))
    axes = fig.subplots(rows_of_plots, columns, squeeze=False).ravel()
    for ax, metric in zip(axes, metrics):
        for source in sorted({r["source"] for r in history if r["metric"] == metric}):
            points = [r for r in history if r["metric"] == metric and r["source"] == source]
            x = [p["computed_at"] for p in points]
            (line,) = ax.plot(x, [p["value"] for p in points], marker="o", markersize=3, linewidth=1.2, label=source)
            if any(p["threshold"] is not None for p in points):
                ax.plot(x, [p["threshold"] for p in points], linestyle="--", linewidth=0.9, color=line.get_color())
            if any(p["lower"] is not None for p in points):
                ax.fill_between(
                    x, [p["lower"] for p in points], [p["upper"] for p in points], alpha=0.2, color=line.get_color()
                )
            drifted = [p for p in points if p["drifted"]]
            ax.scatter(
                [p["computed_at"] for p in drifted],
                [p["value"] for p in drifted],
                marker="x",
                color=DRIFT_COLOUR,
                zorder=3,
            )
        ax.set_title(metric.replace("_", " "), fontsize=9)
        ax.tick_params(labelsize=7)
        for label in ax.get_xticklabels():
            label.set_rotation(30)
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    axes[0].legend(frameon=False, fontsize=7)
    fig.suptitle("Drift per scored batch: value (solid), threshold (dashed), drifted (x)", fontsize=10)
    fig.tight_layout()
    return _png(fig)
