-- How often two models agree, per label: of the documents model_a put in `label` (and model_b
-- also scored), how many model_b put in the same label. Every ordered pair of models appears,
-- so (a, b) reads as "when a says label, b agrees this often".

create or replace view model_agreement as

with labels_by_model as (
    select
        doc_id,
        model_id,
        label
    from predictions
),

paired as (
    select
        a.model_id as model_a,
        b.model_id as model_b,
        a.label as label,
        a.label = b.label as agreed
    from labels_by_model as a
    inner join labels_by_model as b
        on a.doc_id = b.doc_id
        and a.model_id <> b.model_id
),

counted as (
    select
        model_a,
        model_b,
        label,
        count(*) as documents,
        count(*) filter (where agreed) as agreed
    from paired
    group by model_a, model_b, label
),

final as (
    select
        model_a,
        model_b,
        label,
        documents,
        agreed,
        agreed / documents as agreement  -- share of documents, 0 to 1
    from counted
)

select * from final
