"""The main job on a small configuration in a temporary directory, then the sample article scored."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from contract import check_record
from quotestance.cli import PROJECT_ROOT

SAMPLE = PROJECT_ROOT / "data/raw/seed/000_6649c5ff55181b67.txt"
BIN = Path(sys.executable).parent


def _run(command: str, *overrides: str, cwd: Path) -> str:
    result = subprocess.run(
        [str(BIN / command), *overrides], cwd=cwd, capture_output=True, text=True, timeout=1500,
        env={**os.environ, "MLFLOW_ENABLE_ASYNC_LOGGING": "false"},
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str, Path]:
    root = tmp_path_factory.mktemp("e2e")
    paths = [f"paths.prepared_dir={root}/prepared", f"paths.experiments_dir={root}/experiments"]
    for source in ("wikinews", "stance_corpus"):
        _run("quotestance-prepare", f"source={source}", *paths, cwd=root)
    _run("quotestance-train", "data.quotes_limit=60", *paths, cwd=root)
    _run("quotestance-evaluate", "split=test", "data.quotes_limit=20", *paths, cwd=root)
    output = root / "sample.jsonl"
    stdout = _run("quotestance-score", f"input={SAMPLE}", f"output={output}", "workers=1", *paths, cwd=root)
    (record,) = [json.loads(line) for line in output.read_text().splitlines()]
    return record, stdout, root


@pytest.mark.slow
def test_run_writes_mlflow_store_metrics_and_registry(scored: tuple[dict, str, Path]) -> None:
    _, stdout, root = scored
    assert (root / "experiments/mlflow.db").exists()
    metrics = json.loads((root / "experiments/metrics/evaluate_test.json").read_text())
    assert 0 <= metrics["stance/macro_f1"] <= 1
    assert "Quotes by speaker" in stdout and "Stance by actor" in stdout


@pytest.mark.slow
def test_sample_record_is_valid(scored: tuple[dict, str, Path]) -> None:
    record, _, _ = scored
    check_record(record, SAMPLE.read_text(encoding="utf-8"))
    assert record["doc_id"] == SAMPLE.stem
    assert record["model"]["uri"] == "models:/quotestance@champion"
    assert record["model"]["version"] == "1"
    assert len(record["model"]["config_hash"]) == 12


@pytest.mark.slow
def test_paragraph_opening_quote_belongs_to_stoltenberg(scored: tuple[dict, str, Path]) -> None:
    record, _, _ = scored
    (quote,) = [q for q in record["quotes"] if q["text"].startswith('"Wenn Präsident Putin')]
    assert quote["text"].endswith('von Bedeutung."')
    assert len(quote["sentence_ids"]) == 2
    assert quote["kind"] == "direct"
    assert quote["speaker"]["name"] == "Stoltenberg"


@pytest.mark.slow
def test_north_korea_is_against_nato(scored: tuple[dict, str, Path]) -> None:
    record, _, _ = scored
    sentences = {s["id"]: s["text"] for s in record["sentences"]}
    north_korea = [
        s for s in record["stances"]
        if s["actor"] == "NATO" and s["unit"] == "sentence" and sentences[s["unit_id"]].startswith(("Nordkorea verurteilte", "In einer von der staatlichen"))
    ]
    assert len(north_korea) == 2
    assert all(s["label"] == "against" for s in north_korea)
