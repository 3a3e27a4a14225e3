"""The model's home: its record, its backends, its text preprocessing and its training loop.

A lower package: stages (train, compress, score, ...) import it; it imports only core.
"""

import os

# OpenMP threads that spin while waiting steal the cores other processes need; on a shared
# 2-core machine a 2-thread training step ran 6x slower with the default (spinning) policy than
# with passive waiting (14 vs 86 samples/s, MiniLM, batch 32). libgomp reads the policy once,
# when torch loads, so it is set here, before any model module imports torch; an explicit
# OMP_WAIT_POLICY in the environment wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
