"""One `compress` run: its inputs checked once, up front, and the data every candidate shares.

`CompressRequest` is what the run is asked to do (the command line's options, the flow's
parameters) as one value, built once by the CLI and once by the flow. `prepare_job` turns every user mistake into a one-line UserError before any work starts (the
CLI calls it before the flow): unknown model, a model that is not a torch BERT-family
encoder, a bad --target-layers, --max-accuracy-drop or --profile, a parent without a dataset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sentiflow.tasks.compress.auto import CandidateSpec, plan_candidates, validate_budget
from sentiflow.tasks.compress.encoder import check_supported
from sentiflow.tasks.compress.measure import EvalSets, LabelledTexts
from sentiflow.tasks.compress.profiles import CompressProfile, get_profile
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.models.record import ModelRecord
from sentiflow.tasks.warehouse.registry import get_model

if TYPE_CHECKING:
    from sentiflow.tasks.compress.teaching import TransferData
    from sentiflow.tasks.models.training.data import EncodedSplit
    from sentiflow.tasks.models.training.losses import SoftTargets

MAX_SEQ_LEN = 128  # tokens; the same truncation the classifiers use at inference
Log = Callable[[str], None]


@dataclass(frozen=True)
class CompressRequest:
    """What one `compress` run is asked to do: `sentiflow compress`'s options, the flow's parameters."""

    model: str = "production"
    method: str = "auto"
    max_accuracy_drop: float = 1.0
    target_layers: int | None = None
    seed: int = 42
    max_minutes: float | None = None
    profile: str = "quick"
    dataset: str | None = None
    promote: bool = True
    # teacher distillation (teaching.py); empty/None otherwise
    teachers: tuple[str, ...] = ()  # --teacher: teachers besides --model
    student_base: str | None = None
    transfer: tuple[str, ...] = ()  # lake sources (or "all")
    transfer_max: int | None = None
    augment: int = 0

    @classmethod
    def from_flow(cls, parameters: dict) -> CompressRequest:
        """From the compress flow's parameters (every field by name; lists as JSON gives them)."""
        return cls(
            **{
                **parameters,
                "teachers": tuple(parameters["teachers"] or ()),
                "transfer": tuple(parameters["transfer"] or ()),
            }
        )

    def flow_parameters(self) -> dict:
        """The compress flow's keyword arguments (JSON-friendly lists)."""
        from dataclasses import asdict

        return {**asdict(self), "teachers": list(self.teachers), "transfer": list(self.transfer)}


@dataclass
class CompressionJob:
    home: str
    parent: ModelRecord
    dataset_version: str
    method: str
    profile: CompressProfile
    plan: list[CandidateSpec]
    max_accuracy_drop: float
    seed: int
    threads: int  # CPU threads for every model measured, parent and candidates alike
    promote: bool  # promote the chosen candidate when the parent is the production model
    # teacher distillation (teaching.py): the parent is the first teacher and the student a
    # separate, production-sized model; all empty/None otherwise
    student_base: str | None = None  # "bundled" or a folder
    teachers: list[str] = field(default_factory=list)  # the parent first, then every --teacher
    transfer: list[str] = field(default_factory=list)  # lake sources (or "all") for the unlabelled part
    transfer_max: int | None = None  # most lake documents in the transfer set
    augment: int = 0  # augmented variants per training text

    @property
    def teaching(self) -> bool:
        """Distilling into a separate student (`--student-base`), not into the parent's own layers."""
        return self.student_base is not None

    @property
    def parent_dir(self) -> Path:
        return Home.at(self.home).root / self.parent.path

    def model_id(self, spec: CandidateSpec) -> str:
        """`<parent>-int8`, `<parent>-distil3-<recipe hash>`, `<parent>-distil3-<hash>-int8`...

        The hash covers what changes a trained candidate's weights (profile recipe, loss mix,
        seed), so a rerun with the same settings finds the model it built before.
        """
        if not spec.trains:
            return f"{self.parent.model_id}-int8"
        if self.teaching:
            training = self.profile.distill
            digest = training.recipe.recipe_hash(
                self.profile.name,
                str(self.profile.train_examples),
                str(training.alpha),
                str(training.temperature),
                str(training.recipe.max_minutes),
                *self.teachers,
                self.student_base or "",
                *self.transfer,
                str(self.transfer_max),
                str(self.augment),
            )
            base = f"{self.parent.model_id}-student-{digest[:6]}"
            return f"{base}-int8" if spec.steps[-1] == "quantize" else base
        structural = CandidateSpec(spec.steps[:1], spec.layers)
        training = self.profile.distill if structural.steps[0] == "distill" else self.profile.prune_recovery
        digest = training.recipe.recipe_hash(
            self.profile.name,
            str(self.profile.train_examples),
            str(training.alpha),
            str(training.temperature),
            str(training.recipe.max_minutes),  # a time budget changes how far the student gets
        )
        base = f"{self.parent.model_id}-{structural.tag()}-{digest[:6]}"
        return f"{base}-int8" if spec.steps[-1] == "quantize" else base


def prepare_job(home: Home, request: CompressRequest) -> CompressionJob:
    """Check every input and plan the candidates; raises one-line UserErrors."""
    from transformers import AutoConfig

    from sentiflow.tasks.core.datasets import resolve_version
    from sentiflow.tasks.models.runtime import default_threads

    r = request
    validate_budget(r.max_accuracy_drop)
    base_profile = get_profile(r.profile, r.seed, r.max_minutes)
    parent = get_model(home, r.model)
    parent_dir = home.root / parent.path
    if not parent_dir.is_dir():
        raise UserError(f"model {parent.model_id!r} is registered but its folder {parent_dir} is missing")
    if parent.format != "torch":  # a compressed parent: nothing to compress, nor to teach with
        raise UserError(
            f"model {parent.model_id!r} is already compressed ({parent.kind}, {parent.format}); "
            f"compress its fp32 parent {parent.parent_id or '(unknown)'} instead"
        )
    student_layers = check_teaching(r)
    teaching = student_layers is not None
    if teaching:
        plan = plan_student(student_layers)
    else:
        config = AutoConfig.from_pretrained(parent_dir)
        check_supported(config.model_type, parent.model_id)
        plan = plan_candidates(r.method, base_profile, config.num_hidden_layers, r.target_layers, parent.model_id)
    trained = sum(1 for spec in plan if spec.trains and len(spec.steps) == 1)
    version = r.dataset or parent.dataset_version
    if version is None:
        raise UserError(
            f"model {parent.model_id!r} records no dataset version; pass --dataset VERSION to evaluate it on"
        )
    version = resolve_version(home, version)
    teachers: list[str] = []
    if teaching:
        from sentiflow.tasks.compress.teacher import resolve_teachers
        from sentiflow.tasks.compress.transfer import resolve_sources
        from sentiflow.tasks.core.datasets import dataset_labels

        names = [parent.model_id, *r.teachers]
        teachers = [t.model_id for t in resolve_teachers(home, names, dataset_labels(home, version), version)]
        resolve_sources(home, list(r.transfer))
    return CompressionJob(
        home=str(home.root),
        parent=parent,
        dataset_version=version,
        method=r.method,
        profile=get_profile(r.profile, r.seed, r.max_minutes, trained),
        plan=plan,
        max_accuracy_drop=r.max_accuracy_drop,
        seed=r.seed,
        threads=default_threads(),
        promote=r.promote,
        student_base=r.student_base,
        teachers=teachers,
        transfer=list(r.transfer),
        transfer_max=r.transfer_max,
        augment=r.augment,
    )


def check_teaching(r: CompressRequest) -> int | None:
    """The student's layers when this is teacher distillation, else None; one-line UserErrors for
    options that do not fit."""
    if r.student_base is None:
        given = [
            name
            for name, value in (("--teacher", r.teachers), ("--transfer", r.transfer), ("--augment", r.augment))
            if value
        ]
        if given or r.transfer_max is not None:
            raise UserError(
                f"{', '.join(given) or '--transfer-max'} needs --student-base (bundled or a folder) and --method distill"
            )
        return None
    if r.method != "distill":
        raise UserError(f"--student-base needs --method distill (got {r.method!r})")
    if r.target_layers is not None:
        raise UserError("--target-layers does not apply with --student-base: the student keeps its own layers")
    if r.augment < 0:
        raise UserError(f"--augment must be >= 0 variants per text, got {r.augment}")
    if r.transfer_max is not None and r.transfer_max < 1:
        raise UserError(f"--transfer-max must be >= 1 document, got {r.transfer_max}")
    from transformers import AutoConfig

    from sentiflow.tasks.compress.teaching import student_base_dir

    config = AutoConfig.from_pretrained(student_base_dir(r.student_base))
    check_supported(config.model_type, f"--student-base {r.student_base}")
    return config.num_hidden_layers


def plan_student(layers: int) -> list[CandidateSpec]:
    """The student and its int8 copy (layers: the student's own)."""
    return [CandidateSpec(("distill",), layers), CandidateSpec(("distill", "quantize"), layers)]


def load_eval_sets(job: CompressionJob) -> EvalSets:
    """Validation and test (seeded samples in the quick profile) and the latency texts."""
    from sentiflow.tasks.core.datasets import load_dataset
    from sentiflow.tasks.models.metrics import gold_ids
    from sentiflow.tasks.models.training.data import sample_rows

    splits = load_dataset(Home.at(job.home), job.dataset_version)

    def labelled(frame) -> LabelledTexts:
        frame = sample_rows(frame, job.profile.eval_examples, job.seed)
        # raw text, as scoring reads the lake: every model applies its recorded preprocessing
        # (curated `text` would be normalised twice, and normalisation is not idempotent)
        texts = frame["text_original"].astype(str).tolist()
        return LabelledTexts(texts, gold_ids(frame["label"].tolist(), job.parent.labels))

    test = labelled(splits.test)
    return EvalSets(labelled(splits.validation), test, test.texts[: job.profile.latency_samples])


@dataclass
class TrainingData:
    """What students learn from: a tokenised train sample and the parent's soft targets for it."""

    split: EncodedSplit
    targets: SoftTargets
    pad_id: int
    transfer: TransferData | None = None  # teacher distillation: the transfer set's makeup and caches


def load_training_data(job: CompressionJob, log: Log | None = None) -> TrainingData:
    """Tokenise the train sample once; the parent scores rows as training first reaches them.

    Teacher distillation: the transfer set, its teachers' targets and the student's tokens."""
    if job.teaching:
        from sentiflow.tasks.compress.teaching import load_transfer_data

        data = load_transfer_data(job, log)
        return TrainingData(data.split, data.targets, data.pad_id, data)
    from sentiflow.tasks.compress.encoder import load_torch_model
    from sentiflow.tasks.core.datasets import load_dataset
    from sentiflow.tasks.models.training.data import encode_split, sample_rows
    from sentiflow.tasks.models.training.losses import SoftTargets

    splits = load_dataset(Home.at(job.home), job.dataset_version)
    frame = sample_rows(splits.train, job.profile.train_examples, job.seed)
    teacher, tokenizer = load_torch_model(job.parent_dir)
    split = encode_split(tokenizer, frame, job.parent.labels, MAX_SEQ_LEN)
    if log:
        log(f"training data: {len(split)} train texts of dataset {job.dataset_version}; the parent is the teacher")
    return TrainingData(split, SoftTargets(teacher, len(split), len(job.parent.labels)), tokenizer.pad_token_id or 0)
