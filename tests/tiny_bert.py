"""A tiny BERT model directory built offline: the stand-in for a real Hugging Face model."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def build_tiny_bert(directory: Path, words: Iterable[str]) -> Path:
    """Save a one-layer BERT (random weights) and a lower-casing tokenizer of ``words``.

    Built offline from a config: the stand-in for a real Hugging Face model directory.
    """
    import torch
    import transformers

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *dict.fromkeys(words)]
    (directory / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tokenizer = transformers.BertTokenizerFast(
        vocab_file=str(directory / "vocab.txt"), do_lower_case=True
    )
    config = transformers.BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
    )
    torch.manual_seed(0)
    transformers.BertModel(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
