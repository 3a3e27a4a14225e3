-- The production model's prediction for each document it has scored, with the document.
-- Empty until a model is promoted (`sentiflow models promote MODEL_ID`).

create or replace view latest_predictions as

with production_predictions as (
    select
        doc_id,
        source,
        text,
        created_at,
        ingested_at,
        model_id,
        run_id,
        label,
        confidence,
        p_negative,
        p_neutral,
        p_positive,
        polarity,
        scored_at
    from all_predictions
    where is_production
),

final as (
    select * from production_predictions
)

select * from final
