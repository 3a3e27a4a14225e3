-- One measure over a source's monitored batches, oldest first, with its threshold and verdict.
-- param metric varchar = estimated_accuracy: label_share, confidence, text_length, unknown_word_share, non_letter_share, language_share, domain_classifier or estimated_accuracy
-- param source varchar = null: only this source (default: every source)
-- param model varchar = production: a model id, or 'production' for the production model

with chosen as (
    select
        drift_metrics.source,
        drift_metrics.run_id,
        drift_metrics.computed_at,
        drift_metrics.value,
        drift_metrics.threshold,
        drift_metrics.drifted,
        drift_metrics.insufficient,
        drift_metrics.lower,
        drift_metrics.upper,
        drift_metrics.n_current
    from drift_metrics
    inner join models on drift_metrics.model_id = models.model_id
    where drift_metrics.metric = $metric
        and ($source is null or drift_metrics.source = $source)
        and (models.model_id = $model or ($model = 'production' and models.stage = 'production'))
),

final as (
    select
        source,
        computed_at,
        run_id,
        round(value, 4) as value,
        round(threshold, 4) as threshold,
        drifted,
        insufficient,
        round(lower, 4) as lower,
        round(upper, 4) as upper,
        n_current
    from chosen
)

select * from final
order by source, computed_at, run_id
