"""The report command on a small scored file gives known counts."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir

from quotestance.cli import CONFIG_DIR, register_resolvers
from quotestance.cli.report import report
from quotestance.report import document_source, stance_rows, stance_table, wilson_interval


def _stance(unit: str, unit_id: int, actor: str, label: str, holder: str, score: float = 0.9):
    return {
        "unit": unit,
        "unit_id": unit_id,
        "actor": actor,
        "mention": {"start": 0, "end": 4, "text": actor},
        "label": label,
        "score": score,
        "holder": holder,
    }


def _quote(quote_id: int, speaker: str | None, sentence_ids: list[int]):
    return {
        "id": quote_id,
        "start": 0,
        "end": 10,
        "text": "...",
        "kind": "direct",
        "cue": None,
        "speaker": {"name": speaker, "start": 0, "end": 3, "text": speaker} if speaker else None,
        "sentence_ids": sentence_ids,
        "score": 0.9,
    }


RECORDS = [
    {  # spiegel/1: Lawrow against NATO twice, the author neutral in sentence 2 (outside quotes)
        "doc_id": "spiegel/1",
        "status": "ok",
        "error": None,
        "quotes": [_quote(0, "Lawrow", [0]), _quote(1, "Lawrow", [1])],
        "stances": [
            _stance("sentence", 0, "NATO", "against", "author"),  # inside quote 0: not counted
            _stance("sentence", 2, "NATO", "neutral", "author"),
            _stance("quote", 0, "NATO", "against", "Lawrow"),
            _stance("quote", 1, "NATO", "against", "Lawrow"),
        ],
    },
    {  # zeit:2: Stoltenberg for NATO, against Russia; one quote without a speaker
        "doc_id": "zeit:2",
        "status": "ok",
        "error": None,
        "quotes": [_quote(0, "Stoltenberg", [0]), _quote(1, None, [3])],
        "stances": [
            _stance("quote", 0, "NATO", "favor", "Stoltenberg"),
            _stance("quote", 0, "Russia", "against", "Stoltenberg"),
            _stance("quote", 1, "Russia", "neutral", "author"),
            _stance("sentence", 5, "Russia", "against", "author", score=0.4),
        ],
    },
    {"doc_id": "bad", "status": "error", "error": {"type": "X", "message": "y"}},
    {  # no prefix: the source comes from the side table or is unknown
        "doc_id": "doc3",
        "status": "ok",
        "error": None,
        "quotes": [],
        "stances": [_stance("sentence", 0, "NATO", "favor", "author")],
    },
]


@pytest.fixture
def scored(tmp_path: Path) -> Path:
    path = tmp_path / "scored.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n")
    return path


def test_wilson_interval_known_values() -> None:
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4)
    assert high == pytest.approx(0.7634, abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert wilson_interval(0, 5)[0] == 0.0


@pytest.mark.parametrize(
    ("record", "sources", "expected"),
    [
        ({"doc_id": "spiegel/1"}, {}, "spiegel"),
        ({"doc_id": "zeit:2"}, {}, "zeit"),
        ({"doc_id": "doc3"}, {}, "(unknown)"),
        ({"doc_id": "doc3"}, {"doc3": "taz"}, "taz"),
        ({"doc_id": "spiegel/1", "source": "own"}, {}, "own"),
    ],
)
def test_document_source(record: dict, sources: dict, expected: str) -> None:
    assert document_source(record, sources) == expected


def test_stance_rows_attribute_quotes_to_speakers() -> None:
    rows = stance_rows(RECORDS)
    holders = sorted((r.holder, r.actor, r.label) for r in rows)
    assert holders == [
        ("(unattributed quote)", "Russia", "neutral"),
        ("Lawrow", "NATO", "against"),
        ("Lawrow", "NATO", "against"),
        ("Stoltenberg", "NATO", "favor"),
        ("Stoltenberg", "Russia", "against"),
        ("author", "NATO", "favor"),
        ("author", "NATO", "neutral"),
        ("author", "Russia", "against"),
    ]
    assert len(stance_rows(RECORDS, min_score=0.5)) == 7


def test_stance_table_counts() -> None:
    table = stance_table(stance_rows(RECORDS), "holder")
    lawrow = table[(table.holder == "Lawrow") & (table.actor == "NATO")].iloc[0]
    assert (lawrow.n, lawrow.against, lawrow.favor, lawrow.neutral) == (2, 2, 0, 0)
    assert lawrow.against_share == 1.0
    assert lawrow.net == -1.0
    assert lawrow.against_low == pytest.approx(wilson_interval(2, 2)[0])
    author = table[(table.holder == "author") & (table.actor == "NATO")].iloc[0]
    assert (author.n, author.favor, author.neutral, author.documents) == (2, 1, 1, 2)


def test_report_command_writes_tables_and_html(scored: Path, tmp_path: Path) -> None:
    sources = tmp_path / "input.csv"
    pd.DataFrame({"id": ["doc3"], "text": ["..."], "source": ["taz"]}).to_csv(sources, index=False)
    register_resolvers()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(
            "report",
            overrides=[f"input={scored}", f"output={tmp_path / 'out'}", f"sources={sources}"],
        )
    paths = report(cfg)
    speakers = pd.read_csv(paths["speaker"])
    by_source = pd.read_csv(paths["source"])
    assert set(speakers.columns) >= {"holder", "actor", "n", "against", "favor", "neutral"}
    counts = {(r.holder, r.actor): (r.n, r.against, r.favor) for r in speakers.itertuples()}
    assert counts[("Lawrow", "NATO")] == (2, 2, 0)
    assert counts[("Stoltenberg", "Russia")] == (1, 1, 0)
    sources_seen = {(r.source, r.actor): r.n for r in by_source.itertuples()}
    assert sources_seen == {
        ("spiegel", "NATO"): 3,
        ("zeit", "NATO"): 1,
        ("zeit", "Russia"): 3,
        ("taz", "NATO"): 1,
    }
    page = paths["html"].read_text()
    assert "data:image/png;base64," in page
    assert "Lawrow" in page and "against NATO" in page
    assert json.loads(paths["summary"].read_text())["stances"] == 8
