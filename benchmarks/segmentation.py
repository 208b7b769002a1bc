"""Benchmark quotestance's sentence segmenter against SoMaJo, pysbd, syntok and spaCy.

Every tool segments the same texts in one run: UD German PUD (test) and GSD (dev) documents for
boundary precision/recall/F1, the German golden rules for exact-match accuracy, and all of them
together for speed (gold sentences per second, best of ``--repeats`` timed passes).

    python benchmarks/segmentation.py --data ../shared/data/segmentation-de
    python benchmarks/segmentation.py            # the project's data/raw/segmentation-de copy

The Markdown table is printed and written to ``benchmarks/results/segmentation.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from hydra.utils import instantiate
from omegaconf import OmegaConf

from quotestance.data.segmentation import read_segmentation_gold
from quotestance.evaluation.segmentation import boundary_scores, exact_match_accuracy
from quotestance.records import AnnotatedDocument, Span

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / "data" / "raw" / "segmentation-de"
DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "segmentation.md"
SEGMENTER_CONFIG = ROOT / "conf" / "segmenter" / "de.yaml"
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*")

Splitter = Callable[[str], list[Span]]


@dataclass(frozen=True)
class Result:
    """One tool's scores; ``note`` says why a tool was skipped."""

    tool: str
    pud: dict[str, float] | None = None
    gsd: dict[str, float] | None = None
    golden: float | None = None
    sentences_per_second: float | None = None
    note: str = ""


def _span(text: str, start: int, end: int) -> Span:
    return Span(start, end, text[start:end])


def quotestance_splitter(config: Path = SEGMENTER_CONFIG) -> Splitter:
    """The project's segmenter, configured from ``conf/segmenter/de.yaml``."""
    segmenter = instantiate(OmegaConf.load(config))
    return lambda text: [_span(text, s.start, s.end) for s in segmenter.segment(text)]


def _paragraphs(text: str) -> list[tuple[int, str]]:
    """Blank-line separated paragraphs with their offsets (SoMaJo's default separator)."""
    parts, start = [], 0
    for match in _BLANK_LINE.finditer(text):
        parts.append((start, text[start : match.start()]))
        start = match.end()
    parts.append((start, text[start:]))
    return [(offset, part) for offset, part in parts if part.strip()]


def somajo_splitter() -> Splitter:
    """SoMaJo ``de_CMC`` with character offsets, one paragraph per blank-line block."""
    from somajo import SoMaJo

    tokenizer = SoMaJo("de_CMC", split_camel_case=False, character_offsets=True)

    def split(text: str) -> list[Span]:
        spans = []
        for offset, paragraph in _paragraphs(text):
            for sentence in tokenizer.tokenize_text([paragraph]):
                start = sentence[0].character_offset[0]
                end = sentence[-1].character_offset[1]
                spans.append(_span(text, offset + start, offset + end))
        return spans

    return split


def pysbd_splitter() -> Splitter:
    """pysbd, German rules, no cleaning (offsets must index the original text)."""
    import pysbd

    segmenter = pysbd.Segmenter(language="de", clean=False, char_span=True)
    return lambda text: [_span(text, s.start, s.end) for s in segmenter.segment(text)]


def syntok_splitter() -> Splitter:
    """syntok's segmenter (its own paragraph splitting; token offsets index the text)."""
    from syntok import segmenter

    def split(text: str) -> list[Span]:
        spans = []
        for paragraph in segmenter.analyze(text):
            for sentence in paragraph:
                tokens = [t for t in sentence if t.value]
                if tokens:
                    end = tokens[-1].offset + len(tokens[-1].value)
                    spans.append(_span(text, tokens[0].offset, end))
        return spans

    return split


def spacy_splitter() -> Splitter:
    """spaCy's rule-based ``sentencizer`` on a blank German pipeline."""
    import spacy

    nlp = spacy.blank("de")
    nlp.add_pipe("sentencizer")
    nlp.max_length = 10_000_000
    return lambda text: [_span(text, s.start_char, s.end_char) for s in nlp(text).sents]


PEERS: dict[str, Callable[[], Splitter]] = {
    "quotestance": quotestance_splitter,
    "SoMaJo (de_CMC)": somajo_splitter,
    "pysbd (de)": pysbd_splitter,
    "syntok": syntok_splitter,
    "spaCy sentencizer (blank de)": spacy_splitter,
}


def _boundary(split: Splitter, docs: Sequence[AnnotatedDocument]) -> dict[str, float]:
    texts = [d.text for d in docs]
    return boundary_scores(texts, [split(t) for t in texts], [d.sentences for d in docs])


def _golden(split: Splitter, docs: Sequence[AnnotatedDocument]) -> float:
    texts = [d.text for d in docs]
    return exact_match_accuracy(texts, [split(t) for t in texts], [d.sentences for d in docs])


def _speed(split: Splitter, texts: Sequence[str], n_sentences: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for text in texts:
            split(text)
        best = min(best, time.perf_counter() - started)
    return n_sentences / best


def evaluate_tool(
    name: str, make: Callable[[], Splitter], gold: dict[str, list[AnnotatedDocument]], repeats: int
) -> Result:
    """Score one tool on every gold set and time it on all of their texts."""
    try:
        split = make()
    except ImportError as error:
        return Result(name, note=f"skipped: {error}")
    docs = [d for part in gold.values() for d in part]
    speed = _speed(split, [d.text for d in docs], sum(len(d.sentences) for d in docs), repeats)
    return Result(
        name,
        pud=_boundary(split, gold["pud"]),
        gsd=_boundary(split, gold["gsd_dev"]),
        golden=_golden(split, gold["golden_rules"]),
        sentences_per_second=speed,
    )


def _shown(path: Path) -> str:
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(path)


def _load() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _prf(scores: dict[str, float] | None) -> str:
    if scores is None:
        return "– | – | –"
    return f"{scores['precision']:.4f} | {scores['recall']:.4f} | {scores['f1']:.4f}"


def format_table(
    results: Sequence[Result], gold: dict[str, list[AnnotatedDocument]], data: Path
) -> str:
    """Render the results, the machine and the data sizes as Markdown."""
    sizes = {name: (len(docs), sum(len(d.sentences) for d in docs)) for name, docs in gold.items()}
    lines = [
        "# Sentence segmentation benchmark",
        "",
        f"- date: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- machine: {os.cpu_count()} cores, {platform.machine()}, {platform.system()}, "
        f"Python {platform.python_version()}, load average {_load()} (a shared machine: "
        "compare speeds within this run only)",
        f"- data: `{_shown(data)}`; PUD {sizes['pud'][0]} docs / {sizes['pud'][1]} sentences, "
        f"GSD dev {sizes['gsd_dev'][0]} chunks of 10 / {sizes['gsd_dev'][1]} sentences, "
        f"golden rules {sizes['golden_rules'][0]} cases",
        "- boundary = sentence end after skipping whitespace, document end excluded; "
        "golden = exact-match accuracy; speed = gold sentences of all three sets per second "
        "(best pass)",
        "",
        "| tool | PUD P | PUD R | PUD F1 | GSD P | GSD R | GSD F1 | golden acc. | sent/s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if r.note:
            lines.append(f"| {r.tool} | {r.note} |  |  |  |  |  |  |  |")
            continue
        golden = f"{r.golden:.4f}" if r.golden is not None else "–"
        speed = f"{r.sentences_per_second:,.0f}" if r.sentences_per_second else "–"
        lines.append(f"| {r.tool} | {_prf(r.pud)} | {_prf(r.gsd)} | {golden} | {speed} |")
    ours = next((r for r in results if r.tool == "quotestance"), None)
    somajo = next((r for r in results if r.tool.startswith("SoMaJo")), None)
    if ours and somajo and ours.sentences_per_second and somajo.sentences_per_second:
        ratio = ours.sentences_per_second / somajo.sentences_per_second
        lines += ["", f"Speed ratio quotestance / SoMaJo: {ratio:.1f}x"]
    return "\n".join(lines) + "\n"


def run_benchmark(data: Path, repeats: int) -> tuple[list[Result], str]:
    """Evaluate every tool on the gold in ``data``; return the results and the Markdown."""
    gold = read_segmentation_gold(data)
    results = [evaluate_tool(name, make, gold, repeats) for name, make in PEERS.items()]
    return results, format_table(results, gold, data)


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the arguments, run the benchmark, print and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="segmentation-de folder")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per tool")
    args = parser.parse_args(argv)
    _, table = run_benchmark(args.data, args.repeats)
    print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
