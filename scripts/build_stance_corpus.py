"""Merge the annotation passes into the German actor-stance corpus and measure agreement.

    python scripts/build_stance_corpus.py data/annotations

Reads ``candidates.jsonl``, ``passes/batch_*.jsonl`` with ``passes/labels_pass1_batch_*.jsonl``
(first pass, annotators A-D), ``passes/labels_pass2.jsonl`` (independent second pass over a random
12 %) and ``adjudication.jsonl`` (decisions where the passes disagree). Writes ``corpus.jsonl`` and
``agreement.json`` (Cohen's kappa per actor and overall).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

GUIDELINES = "shared/docs/ANNOTATION.md (2026-11-27)"


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main(folder: Path) -> None:
    """Build ``corpus.jsonl`` and ``agreement.json`` in ``folder``."""
    candidates = {row["id"]: row for row in _jsonl(folder / "candidates.jsonl")}
    first: dict[str, dict] = {}
    for batch in sorted((folder / "passes").glob("batch_*.jsonl")):
        number = batch.stem.split("_")[1]
        ids = [row["id"] for row in _jsonl(batch)]
        labels = _jsonl(folder / "passes" / f"labels_pass1_batch_{number}.jsonl")
        if [row["id"] for row in labels] != ids:
            raise ValueError(f"{batch}: labels do not match the batch's ids")
        for row in labels:
            first[row["id"]] = {**row, "annotator": f"pass1-{'ABCD'[int(number) - 1]}"}
    if set(first) != set(candidates):
        raise ValueError("the first pass does not cover every candidate exactly once")
    second = {row["id"]: row for row in _jsonl(folder / "passes" / "labels_pass2.jsonl")}
    decisions = {row["id"]: row for row in _jsonl(folder / "adjudication.jsonl")}
    disagreements = {i for i in second if second[i]["label"] != first[i]["label"]}
    if disagreements != set(decisions):
        raise ValueError("every disagreement needs exactly one adjudication decision")

    by_actor: dict[str, list[str]] = defaultdict(list)
    for doc_id in second:
        by_actor[candidates[doc_id]["actor"]].append(doc_id)
    agreement = {
        "items": len(second),
        "raw_agreement": sum(second[i]["label"] == first[i]["label"] for i in second) / len(second),
        "kappa": cohen_kappa_score([first[i]["label"] for i in second], [second[i]["label"] for i in second]),
        "per_actor": {
            actor: {
                "items": len(ids),
                "kappa": cohen_kappa_score([first[i]["label"] for i in ids], [second[i]["label"] for i in ids]),
            }
            for actor, ids in sorted(by_actor.items())
        },
        "disagreements": len(disagreements),
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
