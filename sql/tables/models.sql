-- The model registry. Applied idempotently by every writer (tasks/warehouse/db.py).
-- Tables live in sql/tables/, views in sql/views/, named queries in sql/queries/, one per file.

create table if not exists models (
    model_id         varchar primary key,
    parent_id        varchar,            -- the model this one was compressed from, if any
    base_model       varchar not null,   -- hub id or path the fine-tune started from
    dataset_version  varchar,
    kind             varchar not null,   -- finetuned | quantized | pruned | distilled | ...
    format           varchar not null,   -- torch | onnx
    labels           varchar[] not null, -- id order: labels[0] is class id 0
    temperature      double not null default 1.0,
    metrics          json,
    size_bytes       bigint,
    path             varchar not null,   -- relative to the home folder
    created_at       timestamptz not null,
    stage            varchar not null default 'candidate'
        check (stage in ('candidate', 'production', 'archived'))
);
