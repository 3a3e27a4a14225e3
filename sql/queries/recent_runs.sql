-- The most recent flow runs, newest first, with their status and counts.
-- param flow varchar = null: only runs of this flow (score, ingest, ...; default: all)
-- param limit integer = 20: how many runs

with chosen_runs as (
    select
        run_id,
        flow,
        status,
        started_at,
        finished_at,
        counts
    from runs
    where $flow is null or flow = $flow
),

final as (
    select
        run_id,
        flow,
        status,
        started_at,
        round(epoch(finished_at) - epoch(started_at), 1) as seconds,
        counts
    from chosen_runs
)

select * from final
order by started_at desc, run_id
limit $limit
