"""A real browser compares two runs in the MLflow UI (``make ui``) and finds their metrics."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import mlflow
import pytest

from quotestance import tracking
from quotestance.cli import PROJECT_ROOT

from .conftest import VENV_BIN, free_port, tool_env, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RUNS = {"logreg": 0.612, "sgd": 0.537}  # the UI shows three decimals
UNCHECKED_ROW = "Press Space to toggle row selection (unchecked)"


def log_two_runs(root: Path) -> str:
    experiment_id = tracking.configure(f"sqlite:///{root}/mlflow.db", "quotestance", root / "a")
    for name, macro_f1 in RUNS.items():
        with tracking.run(name, experiment_id):
            tracking.log_config({"model": {"name": name}}, [f"model={name}"], PROJECT_ROOT)
            tracking.log_metrics({"macro_f1": macro_f1}, "dev/stance")
    return experiment_id


def test_ui_compares_two_runs(
    tmp_path: Path, server_process: list[subprocess.Popen[bytes]]
) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install -y chromium; .ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    experiment_id = log_two_runs(tmp_path)
    mlflow.set_tracking_uri("")  # the UI process owns the store from here on
    port = free_port()
    log = tmp_path / "ui.log"
    with log.open("wb") as out:
        server_process.append(
            subprocess.Popen(  # the command of `make ui`, on this test's store
                [
                    str(VENV_BIN / "mlflow"),
                    "ui",
                    "--backend-store-uri",
                    f"sqlite:///{tmp_path}/mlflow.db",
                    "--default-artifact-root",
                    str(tmp_path / "a"),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    "1",
                ],
                env=tool_env({"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/health", server_process[0], timeout=180, log=log)
    screenshot = tmp_path / "compare.png"

    with (
        sync_api.sync_playwright() as playwright,
        tempfile.TemporaryDirectory() as profile,
    ):
        browser = playwright.chromium.launch_persistent_context(
            profile,  # a fresh --user-data-dir
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1600, "height": 1000},
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(90_000)
            # MLflow 3 opens experiments on its GenAI overview; the training view lists the runs
            page.goto(f"{url}/#/experiments/{experiment_id}?workflowType=machine_learning")
            for name in RUNS:
                page.get_by_role("link", name=name).first.wait_for()
            for _ in RUNS:
                page.get_by_role("checkbox", name=UNCHECKED_ROW).first.check(force=True)
            page.get_by_role("button", name="Compare").click()
            page.get_by_text("Comparing 2 Runs").wait_for()
            metric = page.get_by_role("link", name="dev/stance/macro_f1")  # the metrics table
            metric.wait_for()
            metric.scroll_into_view_if_needed()
            page.screenshot(path=str(screenshot))
            body = page.inner_text("body")
        finally:
            browser.close()

    assert "compare-runs" in page.url
    for name, macro_f1 in RUNS.items():
        assert name in body
        assert f"{macro_f1:.3f}" in body
    assert screenshot.stat().st_size > 10_000
    if folder := os.environ.get("QUOTESTANCE_SCREENSHOTS"):  # CI keeps it as an artifact
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, Path(folder) / screenshot.name)
