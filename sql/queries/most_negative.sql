-- The most negative documents by one model (lowest polarity first), optionally of one source.
-- param model varchar = production: a model id, or 'production' for the production model
-- param source varchar = null: only this source (default: every source)
-- param limit integer = 10: how many documents

with scored as (
    select
        doc_id,
        source,
        text,
        label,
        confidence,
        polarity
    from all_predictions
    where (model_id = $model or ($model = 'production' and is_production))
        and ($source is null or source = $source)
),

final as (
    select
        doc_id,
        source,
        polarity,
        label,
        round(confidence, 3) as confidence,
        text
    from scored
)

select * from final
order by polarity, doc_id
limit $limit
