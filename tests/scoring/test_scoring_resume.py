"""Resumable and atomic: interrupted anywhere (SIGKILL included), a rerun completes the output
with exactly one record per input, in order, and the output appears only when complete.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import german, write_jsonl_lines
from contract import check_record
from quotestance.io import Document, InputItem, read_documents, read_jsonl
from quotestance.records import ModelInfo
from quotestance.scoring import ScoreSummary, score_documents

INFO = ModelInfo("m", "1", "h")
KEY = {"input": "docs"}


class _Killed(Exception):
    """Stands in for the process dying at this point."""


def _docs(n: int, stop_at: int | None = None) -> Iterator[InputItem]:
    for i in range(n):
        if i == stop_at:
            raise _Killed
        yield Document(f"d{i}", f"Text {i}.")


def _score(
    model: str, output: Path, items: Iterator[InputItem], key: dict[str, str] = KEY
) -> ScoreSummary:
    return score_documents(items, model, output, INFO, workers=0, chunk_size=8, resume_key=key)


def _ids(path: Path) -> list[str]:
    return [r["doc_id"] for r in read_jsonl(path)]


def test_rerun_continues_after_the_last_written_chunk(fake_model: str, tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    with pytest.raises(_Killed):
        _score(fake_model, output, _docs(100, stop_at=43))
    assert not output.exists()
    with (tmp_path / "out.jsonl.partial").open("ab") as partial:  # a chunk written, not recorded
        partial.write(b'{"doc_id": "torn", "status": "ok"')
    summary = _score(fake_model, output, _docs(100))
    assert summary.resumed_from == 40
    assert _ids(output) == [f"d{i}" for i in range(100)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_other_settings_start_over(fake_model: str, tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    with pytest.raises(_Killed):
        _score(fake_model, output, _docs(50, stop_at=30))
    summary = _score(fake_model, output, _docs(50), key={"input": "other"})
    assert summary.resumed_from == 0
    assert _ids(output) == [f"d{i}" for i in range(50)]


def test_killed_just_before_publishing(
    fake_model: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "out.jsonl"
    replace = Path.replace

    def killed_before_rename(self: Path, target: Path) -> Path:
        if self.name.endswith(".partial"):
            raise _Killed
        return replace(self, target)

    with monkeypatch.context() as patch:
        patch.setattr(Path, "replace", killed_before_rename)
        with pytest.raises(_Killed):
            _score(fake_model, output, _docs(30))
    assert not output.exists()
    summary = _score(fake_model, output, _docs(30))
    assert (summary.resumed_from, summary.documents) == (30, 30)
    assert _ids(output) == [f"d{i}" for i in range(30)]


def test_killed_after_publishing_does_not_score_again(
    fake_model: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "out.jsonl"
    unlink = Path.unlink

    def killed_before_cleanup(self: Path, missing_ok: bool = False) -> None:
        if self.name.endswith(".progress.json"):
            raise _Killed
        unlink(self, missing_ok=missing_ok)

    with monkeypatch.context() as patch:
        patch.setattr(Path, "unlink", killed_before_cleanup)
        with pytest.raises(_Killed):
            _score(fake_model, output, _docs(30))
    assert _ids(output) == [f"d{i}" for i in range(30)]
    summary = _score(fake_model, output, _docs(30, stop_at=0))  # reading would raise
    assert (summary.documents, summary.resumed_from) == (30, 30)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


# ------------------------------------------------------------------ SIGKILL, for real

RUN = """
import sys
from pathlib import Path
from quotestance.io import read_documents
from quotestance.records import ModelInfo
from quotestance.scoring import ScoreSummary, score_documents
source, model, output = sys.argv[1:4]
summary = score_documents(
    read_documents(source), model, Path(output), ModelInfo("m", "1", ""),
    workers=2, chunk_size=8, resume_key={"input": source},
)
print("resumed_from", summary.resumed_from)
"""


def _killed_run(
    command: list[str], manifest: Path, rng: random.Random, after: int, sig: signal.Signals
) -> bool:
    """Start the run, send ``sig`` once ``after`` documents are recorded (plus a random moment):
    SIGKILL to the run, SIGINT (Ctrl-C) to its whole process group, SIGTERM to the run.

    Return whether the run finished before it could be stopped.
    """
    log = manifest.parent.parent / "run.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True
        )
    deadline = time.monotonic() + 240
    while process.poll() is None and time.monotonic() < deadline:
        done = json.loads(manifest.read_text())["done"] if manifest.exists() else 0
        if done >= after:
            break
        time.sleep(0.05)
    time.sleep(rng.uniform(0, 0.4))
    if process.poll() is not None:
        assert process.returncode == 0, log.read_text()[-3000:]
        return True
    if sig == signal.SIGINT:
        os.killpg(process.pid, sig)
    else:
        os.kill(process.pid, sig)
    assert process.wait(timeout=120) != 0
    return False


@pytest.mark.slow
def test_killed_at_random_moments_then_rerun(model_path: str, tmp_path: Path) -> None:
    seed = random.randrange(10**6)
    rng = random.Random(seed)
    n = 240
    rows: list[object] = [{"id": f"d{i}", "text": german(i)} for i in range(n)]
    for i in rng.sample(range(n), 12):
        rows[i] = rng.choice([{"id": f"d{i}", "text": ""}, "{broken", {"id": "d0", "text": "Dup."}])
    source = write_jsonl_lines(tmp_path / "in.jsonl", rows)
    output = tmp_path / "out" / "scored.jsonl"
    manifest = output.with_name("scored.jsonl.progress.json")
    command = [sys.executable, "-c", RUN, str(source), model_path, str(output)]
    finished, kills = False, 0
    signals = [signal.SIGKILL, signal.SIGKILL, signal.SIGINT, signal.SIGTERM]
    rng.shuffle(signals)
    for after, sig in zip(sorted(rng.sample(range(0, n - 40), 4)), signals, strict=True):
        finished = _killed_run(command, manifest, rng, after, sig)
        if finished:
            break
        kills += 1
        assert not output.exists(), f"seed {seed}: output published by a killed run"
        progress = json.loads(manifest.read_text()) if manifest.exists() else {"done": 0}
        partial = output.with_name("scored.jsonl.partial")
        lines = partial.read_bytes()[: progress.get("bytes", 0)].decode().splitlines()
        assert len(lines) == progress["done"], f"seed {seed}"
    assert kills >= 2, f"seed {seed}: the runs finished before they could be killed"
    if not finished:
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(p.name for p in output.parent.iterdir()) == ["scored.jsonl"], f"seed {seed}"
    records = list(read_jsonl(output))
    expected = [item.doc_id for item in read_documents(source)]
    assert [r["doc_id"] for r in records] == expected, f"seed {seed}"
    texts = {f"d{i}": german(i) for i in range(n)}
    for record in records:
        check_record(record, texts.get(record["doc_id"]))
    # the same records as one uninterrupted run in this process
    reference = score_documents(
        read_documents(source), model_path, tmp_path / "reference.jsonl", ModelInfo("m", "1", ""), 0
    )
    assert output.read_bytes() == reference.output.read_bytes(), f"seed {seed}"
