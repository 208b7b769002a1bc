"""Stance metrics: macro-F1, per-label and per-target F1, the SemEval favor/against average."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from sklearn.metrics import ConfusionMatrixDisplay, classification_report, f1_score


def stance_metrics(
    gold: Sequence[str], predicted: Sequence[str], targets: Sequence[str] | None = None
) -> dict[str, float]:
    """Return ``macro_f1``, ``f1/<label>``, ``semeval_f1`` (when favor/against exist) and per target."""
    labels = sorted(set(gold) | set(predicted))
    metrics = {
        "macro_f1": float(
            f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)
        )
    }
    per_label = f1_score(gold, predicted, labels=labels, average=None, zero_division=0)
    metrics.update(
        {f"f1/{label}": float(score) for label, score in zip(labels, per_label, strict=True)}
    )
    if {"favor", "against"} <= set(labels):
        metrics["semeval_f1"] = (metrics["f1/favor"] + metrics["f1/against"]) / 2
    metrics["accuracy"] = sum(g == p for g, p in zip(gold, predicted, strict=True)) / max(
        len(gold), 1
    )
    metrics["support"] = float(len(gold))
    if targets is not None:
        for target in sorted(set(targets)):
            rows = [i for i, t in enumerate(targets) if t == target]
            target_gold = [gold[i] for i in rows]
            target_pred = [predicted[i] for i in rows]
            metrics[f"target/{target}/macro_f1"] = float(
                f1_score(target_gold, target_pred, labels=labels, average="macro", zero_division=0)
            )
            metrics[f"target/{target}/support"] = float(len(rows))
    return metrics


def stance_report(gold: Sequence[str], predicted: Sequence[str]) -> str:
    """Return scikit-learn's per-label classification report as text."""
    return str(classification_report(gold, predicted, zero_division=0, digits=3))


def save_confusion_matrix(
    gold: Sequence[str], predicted: Sequence[str], path: Path, title: str
) -> Path:
    """Draw the confusion matrix as a PNG at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    figure, axis = plt.subplots(figsize=(4.5, 4))
    ConfusionMatrixDisplay.from_predictions(gold, predicted, ax=axis, colorbar=False)
    axis.set_title(title)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
