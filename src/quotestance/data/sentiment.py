"""Target-dependent sentiment corpora (GerNTSA, NewsMTSC) as proxy ``StanceExample`` records.

Sentiment toward a target is not stance, so these examples carry a source ending in ``-proxy``
(``gerntsa-proxy``, ``newsmtsc-proxy``) and must never be pooled silently with the real stance
labels of the actor-stance corpus. Proxy mapping: negative -> against, positive -> favor,
neutral -> neutral (NewsMTSC polarity 2.0 / 6.0 / 4.0). The holder is the author.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from quotestance.data.schemas import NEWSMTSC_GID
from quotestance.records import AUTHOR, Span, StanceExample

PROXY_SUFFIX = "-proxy"
GERNTSA_SOURCE = "gerntsa" + PROXY_SUFFIX
NEWSMTSC_SOURCE = "newsmtsc" + PROXY_SUFFIX

POLARITY_TO_LABEL: dict[str, str] = {
    "negative": "against",
    "positive": "favor",
    "neutral": "neutral",
}
NEWSMTSC_POLARITY_TO_LABEL: dict[float, str] = {2.0: "against", 4.0: "neutral", 6.0: "favor"}


def is_proxy(example: StanceExample) -> bool:
    """Return whether ``example`` carries a proxy (sentiment) label rather than a stance label."""
    return example.source.endswith(PROXY_SUFFIX)


def newsmtsc_article(primary_gid: str) -> str:
    """Return the article part of a NewsMTSC id (``allsides_1000_401``, ``polusa_v1_4678416``)."""
    match = NEWSMTSC_GID.match(primary_gid)
    if match is None:
        raise ValueError(f"not a NewsMTSC id: {primary_gid!r}")
    return match.group(1)


def resolve_gerntsa_duplicates(
    rows: Sequence[Mapping[str, Any]],
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """Return ``(kept, dropped)``: rows sharing an id are kept once if identical, else all dropped.

    GerNTSA has one id annotated twice with different polarities; a label its annotators did
    not agree on is no gold label.
    """
    by_id: dict[Any, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_id.setdefault(row.get("id"), []).append(row)
    kept: list[Mapping[str, Any]] = []
    dropped: list[Mapping[str, Any]] = []
    emitted: set[Any] = set()
    for row in rows:
        key = row.get("id")
        group = by_id[key]
        if len(group) == 1 or all(other == group[0] for other in group):
            if key not in emitted:
                kept.append(row)
                emitted.add(key)
        else:
            dropped.append(row)
    return kept, dropped


def gerntsa_groups(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Map each GerNTSA sentence to the id of its first row: the document id for splits.

    A sentence with several targets occurs in several rows; all of them go to one split. The
    actor-stance corpus names GerNTSA documents the same way.
    """
    groups: dict[str, str] = {}
    for row in rows:
        groups.setdefault(row["opinion_snippet"], row["id"])
    return groups


def gerntsa_examples(rows: Iterable[Mapping[str, Any]]) -> list[StanceExample]:
    """Convert checked GerNTSA rows to proxy ``StanceExample`` records (one per row)."""
    rows = list(rows)
    groups = gerntsa_groups(rows)
    examples = []
    for row in rows:
        text = row["opinion_snippet"]
        start, end = row["target_anchor"]["from"], row["target_anchor"]["to"]
        examples.append(
            StanceExample(
                text=text,
                target=row["target"],
                mention=Span(start, end, text[start:end]),
                label=POLARITY_TO_LABEL[row["sentiment"]["polarity"]],
                group=groups[text],
                holder=AUTHOR,
                source=GERNTSA_SOURCE,
            )
        )
    return examples


def newsmtsc_examples(rows: Iterable[Mapping[str, Any]]) -> list[StanceExample]:
    """Convert checked NewsMTSC rows to proxy ``StanceExample`` records (one per target).

    The target is the annotated mention (the entity names inside the ids were extracted
    automatically and are often noisy); the group is the article.
    """
    examples = []
    for row in rows:
        text = row["sentence_normalized"]
        group = newsmtsc_article(row["primary_gid"])
        for target in row["targets"]:
            start, end = target["from"], target["to"]
            examples.append(
                StanceExample(
                    text=text,
                    target=target["mention"],
                    mention=Span(start, end, text[start:end]),
                    label=NEWSMTSC_POLARITY_TO_LABEL[float(target["polarity"])],
                    group=group,
                    holder=AUTHOR,
                    source=NEWSMTSC_SOURCE,
                )
            )
    return examples
