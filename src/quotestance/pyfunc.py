"""The whole text-to-record pipeline as one MLflow pyfunc model."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import joblib
import mlflow
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.pyfunc import PythonModel, PythonModelContext
from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema

from quotestance.io import frame_items, record_to_dict, unique_ids
from quotestance.pipeline import MODEL_FORMAT, QuotestancePipeline, error_result
from quotestance.records import Document, DocumentResult, ModelInfo

PIPELINE_ARTIFACT = "pipeline"
SIGNATURE = ModelSignature(
    inputs=Schema([ColSpec("string", "id"), ColSpec("string", "text")]),
    params=ParamSchema([ParamSpec("format", "string", "records")]),
)


def score_frame(pipeline: QuotestancePipeline, frame: pd.DataFrame) -> list[DocumentResult]:
    """Score every row of ``frame``: exactly one record per row, in order."""
    items = list(unique_ids(frame_items([frame], "input")))
    scored = iter(pipeline.process_many(i for i in items if isinstance(i, Document)))
    return [
        next(scored) if isinstance(i, Document) else error_result(i.doc_id, i, pipeline.model_info)
        for i in items
    ]


class ModelFormatError(ValueError):
    """A saved pipeline whose layout (``MODEL_FORMAT``) this version cannot read."""


class QuotestanceModel(PythonModel):
    """MLflow wrapper: a frame with ``id`` and ``text`` in, one output record per row out.

    ``model_config`` keys ``uri``, ``version`` and ``config_hash`` stamp the records;
    ``max_chars`` (when set) replaces the pipeline's limit on document length.
    With ``params={"format": "json"}`` each record is a JSON string (for Spark UDFs).
    """

    def load_context(self, context: PythonModelContext) -> None:
        """Load the fitted pipeline and stamp it with the model's identity.

        A pipeline saved in another layout (``MODEL_FORMAT``) is refused here, with what to do.
        """
        path = context.artifacts[PIPELINE_ARTIFACT]
        pipeline: QuotestancePipeline = joblib.load(path)
        found = getattr(pipeline, "model_format", 1)
        if found != MODEL_FORMAT:
            raise ModelFormatError(
                f"model {path} was saved in pipeline format {found}; this quotestance reads "
                f"format {MODEL_FORMAT}: train and promote a model with this version (`make run`, "
                "then `quotestance-promote`) or score with the quotestance version that trained it"
            )
        config = context.model_config or {}
        info = ModelInfo(
            uri=str(config.get("uri", "")),
            version=str(config.get("version", "")),
            config_hash=str(config.get("config_hash", "")),
        )
        self.pipeline = pipeline.configured(info, config.get("max_chars") or pipeline.max_chars)

    def predict(
        self,
        context: PythonModelContext,
        model_input: pd.DataFrame,
        params: dict[str, Any] | None = None,
    ) -> list[Any]:
        """Return one record (dict, or JSON string with ``format=json``) per input row."""
        records = [record_to_dict(r) for r in score_frame(self.pipeline, model_input)]
        if (params or {}).get("format") == "json":
            return [json.dumps(r, ensure_ascii=False) for r in records]
        return records


def save_pipeline(pipeline: QuotestancePipeline, path: Path) -> Path:
    """Write the fitted pipeline to ``path`` for packaging into the MLflow model."""
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, path)
    return path


def log_pipeline_model(
    pipeline_path: Path, config_hash: str, input_example: pd.DataFrame, requirements: Iterable[str]
) -> str:
    """Log the pipeline as the run's pyfunc model named ``model``; return its URI."""
    info = mlflow.pyfunc.log_model(
        name="model",
        python_model=QuotestanceModel(),
        artifacts={PIPELINE_ARTIFACT: str(pipeline_path)},
        signature=SIGNATURE,
        input_example=input_example,
        pip_requirements=list(requirements),
        model_config={"config_hash": config_hash, "uri": "", "version": "", "max_chars": None},
    )
    return str(info.model_uri)
