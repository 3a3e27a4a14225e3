-- Every model's predictions with their document: the base of the other views and of the
-- named queries. is_production marks the production model's rows.

create or replace view all_predictions as

with production_model as (
    select model_id
    from models
    where stage = 'production'
),

final as (
    select
        documents.doc_id,
        documents.source,
        documents.text,
        documents.created_at,
        documents.ingested_at,
        predictions.model_id,
        predictions.model_id in (select model_id from production_model) as is_production,
        predictions.run_id,
        predictions.label,
        predictions.confidence,
        predictions.p_negative,
        predictions.p_neutral,
        predictions.p_positive,
        predictions.polarity,
        predictions.scored_at
    from predictions
    inner join documents on predictions.doc_id = documents.doc_id
)

select * from final
