-- Daily sentiment per source, from the production model's predictions (latest_predictions).
-- A document's day is its created_at when known, else when it was ingested, as a UTC date
-- (so the answer does not depend on the client's time zone).

create or replace view sentiment_by_source_day as

with dated as (
    select
        source,
        model_id,
        cast(timezone('UTC', coalesce(created_at, ingested_at)) as date) as day,
        label,
        confidence,
        polarity
    from latest_predictions
),

final as (
    select
        source,
        day,
        model_id,
        count(*) as documents,
        count(*) filter (where label = 'negative') as negative,
        count(*) filter (where label = 'neutral') as neutral,
        count(*) filter (where label = 'positive') as positive,
        avg(polarity) as mean_polarity,
        avg(confidence) as mean_confidence
    from dated
    group by source, day, model_id
)

select * from final
