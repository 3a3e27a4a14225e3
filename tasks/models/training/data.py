"""From dataset rows to padded tensors: tokenise once, batch by length, pad per batch.

Padding every batch to its own longest text (never to `max_seq_len`) is the main CPU speed-up:
SST-2 phrases average ~13 tokens, so pad-to-128 spends most of its compute on padding.
Batching similar lengths together keeps that per-batch padding small, while shuffling pools
and batch order keeps the gradient noise of a random order. Everything is a pure function of
(seed, epoch), so a resumed run sees exactly the batches an uninterrupted one would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass
class EncodedSplit:
    """Token ids (truncated, unpadded) and label ids of one split, in row order."""

    input_ids: list[list[int]]
    label_ids: list[int]
    texts: list[str]

    def __len__(self) -> int:
        return len(self.label_ids)

    @property
    def lengths(self) -> list[int]:
        return [len(ids) for ids in self.input_ids]


def sample_rows(frame: pd.DataFrame, limit: int | None, seed: int) -> pd.DataFrame:
    """A seeded random sample of at most `limit` rows (all rows, in order, when None)."""
    if limit is None or len(frame) <= limit:
        return frame.reset_index(drop=True)
    return frame.sample(n=limit, random_state=seed).reset_index(drop=True)


def encode_split(tokenizer: Any, frame: pd.DataFrame, labels: Sequence[str], max_seq_len: int) -> EncodedSplit:
    """Tokenise `frame.text` with truncation and map `frame.label` to class ids."""
    texts = frame["text"].astype(str).tolist()
    label_index = {name: i for i, name in enumerate(labels)}
    label_ids = [label_index[name] for name in frame["label"]]
    input_ids = tokenizer(texts, truncation=True, max_length=max_seq_len)["input_ids"] if texts else []
    return EncodedSplit(input_ids=list(input_ids), label_ids=label_ids, texts=texts)


def collate(split: EncodedSplit, batch: Sequence[int], pad_id: int) -> dict[str, Any]:
    """Tensors for one batch, padded to the batch's longest text (right padding)."""
    import torch

    width = max(len(split.input_ids[i]) for i in batch)
    input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, i in enumerate(batch):
        ids = split.input_ids[i]
        input_ids[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
        attention_mask[row, : len(ids)] = 1
    labels = torch.tensor([split.label_ids[i] for i in batch], dtype=torch.long)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
