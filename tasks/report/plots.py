"""The report's plots: each takes plain data (from gather.py) and returns PNG bytes.

Figures are built with `matplotlib.figure.Figure`, not pyplot: no global state and no GUI
backend, so plots render in threads, Dask workers and headless servers alike (PNG output
uses Agg). Pure: no file or warehouse access.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from matplotlib.figure import Figure

from sentiflow.tasks.report.drift_panel import drift_over_runs
from sentiflow.tasks.report.search_panel import search_plot

LABEL_COLOURS = {"negative": "#c0392b", "neutral": "#7f8c8d", "positive": "#27ae60"}
SPLIT_COLOURS = {"train": "#2c7fb8", "validation": "#7fcdbb", "test": "#edf8b1"}
REMOVED_COLOUR = "#e6550d"
DPI = 100


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    return buf.getvalue()


def curation_funnel(funnel: dict[str, Any]) -> bytes:
    """Horizontal bars: rows in, kept per split, removed per reason (largest first)."""
    removed = sorted(funnel["removed"].items(), key=lambda kv: -kv[1])
    rows = [("rows in", funnel["rows_in"], "#555555")]
    rows += [(f"kept: {split}", n, SPLIT_COLOURS.get(split, "#2c7fb8")) for split, n in funnel["kept"].items()]
    rows += [(f"removed: {reason}", n, REMOVED_COLOUR) for reason, n in removed]
    fig = Figure(figsize=(8, 0.45 * len(rows) + 1))
    ax = fig.subplots()
    names, values, colours = zip(*rows)
    bars = ax.barh(range(len(rows)), values, color=colours, edgecolor="#333333", linewidth=0.5)
    ax.set_yticks(range(len(rows)), names)
    ax.invert_yaxis()
    ax.bar_label(bars, labels=[f"{v:,}" for v in values], padding=3, fontsize=8)
    ax.set_xlabel("documents")
    ax.set_title(f"Curation of dataset {funnel['version']}: every row kept or removed")
    ax.margins(x=0.15)
    return _png(fig)


def class_balance(balance: dict[str, dict[str, int]]) -> bytes:
    """Grouped bars: documents per label in each split."""
    splits = list(balance)
    labels = sorted({label for counts in balance.values() for label in counts})
    fig = Figure(figsize=(7, 3.5))
    ax = fig.subplots()
    width = 0.8 / max(len(labels), 1)
    for i, label in enumerate(labels):
        xs = [s + (i - (len(labels) - 1) / 2) * width for s in range(len(splits))]
        ys = [balance[split].get(label, 0) for split in splits]
        bars = ax.bar(xs, ys, width, label=label, color=LABEL_COLOURS.get(label))
        ax.bar_label(bars, labels=[f"{y:,}" for y in ys], fontsize=7, padding=2)
    ax.set_xticks(range(len(splits)), splits)
    ax.set_ylabel("documents")
    ax.set_title("Class balance per split")
    if labels:
        ax.legend(frameon=False)
    ax.margins(y=0.15)
    return _png(fig)


def confusion_matrix(confusion: dict[str, Any]) -> bytes:
    """Counts of gold (rows) against predicted (columns) labels, shaded by row share."""
    labels, matrix = confusion["labels"], confusion["matrix"]
    fig = Figure(figsize=(1.2 * len(labels) + 2.5, 1.1 * len(labels) + 1.5))
    ax = fig.subplots()
    shares = [[v / max(sum(row), 1) for v in row] for row in matrix]
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            ax.text(j, i, f"{value:,}", ha="center", va="center", color="white" if shares[i][j] > 0.6 else "black")
    ax.set_xticks(range(len(labels)), labels)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(f"{confusion['model_id']}\n{confusion['split']} split", fontsize=9)
    return _png(fig)


def reliability_diagram(reliability: dict[str, Any]) -> bytes:
    """Accuracy against confidence per bin, before and after temperature scaling."""
    fig = Figure(figsize=(10, 4))
    axes = fig.subplots(1, 2, sharey=True)
    for ax, stage in zip(axes, ("before", "after")):
        bins = [b for b in reliability[stage]["bins"] if b["n"]]
        centres = [(b["lo"] + b["hi"]) / 2 for b in bins]
        widths = [b["hi"] - b["lo"] for b in bins]
        ax.bar(
            centres,
            [b["accuracy"] for b in bins],
            widths,
            color="#6baed6",
            edgecolor="#08519c",
            linewidth=0.6,
            label="accuracy",
        )
        ax.plot(
            [c for c in centres],
            [b["confidence"] for b in bins],
            "o",
            color="#e6550d",
            markersize=4,
            label="mean confidence",
        )
        ax.plot([0, 1], [0, 1], "--", color="#555555", linewidth=0.8, label="perfect calibration")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("confidence")
        temperature = 1.0 if stage == "before" else reliability["temperature"]
        ax.set_title(f"{stage} calibration (T = {temperature:.2f}): ECE {reliability[stage]['ece']:.3f}")
    axes[0].set_ylabel("accuracy")
    axes[0].legend(frameon=False, loc="upper left", fontsize=8)
    fig.suptitle(f"Reliability of {reliability['model_id']} on {reliability['n']:,} test documents", fontsize=10)
    return _png(fig)


def sentiment_over_time(series: list[dict[str, Any]]) -> bytes:
    """Mean polarity per day, one line per source (markers when a source has few days)."""
    fig = Figure(figsize=(9, 3.8))
    ax = fig.subplots()
    for source in sorted({row["source"] for row in series}):
        rows = sorted((r for r in series if r["source"] == source), key=lambda r: r["day"])
        ax.plot(
            [r["day"] for r in rows],
            [r["mean_polarity"] for r in rows],
            marker="o",
            markersize=3,
            linewidth=1.2,
            label=f"{source} ({sum(r['documents'] for r in rows):,} docs)",
        )
    ax.axhline(0, color="#999999", linewidth=0.6)
    ax.set_ylim(-1, 1)
    ax.set_ylabel("mean polarity (P(pos) - P(neg))")
    ax.set_title("Sentiment over time by source (production model)")
    ax.legend(frameon=False, fontsize=8)
    fig.autofmt_xdate()
    return _png(fig)


def size_vs_accuracy(models: list[dict[str, Any]]) -> bytes:
    """Each model's size on disk against its accuracy, production ringed."""
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    for m in models:
        size_mb = m["size_bytes"] / 1e6
        ax.scatter(
            size_mb,
            100 * m["accuracy"],
            s=60,
            zorder=3,
            edgecolors="black" if m["stage"] == "production" else "none",
            linewidths=2 if m["stage"] == "production" else 0,
        )
        ax.annotate(
            f"{m['kind']} ({m['format']})",
            (size_mb, 100 * m["accuracy"]),
            textcoords="offset points",
            xytext=(6, 4),
            fontsize=8,
        )
    ax.set_xscale("log")
    ax.set_xlabel("size on disk (MB, log scale)")
    ax.set_ylabel(f"{models[0]['split']} accuracy (%)")
    ax.set_title("Model size against accuracy (ringed: production)")
    ax.grid(True, which="both", alpha=0.3)
    return _png(fig)


PLOTS: dict[str, Callable[[Any], bytes]] = {
    "funnel": curation_funnel,
    "balance": class_balance,
    "confusion": confusion_matrix,
    "reliability": reliability_diagram,
    "sentiment": sentiment_over_time,
    "models": size_vs_accuracy,
    "search": search_plot,
    "drift": drift_over_runs,
}
