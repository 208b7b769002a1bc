"""The main job (`dvc repro`) in a copy of the project in a temporary directory, then the sample's record checked."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from mlflow.tracking import MlflowClient

from contract import check_record
from quotestance.cli import PROJECT_ROOT
from quotestance.tracking import CHALLENGER, CHAMPION, MODEL_NAME, config_hash

SAMPLE_NAME = "000_6649c5ff55181b67"
BIN = Path(sys.executable).parent


def _copy_project(target: Path) -> None:
    """Copy the project's files (tracked and not ignored) into a fresh git repository."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = PROJECT_ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    for command in (
        ["git", "init", "-q"],
        ["git", "add", "-A"],
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "copy"],
    ):
        subprocess.run(command, cwd=target, check=True, capture_output=True)


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str, Path]:
    """`dvc repro` of the main job in a copy of the project; returns the sample's record."""
    root = tmp_path_factory.mktemp("e2e") / "project"
    _copy_project(root)
    env = {**os.environ, "QUOTESTANCE_ROOT": str(root), "PATH": f"{BIN}:{os.environ['PATH']}"}
    result = subprocess.run(
        [str(BIN / "dvc"), "repro", "score"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert result.returncode == 0, (
        f"dvc repro failed:\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}"
    )
    (record,) = [
        json.loads(line) for line in (root / "experiments/sample.jsonl").read_text().splitlines()
    ]
    return record, result.stdout, root


@pytest.mark.slow
def test_run_writes_mlflow_store_metrics_and_registry(scored: tuple[dict, str, Path]) -> None:
    _, stdout, root = scored
    assert (root / "experiments/mlflow.db").exists()
    assert (root / "dvc.lock").exists()
    metrics = json.loads((root / "experiments/metrics/evaluate_test.json").read_text())
    assert 0 <= metrics["stance/macro_f1"] <= 1
    assert "Quotes by speaker" in stdout and "Stance by actor" in stdout


@pytest.mark.slow
def test_sample_record_is_valid(scored: tuple[dict, str, Path]) -> None:
    record, _, root = scored
    check_record(record, (root / f"data/raw/seed/{SAMPLE_NAME}.txt").read_text(encoding="utf-8"))
    assert record["doc_id"] == SAMPLE_NAME
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


def _nato_stance(record: dict, opening: str) -> str:
    sentences = {s["id"]: s["text"] for s in record["sentences"]}
    (stance,) = [
        s
        for s in record["stances"]
        if s["actor"] == "NATO"
        and s["unit"] == "sentence"
        and sentences[s["unit_id"]].startswith(opening)
    ]
    return stance["label"]


@pytest.mark.slow
def test_north_korea_condemning_the_visit_is_against_nato(scored: tuple[dict, str, Path]) -> None:
    record, _, _ = scored
    assert _nato_stance(record, "Nordkorea verurteilte") == "against"


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="known model error: 'kritisierte Nordkorea die zunehmende Zusammenarbeit zwischen der NATO "
    "und ...' is classified favor (cooperation with NATO outweighs the governing criticism; the "
    "corpus has few criticised-cooperation examples)",
)
def test_north_korea_criticising_cooperation_is_against_nato(
    scored: tuple[dict, str, Path],
) -> None:
    record, _, _ = scored
    assert _nato_stance(record, "In einer von der staatlichen") == "against"


def _dvc(root: Path, *args: str) -> str:
    env = {**os.environ, "QUOTESTANCE_ROOT": str(root), "PATH": f"{BIN}:{os.environ['PATH']}"}
    result = subprocess.run(
        [str(BIN / "dvc"), *args], cwd=root, env=env, capture_output=True, text=True, timeout=1500
    )
    assert result.returncode == 0, (
        f"dvc {args} failed:\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}"
    )
    return result.stdout


@pytest.mark.slow
def test_dvc_metrics_show_reads_the_evaluation(scored: tuple[dict, str, Path]) -> None:
    _, _, root = scored
    shown = json.loads(_dvc(root, "metrics", "show", "--json"))[""]["data"]
    written = json.loads((root / "experiments/metrics/evaluate_test.json").read_text())
    evaluation = shown["experiments/metrics/evaluate_test.json"]["data"]
    assert evaluation["stance/macro_f1"] == written["stance/macro_f1"]
    assert "quotes/quote_f1@0.3" in evaluation
    assert "macro_f1" in shown["experiments/metrics/train.json"]["data"]


@pytest.mark.slow
def test_dvc_plots_show_draws_the_confusion_matrix(scored: tuple[dict, str, Path]) -> None:
    _, _, root = scored
    plots = json.loads(_dvc(root, "plots", "show", "--json"))["data"]
    (confusion,) = plots["experiments/metrics/test_stance_predictions.csv"]
    assert confusion["type"] == "vega"
    rows = confusion["content"]["data"]["values"]
    test_size = len((root / "data/prepared/stance_corpus/test.jsonl").read_text().splitlines())
    assert len(rows) == test_size
    assert {row["actual"] for row in rows} == {"against", "favor", "neutral"}
    assert plots["experiments/metrics/test_stance_confusion.png"][0]["type"] == "image"
    (speakers,) = plots["experiments/metrics/test_speaker_curve.csv"]
    points = speakers["content"]["data"]["values"]
    assert len(points) == 20 and all(0 <= float(p["precision"]) <= 1 for p in points)


@pytest.fixture(scope="module")
def experiment(scored: tuple[dict, str, Path]) -> Path:
    """`dvc exp run -S model=logreg` after the main job, in the same copy of the project."""
    _, _, root = scored
    _dvc(root, "exp", "run", "-S", "model=logreg")
    return root


@pytest.mark.slow
def test_dvc_exp_run_trains_what_hydra_composes(experiment: Path, tmp_path: Path) -> None:
    """`dvc exp run -S model=logreg` and `quotestance-train model=logreg ...` resolve one config."""
    root = experiment
    env = {**os.environ, "QUOTESTANCE_ROOT": str(root)}
    composed = subprocess.run(
        [
            str(BIN / "quotestance-train"),
            "model=logreg",
            "features=ngrams",
            "actors=default",
            "seed=42",
            "--cfg",
            "job",
            "--resolve",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    expected = yaml.safe_load(composed)
    assert expected["model"]["_target_"].endswith("LogisticRegression")
    store = f"sqlite:///{root}/experiments/mlflow.db"
    client = MlflowClient(tracking_uri=store, registry_uri=store)  # not this process's default
    experiment_id = client.get_experiment_by_name("quotestance").experiment_id
    (run,) = client.search_runs(
        [experiment_id],
        filter_string="attributes.run_name = 'train'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    logged_file = client.download_artifacts(run.info.run_id, "config/resolved.yaml", str(tmp_path))
    assert yaml.safe_load(Path(logged_file).read_text()) == expected
    assert run.data.tags["config_hash"] == config_hash(expected)
    assert "model=logreg" in run.data.params["overrides"]
    assert str(client.get_model_version_by_alias(MODEL_NAME, CHALLENGER).version) == "2"
    assert str(client.get_model_version_by_alias(MODEL_NAME, CHAMPION).version) == "1"
