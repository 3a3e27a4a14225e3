-- Drift and estimated accuracy of every scored batch: one row per (run, model, source, metric).
-- A batch is one source's documents scored in one run, compared with the model's reference
-- (its predictions on its dataset's test split). Written by tasks/monitor/store.py in one
-- transaction that first deletes the batch's rows, so monitoring a batch again never duplicates it.
--
--   metric               value                                    drifted when
--   label_share          Jensen-Shannon distance of label shares  value > threshold
--   confidence           normed Wasserstein of confidences        value > threshold
--   text_length          normed Wasserstein of words per text     value > threshold
--   unknown_word_share   normed Wasserstein, words not in vocab   value > threshold
--   non_letter_share     normed Wasserstein, non-letter chars     value > threshold
--   language_share       Jensen-Shannon distance of languages     value > threshold
--   domain_classifier    ROC AUC, TF-IDF reference-vs-batch       value > threshold
--   estimated_accuracy   CBPE accuracy; lower/upper its 95% band  never (drifted is false)
--
-- threshold: the larger of Evidently's (0.1; AUC 0.55) and what chance gives at this batch size.
-- insufficient: the batch was too small to judge; value and threshold are null, drifted false.

create table if not exists drift_metrics (
    run_id        varchar not null,    -- runs.run_id of the scoring run (predictions.run_id)
    model_id      varchar not null,    -- models.model_id
    source        varchar not null,
    metric        varchar not null,
    value         double,
    threshold     double,
    drifted       boolean not null,
    n_current     bigint not null,     -- documents in the batch
    n_reference   bigint not null,     -- rows in the reference
    computed_at   timestamptz not null,
    lower         double,              -- estimated_accuracy: its expected error band
    upper         double,
    insufficient  boolean not null default false,
    sampled       bigint,              -- texts the text measures read (a large batch is sampled)
    check (not (metric = 'estimated_accuracy' and drifted)),
    check (not (insufficient and drifted)),
    primary key (run_id, model_id, source, metric)
);
