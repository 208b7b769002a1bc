"""``quotestance-prepare source=<name>``: convert one raw dataset into prepared records."""

from __future__ import annotations

import logging
from pathlib import Path

import hydra
from omegaconf import DictConfig, OmegaConf

from quotestance.cli import CONFIG_DIR, register_resolvers
from quotestance.data.prepare import SplitConfig, prepare

log = logging.getLogger(__name__)


def prepare_from_config(cfg: DictConfig) -> dict[str, object]:
    """Call ``prepare`` with the typed values of a composed ``prepare`` config."""
    inputs = OmegaConf.to_container(cfg.source.inputs, resolve=True)
    options = OmegaConf.to_container(cfg.source.options, resolve=True)
    ratios = OmegaConf.to_container(cfg.split.ratios, resolve=True)
    assert isinstance(inputs, dict) and isinstance(options, dict) and isinstance(ratios, dict)
    return prepare(
        source=str(cfg.source.name),
        inputs={str(key): value for key, value in inputs.items()},
        output_dir=Path(cfg.output_dir),
        manifest=Path(cfg.manifest),
        split=SplitConfig(
            seed=str(cfg.split.seed),
            ratios={str(key): float(value) for key, value in ratios.items()},
            force=bool(cfg.split.force),
        ),
        options={str(key): value for key, value in options.items()},
    )


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="prepare")
def _main(cfg: DictConfig) -> None:
    stats = prepare_from_config(cfg)
    log.info("prepared %s -> %s: %s", cfg.source.name, cfg.output_dir, stats)


def main() -> None:
    """Console entry point."""
    register_resolvers()
    _main()
