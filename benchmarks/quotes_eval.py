"""Train QuoteFinder on Wikinews train, print the quotation metrics on dev (or another split)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import yaml
from hydra.utils import instantiate

from quotestance.data.wikinews import read_wikinews
from quotestance.evaluation.quotes import format_report, quote_level_scores, token_level_scores
from quotestance.quotes import QuoteFinder

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data/raw/quotes-de-wikinews"


def evaluate_quotes(
    train_path: Path = DATA / "train.jsonl.gz",
    eval_path: Path = DATA / "dev.jsonl.gz",
    config: Path = ROOT / "conf/quotes/de.yaml",
    **overrides: object,
) -> tuple[QuoteFinder, str]:
    """Fit on ``train_path``, evaluate on ``eval_path``; return the model and the report text."""
    cfg = yaml.safe_load(config.read_text(encoding="utf-8"))
    cfg.update(overrides)
    train = read_wikinews(train_path)
    dev = read_wikinews(eval_path)
    finder: QuoteFinder = instantiate(cfg)
    t0 = time.perf_counter()
    finder.fit(train)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    annotated = [finder.annotate(d.text, d.sentences) for d in dev]
    t1 = time.perf_counter()
    found = [finder.find(d.text, d.sentences) for d in dev]
    find_ms = (time.perf_counter() - t1) / len(dev) * 1000
    annotate_ms = (t1 - t0) / len(dev) * 1000
    lines = [
        "token-level (annotate: all roles incl. frame)",
        format_report(token_level_scores(dev, annotated), quote_level_scores(dev, annotated)),
        "",
        "token-level (find: Quote records, no frame)",
        format_report(token_level_scores(dev, found), quote_level_scores(dev, found)),
        "",
        f"fit {fit_s:.1f} s on {len(train)} docs; find {find_ms:.1f} ms/article, "
        f"annotate {annotate_ms:.1f} ms/article ({len(dev)} docs)",
    ]
    return finder, "\n".join(lines)


def main() -> None:
    """Parse arguments and print the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", type=Path, default=DATA / "train.jsonl.gz")
    parser.add_argument("--eval", type=Path, default=DATA / "dev.jsonl.gz")
    args = parser.parse_args()
    print(evaluate_quotes(args.train, args.eval)[1])


if __name__ == "__main__":
    main()
