"""``mlflow models serve`` of ``models:/quotestance@champion`` answers with the documented records."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from .conftest import GOOD_TEXT, VENV_BIN, Store, free_port, register_as, tool_env, wait_for

pytestmark = pytest.mark.slow

SCHEMA = json.loads(
    resources.files("quotestance.resources").joinpath("record.schema.json").read_text("utf-8")
)


def post(url: str, body: dict[str, Any]) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_serve_scores_a_good_and_a_bad_document(
    candidates: dict[str, str],
    lifecycle_store: Store,
    server_process: list[subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    register_as(lifecycle_store, candidates["better"], "quotestance")  # first: champion
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server_process.append(
            subprocess.Popen(
                [
                    str(VENV_BIN / "mlflow"),
                    "models",
                    "serve",
                    "-m",
                    "models:/quotestance@champion",
                    "--env-manager",
                    "local",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
                env=tool_env({"MLFLOW_TRACKING_URI": lifecycle_store.uri}),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # the server and its uvicorn child stop together
            )
        )
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/ping", server_process[0], timeout=240, log=log)

    frame = {"columns": ["id", "text"], "data": [["good", GOOD_TEXT], ["bad", "   "]]}
    status, answer = post(f"{url}/invocations", {"dataframe_split": frame})

    assert status == 200, answer
    good, bad = answer["predictions"]
    for record in (good, bad):
        jsonschema.validate(record, SCHEMA)
    assert (good["doc_id"], good["status"], good["error"]) == ("good", "ok", None)
    assert good["sentences"] and good["quotes"]
    assert {s["actor"] for s in good["stances"]} >= {"NATO", "Russia"}
    assert (bad["doc_id"], bad["status"], bad["sentences"]) == ("bad", "error", [])
    assert bad["error"] == {
        "type": "InvalidDocumentError",
        "message": "text is empty or whitespace only",
    }

    status, answer = post(
        f"{url}/invocations", {"dataframe_split": frame, "params": {"format": "json"}}
    )
    assert status == 200, answer
    assert [json.loads(line)["doc_id"] for line in answer["predictions"]] == ["good", "bad"]

    status, answer = post(
        f"{url}/invocations", {"dataframe_split": {"columns": ["id"], "data": [["x"]]}}
    )
    assert status == 400
    assert "text" in answer["message"]
