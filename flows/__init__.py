"""Prefect flows, one per file; they compose tasks and hold no business logic."""
