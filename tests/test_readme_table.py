"""benchmarks/readme_table.py: the README's benchmark table comes from the result files."""

from __future__ import annotations

import json

import pytest

from benchmarks import readme_table

DEDUP = {
    "benchmark": "dedup",
    "machine": {"cpu_count": 2, "load_average": [0.4, 0.5, 0.6], "measured_at": "2026-11-29T20:00:00+00:00"},
    "command": "bench_dedup.py --docs 5000",
    "docs": 5000,
    "ours": {"docs_per_s": 5151.0, "precision": 0.996, "recall": 0.9997},
    "ratio_vs_expert": 3.8,
    "ratio_vs_newcomer": 18.8,
    "targets": {"ratio_vs_expert_ge_2": True, "precision_recall_ge_0.95": False},
}


def write_results(folder, **results):
    folder.mkdir(parents=True, exist_ok=True)
    for name, result in results.items():
        (folder / f"{name}.json").write_text(json.dumps(result), encoding="utf-8")
    return folder


def test_rows_from_results_and_not_run_for_missing(tmp_path):
    results = readme_table.load_results(write_results(tmp_path / "results", dedup=DEDUP))
    table = readme_table.render(results, row_of=lambda script: readme_table.generic_row)
    lines = table.splitlines()
    assert len(lines) == 2 + len(readme_table.BENCHMARKS)
    dedup = next(line for line in lines if "bench_dedup.py --docs 5000" in line)
    assert "ratio_vs_expert: 3.8" in dedup
    assert "2 cores, load 0.4, 2026-11-29" in dedup
    assert "ratio_vs_expert_ge_2: met" in dedup and "precision_recall_ge_0.95: NOT met" in dedup
    ingest = next(line for line in lines if "`bench_ingest.py`" in line)
    assert "not run" in ingest


def test_a_benchmarks_own_row_is_used(tmp_path):
    results = readme_table.load_results(write_results(tmp_path / "results", dedup=DEDUP))

    def own(result):
        return {"what": "near-dedup", "measured": f"{result['ratio_vs_expert']}x a | b", "target": ">= 2x"}

    table = readme_table.render(results, row_of=lambda script: own if script == "bench_dedup" else None)
    assert "| near-dedup | 3.8x a \\| b |" in table  # a pipe inside a cell is escaped


def test_check_mode_reports_a_stale_readme_and_writing_fixes_it(tmp_path):
    folder = write_results(tmp_path / "results", dedup=DEDUP)
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{readme_table.START}\nold table\n{readme_table.END}\n\nafter\n", encoding="utf-8")
    args = ["--readme", str(readme), "--results", str(folder)]
    assert readme_table.main([*args, "--check"]) == 1
    assert readme_table.main(args) == 0
    text = readme.read_text(encoding="utf-8")
    assert "old table" not in text and text.endswith("after\n") and "bench_dedup.py --docs 5000" in text
    assert readme_table.main([*args, "--check"]) == 0


def test_missing_markers_are_one_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="bench:start"):
        readme_table.replace_block("# no table here\n", "| t |")


def test_a_row_that_does_not_fit_an_older_result_falls_back_to_the_figures(tmp_path):
    results = readme_table.load_results(write_results(tmp_path / "results", dedup=DEDUP))
    table = readme_table.render(results, row_of=lambda script: lambda result: {"what": result["missing"]})
    assert "ratio_vs_expert: 3.8" in table


def test_a_result_file_records_the_command_that_reruns_it(tmp_path, monkeypatch):
    import argparse

    from benchmarks import results

    args = argparse.Namespace(out=tmp_path / "dedup.json", json=False)
    results.write("dedup", {"docs": 10}, args, ["--docs", "10", "--data", "my dir"])
    assert json.loads(args.out.read_text())["command"] == "bench_dedup.py --docs 10 --data 'my dir'"
    monkeypatch.setattr("sys.argv", ["/repo/benchmarks/bench_tune.py", "--minutes", "25"])
    results.write("tune", {"trials": 3}, args)
    written = json.loads(args.out.read_text())
    assert written["command"] == "bench_tune.py --minutes 25" and written["trials"] == 3
