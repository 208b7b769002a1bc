"""Reading and writing records: JSON Lines for records, and the input formats batch scoring accepts."""

from __future__ import annotations

import codecs
import csv
import dataclasses
import gzip
import json
import os
import re
import sys
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
    """A document of the input that cannot be read; names the document and the problem.

    ``reason`` is a short category (``binary``, ``oversized``, ``duplicate_id``...) for summaries.
    """

    def __init__(self, doc_id: str, message: str, reason: str = "invalid") -> None:
        super().__init__(message)
        self.doc_id = doc_id
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.doc_id, str(self), self.reason)


InputItem = Document | InputError
TEXT_SUFFIXES = (".txt",)
TABLE_SUFFIXES = (".jsonl", ".csv", ".parquet")
# Most bytes one character of a document can take in a file: UTF-8, and JSON's \uXXXX\uXXXX.
_TEXT_BYTES_PER_CHAR = 4
_JSON_BYTES_PER_CHAR = 12
_SURROGATE = re.compile("[\ud800-\udfff]")
_LONE_CR = re.compile(r"(?<=\r)(?!\n)")  # splits after a \r that no \n follows
_JSON_ID = re.compile(rb'\s*\{\s*"id"\s*:\s*"([^"\\]{1,200})"')


def _decode_fallback(data: bytes, name: str) -> str:
    """Decode UTF-8, else cp1252, else Latin-1 (which decodes any bytes), warning on fallback."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        warnings.warn(f"{name}: not UTF-8, decoded as {encoding}", UnicodeWarning, stacklevel=3)
        return text
    raise InputError(name, f"{name}: cannot be decoded", "undecodable")  # pragma: no cover


def decode_text(data: bytes, name: str) -> str:
    """Decode UTF-8, falling back to cp1252 then Latin-1 with a warning; refuse binary data.

    Text that starts with a UTF-16 byte order mark is decoded as UTF-16.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass  # not UTF-16 after all: judged as bytes below
    if b"\x00" in data[:65536]:
        raise InputError(name, f"{name}: looks binary (contains NUL bytes), not text", "binary")
    return _decode_fallback(data, name)


def _oversized(doc_id: str, where: str, limit: int) -> InputError:
    return InputError(
        doc_id, f"{where}: more than {limit} bytes, above the reading limit", "oversized"
    )


def _checked(doc_id: str, text: str, where: str) -> InputItem:
    if _SURROGATE.search(text) or _SURROGATE.search(doc_id):
        return InputError(
            doc_id, f"{where}: contains an unpaired surrogate, not valid Unicode", "invalid_unicode"
        )
    return Document(doc_id, text)


def _text_file(path: Path, max_chars: int | None) -> InputItem:
    try:
        limit = None if max_chars is None else _TEXT_BYTES_PER_CHAR * max_chars + 3  # + a BOM
        if limit is not None and path.stat().st_size > limit:
            return _oversized(path.stem, path.name, limit)
        return _checked(path.stem, decode_text(path.read_bytes(), path.name), path.name)
    except InputError as error:
        return InputError(path.stem, str(error), error.reason)
    except OSError as error:
        return InputError(path.stem, f"{path.name}: cannot be read ({error})", "unreadable")


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _row_item(doc_id: Any, text: Any, where: str) -> InputItem:
    if _is_missing(doc_id) or (isinstance(doc_id, str) and not doc_id.strip()):
        return InputError(where, f"{where}: missing 'id'", "missing_id")
    if isinstance(doc_id, bool) or not isinstance(doc_id, str | int):
        return InputError(
            where, f"{where}: 'id' is {type(doc_id).__name__}, not a string", "wrong_type"
        )
    if not isinstance(text, str):
        missing = _is_missing(text)
        return InputError(
            str(doc_id),
            f"{where} (id {doc_id}): 'text' is {'missing' if missing else type(text).__name__},"
            " not a string",
            "missing_text" if missing else "wrong_type",
        )
    return _checked(str(doc_id), text, f"{where} (id {doc_id})")


def _open_binary(path: Path) -> IO[bytes]:
    if path.suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _input_suffix(path: Path) -> str:
    """``.jsonl`` for ``a.jsonl`` and ``a.jsonl.gz`` (likewise ``.csv``); else the suffix."""
    if path.suffix == ".gz" and len(path.suffixes) >= 2 and path.suffixes[-2] in (".jsonl", ".csv"):
        return path.suffixes[-2]
    return path.suffix


def _lines(f: IO[bytes], limit: int | None) -> Iterator[tuple[bytes, bool]]:
    """Yield ``(line, complete)``; a line over ``limit`` bytes yields its head, the rest is skipped."""
    while line := (f.readline() if limit is None else f.readline(limit + 1)):
        if limit is None or len(line) <= limit:
            yield line, True
            continue
        rest = line
        while rest and not rest.endswith(b"\n"):  # skip to the line's end without holding it
            rest = f.readline(1 << 20)
        yield line[:4096], False


def _jsonl_rows(path: Path, max_chars: int | None) -> Iterator[InputItem]:
    limit = None if max_chars is None else _JSON_BYTES_PER_CHAR * max_chars + 4096
    with _open_binary(path) as f:
        for number, (raw, complete) in enumerate(_lines(f, limit), start=1):
            where = f"{path.name} line {number}"
            if not complete:
                found = _JSON_ID.match(raw)
                doc_id = found.group(1).decode("utf-8", "replace") if found else where
                yield _oversized(doc_id, where, limit or 0)
                continue
            if not raw.strip():
                continue
            try:
                row = json.loads(decode_text(raw, where))
            except InputError as error:
                yield InputError(where, f"{where}: not a JSON object ({error})", error.reason)
                continue
            except json.JSONDecodeError as error:
                yield InputError(where, f"{where}: not a JSON object ({error})", "invalid_json")
                continue
            if not isinstance(row, dict):
                yield InputError(where, f"{where}: not a JSON object", "invalid_json")
                continue
            yield _row_item(row.get("id"), row.get("text", None), where)


def _decoded_lines(f: IO[bytes], name: str) -> Iterator[str]:
    """Decode each physical line on its own, so one cp1252 line does not spoil the file.

    A lone carriage return (classic Mac line ends) ends a line too: csv reads a line at a time.
    """
    for number, raw in enumerate(f, start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            line = _decode_fallback(raw, f"{name} line {number}")
        yield from (part for part in _LONE_CR.split(line) if part)


def _csv_rows(path: Path, max_chars: int | None) -> Iterator[InputItem]:
    # Python's csv module limits a field's characters process-wide; keep any earlier larger limit.
    wanted = sys.maxsize if max_chars is None else _TEXT_BYTES_PER_CHAR * max_chars
    csv.field_size_limit(max(csv.field_size_limit(), min(wanted, 2**31 - 1)))
    with _open_binary(path) as f:
        reader = csv.reader(_decoded_lines(f, path.name))
        header = next(reader, None)
        if header is None:
            return
        missing = [c for c in ("id", "text") if c not in header]
        id_at = header.index("id") if "id" in header else None
        position = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                where = f"{path.name} row {position} (line {reader.line_num})"
                yield InputError(where, f"{where}: not a CSV record ({error})", "malformed_row")
                position += 1
                continue
            if not row:
                continue  # a blank line is no document
            where = f"{path.name} row {position} (line {reader.line_num})"
            position += 1
            doc_id = row[id_at] if id_at is not None and id_at < len(row) else where
            if missing:
                yield InputError(
                    doc_id,
                    f"{where}: no {' or '.join(repr(c) for c in missing)} column",
                    "missing_column",
                )
            elif len(row) != len(header):
                yield InputError(
                    doc_id,
                    f"{where}: {len(row)} fields where the header has {len(header)}",
                    "malformed_row",
                )
            else:
                fields = dict(zip(header, row, strict=True))
                yield _row_item(fields["id"], fields["text"], where)


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
                    "missing_column",
                )
            else:
                yield _row_item(row["id"], row["text"], where)
        offset += len(frame)


def _parquet_rows(path: Path, chunk_rows: int) -> Iterator[InputItem]:
    parquet = pq.ParquetFile(path)
    columns = [c for c in ("id", "text") if c in parquet.schema_arrow.names]
    batches = parquet.iter_batches(batch_size=chunk_rows, columns=columns or None)
    yield from frame_items((batch.to_pandas() for batch in batches), path.name)


def _folder(path: Path, max_chars: int | None) -> Iterator[InputItem]:
    # Names only (not Path objects): the listing of a big archive is the one O(files) structure.
    names = sorted(
        entry.name
        for entry in os.scandir(path)
        if entry.name.endswith(TEXT_SUFFIXES) and entry.is_file()
    )
    for name in names:
        yield _text_file(path / name, max_chars)


def read_documents(
    path: str | Path, chunk_rows: int = 1000, max_chars: int | None = None
) -> Iterator[InputItem]:
    """Yield the documents of ``path`` lazily, in input order; unreadable ones as ``InputError``.

    ``path`` is a ``.txt`` file (id = file stem), a folder of ``.txt`` files, or a ``.jsonl``,
    ``.csv`` (either gzipped) or ``.parquet`` table with ``id`` and ``text``. Text that is not
    UTF-8 is decoded as cp1252 (else Latin-1) with a ``UnicodeWarning`` naming the document.
    With ``max_chars``, a document that cannot have fewer characters (judged by its bytes) is
    an error without being held in memory; the pipeline checks the exact length.
    """
    path = Path(path)
    suffix = _input_suffix(path)
    if not path.is_dir() and suffix not in (*TEXT_SUFFIXES, *TABLE_SUFFIXES):
        raise ValueError(
            f"{path}: unsupported input (use .txt, a folder, .jsonl, .csv or .parquet)"
        )
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    if path.is_dir():
        return _folder(path, max_chars)
    if suffix in TEXT_SUFFIXES:
        return iter([_text_file(path, max_chars)])
    if suffix == ".jsonl":
        return _jsonl_rows(path, max_chars)
    if suffix == ".csv":
        return _csv_rows(path, max_chars)
    return _parquet_rows(path, chunk_rows)


def unique_ids(items: Iterable[InputItem]) -> Iterator[InputItem]:
    """Pass items through, turning a repeated document id into an error for that document."""
    seen: set[str] = set()
    for item in items:
        if isinstance(item, Document):
            if item.doc_id in seen:
                item = InputError(
                    item.doc_id,
                    f"duplicate id {item.doc_id!r}: an earlier document has it",
                    "duplicate_id",
                )
            else:
                seen.add(item.doc_id)
        yield item
