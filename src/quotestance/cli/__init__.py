"""Hydra entry points: each composes config, reads, calls the stage functions, writes and logs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

PROJECT_ROOT = Path(__file__).resolve().parents[3]
CONFIG_DIR = str(PROJECT_ROOT / "conf")


def register_resolvers() -> None:
    """Register ``${project_root:}`` so configs resolve paths from the project, not the cwd."""
    OmegaConf.register_new_resolver("project_root", lambda: str(PROJECT_ROOT), replace=True)


def resolved_config(cfg: DictConfig) -> dict[str, Any]:
    """Return the config resolved to plain data (for logging and hashing)."""
    return {str(key): value for key, value in OmegaConf.to_container(cfg, resolve=True).items()}  # type: ignore[union-attr]


def alias_model_override(argv: list[str]) -> list[str]:
    """Let ``model=<URI>`` name the model to load: Hydra would take it for the ``model/`` group.

    Entry points that load a saved model call this on ``sys.argv`` before Hydra parses it.
    """
    return [f"model_uri={a.removeprefix('model=')}" if a.startswith("model=") else a for a in argv]


def main_with_model_alias(hydra_main: Any) -> None:
    """Register the resolvers, alias ``model=`` to ``model_uri=`` and run ``hydra_main``."""
    register_resolvers()
    sys.argv = alias_model_override(sys.argv)
    hydra_main()
