-- One prediction per (document, model): the upsert key, so reloading a shard adds no rows.
-- Probabilities are calibrated (the model's temperature applied). Sentiment models have the
-- classes negative/positive or negative/neutral/positive; a column is null where the model
-- lacks that class (p_neutral for binary models).

create table if not exists predictions (
    doc_id      varchar not null,   -- documents.doc_id
    model_id    varchar not null,   -- models.model_id
    run_id      varchar not null,   -- runs.run_id of the run that scored it
    label       varchar not null,   -- the most probable class
    confidence  double not null check (confidence between 0 and 1),  -- its probability
    p_negative  double check (p_negative between 0 and 1),
    p_neutral   double check (p_neutral between 0 and 1),
    p_positive  double check (p_positive between 0 and 1),
    polarity    double not null check (polarity between -1 and 1),   -- p_positive - p_negative
    scored_at   timestamptz not null,
    primary key (doc_id, model_id)
);
