-- Sentiment per source for one model: documents, label shares and mean polarity.
-- param model varchar = production: a model id, or 'production' for the production model

with scored as (
    select
        source,
        label,
        polarity
    from all_predictions
    where model_id = $model
        or ($model = 'production' and is_production)
),

final as (
    select
        source,
        count(*) as documents,
        round(avg(case when label = 'negative' then 1 else 0 end), 3) as share_negative,
        round(avg(case when label = 'neutral' then 1 else 0 end), 3) as share_neutral,
        round(avg(case when label = 'positive' then 1 else 0 end), 3) as share_positive,
        round(avg(polarity), 3) as mean_polarity
    from scored
    group by source
)

select * from final
order by documents desc, source
