"""The model's home: its record, its backends, its text preprocessing and its training loop.

A lower package: stages (train, compress, score, ...) import it; it imports only core.
"""

import os

# Idle OpenMP threads wait passively (sleep) instead of spinning. sentiflow is a batch pipeline on
# machines it shares (other stages, other jobs): a spinning thread burns a core another process
# needs, and when the cores are contended that costs far more than the wake-up latency passive
# waiting adds. Measured on this project's shared 2-core machine (2 threads, same texts, child
# processes, interleaved; load average 10-13 from other jobs): scoring 1,500 SST-2 sentences, fp32
# 81 docs/s passive against 22 with the default policy, int8 ONNX 152 against 83 (ORT spinning
# off/on, see onnx_backend.py); training MiniLM, batch 32, 86 samples/s against 14. On an idle
# machine the default policy is a little faster (a batched pipeline: 491 against 468 docs/s, 5%),
# which does not repay the 2-4x loss under contention. libgomp reads the policy once, when torch
# loads, so it is set here, before any model module imports torch. OMP_WAIT_POLICY in the
# environment wins: ACTIVE turns spinning on for torch and ONNX Runtime alike (runtime.spinning_wait).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
