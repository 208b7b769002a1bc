"""Who holds which stance: speaker x actor and source x actor tables from scored records.

``stance_rows`` flattens scored records (``quotestance.records.DocumentResult`` as written by
``quotestance-score``) into one row per stance: the holder is the quote's speaker for
quote-level stances and ``author`` for sentence-level stances of sentences that no quote
covers (a sentence inside a quote would count the quote's stance twice). ``stance_table`` counts
labels per (holder or source, actor) with Wilson confidence intervals of the against and favor
shares; ``render_html`` draws heat maps and tables.

The source of a document is, in order: a ``source`` field of the scored record; the ``source``
given for its id by a side table (the input the user scored, when it had a ``source`` column);
the prefix of the doc_id before the first match of ``source_pattern`` (``spiegel/123`` ->
``spiegel``); else ``(unknown)``.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from quotestance.records import AUTHOR

UNKNOWN_SOURCE = "(unknown)"
UNATTRIBUTED = "(unattributed quote)"
POLAR = ("against", "favor")
DEFAULT_SOURCE_PATTERN = r"[/:]"


@dataclass(frozen=True)
class StanceRow:
    """One stance of a scored document, with who holds it and where the document came from."""

    doc_id: str
    source: str
    unit: str
    holder: str
    actor: str
    label: str
    score: float


def wilson_interval(successes: int, total: int, confidence: float = 0.95) -> tuple[float, float]:
    """Return the Wilson score interval of a proportion (``(0, 1)`` when ``total`` is 0)."""
    if total <= 0:
        return 0.0, 1.0
    z = _normal_quantile(0.5 + confidence / 2)
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def _normal_quantile(q: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(q))


def document_source(
    record: Mapping[str, Any], sources: Mapping[str, str], pattern: str = DEFAULT_SOURCE_PATTERN
) -> str:
    """Return a document's source (see the module docstring for the order of the rules)."""
    if record.get("source"):
        return str(record["source"])
    doc_id = str(record.get("doc_id", ""))
    if sources.get(doc_id):
        return str(sources[doc_id])
    if pattern:
        match = re.search(pattern, doc_id)
        if match and match.start() > 0:
            return doc_id[: match.start()]
    return UNKNOWN_SOURCE


def stance_rows(
    records: Iterable[Mapping[str, Any]],
    sources: Mapping[str, str] | None = None,
    source_pattern: str = DEFAULT_SOURCE_PATTERN,
    include_author: bool = True,
    min_score: float = 0.0,
) -> list[StanceRow]:
    """Flatten scored records into stance rows (error records and low scores are skipped)."""
    rows: list[StanceRow] = []
    for record in records:
        if record.get("status") != "ok":
            continue
        source = document_source(record, sources or {}, source_pattern)
        quoted = {
            sid for quote in record.get("quotes", ()) for sid in quote.get("sentence_ids", ())
        }
        for stance in record.get("stances", ()):
            if float(stance.get("score", 1.0)) < min_score:
                continue
            if stance["unit"] == "quote":
                holder = stance.get("holder") or AUTHOR
                holder = UNATTRIBUTED if holder == AUTHOR else holder
            else:
                if not include_author or stance["unit_id"] in quoted:
                    continue
                holder = AUTHOR
            rows.append(
                StanceRow(
                    doc_id=str(record["doc_id"]),
                    source=source,
                    unit=str(stance["unit"]),
                    holder=str(holder),
                    actor=str(stance["actor"]),
                    label=str(stance["label"]),
                    score=float(stance.get("score", float("nan"))),
                )
            )
    return rows


def stance_table(
    rows: Sequence[StanceRow], by: str, confidence: float = 0.95, min_count: int = 1
) -> pd.DataFrame:
    """Count labels per (``by``, actor): ``by`` is ``holder`` or ``source``.

    Columns: ``by``, ``actor``, ``n``, one count per label, ``documents``, and for ``against``
    and ``favor`` the share with its Wilson interval (``against_share``, ``against_low``,
    ``against_high``, ...), then ``net`` = favor share - against share and ``mean_score``.
    """
    if by not in {"holder", "source"}:
        raise ValueError(f"by must be 'holder' or 'source', not {by!r}")
    labels = sorted({r.label for r in rows} | {"against", "favor", "neutral"})
    groups: dict[tuple[str, str], list[StanceRow]] = {}
    for row in rows:
        groups.setdefault((getattr(row, by), row.actor), []).append(row)
    records = []
    for (key, actor), members in groups.items():
        n = len(members)
        if n < min_count:
            continue
        counts = {label: sum(1 for m in members if m.label == label) for label in labels}
        entry: dict[str, Any] = {by: key, "actor": actor, "n": n, **counts}
        entry["documents"] = len({m.doc_id for m in members})
        for label in POLAR:
            low, high = wilson_interval(counts[label], n, confidence)
            entry[f"{label}_share"] = counts[label] / n
            entry[f"{label}_low"] = low
            entry[f"{label}_high"] = high
        entry["net"] = entry["favor_share"] - entry["against_share"]
        entry["mean_score"] = float(np.mean([m.score for m in members]))
        records.append(entry)
    columns = [by, "actor", "n", *labels, "documents"]
    columns += [f"{label}_{part}" for label in POLAR for part in ("share", "low", "high")]
    columns += ["net", "mean_score"]
    table = pd.DataFrame(records, columns=columns)
    return table.sort_values(["actor", "n", by], ascending=[True, False, True]).reset_index(
        drop=True
    )


def heatmap_png(table: pd.DataFrame, by: str, top: int = 25) -> bytes:
    """Draw net stance (favor - against share) per (``by``, actor), counts in the cells."""
    totals = table.groupby(by)["n"].sum().sort_values(ascending=False)
    keys = list(totals.index[:top])
    actors = sorted(table["actor"].unique())
    net = np.full((len(keys), len(actors)), np.nan)
    counts = np.zeros((len(keys), len(actors)), dtype=int)
    for row in table.itertuples(index=False):
        key = getattr(row, by)
        if key in keys:
            i, j = keys.index(key), actors.index(row.actor)
            net[i, j] = row.net
            counts[i, j] = row.n
    height = max(2.5, 0.35 * len(keys) + 1.5)
    figure, axis = plt.subplots(figsize=(max(4.0, 1.1 * len(actors) + 2.5), height))
    image = axis.imshow(np.ma.masked_invalid(net), cmap="RdYlGn", vmin=-1, vmax=1, aspect="auto")
    axis.set_xticks(range(len(actors)), actors, rotation=30, ha="right")
    axis.set_yticks(range(len(keys)), [_short(k) for k in keys])
    for i in range(len(keys)):
        for j in range(len(actors)):
            if counts[i, j]:
                axis.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=8)
    figure.colorbar(image, ax=axis, label="favor share - against share")
    axis.set_title(f"net stance by {by} and actor")
    axis.set_xlabel("cell: number of stances")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return buffer.getvalue()


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _percent(value: float) -> str:
    return f"{100 * value:.0f} %"


def _html_table(table: pd.DataFrame, by: str) -> str:
    head = (
        f"<tr><th>{html.escape(by)}</th><th>actor</th><th>n</th><th>against</th>"
        "<th>neutral</th><th>favor</th><th>against share (95 % CI)</th>"
        "<th>favor share (95 % CI)</th><th>net</th></tr>"
    )
    body = []
    for row in table.to_dict("records"):
        body.append(
            "<tr>"
            f"<td>{html.escape(str(row[by]))}</td><td>{html.escape(str(row['actor']))}</td>"
            f"<td>{row['n']}</td><td>{row['against']}</td><td>{row['neutral']}</td>"
            f"<td>{row['favor']}</td>"
            f"<td>{_percent(row['against_share'])} ({_percent(row['against_low'])}–"
            f"{_percent(row['against_high'])})</td>"
            f"<td>{_percent(row['favor_share'])} ({_percent(row['favor_low'])}–"
            f"{_percent(row['favor_high'])})</td>"
            f"<td>{row['net']:+.2f}</td></tr>"
        )
    return f"<table>{head}{''.join(body)}</table>"


def at_a_glance(table: pd.DataFrame, by: str, limit: int = 5) -> str:
    """Per actor: the holders most clearly against and for it (by the Wilson lower bound)."""
    parts = []
    for actor in sorted(table["actor"].unique()):
        rows = table[table["actor"] == actor]
        lines = []
        for label, word in (("against", "against"), ("favor", "for")):
            ranked = rows[rows[label] > 0].sort_values(f"{label}_low", ascending=False)
            names = [
                f"{html.escape(str(r[by]))} ({r[label]}/{r['n']}, "
                f"{_percent(r[f'{label}_low'])}–{_percent(r[f'{label}_high'])})"
                for r in ranked.head(limit).to_dict("records")
            ]
            lines.append(f"<li><b>{word} {html.escape(actor)}</b>: {', '.join(names) or '—'}</li>")
        parts.append("<ul>" + "".join(lines) + "</ul>")
    return "".join(parts)


def render_html(
    tables: Mapping[str, pd.DataFrame], title: str, summary: Mapping[str, Any], top: int = 25
) -> str:
    """Return a self-contained HTML report: counts, heat maps (inline PNG) and tables."""
    sections = []
    for by, table in tables.items():
        if table.empty:
            sections.append(f"<h2>By {html.escape(by)}</h2><p>No stances.</p>")
            continue
        image = base64.b64encode(heatmap_png(table, by, top)).decode()
        sections.append(
            f"<h2>By {html.escape(by)}</h2>"
            f"<h3>At a glance</h3>{at_a_glance(table, by)}"
            f'<img alt="net stance by {html.escape(by)} and actor" '
            f'src="data:image/png;base64,{image}">'
            f"<h3>Counts with 95 % Wilson intervals</h3>{_html_table(table, by)}"
        )
    facts = "".join(
        f"<li>{html.escape(str(k))}: {html.escape(str(v))}</li>" for k, v in summary.items()
    )
    style = (
        "body{font-family:sans-serif;margin:2em;max-width:70em}"
        "table{border-collapse:collapse;font-size:90%}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
        "td:first-child,td:nth-child(2){text-align:left}"
    )
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{style}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><ul>{facts}</ul>{''.join(sections)}</body></html>"
    )
