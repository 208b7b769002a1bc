"""Convert the sentence-segmentation gold (UD German PUD and GSD, German golden rules) to records.

Each converted document is an ``AnnotatedDocument`` whose ``sentences`` are the gold sentences
(stripped, ids 0..n-1); it has no tokens and no quotes.

* CoNLL-U (UD German PUD test, GSD dev): the sentences of each ``# newdoc`` document, or, in a
  file without ``# newdoc`` (GSD), runs of ``chunk_size`` consecutive sentences, are joined with
  one space into the document text; the gold boundaries are the sentence ends.
* Golden rules (JSON Lines with ``text`` and the expected ``sentences``): each expected sentence
  is located in the text ignoring whitespace, since the expected forms normalise it (a soft line
  wrap becomes a space, ``z.B.`` becomes ``z. B.``).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from quotestance.io import read_jsonl
from quotestance.records import AnnotatedDocument, Sentence

PUD_FILE = "de_pud-ud-test.conllu"
GSD_DEV_FILE = "de_gsd-ud-dev.conllu"
GOLDEN_RULES_FILE = "german_golden_rules.jsonl"


def _document(doc_id: str, sentences: Sequence[str]) -> AnnotatedDocument:
    parts: list[str] = []
    gold: list[Sentence] = []
    offset = 0
    for sentence in sentences:
        if parts:
            offset += 1  # the joining space
        stripped = sentence.strip()
        start = offset + (len(sentence) - len(sentence.lstrip()))
        if stripped:
            gold.append(Sentence(len(gold), start, start + len(stripped), stripped))
        parts.append(sentence)
        offset += len(sentence)
    return AnnotatedDocument(doc_id, " ".join(parts), tuple(gold), (), ())


def conllu_sentence_groups(lines: Iterable[str]) -> Iterator[tuple[str | None, list[str]]]:
    """Yield ``(newdoc id or None, [sentence text, ...])`` for each ``# newdoc`` group.

    A file without ``# newdoc`` comments yields one group with ``None`` as its id.
    """
    doc_id: str | None = None
    texts: list[str] = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if line.startswith("# newdoc"):
            if texts:
                yield doc_id, texts
            _, _, value = line.partition("=")
            doc_id, texts = value.strip() or None, []
        elif line.startswith("# text ="):
            texts.append(line[len("# text =") :].strip())
    if texts:
        yield doc_id, texts


def documents_from_conllu(
    lines: Iterable[str], name: str, chunk_size: int = 10
) -> list[AnnotatedDocument]:
    """Build one document per ``# newdoc``, or per ``chunk_size`` sentences without them."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    documents: list[AnnotatedDocument] = []
    for doc_id, texts in conllu_sentence_groups(lines):
        if doc_id is not None:
            documents.append(_document(doc_id, texts))
            continue
        for first in range(0, len(texts), chunk_size):
            chunk_id = f"{name}-{first // chunk_size:04d}"
            documents.append(_document(chunk_id, texts[first : first + chunk_size]))
    return documents


def locate_sentences(text: str, sentences: Sequence[str], where: str = "") -> tuple[Sentence, ...]:
    """Find each expected sentence in ``text`` in order, ignoring all whitespace.

    Raises ``ValueError`` naming ``where`` and the sentence when one is not found.
    """
    positions = [i for i, ch in enumerate(text) if not ch.isspace()]
    compact = "".join(text[i] for i in positions)
    found: list[Sentence] = []
    cursor = 0
    for sentence in sentences:
        needle = "".join(sentence.split())
        if not needle:
            continue
        at = compact.find(needle, cursor)
        if at < 0:
            raise ValueError(f"{where}: expected sentence not found in the text: {sentence!r}")
        start, end = positions[at], positions[at + len(needle) - 1] + 1
        found.append(Sentence(len(found), start, end, text[start:end]))
        cursor = at + len(needle)
    return tuple(found)


def documents_from_golden_rules(rows: Iterable[Mapping[str, Any]]) -> list[AnnotatedDocument]:
    """Convert golden-rule rows (``set``, ``id``, ``text``, ``sentences``) to documents."""
    documents = []
    for number, row in enumerate(rows):
        for column in ("text", "sentences"):
            if column not in row:
                raise ValueError(f"golden rule {number}: missing column {column!r}")
        doc_id = f"{row.get('set', 'golden')}-{row.get('id', number)}"
        text = row["text"]
        gold = locate_sentences(text, row["sentences"], doc_id)
        documents.append(AnnotatedDocument(doc_id, text, gold, (), ()))
    return documents


def _existing(folder: Path, name: str) -> Path:
    for candidate in (folder / name, folder / (name + ".gz")):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"neither {name} nor {name}.gz in {folder}")


def _read_lines(path: Path) -> list[str]:
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return f.readlines()
    return path.read_text(encoding="utf-8").splitlines()


def read_conllu_documents(path: str | Path, chunk_size: int = 10) -> list[AnnotatedDocument]:
    """Read a CoNLL-U file (plain or ``.gz``) as segmentation documents."""
    path = Path(path)
    name = path.name.split(".")[0]
    return documents_from_conllu(_read_lines(path), name, chunk_size)


def read_golden_rules(path: str | Path) -> list[AnnotatedDocument]:
    """Read the golden-rules JSON Lines file (plain or ``.gz``) as segmentation documents."""
    return documents_from_golden_rules(read_jsonl(path))


def read_segmentation_gold(
    folder: str | Path, chunk_size: int = 10
) -> dict[str, list[AnnotatedDocument]]:
    """Read ``pud``, ``gsd_dev`` and ``golden_rules`` from a folder (files plain or gzipped)."""
    folder = Path(folder)
    return {
        "pud": read_conllu_documents(_existing(folder, PUD_FILE), chunk_size),
        "gsd_dev": read_conllu_documents(_existing(folder, GSD_DEV_FILE), chunk_size),
        "golden_rules": read_golden_rules(_existing(folder, GOLDEN_RULES_FILE)),
    }
