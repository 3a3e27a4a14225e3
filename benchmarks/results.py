"""What every benchmark shares: its flags, where SST-2 is, and the result file it writes.

Each benchmark takes `--json` (print one JSON object and nothing else), `--out FILE` (default
benchmarks/results/NAME.json) and, when it reads SST-2, `--data DIR`. The result file carries
the machine's cores, load average and library versions beside the figures, because a rate means
nothing without them; the README's benchmark table is built from these files
(`benchmarks/readme_table.py`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
VERSIONS = (
    "torch",
    "transformers",
    "onnxruntime",
    "optimum",
    "datasketch",
    "pyarrow",
    "duckdb",
    "prefect",
    "optuna",
    "scikit-learn",
    "numpy",
)

# GLUE SST-2 (train.tsv: 67,349 rows, dev.tsv: 872), tab-separated `sentence<TAB>label` with a
# header. Get it from https://gluebenchmark.com/tasks (or the `glue`/`sst2` dataset on the Hugging
# Face hub) and pass its folder as --data, or set SENTIFLOW_SST2. The project never ships it.
SST2_ENV = "SENTIFLOW_SST2"
SST2_DEFAULT = REPO.parent / "shared" / "data" / "sst2"


def machine() -> dict[str, Any]:
    """Cores, load average (1, 5, 15 min), platform and library versions."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in VERSIONS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpu_count": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(),
        "versions": versions,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def add_arguments(parser: argparse.ArgumentParser, name: str, *, sst2: bool = False) -> None:
    """The flags every benchmark takes: --json, --out, and --data when it reads SST-2."""
    parser.add_argument("--json", action="store_true", help="print only the result, as one JSON object")
    parser.add_argument(
        "--out",
        type=Path,
        default=RESULTS / f"{name}.json",
        help=f"result file (default: benchmarks/results/{name}.json)",
    )
    if sst2:
        parser.add_argument(
            "--data",
            type=Path,
            default=Path(os.environ.get(SST2_ENV, SST2_DEFAULT)),
            help=f"GLUE SST-2 folder with train.tsv and dev.tsv (default: ${SST2_ENV} or {SST2_DEFAULT})",
        )


def sst2_dir(data: Path) -> Path:
    """The SST-2 folder, or exit with one line saying where to get it."""
    if (data / "train.tsv").is_file() and (data / "dev.tsv").is_file():
        return data
    sys.exit(
        f"error: no SST-2 train.tsv/dev.tsv in {data}; download GLUE SST-2 (https://gluebenchmark.com/tasks) "
        f"and pass its folder as --data DIR (or set {SST2_ENV})"
    )


def write(
    name: str, figures: dict[str, Any], args: argparse.Namespace, argv: list[str] | None = None
) -> dict[str, Any]:
    """Write {benchmark, machine, command, **figures} to args.out; print it when --json. Returns it.

    `command` is how to run it again: the script and its arguments (`argv`, when the script's
    main was called with its own, else this process's)."""
    script = Path(sys.argv[0]).name if argv is None else f"bench_{name}.py"
    command = shlex.join([script, *(sys.argv[1:] if argv is None else argv)])
    result = {"benchmark": name, "machine": machine(), "command": command, **figures}
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(result, default=str))
    else:
        print(f"result: {out}", file=sys.stderr)
    return result


def say(args: argparse.Namespace, *lines: str) -> None:
    """Human-readable progress and tables: to stdout normally, to stderr under --json."""
    stream = sys.stderr if args.json else sys.stdout
    for line in lines:
        print(line, file=stream, flush=True)
