"""Curating a lake into datasets/VERSION: accounting, determinism, reuse, the reader API, curation_stats."""

from __future__ import annotations

import dataclasses

import duckdb
import pyarrow.parquet as pq
import pytest

from sentiflow.tasks.core.datasets import dataset_labels, latest_path, load_report, load_split, resolve_version
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.curate import service
from sentiflow.tasks.curate.config import CurationConfig, SplitConfig
from sentiflow.tasks.curate.warehouse import load_curation_stats
from sentiflow.tasks.warehouse.db import connect_rw
from tests.curate.corpus import NEGATIVE, POSITIVE, row, write_lake

CONFLICT = "the flight was on time but the seat was broken and tiny"


def messy_corpus() -> list[dict]:
    """24 clean reviews plus one row for each way a row can be removed."""
    rows = [row(t, "1", n=i, source="reviews") for i, t in enumerate(POSITIVE)]
    rows += [row(t, "0", n=100 + i, source="reviews") for i, t in enumerate(NEGATIVE)]
    extras = [
        (POSITIVE[0], "positive", None),  # exact duplicate
        ("RT @critic: " + NEGATIVE[1].upper() + " http://t.co/x", "negative", None),  # near duplicate
        ("a perfectly fine sentence with a strange label", "meh", None),  # unknown_label
        ("a perfectly fine sentence without any label", None, None),  # unlabelled
        ("a sentence the annotators could not agree on", "positive", 0.2),  # low_confidence
        ("@bob http://t.co/y", "neutral", None),  # too_short
        ("das ist ein wirklich schlechtes auto und ich hasse es sehr", "negative", 1.0),  # other_language
        (CONFLICT, "negative", None),
        (CONFLICT + "!!", "positive", None),  # label_conflict (tie)
    ]
    rows += [row(t, lb, c, source="tweets", n=i) for i, (t, lb, c) in enumerate(extras)]
    return rows


def curate_home(home: Home, config: CurationConfig = CurationConfig(), name: str | None = None) -> tuple[dict, bool]:
    sources = service.check_request(home, None, name)
    table = service.read_inputs(home, sources)
    plan = service.plan_curation(home, table, sources, name, config)
    report = service.reuse_curation(plan) if plan.reuse else service.run_curation(plan, table)
    return report, plan.reuse


def _files(home: Home, version: str) -> dict[str, list[dict]]:
    folder = home.dataset(version)
    return {str(p.relative_to(folder)): pq.read_table(p).to_pylist() for p in sorted(folder.rglob("*.parquet"))}


def test_every_row_is_kept_or_removed_once_with_reason_and_step(home):
    write_lake(home, messy_corpus())
    report, reused = curate_home(home)
    acc = report["accounting"]
    assert not reused and acc["rows_in"] == 33
    assert acc["removed"] == {
        "exact_duplicate": 1,
        "label_conflict": 2,
        "low_confidence": 1,
        "near_duplicate": 1,
        "other_language": 1,
        "too_short": 1,
        "unknown_label": 1,
        "unlabelled": 1,
    }
    assert acc["rows_in"] == acc["kept_total"] + acc["removed_total"] == sum(acc["kept"].values()) + 9

    files = _files(home, report["version"])
    ids = [r["doc_id"] for rows in files.values() for r in rows]
    assert len(ids) == len(set(ids)) == 33  # each input row in exactly one file
    for path, rows in files.items():
        if path.startswith("removed/"):
            reason = path.split("/")[1]
            assert rows and all(r["reason"] == reason and r["step"] for r in rows)
    assert {r["step"] for r in files["removed/label_conflict/part-0.parquet"]} == {"near_dedup"}
    kept = files["train/part-0.parquet"] + files["validation/part-0.parquet"] + files["test/part-0.parquet"]
    assert {r["label"] for r in kept} == {"negative", "positive"}
    assert all(r["text"] and r["text_original"] and r["cluster_id"] for r in kept)
    steps = {s["name"]: s for s in report["steps"]}
    assert steps["normalize_labels"]["removed"] == {"unknown_label": 1, "unlabelled": 1}
    assert report["label_schemes"] == {"reviews": "binary", "tweets": "text"}
    assert report["languages"]["de"] == 1 and report["balance"]["per_source"]["reviews"]["train"]


def test_same_inputs_and_config_give_the_same_version_and_membership(tmp_path):
    homes = [Home.at(tmp_path / name) for name in ("one", "two")]
    for home in homes:
        write_lake(home, messy_corpus())
    (first, _), (second, _) = curate_home(homes[0]), curate_home(homes[1])
    assert first["version"] == second["version"]
    for split in ("train", "validation", "test"):
        a, b = (h.dataset(first["version"]) / split / "part-0.parquet" for h in homes)
        assert a.read_bytes() == b.read_bytes()
    changed, _ = curate_home(homes[0], dataclasses.replace(CurationConfig(), split=SplitConfig(seed=5)))
    assert changed["version"] != first["version"]


def test_rerun_reuses_the_finished_version_and_latest_names_it(home):
    write_lake(home, messy_corpus())
    first, reused = curate_home(home, name="mine")
    assert not reused and first["version"].startswith("mine-")
    report_file = home.dataset(first["version"]) / "report.json"
    before = report_file.stat().st_mtime_ns
    again, reused = curate_home(home, name="mine")
    assert reused and again == first and report_file.stat().st_mtime_ns == before
    assert latest_path(home).read_text().strip() == first["version"]


def test_public_reader_api(home):
    write_lake(home, messy_corpus())
    report, _ = curate_home(home)
    version = resolve_version(home, "latest")
    assert version == resolve_version(home, report["version"]) == report["version"]
    train = load_split(home, "latest", "train")
    assert {"text", "label", "doc_id", "text_original", "source", "cluster_id"} <= set(train.columns)
    assert len(train) == report["accounting"]["kept"]["train"]
    assert dataset_labels(home, version) == ["negative", "positive"]
    assert load_report(home)["version"] == version
    with pytest.raises(UserError, match="unknown split 'dev'"):
        load_split(home, version, "dev")
    with pytest.raises(UserError, match="does not exist or is unfinished"):
        resolve_version(home, "nope-123")


def test_reader_errors_on_an_empty_home(home):
    with pytest.raises(UserError, match="no curated dataset"):
        resolve_version(home, "latest")
    with pytest.raises(UserError, match="lake .* is empty"):
        service.check_request(home, None, None)


def test_curation_stats_load_is_idempotent_and_matches_the_report(home):
    write_lake(home, messy_corpus())
    report, _ = curate_home(home)
    with connect_rw(home.warehouse):
        pass  # a warehouse exists
    assert load_curation_stats(home, report) == load_curation_stats(home, report) > 0
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        total = con.execute("select count(*) from curation_stats").fetchone()[0]
        by_measure = dict(con.execute("select measure, sum(rows) from curation_stats group by 1").fetchall())
        removed = dict(
            con.execute("select reason, sum(rows) from curation_stats where measure = 'removed' group by 1").fetchall()
        )
    finally:
        con.close()
    acc = report["accounting"]
    assert total == len(report["accounting"]["removed_detail"]) + sum(
        len(labels) for per_split in report["balance"]["per_source"].values() for labels in per_split.values()
    ) + len(report["accounting"]["rows_in_by_source"]) + len(report["languages"])
    assert by_measure["rows_in"] == acc["rows_in"] == by_measure["kept"] + by_measure["removed"]
    assert removed == acc["removed"]
