"""Shared fixtures: the Wikinews data, the project's segmenter, one QuoteFinder trained once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hydra.utils import instantiate

from quotestance.data.splits import read_manifest
from quotestance.data.wikinews import read_wikinews
from quotestance.quotes import QuoteFinder
from quotestance.records import AnnotatedDocument, Sentence
from quotestance.segment import Segmenter

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data/raw/quotes-de-wikinews"
MANIFEST = ROOT / "data/splits/wikinews.json"
SEED = ROOT / "data/raw/seed/000_6649c5ff55181b67.txt"
CONFIG = ROOT / "conf/quotes/de.yaml"
SEGMENTER = ROOT / "conf/segmenter/de.yaml"
N_TRAIN = 400  # a subset keeps the session fixture well under a minute on 2 cores


@pytest.fixture(scope="session")
def train_docs() -> list[AnnotatedDocument]:
    """The published Wikinews train file (the frozen test split is cut from it)."""
    if not (DATA / "train.jsonl.gz").exists():
        pytest.skip("Wikinews data not available")
    return read_wikinews(DATA / "train.jsonl.gz")


@pytest.fixture(scope="session")
def fit_docs(train_docs: list[AnnotatedDocument]) -> list[AnnotatedDocument]:
    """The documents of the project's train split only: the frozen test split stays unseen."""
    train_ids = set(read_manifest(MANIFEST)["splits"]["train"])
    return [d for d in train_docs if d.doc_id in train_ids]


@pytest.fixture(scope="session")
def finder(fit_docs: list[AnnotatedDocument]) -> QuoteFinder:
    cfg = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    model: QuoteFinder = instantiate(cfg)
    return model.fit(fit_docs[:N_TRAIN])


@pytest.fixture(scope="session")
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip("seed article not available")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def segmenter() -> Segmenter:
    """The project's German segmenter, as the pipeline uses it."""
    model: Segmenter = instantiate(yaml.safe_load(SEGMENTER.read_text(encoding="utf-8")))
    return model


@pytest.fixture(scope="session")
def segment(segmenter: Segmenter) -> Callable[[str], tuple[Sentence, ...]]:
    return segmenter.segment


@pytest.fixture(scope="session")
def quotes_config() -> Path:
    return CONFIG
