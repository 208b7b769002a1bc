"""Document-level splits from a seeded hash of the document id, frozen by a committed manifest.

``assign_split`` maps ``sha256(seed + ":" + doc_id)`` to a number in [0, 1) and cuts it by the
ratios in their given order. With the default order (test, dev, train) and the same seed and test
ratio, a document falls into the test split of every dataset it occurs in (a Wikinews article is
test both for the quote model and in the actor-stance corpus).

``freeze_splits`` writes ``data/splits/<dataset>.json`` (document ids per split and digests) on
the first run; later runs compare and raise ``SplitChangedError`` on any difference, unless
``force=True`` rewrites the manifest.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

SPLIT_ORDER: tuple[str, ...] = ("test", "dev", "train")
MANIFEST_VERSION = 1


class SplitChangedError(RuntimeError):
    """The splits computed now differ from the committed manifest."""


def check_ratios(ratios: Mapping[str, float]) -> dict[str, float]:
    """Return ``ratios`` as a dict after checking they are non-negative and sum to 1."""
    result = {str(name): float(value) for name, value in ratios.items()}
    if not result or any(value < 0 for value in result.values()):
        raise ValueError(f"split ratios must be non-negative and not empty: {result}")
    if not math.isclose(sum(result.values()), 1.0, abs_tol=1e-9):
        raise ValueError(f"split ratios must sum to 1, got {sum(result.values())}: {result}")
    return result


def bucket(doc_id: str, seed: str) -> float:
    """Return the document's fixed position in [0, 1) for ``seed``."""
    digest = hashlib.sha256(f"{seed}:{doc_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_split(doc_id: str, seed: str, ratios: Mapping[str, float]) -> str:
    """Return the split of ``doc_id``: cumulative ``ratios`` in their order cut the bucket."""
    position = bucket(doc_id, seed)
    total = 0.0
    name = ""
    for name, ratio in ratios.items():
        total += ratio
        if position < total:
            return name
    return name  # rounding: the last split takes what is left


def split_ids(
    doc_ids: Iterable[str], seed: str, ratios: Mapping[str, float]
) -> dict[str, list[str]]:
    """Group distinct document ids by split (every split of ``ratios`` present, ids sorted)."""
    checked = check_ratios(ratios)
    splits: dict[str, list[str]] = {name: [] for name in checked}
    for doc_id in sorted(set(doc_ids)):
        splits[assign_split(doc_id, seed, checked)].append(doc_id)
    return splits


def published_dev_ratios(ratios: Mapping[str, float]) -> dict[str, float]:
    """Ratios for the train documents of a dataset whose dev set is published: test, then train.

    Those documents are cut into ``test`` (the same share and bucket range as everywhere, so test
    membership agrees across datasets) and ``train``.
    """
    test = float(ratios.get("test", 0.0))
    return {"test": test, "train": 1.0 - test}


def ids_digest(doc_ids: Iterable[str]) -> str:
    """Return the SHA-256 of the sorted ids, one per line."""
    return hashlib.sha256("\n".join(sorted(doc_ids)).encode()).hexdigest()


def build_manifest(
    dataset: str, splits: Mapping[str, Sequence[str]], seed: str, ratios: Mapping[str, Any]
) -> dict[str, Any]:
    """Return the manifest: ids per split, counts, and a digest per split and overall."""
    ordered = {name: sorted(splits[name]) for name in splits}
    return {
        "dataset": dataset,
        "version": MANIFEST_VERSION,
        "seed": seed,
        "ratios": dict(ratios),
        "counts": {name: len(ids) for name, ids in ordered.items()},
        "digests": {name: ids_digest(ids) for name, ids in ordered.items()},
        "digest": ids_digest(f"{name}\t{i}" for name, ids in ordered.items() for i in ids),
        "splits": ordered,
    }


def _difference(old: Mapping[str, Sequence[str]], new: Mapping[str, Sequence[str]]) -> list[str]:
    lines = []
    for name in sorted(set(old) | set(new)):
        before, after = set(old.get(name, ())), set(new.get(name, ()))
        if before != after:
            added, removed = sorted(after - before), sorted(before - after)
            lines.append(
                f"  {name}: +{len(added)} {added[:3]} -{len(removed)} {removed[:3]}".rstrip()
            )
    return lines


def read_manifest(path: Path) -> dict[str, Any]:
    """Read a manifest and check that its ids still match its digests (no hand edits)."""
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    for name, ids in manifest["splits"].items():
        if ids_digest(ids) != manifest["digests"].get(name):
            raise SplitChangedError(f"{path}: ids of split '{name}' do not match their digest")
    return manifest


def freeze_splits(
    path: Path,
    dataset: str,
    splits: Mapping[str, Sequence[str]],
    seed: str,
    ratios: Mapping[str, Any],
    force: bool = False,
) -> dict[str, Any]:
    """Write the manifest at ``path`` once; afterwards verify ``splits`` against it.

    Raises ``SplitChangedError`` naming the changed splits when they differ (a changed seed, ratio
    or document set) unless ``force`` is true, which rewrites the manifest.
    """
    manifest = build_manifest(dataset, splits, seed, ratios)
    if path.exists() and not force:
        frozen = read_manifest(path)
        if frozen["digest"] != manifest["digest"] or set(frozen["splits"]) != set(splits):
            changes = "\n".join(_difference(frozen["splits"], manifest["splits"]))
            raise SplitChangedError(
                f"{path}: the {dataset} splits differ from the frozen manifest "
                f"(seed {frozen['seed']!r} -> {seed!r}):\n{changes}\n"
                "The test split is frozen; rewrite the manifest only on purpose (force=True; "
                "quotestance-prepare split.force=true)."
            )
        return frozen
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


def partition(
    items: Iterable[T], doc_id_of: Callable[[T], str], splits: Mapping[str, Sequence[str]]
) -> dict[str, list[T]]:
    """Put each item into the split that holds its document id (``doc_id_of(item)``)."""
    where = {doc_id: name for name, ids in splits.items() for doc_id in ids}
    parts: dict[str, list[T]] = {name: [] for name in splits}
    for item in items:
        key = doc_id_of(item)
        if key not in where:
            raise KeyError(f"document {key!r} is in no split")
        parts[where[key]].append(item)
    return parts
