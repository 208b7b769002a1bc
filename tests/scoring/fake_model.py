"""A stand-in pyfunc model for the scoring tests: instant, and it fails on purpose.

Logged as MLflow "model from code", so worker processes load it without importing the tests.
A text containing CRASH kills the process scoring it, RAISE makes ``predict`` raise.
"""

import os

import mlflow
from mlflow.pyfunc import PythonModel


class FakeModel(PythonModel):
    def predict(self, context, model_input, params=None):
        records = []
        for doc_id, text in zip(model_input["id"], model_input["text"], strict=True):
            if "CRASH" in text:
                os._exit(13)
            if "RAISE" in text:
                raise ValueError(f"cannot score {doc_id}")
            sentence = {"id": 0, "start": 0, "end": len(text), "text": text}
            records.append(
                {
                    "doc_id": doc_id,
                    "status": "ok",
                    "error": None,
                    "sentences": [sentence],
                    "quotes": [],
                    "stances": [],
                    "model": {"uri": "", "version": "", "config_hash": ""},
                }
            )
        return records


mlflow.models.set_model(FakeModel())
