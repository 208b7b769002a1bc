"""Reading and writing records: JSON Lines for records, and the input formats batch scoring accepts."""

from __future__ import annotations

import dataclasses
import gzip
import json
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import pandas as pd
import pyarrow.parquet as pq

from quotestance.records import (
    AnnotatedDocument,
    Document,
    GoldQuote,
    Sentence,
    Span,
    StanceExample,
)


def record_to_dict(record: Any) -> Any:
    """Turn a record (or a tuple/list of records) into plain JSON-ready data."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return {f.name: record_to_dict(getattr(record, f.name)) for f in dataclasses.fields(record)}
    if isinstance(record, list | tuple):
        return [record_to_dict(item) for item in record]
    return record


def _open(path: Path, mode: str) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, mode + "t", encoding="utf-8")  # type: ignore[return-value]
    return path.open(mode, encoding="utf-8")


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield the objects of a JSON Lines file (gzip if it ends in ``.gz``); errors name the line."""
    path = Path(path)
    with _open(path, "r") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not valid JSON ({error.msg})") from error


def write_jsonl(path: str | Path, items: Iterable[Any]) -> int:
    """Write records or dicts as JSON Lines (gzip if ``.gz``); return the number written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with _open(path, "w") as f:
        for item in items:
            f.write(json.dumps(record_to_dict(item), ensure_ascii=False) + "\n")
            count += 1
    return count


def _spans(items: Iterable[dict[str, Any]]) -> tuple[Span, ...]:
    return tuple(Span(**item) for item in items)


def annotated_document_from_dict(data: dict[str, Any]) -> AnnotatedDocument:
    """Rebuild an ``AnnotatedDocument`` written by ``write_jsonl``."""
    quotes = tuple(
        GoldQuote(
            kind=q["kind"],
            quote=_spans(q["quote"]),
            speaker=_spans(q["speaker"]),
            cue=_spans(q["cue"]),
            frame=_spans(q["frame"]),
            addressee=_spans(q["addressee"]),
            nested=q["nested"],
        )
        for q in data["quotes"]
    )
    return AnnotatedDocument(
        doc_id=data["doc_id"],
        text=data["text"],
        sentences=tuple(Sentence(**s) for s in data["sentences"]),
        tokens=_spans(data["tokens"]),
        quotes=quotes,
    )


def stance_example_from_dict(data: dict[str, Any]) -> StanceExample:
    """Rebuild a ``StanceExample`` written by ``write_jsonl``."""
    mention = data.get("mention")
    return StanceExample(
        text=data["text"],
        target=data["target"],
        mention=Span(**mention) if mention else None,
        label=data.get("label"),
        group=data.get("group", ""),
        holder=data.get("holder", "author"),
        source=data.get("source", ""),
    )


class InputError(ValueError):
    """A document of the input that cannot be read; names the document and the problem."""

    def __init__(self, doc_id: str, message: str) -> None:
        super().__init__(message)
        self.doc_id = doc_id


InputItem = Document | InputError
TEXT_SUFFIXES = (".txt",)
TABLE_SUFFIXES = (".jsonl", ".csv", ".parquet")


def decode_text(data: bytes, name: str) -> str:
    """Decode UTF-8, falling back to cp1252 then Latin-1 with a warning; refuse binary data."""
    if b"\x00" in data[:65536]:
        raise InputError(name, f"{name}: looks binary (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        warnings.warn(f"{name}: not UTF-8, decoded as {encoding}", UnicodeWarning, stacklevel=2)
        return text
    raise InputError(
        name, f"{name}: cannot be decoded"
    )  # pragma: no cover - latin-1 decodes any bytes


def _text_file(path: Path) -> InputItem:
    try:
        return Document(path.stem, decode_text(path.read_bytes(), path.name))
    except InputError as error:
        return InputError(path.stem, str(error))


def _row_item(doc_id: Any, text: Any, where: str) -> InputItem:
    if doc_id is None or (isinstance(doc_id, float) and doc_id != doc_id):
        return InputError(where, f"{where}: missing 'id'")
    if not isinstance(text, str):
        kind = (
            "missing"
            if text is None or (isinstance(text, float) and text != text)
            else type(text).__name__
        )
        return InputError(str(doc_id), f"{where} (id {doc_id}): 'text' is {kind}, not a string")
    return Document(str(doc_id), text)


def _jsonl_rows(path: Path) -> Iterator[InputItem]:
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            where = f"{path.name} line {number}"
            if not raw.strip():
                continue
            try:
                row = json.loads(decode_text(raw, where))
            except (InputError, json.JSONDecodeError) as error:
                yield InputError(where, f"{where}: not a JSON object ({error})")
                continue
            if not isinstance(row, dict):
                yield InputError(where, f"{where}: not a JSON object")
                continue
            yield _row_item(row.get("id"), row.get("text", None), where)


def frame_items(frames: Iterable[pd.DataFrame], name: str) -> Iterator[InputItem]:
    """Yield one item per row of the frames; rows without ``id`` or ``text`` become errors."""
    offset = 0
    for frame in frames:
        missing = [c for c in ("id", "text") if c not in frame.columns]
        for position, row in enumerate(frame.to_dict("records"), start=offset):
            where = f"{name} row {position}"
            if missing:
                yield InputError(
                    str(row.get("id", where)),
                    f"{where}: no {' or '.join(repr(c) for c in missing)} column",
                )
            else:
                yield _row_item(row["id"], row["text"], where)
        offset += len(frame)


def read_documents(path: str | Path, chunk_rows: int = 1000) -> Iterator[InputItem]:
    """Yield the documents of ``path`` lazily, in input order; unreadable ones as ``InputError``.

    ``path`` is a ``.txt`` file (id = file stem), a folder of ``.txt`` files, or a ``.jsonl``,
    ``.csv`` or ``.parquet`` table with ``id`` and ``text``.
    """
    path = Path(path)
    if path.is_dir():
        for file in sorted(p for p in path.iterdir() if p.suffix in TEXT_SUFFIXES):
            yield _text_file(file)
    elif path.suffix in TEXT_SUFFIXES:
        yield _text_file(path)
    elif path.suffix == ".jsonl":
        yield from _jsonl_rows(path)
    elif path.suffix == ".csv":
        yield from frame_items(
            pd.read_csv(path, chunksize=chunk_rows, dtype=str, keep_default_na=False), path.name
        )
    elif path.suffix == ".parquet":
        parquet = pq.ParquetFile(path)
        yield from frame_items(
            (b.to_pandas() for b in parquet.iter_batches(batch_size=chunk_rows)), path.name
        )
    else:
        raise ValueError(
            f"{path}: unsupported input (use .txt, a folder, .jsonl, .csv or .parquet)"
        )


def unique_ids(items: Iterable[InputItem]) -> Iterator[InputItem]:
    """Pass items through, turning a repeated document id into an error for that document."""
    seen: set[str] = set()
    for item in items:
        if isinstance(item, Document):
            if item.doc_id in seen:
                item = InputError(
                    item.doc_id, f"duplicate id {item.doc_id!r}: an earlier document has it"
                )
            else:
                seen.add(item.doc_id)
        yield item
