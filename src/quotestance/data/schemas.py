"""Schemas for raw and prepared records; every error names the file, the record and the field.

A ``Schema`` lists typed fields (dotted paths; ``[]`` steps into every element of a list), the
allowed values of label fields, character spans that must index a text field
(``text[start:end] == span``), substrings that must occur in a text, and the field whose values
must be unique. ``validate`` returns every problem; ``check`` raises ``SchemaError`` with them.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quotestance.records import QUOTE_KINDS, STANCE_LABELS

MAX_LISTED = 20


@dataclass(frozen=True)
class Problem:
    """One schema violation: where (file, record, field) and what."""

    file: str
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.record}: field '{self.field}': {self.message}"


class SchemaError(ValueError):
    """Records that do not match their schema; ``problems`` holds every violation."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        lines = [str(p) for p in self.problems[:MAX_LISTED]]
        if len(self.problems) > MAX_LISTED:
            lines.append(f"... and {len(self.problems) - MAX_LISTED} more")
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Field:
    """A field at a dotted ``path`` with its allowed types (and values, for labels)."""

    path: str
    types: tuple[type, ...]
    required: bool = True
    nullable: bool = False
    choices: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class SpanRule:
    """``record[text][start:end]`` must equal ``span`` (or only lie inside the text if no span).

    ``start``, ``end`` and ``span`` may share list steps (``targets[].from``); their values are
    paired element by element. A missing or null parent (an optional mention) is skipped.
    """

    text: str
    start: str
    end: str
    span: str | None = None


@dataclass(frozen=True)
class SubstringRule:
    """The string at ``part`` must occur inside the string at ``text``."""

    text: str
    part: str


RecordCheck = Callable[[Mapping[str, Any]], list[tuple[str, str]]]


@dataclass(frozen=True)
class Schema:
    """What one kind of record must look like."""

    name: str
    fields: tuple[Field, ...]
    id_field: str | None = None
    spans: tuple[SpanRule, ...] = ()
    substrings: tuple[SubstringRule, ...] = ()
    checks: tuple[RecordCheck, ...] = ()


_MISSING = object()


def _type_ok(value: Any, types: tuple[type, ...]) -> bool:
    # bool is an int subclass in Python; a JSON true/false is never a count or an offset.
    if isinstance(value, bool) and bool not in types:
        return False
    if isinstance(value, int) and not isinstance(value, bool) and float in types:
        return True
    return isinstance(value, types)


def _type_names(types: tuple[type, ...]) -> str:
    names = {str: "string", int: "integer", float: "number", bool: "boolean", list: "list"}
    names[dict] = "object"
    return " or ".join(names.get(t, t.__name__) for t in types)


def resolve(record: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Yield ``(concrete_path, value)`` for a dotted path; ``[]`` expands every list element.

    A missing key yields the sentinel ``_MISSING`` at that point; a null or non-container
    parent (below the first step) yields nothing: the parent's own field reports it.
    """
    steps = path.split(".")

    def walk(value: Any, index: int, prefix: str) -> Iterator[tuple[str, Any]]:
        if index == len(steps):
            yield prefix, value
            return
        step = steps[index]
        many = step.endswith("[]")
        key = step[:-2] if many else step
        name = f"{prefix}.{key}" if prefix else key
        if not isinstance(value, Mapping):
            return
        if key not in value:
            yield name, _MISSING
            return
        child = value[key]
        if many:
            if not isinstance(child, list):
                return
            for number, item in enumerate(child):
                yield from walk(item, index + 1, f"{name}[{number}]")
        else:
            if child is None and index + 1 < len(steps):
                return
            yield from walk(child, index + 1, name)

    yield from walk(record, 0, "")


def _first(record: Any, path: str) -> Any:
    for _name, value in resolve(record, path):
        return value
    return _MISSING


def _record_label(unit: str, number: int, record: Any, id_field: str | None) -> str:
    label = f"{unit} {number}"
    if id_field and isinstance(record, Mapping):
        value = _first(record, id_field)
        if value is not _MISSING and value is not None:
            label += f" ({id_field}={value!r})"
    return label


def _field_problems(record: Mapping[str, Any], schema: Schema) -> list[tuple[str, str]]:
    found = []
    for spec in schema.fields:
        for name, value in resolve(record, spec.path):
            if value is _MISSING:
                if spec.required:
                    found.append((name, "missing"))
            elif value is None:
                if not spec.nullable:
                    found.append((name, "is null"))
            elif not _type_ok(value, spec.types):
                expected = _type_names(spec.types)
                found.append(
                    (name, f"wrong type: {type(value).__name__} {value!r:.60}, expected {expected}")
                )
            elif spec.choices is not None and value not in spec.choices:
                found.append((name, f"label {value!r} not in {list(spec.choices)}"))
    return found


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _span_problems(record: Mapping[str, Any], rule: SpanRule) -> list[tuple[str, str]]:
    text = _first(record, rule.text)
    if not isinstance(text, str):
        return []
    starts = list(resolve(record, rule.start))
    ends = list(resolve(record, rule.end))
    spans = list(resolve(record, rule.span)) if rule.span else [("", None)] * len(starts)
    found = []
    for (start_name, start), (end_name, end), (span_name, span) in zip(
        starts, ends, spans, strict=False
    ):
        begin, stop = _int(start), _int(end)
        if begin is None or stop is None:
            continue  # missing or mistyped offsets are reported by the field checks
        if not 0 <= begin <= stop <= len(text):
            bad = start_name if not 0 <= begin <= len(text) else end_name
            found.append(
                (bad, f"offsets {begin}..{stop} outside '{rule.text}' (length {len(text)})")
            )
        elif isinstance(span, str) and text[begin:stop] != span:
            found.append(
                (
                    span_name,
                    f"{rule.text}[{begin}:{stop}] is {text[begin:stop]!r}, not {span!r}",
                )
            )
    return found


def _substring_problems(record: Mapping[str, Any], rule: SubstringRule) -> list[tuple[str, str]]:
    text, part = _first(record, rule.text), _first(record, rule.part)
    if isinstance(text, str) and isinstance(part, str) and part not in text:
        return [(rule.part, f"{part!r} does not occur in '{rule.text}'")]
    return []


def validate(
    records: Iterable[Any],
    schema: Schema,
    file: str | Path,
    unit: str = "line",
    first: int = 1,
    numbers: Sequence[int] | None = None,
) -> list[Problem]:
    """Return every problem of ``records`` against ``schema``.

    Records are named ``unit`` plus their number: ``numbers[i]`` if given, else ``first + i``.
    """
    problems: list[Problem] = []
    seen: dict[Any, int] = {}
    items = list(records)
    labels = list(numbers) if numbers is not None else range(first, first + len(items))
    for number, record in zip(labels, items, strict=True):
        where = _record_label(unit, number, record, schema.id_field)
        if not isinstance(record, Mapping):
            problems.append(Problem(str(file), where, "*", f"not an object: {record!r:.60}"))
            continue
        found = _field_problems(record, schema)
        for rule in schema.spans:
            found.extend(_span_problems(record, rule))
        for sub in schema.substrings:
            found.extend(_substring_problems(record, sub))
        for extra in schema.checks:
            found.extend(extra(record))
        if schema.id_field:
            key = _first(record, schema.id_field)
            if isinstance(key, str | int) and not isinstance(key, bool):
                if key in seen:
                    found.append(
                        (schema.id_field, f"duplicate id {key!r} (first at {unit} {seen[key]})")
                    )
                else:
                    seen[key] = number
        problems.extend(Problem(str(file), where, name, message) for name, message in found)
    return problems


def check(
    records: Iterable[Any],
    schema: Schema,
    file: str | Path,
    unit: str = "line",
    first: int = 1,
    numbers: Sequence[int] | None = None,
) -> None:
    """Raise ``SchemaError`` listing every problem of ``records`` against ``schema``."""
    problems = validate(records, schema, file, unit=unit, first=first, numbers=numbers)
    if problems:
        raise SchemaError(problems)


@dataclass(frozen=True)
class RecordFile:
    """The records of one file with the numbers that name them in errors."""

    path: Path
    records: list[Any]
    numbers: list[int]
    unit: str


def read_json_records(path: str | Path) -> RecordFile:
    """Read a JSON Lines file or a JSON array (``.gz`` allowed) without validating it.

    JSON Lines records are numbered by line (blank lines skipped, numbering kept), array items by
    their index. Broken JSON raises ``SchemaError`` naming the line.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        content = f.read()
    if path.name.removesuffix(".gz").endswith(".json"):
        try:
            data = json.loads(content)
        except json.JSONDecodeError as error:
            raise SchemaError(
                [Problem(str(path), f"line {error.lineno}", "*", error.msg)]
            ) from error
        if not isinstance(data, list):
            raise SchemaError([Problem(str(path), "item 0", "*", "expected a JSON array")])
        return RecordFile(path, data, list(range(len(data))), "item")
    records: list[Any] = []
    numbers: list[int] = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise SchemaError([Problem(str(path), f"line {number}", "*", error.msg)]) from error
        numbers.append(number)
    return RecordFile(path, records, numbers, "line")


def check_file(path: str | Path, schema: Schema) -> list[Any]:
    """Read a JSON/JSONL file, check it against ``schema`` and return its records."""
    found = read_json_records(path)
    check(found.records, schema, found.path, unit=found.unit, numbers=found.numbers)
    return found.records


# --- raw sources -----------------------------------------------------------------------------

GERNTSA_POLARITIES = ("negative", "neutral", "positive")
NEWSMTSC_POLARITIES = (2.0, 4.0, 6.0)

GERNTSA_RAW = Schema(
    name="gerntsa-raw",
    fields=(
        Field("id", (str,)),
        Field("opinion_snippet", (str,)),
        Field("target", (str,)),
        Field("target_anchor", (dict,)),
        Field("target_anchor.from", (int,)),
        Field("target_anchor.to", (int,)),
        Field("sentiment", (dict,)),
        Field("sentiment.polarity", (str,), choices=GERNTSA_POLARITIES),
    ),
    id_field="id",
    spans=(SpanRule("opinion_snippet", "target_anchor.from", "target_anchor.to", "target"),),
)

# primary_gid: <article>_<sentence>_<target name>_<from>_<to>; polusa articles carry a "-1" part.
NEWSMTSC_GID = re.compile(
    r"^(allsides_\d+_\d+|polusa_v1_\d+)_(?:-1_)?(\d+)_(.*)_(\d+)_(\d+)$", re.DOTALL
)


def _newsmtsc_gid(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    gid = record.get("primary_gid")
    if isinstance(gid, str) and not NEWSMTSC_GID.match(gid):
        return [("primary_gid", f"{gid!r} is not <article>_<sentence>_<name>_<from>_<to>")]
    return []


NEWSMTSC_RAW = Schema(
    name="newsmtsc-raw",
    fields=(
        Field("primary_gid", (str,)),
        Field("sentence_normalized", (str,)),
        Field("targets", (list,)),
        Field("targets[].from", (int,)),
        Field("targets[].to", (int,)),
        Field("targets[].mention", (str,)),
        Field("targets[].polarity", (float,), choices=NEWSMTSC_POLARITIES),
    ),
    id_field="primary_gid",
    spans=(SpanRule("sentence_normalized", "targets[].from", "targets[].to", "targets[].mention"),),
    checks=(_newsmtsc_gid,),
)

TENKGNAD_RAW = Schema(
    name="10kgnad-raw",
    fields=(Field("topic", (str,)), Field("text", (str,))),
)


def _sentence_length(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    start, end = _int(record.get("start")), _int(record.get("end"))
    sentence = record.get("sentence")
    if start is None or end is None or not isinstance(sentence, str):
        return []
    if start < 0 or end < start:
        return [("end", f"offsets {start}..{end} are not a span")]
    if end - start != len(sentence):
        return [("end", f"end - start = {end - start}, but the sentence has {len(sentence)} chars")]
    return []


STANCE_CORPUS = Schema(
    name="stance-corpus",
    fields=(
        Field("id", (str,)),
        Field("source", (str,)),
        Field("doc_id", (str,)),
        Field("sentence", (str,)),
        Field("start", (int,)),
        Field("end", (int,)),
        Field("actor", (str,)),
        Field("mention", (str,)),
        Field("label", (str,), choices=STANCE_LABELS),
        Field("holder", (str,)),
        Field("ambiguous", (bool,)),
        Field("annotator", (str,)),
    ),
    id_field="id",
    substrings=(SubstringRule("sentence", "mention"),),
    checks=(_sentence_length,),
)

# --- prepared records (quotestance.records written by quotestance.io.write_jsonl) ---------------

STANCE_EXAMPLE = Schema(
    name="stance-example",
    fields=(
        Field("text", (str,)),
        Field("target", (str,)),
        Field("mention", (dict,), nullable=True),
        Field("mention.start", (int,)),
        Field("mention.end", (int,)),
        Field("mention.text", (str,)),
        Field("label", (str,), nullable=True, choices=STANCE_LABELS),
        Field("group", (str,)),
        Field("holder", (str,)),
        Field("source", (str,)),
    ),
    spans=(SpanRule("text", "mention.start", "mention.end", "mention.text"),),
)

DOCUMENT = Schema(
    name="document",
    fields=(Field("doc_id", (str,)), Field("text", (str,)), Field("source", (str,))),
    id_field="doc_id",
)

ANNOTATED_DOCUMENT = Schema(
    name="annotated-document",
    fields=(
        Field("doc_id", (str,)),
        Field("text", (str,)),
        Field("sentences", (list,)),
        Field("sentences[].id", (int,)),
        Field("sentences[].start", (int,)),
        Field("sentences[].end", (int,)),
        Field("sentences[].text", (str,)),
        Field("tokens", (list,)),
        Field("tokens[].start", (int,)),
        Field("tokens[].end", (int,)),
        Field("tokens[].text", (str,)),
        Field("quotes", (list,)),
        Field("quotes[].kind", (str,), choices=QUOTE_KINDS),
        Field("quotes[].quote", (list,)),
        Field("quotes[].nested", (bool,)),
    ),
    id_field="doc_id",
    spans=(
        SpanRule("text", "sentences[].start", "sentences[].end", "sentences[].text"),
        SpanRule("text", "tokens[].start", "tokens[].end", "tokens[].text"),
        SpanRule("text", "quotes[].quote[].start", "quotes[].quote[].end", "quotes[].quote[].text"),
        SpanRule(
            "text", "quotes[].speaker[].start", "quotes[].speaker[].end", "quotes[].speaker[].text"
        ),
        SpanRule("text", "quotes[].cue[].start", "quotes[].cue[].end", "quotes[].cue[].text"),
    ),
)
