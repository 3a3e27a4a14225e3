-- Documents that were scored, loaded from the lake (DOCUMENT_SCHEMA plus loaded_at).
--
-- A loaded table rather than a view over lake/documents/**/*.parquet: the warehouse then opens
-- in any DuckDB client, from any working directory, after the home folder moved, and with
-- external file access switched off (as `sentiflow query` runs it). A view would need either an
-- absolute path (breaks when the home moves) or a relative one (resolved against the client's
-- current directory). The price is a second, compressed copy of the text.

create table if not exists documents (
    doc_id            varchar primary key,  -- stable hash of source, origin and text
    text              varchar not null,
    label             varchar,              -- as the source gave it
    label_confidence  double,
    source            varchar not null,
    split             varchar,
    created_at        timestamptz,          -- when known
    ingested_at       timestamptz not null,
    origin            varchar not null,     -- file and row/line
    loaded_at         timestamptz not null  -- when this row entered the warehouse
);
