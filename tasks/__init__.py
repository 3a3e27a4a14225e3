"""The work of sentiflow, one subpackage per stage.

Pure modules here never import Prefect; each stage's `prefect_tasks.py` wraps them as tasks.
"""
