"""`make run`'s timings: the first and second `sentiflow run` from a fresh home, and a report check.

Targets on the 2-core machine: first run <= 10 min, second (incremental) run <= 1 min. Prints
the wall time of each run, its CPU time (user + system, all its processes), its stages'
seconds, the second/first ratio, the machine's load average (these machines are shared; a
loaded machine stretches wall time, not CPU time), and, where headless Chromium is installed,
screenshots the HTML report.

    .venv/bin/python benchmarks/bench_run.py [--home DIR] [--keep] [--json]

No baseline: both runs are sentiflow's own. Result: benchmarks/results/run.json (--out).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `benchmarks.` imports when run as a script
from benchmarks import results  # noqa: E402
from benchmarks.harness import human_output  # noqa: E402

NAME = "run"
SENTIFLOW = str(Path(sys.executable).with_name("sentiflow"))
CHROMIUM = Path("/usr/bin/chromium")
TARGETS = {1: 600.0, 2: 60.0}  # seconds


def cpu_seconds() -> float:
    """CPU time (user + system) of finished child processes so far, their children included."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(home: Path, log: Path) -> tuple[float, float, dict]:
    """(wall seconds, CPU seconds, summary) of one `sentiflow run`."""
    start, cpu = time.monotonic(), cpu_seconds()
    with open(log, "w") as err:
        proc = subprocess.run(
            [SENTIFLOW, "run", "--home", str(home), "--json"], stdout=subprocess.PIPE, stderr=err, text=True
        )
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"sentiflow run failed (exit {proc.returncode}); see {log}")
    return seconds, cpu_seconds() - cpu, json.loads(proc.stdout)


def screenshot(report: Path, out: Path) -> str:
    if not CHROMIUM.exists():
        return "skipped: /usr/bin/chromium not installed (apt-get install chromium)"
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                f"--screenshot={out}",
                "--window-size=1200,3600",
                report.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    if proc.returncode != 0 or not out.is_file():
        return f"FAILED: chromium exit {proc.returncode}"
    return f"{out} ({out.stat().st_size:,} bytes)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=None, help="home to use (must not exist); default: a temp dir")
    parser.add_argument("--keep", action="store_true", help="keep the home afterwards")
    results.add_arguments(parser, NAME)
    args = parser.parse_args(argv)
    home = args.home or Path(tempfile.mkdtemp(prefix="bench-run-")) / "home"
    if home.exists():
        sys.exit(f"{home} exists: the benchmark starts from a fresh home")
    home.parent.mkdir(parents=True, exist_ok=True)
    with human_output(args.json):
        figures = measure(home)
    figures["command"] = "bench_run.py " + " ".join(sys.argv[1:] if argv is None else argv)
    if not args.keep and args.home is None:
        shutil.rmtree(home.parent, ignore_errors=True)
    results.write(NAME, figures, args)


def measure(home: Path) -> dict:
    runs = {}
    figures: dict = {}
    for n in (1, 2):
        load = os.getloadavg()[0]
        seconds, cpu, summary = timed_run(home, home.parent / f"run{n}.log")
        runs[n] = (seconds, summary, load)
        stages = {k: v.get("seconds") for k, v in summary["stages"].items() if v.get("seconds") is not None}
        figures[f"run{n}"] = {"seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1), "stages": stages}
        verdict = "ok" if seconds <= TARGETS[n] else "OVER"
        print(
            f"run {n}: {seconds:7.1f} s wall (target <= {TARGETS[n]:.0f} s: {verdict}), {cpu:7.1f} CPU s; "
            f"load average at start {load:.1f}, at end {os.getloadavg()[0]:.1f}; "
            f"stages: {', '.join(f'{k} {v}' for k, v in stages.items())}",
            flush=True,
        )
    second = runs[2][1]["stages"]
    incremental = (
        second["ingest"]["written"] == 0
        and second["curate"]["reused"]
        and second["train"]["reused"]
        and second["score"]["documents_scored"] == 0
    )
    figures["second_over_first_ratio"] = round(runs[2][0] / runs[1][0], 3)
    figures["incremental"] = incremental
    figures["score_docs_per_s"] = runs[1][1]["throughput_docs_per_second"]
    figures["targets"] = {f"run{n}_le_{TARGETS[n]:.0f}s": runs[n][0] <= TARGETS[n] for n in (1, 2)}
    print(f"second/first: {figures['second_over_first_ratio']:.3f}; second run incremental: {incremental}")
    print(f"scoring throughput (run 1): {figures['score_docs_per_s']} docs/s")
    figures["screenshot"] = str(screenshot(Path(runs[2][1]["report"]), home.parent / "report.png"))
    print(f"report screenshot: {figures['screenshot']}")
    return figures


def row(result: dict) -> dict:
    """The README benchmark table's row."""
    return {
        "what": "first and second `sentiflow run` from a fresh home",
        "measured": f"{result['run1']['seconds']:.0f} s ({result['run1']['cpu_seconds']:.0f} CPU s); second "
        f"{result['run2']['seconds']:.1f} s, incremental: {result['incremental']}",
        "target": "<= 600 s, <= 60 s",
    }


if __name__ == "__main__":
    main()
