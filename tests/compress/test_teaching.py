"""Teacher distillation: the transfer set keeps evaluation texts out, teacher shards resume after a
kill, the loss learns from unlabelled rows and falls, an ensemble averages calibrated
probabilities, and `sentiflow compress --student-base` registers a student with its lineage."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sentiflow.flows.cli import app
from sentiflow.tasks.compress.teacher_cache import TeacherCache
from sentiflow.tasks.compress.transfer import build_transfer_set
from sentiflow.tasks.core.datasets import DatasetSplits
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.models.training.losses import (
    UNLABELLED,
    distillation_loss,
    ensemble_probabilities,
    probabilities_as_logits,
)
from tests.compress.teaching_helpers import (
    EVALUATION_LIKE,
    FRESH,
    TEST,
    TRAIN,
    VALIDATION,
    register_copy,
    write_lake,
)
from tests.train.helpers import write_dataset

runner = CliRunner()


def _splits() -> DatasetSplits:
    def frame(df: pd.DataFrame, split: str) -> pd.DataFrame:
        return df.assign(text_original=df["text"], doc_id=[f"{split}-{i}" for i in range(len(df))])

    return DatasetSplits(
        "v2", ["negative", "positive"], frame(TRAIN, "train"), frame(VALIDATION, "validation"), frame(TEST, "test")
    )


def test_transfer_set_keeps_validation_and_test_texts_out():
    splits = _splits()
    lake = pd.DataFrame(
        {
            "doc_id": ["lake-0", "lake-1", "lake-2", "lake-3", "lake-4", "train-0", "validation-1"],
            "text": [*FRESH, *EVALUATION_LIKE, "great wonderful film", "bad boring acting"],
        }
    )

    # an augmenter whose variants include an evaluation text in disguise
    def augmenter(texts, n):
        return ["Dreadful, dull movie.", "great lovely film"][: n * 2]

    transfer = build_transfer_set(splits, lake, ["lake"], None, 1, augmenter, seed=0)
    evaluation = {" ".join(t.lower().split()) for t in [*VALIDATION["text"], *TEST["text"]]}
    assert transfer.makeup() == {"labelled": 12, "unlabelled": 3, "augmented": 1}
    assert transfer.texts[12:] == [*FRESH, "great lovely film"]
    assert not any(
        " ".join(t.lower().replace(",", "").replace(".", "").replace("!", "").split()) in evaluation
        for t in transfer.texts
    )
    assert transfer.removed == {
        "lake_in_dataset": 2,
        "lake_near_evaluation_text": 2,
        "augmented_near_evaluation_text": 1,
    }
    assert transfer.labels[:12] == TRAIN["label"].tolist() and transfer.labels[12:] == [None] * 4


def test_transfer_max_samples_the_lake_and_an_unusable_source_is_one_line():
    splits = _splits()
    lake = pd.DataFrame({"doc_id": [f"d{i}" for i in range(3)], "text": FRESH})
    capped = build_transfer_set(splits, lake, ["lake"], 2, 0, lambda t, n: [], seed=0)
    assert capped.makeup() == {"labelled": 12, "unlabelled": 2, "augmented": 0}
    assert capped.removed == {"lake_over_transfer_max": 1}
    useless = pd.DataFrame({"doc_id": ["x", "y"], "text": EVALUATION_LIKE})
    with pytest.raises(UserError, match=r"--transfer lake: no usable documents: all 2 are in dataset v2") as err:
        build_transfer_set(splits, useless, ["lake"], None, 0, lambda t, n: [], seed=0)
    assert "\n" not in str(err.value)


def _fake_score(texts: list[str]) -> np.ndarray:
    """A deterministic 'teacher': the share of vowels, as two-class probabilities."""
    p = np.array([sum(c in "aeiou" for c in t) / max(len(t), 1) for t in texts], dtype=np.float32)
    return np.stack([1 - p, p], axis=1)


TEXTS = [f"text number {i} {'a' * (i % 7)}" for i in range(40)]


def test_teacher_shards_are_reused_and_a_lost_shard_alone_is_scored_again(tmp_path):
    home = Home.at(tmp_path / "home")
    cache = TeacherCache(home, "teacher@1@T1", TEXTS, ["negative", "positive"])
    scored: list[int] = []

    def counting(texts):
        scored.append(len(texts))
        return _fake_score(texts)

    first, report = cache.compute(counting, shard_rows=8)
    assert (report.shards, report.scored_shards, report.scored_rows) == (5, 5, 40)
    np.testing.assert_allclose(first, _fake_score(TEXTS))
    scored.clear()
    (cache.folder / "shard-00002.json").unlink()  # as if killed after writing shard 2, before its marker
    again, report = cache.compute(counting, shard_rows=8)
    assert scored == [8] and (report.reused_shards, report.scored_shards) == (4, 1)
    np.testing.assert_array_equal(again, first)
    # another transfer set is another cache: nothing stale is read
    other = TeacherCache(home, "teacher@1@T1", [*TEXTS, "one more"], ["negative", "positive"])
    assert other.folder != cache.folder


KILLED_RUN = """
import sys, time
import numpy as np
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.compress.teacher_cache import TeacherCache
from tests.compress.test_teaching import TEXTS, _fake_score

def slow(texts):
    time.sleep(0.4)
    return _fake_score(texts)

TeacherCache(Home.at(sys.argv[1]), "teacher@1@T1", TEXTS, ["negative", "positive"]).compute(slow, shard_rows=4)
"""


def test_teacher_shards_resume_after_the_process_is_killed(tmp_path):
    home = Home.at(tmp_path / "home")
    cache = TeacherCache(home, "teacher@1@T1", TEXTS, ["negative", "positive"])
    child = subprocess.Popen([sys.executable, "-c", KILLED_RUN, str(home.root)])
    deadline = time.monotonic() + 120
    while len(list(cache.folder.glob("shard-*.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    child.kill()
    child.wait()
    done = len(list(cache.folder.glob("shard-*.json")))
    assert 2 <= done < 10, done  # killed mid-way: some shards finished, not all
    scored: list[int] = []
    probabilities, report = cache.compute(lambda t: scored.append(len(t)) or _fake_score(t), shard_rows=4)
    assert report.reused_shards == done and sum(scored) == 40 - 4 * done
    np.testing.assert_allclose(probabilities, _fake_score(TEXTS))


def test_distillation_loss_uses_gold_only_where_a_row_has_it():
    import torch
    import torch.nn.functional as F

    student = torch.tensor([[2.0, -1.0], [0.5, 0.3], [-1.0, 1.5]])
    teacher = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.2, 0.1]])
    labels = torch.tensor([0, UNLABELLED, 1])
    soft = distillation_loss(student, teacher, labels, 1.0, 2.0)
    mixed = distillation_loss(student, teacher, labels, 0.5, 2.0)
    hard = F.cross_entropy(student[[0, 2]], torch.tensor([0, 1]))
    assert torch.isclose(mixed, 0.5 * soft + 0.5 * hard)
    none = distillation_loss(student, teacher, torch.full((3,), UNLABELLED), 0.5, 2.0)
    assert torch.isfinite(none) and torch.isclose(none, 0.5 * soft)


def test_distillation_on_a_half_unlabelled_transfer_set_falls(tmp_path):
    """The shared loop with the teachers' targets: half the rows have no gold label."""
    from dataclasses import replace

    from sentiflow.tasks.compress.distill import train_student
    from sentiflow.tasks.models.training.config import StudentTrainingConfig
    from sentiflow.tasks.models.training.losses import SoftTargets
    from tests.models.training.helpers import tiny_model
    from tests.tinybert import make_tiny_bert
    from tests.train.helpers import TINY_CONFIG

    model, tokenizer, split = tiny_model(make_tiny_bert(tmp_path / "student", layers=1))
    gold = np.array(split.label_ids)
    teacher = np.where(gold[:, None] == np.arange(2), 0.9, 0.1).astype(np.float32)  # agrees with gold
    split.label_ids = [label if i % 2 else UNLABELLED for i, label in enumerate(split.label_ids)]
    config = StudentTrainingConfig(replace(TINY_CONFIG, epochs=10), alpha=0.5, temperature=2.0)
    result = train_student(
        model, tokenizer.pad_token_id, split, SoftTargets.from_logits(probabilities_as_logits(teacher)), config
    )
    losses = result.losses
    assert result.steps == 20 and np.mean(losses[-3:]) < 0.75 * np.mean(losses[:3]), losses


def test_ensemble_averages_probabilities_and_its_logits_give_them_back():
    a = np.array([[0.9, 0.1], [0.2, 0.8]], dtype=np.float32)
    b = np.array([[0.5, 0.5], [0.4, 0.6]], dtype=np.float32)
    mean = ensemble_probabilities([a, b])
    np.testing.assert_allclose(mean, [[0.7, 0.3], [0.3, 0.7]], atol=1e-6)
    logits = probabilities_as_logits(mean)
    np.testing.assert_allclose(np.exp(logits) / np.exp(logits).sum(1, keepdims=True), mean, atol=1e-6)
    with pytest.raises(ValueError):
        ensemble_probabilities([a, b[:1]])


@pytest.fixture
def teaching_home(parent_home):
    """The parent (teacher), a second teacher at another temperature, dataset v2 and a lake."""
    home, parent_id = parent_home
    write_dataset(home, "v2", TRAIN, VALIDATION, TEST)
    register_copy(home, parent_id, "second-teacher", temperature=2.5)
    write_lake(home, "reviews", [*FRESH, *EVALUATION_LIKE])
    return home, parent_id


def test_ensemble_of_teachers_averages_their_calibrated_probabilities(teaching_home):
    from sentiflow.tasks.compress.teacher import resolve_teachers
    from sentiflow.tasks.compress.teaching import teacher_targets
    from sentiflow.tasks.models.classifier import predict_proba
    from sentiflow.tasks.models.loading import load_classifier

    home, parent_id = teaching_home
    labels = ["negative", "positive"]
    teachers = resolve_teachers(home, [parent_id, "second-teacher"], labels, "v2")
    texts = [*FRESH, *TRAIN["text"]]
    ensemble, caches = teacher_targets(home, teachers, texts, labels, 1, None)
    each = [predict_proba(load_classifier(home.model(t.model_id), device="cpu"), texts) for t in teachers]
    assert not np.allclose(each[0], each[1], atol=1e-3)  # the temperatures differ
    np.testing.assert_allclose(ensemble, (each[0] + each[1]) / 2, atol=1e-5)
    again, caches_again = teacher_targets(home, teachers, texts, labels, 1, None)
    assert [c["reused_shards"] for c in caches_again] == [c["shards"] for c in caches] and np.array_equal(
        again, ensemble
    )


def test_transfer_sets_sharing_a_part_share_its_cached_teacher_targets(teaching_home):
    from sentiflow.tasks.compress.teacher import resolve_teachers
    from sentiflow.tasks.compress.teaching import part_blocks, teacher_targets

    home, parent_id = teaching_home
    labels = ["negative", "positive"]
    teachers = resolve_teachers(home, [parent_id], labels, "v2")
    labelled = list(TRAIN["text"])
    alone, first = teacher_targets(home, teachers, labelled, labels, 1, None, ["labelled"] * len(labelled))
    assert [c["scored_rows"] for c in first] == [len(labelled)]
    texts, parts = [*labelled, *FRESH], ["labelled"] * len(labelled) + ["unlabelled"] * len(FRESH)
    assert part_blocks(parts) == [(0, len(labelled)), (len(labelled), len(texts))]
    both, second = teacher_targets(home, teachers, texts, labels, 1, None, parts)
    by_part = {c["part"]: c for c in second}
    assert by_part["labelled"]["reused_shards"] == by_part["labelled"]["shards"]  # the teacher did not run again
    assert by_part["labelled"]["scored_rows"] == 0 and by_part["unlabelled"]["scored_rows"] == len(FRESH)
    np.testing.assert_array_equal(both[: len(labelled)], alone)


def test_compress_distils_teachers_into_a_student_with_its_lineage(prefect_harness, teaching_home, tmp_path):
    from sentiflow.tasks.warehouse.registry import get_model, promote
    from tests.compress.teaching_helpers import make_other_width_student

    home, parent_id = teaching_home
    promote(home, "second-teacher")  # the teacher is not production: the student must beat production
    student_base = make_other_width_student(tmp_path / "student")  # hidden 48, 2 layers; teachers 32, 4
    args = ["compress", "--home", str(home.root), "--method", "distill", "--model", parent_id, "--dataset", "v2"]
    args += ["--teacher", "second-teacher", "--student-base", str(student_base), "--transfer", "reviews"]
    args += ["--augment", "2", "--max-accuracy-drop", "100", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    student_id = summary["student_id"]
    assert summary["teachers"] == [parent_id, "second-teacher"]
    rows = summary["transfer_rows"]
    assert rows["labelled"] == 12 and rows["unlabelled"] == 3 and rows["augmented"] > 0
    assert [r["kind"] for r in summary["candidates"]] == ["distilled", "distilled+quantized"]
    record = get_model(home, student_id)
    assert record.parent_id == parent_id and record.kind == "distilled" and record.base_model == str(student_base)
    assert record.metrics["teachers"] == [parent_id, "second-teacher"] and record.metrics["transfer_rows"] == rows
    metrics = json.loads((home.model(student_id) / "metrics.json").read_text())
    teach = metrics["details"]["teach"]
    assert json.loads((home.model(student_id) / "config.json").read_text())["hidden_size"] == 48
    assert teach["student_layers"] == 2 and teach["transfer_removed"]["lake_near_evaluation_text"] == 2
    assert teach["training"]["steps"] >= 1
    first_teacher = [c for c in teach["teacher_caches"] if c["teacher"] == parent_id]
    assert {c["part"]: c["scored_rows"] for c in first_teacher} == rows  # each part cached on its own
    card = (home.model(student_id) / "README.md").read_text()
    assert f"transfer set: 12 labelled train texts, 3 unlabelled lake documents, {rows['augmented']} augmented" in card
    assert summary["chosen"] in (student_id, f"{student_id}-int8")  # within the (wide) budget of its teacher
    # then it competes like any candidate: champion/challenger against production's test macro-F1
    assert "production second-teacher (" in summary["promotion_note"], summary["promotion_note"]
    assert (get_model(home, "production").model_id == summary["chosen"]) == summary["promoted"]


def test_bad_teaching_inputs_are_one_line_user_errors(teaching_home, tmp_path):
    from tests.tinybert import make_tiny_bert

    home, parent_id = teaching_home
    register_copy(home, parent_id, "other-labels", 1.0, labels=["bad", "good"])
    write_lake(home, "echoes", EVALUATION_LIKE)
    student = str(make_tiny_bert(tmp_path / "student", layers=1))
    base = ["compress", "--home", str(home.root), "--method", "distill", "--model", parent_id, "--dataset", "v2"]
    base += ["--student-base", student]
    cases = {
        ("--teacher", "other-labels"): "teacher 'other-labels' predicts ['bad', 'good'] but dataset v2 has labels",
        ("--transfer", "nosuch"): "--transfer: no lake source 'nosuch' (known: echoes, reviews)",
        ("--transfer", "echoes"): "--transfer echoes: no usable documents",
    }
    for flags, expected in cases.items():
        result = runner.invoke(app, [*base, *flags])
        assert isinstance(result.exception, UserError), (flags, result.output)
        assert expected in str(result.exception) and "\n" not in str(result.exception), (flags, str(result.exception))
    result = runner.invoke(app, ["compress", "--home", str(home.root), "--teacher", "x"])
    assert isinstance(result.exception, UserError) and "needs --student-base" in str(result.exception)


def test_augmented_variants_swap_words_for_vocabulary_neighbours():
    from sentiflow.tasks.compress.augment import NeighbourTable, augment_texts

    vocab = {"good": 0, "great": 1, "bad": 2, "awful": 3, "film": 4, "movie": 5, "##s": 6}
    embeddings = np.array(
        [[1, 0.1, 0], [1, 0.2, 0], [-1, 0, 0.1], [-1, 0, 0.2], [0, 1, 0], [0, 1, 0.1], [0, 1, 0.05]], dtype=np.float32
    )
    table = NeighbourTable.build({"good", "bad", "film", "unknown"}, vocab, embeddings, k=1)
    assert table.neighbours == {"good": ["great"], "bad": ["awful"], "film": ["movie"]}  # never a piece, never itself
    texts = ["Good film, unknown plot", "bad"]
    variants, sources = augment_texts(texts, 3, table, seed=0, replace_probability=1.0)
    # one word each way at most, so each text has a single possible variant: kept once, never the source
    assert variants == ["Great movie, unknown plot", "awful"] and sources == [0, 1]
    assert augment_texts(texts, 3, table, seed=0, replace_probability=1.0) == (variants, sources)  # seeded
