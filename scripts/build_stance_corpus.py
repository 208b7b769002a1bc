"""Merge the annotation passes into the German actor-stance corpus and measure agreement.

    python scripts/build_stance_corpus.py data/annotations

Each annotation round has candidates (``candidates.jsonl``, ``candidates_round2.jsonl``), a folder
of passes (``passes/``, ``passes_round2/``: ``batch_*.jsonl`` with ``labels_pass1_batch_*.jsonl``
from annotators A-D, and ``labels_pass2.jsonl``, an independent second pass over a random 12 %)
and the adjudication of the passes' disagreements (``adjudication.jsonl``,
``adjudication_round2.jsonl``). Writes ``corpus.jsonl`` and ``agreement.json`` (Cohen's kappa per
round, per actor and overall).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from sklearn.metrics import cohen_kappa_score

GUIDELINES = "shared/docs/ANNOTATION.md (2026-11-27)"
ROUNDS = (
    ("candidates.jsonl", "passes", "adjudication.jsonl"),
    ("candidates_round2.jsonl", "passes_round2", "adjudication_round2.jsonl"),
)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _kappa(first: dict[str, dict], second: dict[str, dict], ids: list[str]) -> float | None:
    """Cohen's kappa; ``None`` where both passes used one and the same label (kappa undefined)."""
    a, b = [first[i]["label"] for i in ids], [second[i]["label"] for i in ids]
    return None if len(set(a) | set(b)) < 2 else float(cohen_kappa_score(a, b))


def read_round(
    folder: Path, candidates_file: str, passes: str, adjudication: str
) -> tuple[dict, dict, dict, dict]:
    """Return the round's candidates, first pass, second pass and adjudication decisions by id."""
    candidates = {row["id"]: row for row in _jsonl(folder / candidates_file)}
    first: dict[str, dict] = {}
    for batch in sorted((folder / passes).glob("batch_*.jsonl")):
        number = batch.stem.split("_")[1]
        ids = [row["id"] for row in _jsonl(batch)]
        labels = _jsonl(folder / passes / f"labels_pass1_batch_{number}.jsonl")
        if [row["id"] for row in labels] != ids:
            raise ValueError(f"{batch}: labels do not match the batch's ids")
        for row in labels:
            first[row["id"]] = {**row, "annotator": f"{passes}-{'ABCD'[int(number) - 1]}"}
    if set(first) != set(candidates):
        raise ValueError(f"{passes}: the first pass does not cover every candidate exactly once")
    second = {row["id"]: row for row in _jsonl(folder / passes / "labels_pass2.jsonl")}
    decisions = {row["id"]: row for row in _jsonl(folder / adjudication)}
    disagreements = {i for i in second if second[i]["label"] != first[i]["label"]}
    if disagreements != set(decisions):
        raise ValueError(f"{adjudication}: every disagreement needs exactly one decision")
    return candidates, first, second, decisions


def main(folder: Path) -> None:
    """Build ``corpus.jsonl`` and ``agreement.json`` in ``folder``."""
    candidates: dict[str, dict] = {}
    first: dict[str, dict] = {}
    second: dict[str, dict] = {}
    decisions: dict[str, dict] = {}
    agreement: dict[str, Any] = {"rounds": {}}
    for candidates_file, passes, adjudication in ROUNDS:
        round_candidates, round_first, round_second, round_decisions = read_round(
            folder, candidates_file, passes, adjudication
        )
        ids = list(round_second)
        agreement["rounds"][passes] = {
            "items": len(ids),
            "kappa": _kappa(round_first, round_second, ids),
            "disagreements": len(round_decisions),
        }
        candidates |= round_candidates
        first |= round_first
        second |= round_second
        decisions |= round_decisions

    ids = list(second)
    by_actor: dict[str, list[str]] = defaultdict(list)
    for doc_id in ids:
        by_actor[candidates[doc_id]["actor"]].append(doc_id)
    agreement |= {
        "items": len(ids),
        "raw_agreement": sum(second[i]["label"] == first[i]["label"] for i in ids) / len(ids),
        "kappa": _kappa(first, second, ids),
        "disagreements": len(decisions),
        "per_actor": {
            actor: {"items": len(actor_ids), "kappa": _kappa(first, second, actor_ids)}
            for actor, actor_ids in sorted(by_actor.items())
        },
    }
    (folder / "agreement.json").write_text(json.dumps(agreement, indent=2) + "\n")

    with (folder / "corpus.jsonl").open("w") as out:
        for doc_id, candidate in candidates.items():
            labels = first[doc_id]
            label = decisions[doc_id]["label"] if doc_id in decisions else labels["label"]
            record = {
                "id": doc_id,
                "source": candidate["source"],
                "doc_id": candidate["doc_id"],
                "sentence": candidate["sentence"],
                "start": candidate["start"],
                "end": candidate["end"],
                "actor": candidate["actor"],
                "mention": candidate["mention"],
                "label": label,
                "holder": labels["holder"],
                "ambiguous": bool(labels["ambiguous"]) or doc_id in decisions,
                "annotator": labels["annotator"] + ("+adjudicated" if doc_id in decisions else ""),
                "guidelines": GUIDELINES,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(json.dumps(agreement, indent=2))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
