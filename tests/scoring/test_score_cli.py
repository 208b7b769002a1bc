"""``quotestance-score`` end to end: summary with error counts, exit status by the error budget."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import german, write_jsonl_lines
from quotestance.cli.score import EXIT_OVER_ERROR_BUDGET
from quotestance.io import read_jsonl

BIN = Path(sys.executable).parent


@pytest.mark.slow
def test_cli_reports_errors_and_exits_by_the_budget(
    logged_model: str, mlflow_store: str, tmp_path: Path
) -> None:
    rows: list[object] = [{"id": f"d{i}", "text": german(i)} for i in range(8)]
    rows += [{"id": "empty", "text": " "}, {"id": "d1", "text": "Doppelt."}]
    source = write_jsonl_lines(tmp_path / "in.jsonl", rows)
    output = tmp_path / "scored.jsonl"

    def run(budget: float) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                str(BIN / "quotestance-score"),
                f"input={source}",
                f"output={output}",
                f"model_uri={logged_model}",
                "workers=1",
                "chunk_size=3",
                f"max_error_rate={budget}",
                f"paths.mlflow_uri={mlflow_store}",
                f"paths.experiments_dir={tmp_path / 'experiments'}",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )

    over = run(0.1)
    assert over.returncode == EXIT_OVER_ERROR_BUDGET, over.stderr[-3000:]
    assert "error rate 20.0% is above the budget of 10.0%" in over.stderr
    assert "errors by reason: empty 1, duplicate_id 1" in over.stderr
    assert "10 documents" in over.stderr and "8 ok, 2 errors" in over.stderr
    assert "Quotes by speaker" in over.stdout
    records = list(read_jsonl(output))
    assert [r["doc_id"] for r in records] == [*(f"d{i}" for i in range(8)), "empty", "d1"]
    assert {r["model"]["uri"] for r in records} == {logged_model}
    assert {r["model"]["version"] for r in records} == {logged_model.rsplit("/", 1)[1]}
    assert {r["model"]["config_hash"] for r in records} == {"testhash"}

    within = run(0.2)
    assert within.returncode == 0, within.stderr[-3000:]
    assert "8 ok, 2 errors" in within.stdout
