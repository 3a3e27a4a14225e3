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
