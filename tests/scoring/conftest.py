"""Fixtures of the scoring tests: the real model as a local folder, a fake one, input files."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import mlflow
import pytest

HERE = Path(__file__).resolve().parent
GERMAN = [
    "Die Nato sagte, sie sei bereit.",
    "„Wir werden nicht nachgeben“, sagte Merkel am Montag in Berlin.",
    "Russland kritisierte die Nato scharf. Der Kreml sprach von einer Provokation.",
    "Laut dem Sprecher der Regierung ist die Lage ernst.",
    "Scholz betonte: „Die Ukraine hat unsere volle Unterstützung.“ Die AfD widersprach.",
    "Am 31. Januar tagte der Bundestag. Die Grünen forderten mehr Geld für den Klimaschutz.",
    "China warnte die USA vor weiteren Sanktionen. Peking sei zu Gesprächen bereit, hieß es.",
    "Der Minister sagte, er halte das für einen Fehler. „Das ist inakzeptabel.“",
]


def german(i: int) -> str:
    """A short German news text, varied by ``i``."""
    return f"{GERMAN[i % len(GERMAN)]} Meldung {i}."


@pytest.fixture(scope="session")
def model_path(logged_model: str, mlflow_store: str) -> str:
    """The logged tiny pipeline as a local pyfunc model folder (what the CLI downloads)."""
    mlflow.set_tracking_uri(mlflow_store)
    mlflow.set_registry_uri(mlflow_store)
    return mlflow.artifacts.download_artifacts(logged_model)


@pytest.fixture(scope="session")
def fake_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An instant pyfunc model that crashes its worker on CRASH and raises on RAISE."""
    path = tmp_path_factory.mktemp("fake") / "model"
    mlflow.pyfunc.save_model(str(path), python_model=str(HERE / "fake_model.py"))
    return str(path)


def write_jsonl_lines(path: Path, rows: Iterable[Any]) -> Path:
    """Write rows (dicts as JSON, bytes and str as they are) one per line."""
    with path.open("wb") as f:
        for row in rows:
            if isinstance(row, bytes):
                f.write(row + b"\n")
            elif isinstance(row, str):
                f.write(row.encode("utf-8") + b"\n")
            else:
                f.write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
    return path
