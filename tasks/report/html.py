"""The report page: one self-contained HTML file (inline CSS, plots as base64 PNG data URIs).

It opens offline, can be mailed or attached to a ticket, and needs no server. Every value
from data is escaped. Pure: takes gathered data and rendered PNGs, returns a string.
"""

from __future__ import annotations

import base64
import html
from typing import Any

SECTIONS = (  # (plot key, title, caption)
    (
        "funnel",
        "Curation funnel",
        "Every input row of the newest dataset version is kept (in a split) or removed, with its reason.",
    ),
    ("balance", "Class balance per split", "Documents per label in train, validation and test."),
    ("confusion", "Confusion matrix", "The production model on the test split: gold rows, predicted columns."),
    (
        "reliability",
        "Reliability before and after calibration",
        "Accuracy against confidence on the test split; temperature scaling fitted on validation.",
    ),
    (
        "sentiment",
        "Sentiment over time by source",
        "Mean polarity (P(positive) - P(negative)) per day, from the production model's predictions.",
    ),
    (
        "models",
        "Model size against accuracy",
        "The production model's fine-tuned parent and every compressed candidate made from it.",
    ),
    (
        "search",
        "Training-strategy search",
        "The newest `sentiflow tune` study: each trial's validation macro-F1 (pruned trials: their last "
        "intermediate score), the best so far, and which parameters mattered (fANOVA).",
    ),
    (
        "drift",
        "Drift over scored batches",
        "Each monitoring measure per scored batch of the production model against its threshold (drift_metrics).",
    ),
)

OPTIONAL_SECTIONS = {"search"}  # shown only when there is something to show

_CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #222; line-height: 1.4; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; margin-top: 2rem; }
.meta { color: #666; font-size: 0.9rem; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
.missing { color: #8a6d3b; background: #fcf8e3; padding: 0.5rem 0.8rem; border-radius: 4px; }
.caption { color: #555; font-size: 0.9rem; }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{_e(_fmt(v))}</td>'
            if isinstance(v, int | float) and not isinstance(v, bool)
            else f"<td>{_e(v)}</td>"
            for v in row
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(value: float | int) -> str:
    """Integers with thousands separators; floats (metrics, 0 to 1) to 4 places."""
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.4f}" if abs(value) < 10 else f"{value:,.1f}"


def plain(value: Any, nested: bool = False) -> str:
    """A count for people: {'a': 1, 'b': {'x': 2}} as 'a: 1; b: x 2', numbers grouped."""
    if isinstance(value, dict):
        shown = [(k, plain(v, True)) for k, v in value.items() if v not in (None, [], {})]
        return ", ".join(f"{k} {v}" for k, v in shown) if nested else "; ".join(f"{k}: {v}" for k, v in shown)
    if isinstance(value, list):
        return ", ".join(plain(v, True) for v in value)
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _run_section(run: dict[str, Any] | None) -> str:
    if run is None:
        return '<p class="missing">No run recorded in the warehouse yet.</p>'
    rows = [
        ["run", run["run_id"]],
        ["flow", run["flow"]],
        ["status", run["status"]],
        ["started", run["started_at"]],
        ["seconds", "-" if run["seconds"] is None else f"{run['seconds']:,.1f}"],
    ]
    rows += [[key, plain(value)] for key, value in run["counts"].items()]
    return _table(["", "value"], rows)


def _model_section(production: dict[str, Any] | None, parent: dict[str, Any] | None) -> str:
    if production is None:
        return '<p class="missing">No production model yet.</p>'
    models = [m for m in (production, parent) if m]
    header = ["", *(f"{m['model_id']} ({m['stage']})" for m in models)]
    rows = [
        ["kind / format", *(f"{m['kind']} / {m['format']}" for m in models)],
        ["size on disk (MB)", *(f"{(m['size_bytes'] or 0) / 1e6:,.1f}" for m in models)],
        ["temperature", *(float(m["temperature"]) for m in models)],
    ]
    for split in ("validation", "test"):
        for metric in ("n", "accuracy", "macro_f1", "ece"):  # n: documents measured on
            values = [(m["metrics"].get(split) or {}).get(metric) for m in models]
            if any(v is not None for v in values):
                cast = int if metric == "n" else float
                rows.append([f"{split} {metric}", *("-" if v is None else cast(v) for v in values)])
    return _table(header, rows)


def render_html(data: dict[str, Any], pngs: dict[str, bytes]) -> str:
    """The whole page from gathered data and the PNG of each available plot."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>sentiflow report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>sentiflow report</h1>",
        f"<p class='meta'>generated {_e(data['generated_at'])} from home <code>{_e(data['home'])}</code>; "
        f"warehouse <code>{_e(data['warehouse'])}</code></p>",
        "<h2>Latest run</h2>",
        _run_section(data.get("latest_run")),
        "<h2>Production model and its parent</h2>",
        _model_section(data.get("production"), data.get("parent")),
    ]
    for key, title, caption in SECTIONS:
        if key in OPTIONAL_SECTIONS and key not in pngs:
            continue  # a home that never ran it lacks nothing
        parts.append(f"<h2 id='{key}'>{_e(title)}</h2>")
        if key in pngs:
            encoded = base64.b64encode(pngs[key]).decode("ascii")
            parts.append(f"<p class='caption'>{_e(caption)}</p>")
            parts.append(f"<img alt='{_e(title)}' src='data:image/png;base64,{encoded}'>")
        else:
            reason = data["missing"].get(key, "no data for this plot yet")
            parts.append(f"<p class='missing'>Not available: {_e(reason)}.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
