"""The nightly flow, run 3 times on the same inbox, leaves the same lake and the same tables.

`runs` is the one table that must grow: it is the log of runs, one row per flow run by design.
For it the test checks that each night adds only its own rows and never edits earlier ones.
Every other table (documents, predictions, models, ...) must be identical, row for row,
including run ids and timestamps: a rerun that rescored or reloaded anything would show.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from benchmarks.chaoskit.snapshots import lake_files, lake_quarantine, warehouse_tables

INBOX_FILES = {
    "monday.csv": "text,label\nlovely film,positive\nawful plot,negative\n,positive\n",
    "tuesday.jsonl": '{"text": "great cast", "label": "positive"}\n{"text": "cut off\n'
    '{"text": "dull", "label": "negative"}\n',
}


def _nightly_home(tmp_path: Path, tiny_model_home: Path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(tiny_model_home, home)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, text in INBOX_FILES.items():
        (inbox / name).write_text(text)
    (home / "sentiflow.toml").write_text(f'[[sources]]\nname = "reviews"\ninbox = "{inbox}"\n')
    return home


def test_nightly_three_times_changes_nothing_after_the_first(tmp_path, tiny_model_home, prefect_harness):
    from sentiflow.flows.nightly import nightly_flow

    home = _nightly_home(tmp_path, tiny_model_home)
    snapshots = []
    for _night in range(3):
        summary = nightly_flow(home=str(home))
        assert summary["status"] in ("completed", "partial"), summary
        assert summary["failed_stage"] is None, summary
        tables = warehouse_tables(home / "warehouse.duckdb")
        snapshots.append((lake_files(home / "lake"), tables, summary))

    first_lake, first_tables, first = snapshots[0]
    assert first["score"]["documents_scored"] == 4, first["score"]  # 4 good rows, 2 quarantined
    assert len(first_tables["predictions"]) == len(first_tables["documents"]) == 4
    assert len(lake_quarantine(home / "lake")) == 2
    for night, (lake, tables, summary) in enumerate(snapshots[1:], start=2):
        assert lake == first_lake, f"night {night}: the lake changed"
        assert summary["score"]["documents_scored"] == 0, summary["score"]
        assert summary["ingest"]["written"] == 0, summary["ingest"]
        for name, rows in first_tables.items():
            if name == "runs":
                continue
            assert len(tables[name]) == len(rows), (
                f"night {night}: {name} has {len(tables[name])} rows, not {len(rows)}"
            )
            assert tables[name] == rows, f"night {night}: table {name} changed"
        # runs: earlier rows untouched, only this night's runs added
        previous_runs = snapshots[night - 2][1]["runs"]
        assert set(previous_runs) <= set(tables["runs"]), f"night {night}: an earlier run row changed"
        added = [r for r in tables["runs"] if r not in previous_runs]
        assert summary["run_id"] in {r[0] for r in added}, (summary["run_id"], added)
        assert len(added) == len(set(tables["runs"])) - len(set(previous_runs)) <= 3, added
    keys = [(r[0], r[1]) for r in first_tables["predictions"]]
    assert len(keys) == len(set(keys)), "duplicate (doc_id, model_id) in predictions"
