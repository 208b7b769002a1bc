"""Reproduce the stance results table through the table interface (``quotestance-train data=table``).

Runs, each a logged MLflow run with predictions.csv and metrics.json in its own directory:

- the German actor-stance corpus (prepared, document-grouped splits; the test split frozen):
  dev and test macro-F1, overall and per actor;
- NewsMTSC ``rw`` (prepared: polarity 2/4/6 -> against/neutral/favor): dev and test macro-F1;
- the baseline comparison: ``model=per_target_svm`` (SemEval-2016 organisers' per-target SVM on
  word and character n-grams) against the project's model on the corpus, GerNTSA and NewsMTSC.

Model choices were made on dev sets and grouped cross-validation on train only; test splits are
only scored here. Usage::

    python benchmarks/stance.py [--out experiments/benchmarks/stance] [--only corpus,newsmtsc]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from hydra import compose, initialize_config_dir

from quotestance.cli import CONFIG_DIR, PROJECT_ROOT, register_resolvers
from quotestance.cli.table import train_table

PREPARED = PROJECT_ROOT / "data" / "prepared"
COLUMNS = [
    "data.columns.start=mention.start",
    "data.columns.end=mention.end",
    "data.columns.group=group",
]
DATASETS = {
    "corpus": PREPARED / "stance_corpus",
    "newsmtsc": PREPARED / "newsmtsc" / "rw",
    "gerntsa": PREPARED / "gerntsa",
}
MODELS = {
    "ours": ["model=linear_svm"],
    "per_target_svm": ["model=per_target_svm"],
}


def run(dataset: str, model: str, out: Path) -> dict[str, float]:
    """Train on train, select on dev, score test; return the metrics."""
    folder = DATASETS[dataset]
    overrides = [
        "data=table",
        f"data.train={folder / 'train.jsonl'}",
        f"data.dev={folder / 'dev.jsonl'}",
        f"data.test={folder / 'test.jsonl'}",
        f"data.output_dir={out / dataset / model}",
        *COLUMNS,
        *MODELS[model],
    ]
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    cfg.experiment = "benchmark-stance"  # keep benchmark runs apart from training runs
    started = time.time()
    metrics = train_table(cfg, overrides)
    metrics["seconds"] = time.time() - started
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "experiments/benchmarks/stance")
    parser.add_argument("--only", default="corpus,newsmtsc,gerntsa")
    parser.add_argument("--models", default="ours,per_target_svm")
    args = parser.parse_args()
    register_resolvers()
    results: dict[str, dict[str, dict[str, float]]] = {}
    for dataset in args.only.split(","):
        for model in args.models.split(","):
            metrics = run(dataset, model, args.out)
            results.setdefault(dataset, {})[model] = metrics
            per_target = {
                key.split("/")[2]: round(value, 3)
                for key, value in metrics.items()
                if key.startswith("test/target/") and key.endswith("macro_f1")
            }
            print(
                f"{dataset:9s} {model:15s} dev macro-F1 {metrics.get('dev/macro_f1', float('nan')):.4f}"
                f"  test macro-F1 {metrics['test/macro_f1']:.4f}"
                f"  test semeval {metrics.get('test/semeval_f1', float('nan')):.4f}"
                f"  ({metrics['seconds']:.0f} s)",
                flush=True,
            )
            if dataset == "corpus":
                print(f"          per actor (test): {per_target}", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
