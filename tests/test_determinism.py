"""Determinism: two trainings with the same seed and data give identical models and predictions.

The two trainings run in two processes with different hash seeds (as two real trainings
would), so anything that depends on set or dict iteration order shows up here.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hydra.utils import instantiate
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.metrics import f1_score

from quotestance.cli import PROJECT_ROOT
from quotestance.data.stance_corpus import corpus_examples
from quotestance.data.wikinews import read_wikinews
from quotestance.io import record_to_dict
from quotestance.stance import build_stance_model, examples_to_frame, fit_stance_model

CONF = PROJECT_ROOT / "conf"
WIKINEWS = PROJECT_ROOT / "data/raw/quotes-de-wikinews/train.jsonl.gz"
CORPUS = PROJECT_ROOT / "data/annotations/corpus.jsonl"
SEED = 42


def _conf(group: str, option: str, **overrides: Any) -> Any:
    config = yaml.safe_load((CONF / group / f"{option}.yaml").read_text(encoding="utf-8"))
    return instantiate({**config, **overrides})


def fitted_state(obj: Any, path: str = "", seen: set[int] | None = None) -> dict[str, str]:
    """Digest every learned value of a fitted object (arrays, vocabularies, nested estimators)."""
    seen = set() if seen is None else seen
    if isinstance(obj, str | int | float | bool | type(None)):
        return {path: repr(obj)}
    if id(obj) in seen:
        return {}
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        data = repr(obj.tolist()).encode() if obj.dtype == object else obj.tobytes()
        return {path: f"{obj.dtype}{obj.shape}:{hashlib.sha256(data).hexdigest()[:16]}"}
    if sparse.issparse(obj):
        csr = sparse.csr_matrix(obj)
        parts = b"".join(a.tobytes() for a in (csr.data, csr.indices, csr.indptr))
        return {path: f"sparse{csr.shape}:{hashlib.sha256(parts).hexdigest()[:16]}"}
    if isinstance(obj, set | frozenset):
        return {path: repr(sorted(map(repr, obj)))}
    if isinstance(obj, dict):
        items = sorted(obj.items(), key=lambda kv: repr(kv[0]))
    elif isinstance(obj, list | tuple):
        items = list(enumerate(obj))
    elif isinstance(obj, BaseEstimator):  # public: parameters and learned ``name_`` state
        items = sorted((k, v) for k, v in vars(obj).items() if not k.startswith("_"))
    elif hasattr(obj, "__dict__"):
        items = sorted(vars(obj).items())
    else:
        return {path: type(obj).__name__}
    state: dict[str, str] = {}
    for key, value in items:
        if callable(value) and not isinstance(value, BaseEstimator):
            continue
        state.update(fitted_state(value, f"{path}.{key}", seen))
    return state


def train_and_predict(seed: int) -> dict[str, Any]:
    """Fit the quote finder and the stance model on small fixed data; return what they learned
    (digests) and what they predict (exactly).
    """
    documents = read_wikinews(WIKINEWS)
    finder = _conf("quotes", "de", random_state=seed, max_iter=100).fit(documents[:12])
    quotes = [record_to_dict(finder.find(d.text, d.sentences)) for d in documents[12:18]]
    rows = [json.loads(line) for line in CORPUS.open(encoding="utf-8")]
    train, test = corpus_examples(rows[:300]), corpus_examples(rows[300:380])
    classifier = _conf("model", "sgd", random_state=seed)
    model = build_stance_model(classifier, _conf("features", "ngrams"), cv=3)
    fit_stance_model(model, train)
    frame = examples_to_frame(test)
    labels = [str(label) for label in model.predict(frame)]
    return {
        "quote_finder": fitted_state(finder),
        "quotes": quotes,
        "stance_model": fitted_state(model),
        "stance_labels": labels,
        "stance_proba": model.predict_proba(frame).tolist(),
        "stance_macro_f1": f1_score([e.label for e in test], labels, average="macro"),
    }


def _write(result: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


def _train_elsewhere(hash_seed: str, output: Path) -> subprocess.Popen[bytes]:
    code = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
        "from pathlib import Path; import test_determinism as t; "
        f"t._write(t.train_and_predict({SEED}), Path({str(output)!r}))"
    )
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    with output.with_suffix(".log").open("wb") as log:
        return subprocess.Popen([sys.executable, "-c", code], env=env, stderr=log)


@pytest.mark.slow
def test_same_seed_and_data_give_identical_models_and_predictions(tmp_path: Path) -> None:
    # two processes with different hash seeds, as two real trainings would be
    outputs = [tmp_path / "first.json", tmp_path / "second.json"]
    runs = [_train_elsewhere(seed, out) for seed, out in zip(("1", "2"), outputs, strict=True)]
    for run, output in zip(runs, outputs, strict=True):
        assert run.wait(timeout=900) == 0, output.with_suffix(".log").read_text()[-3000:]
    mine, theirs = (json.loads(out.read_text(encoding="utf-8")) for out in outputs)
    assert any(mine["quotes"]), "no quotes found: a weak test"
    arrays = [k for k, v in mine["quote_finder"].items() if "(" in v]
    assert any("coef_" in k for k in arrays) and len(arrays) >= 8
    for key in mine:
        if isinstance(mine[key], dict):
            differing = sorted(
                k
                for k in mine[key].keys() | theirs[key].keys()
                if mine[key].get(k) != theirs[key].get(k)
            )
            assert not differing, f"{key} differs at {differing[:10]}"
        else:
            assert mine[key] == theirs[key], key
