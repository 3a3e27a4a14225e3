"""`sentiflow query` in a loop from other processes while `sentiflow score` loads a large batch.

Every query either succeeds (waiting while the load holds the write lock) or fails with the
one-line "busy" message after its bounded wait; nothing hangs; and no query ever sees half a
load (the prediction count is the count before or after it, nothing in between).

The batch: DOCUMENTS lake documents, with their predictions already written as pending shards
(what a run killed after scoring leaves behind), so `sentiflow score` spends its time in the
load and not in the model, and the load is big enough to hold the lock for a measurable time.
Two readers run at once: a patient one (SENTIFLOW_QUERY_WAIT_SECONDS=60, must always answer)
and an impatient one (0.2 s, may answer "busy"). They pause 50 ms between queries, as a
dashboard would, so the writer gets gaps in which to take the lock.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.chaoskit.cli import cli_env, run_cli
from benchmarks.chaoskit.homes import TINY_MODEL_ID, write_review_csv
from tests.reliability.helpers import REPO, has_traceback, ingest_in_process, pending_predictions_for_lake

DOCUMENTS = 100_000
READERS = {"patient": 60.0, "impatient": 0.2}  # name -> SENTIFLOW_QUERY_WAIT_SECONDS


def _start_reader(home: Path, tmp_path: Path, name: str, wait: float, api_url: str):
    stop, out = tmp_path / f"stop-{name}", tmp_path / f"{name}.json"
    env = cli_env(api_url, SENTIFLOW_QUERY_WAIT_SECONDS=str(wait), PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.query_loop", str(home), str(stop), str(out), "0.05"],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, stop, out


def _stop_reader(proc, stop: Path, out: Path) -> list[dict]:
    stop.touch()
    try:
        _, stderr = proc.communicate(timeout=90)  # the patient reader may be inside a 60 s wait
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("a reader hung: it did not stop within 90 s of being told to") from None
    assert proc.returncode == 0, stderr[-2000:]
    return json.loads(out.read_text())


def test_queries_wait_or_say_busy_while_a_load_holds_the_lock(tmp_path, api_url, tiny_model_home):
    from sentiflow.tasks.core.home import Home

    home = Home.at(tmp_path / "home")
    shutil.copytree(tiny_model_home, home.root)
    ingest_in_process(home, [write_review_csv(tmp_path / "big.csv", DOCUMENTS)], shard_rows=50_000)
    assert pending_predictions_for_lake(home, TINY_MODEL_ID, "killed-run") == DOCUMENTS

    readers = {name: _start_reader(home.root, tmp_path, name, wait, api_url) for name, wait in READERS.items()}
    try:
        time.sleep(2.0)  # both readers are querying before the writer starts
        score = run_cli(["score", "--json", "--home", str(home.root)], cli_env(api_url), timeout=300)
        time.sleep(1.0)
    finally:
        results = {name: _stop_reader(*reader) for name, reader in readers.items()}

    assert score.returncode == 0, score.stderr[-3000:]
    summary = json.loads(score.stdout)
    assert summary["predictions_loaded"] == DOCUMENTS and summary["documents_scored"] == 0, summary
    held = summary["lock_held_seconds"]
    print(
        f"\nwrite lock held {held:.2f}s by the load of {DOCUMENTS:,} documents and predictions; "
        f"score took {score.seconds:.1f}s"
    )
    assert held > 0.1, f"the load held the lock for only {held}s: too short to test readers against"

    for name, runs in results.items():
        assert len(runs) >= 10, f"{name}: only {len(runs)} queries ran"
        waited = [r for r in runs if "waiting up to" in r["stderr"]]
        busy = [r for r in runs if r["returncode"] == 2]
        longest = max(r["end"] - r["start"] for r in runs)
        print(
            f"{name} reader (wait {READERS[name]}s): {len(runs)} queries, {len(waited)} waited, "
            f"{len(busy)} busy, longest {longest:.2f}s"
        )
        for r in runs:
            assert not has_traceback(r["stderr"]), r["stderr"]
            if r["returncode"] == 0:
                count = int(r["stdout"].split()[-1])
                assert count in (0, DOCUMENTS), f"{name} saw a half-loaded warehouse: {count} predictions"
            else:
                lines = r["stderr"].strip().splitlines()
                assert r["returncode"] == 2 and "busy" in lines[-1] and lines[-1].startswith("error:"), r
        assert longest < READERS[name] + 10, f"{name}: a query took {longest:.1f}s"
        counts = [int(r["stdout"].split()[-1]) for r in runs if r["returncode"] == 0]
        assert counts and counts[-1] == DOCUMENTS, f"{name} never saw the loaded predictions"
    patient = results["patient"]
    assert all(r["returncode"] == 0 for r in patient), [r["stderr"] for r in patient if r["returncode"]]
    assert any("waiting up to" in r["stderr"] for r in patient), "no query met the lock: nothing was tested"
