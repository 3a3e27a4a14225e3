"""Security properties, tried through the real CLI:

- `sentiflow query` is read-only: every class of write fails and the data is unchanged;
- models load from safetensors or ONNX only: nothing in the code base unpickles, and a model
  folder that holds only `pytorch_model.bin` (here: a pickle that would run a command) is
  refused without running it;
- source names, dataset names and model ids cannot leave the home folder;
- environment secrets never appear in output, logs, run records or reports.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import pickle
import shutil
from pathlib import Path

import pytest

from benchmarks.chaoskit.cli import run_cli
from tests.reliability.helpers import REPO, has_traceback, run_main_many

# ---------------------------------------------------------------------------------------------
# query is read-only


@pytest.fixture(scope="module")
def warehouse_home(tmp_path_factory) -> Path:
    """A home whose warehouse holds a few rows in every table (written with the real schema)."""
    from sentiflow.tasks.core.home import Home
    from sentiflow.tasks.warehouse.db import connect_rw

    home = Home.at(tmp_path_factory.mktemp("ro") / "home")
    with connect_rw(home.warehouse) as con:
        con.execute("insert into runs values ('r1', 'score', '{}', now(), now(), 'completed', '{}')")
        con.execute(
            "insert into documents values ('d1', 'great film', 'positive', null, 's', null, null, "
            "now(), 'f.csv:2', now())"
        )
        con.execute("insert into predictions values ('d1', 'm1', 'r1', 'positive', 0.9, 0.1, null, 0.9, 0.8, now())")
        con.execute(
            "insert into models (model_id, base_model, kind, format, labels, path, created_at) "
            "values ('m1', 'b', 'finetuned', 'torch', ['negative', 'positive'], 'models/m1', now())"
        )
    return home.root


def _snapshot(warehouse: Path) -> dict[str, list]:
    """Every table's rows, sorted, through a read-only connection (as `query` opens it)."""
    from sentiflow.tasks.warehouse.db import connect_ro

    with connect_ro(warehouse, wait_seconds=5) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_type = 'BASE TABLE' order by 1"
            ).fetchall()
        ]
        return {t: con.execute(f'select * from "{t}" order by all').fetchall() for t in tables}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# (class of write, SQL); OUT is replaced by a path in the test's tmp folder
WRITES = [
    ("INSERT", "insert into runs values ('x', 'score', null, now(), null, 'completed', null)"),
    ("UPDATE", "update predictions set label = 'negative'"),
    ("UPDATE ... RETURNING", "update predictions set label = 'negative' returning *"),
    ("DELETE", "delete from predictions"),
    ("DELETE in a CTE", "with gone as (delete from predictions returning *) select * from gone"),
    ("CREATE TABLE", "create table stolen as select * from documents"),
    ("CREATE TEMP TABLE", "create temp table t (a int)"),
    ("CREATE TEMP TABLE AS PIVOT", "create temp table t as pivot predictions on label using count(*)"),
    ("CREATE VIEW", "create view v as select 1"),
    ("CREATE MACRO", "create macro m(a) as a"),
    ("CREATE SECRET", "create secret s (type s3, key_id 'a', secret 'b')"),
    ("DROP", "drop table predictions"),
    ("ALTER", "alter table predictions add column z int"),
    ("ATTACH", "attach 'OUT/attached.duckdb' as other"),
    ("DETACH", "detach warehouse"),
    ("COPY ... TO", "copy predictions to 'OUT/copied.csv'"),
    ("COPY (query) TO", "copy (select * from documents) to 'OUT/copied.parquet' (format parquet)"),
    ("COPY ... FROM", "copy predictions from 'OUT/copied.csv'"),
    ("EXPORT DATABASE", "export database 'OUT/exported'"),
    ("INSTALL", "install httpfs"),
    ("LOAD", "load httpfs"),
    ("SET", "set threads = 1"),
    ("SET sandbox off", "set enable_external_access = true"),
    ("RESET", "reset enable_external_access"),
    ("SET VARIABLE", "set variable x = 1"),
    ("PRAGMA (assignment)", "pragma threads = 1"),
    ("PRAGMA (call)", "pragma enable_profiling"),
    ("PRAGMA profiling_output", "pragma profiling_output = 'OUT/profile.txt'"),
    ("VACUUM", "vacuum"),
    ("BEGIN", "begin transaction"),
    ("USE", "use memory"),
    ("read outside the warehouse", "select * from read_csv('/etc/passwd')"),
    ("multi-statement", "select 1; drop table runs"),
]


@pytest.fixture(scope="module")
def refused(warehouse_home, tmp_path_factory, env_module):
    """Every write tried once through the CLI entry point (one interpreter for all of them)."""
    out = tmp_path_factory.mktemp("side-effects")
    before = (_snapshot(warehouse_home / "warehouse.duckdb"), _digest(warehouse_home / "warehouse.duckdb"))
    argvs = [
        ["query", sql.replace("OUT", str(out)), "--home", str(warehouse_home), "--format", "csv"] for _, sql in WRITES
    ]
    results = run_main_many(argvs, env_module)
    return {kind: r for (kind, _), r in zip(WRITES, results)}, out, before


@pytest.fixture(scope="module")
def env_module(api_url) -> dict[str, str]:
    from benchmarks.chaoskit.cli import cli_env

    return cli_env(api_url)


@pytest.mark.parametrize("kind", [k for k, _ in WRITES])
def test_query_refuses_each_class_of_write(refused, kind):
    results, _, _ = refused
    result = results[kind]
    assert result.returncode == 2, f"{kind}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), f"{kind}: {result.stderr!r}"
    assert not result.stdout.strip(), f"{kind}: printed rows: {result.stdout[:300]}"


def test_nothing_changed_after_every_write_was_tried(refused, warehouse_home):
    results, out, (rows_before, digest_before) = refused
    warehouse = warehouse_home / "warehouse.duckdb"
    assert _snapshot(warehouse) == rows_before
    assert _digest(warehouse) == digest_before, "the warehouse file changed"
    assert not (warehouse_home / "warehouse.duckdb.wal").exists()
    assert sorted(p.name for p in out.iterdir()) == [], "a refused statement wrote a file"


def test_checkpoint_on_a_read_only_connection_changes_nothing(warehouse_home, env_module):
    """CHECKPOINT is allowed to run (it is a no-op read-only), but must not touch the file."""
    warehouse = warehouse_home / "warehouse.duckdb"
    before = _digest(warehouse)
    results = run_main_many(
        [
            ["query", sql, "--home", str(warehouse_home)]
            for sql in ("checkpoint", "force checkpoint", "call checkpoint()")
        ],
        env_module,
    )
    for result in results:
        assert result.returncode in (0, 2) and not has_traceback(result.stderr), result
    assert _digest(warehouse) == before


def test_the_console_script_refuses_writes_too(warehouse_home, env_module, tmp_path):
    """The installed `sentiflow` binary (not only main() in-process) gives the same answer."""
    target = tmp_path / "copied.csv"
    result = run_cli(["query", f"copy predictions to '{target}'", "--home", str(warehouse_home)], env_module)
    assert result.returncode == 2 and result.stderr.startswith("error: refused"), result
    assert not target.exists()
    reads = run_cli(
        ["query", "select count(*) as n from predictions", "--home", str(warehouse_home), "--format", "csv"], env_module
    )
    assert reads.returncode == 0 and reads.stdout.split() == ["n", "1"], reads


# ---------------------------------------------------------------------------------------------
# models load from safetensors or ONNX only

SCANNED = ("tasks", "flows", "sql", "benchmarks")
_MODEL_LOADERS = ("AutoModel", "ForSequenceClassification", "BertModel", "PreTrainedModel", "Model")


def _python_files() -> list[Path]:
    return sorted(p for folder in SCANNED for p in (REPO / folder).rglob("*.py"))


def _call_name(node: ast.Call) -> str:
    parts, func = [], node.func
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    return ".".join(reversed(parts))


def _keyword_is_true(node: ast.Call, name: str) -> bool:
    return any(k.arg == name and isinstance(k.value, ast.Constant) and k.value.value is True for k in node.keywords)


def unsafe_loads() -> list[str]:
    """file:line and why, for every call that could unpickle or run downloaded code."""
    found = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = lambda n, path=path: f"{path.relative_to(REPO)}:{n.lineno}"  # noqa: E731
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                for bad in ("pickle", "cPickle", "dill", "cloudpickle", "joblib", "shelve", "marshal"):
                    if any(n == bad or n.startswith(bad + ".") for n in names):
                        found.append(f"{where(node)}: imports {bad}")
            if not isinstance(node, ast.Call):
                continue
            name = _call_name(node)
            last = name.rsplit(".", 1)[-1]
            if name.endswith("torch.load") or name.endswith("torch.jit.load"):
                if not _keyword_is_true(node, "weights_only"):
                    found.append(f"{where(node)}: torch.load without weights_only=True")
            if last in ("read_pickle", "loads") and name.split(".")[0] in ("pd", "pandas", "pickle"):
                found.append(f"{where(node)}: {name} unpickles")
            if last == "load" and name.split(".")[0] in ("np", "numpy") and _keyword_is_true(node, "allow_pickle"):
                found.append(f"{where(node)}: {name}(allow_pickle=True)")
            if _keyword_is_true(node, "trust_remote_code"):
                found.append(f"{where(node)}: trust_remote_code=True runs code from the model folder")
            if last == "from_pretrained":
                owner = name.rsplit(".", 1)[0].rsplit(".", 1)[-1]
                if any(m in owner for m in _MODEL_LOADERS) and "Tokenizer" not in owner and "Config" not in owner:
                    if not _keyword_is_true(node, "use_safetensors"):
                        found.append(f"{where(node)}: {owner}.from_pretrained without use_safetensors=True")
    return found


def test_no_code_path_can_unpickle_a_model_or_checkpoint():
    files = _python_files()
    assert len(files) > 20, "the scan found too few files to mean anything"
    problems = unsafe_loads()
    assert not problems, "unsafe model loading:\n" + "\n".join(problems)


class _RunsACommand:
    """Unpickling this runs `touch MARKER`: a pytorch_model.bin as an attacker would ship it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _bin_only_model(folder: Path, marker: Path) -> Path:
    """A model folder whose only weights are a malicious pytorch_model.bin."""
    from tests.tinybert import make_tiny_bert

    make_tiny_bert(folder, layers=1)
    (folder / "model.safetensors").unlink()
    with open(folder / "pytorch_model.bin", "wb") as fh:
        pickle.dump(_RunsACommand(marker), fh)
    return folder


def test_a_bin_only_model_is_refused_and_never_unpickled(tmp_path):
    from sentiflow.tasks.models.loading import load_classifier
    from sentiflow.tasks.models.record import ModelRecord

    marker = tmp_path / "PWNED"
    folder = _bin_only_model(tmp_path / "models" / "evil", marker)
    record = ModelRecord(
        model_id="evil",
        base_model="x",
        kind="finetuned",
        format="torch",
        labels=["negative", "positive"],
        path="models/evil",
    )
    (folder / "sentiflow.json").write_text(json.dumps(record.to_json()))
    with pytest.raises(Exception) as caught:
        load_classifier(folder, device="cpu")
    assert "safetensors" in str(caught.value), f"unclear refusal: {caught.value!r}"
    assert not marker.exists(), "pytorch_model.bin was unpickled"


def test_score_refuses_a_registered_model_whose_weights_became_pickle_only(tmp_path, env_module, tiny_model_home):
    """Checked before any flow starts: one line, exit 2, no retries, nothing unpickled."""
    from benchmarks.chaoskit.homes import TINY_MODEL_ID, write_review_csv
    from sentiflow.tasks.core.home import Home
    from tests.reliability.helpers import ingest_in_process

    home = Home.at(tmp_path / "home")
    shutil.copytree(tiny_model_home, home.root)
    ingest_in_process(home, [write_review_csv(tmp_path / "a.csv", 20, seed=1)])
    folder = next(
        p.parent for p in home.root.rglob("sentiflow.json") if json.loads(p.read_text())["model_id"] == TINY_MODEL_ID
    )
    marker = tmp_path / "PWNED"
    (folder / "model.safetensors").unlink()
    with open(folder / "pytorch_model.bin", "wb") as fh:
        pickle.dump(_RunsACommand(marker), fh)
    result = run_main_many([["score", "--home", str(home.root), "--model", TINY_MODEL_ID]], env_module)[0]
    assert result.returncode == 2, result
    assert result.stderr.startswith("error:") and "convert it to safetensors" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not has_traceback(result.stderr)
    assert not marker.exists(), "pytorch_model.bin was unpickled"


def test_train_refuses_a_bin_only_base_model_in_one_line(tmp_path, env_module):
    from sentiflow.tasks.core.home import Home
    from tests.train.helpers import write_dataset

    marker = tmp_path / "PWNED"
    base = _bin_only_model(tmp_path / "evil-base", marker)
    home = Home.at(tmp_path / "home")
    write_dataset(home)
    result = run_main_many(
        [["train", "--home", str(home.root), "--base-model", str(base), "--device", "cpu"]], env_module
    )[0]
    assert result.returncode == 2, result
    assert result.stderr.startswith("error:") and "safetensors" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not has_traceback(result.stderr)
    assert not marker.exists(), "pytorch_model.bin was unpickled"


# ---------------------------------------------------------------------------------------------
# names that would leave the home folder

BAD_NAMES = ["../escaped", "/tmp/escaped-abs", "a/../../escaped", ".hidden", "a b", "na\u00efve", "$(touch escaped)"]


def test_names_cannot_leave_the_home(tmp_path, env_module):
    good = tmp_path / "in" / "good.csv"
    good.parent.mkdir()
    good.write_text("text,label\nfine,positive\n")
    home = tmp_path / "work" / "home"
    home.parent.mkdir()
    argvs = []
    for name in BAD_NAMES:
        argvs += [
            ["ingest", str(good), "--source", name, "--home", str(home)],
            ["curate", "--name", name, "--home", str(home)],
            ["curate", "--sources", name, "--home", str(home)],
            ["train", "--dataset", name, "--home", str(home), "--device", "cpu"],
            ["score", "--model", name, "--home", str(home)],
            ["score", "--source", name, "--model", "production", "--home", str(home)],
            ["compress", "--model", name, "--home", str(home)],
            ["models", "promote", name, "--home", str(home)],
        ]
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    results = run_main_many(argvs, env_module, cwd=tmp_path / "work")
    problems = []
    for result in results:
        text = " ".join(result.args)
        lines = result.stderr.strip().splitlines()
        if result.returncode != 2 or not lines or not lines[0].startswith("error:") or len(lines) != 1:
            problems.append(f"`sentiflow {text}`: exit {result.returncode}, stderr {result.stderr[-300:]!r}")
    after = sorted(str(p) for p in tmp_path.rglob("*"))
    created = [p for p in after if p not in before and not p.startswith(str(home))]
    assert not created, f"created outside the home: {created}"
    assert not Path("/tmp/escaped-abs").exists()
    assert not problems, "\n".join(problems)


def test_home_paths_reject_escaping_names(tmp_path):
    from sentiflow.tasks.core.errors import UserError
    from sentiflow.tasks.core.home import Home

    home = Home.at(tmp_path)
    for name in BAD_NAMES:
        for make in (home.source_documents, home.source_quarantine, home.dataset, home.model):
            with pytest.raises(UserError):
                make(name)


# ---------------------------------------------------------------------------------------------
# secrets

SENTINEL = "s3cr3t-SENTINEL-7f1c0d"
SECRETS = (
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "AWS_SECRET_ACCESS_KEY",
    "PREFECT_API_KEY",
    "DASK_TOKEN",
    "GITHUB_TOKEN",
)


def test_secrets_never_printed_or_stored(tmp_path, api_url, tiny_model_home):
    from benchmarks.chaoskit.cli import cli_env

    env = cli_env(api_url, **{name: SENTINEL for name in SECRETS})
    home = tmp_path / "home"
    shutil.copytree(tiny_model_home, home)
    data = tmp_path / "reviews.csv"
    data.write_text("text,label\nlovely,positive\nawful,negative\n")
    outputs = {}
    for args in (
        ["config", "--json"],
        ["ingest", str(data), "--json"],
        ["score", "--json"],
        ["query", "select * from runs", "--format", "json"],
        ["report", "--json"],
    ):
        result = run_cli([*args, "--home", str(home)], env, timeout=180)
        outputs[" ".join(args)] = result
        print(f"sentiflow {' '.join(args)}: {result.seconds:.1f}s")
        assert result.returncode == 0, f"`sentiflow {' '.join(args)}` failed:\n{result.stderr[-2000:]}"
    leaks = [
        f"{cmd}: {where}"
        for cmd, r in outputs.items()
        for where, text in (("stdout", r.stdout), ("stderr", r.stderr))
        if SENTINEL in text
    ]
    for path in home.rglob("*"):
        if path.is_file() and SENTINEL.encode() in path.read_bytes():
            leaks.append(f"file {path.relative_to(home)}")
    assert not leaks, f"the secret leaked into: {leaks}"
    reports = list(home.rglob("*.html"))
    assert reports, "`sentiflow report` wrote no HTML report to check"
