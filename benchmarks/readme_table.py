"""Build the README's benchmark table from benchmarks/results/*.json.

The table sits between `<!-- bench:start -->` and `<!-- bench:end -->` in README.md. Each row
comes from one result file: its benchmark module's `row(result)` (a dict with `what`,
`measured`, `target`) when it has one, else the result's ratios and targets listed as they
are; a benchmark without a result file shows as "not run". Every row names the machine it ran
on (cores, load average at the end, date), because a rate means nothing without them.

    .venv/bin/python benchmarks/readme_table.py           # rewrite the block in README.md
    .venv/bin/python benchmarks/readme_table.py --check   # exit 1 when README.md is stale
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # `benchmarks.` imports when run as a script

START, END = "<!-- bench:start -->", "<!-- bench:end -->"
# (result name, the script that writes it), in the table's order
BENCHMARKS = (
    ("ingest", "bench_ingest"),
    ("ingest_rss", "bench_ingest_rss"),
    ("dedup", "bench_dedup"),
    ("curation_value", "bench_curation_value"),
    ("train_sst2", "bench_train_sst2"),
    ("compress", "bench_compress"),
    ("score", "bench_score"),
    ("drift", "bench_drift"),
    ("tune", "bench_tune"),
    ("teacher", "bench_teacher"),
    ("skew", "bench_skew"),
    ("run", "bench_run"),
    ("chaos", "chaos"),
)
HEADER = "| script | what | measured | machine | target |\n|---|---|---|---|---|"
Row = Callable[[dict[str, Any]], dict[str, str]]


def load_results(folder: Path) -> dict[str, dict[str, Any] | None]:
    """Each benchmark's result, or None when its file is missing."""
    found: dict[str, dict[str, Any] | None] = {}
    for name, _ in BENCHMARKS:
        path = folder / f"{name}.json"
        found[name] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    return found


def formatter(script: str) -> Row:
    """The script's own `row(result)`, or the generic one when it has none (or cannot be imported:
    a benchmark whose libraries are missing still gets a row from its numbers)."""
    try:
        module = importlib.import_module(f"benchmarks.{script}")
    except Exception as exc:  # noqa: BLE001 - any failure to import still leaves the generic row
        print(f"note: benchmarks/{script}.py not importable ({exc}); its row lists the raw figures", file=sys.stderr)
        return generic_row
    return getattr(module, "row", generic_row)


def generic_row(result: dict[str, Any]) -> dict[str, str]:
    """Every figure whose name says ratio, and every target, as `name: value`."""
    figures = [f"{k}: {v}" for k, v in _leaves(result) if "ratio" in k.rsplit(".", 1)[-1]]
    targets = [f"{k}: {'met' if v else 'NOT met'}" for k, v in (result.get("targets") or {}).items()]
    return {
        "what": result.get("benchmark", ""),
        "measured": "; ".join(figures) or "see the result file",
        "target": "; ".join(targets) or "report only",
    }


def _leaves(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        skip = ("machine", "targets")
        return [leaf for k, v in value.items() if k not in skip for leaf in _leaves(v, f"{prefix}{k}.")]
    return [(prefix.rstrip("."), value)]


def machine_cell(result: dict[str, Any]) -> str:
    m = result.get("machine") or {}
    load = m.get("load_average") or ["?"]
    when = str(m.get("measured_at") or result.get("created_at") or "")[:10]
    return f"{m.get('cpu_count', '?')} cores, load {load[0]}, {when}".strip(", ")


def render(results: dict[str, dict[str, Any] | None], row_of: Callable[[str], Row] = formatter) -> str:
    """The table, one line per benchmark, in BENCHMARKS' order."""
    lines = [HEADER]
    for name, script in BENCHMARKS:
        result = results.get(name)
        if result is None:
            lines.append(f"| `{script}.py` | - | not run | - | - |")
            continue
        try:
            cells = row_of(script)(result)
        except (KeyError, TypeError, ValueError):  # a result file older than its row(): list its figures
            cells = generic_row(result)
        command = result.get("command") or f"{script}.py"
        lines.append(
            f"| `{_cell(command)}` | {_cell(cells['what'])} | {_cell(cells['measured'])} | "
            f"{_cell(machine_cell(result))} | {_cell(cells['target'])} |"
        )
    return "\n".join(lines)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def replace_block(readme: str, table: str) -> str:
    """README text with the marked block's content replaced by the table."""
    if START not in readme or END not in readme or readme.index(START) > readme.index(END):
        raise SystemExit(f"error: README.md has no {START} ... {END} block; add the two markers where the table goes")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when README.md's table is not what the results give"
    )
    parser.add_argument("--readme", type=Path, default=REPO / "README.md")
    parser.add_argument("--results", type=Path, default=REPO / "benchmarks" / "results")
    args = parser.parse_args(argv)
    readme = args.readme.read_text(encoding="utf-8")
    updated = replace_block(readme, render(load_results(args.results)))
    if args.check:
        if updated != readme:
            print(f"{args.readme} is stale: run benchmarks/readme_table.py", file=sys.stderr)
            return 1
        return 0
    if updated != readme:
        args.readme.write_text(updated, encoding="utf-8")
        print(f"updated {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
