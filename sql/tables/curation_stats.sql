-- What curation kept and removed, per dataset version (datasets/VERSION/report.json, long form).
-- Loaded by tasks/curate/warehouse.py in one transaction that first deletes the version's rows,
-- so reloading a version never duplicates it. Columns that do not apply to a measure hold ''
-- (not null): they are part of the key, and every key column is checked not null and unique.
--
--   measure      one row per                       rows =
--   rows_in      source                            input rows read from the lake
--   kept         split, source, label              rows kept (the balance report)
--   removed      step, reason, source              rows removed by that step for that reason
--   language     language (ISO 639-1 or 'und')     rows the language step saw in that language
--
-- Example: removed rows by reason for the newest version
--   select reason, sum(rows) from curation_stats
--   where dataset_version = (select max_by(dataset_version, curated_at) from curation_stats)
--     and measure = 'removed' group by reason order by 2 desc;

create table if not exists curation_stats (
    dataset_version  varchar not null,   -- datasets/VERSION (models.dataset_version)
    measure          varchar not null
        check (measure in ('rows_in', 'kept', 'removed', 'language')),
    step             varchar not null default '',  -- removed: the step that removed the rows
    reason           varchar not null default '',  -- removed: why (e.g. near_duplicate, leakage)
    split            varchar not null default '',  -- kept: train | validation | test
    source           varchar not null default '',
    label            varchar not null default '',  -- kept: negative | neutral | positive
    language         varchar not null default '',  -- language: ISO 639-1 code or 'und'
    rows             bigint not null check (rows >= 0),
    curated_at       timestamptz not null,         -- when the version was curated
    primary key (dataset_version, measure, step, reason, split, source, label, language)
);
