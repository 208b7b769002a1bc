"""The Spark engine writes exactly the local engine's records, in the same order."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import mlflow
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hydra import compose, initialize_config_dir

from quotestance import tracking
from quotestance.cli import CONFIG_DIR, register_resolvers
from quotestance.cli.score import score
from quotestance.io import read_documents
from quotestance.records import ModelInfo
from quotestance.scoring import score_documents

from .conftest import GOOD_TEXT

pyspark = pytest.importorskip("pyspark", reason="the spark extra is not installed")
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip(
        "no Java for Spark (apt-get install -y openjdk-17-jre-headless)", allow_module_level=True
    )

from quotestance.spark import build_session, input_format, score_with_spark  # noqa: E402

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def spark() -> Iterator[pyspark.sql.SparkSession]:
    session = build_session("local[2]", {"spark.sql.shuffle.partitions": "4"})
    yield session
    session.stop()


@pytest.fixture(scope="module")
def model(logged_model: str, mlflow_store: str) -> tuple[str, ModelInfo]:
    """The tiny pipeline's local model folder and the identity the records carry."""
    tracking.configure(mlflow_store, "tests", Path(mlflow_store[len("sqlite:///") :]).parent / "a")
    path = mlflow.artifacts.download_artifacts(logged_model)
    return path, ModelInfo(logged_model, tracking.resolve_version(logged_model), "")


def test_workers_run_the_driver_interpreter(spark: pyspark.sql.SparkSession) -> None:
    """Workers import this package even when its virtual environment is not on PATH."""

    def prefix(_: object) -> str:
        return sys.prefix

    assert spark.sparkContext.parallelize([0], 1).map(prefix).collect() == [sys.prefix]


def jsonl_input(folder: Path, sample_text: str) -> Path:
    lines = [
        json.dumps({"id": "nato", "text": GOOD_TEXT}, ensure_ascii=False),
        json.dumps({"id": "seed", "text": sample_text}, ensure_ascii=False),
        "",  # a blank line is no document, but it counts as a line
        json.dumps({"id": "no-text"}),
        json.dumps({"id": "number", "text": 5}),
        '{"id": "broken", "text": ',
        json.dumps({"id": "nato", "text": "Die Nato tagt."}),  # a repeated id
        json.dumps({"id": "blank", "text": "   "}),  # the pipeline refuses it
        json.dumps({"text": "Kein Bezeichner."}),
        "[1, 2]",
        json.dumps({"id": 7, "text": "Russland und China verhandeln."}),
        '{"id": "cut", "text": "Die Nato',  # a file cut off while being written
    ]
    path = folder / "docs.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")  # the last line without its newline
    return path


def local_records(source: Path, model: tuple[str, ModelInfo], output: Path) -> bytes:
    score_documents(read_documents(source), model[0], output, model[1], workers=0)
    return output.read_bytes()


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("a/docs.jsonl", "jsonl"),
        ("a/docs.jsonl.gz", "jsonl"),
        ("hdfs://nn/x/part.parquet/", "parquet"),
        ("s.csv", "csv"),
        ("t.txt", "txt"),
        ("/data/texts", "folder"),
    ],
)
def test_input_format(source: str, kind: str) -> None:
    assert input_format(source) == kind


def test_input_format_refuses_other_files() -> None:
    with pytest.raises(ValueError, match=r"x\.xml: unsupported input"):
        input_format("x.xml")


def test_jsonl_records_are_byte_identical_to_the_local_engine(
    spark: pyspark.sql.SparkSession,
    model: tuple[str, ModelInfo],
    sample_text: str,
    tmp_path: Path,
) -> None:
    source = jsonl_input(tmp_path, sample_text)
    expected = local_records(source, model, tmp_path / "local.jsonl")

    summary = score_with_spark(
        str(source), str(tmp_path / "spark.jsonl"), *model, partitions=3, spark=spark
    )

    assert (tmp_path / "spark.jsonl").read_bytes() == expected
    records = [json.loads(line) for line in expected.decode().splitlines()]
    assert [r["doc_id"] for r in records][:3] == ["nato", "seed", "no-text"]
    assert (summary.documents, summary.ok, summary.errors) == (11, 3, 8)
    assert summary.error_reasons["duplicate_id"] == 1
    assert not list(tmp_path.glob("*.spark-tmp"))


def test_parquet_in_parquet_out_holds_the_same_records(
    spark: pyspark.sql.SparkSession, model: tuple[str, ModelInfo], tmp_path: Path
) -> None:
    source = tmp_path / "docs.parquet"
    pd.DataFrame(
        {
            "id": ["a", "b", "c", "a"],
            "text": [GOOD_TEXT, None, "Die EU und die Türkei verhandeln.", "noch einmal"],
        }
    ).to_parquet(source)
    expected = [
        json.loads(line)
        for line in local_records(source, model, tmp_path / "local.jsonl").decode().splitlines()
    ]

    score_with_spark(str(source), str(tmp_path / "out.parquet"), *model, spark=spark)

    assert pq.read_table(tmp_path / "out.parquet").to_pylist() == expected


def test_score_command_dispatches_engine_spark(
    spark: pyspark.sql.SparkSession,
    logged_model: str,
    mlflow_store: str,
    sample_text: str,
    tmp_path: Path,
) -> None:
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "b.txt").write_text(sample_text, encoding="utf-8")
    (texts / "a.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (texts / "c.txt").write_bytes(b"\x00\x01binary")
    (texts / "notes.md").write_text("not a document", encoding="utf-8")
    overrides = [
        f"input={texts}",
        f"model_uri={logged_model}",
        f"paths.mlflow_uri={mlflow_store}",
        "summary=false",
    ]
    register_resolvers()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        spark_cfg = compose("score", [*overrides, "engine=spark", f"output={tmp_path}/s.jsonl"])
        local_cfg = compose("score", [*overrides, "workers=0", f"output={tmp_path}/l.jsonl"])

    summary = score(spark_cfg)
    score(local_cfg)

    assert (tmp_path / "s.jsonl").read_bytes() == (tmp_path / "l.jsonl").read_bytes()
    assert (summary.documents, summary.errors) == (3, 1)
    assert spark.sparkContext._jsc is not None  # the test's session was not stopped
