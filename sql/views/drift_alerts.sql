-- The drifted measures of each source's latest monitored batch (for each model): what needs a
-- look now. A source whose latest batch did not drift has no rows here, even if an older one did.

create or replace view drift_alerts as

with batches as (
    select
        source,
        model_id,
        run_id,
        max(computed_at) as computed_at
    from drift_metrics
    group by source, model_id, run_id
),

latest as (
    select
        source,
        model_id,
        max_by(run_id, computed_at) as run_id
    from batches
    group by source, model_id
),

final as (
    select
        drift_metrics.source,
        drift_metrics.model_id,
        drift_metrics.run_id,
        drift_metrics.metric,
        drift_metrics.value,
        drift_metrics.threshold,
        drift_metrics.n_current,
        drift_metrics.n_reference,
        drift_metrics.computed_at
    from drift_metrics
    inner join latest
        on drift_metrics.source = latest.source
        and drift_metrics.model_id = latest.model_id
        and drift_metrics.run_id = latest.run_id
    where drift_metrics.drifted
)

select * from final
