"""Benchmarks: scripts run as files (`.venv/bin/python benchmarks/NAME.py`).

A package only so that `benchmarks.chaoskit`, which the chaos benchmark and the reliability
tests share, imports under one name from the repository root.
"""
