"""Fixtures for the orchestration tests: a tiny labelled corpus, a sources file, a tiny BERT."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

POSITIVE = ["great", "lovely", "excellent", "wonderful", "happy", "fantastic", "superb", "brilliant"]
NEGATIVE = ["awful", "terrible", "horrible", "bad", "sad", "dreadful", "poor", "nasty"]
NOUNS = ["movie", "service", "food", "day", "phone", "hotel", "book", "game", "song", "trip"]


def write_corpus(path: Path, rows: int = 120, seed: int = 0, start: int = 0) -> Path:
    """A CSV of short reviews whose label a word decides (text, label)."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label"])
        for i in range(start, start + rows):
            words = POSITIVE if i % 2 else NEGATIVE
            writer.writerow(
                [
                    f"the {rng.choice(NOUNS)} number {i} was {rng.choice(words)} and {rng.choice(words)}",
                    "positive" if i % 2 else "negative",
                ]
            )
    return path


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    from tests.tinybert import make_tiny_bert

    return make_tiny_bert(tmp_path_factory.mktemp("tinybert") / "model")


@pytest.fixture
def configured_home(home, tmp_path) -> tuple:
    """A home whose sentiflow.toml configures one source, `reviews`, from a tiny CSV."""
    corpus = write_corpus(tmp_path / "data" / "reviews.csv")
    home.root.mkdir(parents=True)
    (home.root / "sentiflow.toml").write_text(
        f'[[sources]]\nname = "reviews"\npaths = ["{corpus}"]\n', encoding="utf-8"
    )
    return home, corpus
