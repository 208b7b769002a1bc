"""``quotestance-promote``: move ``champion`` to the challenger only if it is not worse on the test splits.

Both registered models are evaluated on the frozen test splits, each in a child run of one
``promote`` run that holds the comparison table and the decision. The exit code says what
happened: 0 when ``champion`` now points at the challenger, ``REFUSED_EXIT_CODE`` when it does not.
"""

from __future__ import annotations

import fnmatch
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import hydra
import mlflow
from hydra.core.hydra_config import HydraConfig
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from omegaconf import DictConfig

from quotestance import tracking
from quotestance.cli import CONFIG_DIR, PROJECT_ROOT, register_resolvers, resolved_config
from quotestance.cli.common import Split, evaluate_split, read_split
from quotestance.cli.evaluate import load_pipeline
from quotestance.pipeline import QuotestancePipeline
from quotestance.pyfunc import ModelFormatError

REFUSED_EXIT_CODE = 3


@dataclass(frozen=True)
class Comparison:
    """One metric of the gate: both models' values and whether the challenger passes on it."""

    metric: str
    champion: float | None
    challenger: float | None
    tolerance: float
    gated: bool
    note: str = ""

    @property
    def delta(self) -> float | None:
        """Challenger minus champion (higher is better), ``None`` when either value is missing."""
        if self.champion is None or self.challenger is None:
            return None
        return self.challenger - self.champion

    @property
    def passed(self) -> bool:
        """Whether the challenger is at most ``tolerance`` below the champion (ungated: always)."""
        delta = self.delta
        return not self.gated or delta is None or delta >= -self.tolerance - 1e-12


@dataclass(frozen=True)
class Decision:
    """The outcome of the gate."""

    promoted: bool
    reason: str
    challenger_version: str
    champion_version: str
    comparisons: tuple[Comparison, ...] = ()


def compare_metrics(
    champion: Mapping[str, float],
    challenger: Mapping[str, float],
    patterns: Sequence[str],
    tolerance: float,
    min_support: float = 0.0,
) -> list[Comparison]:
    """Compare the metrics matching ``patterns`` (``fnmatch``; all higher-is-better).

    A metric with a sibling ``support`` below ``min_support`` (e.g. an actor with few test
    examples) is shown but not gated; so is one that only one model has.
    """
    names = set(champion) | set(challenger)
    rows: list[Comparison] = []
    seen: set[str] = set()
    for pattern in patterns:
        matched = sorted(name for name in names if fnmatch.fnmatchcase(name, pattern))
        if not matched:
            raise ValueError(f"gate metric {pattern!r} matches none of the evaluation's metrics")
        for name in matched:
            if name in seen:
                continue
            seen.add(name)
            support = _support(name, champion, challenger)
            note = ""
            if name not in champion or name not in challenger:
                note = "missing in one model"
            elif support is not None and support < min_support:
                note = f"support {support:g} < {min_support:g}"
            rows.append(
                Comparison(
                    metric=name,
                    champion=champion.get(name),
                    challenger=challenger.get(name),
                    tolerance=tolerance,
                    gated=not note,
                    note=note,
                )
            )
    return rows


def _support(name: str, *metrics: Mapping[str, float]) -> float | None:
    """Return the ``support`` beside ``name`` (``a/b/macro_f1`` -> ``a/b/support``), if any."""
    sibling = name.rsplit("/", 1)[0] + "/support" if "/" in name else ""
    values = [m[sibling] for m in metrics if sibling in m]
    return min(values) if values else None


def format_comparison(rows: Sequence[Comparison]) -> str:
    """Return the comparison as a plain-text table."""

    def number(value: float | None) -> str:
        return "-" if value is None else f"{value:.4f}"

    body = [
        [
            row.metric,
            number(row.champion),
            number(row.challenger),
            "-" if row.delta is None else f"{row.delta:+.4f}",
            ("ok" if row.passed else "WORSE") if row.gated else "not gated",
            row.note,
        ]
        for row in rows
    ]
    header = ["metric", "champion", "challenger", "delta", "gate", "note"]
    widths = [max(len(cell) for cell in column) for column in zip(header, *body, strict=True)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, ["-" * width for width in widths], *body]
    ]
    return "\n".join(lines)


def evaluate_model(
    pipeline: QuotestancePipeline, model_uri: str, role: str, split: Split, out_dir: Path
) -> dict[str, float]:
    """Evaluate one model in a child run named ``evaluate-<role>``; return its metrics."""
    with mlflow.start_run(run_name=f"evaluate-{role}", nested=True):
        mlflow.set_tags(
            {
                "role": role,
                "model_uri": model_uri,
                "model_version": tracking.resolve_version(model_uri),
            }
        )
        return evaluate_split(pipeline, split, out_dir / role)


def alias_version(name: str, alias: str) -> str:
    """Return the version ``alias`` points at, or "" when the alias (or the model) does not exist."""
    try:
        return str(MlflowClient().get_model_version_by_alias(name, alias).version)
    except MlflowException as error:
        if error.error_code == "RESOURCE_DOES_NOT_EXIST":
            return ""
        raise


def promote(cfg: DictConfig, overrides: list[str]) -> Decision:
    """Evaluate challenger and champion on the test splits; move ``champion`` if not worse.

    A champion saved in a layout this version cannot load (``ModelFormatError``) cannot serve
    either: the challenger replaces it without a comparison.
    """
    experiment_id = tracking.configure(
        cfg.paths.mlflow_uri, cfg.experiment, cfg.paths.artifacts_dir
    )
    name = cfg.registered_model
    client = MlflowClient()
    challenger = alias_version(name, cfg.challenger_alias)
    if not challenger:
        raise ValueError(f"model {name!r} has no {cfg.challenger_alias!r} version to promote")
    champion = alias_version(name, cfg.champion_alias)
    if not champion or champion == challenger:
        if not champion:
            client.set_registered_model_alias(name, cfg.champion_alias, challenger)
        reason = "no champion yet" if not champion else "the challenger is already the champion"
        return Decision(True, reason, challenger, champion or challenger)
    uris = {"champion": f"models:/{name}/{champion}", "challenger": f"models:/{name}/{challenger}"}
    try:
        champion_pipeline = load_pipeline(uris["champion"])
    except ModelFormatError as error:
        client.set_registered_model_alias(name, cfg.champion_alias, challenger)
        client.set_model_version_tag(name, challenger, "promotion", "promoted")
        return Decision(True, f"the champion cannot be loaded: {error}", challenger, champion)
    pipelines = {"champion": champion_pipeline, "challenger": load_pipeline(uris["challenger"])}
    split = read_split(cfg.data, cfg.split)
    out_dir = Path(cfg.paths.experiments_dir) / "outputs" / "promote"
    with tracking.run("promote", experiment_id) as parent:
        tracking.log_config(resolved_config(cfg), overrides, PROJECT_ROOT)
        mlflow.set_tags({"challenger_version": challenger, "champion_version": champion})
        scores = {
            role: evaluate_model(pipelines[role], uris[role], role, split, out_dir)
            for role in ("champion", "challenger")
        }
        rows = compare_metrics(
            scores["champion"],
            scores["challenger"],
            list(cfg.gate.metrics),
            float(cfg.gate.tolerance),
            float(cfg.gate.min_support),
        )
        promoted = all(row.passed for row in rows)
        worse = [row.metric for row in rows if not row.passed]
        reason = "not worse on any gated metric" if promoted else "worse on " + ", ".join(worse)
        mlflow.log_text(format_comparison(rows), "promotion/comparison.txt")
        mlflow.log_dict(
            {
                "promoted": promoted,
                "reason": reason,
                "rows": [{**asdict(row), "delta": row.delta, "passed": row.passed} for row in rows],
            },
            "promotion/comparison.json",
        )
        decision = "promoted" if promoted else "refused"
        mlflow.set_tag("decision", decision)
        tags = {"promotion": decision, "promotion_run_id": parent.info.run_id}
        if promoted:
            client.set_registered_model_alias(name, cfg.champion_alias, challenger)
            tags["promoted_over"] = champion
        for key, value in tags.items():
            client.set_model_version_tag(name, challenger, key, value)
    return Decision(promoted, reason, challenger, champion, tuple(rows))


def report(decision: Decision) -> str:
    """Return the comparison table and the decision as printed by the command."""
    lines = [format_comparison(decision.comparisons), ""] if decision.comparisons else []
    verdict = "PROMOTED" if decision.promoted else "REFUSED"
    lines.append(
        f"{verdict}: challenger v{decision.challenger_version} vs champion "
        f"v{decision.champion_version}: {decision.reason}"
    )
    return "\n".join(lines)


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="promote")
def _main(cfg: DictConfig) -> None:
    decision = promote(cfg, list(HydraConfig.get().overrides.task))
    print(report(decision))
    if not decision.promoted:
        sys.exit(REFUSED_EXIT_CODE)


def main() -> None:
    """Console entry point."""
    register_resolvers()
    _main()
