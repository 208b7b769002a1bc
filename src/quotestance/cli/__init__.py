"""Hydra entry points: each composes config, reads, calls the stage functions, writes and logs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

PROJECT_ROOT = Path(__file__).resolve().parents[3]
CONFIG_DIR = str(PROJECT_ROOT / "conf")


def package_dir(name: str) -> str:
    """Return the directory of the installed package ``name``, without importing it.

    Configs name models shipped inside a Python package by it (``${package_dir:name}/model``).
    """
    spec = importlib.util.find_spec(name)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise ValueError(
            f"package {name!r} is not installed: install the extra that ships it "
            "(README, 'Optional extras')"
        )
    return str(Path(locations[0]))


def register_resolvers() -> None:
    """Register ``${project_root:}`` (paths from the project, not the cwd) and ``${package_dir:}``."""
    OmegaConf.register_new_resolver("project_root", lambda: str(PROJECT_ROOT), replace=True)
    OmegaConf.register_new_resolver("package_dir", package_dir, replace=True)


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
