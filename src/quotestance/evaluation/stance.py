"""Stance metrics: macro-F1, per-label and per-target F1, the SemEval average, calibration."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np

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
            # only the labels this target has (in gold or predictions): a label that never
            # occurs for it would add an F1 of 0 that says nothing about the model
            present = sorted(set(target_gold) | set(target_pred))
            metrics[f"target/{target}/macro_f1"] = float(
                f1_score(target_gold, target_pred, labels=present, average="macro", zero_division=0)
            )
            metrics[f"target/{target}/support"] = float(len(rows))
    return metrics


def stance_report(gold: Sequence[str], predicted: Sequence[str]) -> str:
    """Return scikit-learn's per-label classification report as text."""
    return str(classification_report(gold, predicted, zero_division=0, digits=3))


def save_predictions(
    gold: Sequence[str], predicted: Sequence[str], targets: Sequence[str], path: Path
) -> Path:
    """Write one row per example (``actor``, ``actual``, ``predicted``) as CSV at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["actor", "actual", "predicted"])
        writer.writerows(zip(targets, gold, predicted, strict=True))
    return path


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


def reliability_bins(
    gold: Sequence[str], probabilities: np.ndarray, classes: Sequence[str], bins: int = 10
) -> dict[str, list[float]]:
    """Bin the top-label confidence; return per-bin mean confidence, accuracy and count."""
    probabilities = np.asarray(probabilities, dtype=float)
    confidence = probabilities.max(axis=1)
    predicted = np.asarray(classes, dtype=object)[probabilities.argmax(axis=1)]
    correct = predicted == np.asarray(gold, dtype=object)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    out: dict[str, list[float]] = {"confidence": [], "accuracy": [], "count": [], "lower": []}
    for b in range(bins):
        mask = which == b
        out["lower"].append(float(edges[b]))
        out["count"].append(float(mask.sum()))
        out["confidence"].append(float(confidence[mask].mean()) if mask.any() else float("nan"))
        out["accuracy"].append(float(correct[mask].mean()) if mask.any() else float("nan"))
    return out


def calibration_metrics(
    gold: Sequence[str], probabilities: np.ndarray, classes: Sequence[str], bins: int = 10
) -> dict[str, float]:
    """Return the expected calibration error (top label), the multiclass Brier score and log-loss."""
    probabilities = np.asarray(probabilities, dtype=float)
    table = reliability_bins(gold, probabilities, classes, bins)
    total = max(sum(table["count"]), 1.0)
    ece = sum(
        count / total * abs(acc - conf)
        for count, acc, conf in zip(
            table["count"], table["accuracy"], table["confidence"], strict=True
        )
        if count
    )
    index = {label: i for i, label in enumerate(classes)}
    onehot = np.zeros_like(probabilities)
    known = [(row, index[g]) for row, g in enumerate(gold) if g in index]
    for row, column in known:
        onehot[row, column] = 1.0
    brier = float(((probabilities - onehot) ** 2).sum(axis=1).mean()) if len(gold) else 0.0
    picked = [probabilities[row, column] for row, column in known]
    log_loss = float(-np.mean(np.log(np.clip(picked, 1e-12, 1.0)))) if picked else float("nan")
    return {"ece": float(ece), "brier": brier, "log_loss": log_loss}


def save_reliability_diagram(
    gold: Sequence[str],
    probabilities: np.ndarray,
    classes: Sequence[str],
    path: Path,
    title: str,
    bins: int = 10,
) -> Path:
    """Draw the reliability diagram (top-label confidence vs accuracy, with counts) as a PNG."""
    table = reliability_bins(gold, probabilities, classes, bins)
    ece = calibration_metrics(gold, probabilities, classes, bins)["ece"]
    path.parent.mkdir(parents=True, exist_ok=True)
    figure, (axis, counts) = plt.subplots(
        2, 1, figsize=(4.5, 5.5), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    width = 1.0 / bins
    accuracy = [0.0 if a != a else a for a in table["accuracy"]]
    axis.bar(table["lower"], accuracy, width=width, align="edge", edgecolor="black", alpha=0.7)
    axis.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated")
    used = [i for i, c in enumerate(table["count"]) if c]
    axis.plot(
        [table["confidence"][i] for i in used],
        [table["accuracy"][i] for i in used],
        marker="o",
        color="darkred",
        label="mean confidence",
    )
    axis.set_ylabel("accuracy")
    axis.set_title(f"{title} (ECE {ece:.3f})")
    axis.legend(loc="upper left", fontsize=8)
    counts.bar(table["lower"], table["count"], width=width, align="edge", edgecolor="black")
    counts.set_xlabel("confidence of the predicted label")
    counts.set_ylabel("examples")
    counts.set_xlim(0, 1)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
