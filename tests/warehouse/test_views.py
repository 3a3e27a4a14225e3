"""Every view and named query equals a pandas reference on tiny data, and the warehouse works
in a plain DuckDB client with no sentiflow code."""

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import duckdb
import pandas as pd
import pytest

from sentiflow.tasks.warehouse.db import connect_rw
from sentiflow.tasks.warehouse.named_queries import list_named_queries, named_query
from sentiflow.tasks.warehouse.query import open_query

T0 = datetime(2024, 3, 1, 23, 30, tzinfo=UTC)  # late evening: the UTC day must count
DOCS = [  # doc_id, source, text, created_at (None: the ingest time decides the day)
    ("d1", "a", "love it", T0),
    ("d2", "a", "hate it", T0 + timedelta(hours=1)),
    ("d3", "a", "fine", None),
    ("d4", "b", "great", T0),
    ("d5", "b", "awful", T0),
    ("d6", "b", "unscored", T0),
]
INGESTED = datetime(2024, 3, 5, 8, 0, tzinfo=UTC)
PREDICTIONS = [  # doc_id, model_id, label, p_negative, p_neutral, p_positive
    ("d1", "prod", "positive", 0.1, None, 0.9),
    ("d2", "prod", "negative", 0.8, None, 0.2),
    ("d3", "prod", "positive", 0.4, None, 0.6),
    ("d4", "prod", "positive", 0.3, None, 0.7),
    ("d5", "prod", "negative", 0.95, None, 0.05),
    ("d1", "cand", "positive", 0.1, 0.1, 0.8),
    ("d2", "cand", "neutral", 0.3, 0.5, 0.2),
    ("d4", "cand", "positive", 0.1, 0.2, 0.7),
    ("d5", "cand", "negative", 0.7, 0.2, 0.1),
    ("d6", "old", "negative", 0.9, None, 0.1),  # a model no longer registered
]


@pytest.fixture
def warehouse(home):
    with connect_rw(home.warehouse) as con:
        for model_id, stage, labels in [
            ("prod", "production", ["negative", "positive"]),
            ("cand", "candidate", ["negative", "neutral", "positive"]),
        ]:
            con.execute(
                "insert into models (model_id, base_model, kind, format, labels, path, created_at, stage)"
                " values (?, 'tiny', 'finetuned', 'torch', ?, ?, ?, ?)",
                [model_id, labels, f"models/{model_id}", INGESTED, stage],
            )
        con.executemany(
            "insert into documents (doc_id, text, source, created_at, ingested_at, origin, loaded_at)"
            " values (?, ?, ?, ?, ?, ?, ?)",
            [[d, text, src, c, INGESTED, f"f:{d}", INGESTED] for d, src, text, c in DOCS],
        )
        con.executemany(
            "insert into predictions values (?, ?, 'r1', ?, ?, ?, ?, ?, ?, ?)",
            [
                [d, m, label, max(x for x in (pn, pu, pp) if x is not None), pn, pu, pp, pp - pn, INGESTED]
                for d, m, label, pn, pu, pp in PREDICTIONS
            ],
        )
        con.execute(
            "insert into runs values ('r1', 'score', '{}', ?, ?, 'completed', '{\"n\": 10}')",
            [INGESTED, INGESTED + timedelta(seconds=3)],
        )
    return home.warehouse


def frames():
    documents = pd.DataFrame(DOCS, columns=["doc_id", "source", "text", "created_at"])
    documents["ingested_at"] = INGESTED
    predictions = pd.DataFrame(
        PREDICTIONS, columns=["doc_id", "model_id", "label", "p_negative", "p_neutral", "p_positive"]
    )
    predictions["polarity"] = predictions.p_positive - predictions.p_negative
    predictions["confidence"] = predictions[["p_negative", "p_neutral", "p_positive"]].max(axis=1)
    return documents, predictions


def view(path, sql):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).df()


def same(actual: pd.DataFrame, expected: pd.DataFrame, keys: list[str]) -> None:
    actual = actual[expected.columns].sort_values(keys).reset_index(drop=True)
    expected = expected.sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(actual, expected, check_dtype=False, check_exact=False, atol=1e-9)


def test_all_predictions_joins_every_model_to_its_document(warehouse):
    documents, predictions = frames()
    expected = predictions.merge(documents, on="doc_id")
    expected["is_production"] = expected.model_id == "prod"
    expected = expected[["doc_id", "model_id", "is_production", "source", "text", "label", "polarity"]]
    same(view(warehouse, "select * from all_predictions"), expected, ["doc_id", "model_id"])


def test_latest_predictions_is_the_production_models_with_text(warehouse):
    documents, predictions = frames()
    expected = predictions[predictions.model_id == "prod"].merge(documents, on="doc_id")
    expected = expected[["doc_id", "source", "text", "model_id", "label", "confidence", "polarity"]]
    same(view(warehouse, "select * from latest_predictions"), expected, ["doc_id"])


def test_sentiment_by_source_day_counts_by_utc_day(warehouse):
    documents, predictions = frames()
    latest = predictions[predictions.model_id == "prod"].merge(documents, on="doc_id")
    when = latest.created_at.where(latest.created_at.notna(), latest.ingested_at)
    latest["day"] = [pd.Timestamp(t).tz_convert("UTC").normalize().tz_localize(None) for t in when]
    rows = []
    for (source, day), g in latest.groupby(["source", "day"]):
        rows.append(
            {
                "source": source,
                "day": day,
                "documents": len(g),
                "negative": (g.label == "negative").sum(),
                "neutral": (g.label == "neutral").sum(),
                "positive": (g.label == "positive").sum(),
                "mean_polarity": g.polarity.mean(),
                "mean_confidence": g.confidence.mean(),
            }
        )
    expected = pd.DataFrame(rows)
    actual = view(warehouse, "select * from sentiment_by_source_day")
    assert len(expected) == 4  # a: Mar 1, Mar 2 (d2 crosses midnight UTC), Mar 5 (d3: ingest day)
    same(actual, expected, ["source", "day"])


def test_model_agreement_per_label(warehouse):
    _, predictions = frames()
    pairs = predictions.merge(predictions, on="doc_id", suffixes=("_a", "_b"))
    pairs = pairs[pairs.model_id_a != pairs.model_id_b]
    pairs["agreed"] = pairs.label_a == pairs.label_b
    expected = (
        pairs.groupby(["model_id_a", "model_id_b", "label_a"])
        .agg(documents=("agreed", "size"), agreed=("agreed", "sum"))
        .reset_index()
        .rename(columns={"model_id_a": "model_a", "model_id_b": "model_b", "label_a": "label"})
    )
    expected["agreement"] = expected.agreed / expected.documents
    actual = view(warehouse, "select * from model_agreement")
    same(actual, expected, ["model_a", "model_b", "label"])
    prod_pos = actual[(actual.model_a == "prod") & (actual.label == "positive")].iloc[0]
    assert (prod_pos.documents, prod_pos.agreed) == (2, 2)  # d1, d4 (d3 is not scored by cand)


def query(warehouse, name, **params):
    q = named_query(name)
    with open_query(warehouse, q.sql, q.bind({k: str(v) for k, v in params.items()})) as result:
        rows = [r for batch in result.batches() for r in batch]
        return pd.DataFrame(rows, columns=result.columns)


def test_named_query_sentiment_by_source(warehouse):
    documents, predictions = frames()
    for model in ("production", "cand"):
        model_id = "prod" if model == "production" else model
        scored = predictions[predictions.model_id == model_id].merge(documents, on="doc_id")
        expected = (
            scored.groupby("source")
            .agg(
                documents=("doc_id", "size"),
                share_negative=("label", lambda s: round((s == "negative").mean(), 3)),
                share_neutral=("label", lambda s: round((s == "neutral").mean(), 3)),
                share_positive=("label", lambda s: round((s == "positive").mean(), 3)),
                mean_polarity=("polarity", lambda s: round(s.mean(), 3)),
            )
            .reset_index()
        )
        same(query(warehouse, "sentiment_by_source", model=model), expected, ["source"])


def test_named_query_most_negative_orders_and_filters(warehouse):
    assert query(warehouse, "most_negative").doc_id.tolist() == ["d5", "d2", "d3", "d4", "d1"]
    assert query(warehouse, "most_negative", source="a", limit=2).doc_id.tolist() == ["d2", "d3"]


def test_named_query_model_comparison(warehouse):
    _, predictions = frames()
    pairs = predictions[predictions.model_id == "prod"].merge(
        predictions[predictions.model_id == "cand"], on="doc_id", suffixes=("_a", "_b")
    )
    expected = pairs.groupby(["label_a", "label_b"]).size().reset_index(name="documents")
    actual = query(warehouse, "model_comparison", model_a="production", model_b="cand")
    same(actual, expected, ["label_a", "label_b"])
    assert actual.share.sum() == pytest.approx(1.0)


def test_named_query_recent_runs(warehouse):
    runs = query(warehouse, "recent_runs", flow="score")
    assert runs.run_id.tolist() == ["r1"] and runs.seconds.tolist() == [3.0]
    assert query(warehouse, "recent_runs", flow="ingest").empty


def test_named_queries_declare_exactly_the_parameters_they_use():
    import re

    queries = list_named_queries()
    assert len(queries) >= 3
    for q in queries:
        used = set(re.findall(r"\$(\w+)", q.sql))
        assert used == {p.name for p in q.params}, q.name
        assert q.description, q.name


def test_keys_are_unique_and_not_null(warehouse):
    with duckdb.connect(str(warehouse)) as con:
        for table, key in [
            ("predictions", "doc_id, model_id"),
            ("documents", "doc_id"),
            ("runs", "run_id"),
            ("models", "model_id"),
        ]:
            dupes = con.execute(f"select count(*) - count(distinct ({key})) from {table}").fetchall()[0][0]
            assert dupes == 0, table
        with pytest.raises(duckdb.ConstraintException):
            con.execute("insert into predictions select * from predictions limit 1")
        with pytest.raises(duckdb.ConstraintException):
            con.execute("insert into predictions values (null, 'm', 'r', 'positive', 1, 0, null, 1, 1, now())")
        with pytest.raises(duckdb.ConstraintException):
            con.execute(
                "insert into documents (doc_id, text, source, ingested_at, origin, loaded_at)"
                " values ('d1', 'again', 'a', now(), 'x', now())"
            )


PLAIN_CLIENT = """
import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
views = [r[0] for r in con.execute(
    "select table_name from information_schema.tables where table_type = 'VIEW'").fetchall()]
print(json.dumps({v: con.execute(f"select count(*) from {v}").fetchall()[0][0] for v in views}))
"""


def test_every_view_works_in_a_plain_duckdb_client_from_anywhere(warehouse, tmp_path):
    moved = tmp_path / "elsewhere" / "copy.duckdb"  # the home moved: nothing may point back
    moved.parent.mkdir()
    moved.write_bytes(warehouse.read_bytes())
    proc = subprocess.run(
        [sys.executable, "-I", "-c", PLAIN_CLIENT, str(moved)], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    counts = json.loads(proc.stdout)
    assert counts == {
        "best_trials": 0,  # no tuning study in this warehouse
        "all_predictions": 10,
        "drift_alerts": 0,  # nothing monitored in this warehouse
        "latest_predictions": 5,
        "model_agreement": 5,
        "sentiment_by_source_day": 4,
    }
