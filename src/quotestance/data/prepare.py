"""The ``prepare`` stage: raw dataset -> checked records -> document-level splits -> JSON Lines.

One ``prepare_<source>`` function per source reads its raw files, checks them against their
schema, converts them with the pure functions of ``quotestance.data``, splits by document
(frozen manifests in ``data/splits/``) and writes ``<output_dir>/<split>.jsonl`` plus
``stats.json``. Outputs are written to a temporary folder first and swapped in at the end, so a
failed run never leaves half a dataset behind. ``prepare`` dispatches on the source name.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quotestance.data import schemas
from quotestance.data.news import news_documents, read_10kgnad
from quotestance.data.raw import CHECKSUMS, sha256_file
from quotestance.data.segmentation import read_conllu_documents, read_golden_rules
from quotestance.data.sentiment import (
    gerntsa_examples,
    newsmtsc_examples,
    resolve_gerntsa_duplicates,
)
from quotestance.data.splits import freeze_splits, partition, published_dev_ratios, split_ids
from quotestance.data.stance_corpus import corpus_examples
from quotestance.data.wikinews import read_wikinews
from quotestance.io import record_to_dict, write_jsonl
from quotestance.records import AnnotatedDocument, Document, StanceExample

SOURCES: tuple[str, ...] = (
    "wikinews",
    "gepade",
    "segmentation",
    "gerntsa",
    "newsmtsc",
    "news",
    "stance_corpus",
)


@dataclass(frozen=True)
class SplitConfig:
    """How documents are split: hash seed, ratios (in bucket order), and whether to rewrite."""

    seed: str
    ratios: Mapping[str, float] = field(
        default_factory=lambda: {"test": 0.15, "dev": 0.15, "train": 0.70}
    )
    force: bool = False


Outputs = dict[str, Sequence[Any]]


def raw_root(path: Path) -> Path | None:
    """Return the nearest folder above ``path`` that holds ``SHA256SUMS`` (the raw data root)."""
    for parent in path.resolve().parents:
        if (parent / CHECKSUMS).is_file():
            return parent
    return None


def verify_inputs(*paths: Path) -> None:
    """Raise ``ValueError`` if an input differs from its raw root's ``SHA256SUMS`` entry."""
    for path in paths:
        root = raw_root(path)
        if root is None:
            continue
        sums = {}
        for line in (root / CHECKSUMS).read_text(encoding="utf-8").splitlines():
            if line.strip():
                digest, name = line.split(maxsplit=1)
                sums[(root / name).resolve()] = digest
        expected = sums.get(path.resolve())
        if expected is not None and sha256_file(path) != expected:
            raise ValueError(f"{path}: differs from {root / CHECKSUMS}; raw data must not change")


def _check_records(records: Sequence[Any], schema: schemas.Schema, file: Path) -> None:
    schemas.check([record_to_dict(r) for r in records], schema, file)


def _write(
    output_dir: Path, outputs: Outputs, schema: schemas.Schema, stats: dict[str, Any]
) -> None:
    """Check every output against ``schema``, write them and ``stats.json``, then swap folders."""
    for name, records in outputs.items():
        _check_records(records, schema, output_dir / f"{name}.jsonl")
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}-", dir=output_dir.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the outputs are ordinary data
    try:
        for name, records in outputs.items():
            write_jsonl(staging / f"{name}.jsonl", records)
        text = json.dumps(stats, ensure_ascii=False, indent=1, sort_keys=True)
        (staging / "stats.json").write_text(text + "\n", encoding="utf-8")
        if output_dir.exists():
            shutil.rmtree(output_dir)
        staging.rename(output_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def _stance_stats(outputs: Mapping[str, Sequence[StanceExample]]) -> dict[str, Any]:
    return {
        name: {
            "examples": len(items),
            "documents": len({e.group for e in items}),
            "labels": dict(sorted(Counter(str(e.label) for e in items).items())),
        }
        for name, items in outputs.items()
    }


def _document_stats(outputs: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
    stats: dict[str, Any] = {}
    for name, docs in outputs.items():
        stats[name] = {"documents": len(docs)}
        if docs and isinstance(docs[0], AnnotatedDocument):
            stats[name]["sentences"] = sum(len(d.sentences) for d in docs)
            stats[name]["quotes"] = sum(len(d.quotes) for d in docs)
    return stats


def _split_published(
    dataset: str,
    train: Sequence[AnnotatedDocument],
    dev: Sequence[AnnotatedDocument],
    manifest: Path,
    split: SplitConfig,
) -> dict[str, list[AnnotatedDocument]]:
    """Keep the published dev set; cut the published train set into train and a frozen test."""
    ratios = published_dev_ratios(split.ratios)
    ids = split_ids((d.doc_id for d in train), split.seed, ratios)
    ids["dev"] = sorted(d.doc_id for d in dev)
    overlap = set(ids["dev"]) & {d.doc_id for d in train}
    if overlap:
        raise ValueError(
            f"{dataset}: documents in both published train and dev: {sorted(overlap)[:3]}"
        )
    frozen = freeze_splits(
        manifest, dataset, ids, split.seed, {**ratios, "dev": "published"}, split.force
    )
    parts = partition([*train, *dev], lambda d: d.doc_id, frozen["splits"])
    return {name: parts[name] for name in ("train", "dev", "test")}


def prepare_wikinews(
    train: Path, dev: Path, output_dir: Path, manifest: Path, split: SplitConfig
) -> dict[str, Any]:
    """German Wikinews quotations -> ``AnnotatedDocument`` train/dev/test (test cut from train)."""
    verify_inputs(train, dev)
    outputs = _split_published(
        "wikinews", read_wikinews(train), read_wikinews(dev), manifest, split
    )
    stats = _document_stats(outputs)
    _write(output_dir, dict(outputs), schemas.ANNOTATED_DOCUMENT, stats)
    return stats


def prepare_gepade(
    train: Path, dev: Path, output_dir: Path, manifest: Path, split: SplitConfig
) -> dict[str, Any]:
    """GePaDe Bundestag speeches -> ``AnnotatedDocument`` train/dev/test (test cut from train)."""
    # Imported here while the quote engineer writes it: read_gepade(path) -> AnnotatedDocuments.
    from quotestance.data.gepade import read_gepade

    verify_inputs(train, dev)
    outputs = _split_published("gepade", read_gepade(train), read_gepade(dev), manifest, split)
    stats = _document_stats(outputs)
    _write(output_dir, dict(outputs), schemas.ANNOTATED_DOCUMENT, stats)
    return stats


def prepare_segmentation(
    pud: Path,
    gsd_dev: Path,
    golden_rules: Path,
    output_dir: Path,
    manifest: Path,
    split: SplitConfig,
) -> dict[str, Any]:
    """Gold sentence boundaries -> ``AnnotatedDocument`` files (no quotes; evaluation only).

    ``dev``: UD German GSD dev (tuning); ``test``: UD German PUD; ``golden_rules``: the 35
    German edge cases. Published splits: no manifest.
    """
    del manifest, split
    verify_inputs(pud, gsd_dev, golden_rules)
    outputs: Outputs = {
        "dev": read_conllu_documents(gsd_dev),
        "test": read_conllu_documents(pud),
        "golden_rules": read_golden_rules(golden_rules),
    }
    stats = _document_stats(outputs)
    _write(output_dir, outputs, schemas.ANNOTATED_DOCUMENT, stats)
    return stats


def prepare_gerntsa(
    data: Path, output_dir: Path, manifest: Path, split: SplitConfig
) -> dict[str, Any]:
    """GerNTSA -> proxy ``StanceExample`` train/dev/test, split by sentence (frozen)."""
    verify_inputs(data)
    raw = schemas.read_json_records(data)
    kept, dropped = resolve_gerntsa_duplicates(raw.records)
    kept_ids = {id(row) for row in kept}
    numbers = [n for n, row in zip(raw.numbers, raw.records, strict=True) if id(row) in kept_ids]
    schemas.check(kept, schemas.GERNTSA_RAW, data, unit=raw.unit, numbers=numbers)
    examples = gerntsa_examples(kept)
    ids = split_ids((e.group for e in examples), split.seed, split.ratios)
    frozen = freeze_splits(manifest, "gerntsa", ids, split.seed, split.ratios, split.force)
    outputs = partition(examples, lambda e: e.group, frozen["splits"])
    stats = _stance_stats(outputs)
    stats["dropped_conflicting_duplicates"] = sorted({str(row["id"]) for row in dropped})
    _write(output_dir, dict(outputs), schemas.STANCE_EXAMPLE, stats)
    return stats


def prepare_newsmtsc(
    rw: Mapping[str, Path],
    mt: Mapping[str, Path],
    output_dir: Path,
    manifest: Path,
    split: SplitConfig,
) -> dict[str, Any]:
    """NewsMTSC -> proxy ``StanceExample`` in its published splits: ``rw/<split>``, ``mt/<split>``.

    The published splits are by sentence, not by article (articles recur across them); they are
    kept for comparability with published results. ``group`` is the article, for grouped CV.
    """
    del manifest, split
    outputs: dict[str, list[StanceExample]] = {}
    for variant, files in (("rw", rw), ("mt", mt)):
        for name, path in files.items():
            verify_inputs(path)
            rows = schemas.check_file(path, schemas.NEWSMTSC_RAW)
            outputs[f"{variant}/{name}"] = newsmtsc_examples(rows)
    stats = _stance_stats(outputs)
    for variant, files in (("rw", rw), ("mt", mt)):
        articles = {name: {e.group for e in outputs[f"{variant}/{name}"]} for name in files}
        if "train" in articles and "test" in articles:
            stats[f"{variant}_articles_shared_by_train_and_test"] = len(
                articles["train"] & articles["test"]
            )
    _write(output_dir, dict(outputs), schemas.STANCE_EXAMPLE, stats)
    return stats


def prepare_news(
    data: Path, output_dir: Path, manifest: Path, split: SplitConfig
) -> dict[str, Any]:
    """10kGNAD -> ``Document`` train/dev/test (by the same hash as the actor-stance corpus)."""
    verify_inputs(data)
    rows = read_10kgnad(data)
    schemas.check(rows, schemas.TENKGNAD_RAW, data, unit="row", first=0)
    documents = news_documents(rows)
    ids = split_ids((d.doc_id for d in documents), split.seed, split.ratios)
    frozen = freeze_splits(manifest, "news", ids, split.seed, split.ratios, split.force)
    outputs: dict[str, list[Document]] = partition(documents, lambda d: d.doc_id, frozen["splits"])
    stats = _document_stats(outputs)
    _write(output_dir, dict(outputs), schemas.DOCUMENT, stats)
    return stats


def prepare_stance_corpus(
    data: Path, output_dir: Path, manifest: Path, split: SplitConfig, keep_ambiguous: bool = True
) -> dict[str, Any]:
    """Prepare the German actor-stance corpus: ``StanceExample`` train/dev/test by document."""
    rows = schemas.check_file(data, schemas.STANCE_CORPUS)
    examples = corpus_examples(rows, keep_ambiguous=keep_ambiguous)
    # Split every annotated document, also those whose examples were all left out.
    ids = split_ids((row["doc_id"] for row in rows), split.seed, split.ratios)
    frozen = freeze_splits(manifest, "stance_corpus", ids, split.seed, split.ratios, split.force)
    outputs = partition(examples, lambda e: e.group, frozen["splits"])
    stats = _stance_stats(outputs)
    stats["ambiguous_left_out"] = 0 if keep_ambiguous else sum(bool(r["ambiguous"]) for r in rows)
    stats["by_source"] = {
        name: dict(sorted(Counter(e.source for e in items).items()))
        for name, items in outputs.items()
    }
    _write(output_dir, dict(outputs), schemas.STANCE_EXAMPLE, stats)
    return stats


PREPARERS: dict[str, Callable[..., dict[str, Any]]] = {
    "wikinews": prepare_wikinews,
    "gepade": prepare_gepade,
    "segmentation": prepare_segmentation,
    "gerntsa": prepare_gerntsa,
    "newsmtsc": prepare_newsmtsc,
    "news": prepare_news,
    "stance_corpus": prepare_stance_corpus,
}


def _paths(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _paths(item) for key, item in value.items()}
    return Path(value)


def prepare(
    source: str,
    inputs: Mapping[str, Any],
    output_dir: Path,
    manifest: Path,
    split: SplitConfig,
    options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Run the preparer of ``source`` on ``inputs`` (paths, or mappings of split -> path)."""
    if source not in PREPARERS:
        raise ValueError(f"unknown source {source!r}; choose one of {list(PREPARERS)}")
    return PREPARERS[source](
        **{name: _paths(value) for name, value in inputs.items()},
        **dict(options or {}),
        output_dir=Path(output_dir),
        manifest=Path(manifest),
        split=split,
    )
