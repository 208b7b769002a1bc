"""Glue shared by the entry points: reading prepared data and logging evaluations to MLflow."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import mlflow

from quotestance import tracking
from quotestance.evaluation.quotes import format_report, quote_level_scores, token_level_scores
from quotestance.evaluation.stance import (
    calibration_metrics,
    save_confusion_matrix,
    save_reliability_diagram,
    stance_metrics,
    stance_report,
)
from quotestance.io import annotated_document_from_dict, read_jsonl, stance_example_from_dict
from quotestance.pipeline import QuotestancePipeline
from quotestance.records import AnnotatedDocument, StanceExample
from quotestance.stance import examples_to_frame, predict_probabilities, predict_stance


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
    """Score ``examples``; log metrics, report and confusion matrix under ``split/stance``."""
    gold = [str(e.label) for e in examples]
    frame = examples_to_frame(examples)
    predicted, _ = predict_stance(model, frame)
    probabilities = predict_probabilities(model, frame)
    classes = [str(c) for c in model.classes_]
    metrics = stance_metrics(gold, predicted, [e.target for e in examples])
    metrics.update(calibration_metrics(gold, probabilities, classes))
    tracking.log_metrics(metrics, f"{split}/stance")
    mlflow.log_text(stance_report(gold, predicted), f"{split}/stance_report.txt")
    figures = (
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
    pipeline: QuotestancePipeline, documents: Sequence[AnnotatedDocument], split: str
) -> dict[str, float]:
    """Find quotes in raw text (own segmentation); log the token- and quote-level metrics.

    The token-level metric scores every role, so it uses ``annotate`` (which also returns frames);
    the quote-level view and speaker accuracy score the records that ``find`` outputs.
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
    return metrics
