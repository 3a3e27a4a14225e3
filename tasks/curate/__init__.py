"""Curation: lake documents -> a versioned dataset (datasets/VERSION) with full accounting.

Steps (each a small pure module): text.py, labels.py, quality.py, language.py (document steps),
dedup.py with minhash.py and lsh.py (clusters), split.py (splits and leakage). pipeline.py runs
them; store.py and report.py write the version; dataset.py is the reader other stages use.
"""
