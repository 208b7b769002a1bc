"""Checks of the output record contract: the JSON Schema plus what a schema cannot state."""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from quotestance.cli import PROJECT_ROOT

SCHEMA = json.loads((PROJECT_ROOT / "src/quotestance/resources/record.schema.json").read_text())


def check_record(record: dict[str, Any], text: str | None) -> None:
    """Assert ``record`` satisfies the schema and the invariants of the contract."""
    jsonschema.validate(record, SCHEMA)
    if record["status"] == "error":
        assert record["error"]["message"]
        assert record["sentences"] == record["quotes"] == record["stances"] == []
        return
    assert record["error"] is None and text is not None
    sentences = record["sentences"]
    assert [s["id"] for s in sentences] == list(range(len(sentences)))
    previous_end = 0
    for sentence in sentences:
        assert text[sentence["start"] : sentence["end"]] == sentence["text"]
        assert sentence["start"] >= previous_end
        previous_end = sentence["end"]
    quotes = record["quotes"]
    assert [q["id"] for q in quotes] == list(range(len(quotes)))
    for quote in quotes:
        assert text[quote["start"] : quote["end"]] == quote["text"]
        for span in (quote["cue"], quote["speaker"]):
            if span is not None:
                assert text[span["start"] : span["end"]] == span["text"]
        assert all(0 <= i < len(sentences) for i in quote["sentence_ids"])
    for stance in record["stances"]:
        units = sentences if stance["unit"] == "sentence" else quotes
        assert 0 <= stance["unit_id"] < len(units)
        mention = stance["mention"]
        assert text[mention["start"] : mention["end"]] == mention["text"]
        unit = units[stance["unit_id"]]
        assert unit["start"] <= mention["start"] and mention["end"] <= unit["end"]
