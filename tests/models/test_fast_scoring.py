"""The scoring path's speed-ups change no result: same token ids, same padding, same logits.

Each optimisation is checked against what it replaced: numpy padding against `tokenizer.pad`,
the ASCII shortcut against ftfy itself, and both backends' logits against batches built the old
way (the tokenizer's own padding) and fed to the same model.
"""

from __future__ import annotations

import random
import shutil

import ftfy
import numpy as np
import pytest

from sentiflow.tasks.models.batching import encode_texts, length_sorted_batches, pad_ids, padded_batches
from sentiflow.tasks.models.loading import load_classifier
from sentiflow.tasks.models.preprocessing import Preprocessing, _ftfy_config, normalize_text, repair_mojibake
from sentiflow.tasks.models.record import ModelRecord, write_meta

TEXTS = [
    "a gorgeous , witty , seductive movie .",
    "it 's a charming and often affecting journey .",
    "unflinchingly bleak and desperate",
    "the acting , costumes , music , cinematography and sound are all astounding given the production 's "
    "austere locales . " * 6,  # past 128 tokens: truncated
    "Iâ€™m so happy with this cafÃ©",  # mojibake: ftfy repairs it
    "ok",
    "tab\tand\nnewline stay, a \r carriage return does not",
    "",
]


def _record(fmt: str) -> ModelRecord:
    return ModelRecord(
        model_id="m",
        base_model="tiny",
        kind="finetuned",
        format=fmt,
        labels=["negative", "positive"],
        path="models/m",
        preprocessing=Preprocessing(),
    )


@pytest.mark.parametrize("side", ["right", "left"])
def test_numpy_padding_is_what_the_tokenizer_pads(tiny_bert, side):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_bert, padding_side=side)
    ids = encode_texts(tokenizer, TEXTS, 128)
    expected = tokenizer.pad({"input_ids": ids}, return_tensors="np")
    input_ids, mask = pad_ids(ids, tokenizer.pad_token_id, left=side == "left")
    np.testing.assert_array_equal(input_ids, expected["input_ids"])
    np.testing.assert_array_equal(mask, expected["attention_mask"])
    assert input_ids.dtype == mask.dtype == np.int64


@pytest.mark.parametrize("fmt", ["torch", "onnx"])
def test_backends_give_the_logits_of_tokenizer_padded_batches(fmt, tiny_bert, tiny_onnx, tmp_path):
    folder = tmp_path / fmt
    shutil.copytree(tiny_bert if fmt == "torch" else tiny_onnx, folder)
    write_meta(folder, _record(fmt))
    clf = load_classifier(folder, device="cpu", threads=1)
    texts = TEXTS * 5
    logits = clf.logits(texts, batch_size=4)

    # the path before the speed-ups: tokenizer.__call__ with masks, tokenizer.pad per batch
    prepared = [normalize_text(t) for t in texts]
    ids = clf.tokenizer(prepared, truncation=True, max_length=128)["input_ids"]
    expected = np.zeros_like(logits)
    for batch in length_sorted_batches([len(x) for x in ids], 4):
        enc = clf.tokenizer.pad({"input_ids": [ids[i] for i in batch]}, return_tensors="np")
        if fmt == "torch":
            import torch

            with torch.inference_mode():
                out = clf.model(**{k: torch.from_numpy(v) for k, v in enc.items()}).logits.numpy()
        else:
            feed = {**enc, "token_type_ids": np.zeros_like(enc["input_ids"])}
            out = clf.session.run(["logits"], {k: v.astype(np.int64) for k, v in feed.items() if k in clf._inputs})[0]
        expected[batch] = out
    np.testing.assert_array_equal(logits, expected)  # bit for bit: the same inputs reach the model


def test_padded_batches_cover_every_text_once_length_sorted(tiny_bert):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    seen, widths = [], []
    for batch, enc in padded_batches(tokenizer, TEXTS, 128, 3, "pt"):
        seen.extend(int(i) for i in batch)
        widths.append(enc["input_ids"].shape[1])
        assert enc["input_ids"].shape == enc["attention_mask"].shape == (len(batch), widths[-1])
    assert sorted(seen) == list(range(len(TEXTS))) and widths == sorted(widths) and max(widths) == 128


def test_ascii_shortcut_returns_what_ftfy_returns():
    alphabet = "\t\n" + "".join(map(chr, range(0x20, 0x7F)))
    rng = random.Random(0)
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(5000)]
    texts += ["&amp; &lt;3 <b>html</b> stays for html.unescape", "a\\nb", "x" * 5000]
    for text in texts:
        assert repair_mojibake(text) == (ftfy.fix_text(text, _ftfy_config()), False), repr(text)


@pytest.mark.parametrize(
    "text",
    ["Iâ€™m cafÃ©", "bell\x07 and \x1b[31mred\x1b[0m", "line\r\nbreak", "nul\x00", "del\x7f", "ﬂubberiﬁc"],
)
def test_text_outside_the_shortcut_still_goes_through_ftfy(text):
    assert repair_mojibake(text)[0] == ftfy.fix_text(text, _ftfy_config()) != text


@pytest.mark.parametrize(("policy", "spins"), [("ACTIVE", True), ("active", True), ("PASSIVE", False), ("", False)])
def test_onnx_runtime_spins_only_when_openmp_is_told_to(monkeypatch, policy, spins):
    from sentiflow.tasks.models.runtime import spinning_wait

    monkeypatch.setenv("OMP_WAIT_POLICY", policy)
    assert spinning_wait() is spins
