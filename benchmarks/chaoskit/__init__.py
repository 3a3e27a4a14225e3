"""What the chaos benchmark (benchmarks/chaos.py) and the reliability tests (tests/reliability/)
both use: the real `sentiflow` CLI as a subprocess, homes with a tiny model or a toy dataset,
comparable snapshots of a home, a reader polling a home, and the SIGKILL-and-re-run drills.

    cli.py             the console script as a subprocess: environment, run, start, kill
    homes.py           a tiny random BERT, registered; review CSVs; a toy curated dataset
    snapshots.py       a home's lake and warehouse in comparable form; DuckDB's health
    polling_reader.py  a reader polling a home while writers run and get killed
    kills.py           kill `sentiflow ingest` / `score` at random points, re-run, compare
    train_kills.py     kill `sentiflow train` after a checkpoint, `--resume`, compare

Test code imports this package; nothing here imports from tests/.
"""
