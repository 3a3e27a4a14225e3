"""Ingest throughput and peak memory against raw pyarrow, measured in the same run.

Generates a CSV corpus (default 512 MB) from SST-2 sentences with noise: random case and
typos, commas and quotes that force CSV quoting, about 1% of texts with an embedded newline,
a 0/1 label and a confidence. Then, alternating, it runs in separate processes:

  baseline   pyarrow.csv.open_csv -> pyarrow.parquet.ParquetWriter (zstd), nothing else
  sentiflow  the pure ingest path (sentiflow.tasks.ingest.service.ingest_unit) into a fresh
             home: chunking, line numbers, UTF-8 repair, checks, doc_id hashing (DuckDB md5
             over each batch), manifest
  cli        (with --cli) `sentiflow ingest FILE --json`, which adds Prefect start-up

Each runs in a child process with a clean environment (benchmarks/harness.py), as its user
would run it. Each process reports its own processing time (after imports) and its peak RSS
(getrusage ru_maxrss); wait4 adds its CPU time. Printed: medians over the repetitions, the
throughput ratio sentiflow/baseline (target >= 0.5), the CPU-time ratio, and peak RSS
(target < 1 GB). The machine's load is printed too: on a shared machine the ratio moves
towards the CPU-time ratio as other processes take the cores pyarrow's threads would use.

    .venv/bin/python benchmarks/bench_ingest.py --size-mb 512 --repeat 3
    .venv/bin/python benchmarks/bench_ingest.py --size-mb 20 --repeat 1 --json   # smoke run

The corpus comes from GLUE SST-2's train.tsv (--data DIR), or pass your own CSV as --corpus.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `benchmarks.` imports when run as a script
from benchmarks import results  # noqa: E402
from benchmarks.harness import human_output, python_child, run_child  # noqa: E402

NAME = "ingest"
TARGET_RATIO = 0.5
TARGET_RSS_MB = 1024

BASELINE = """
import json, resource, sys, time
import pyarrow as pa, pyarrow.csv as pacsv, pyarrow.parquet as pq
src, out = sys.argv[1], sys.argv[2]
start = time.perf_counter()
reader = pacsv.open_csv(src, parse_options=pacsv.ParseOptions(newlines_in_values=True))
rows = 0
with pq.ParquetWriter(out, reader.schema, compression="zstd") as writer:
    for batch in reader:
        writer.write_batch(batch)
        rows += batch.num_rows
seconds = time.perf_counter() - start
print(json.dumps({"rows": rows, "seconds": seconds, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

SENTIFLOW = """
import json, resource, sys, time
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.ingest.inputs import plan_inputs
from sentiflow.tasks.ingest.service import IngestOptions, ingest_unit
src, home = sys.argv[1], sys.argv[2]
start = time.perf_counter()
[unit] = plan_inputs([src], "bench").units
result = ingest_unit(unit, Home.at(home), IngestOptions()).to_dict()
seconds = time.perf_counter() - start
print(json.dumps({"rows": result["written"], "quarantined": result["quarantined"], "seconds": seconds,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def noisy(sentence: str, rng: random.Random) -> str:
    """An SST-2 sentence with the noise real corpora have."""
    words = sentence.split()
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        w = words[i]
        if len(w) > 3:
            j = rng.randrange(len(w) - 1)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]  # a typo
    text = " ".join(words)
    r = rng.random()
    if r < 0.2:
        text = text.capitalize() + rng.choice([".", "!", "!!", "...", " :)", " 👍"])
    elif r < 0.3:
        text = f'{text}, "{rng.choice(words)}" indeed'  # commas and quotes: the field gets quoted
    elif r < 0.31:
        text = text + "\n" + rng.choice(words)  # a quoted newline
    elif r < 0.35:
        text = text.upper()
    return text


def make_corpus(path: Path, size_mb: int, sst2: Path, seed: int = 0) -> int:
    """Write a CSV of at least size_mb MB from SST-2's train.tsv; returns its row count."""
    lines = (sst2 / "train.tsv").read_text(encoding="utf-8").splitlines()[1:]
    pairs = [line.rsplit("\t", 1) for line in lines if "\t" in line]
    rng = random.Random(seed)
    target = size_mb * 1_000_000
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["text", "label", "confidence"])
        while fh.tell() < target:
            batch = []
            for _ in range(10_000):
                sentence, label = rng.choice(pairs)
                batch.append((noisy(sentence, rng), label, f"{rng.uniform(0.5, 1):.3f}"))
            writer.writerows(batch)
            rows += len(batch)
    return rows


def run_cli(corpus: Path, home: Path) -> dict:
    sentiflow = str(Path(sys.executable).with_name("sentiflow"))
    report = run_child([sentiflow, "ingest", str(corpus), "--home", str(home), "--source", "bench", "--json"])
    report["seconds"] = report["wall"]
    return report


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=512, help="corpus size (>= 500 for the issue's target)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path, help="reuse this CSV instead of generating one")
    parser.add_argument("--workdir", type=Path, help="where to put the corpus and outputs [a temp dir]")
    parser.add_argument("--cli", action="store_true", help="also time the `sentiflow ingest` CLI (Prefect start-up)")
    results.add_arguments(parser, NAME, sst2=True)
    return parser.parse_args(argv)


def measure(args: argparse.Namespace) -> dict:
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="sentiflow-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    corpus = args.corpus or workdir / f"corpus-{args.size_mb}mb.csv"
    if not corpus.exists():
        sst2 = results.sst2_dir(args.data)
        t = time.perf_counter()
        rows = make_corpus(corpus, args.size_mb, sst2)
        print(
            f"generated {corpus} ({corpus.stat().st_size / 1e6:.0f} MB, {rows:,} rows) in {time.perf_counter() - t:.0f}s"
        )
    size_mb = corpus.stat().st_size / 1e6

    runs: dict[str, list[dict]] = {"baseline": [], "sentiflow": [], "cli": []}
    for rep in range(args.repeat):
        out = workdir / "out"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        runs["baseline"].append(run_child(python_child(BASELINE, str(corpus), str(out / "baseline.parquet"))))
        runs["sentiflow"].append(run_child(python_child(SENTIFLOW, str(corpus), str(out / "home"))))
        if args.cli:
            runs["cli"].append(run_cli(corpus, out / "cli-home"))
        line = ", ".join(f"{k} {v[-1]['seconds']:.1f}s/{v[-1]['rss_mb']:.0f}MB" for k, v in runs.items() if v)
        print(f"rep {rep + 1}/{args.repeat}: {line}", flush=True)
    shutil.rmtree(workdir / "out", ignore_errors=True)

    print(f"\nload average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print(f"corpus: {size_mb:.0f} MB, {runs['baseline'][0]['rows']:,} rows; medians of {args.repeat} runs")
    print(f"{'':10} {'seconds':>8} {'MB/s':>7} {'CPU s':>7} {'peak RSS MB':>12}")
    figures: dict = {"corpus_mb": round(size_mb, 1), "rows": runs["baseline"][0]["rows"], "repeats": args.repeat}
    for name, measured in runs.items():
        if not measured:
            continue
        seconds = statistics.median(r["seconds"] for r in measured)
        cpu = statistics.median(r["cpu"] for r in measured)
        rss = statistics.median(r["rss_mb"] for r in measured)
        figures[name] = {
            "seconds": round(seconds, 3),
            "mb_per_s": round(size_mb / seconds, 1),
            "cpu_seconds": round(cpu, 2),
            "peak_rss_mb": round(rss),
        }
        print(f"{name:10} {seconds:8.2f} {size_mb / seconds:7.1f} {cpu:7.1f} {rss:12.0f}")
    base, ours = figures["baseline"], figures["sentiflow"]
    figures["ratio_vs_pyarrow"] = round(base["seconds"] / ours["seconds"], 3)
    figures["cpu_ratio_vs_pyarrow"] = round(base["cpu_seconds"] / ours["cpu_seconds"], 3)
    figures["targets"] = {
        "ratio_ge_0.5": figures["ratio_vs_pyarrow"] >= TARGET_RATIO,
        "rss_lt_1gb": ours["peak_rss_mb"] < TARGET_RSS_MB,
    }
    print(
        f"\nCPU-time ratio baseline/sentiflow: {figures['cpu_ratio_vs_pyarrow']:.2f} "
        f"(what the throughput ratio tends to when other processes keep every core busy)"
    )
    print(
        f"throughput ratio sentiflow/baseline: {figures['ratio_vs_pyarrow']:.2f} (target >= {TARGET_RATIO}) "
        f"{'PASS' if figures['targets']['ratio_ge_0.5'] else 'FAIL'}"
    )
    print(f"sentiflow peak RSS: {ours['peak_rss_mb']} MB (target < {TARGET_RSS_MB})")
    if "cli" in figures:
        figures["cli_ratio_vs_pyarrow"] = round(base["seconds"] / figures["cli"]["seconds"], 3)
        print(f"CLI (with Prefect start-up) ratio: {figures['cli_ratio_vs_pyarrow']:.2f}")
    if not args.corpus and not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return figures


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with human_output(args.json):
        figures = measure(args)
    results.write(NAME, figures, args, argv)


def row(result: dict) -> dict:
    """The README benchmark table's row."""
    ours = result["sentiflow"]
    return {
        "what": f"ingest vs raw pyarrow CSV->Parquet, {result['corpus_mb']:.0f} MB, {result['rows']:,} rows",
        "measured": f"**{result['ratio_vs_pyarrow']:.2f}x** throughput ({ours['seconds']:.2f} vs "
        f"{result['baseline']['seconds']:.2f} s, medians of {result['repeats']}); CPU-time ratio "
        f"{result['cpu_ratio_vs_pyarrow']:.2f}; peak RSS {ours['peak_rss_mb']} MB",
        "target": ">= 0.5x, < 1 GB",
    }


if __name__ == "__main__":
    main()
