"""int8 quantization into an ONNX file that stays int8 on disk and reloads as such.

Steps: torch.onnx.export with the torch.export-based exporter (the default on torch 2.13; the
TorchScript exporter is deprecated and scheduled for removal), dynamic batch and sequence axes;
ONNX Runtime's BERT fusions (SkipLayerNormalization, BiasGelu) while the graph is still fp32,
because quantized MatMuls no longer match the fusion patterns; then
`onnxruntime.quantization.quantize_dynamic`: int8 weights (per output channel, which kept
agreement with the parent highest in our trials), activations quantized per batch at run time.

Kept in fp32: the pooler and classifier (Gemm nodes, which dynamic quantization leaves alone),
LayerNorm and softmax. Quantized: every MatMul weight and the embedding tables (Gather), which
are half of a MiniLM's parameters; that is what makes the file ~4x smaller.

Not torch.ao dynamic quantization + save_pretrained: that silently saves fp32 weights
(transformers #7329, #7923) and torch.ao.quantization is deprecated on torch 2.13.
"""

from __future__ import annotations

import contextlib
import io
import logging
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

ONNX_DIR = "onnx"
INT8_FILE = "model.int8.onnx"
ONNX_OPSET = 18
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")


@dataclass(frozen=True)
class QuantizeConfig:
    per_channel: bool = True  # one scale per output channel of each weight matrix
    fuse: bool = True  # ORT BERT fusions on the fp32 graph before quantizing
    quantize_embeddings: bool = True  # int8 word/position embedding tables (Gather)


@dataclass
class QuantizeReport:
    onnx_file: str  # relative to the model folder
    fp32_bytes: int
    int8_bytes: int
    quantized_ops: dict[str, int]  # op type -> count in the int8 graph

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@contextlib.contextmanager
def _quiet_exporter():
    """The exporter reports each phase and every skipped torchvision op; keep the logs readable."""
    loggers = [
        logging.getLogger(n) for n in ("torch", "torch.onnx", "torch.export", "torch.__trace", "root", "onnxscript")
    ]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            yield
        finally:
            for lg, level in zip(loggers, levels):
                lg.setLevel(level)


def export_onnx(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, path: Path) -> Path:
    """fp32 ONNX with dynamic batch and sequence axes, in one file (no external data)."""
    import torch
    from torch.export import Dim

    # two rows of different lengths: a batch of 1 or a sequence of 1 would be specialised away
    sample = tokenizer(["an example sentence to trace", "and another"], padding=True, return_tensors="pt")
    names = [n for n in INPUT_NAMES if n in sample]
    batch, sequence = Dim("batch"), Dim("sequence")
    model = model.eval()
    # eager attention exports as plain MatMul/Softmax; SDPA's decomposition adds ~70 shape and
    # mask ops (Where, IsNaN, Slice...) per graph, which int8 then spends time on (~10% slower)
    model.set_attn_implementation("eager")
    with _quiet_exporter(), torch.no_grad():
        program = torch.onnx.export(
            model,
            (),
            kwargs={n: sample[n] for n in names},
            input_names=names,
            output_names=["logits"],
            dynamic_shapes={n: {0: batch, 1: sequence} for n in names},
            opset_version=ONNX_OPSET,
            dynamo=True,
            verbose=False,
        )
        program.save(str(path), external_data=False)
    return path


def fuse_bert(src: Path, dst: Path, config) -> Path:
    """ORT's offline BERT graph fusions (fp32 in, fp32 out)."""
    from onnxruntime.transformers.optimizer import optimize_model

    with _quiet_exporter():
        optimized = optimize_model(
            str(src),
            model_type="bert",
            num_heads=config.num_attention_heads,
            hidden_size=config.hidden_size,
            opt_level=1,
            use_gpu=False,
        )
        optimized.save_model_to_file(str(dst))
    return dst


def quantize_onnx(src: Path, dst: Path, config: QuantizeConfig) -> Path:
    """Dynamic int8 quantization: int8 weights, activations quantized at run time."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    op_types = ["MatMul", "Attention"] + (["Gather", "EmbedLayerNormalization"] if config.quantize_embeddings else [])
    with _quiet_exporter():
        quantize_dynamic(
            str(src),
            str(dst),
            weight_type=QuantType.QInt8,
            per_channel=config.per_channel,
            op_types_to_quantize=op_types,
            # fused ops come from the com.microsoft domain, which shape inference cannot type
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    return dst


def _op_counts(path: Path) -> dict[str, int]:
    import onnx

    counts: dict[str, int] = {}
    for node in onnx.load(str(path), load_external_data=False).graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return {k: counts[k] for k in sorted(counts) if "Integer" in k or "Quant" in k}


def quantize_model(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, out_dir: Path, config: QuantizeConfig | None = None
) -> QuantizeReport:
    """Write out_dir/onnx/model.int8.onnx plus the tokenizer and config.json beside it."""
    config = config or QuantizeConfig()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / ONNX_DIR).mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".tmp-onnx-", dir=out_dir) as work:
        fp32 = export_onnx(model, tokenizer, Path(work) / "model.fp32.onnx")
        source = fuse_bert(fp32, Path(work) / "model.fused.onnx", model.config) if config.fuse else fp32
        int8 = quantize_onnx(source, Path(work) / INT8_FILE, config)
        fp32_bytes = fp32.stat().st_size
        shutil.move(str(int8), out_dir / ONNX_DIR / INT8_FILE)
    # config.json carries labels and architecture for people and tools; the weights are in onnx/
    model.config.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    final = out_dir / ONNX_DIR / INT8_FILE
    return QuantizeReport(
        onnx_file=f"{ONNX_DIR}/{INT8_FILE}",
        fp32_bytes=fp32_bytes,
        int8_bytes=final.stat().st_size,
        quantized_ops=_op_counts(final),
    )
