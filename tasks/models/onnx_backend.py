"""int8 ONNX models behind the Classifier interface (ONNX Runtime, CPU execution provider).

Same behaviour as TorchClassifier: the model's recorded text preprocessing applied, texts
truncated at 128 tokens, batches of similar length with padding only to the longest text in the
batch, logits returned in input order.

Dynamic int8 quantization scales activations per batch, so a text's logits move slightly
with its batch-mates (predictions very rarely); scores are reproducible for the same batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.models.batching import padded_batches
from sentiflow.tasks.models.preprocessing import Preprocessing
from sentiflow.tasks.models.record import ModelRecord
from sentiflow.tasks.models.runtime import default_threads, spinning_wait

ONNX_DIR = "onnx"
# int8 runs fastest in small batches: MiniLM int8 on 2 cores, SST-2 dev, did 374 texts/s in
# batches of 16 and 334 in batches of 64 (torch fp32 is the other way round: 164 and 201);
# the activations of a small batch stay in cache between the quantize and matmul steps
MAX_BATCH = 16


def find_onnx_file(model_dir: Path) -> Path:
    files = sorted((model_dir / ONNX_DIR).glob("*.onnx"))
    if len(files) != 1:
        found = ", ".join(f.name for f in files) or "none"
        raise UserError(f"{model_dir}/{ONNX_DIR} should hold exactly one .onnx file (found: {found})")
    return files[0]


class OnnxClassifier:
    """A sequence classifier exported to ONNX (int8 weights), run by ONNX Runtime on CPU."""

    def __init__(
        self,
        session,
        tokenizer,
        labels: list[str],
        temperature: float,
        max_length: int = 128,
        preprocessing: Preprocessing | None = None,
    ):
        self.session, self.tokenizer = session, tokenizer
        self.labels, self.temperature, self.max_length = labels, temperature, max_length
        self.preprocessing = preprocessing  # applied to raw texts before tokenising; None = as given
        self._inputs = {i.name for i in session.get_inputs()}

    @classmethod
    def load(cls, model_dir: Path, meta: ModelRecord, threads: int | None = None) -> OnnxClassifier:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or default_threads()
        options.inter_op_num_threads = 1  # one request at a time; parallelism is inside each op
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # idle pool threads wait as torch's OpenMP threads do (tasks/models/__init__.py): passively
        # unless OMP_WAIT_POLICY=ACTIVE, so one setting governs both runtimes
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning_wait() else "0")
        session = ort.InferenceSession(
            str(find_onnx_file(Path(model_dir))), options, providers=["CPUExecutionProvider"]
        )
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        return cls(session, tokenizer, list(meta.labels), float(meta.temperature), preprocessing=meta.preprocessing)

    def logits(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        if not texts:
            return out
        batches = padded_batches(
            self.tokenizer, texts, self.max_length, min(batch_size, MAX_BATCH), "np", preprocessing=self.preprocessing
        )
        for batch, enc in batches:
            # single-segment inputs: segment 0 everywhere, as the torch model assumes
            feed = enc | {"token_type_ids": np.zeros_like(enc["input_ids"])}
            out[batch] = self.session.run(["logits"], {k: v for k, v in feed.items() if k in self._inputs})[0]
        return out
