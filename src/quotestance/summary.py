"""Short plain-text summaries of scored records: quotes by speaker and stance by actor."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any


def _table(header: list[str], rows: list[list[Any]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def summarize(records: Iterable[Mapping[str, Any]]) -> str:
    """Return the documents' status counts, quotes per speaker and stance labels per actor."""
    status: Counter[str] = Counter()
    speakers: Counter[str] = Counter()
    stances: dict[str, Counter[str]] = {}
    for record in records:
        status[record["status"]] += 1
        for quote in record["quotes"]:
            speakers[quote["speaker"]["name"] if quote["speaker"] else "(unknown)"] += 1
        for stance in record["stances"]:
            stances.setdefault(stance["actor"], Counter())[stance["label"]] += 1
    labels = ["against", "neutral", "favor"]
    parts = [
        f"documents: {sum(status.values())} ({status['ok']} ok, {status['error']} errors)",
        "Quotes by speaker\n"
        + _table(["speaker", "quotes"], [[s, n] for s, n in speakers.most_common()]),
        "Stance by actor (sentences and quotes)\n"
        + _table(
            ["actor", *labels],
            [[a, *(c[label] for label in labels)] for a, c in sorted(stances.items())],
        ),
    ]
    return "\n\n".join(parts)
