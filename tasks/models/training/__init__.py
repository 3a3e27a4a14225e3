"""The one training loop (fine-tuning, distillation, prune recovery), its data and checkpoints."""
