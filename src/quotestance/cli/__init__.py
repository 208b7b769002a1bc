"""Hydra entry points: each composes config, reads, calls the stage functions, writes and logs."""

from __future__ import annotations

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
