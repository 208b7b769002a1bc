"""``quotestance-report``: speaker x actor and source x actor stance tables and an HTML report."""

from __future__ import annotations

import json
from pathlib import Path

import hydra
from omegaconf import DictConfig

from quotestance.cli import CONFIG_DIR, register_resolvers
from quotestance.io import read_jsonl
from quotestance.report import render_html, stance_rows, stance_table

SPEAKER_TABLE = "speaker_actor.csv"
SOURCE_TABLE = "source_actor.csv"
HTML_REPORT = "report.html"


def read_sources(path: str | Path) -> dict[str, str]:
    """Read ``id -> source`` from the table the user scored (CSV, JSON Lines or Parquet)."""
    from quotestance.cli.table import read_table

    table = read_table(path)
    missing = [c for c in ("id", "source") if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: sources table lacks column(s) {', '.join(missing)}")
    return {str(i): str(s) for i, s in zip(table["id"], table["source"], strict=True)}


def report(cfg: DictConfig) -> dict[str, Path]:
    """Read scored records, write the two CSV tables and the HTML report; return their paths."""
    output = Path(cfg.output)
    output.mkdir(parents=True, exist_ok=True)
    sources = read_sources(cfg.sources) if cfg.sources else {}
    records = list(read_jsonl(cfg.input))
    rows = stance_rows(
        records, sources, cfg.source_pattern, cfg.include_author, float(cfg.min_score)
    )
    tables = {
        by: stance_table(rows, by, float(cfg.confidence), int(cfg.min_count))
        for by in ("holder", "source")
    }
    paths = {
        "speaker": output / SPEAKER_TABLE,
        "source": output / SOURCE_TABLE,
        "html": output / HTML_REPORT,
        "summary": output / "summary.json",
    }
    tables["holder"].to_csv(paths["speaker"], index=False)
    tables["source"].to_csv(paths["source"], index=False)
    summary = {
        "documents": len(records),
        "documents ok": sum(1 for r in records if r.get("status") == "ok"),
        "stances": len(rows),
        "quote-level stances": sum(1 for r in rows if r.unit == "quote"),
        "holders": len({r.holder for r in rows}),
        "sources": len({r.source for r in rows}),
        "input": str(cfg.input),
    }
    paths["html"].write_text(
        render_html(
            {
                "speaker": tables["holder"].rename(columns={"holder": "speaker"}),
                "source": tables["source"],
            },
            cfg.title,
            summary,
            int(cfg.top),
        ),
        encoding="utf-8",
    )
    paths["summary"].write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    return paths


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="report")
def _main(cfg: DictConfig) -> None:
    paths = report(cfg)
    print("\n".join(f"{name}: {path}" for name, path in paths.items()))


def main() -> None:
    """Console entry point."""
    register_resolvers()
    _main()
