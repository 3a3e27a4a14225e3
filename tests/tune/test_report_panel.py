"""The report's search panel: trials over time, best so far, parameter importance."""

from __future__ import annotations

from sentiflow.flows.tune import curation_features
from sentiflow.tasks.report.build import build_report
from sentiflow.tasks.report.search_panel import gather_search
from sentiflow.tasks.tune import search
from sentiflow.tasks.warehouse.db import connect_ro
from tests.tune.helpers import tiny_space


def test_the_report_shows_the_newest_study(tune_home, tiny_bert, tmp_path):
    before = build_report(tune_home)
    assert "search" not in before["plots"] and "search" not in before["missing"]  # optional: absent, not missing

    space = str(tiny_space(tmp_path))
    plan = search.plan_search(tune_home, "latest", "panel", 5.0, 6, False, space, None, None, str(tiny_bert), "cpu")
    summary = search.run_search(plan, search.prepare_data(plan, curation_features))
    with connect_ro(tune_home.warehouse) as con:
        panel = gather_search(tune_home, con)
    assert panel["study"] == "panel" and [t["number"] for t in panel["trials"]] == list(range(6))
    assert {t["state"] for t in panel["trials"]} <= {"complete", "pruned"}
    assert panel["importance"] is not None, panel["importance_missing"]
    assert set(panel["importance"]) == set(summary.best_params)  # every searched parameter is ranked
    assert abs(sum(panel["importance"].values()) - 1.0) < 1e-6

    after = build_report(tune_home)
    assert "search" in after["plots"]
    page = (tune_home.reports / "report.html").read_text(encoding="utf-8")
    assert "Training-strategy search" in page and "alt='Training-strategy search'" in page
