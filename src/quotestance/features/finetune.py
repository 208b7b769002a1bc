"""Fine-tune a local Hugging Face encoder on labelled stance pairs, for ``features=transformer``.

The encoder learns together with a linear layer on the vector ``TransformerEmbeddings`` reads
(``pool_pairs``: the pair's mean, and the mention's mean). The linear layer is then dropped: the
output directory is a plain Hugging Face model and tokenizer, so ``features.model_path`` points
at it and the scikit-learn head (calibrated, as always) is fitted on its embeddings. Runs on a
GPU when one is there, else on the CPU (all-MiniLM-L6-v2 on 2 cores: about 40 ms per example
and epoch). Needs the ``transformer`` extra.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

from quotestance.features.inputs import stance_frame
from quotestance.features.transformer import POOLINGS, pool_pairs


@dataclass(frozen=True)
class FineTuning:
    """How to fine-tune: AdamW with linear warm-up and decay, class-balanced cross-entropy."""

    epochs: int = 3
    learning_rate: float = 3e-5
    batch_size: int = 16
    max_length: int = 128
    pooling: str = "mean+mention"
    warmup: float = 0.1  # share of the steps with a rising learning rate
    weight_decay: float = 0.01
    balanced: bool = True  # weight classes by inverse frequency (macro-F1 counts each equally)
    freeze_embeddings: bool = False  # keep the word embeddings (large vocabularies: less memory)
    seed: int = 42
    device: str = "auto"  # auto: cuda when available, else cpu

    def __post_init__(self) -> None:
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, not {self.pooling!r}")
        if self.epochs < 1 or self.batch_size < 1 or self.learning_rate <= 0:
            raise ValueError("epochs, batch_size and learning_rate must be positive")


@dataclass(frozen=True)
class Epoch:
    """What one epoch measured: mean training loss; the linear layer's dev macro-F1 if dev given."""

    epoch: int
    loss: float
    dev_macro_f1: float | None


def fine_tune(
    model_path: str | Path,
    frame: pd.DataFrame,
    labels: Sequence[str],
    output_dir: str | Path,
    settings: FineTuning = FineTuning(),
    dev: tuple[pd.DataFrame, Sequence[str]] | None = None,
    on_epoch: Callable[[Epoch], None] | None = None,
) -> list[Epoch]:
    """Fine-tune the encoder in ``model_path`` on (``frame``, ``labels``); save to ``output_dir``.

    ``frame`` is the stance model's input (text, target, start, end). ``output_dir`` receives
    the encoder and tokenizer (``save_pretrained``) and ``finetune.json`` (settings, labels,
    source model, the epochs). ``on_epoch`` is called with each ``Epoch`` as it ends (progress
    and tracking). Returns one ``Epoch`` per epoch.
    """
    import torch
    from transformers import AutoModel, AutoTokenizer, get_linear_schedule_with_warmup

    data = stance_frame(frame)
    if len(data) != len(labels) or not len(data):
        raise ValueError(f"{len(data)} rows but {len(labels)} labels: both must match and be > 0")
    classes = sorted({str(label) for label in labels})
    if len(classes) < 2:
        raise ValueError(f"fine-tuning needs two labels or more, got {classes}")
    targets = np.array([classes.index(str(label)) for label in labels])
    random.seed(settings.seed)
    np.random.seed(settings.seed)
    torch.manual_seed(settings.seed)
    device = _device(settings.device)
    tokenizer = AutoTokenizer.from_pretrained(str(model_path), local_files_only=True)
    encoder = AutoModel.from_pretrained(str(model_path), local_files_only=True).to(device)
    if settings.freeze_embeddings:
        encoder.get_input_embeddings().weight.requires_grad_(False)
    width = encoder.config.hidden_size * (2 if settings.pooling == "mean+mention" else 1)
    head = torch.nn.Sequential(torch.nn.Dropout(0.1), torch.nn.Linear(width, len(classes)))
    head.to(device)
    parameters = [p for p in [*encoder.parameters(), *head.parameters()] if p.requires_grad]
    optimizer = torch.optim.AdamW(
        parameters, lr=settings.learning_rate, weight_decay=settings.weight_decay
    )
    steps = settings.epochs * math.ceil(len(data) / settings.batch_size)
    schedule = get_linear_schedule_with_warmup(optimizer, int(settings.warmup * steps), steps)
    counts = np.bincount(targets, minlength=len(classes))
    class_weights = len(targets) / (len(classes) * np.maximum(counts, 1))
    loss_fn = torch.nn.CrossEntropyLoss(
        weight=torch.tensor(class_weights if settings.balanced else np.ones(len(classes)))
        .float()
        .to(device)
    )
    order = np.random.default_rng(settings.seed)
    history = []
    for epoch in range(1, settings.epochs + 1):
        encoder.train()
        head.train()
        losses = []
        for batch in np.array_split(order.permutation(len(data)), max(1, steps // settings.epochs)):
            logits = head(_pool(tokenizer, encoder, data.iloc[batch], settings))
            loss = loss_fn(logits, torch.from_numpy(targets[batch]).to(device))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            losses.append(loss.item())
        score = None
        if dev is not None:
            predicted = _predict(tokenizer, encoder, head, stance_frame(dev[0]), settings)
            gold = [str(label) for label in dev[1]]
            score = float(
                f1_score(gold, [classes[i] for i in predicted], average="macro", zero_division=0)
            )
        history.append(Epoch(epoch, float(np.mean(losses)), score))
        if on_epoch is not None:
            on_epoch(history[-1])
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    encoder.save_pretrained(out)
    tokenizer.save_pretrained(out)
    summary = {
        "source": str(model_path),
        "labels": classes,
        "examples": len(data),
        "settings": asdict(settings),
        "epochs": [asdict(e) for e in history],
    }
    (out / "finetune.json").write_text(json.dumps(summary, indent=2))
    return history


def _device(name: str) -> Any:
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def _pool(tokenizer: Any, encoder: Any, rows: pd.DataFrame, settings: FineTuning) -> Any:
    return pool_pairs(
        tokenizer,
        encoder,
        list(rows["text"]),
        list(rows["target"]),
        list(zip(rows["start"], rows["end"], strict=True)),
        pooling=settings.pooling,
        max_length=settings.max_length,
    )


def _predict(
    tokenizer: Any, encoder: Any, head: Any, frame: pd.DataFrame, settings: FineTuning
) -> np.ndarray:
    import torch

    encoder.eval()
    head.eval()
    predicted = []
    with torch.inference_mode():
        for begin in range(0, len(frame), 64):
            logits = head(_pool(tokenizer, encoder, frame.iloc[begin : begin + 64], settings))
            predicted.append(logits.argmax(1).cpu().numpy())
    return np.concatenate(predicted) if predicted else np.zeros(0, dtype=int)
