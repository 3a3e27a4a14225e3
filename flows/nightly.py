"""The nightly flow (02:00 UTC; never two at once): ingest the inbox folders, score, report."""

from __future__ import annotations

from typing import Any, Literal

from prefect import flow

from sentiflow.flows.envelope import Envelope
from sentiflow.flows.run_config import IngestJob, load_sources, sources_file_for
from sentiflow.flows.stages import ingest_stage
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.lake import list_sources
from sentiflow.tasks.core.runners import check_runner
from sentiflow.tasks.score.summary import ScoreSummary


@flow(name="nightly", flow_run_name="nightly")
def nightly_flow(
    home: str,
    sources_file: str | None = None,
    runner: Literal["threads", "dask"] = "threads",
    dask_address: str | None = None,
) -> dict[str, Any]:
    """Ingest the files in each configured source's inbox (files ingested before add nothing),
    score the new documents with the production model, and update the report. Its status is
    `partial` when an inbox file or a score shard failed (flows/envelope.py)."""
    from sentiflow.flows.monitor import monitor_stage
    from sentiflow.flows.score import score_flow

    check_runner(runner, dask_address)
    path = sources_file_for(home, sources_file)
    watched = [s for s in load_sources(path) if s.inbox]
    if not watched:
        raise UserError(f'no source in {path} has an inbox folder: add inbox = "FOLDER" to a [[sources]] table')
    envelope = Envelope("nightly", {"sources_file": str(path), "runner": runner})
    jobs = [IngestJob(tuple(files), s.ingest_kwargs()) for s in watched if (files := s.inbox_files())]
    ingested = ingest_stage(envelope.stages, jobs, home, runner, dask_address)
    # every watched source in the lake, not only today's: a night that crashed before scoring
    # left unscored documents, and scoring skips what the model has already scored
    in_lake = [s.name for s in watched if s.name in list_sources(Home.at(home))]
    scored = (
        envelope.stages.run(
            "score",
            score_flow,
            ScoreSummary,
            home=home,
            model="production",
            sources=in_lake,
            runner=runner,
            dask_address=dask_address,
            monitor=False,  # the monitor stage below, recorded by the envelope
        )
        if in_lake
        else None
    )
    monitor_stage(envelope.stages, home, scored)
    files = sum(len(j.inputs) for j in jobs)
    fields = {
        "inbox_sources": [s.name for s in watched],
        "files": files,
        "ingest": ingested.to_json(),
        "score": envelope.stages.returned("score"),
        "monitor": envelope.stages.returned("monitor"),
    }
    return envelope.close(home, fields, {"files": files, **(scored.documents() if scored else {})})
