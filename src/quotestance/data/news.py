"""10kGNAD news articles (Der Standard, 2015-16) as ``Document`` records.

The raw file has no header: ``topic;text`` per row, ``;``-separated with ``'`` as quote
character. Document ids are ``10kgnad-<row number>`` (four digits, from 0), as in the
actor-stance corpus, so both split the same documents the same way.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from quotestance.records import Document

NEWS_SOURCE = "derstandard"
COLUMNS: tuple[str, ...] = ("topic", "text")


def news_doc_id(row_number: int) -> str:
    """Return the document id of the article in row ``row_number`` (0-based)."""
    return f"10kgnad-{row_number:04d}"


def parse_10kgnad(content: str) -> list[dict[str, Any]]:
    """Parse the CSV text into one dict per row, keyed by ``COLUMNS``.

    A short row lacks the keys of its missing columns (the schema names them); extra cells
    are kept under ``extra``.
    """
    rows = []
    for cells in csv.reader(io.StringIO(content), delimiter=";", quotechar="'"):
        row: dict[str, Any] = dict(zip(COLUMNS, cells, strict=False))
        if len(cells) > len(COLUMNS):
            row["extra"] = cells[len(COLUMNS) :]
        rows.append(row)
    return rows


def read_10kgnad(path: str | Path) -> list[dict[str, Any]]:
    """Read the 10kGNAD CSV (gzip if ``.gz``) into row dicts (see ``parse_10kgnad``)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        return parse_10kgnad(f.read())


def news_documents(rows: Iterable[Mapping[str, Any]]) -> list[Document]:
    """Convert checked rows to documents; the topic label is not part of a ``Document``."""
    return [
        Document(doc_id=news_doc_id(number), text=row["text"], source=NEWS_SOURCE)
        for number, row in enumerate(rows)
    ]
