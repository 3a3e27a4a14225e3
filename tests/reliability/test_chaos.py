"""A few SIGKILLs of `sentiflow ingest`, `score` and `train`, each followed by a re-run that must
end where an uninterrupted run ends. benchmarks/chaos.py does the same with many more kills
and prints the figures; see benchmarks/chaoskit/kills.py for how kills are placed.
"""

from __future__ import annotations

import random

import pytest

from benchmarks.chaoskit import kills, train_kills
from benchmarks.chaoskit.homes import make_tiny_bert

pytestmark = pytest.mark.slow  # ~2-3 minutes of real CLI runs: skipped unless `-m slow`

SEED = 20261129


@pytest.fixture(scope="module")
def world(tmp_path_factory, api_url):
    world = kills.make_world(tmp_path_factory.mktemp("chaos"), api_url, rows=6_000, shard_rows=500)
    kills.build_reference(world)
    return world


def test_killed_ingest_reruns_to_the_same_lake(world):
    rng = random.Random(SEED)
    results = [kills.chaos_ingest(world, 0, rng), kills.chaos_ingest(world, 1, rng, mid_write=True)]
    for r in results:
        print(f"\n{r.what} killed={r.killed} at {r.kill_at:.2f}s left {r.state}")
    assert any(r.killed for r in results), "every run finished before its kill: nothing was tested"
    problems = [f"kill at {r.kill_at:.2f}s: {d}" for r in results for d in r.differences]
    assert not problems, "\n".join(problems)


def test_killed_score_reruns_to_the_same_warehouse(world):
    rng = random.Random(SEED + 1)
    results = [kills.chaos_score(world, 0, rng), kills.chaos_score(world, 1, rng, at="lock")]
    for r in results:
        print(f"\n{r.what} killed={r.killed} at {r.kill_at:.2f}s left {r.state}")
    assert any(r.killed for r in results), "every run finished before its kill: nothing was tested"
    problems = [f"{r.what} kill at {r.kill_at:.2f}s: {d}" for r in results for d in r.differences]
    assert not problems, "\n".join(problems)


def test_killed_training_resumes_from_its_last_checkpoint(tmp_path, env):
    base = make_tiny_bert(tmp_path / "base", layers=1)
    home = train_kills.train_home(tmp_path / "home", base)
    killed, step = train_kills.kill_train_after_checkpoint(home, base, env, random.Random(SEED))
    assert killed, "training finished before the kill"
    summary, metrics = train_kills.resume_train(home, base, env)
    training = metrics["training"]
    assert training["resumed_from_step"] == step, training
    assert training["stop_reason"] == "completed" and training["steps"] == training["total_steps"], training
    assert summary["reused"] is False
    assert not train_kills.first_checkpoint(home), "checkpoints left after the model was published"
