"""Precision/recall curves over a confidence threshold: CSV (for DVC plots) and PNG (for MLflow)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

Curve = Sequence[tuple[float, float, float]]  # (threshold, precision, recall)


def save_curve_csv(curve: Curve, path: Path) -> Path:
    """Write ``threshold,precision,recall`` rows at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["threshold", "precision", "recall"])
        writer.writerows(curve)
    return path


def save_curve_plot(curve: Curve, path: Path, title: str, chosen: float | None = None) -> Path:
    """Draw precision against recall as a PNG at ``path``; mark the ``chosen`` threshold."""
    path.parent.mkdir(parents=True, exist_ok=True)
    figure, axis = plt.subplots(figsize=(4.5, 4))
    axis.plot([r for _, _, r in curve], [p for _, p, _ in curve], marker=".")
    if chosen is not None:
        t, p, r = min(curve, key=lambda point: abs(point[0] - chosen))
        axis.scatter([r], [p], color="red", zorder=3, label=f"threshold {t:.2f}")
        axis.legend(loc="lower left")
    axis.set(xlabel="recall", ylabel="precision", xlim=(0, 1.02), ylim=(0, 1.02), title=title)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
