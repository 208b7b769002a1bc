"""Reproduce the stance results table through the table interface (``quotestance-train data=table``).

Runs, each a logged MLflow run with predictions.csv and metrics.json in its own directory:

- the German actor-stance corpus (prepared, document-grouped splits; the test split frozen):
  dev and test macro-F1, overall and per actor;
- NewsMTSC ``rw`` (prepared: polarity 2/4/6 -> against/neutral/favor): dev and test macro-F1;
- the baseline comparison: ``model=per_target_svm`` (SemEval-2016 organisers' per-target SVM on
  word and character n-grams) against the project's model on the corpus, GerNTSA and NewsMTSC;
- ``interactions``: the project's model with per-target copies of every feature
  (``features.interaction_weight=0.5``), the option measured and left off by default;
- ``minilm``: the project's model with the English MiniLM sentence encoder's embeddings joined
  to the n-grams (``features=minilm_en``, the ``minilm`` extra); English data only;
- ``e5``: the project's model with multilingual-e5-small embeddings joined to the n-grams
  (``features=e5``, the ``e5`` extra); every dataset;
- ``minilm_e5``: both encoders joined to the n-grams (``features=minilm_e5_en``); English only;
- ``finetuned``: an encoder fine-tuned on the dataset's train split by ``quotestance-finetune``
  (``--encoder DIR``), joined to the n-grams (``features=finetuned``); run it with ``--only``
  naming that one dataset.

Writes ``results.json`` under ``--out`` and, with ``--table``, the Markdown results table.

Model choices were made on dev sets and grouped cross-validation on train only; test splits are
only scored here. Usage::

    python benchmarks/stance.py [--out experiments/benchmarks/stance] [--only corpus,newsmtsc]
        [--table benchmarks/results/stance.md] [--models finetuned --encoder DIR --only newsmtsc]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import UTC, datetime
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
    "interactions": ["model=linear_svm", "features.interaction_weight=0.5"],
    "per_target_svm": ["model=per_target_svm"],
    "minilm": ["model=linear_svm", "features=minilm_en"],
    "e5": ["model=linear_svm", "features=e5"],
    "minilm_e5": ["model=linear_svm", "features=minilm_e5_en"],
}
# Models that only apply to some datasets (the MiniLM encoder is English).
ONLY_ON = {"minilm": {"newsmtsc"}, "minilm_e5": {"newsmtsc"}}


def run(dataset: str, model: str, out: Path, encoder: Path | None = None) -> dict[str, float]:
    """Train on train, select on dev, score test; return the metrics."""
    folder = DATASETS[dataset]
    overrides = [
        "data=table",
        f"data.train={folder / 'train.jsonl'}",
        f"data.dev={folder / 'dev.jsonl'}",
        f"data.test={folder / 'test.jsonl'}",
        f"data.output_dir={out / dataset / model}",
        *COLUMNS,
        *MODELS.get(model, []),
    ]
    if model == "finetuned":
        if encoder is None:
            raise SystemExit(
                "the finetuned model needs --encoder DIR (quotestance-finetune output)"
            )
        overrides += ["model=linear_svm", "features=finetuned", f"features.model_path={encoder}"]
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    cfg.experiment = "benchmark-stance"  # keep benchmark runs apart from training runs
    started = time.time()
    metrics = train_table(cfg, overrides)
    metrics["seconds"] = time.time() - started
    return metrics


def _f(metrics: dict[str, float], key: str) -> str:
    value = metrics.get(key)
    return "–" if value is None or value != value else f"{value:.3f}"


def results_table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    """Format ``results`` (dataset -> model -> metrics) as the Markdown results table."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        "# Stance benchmark",
        "",
        f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- machine: {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}, load average {load}",
        "- command: `python benchmarks/stance.py --table benchmarks/results/stance.md`",
        "- metric: macro-F1 over the labels (per actor: over the labels that actor has in gold "
        "or predictions); dev is the selection split, test the frozen split, scored once here",
        "- models: `ours` = the default (`features=ngrams`, `model=linear_svm`, temperature "
        "calibration, macro-F1 decision offsets); `interactions` = the same with per-target "
        "feature copies (`features.interaction_weight=0.5`); `per_target_svm` = SemEval-2016 "
        "organisers' per-target SVM; `minilm` = `ours` with the English all-MiniLM-L6-v2 "
        "embeddings joined to the n-grams (`features=minilm_en`, NewsMTSC only); `e5` = `ours` "
        "with multilingual-e5-small embeddings (`features=e5`); `minilm_e5` = both encoders "
        "(`features=minilm_e5_en`, NewsMTSC only)",
        "",
        "## Overall",
        "",
        "| dataset | model | dev macro-F1 | test macro-F1 | test F1 against | test F1 favor "
        "| test F1 neutral | fit+eval s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for dataset, by_model in results.items():
        for model, m in by_model.items():
            lines.append(
                f"| {dataset} | {model} | {_f(m, 'dev/macro_f1')} | {_f(m, 'test/macro_f1')} "
                f"| {_f(m, 'test/f1/against')} | {_f(m, 'test/f1/favor')} "
                f"| {_f(m, 'test/f1/neutral')} | {m.get('seconds', 0):.0f} |"
            )
    corpus = results.get("corpus", {})
    if corpus:
        names = list(corpus)
        actors = sorted(
            {
                key.split("/")[2]
                for m in corpus.values()
                for key in m
                if key.startswith(("dev/target/", "test/target/")) and key.endswith("macro_f1")
            }
        )
        lines += [
            "",
            "## Corpus, per actor (macro-F1; support = examples)",
            "",
            "| actor | "
            + " | ".join(f"{m} dev | {m} test" for m in names)
            + " | dev support | test support |",
            "|---|" + "---|" * (2 * len(names) + 2),
        ]
        first = corpus[names[0]]
        for actor in actors:
            cells = [
                f"{_f(corpus[m], f'dev/target/{actor}/macro_f1')} "
                f"| {_f(corpus[m], f'test/target/{actor}/macro_f1')}"
                for m in names
            ]
            dev_n = first.get(f"dev/target/{actor}/support", 0)
            test_n = first.get(f"test/target/{actor}/support", 0)
            lines.append(f"| {actor} | " + " | ".join(cells) + f" | {dev_n:.0f} | {test_n:.0f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "experiments/benchmarks/stance")
    parser.add_argument("--only", default="corpus,newsmtsc,gerntsa")
    parser.add_argument("--models", default="ours,interactions,per_target_svm,minilm,e5,minilm_e5")
    parser.add_argument("--table", type=Path, default=None, help="write the Markdown table here")
    parser.add_argument("--encoder", type=Path, default=None, help="fine-tuned encoder directory")
    args = parser.parse_args()
    register_resolvers()
    results: dict[str, dict[str, dict[str, float]]] = {}
    for dataset in args.only.split(","):
        for model in args.models.split(","):
            if dataset not in ONLY_ON.get(model, {dataset}):
                continue
            metrics = run(dataset, model, args.out, args.encoder)
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
    if args.table:
        args.table.parent.mkdir(parents=True, exist_ok=True)
        args.table.write_text(results_table(results))


if __name__ == "__main__":
    main()
