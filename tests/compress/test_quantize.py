"""int8 quantization: an ONNX artefact that is int8 on disk, reloads, is smaller, and agrees
(the parent quantized by the `full_auto` run)."""

from __future__ import annotations

import numpy as np

from sentiflow.tasks.compress.quantize import INT8_FILE, ONNX_DIR
from sentiflow.tasks.models.loading import load_classifier
from tests.compress.conftest import AGREEMENT_TEXTS, PARENT_LAYERS


def test_quantized_artefact_is_int8_on_disk_reloads_smaller_and_agrees(full_auto):
    import onnx

    parent_dir, out = full_auto.home.model(full_auto.parent_id), full_auto.model_dir("quantized")
    onnx_file = out / ONNX_DIR / INT8_FILE
    graph = onnx.load(str(onnx_file)).graph
    int8_weights = [t for t in graph.initializer if t.data_type == onnx.TensorProto.INT8]
    ops = [n.op_type for n in graph.node]
    assert ops.count("MatMulInteger") >= PARENT_LAYERS * 6  # q, k, v, attention out, FFN up and down
    assert sum(int(np.prod(t.dims)) for t in int8_weights) > 0.9 * sum(
        int(np.prod(t.dims))
        for t in graph.initializer
        if t.data_type in (onnx.TensorProto.INT8, onnx.TensorProto.FLOAT)
    ), "most weights should be stored as int8"
    assert onnx_file.stat().st_size < 0.35 * (parent_dir / "model.safetensors").stat().st_size

    parent, quantized = load_classifier(parent_dir, device="cpu"), load_classifier(out)
    assert type(quantized).__name__ == "OnnxClassifier"
    assert quantized.labels == parent.labels
    a, b = parent.logits(AGREEMENT_TEXTS, batch_size=8), quantized.logits(AGREEMENT_TEXTS, batch_size=8)
    agreement = float(np.mean(a.argmax(1) == b.argmax(1)))
    assert agreement >= 0.95, f"int8 agrees with its parent on {agreement:.0%} of {len(AGREEMENT_TEXTS)} texts"


def test_onnx_classifier_returns_input_order_for_any_batching(full_auto):
    clf = load_classifier(full_auto.model_dir("quantized"), threads=1)
    # distinct token lengths: the length-sorted batches are the same whatever the input order
    texts = [" ".join(["great"] * k) + " film" for k in range(1, 40)]
    order = np.random.default_rng(0).permutation(len(texts))
    in_order = clf.logits(texts, batch_size=64)
    np.testing.assert_allclose(clf.logits([texts[i] for i in order], batch_size=64), in_order[order], atol=1e-6)
    # dynamic int8 scales activations per batch, so other batch-mates move logits a little;
    # predictions stay the same
    whole = clf.logits(AGREEMENT_TEXTS, batch_size=64)
    one_by_one = np.vstack([clf.logits([t], batch_size=1) for t in AGREEMENT_TEXTS])
    assert np.mean(one_by_one.argmax(1) == whole.argmax(1)) >= 0.95
    np.testing.assert_allclose(one_by_one, whole, atol=0.3)
    assert clf.logits([], batch_size=4).shape == (0, 2)
