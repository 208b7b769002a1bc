"""The Spark engine of batch scoring: the saved model as ``mlflow.pyfunc.spark_udf`` on any master.

It reads what the local engine reads (``quotestance.io.read_documents``) with Spark: a ``.jsonl``,
``.csv`` or ``.parquet`` file (or a folder of part files with that suffix) with ``id`` and
``text``, a ``.txt`` file, or a folder of ``.txt`` files. Every input gets exactly one record, built
as the local engine builds it (bad rows and repeated ids become error records with the same
messages), and the output keeps the input order: by file path, then line or row within the file.
Output is JSON Lines (``.jsonl``) or Parquet with the record's nested structure (``.parquet``).
"""

from __future__ import annotations

import json
import os
import posixpath
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from quotestance.io import (
    Document,
    InputError,
    InputItem,
    decode_text,
    read_documents,
    record_to_dict,
)
from quotestance.io import _row_item as row_item  # the local engine's own rules for a table row
from quotestance.pipeline import error_result
from quotestance.records import ModelInfo
from quotestance.scoring import ScoreSummary, error_reason, logged_config_hash

POSITION = "position"
INPUT_SCHEMA = T.StructType(
    [
        T.StructField(POSITION, T.LongType(), False),
        T.StructField("id", T.StringType(), True),
        T.StructField("text", T.StringType(), True),
        T.StructField("error", T.StringType(), True),
        T.StructField("reason", T.StringType(), True),
    ]
)
OUTPUT_SUFFIXES = (".jsonl", ".parquet")
_LOCAL_DEFAULTS = {
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}
_DEFAULTS = {"spark.ui.enabled": "false", "spark.sql.session.timeZone": "UTC"}


def flatten_conf(conf: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Flatten nested settings (as Hydra overrides nest them) to Spark's dotted keys."""
    flat: dict[str, str] = {}
    for key, value in conf.items():
        if isinstance(value, Mapping):
            flat.update(flatten_conf(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value).lower() if isinstance(value, bool) else str(value)
    return flat


def build_session(
    master: str = "local[*]", conf: Mapping[str, Any] | None = None, app_name: str = "quotestance"
) -> SparkSession:
    """Start (or join) a Spark session on ``master``; UI off, local masters bound to 127.0.0.1.

    For ``local`` masters the Python workers run this interpreter, so they import this package
    even when its virtual environment is not on ``PATH`` (PySpark starts workers with
    ``PYSPARK_PYTHON``, else ``python3``; a ``PYSPARK_PYTHON`` already set is kept).
    ``conf`` settings (flat ``spark.x.y`` keys or nested mappings) override the defaults.
    """
    settings = dict(_DEFAULTS)
    if master.startswith("local"):
        settings.update(_LOCAL_DEFAULTS)
        settings["spark.pyspark.python"] = os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        # Spark's 200 shuffle partitions are for clusters; on one machine: a few per core
        settings["spark.sql.shuffle.partitions"] = str(2 * _local_cores(master))
    settings.update(flatten_conf(conf or {}))
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


def _local_cores(master: str) -> int:
    """Return the cores of a ``local``, ``local[N]`` or ``local[*]`` master."""
    count = master.removeprefix("local").strip("[]").split(",")[0]
    if count == "*":
        return os.cpu_count() or 1
    return int(count) if count else 1


def record_schema() -> T.StructType:
    """Return the Spark type of an output record, derived from the shipped ``record.schema.json``."""
    schema = json.loads(
        resources.files("quotestance.resources").joinpath("record.schema.json").read_text("utf-8")
    )
    result = _spark_type(schema, schema.get("$defs", {}))
    assert isinstance(result, T.StructType)
    return result


def _spark_type(node: Mapping[str, Any], defs: Mapping[str, Any]) -> T.DataType:
    if "$ref" in node:
        return _spark_type(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    if "oneOf" in node:
        (kind,) = [option for option in node["oneOf"] if option.get("type") != "null"]
        return _spark_type(kind, defs)
    if "enum" in node:
        return T.StringType()
    simple: dict[str, T.DataType] = {
        "string": T.StringType(),
        "integer": T.LongType(),
        "number": T.DoubleType(),
        "boolean": T.BooleanType(),
    }
    kind = node["type"]
    if kind == "object":
        return T.StructType(
            [T.StructField(k, _spark_type(v, defs), True) for k, v in node["properties"].items()]
        )
    if kind == "array":
        return T.ArrayType(_spark_type(node["items"], defs), True)
    return simple[kind]


# Reading: one row per input, in input order, judged as ``quotestance.io`` judges it.

_Judged = tuple[str, str | None, str | None, str | None]  # id, text, error message, reason


def _judged(item: InputItem) -> _Judged:
    if isinstance(item, Document):
        return item.doc_id, item.text, None, None
    return item.doc_id, None, str(item), item.reason


def _jsonl_item(line: str, where: str, terminated: bool = True) -> InputItem | None:
    """Judge one JSON Lines line as ``quotestance.io`` does; ``None`` for a blank line.

    ``terminated``: the line ended with a newline (all but maybe a file's last line), which the
    local engine keeps, so JSON error positions match.
    """
    raw = (line + "\n" if terminated else line).encode("utf-8")
    if not raw.strip():
        return None
    try:
        row = json.loads(decode_text(raw, where))
    except InputError as error:
        return InputError(where, f"{where}: not a JSON object ({error})", error.reason)
    except json.JSONDecodeError as error:
        return InputError(where, f"{where}: not a JSON object ({error})", "invalid_json")
    if not isinstance(row, dict):
        return InputError(where, f"{where}: not a JSON object", "invalid_json")
    return row_item(row.get("id"), row.get("text"), where)


def _file_items(path: str, content: bytes, max_chars: int | None) -> list[InputItem]:
    """Read one whole file (``.txt``, ``.csv``) with ``quotestance.io`` from a local copy."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / posixpath.basename(path)
        copy.write_bytes(bytes(content))
        return list(read_documents(copy, max_chars=max_chars))


def input_format(source: str) -> str:
    """Return ``jsonl``, ``csv``, ``parquet``, ``txt`` or ``folder`` (of ``.txt``) for ``source``."""
    name = posixpath.basename(source.rstrip("/"))
    name = name.removesuffix(".gz") if name.endswith((".jsonl.gz", ".csv.gz")) else name
    suffix = posixpath.splitext(name)[1]
    if not suffix:
        return "folder"
    if suffix not in (".jsonl", ".csv", ".parquet", ".txt"):
        raise ValueError(
            f"{source}: unsupported input (use .txt, a folder of .txt, .jsonl, .csv or .parquet)"
        )
    return suffix[1:]


def read_inputs(spark: SparkSession, source: str, max_chars: int | None = None) -> DataFrame:
    """Read ``source`` into a frame of ``position``, ``id``, ``text``, ``error``, ``reason``.

    ``position`` numbers the inputs in order (files by path, then line or row); a bad input has
    its error message and reason instead of text. JSON Lines and Parquet are read in parallel
    splits; ``.txt`` and ``.csv`` files whole, one task per file. ``max_chars`` is the reading
    limit of ``.txt`` and ``.csv`` files, as in ``quotestance.io.read_documents``.
    """
    kind = input_format(source)
    if kind == "jsonl":
        lines = spark.read.option("lineSep", "\n").text(source)
        return _numbered(
            spark,
            lines,
            ["value"],
            lambda row, where, terminated: _jsonl_item(row["value"], where, terminated),
            "line",
            1,
        )
    if kind == "parquet":
        table = spark.read.parquet(source)
        present: list[str] = [c for c in ("id", "text") if c in table.columns]
        missing: list[str] = [c for c in ("id", "text") if c not in table.columns]

        def judge(values: dict[str, Any], where: str, terminated: bool) -> InputItem:
            if missing:
                wanted = " or ".join(repr(c) for c in missing)
                doc_id = str(values.get("id", where))
                return InputError(doc_id, f"{where}: no {wanted} column", "missing_column")
            return row_item(values["id"], values["text"], where)

        return _numbered(spark, table.select(*present), present, judge, "row", 0)
    files = spark.read.format("binaryFile")
    if kind == "folder":
        files = files.option("pathGlobFilter", "*.txt")
    ordered = files.load(source).select("path", "content").orderBy("path")
    items = ordered.rdd.flatMap(lambda row: _file_items(row[0], row[1], max_chars))
    numbered = items.zipWithIndex().map(lambda pair: (pair[1], *_judged(pair[0])))
    return spark.createDataFrame(numbered, INPUT_SCHEMA)


def _numbered(
    spark: SparkSession,
    frame: DataFrame,
    columns: list[str],
    judge: Callable[[dict[str, Any], str, bool], InputItem | None],
    unit: str,
    first: int,
) -> DataFrame:
    """Order the rows by file and place in it, number them, and judge each one.

    ``where`` (in error messages) names the file and the ``unit`` (line or row) counted from
    ``first`` within that file, as the local engine names them; the judge also learns whether
    the row ended with a newline (only a file's last line may not).
    """
    read = frame.select(
        F.col("_metadata.file_path").alias("_file"),
        F.col("_metadata.file_block_start").alias("_block"),
        F.monotonically_increasing_id().alias("_order"),  # increases along a split's rows
        *columns,
    )
    located = read.orderBy("_file", "_block", "_order")
    files: dict[str, tuple[int, int, bool]] = {}  # file -> first index, last index, newline end
    total = 0
    for file, count in sorted(read.groupBy("_file").count().collect()):
        files[file] = (total, total + count - 1, _ends_with_newline(spark, file))
        total += count
    shared = spark.sparkContext.broadcast(files)

    def item(pair: tuple[Any, int]) -> tuple[Any, ...] | None:
        row, index = pair
        start, last, newline_end = shared.value[row[0]]
        where = f"{posixpath.basename(row[0])} {unit} {index - start + first}"
        values = dict(zip(columns, row[3:], strict=True))
        judged = judge(values, where, index != last or newline_end)
        return None if judged is None else (index, *_judged(judged))

    items = located.rdd.zipWithIndex().map(item).filter(lambda judged: judged is not None)
    return spark.createDataFrame(items, INPUT_SCHEMA)


def _ends_with_newline(spark: SparkSession, file: str) -> bool:
    """Whether ``file`` ends with a newline (read from its last byte; assumed for gzip)."""
    if file.endswith(".gz"):
        return True
    fs, path = _file_system(spark, file)
    size = fs.getFileStatus(path).getLen()
    if size == 0:
        return True
    stream = fs.open(path)
    try:
        stream.seek(size - 1)
        return bool(stream.read() == ord("\n"))
    finally:
        stream.close()


def _file_system(spark: SparkSession, location: str) -> tuple[Any, Any]:
    """Return the Hadoop file system holding ``location`` and its Hadoop path."""
    jvm: Any = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(location)
    return path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), path


# Scoring: the model on the good rows, error records for the bad ones, one record per input.


def _stamp(info: ModelInfo) -> Callable[[pd.Series], pd.DataFrame]:
    """Stamp the model's records with ``info`` (as the local engine's pipeline does); add reasons."""
    stamp = record_to_dict(info)

    def stamped(raw: pd.Series) -> pd.DataFrame:
        records, reasons = [], []
        for line in raw:
            record = json.loads(line)
            record["model"] = stamp
            records.append(json.dumps(record, ensure_ascii=False))
            reasons.append(error_reason(record))
        return pd.DataFrame({"record": records, "reason": reasons})

    return stamped


def _error_records(info: ModelInfo) -> Callable[[pd.Series, pd.Series, pd.Series], pd.DataFrame]:
    """Build the error records of bad inputs (no message: a repeated id), as ``scoring`` does."""

    def records(doc_ids: pd.Series, errors: pd.Series, reasons: pd.Series) -> pd.DataFrame:
        lines, why = [], []
        for doc_id, error, reason in zip(doc_ids, errors, reasons, strict=True):
            if not isinstance(error, str):
                error = f"duplicate id {doc_id!r}: an earlier document has it"
                reason = "duplicate_id"
            result = error_result(doc_id, InputError(doc_id, error, reason), info)
            lines.append(json.dumps(record_to_dict(result), ensure_ascii=False))
            why.append(reason)
        return pd.DataFrame({"record": lines, "reason": why})

    return records


_OUT = "record string, reason string"


def score_inputs(
    spark: SparkSession,
    inputs: DataFrame,
    model_path: str,
    model_info: ModelInfo,
    partitions: int | None = None,
) -> DataFrame:
    """Score ``inputs`` (from ``read_inputs``): ``position``, ``record`` (JSON) and ``reason``.

    The model runs as ``mlflow.pyfunc.spark_udf`` on the good rows, ``partitions`` of them in
    parallel; bad rows and repeated ids get the local engine's error records.
    """
    if not model_info.config_hash:
        model_info = replace(model_info, config_hash=logged_config_hash(model_path))
    ranked = inputs.where(F.col("error").isNull()).withColumn(
        "_rank", F.row_number().over(Window.partitionBy("id").orderBy(POSITION))
    )
    good = ranked.where(F.col("_rank") == 1).drop("_rank")
    repeated = ranked.where(F.col("_rank") > 1).drop("_rank")  # no message: a repeated id
    bad = inputs.where(F.col("error").isNotNull()).unionByName(repeated)
    model = mlflow.pyfunc.spark_udf(
        spark, model_path, result_type="string", env_manager="local", params={"format": "json"}
    )
    stamp = F.pandas_udf(_stamp(model_info), _OUT).asNondeterministic()  # type: ignore[call-overload]
    errors = F.pandas_udf(_error_records(model_info), _OUT).asNondeterministic()  # type: ignore[call-overload]
    scored = (
        good.repartition(partitions or spark.sparkContext.defaultParallelism)
        .select(POSITION, model("id", "text").alias("raw"))
        .select(POSITION, stamp("raw").alias("out"))
    )
    failed = bad.select(POSITION, errors("id", "error", "reason").alias("out"))
    return scored.unionByName(failed).select(POSITION, "out.record", "out.reason")


def write_records(
    spark: SparkSession, records: DataFrame, output: str, single_file: bool = True
) -> None:
    """Write the records in input order as JSON Lines or Parquet (by ``output``'s suffix).

    ``single_file``: one file at ``output`` (one task writes it); otherwise a folder ``output`` of
    part files whose name order is the input order.
    """
    suffix = posixpath.splitext(output.rstrip("/"))[1]
    if suffix not in OUTPUT_SUFFIXES:
        raise ValueError(f"{output}: unsupported output (use .jsonl or .parquet)")
    ordered = (
        records.repartition(1).sortWithinPartitions(POSITION)
        if single_file
        else records.orderBy(POSITION)
    )
    target = output.rstrip("/") + ".spark-tmp" if single_file else output
    if suffix == ".jsonl":
        ordered.select("record").write.mode("overwrite").text(target)
    else:
        ordered.select(F.from_json("record", record_schema()).alias("r")).select("r.*").write.mode(
            "overwrite"
        ).parquet(target)
    if single_file:
        _move_single_part(spark, target, output)


def _move_single_part(spark: SparkSession, folder: str, output: str) -> None:
    """Replace ``output`` with the one part file Spark wrote in ``folder`` (any Hadoop file system)."""
    fs, source_dir = _file_system(spark, folder)
    parts = [
        status.getPath()
        for status in fs.listStatus(source_dir)
        if status.getPath().getName().startswith("part-")
    ]
    if len(parts) > 1:
        raise RuntimeError(f"{folder}: expected one part file, found {len(parts)}")
    _, destination = _file_system(spark, output)
    if fs.exists(destination):
        fs.delete(destination, True)
    if not parts:  # no input, no records: an empty JSON Lines file
        fs.create(destination).close()
    elif not fs.rename(parts[0], destination):
        raise RuntimeError(f"could not move {parts[0]} to {output}")
    fs.delete(source_dir, True)


def score_with_spark(
    source: str,
    output: str,
    model_path: str,
    model_info: ModelInfo,
    master: str = "local[*]",
    conf: Mapping[str, Any] | None = None,
    partitions: int | None = None,
    single_file: bool = True,
    max_chars: int | None = None,
    spark: SparkSession | None = None,
) -> ScoreSummary:
    """Score ``source`` into ``output`` on Spark: one record per input, in input order.

    A session is started on ``master`` (and stopped at the end) unless ``spark`` is given or one
    is already active. ``max_chars`` is the reading limit of ``.txt`` and ``.csv`` files; the
    model keeps its own length limit.
    """
    owned = spark is None and SparkSession.getActiveSession() is None
    session = spark or build_session(master, conf)
    try:
        inputs = read_inputs(session, source, max_chars)
        records = score_inputs(session, inputs, model_path, model_info, partitions)
        records = records.persist(StorageLevel.MEMORY_AND_DISK)  # score once: write, then count
        write_records(session, records, output, single_file)
        counts = {
            row["reason"]: int(row["count"]) for row in records.groupBy("reason").count().collect()
        }
        records.unpersist()
    finally:
        if owned:  # a session the caller (or a test) started stays up
            session.stop()
    documents = sum(counts.values())
    ok = counts.pop(None, 0)
    reasons = dict(sorted(counts.items(), key=lambda pair: (-pair[1], pair[0])))
    return ScoreSummary(documents, ok, documents - ok, Path(output), 0, reasons)
