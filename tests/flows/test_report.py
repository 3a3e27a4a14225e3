"""The HTML report: gathered from a tiny home, every plot present, self-contained, renders."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from sentiflow.tasks.models.metrics import expected_calibration_error
from sentiflow.tasks.report.build import build_report
from sentiflow.tasks.report.calibration import reliability_bins, uncalibrate
from sentiflow.tasks.report.gather import gather
from tests.flows.report_home import PARENT_SAME_ROWS, TEMPERATURE, make_report_home, oracle_test_split

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CHROMIUM = Path("/usr/bin/chromium")


def test_report_holds_every_plot_inline(home):
    make_report_home(home)
    summary = build_report(home)
    page = Path(summary["report"]).read_text(encoding="utf-8")
    assert summary["plots"] == ["balance", "confusion", "drift", "funnel", "models", "reliability", "sentiment"]
    assert summary["missing"] == {}
    images = re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", page)
    assert len(images) == 7
    assert all(base64.b64decode(i).startswith(PNG_MAGIC) for i in images)
    # self-contained: nothing fetched from anywhere
    assert not re.search(r"(src|href)=['\"](https?:|//|file:)", page)
    assert "ft-tiny-int8" in page and "run-tiny" in page


def test_gathered_numbers_match_the_home(home):
    make_report_home(home)
    data = gather(home)
    assert data["funnel"] == {
        "version": "v-tiny",
        "rows_in": 14,
        "kept": {"train": 6, "validation": 2, "test": 4},
        "removed": {"exact_duplicate": 2},
    }
    assert data["balance"]["test"] == {"negative": 2, "positive": 2}
    assert data["production"]["model_id"] == "ft-tiny-int8" and data["parent"]["model_id"] == "ft-tiny"
    # beside the production model, the parent's figures are those measured on the same rows
    assert data["parent"]["metrics"]["test"]["accuracy"] == PARENT_SAME_ROWS
    assert {m["model_id"] for m in data["models"]} == {"ft-tiny", "ft-tiny-int8"}
    assert data["confusion"]["matrix"] == [[2, 0], [1, 1]]
    assert sorted({row["source"] for row in data["sentiment"]}) == ["alpha", "beta"]
    assert sum(row["documents"] for row in data["sentiment"]) == 12
    assert data["latest_run"]["run_id"] == "run-tiny"


def test_funnel_and_balance_fall_back_to_the_dataset_files(home):
    """A report.json without accounting (an older format) still gives the same funnel."""
    import json

    make_report_home(home)
    expected = gather(home)
    report = home.dataset("v-tiny") / "report.json"
    report.write_text(json.dumps({"version": "v-tiny"}))
    fallback = gather(home)
    assert fallback["funnel"] == expected["funnel"] and fallback["balance"] == expected["balance"]


def test_reliability_matches_the_training_ece(home):
    """Oracle: the diagram's ECE equals tasks/train's ECE on the same probabilities."""
    make_report_home(home)
    reliability = gather(home)["reliability"]
    _, gold, calibrated = oracle_test_split()
    gold = np.array(gold)
    assert reliability["n"] == 4
    assert reliability["after"]["ece"] == pytest.approx(expected_calibration_error(calibrated, gold))
    before = uncalibrate(calibrated, TEMPERATURE)
    assert reliability["before"]["ece"] == pytest.approx(expected_calibration_error(before, gold))
    # the model was overconfident: calibration lowered confidence, so ECE fell
    assert reliability["after"]["ece"] < reliability["before"]["ece"]


def test_uncalibrate_recovers_the_raw_softmax():
    logits = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0]])
    raw = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    scaled = np.exp(logits / 2.5) / np.exp(logits / 2.5).sum(axis=1, keepdims=True)
    assert np.allclose(uncalibrate(scaled, 2.5), raw)
    assert sum(b["n"] for b in reliability_bins(scaled, np.array([0, 2]), 2.5)["before"]["bins"]) == 2


def test_report_on_an_empty_home_says_what_is_missing(home):
    summary = build_report(home, out=home.root / "r.html")
    page = Path(summary["report"]).read_text(encoding="utf-8")
    assert summary["plots"] == []
    assert set(summary["missing"]) == {"funnel", "balance", "confusion", "reliability", "sentiment", "models", "drift"}
    assert page.count("Not available") == 7 and "sentiflow curate" in page


@pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium not installed (apt-get install chromium)")
def test_report_renders_in_headless_chromium(home, tmp_path):
    make_report_home(home)
    report = Path(build_report(home)["report"])
    shot = tmp_path / "report.png"
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
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1200,3000",
            report.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    png = shot.read_bytes()
    assert png.startswith(PNG_MAGIC)
    # a blank page compresses to a few KB; six plots and tables do not
    assert len(png) > 100_000, len(png)
    shutil.copy(shot, home.reports / "report-screenshot.png")


def test_counts_read_plainly():
    from sentiflow.tasks.report.html import plain

    assert (
        plain({"a": 1000, "b": {"x": 2, "y": 0.25}, "c": None, "d": ["demo", "x"]})
        == "a: 1,000; b: x 2, y 0.2; d: demo, x"
    )
