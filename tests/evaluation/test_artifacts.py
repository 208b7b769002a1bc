"""Evaluation files that DVC plots and MLflow artifacts are made of."""

import csv
from pathlib import Path

from quotestance.evaluation.curves import save_curve_csv, save_curve_plot
from quotestance.evaluation.stance import save_predictions

CURVE = [(0.0, 0.8, 0.8), (0.5, 0.9, 0.6), (0.9, 1.0, 0.1)]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_curve_csv_has_one_row_per_threshold(tmp_path: Path) -> None:
    rows = _rows(save_curve_csv(CURVE, tmp_path / "a" / "curve.csv"))
    assert [
        (float(r["threshold"]), float(r["precision"]), float(r["recall"])) for r in rows
    ] == CURVE


def test_curve_plot_is_a_png(tmp_path: Path) -> None:
    path = save_curve_plot(CURVE, tmp_path / "curve.png", "speakers", chosen=0.45)
    assert path.read_bytes().startswith(b"\x89PNG")


def test_stance_predictions_keep_actor_gold_and_prediction_per_row(tmp_path: Path) -> None:
    path = save_predictions(
        ["against", "neutral"], ["favor", "neutral"], ["NATO", "China, Inc."], tmp_path / "p.csv"
    )
    assert _rows(path) == [
        {"actor": "NATO", "actual": "against", "predicted": "favor"},
        {"actor": "China, Inc.", "actual": "neutral", "predicted": "neutral"},
    ]
