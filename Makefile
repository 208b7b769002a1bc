# Two commands matter: `make run` (the main job on the bundled data) and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
EXTRAS ?= dev,spark
HOST ?= 127.0.0.1
UI_PORT ?= 5000
SERVE_PORT ?= 5001
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: setup run test lint ui serve benchmark clean

setup: $(VENV)/.installed-$(EXTRAS)

$(VENV)/.installed-$(EXTRAS): pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[$(EXTRAS)]"
	touch $@

run: setup
	dvc repro

test: setup
	pytest

lint: setup
	ruff check src tests benchmarks scripts
	ruff format --check src tests benchmarks scripts
	mypy

ui: setup
	@echo "MLflow UI: http://$(HOST):$(UI_PORT)/#/experiments (open 'quotestance', tab 'Model training')"
	MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false mlflow ui --backend-store-uri sqlite:///$(CURDIR)/experiments/mlflow.db \
		--default-artifact-root $(CURDIR)/experiments/artifacts --host $(HOST) --port $(UI_PORT) --workers 1

serve: setup
	MLFLOW_TRACKING_URI=sqlite:///$(CURDIR)/experiments/mlflow.db \
		MLFLOW_PYFUNC_INFERENCE_CONFIG='{"uri": "models:/quotestance@champion"}' \
		mlflow models serve -m models:/quotestance@champion --env-manager local --host $(HOST) --port $(SERVE_PORT)

benchmark: setup
	python benchmarks/segmentation.py --data data/raw/segmentation-de

clean:
	rm -rf experiments/mlflow.db experiments/artifacts experiments/runs experiments/multiruns experiments/outputs data/prepared
