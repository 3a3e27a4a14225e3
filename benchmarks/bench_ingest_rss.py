"""Peak memory of ingesting a 2 GB file: target < 1 GB resident, whatever the file holds.

bench_ingest.py measures throughput and RSS on clean-ish SST-2 text. This one is about memory
only, on inputs built to push it up, each --size-mb (default 2048) MB:

  mixed     noisy SST-2 rows (quotes, quoted newlines, emoji) with, every 500 rows, a 200 KB
            text (quarantined as text_too_long: each carries a 10,000-character raw copy)
  bad-rows  12 KB rows that all contain a NUL byte: every row goes to quarantine, the path
            where rows are held as Python objects until a quarantine shard is written
  one-line  a single line of --size-mb MB with no newline at all (a binary dump, a minified
            JSON array saved as .txt)

Each runs in a fresh process through the pure ingest path (`ingest_unit`, what every Prefect
task runs) and, with --cli, through `sentiflow ingest FILE --json`. Reported per run: the
process's peak RSS from wait4 (ru_maxrss, the kernel's high-water mark) and the peak of the
process tree's summed RSS sampled every 50 ms with psutil (a temporary Prefect API included).
As a baseline measured in the same run, the RSS of a process that only imports sentiflow's
ingest modules and pyarrow is printed, so the ingest's own share is visible.

    .venv/bin/python benchmarks/bench_ingest_rss.py                 # all three, 2 GB each
    .venv/bin/python benchmarks/bench_ingest_rss.py --corpus mixed --size-mb 256 --cli

The mixed corpus uses GLUE SST-2's train.tsv (--data DIR) when present, else generated words.
Result: benchmarks/results/ingest_rss.json (--out; --json prints it). Smoke run:

    .venv/bin/python benchmarks/bench_ingest_rss.py --corpus mixed --size-mb 64 --json

Corpora are generated under --workdir (default: a temp folder in /tmp) one at a time and
deleted after use.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `benchmarks.` imports when run as a script
from benchmarks import results  # noqa: E402
from benchmarks.harness import human_output  # noqa: E402

NAME = "ingest_rss"
TARGET_RSS_MB = 1024

IMPORT_ONLY = """
import json, resource
import pyarrow, pyarrow.parquet
from sentiflow.tasks.ingest.service import ingest_unit
print(json.dumps({"rows": 0, "seconds": 0.0}))
"""

PURE_INGEST = """
import json, sys, time
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.ingest.inputs import plan_inputs
from sentiflow.tasks.ingest.service import IngestOptions, ingest_unit
start = time.perf_counter()
[unit] = plan_inputs([sys.argv[1]], "bench").units
r = ingest_unit(unit, Home.at(sys.argv[2]), IngestOptions()).to_dict()
print(json.dumps({"rows": r["read"], "written": r["written"], "quarantined": r["quarantined"],
                  "seconds": time.perf_counter() - start}))
"""


def _sentences() -> list[str]:
    sst2 = Path(os.environ.get(results.SST2_ENV, results.SST2_DEFAULT))  # main() sets it from --data
    if (sst2 / "train.tsv").exists():
        lines = (sst2 / "train.tsv").read_text(encoding="utf-8").splitlines()[1:]
        return [line.rsplit("\t", 1)[0] for line in lines if "\t" in line]
    words = "good bad film plot great awful cast dull fun long score twist".split()
    rng = random.Random(0)
    return [" ".join(rng.choices(words, k=12)) for _ in range(10_000)]


def make_mixed(path: Path, size_mb: int) -> None:
    rng, sentences = random.Random(0), _sentences()
    long_text = "a very long review " * 10_500  # ~200 KB > SENTIFLOW_MAX_TEXT_CHARS (100,000)
    target, row = size_mb * 1_000_000, 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["text", "label"])
        while fh.tell() < target:
            batch = []
            for _ in range(10_000):
                row += 1
                text = rng.choice(sentences)
                if row % 500 == 0:
                    text = long_text
                elif rng.random() < 0.1:
                    text = f'{text}, "quoted" \U0001f44d'
                elif rng.random() < 0.01:
                    text = f"{text}\nsecond line"
                batch.append((text, rng.choice(["positive", "negative"])))
            writer.writerows(batch)


def make_bad_rows(path: Path, size_mb: int) -> None:
    row = ("x" * 6_000 + "\x00" + "y" * 6_000 + ",positive\n").encode()
    block = b"text,label\n" + row * 999
    with open(path, "wb") as fh:
        fh.write(block)
        while fh.tell() < size_mb * 1_000_000:
            fh.write(row * 1000)


def make_one_line(path: Path, size_mb: int) -> None:
    chunk = b"lorem ipsum dolor sit amet " * 40_000  # ~1 MB, no newline
    with open(path, "wb") as fh:
        while fh.tell() < size_mb * 1_000_000:
            fh.write(chunk)


CORPORA = {
    "mixed": ("mixed.csv", make_mixed),
    "bad-rows": ("bad-rows.csv", make_bad_rows),
    "one-line": ("one-line.txt", make_one_line),
}


def _sample_tree_rss(pid: int, peak: list[int], done: threading.Event) -> None:
    while not done.is_set():
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
            total = 0
            for p in procs:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            peak[0] = max(peak[0], total)
        except psutil.Error:
            return
        done.wait(0.05)


def run_measured(command: list[str], env: dict[str, str]) -> dict:
    """Run `command`; its last JSON line (if any), wall time, wait4 peak RSS and sampled tree RSS."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak, done = [0], threading.Event()
    streams: dict[str, str] = {}
    threads = [threading.Thread(target=_sample_tree_rss, args=(proc.pid, peak, done), daemon=True)]
    for name in ("stdout", "stderr"):
        threads.append(
            threading.Thread(target=lambda n=name: streams.__setitem__(n, getattr(proc, n).read()), daemon=True)
        )
    for thread in threads:
        thread.start()
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own high-water mark
    done.set()
    for thread in threads:
        thread.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    out, err = streams.get("stdout", ""), streams.get("stderr", "")
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed ({proc.returncode}):\n{err[-3000:]}")
    try:
        report = json.loads(out)  # the CLI's --json summary (pretty-printed)
    except ValueError:
        lines = [line for line in out.strip().splitlines() if line.strip()]
        report = json.loads(lines[-1]) if lines else {}
    if "sources" in report:  # the CLI's summary
        report["rows"] = sum(s["read"] for s in report["sources"].values())
    report.update({"wall": wall, "rss_mb": usage.ru_maxrss / 1024, "tree_rss_mb": peak[0] / 2**20})
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=2048)
    parser.add_argument(
        "--corpus", choices=sorted(CORPORA), action="append", help="which corpus (repeatable) [all three]"
    )
    parser.add_argument("--cli", action="store_true", help="also run `sentiflow ingest` (Prefect included)")
    parser.add_argument("--workdir", type=Path, help="where corpora and homes go [a temp folder in /tmp]")
    results.add_arguments(parser, NAME, sst2=True)
    args = parser.parse_args(argv)
    os.environ[results.SST2_ENV] = str(args.data)
    with human_output(args.json):
        figures = measure(args)
    figures["command"] = "bench_ingest_rss.py " + " ".join(sys.argv[1:] if argv is None else argv)
    results.write(NAME, figures, args)


def measure(args: argparse.Namespace) -> dict:
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="sentiflow-rss-"))
    workdir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_HOME": str(workdir / "prefect"),
    }
    sentiflow = str(Path(sys.executable).with_name("sentiflow"))

    baseline = run_measured([sys.executable, "-c", IMPORT_ONLY], env)
    print(f"baseline (imports only): peak RSS {baseline['rss_mb']:.0f} MB", flush=True)
    measured = []
    try:
        for name in args.corpus or list(CORPORA):
            file_name, make = CORPORA[name]
            corpus = workdir / file_name
            t = time.perf_counter()
            make(corpus, args.size_mb)
            size_mb = corpus.stat().st_size / 1e6
            print(f"{name}: generated {size_mb:,.0f} MB in {time.perf_counter() - t:.0f}s", flush=True)
            runs = [("pure", [sys.executable, "-c", PURE_INGEST, str(corpus), str(workdir / f"home-{name}")])]
            if args.cli:
                runs.append(
                    (
                        "cli",
                        [
                            sentiflow,
                            "ingest",
                            str(corpus),
                            "--home",
                            str(workdir / f"cli-{name}"),
                            "--source",
                            "bench",
                            "--json",
                        ],
                    )
                )
            for how, command in runs:
                report = run_measured(command, env)
                measured.append((name, how, size_mb, report))
                print(
                    f"{name:9} {how:5} {report['wall']:7.1f}s  {size_mb / report['wall']:6.1f} MB/s  "
                    f"peak RSS {report['rss_mb']:6.0f} MB (tree {report['tree_rss_mb']:6.0f} MB)  "
                    f"rows {report.get('rows', '?'):,}",
                    flush=True,
                )
                shutil.rmtree(workdir / f"home-{name}", ignore_errors=True)
                shutil.rmtree(workdir / f"cli-{name}", ignore_errors=True)
            corpus.unlink()
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    print(f"\nload average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print(
        f"{'corpus':9} {'path':5} {'MB':>6} {'peak RSS MB':>11} {'tree MB':>8} {'vs baseline':>11}  target < {TARGET_RSS_MB} MB"
    )
    worst = 0.0
    runs = []
    for name, how, size_mb, r in measured:
        rss = max(r["rss_mb"], r["tree_rss_mb"] if how == "pure" else 0)  # the CLI's tree holds Prefect
        worst = max(worst, rss)
        print(
            f"{name:9} {how:5} {size_mb:6.0f} {r['rss_mb']:11.0f} {r['tree_rss_mb']:8.0f} "
            f"{rss / baseline['rss_mb']:10.1f}x  {'PASS' if rss < TARGET_RSS_MB else 'FAIL'}"
        )
        runs.append({"corpus": name, "path": how, "mb": round(size_mb), "peak_rss_mb": round(rss)})
    print(f"worst peak RSS of the ingest process: {worst:.0f} MB -> {'PASS' if worst < TARGET_RSS_MB else 'FAIL'}")
    return {
        "imports_only_rss_mb": round(baseline["rss_mb"]),
        "runs": runs,
        "worst_peak_rss_mb": round(worst),
        "targets": {"rss_lt_1gb": worst < TARGET_RSS_MB},
    }


def row(result: dict) -> dict:
    """The README benchmark table's row."""
    runs = ", ".join(f"{r['corpus']} ({r['path']}, {r['mb']:,} MB) {r['peak_rss_mb']} MB" for r in result["runs"])
    return {"what": "peak RSS of ingest on hostile inputs", "measured": runs, "target": "< 1 GB"}


if __name__ == "__main__":
    main()
