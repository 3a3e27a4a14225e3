"""The search space file and every bad input: one line naming the field, exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.tune.space import TRAIN_PARAMS, load_space
from tests.tune.helpers import TINY_SPACE, tiny_space

SENTIFLOW = str(Path(sys.executable).with_name("sentiflow"))


def test_the_packaged_default_space_reads_and_searches_training_and_recipe():
    space = load_space()
    names = {p.name for p in space.params}
    assert {"train.lr", "train.epochs", "train.batch_size", "train.warmup_ratio", "train.weight_decay"} <= names
    assert {"train.max_seq_len", "train.layer_lr_decay", "train.label_smoothing", "train.seed"} <= names
    assert {"recipe.near_dedup", "recipe.near_dup_threshold", "recipe.leakage_threshold"} <= names
    assert {"recipe.min_confidence", "recipe.min_alpha_word_ratio"} <= names
    assert space.search.sampler == "tpe" and space.search.pruner == "hyperband"
    assert "max_minutes" not in TRAIN_PARAMS and "max_train_examples" not in TRAIN_PARAMS


def test_a_space_suggests_typed_values_and_a_full_recipe():
    import optuna

    space = load_space_text(TINY_SPACE)
    trial = optuna.create_study(direction="maximize").ask()
    train, recipe = space.suggest(trial)
    assert isinstance(train["epochs"], int) and 6 <= train["epochs"] <= 12
    assert train["batch_size"] == 16 and 1e-3 <= train["lr"] <= 3e-2
    assert recipe.near_dedup in (True, False) and 0 <= recipe.min_confidence <= 0.6
    assert recipe.leakage_threshold == 0.5  # not in the space: curation's default


def load_space_text(text, tmp_path=None):
    import tempfile

    folder = Path(tempfile.mkdtemp()) if tmp_path is None else tmp_path
    return load_space(tiny_space(folder, text))


BAD_SPACES = {
    "unknown parameter": ("[train]\nlearning_rate = 0.1\n", "unknown parameter train.learning_rate"),
    "unknown recipe parameter": ("[recipe]\nmin_stars = 3\n", "unknown parameter recipe.min_stars"),
    "empty range": ("[train]\nlr = { low = 1e-3, high = 1e-4 }\n", "train.lr is an empty range"),
    "empty choices": ("[train]\nbatch_size = { choices = [] }\n", "train.batch_size: choices must be a non-empty list"),
    "unusable value": ("[recipe]\nmin_confidence = { low = 0.0, high = 1.5 }\n", "recipe.min_confidence = 1.5"),
    "unknown sampler": ('[search]\nsampler = "hillclimb"\n', "[search] sampler: unknown 'hillclimb'"),
    "unknown pruner": ('[search]\npruner = "guess"\n', "[search] pruner: unknown 'guess'"),
    "not TOML": ("[train\nlr = \n", "not valid TOML"),
    "unknown section": ("[model]\nname = 'x'\n", "unknown section [model]"),
}


@pytest.mark.parametrize("case", BAD_SPACES, ids=list(BAD_SPACES))
def test_a_bad_space_is_one_line_naming_the_field(case, tmp_path):
    text, expected = BAD_SPACES[case]
    with pytest.raises(UserError, match=None) as caught:
        load_space(tiny_space(tmp_path, text))
    assert expected in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--space", "SPACE"], "unknown parameter train.learning_rate"),
        (["--sampler", "annealing"], "--sampler: unknown 'annealing'; use one of tpe, nsga2, random, cmaes"),
        (["--pruner", "guess"], "--pruner: unknown 'guess'"),
        (["--study", "../escape"], "study name"),
        (["--max-minutes", "0"], "--max-minutes must be > 0"),
        (["--resume"], "no study 'default' to resume"),
    ],
)
def test_the_cli_refuses_bad_input_in_one_line_with_exit_2(args, expected, tune_home, tiny_bert, tmp_path):
    space = tiny_space(tmp_path, "[train]\nlearning_rate = 0.1\n")
    args = [str(space) if a == "SPACE" else a for a in args]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    command = [SENTIFLOW, "tune", "--home", str(tune_home.root), "--base-model", str(tiny_bert), *args]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr
