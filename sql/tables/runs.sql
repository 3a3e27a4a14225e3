-- One row per flow run, for every flow (score, ingest, curate, train, ...).
-- Written by tasks/warehouse/runs.py: record_run(). Predictions name their run here.

create table if not exists runs (
    run_id       varchar primary key,  -- the Prefect flow run id when run under Prefect
    flow         varchar not null,     -- score | ingest | curate | train | compress | run | ...
    parameters   json,                 -- the flow's parameters, as given
    started_at   timestamptz not null,
    finished_at  timestamptz,          -- null while running, or for an interrupted run
    status       varchar not null
        check (status in ('running', 'completed', 'partial', 'failed', 'interrupted')),
    counts       json                  -- the flow's counts: rows read, written, skipped, ...
);
