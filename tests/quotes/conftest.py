"""Shared fixtures: the Wikinews data and one QuoteFinder trained once per test session."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hydra.utils import instantiate

from quotestance.data.wikinews import read_wikinews
from quotestance.quotes import QuoteFinder
from quotestance.records import AnnotatedDocument, Sentence

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data/raw/quotes-de-wikinews"
SEED = ROOT / "data/raw/seed/000_6649c5ff55181b67.txt"
CONFIG = ROOT / "conf/quotes/de.yaml"
N_TRAIN = 400  # a subset keeps the session fixture under a minute on 2 cores

_SENTENCE = re.compile(r"\S(?:[^.!?\n]|[.!?](?=[\w,]))*(?:[.!?]+[\"“”«»]?|$)", re.MULTILINE)


def simple_sentences(text: str) -> tuple[Sentence, ...]:
    """Split at sentence punctuation and line breaks (a stand-in for the project segmenter)."""
    return tuple(
        Sentence(i, m.start(), m.end(), m.group()) for i, m in enumerate(_SENTENCE.finditer(text))
    )


@pytest.fixture(scope="session")
def train_docs() -> list[AnnotatedDocument]:
    if not (DATA / "train.jsonl.gz").exists():
        pytest.skip("Wikinews data not available")
    return read_wikinews(DATA / "train.jsonl.gz")


@pytest.fixture(scope="session")
def finder(train_docs: list[AnnotatedDocument]) -> QuoteFinder:
    cfg = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    model: QuoteFinder = instantiate(cfg)
    return model.fit(train_docs[:N_TRAIN])


@pytest.fixture(scope="session")
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip("seed article not available")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def segment():  # type: ignore[no-untyped-def]
    return simple_sentences


@pytest.fixture(scope="session")
def quotes_config() -> Path:
    return CONFIG
