"""Length-sorted batching, the one helper every model path uses.

A batch is padded to its longest text, so one 500-token review among 63 tweets makes the
whole batch cost 64 x 500 tokens. Grouping texts of similar length keeps padding small:
inference sorts all its texts by length (`length_sorted_batches`, `padded_batches`);
training sorts within shuffled pools so batches stay nearly uniform while the order stays
random (`shuffled_length_batches`). Results are always put back in input order by the caller.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from sentiflow.tasks.models.preprocessing import Preprocessing

POOL_BATCHES = 50  # training: batches per length-sorting pool; larger pads less, smaller shuffles more


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[np.ndarray]:
    """Indices grouped into consecutive batches of the length order (shortest first, stable)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = np.argsort(np.asarray(lengths, dtype=np.int64), kind="stable")
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def encode_texts(
    tokenizer: Any, texts: Sequence[str], max_length: int, preprocessing: Preprocessing | None = None
) -> list[list[int]]:
    """Token ids of every text (preprocessed, truncated), in one call of the fast tokenizer's batch API."""
    if preprocessing is not None:
        texts = preprocessing.apply(texts)
    # no attention masks or segment ids here: padding builds the masks, and they would be
    # one more Python list per text to convert
    encoded = tokenizer(list(texts), truncation=True, max_length=max_length, return_attention_mask=False)
    return encoded["input_ids"]


def pad_ids(ids: Sequence[Sequence[int]], pad_id: int, left: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(input_ids, attention_mask) as int64 arrays, padded to the longest row with `pad_id`.

    What `tokenizer.pad` returns for the same ids, built with numpy instead of per-row Python:
    the row-major boolean fill writes each row's ids, in order, to its own unmasked slots.
    """
    lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
    width = int(lengths.max()) if len(ids) else 0
    columns = np.arange(width)
    mask = columns >= (width - lengths)[:, None] if left else columns < lengths[:, None]
    input_ids = np.full((len(ids), width), pad_id, dtype=np.int64)
    input_ids[mask] = np.fromiter(itertools.chain.from_iterable(ids), dtype=np.int64, count=int(lengths.sum()))
    return input_ids, mask.astype(np.int64)


def padded_batches(
    tokenizer: Any,
    texts: Sequence[str],
    max_length: int,
    batch_size: int,
    return_tensors: str,
    preprocessing: Preprocessing | None = None,
) -> Iterator[tuple[np.ndarray, dict[str, Any]]]:
    """Preprocess and tokenise `texts` once (truncated), then yield (indices, padded encoding) per length batch.

    Every backend tokenises here, so a model's recorded preprocessing (the text normalisation it
    was trained with) reaches its input whatever the backend; None leaves the texts as they are.
    The encoding holds int64 `input_ids` and `attention_mask`, numpy arrays ('np') or torch
    tensors ('pt'), padded as the tokenizer pads (its pad token, on its padding side).
    """
    ids = encode_texts(tokenizer, texts, max_length, preprocessing)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    left = getattr(tokenizer, "padding_side", "right") == "left"
    for batch in length_sorted_batches([len(x) for x in ids], batch_size):
        input_ids, attention_mask = pad_ids([ids[i] for i in batch], pad_id, left)
        if return_tensors == "pt":
            import torch

            input_ids, attention_mask = torch.from_numpy(input_ids), torch.from_numpy(attention_mask)
        yield batch, {"input_ids": input_ids, "attention_mask": attention_mask}


def shuffled_length_batches(lengths: Sequence[int], batch_size: int, seed: int, epoch: int) -> list[list[int]]:
    """One epoch's batches of row indices: shuffled, length-sorted within pools, batch order shuffled."""
    rng = random.Random(seed * 1_000_003 + epoch)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool_size = batch_size * POOL_BATCHES
    batches: list[list[int]] = []
    for start in range(0, len(order), pool_size):
        pool = sorted(order[start : start + pool_size], key=lambda i: lengths[i])
        batches.extend(pool[i : i + batch_size] for i in range(0, len(pool), batch_size))
    rng.shuffle(batches)
    return batches


def padding_share(lengths: Sequence[int], batches: Sequence[Sequence[int]]) -> float:
    """Fraction of token slots that are padding under these batches (0 = none)."""
    real = sum(lengths[i] for b in batches for i in b)
    slots = sum(len(b) * max(lengths[i] for i in b) for b in batches if b)
    return 0.0 if slots == 0 else 1.0 - real / slots
