"""A compressed model inherits its parent's text preprocessing, read from the parent's folder."""

from __future__ import annotations

from sentiflow.tasks.compress.auto import CandidateSpec
from sentiflow.tasks.compress.candidates import _record, build_candidate
from sentiflow.tasks.compress.job import CompressRequest, prepare_job
from sentiflow.tasks.models.loading import load_classifier
from sentiflow.tasks.models.preprocessing import Preprocessing, TextConfig
from sentiflow.tasks.models.record import read_meta, write_meta

PARENT_TEXT = Preprocessing(TextConfig(mask_emails=True, mask_phones=True))


def test_int8_candidate_inherits_the_parents_preprocessing(parent_home):
    home, parent_id = parent_home
    parent_dir = home.model(parent_id)
    meta = read_meta(parent_dir)
    meta.preprocessing = PARENT_TEXT  # as a parent trained on a curated dataset records it
    write_meta(parent_dir, meta)

    job = prepare_job(home, CompressRequest(parent_id, method="quantize"))
    assert job.parent.preprocessing is None  # the registry table does not hold it...
    built = build_candidate(job, CandidateSpec(("quantize",)), None)
    assert read_meta(built.folder).preprocessing == PARENT_TEXT  # ...the parent's folder does
    assert _record(job, built, temperature=1.3).preprocessing == PARENT_TEXT

    # measured, as scored, through the same preprocessing as its parent
    parent, child = load_classifier(parent_dir, device="cpu", threads=1), load_classifier(built.folder, threads=1)
    assert child.preprocessing == parent.preprocessing == PARENT_TEXT


def test_the_compress_flow_parameters_are_the_request_fields_and_defaults():
    import inspect
    from dataclasses import fields

    from sentiflow.flows.compress import compress_flow

    flow_parameters = dict(inspect.signature(compress_flow.fn).parameters)
    assert flow_parameters.pop("home").default is inspect.Parameter.empty
    defaults = {f.name: f.default for f in fields(CompressRequest)}
    assert list(flow_parameters) == list(defaults)  # CompressRequest.from_flow takes them by name
    expected = {**defaults, "teachers": None, "transfer": None}  # the flow's lists default to None
    assert {name: p.default for name, p in flow_parameters.items()} == expected
    request = CompressRequest.from_flow({**expected, "teachers": ["t2"], "transfer": ["reviews"]})
    assert request.teachers == ("t2",) and request.transfer == ("reviews",)
    assert request.flow_parameters()["teachers"] == ["t2"]
