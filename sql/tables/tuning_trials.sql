-- Every trial of every `sentiflow tune` study, mirrored from its Optuna journal
-- (HOME/tune/STUDY.journal) when the trial starts (state running) and again when it ends.
-- Written by tasks/tune/mirror.py in one short transaction per trial; a rerun replaces the row.
--
-- Example: the trials of a study, best first
--   select number, state, value, seconds, params from tuning_trials
--   where study = 'sst2' order by value desc nulls last;

create table if not exists tuning_trials (
    study            varchar not null,   -- the study name (`sentiflow tune --study`)
    number           integer not null check (number >= 0),  -- Optuna's trial number in the study
    state            varchar not null
        check (state in ('complete', 'pruned', 'failed', 'running')),
    value            double,             -- validation macro-F1 (the objective); null unless complete
    params           json not null,      -- the trial's parameters: {"train.lr": 5e-5, "recipe.near_dedup": true, ...}
    curve            json not null,      -- intermediate validation macro-F1: [[examples seen, value], ...]
    seconds          double,             -- wall time of the trial; null while running
    train_rows       integer,            -- rows the trial's recipe kept (before the fidelity sample)
    dataset_version  varchar not null,   -- datasets/VERSION the study searches on
    sampler          varchar not null,   -- tpe | nsga2 | random | cmaes
    started_at       timestamptz,
    ended_at         timestamptz,
    note             varchar not null default '',  -- why it was pruned or failed
    primary key (study, number)
);
