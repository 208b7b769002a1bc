"""Glue shared by the entry points: reading prepared data and logging evaluations to MLflow."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from omegaconf import DictConfig

from quotestance import tracking
from quotestance.evaluation.curves import save_curve_csv, save_curve_plot
from quotestance.evaluation.quotes import (
    format_report,
    predictions_to_json,
    quote_level_scores,
    speaker_curve,
    token_level_scores,
)
from quotestance.evaluation.stance import (
    calibration_metrics,
    save_confusion_matrix,
    save_predictions,
    save_reliability_diagram,
    stance_metrics,
    stance_report,
)
from quotestance.io import (
    annotated_document_from_dict,
    read_jsonl,
    stance_example_from_dict,
    write_jsonl,
)
from quotestance.pipeline import QuotestancePipeline
from quotestance.records import AnnotatedDocument, StanceExample
from quotestance.stance import examples_to_frame, predict_probabilities, predict_stance

SPEAKER_THRESHOLDS = tuple(i / 20 for i in range(20))  # 0.00, 0.05, ..., 0.95


def read_stance_examples(path: str | Path, limit: int | None = None) -> list[StanceExample]:
    """Read prepared stance examples, the first ``limit`` only when given."""
    examples = [stance_example_from_dict(row) for row in read_jsonl(path)]
    return examples[:limit] if limit else examples


def read_annotated_documents(path: str | Path, limit: int | None = None) -> list[AnnotatedDocument]:
    """Read prepared annotated documents, the first ``limit`` only when given."""
    documents = [annotated_document_from_dict(row) for row in read_jsonl(path)]
    return documents[:limit] if limit else documents


def evaluate_stance(
    model: Any, examples: Sequence[StanceExample], out_dir: Path, split: str
) -> dict[str, float]:
    """Score ``examples``; log metrics, report and plots under ``split/stance``.

    Writes to ``out_dir`` the confusion matrix and reliability diagram (PNG) and the predictions
    (CSV with ``actor``, ``actual``, ``predicted``: DVC draws its confusion template from it).
    """
    gold = [str(e.label) for e in examples]
    frame = examples_to_frame(examples)
    predicted, _ = predict_stance(model, frame)
    probabilities = predict_probabilities(model, frame)
    classes = [str(c) for c in model.classes_]
    targets = [e.target for e in examples]
    metrics = stance_metrics(gold, predicted, targets)
    metrics.update(calibration_metrics(gold, probabilities, classes))
    tracking.log_metrics(metrics, f"{split}/stance")
    mlflow.log_text(stance_report(gold, predicted), f"{split}/stance_report.txt")
    figures = (
        save_predictions(gold, predicted, targets, out_dir / f"{split}_stance_predictions.csv"),
        save_confusion_matrix(
            gold, predicted, out_dir / f"{split}_stance_confusion.png", f"stance, {split}"
        ),
        save_reliability_diagram(
            gold,
            probabilities,
            classes,
            out_dir / f"{split}_stance_reliability.png",
            f"stance, {split}",
        ),
    )
    for figure in figures:
        mlflow.log_artifact(str(figure), split)
    return metrics


def evaluate_quotes(
    pipeline: QuotestancePipeline,
    documents: Sequence[AnnotatedDocument],
    split: str,
    out_dir: Path,
) -> dict[str, float]:
    """Find quotes in raw text (own segmentation); log the token- and quote-level metrics.

    The token-level metric scores every role, so it uses ``annotate`` (which also returns frames);
    the quote-level view and speaker accuracy score the records that ``find`` outputs. Written to
    ``out_dir`` and logged: the predictions (``annotate``) in the corpus JSON format
    (``<split>_quotes_predictions.jsonl``) and the speaker precision/recall curve over the
    confidence threshold (``<split>_speaker_curve.csv`` and ``.png``).
    """
    finder = pipeline.quote_finder
    sentences = [pipeline.segmenter.segment(doc.text) for doc in documents]
    annotated = [finder.annotate(doc.text, s) for doc, s in zip(documents, sentences, strict=True)]
    found = [finder.find(doc.text, s) for doc, s in zip(documents, sentences, strict=True)]
    tokens = token_level_scores(documents, annotated)
    quotes = quote_level_scores(documents, found)
    metrics = {f"token/{role}_f1": counts.f1 for role, counts in tokens.roles.items()}
    metrics["token/joint_f1"] = tokens.joint.f1
    for threshold in (0.3, 0.8):
        metrics[f"quote_f1@{threshold}"] = quotes.f1(threshold)
        metrics[f"quote_precision@{threshold}"] = quotes.precision(threshold)
        metrics[f"quote_recall@{threshold}"] = quotes.recall(threshold)
    metrics["speaker_accuracy"] = quotes.speaker_accuracy
    for kind, roles in tokens.by_kind.items():
        metrics[f"token/kind/{kind}/quote_f1"] = roles["quote"].f1
    tracking.log_metrics(metrics, f"{split}/quotes")
    mlflow.log_text(format_report(tokens, quotes), f"{split}/quotes_report.txt")
    exported = out_dir / f"{split}_quotes_predictions.jsonl"
    write_jsonl(
        exported,
        (predictions_to_json(doc, a) for doc, a in zip(documents, annotated, strict=True)),
    )
    # the speaker's precision/recall as its confidence threshold rises (speaker null below it)
    curve = speaker_curve(documents, found, SPEAKER_THRESHOLDS)
    title = f"speaker attribution, {split}"
    for artifact in (
        exported,
        save_curve_csv(curve, out_dir / f"{split}_speaker_curve.csv"),
        save_curve_plot(
            curve,
            out_dir / f"{split}_speaker_curve.png",
            title,
            getattr(finder, "speaker_threshold", None),
        ),
    ):
        mlflow.log_artifact(str(artifact), split)
    return metrics


@dataclass(frozen=True)
class Split:
    """A split's stance examples and quotation documents (possibly none), and their files."""

    name: str
    stance: Sequence[StanceExample]
    quotes: Sequence[AnnotatedDocument]
    stance_file: str
    quotes_file: str


def read_split(data: DictConfig, name: str) -> Split:
    """Read the stance and quotation files that ``data`` names for split ``name``."""
    quotes_file = str(data.get(f"quotes_{name}") or "")
    return Split(
        name=name,
        stance=read_stance_examples(data[f"stance_{name}"], data.stance_limit),
        quotes=read_annotated_documents(quotes_file, data.quotes_limit) if quotes_file else [],
        stance_file=str(data[f"stance_{name}"]),
        quotes_file=quotes_file,
    )


def evaluate_split(pipeline: QuotestancePipeline, split: Split, out_dir: Path) -> dict[str, float]:
    """Log ``split`` as the run's dataset inputs, evaluate stance and quotations on it.

    Returns the metrics as ``stance/<name>`` and ``quotes/<name>``.
    """
    stance_frame = examples_to_frame(split.stance).assign(label=[e.label for e in split.stance])
    tracking.log_dataset(stance_frame, f"stance_{split.name}", split.stance_file, split.name)
    stance = evaluate_stance(pipeline.stance_model, split.stance, out_dir, split.name)
    metrics = {f"stance/{key}": value for key, value in stance.items()}
    if split.quotes:
        quotes_frame = pd.DataFrame(
            {"doc_id": [d.doc_id for d in split.quotes], "text": [d.text for d in split.quotes]}
        )
        tracking.log_dataset(quotes_frame, f"quotes_{split.name}", split.quotes_file, split.name)
        quotes = evaluate_quotes(pipeline, split.quotes, split.name, out_dir)
        metrics.update({f"quotes/{key}": value for key, value in quotes.items()})
    return metrics
