-- Two models side by side on the documents both scored: how often each pair of labels occurs,
-- and the mean polarity gap. Rows where label_a = label_b are agreements.
-- param model_a varchar: the first model id ('production' for the production model)
-- param model_b varchar: the second model id

with resolved as (
    select
        (select model_id from models where model_id = $model_a
            or ($model_a = 'production' and stage = 'production')) as model_a,
        (select model_id from models where model_id = $model_b
            or ($model_b = 'production' and stage = 'production')) as model_b
),

paired as (
    select
        a.label as label_a,
        b.label as label_b,
        b.polarity - a.polarity as polarity_gap
    from resolved
    inner join predictions as a on a.model_id = resolved.model_a
    inner join predictions as b on b.model_id = resolved.model_b and b.doc_id = a.doc_id
),

final as (
    select
        label_a,
        label_b,
        count(*) as documents,
        round(count(*) / sum(count(*)) over (), 4) as share,
        round(avg(polarity_gap), 4) as mean_polarity_gap
    from paired
    group by label_a, label_b
)

select * from final
order by label_a, label_b
