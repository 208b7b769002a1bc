"""German text analysed for the quotation tests: one sentence per line, no segmenter needed."""

from __future__ import annotations

from quotestance.quotes.text import Analysis, Marks, analyse
from quotestance.records import Sentence


def analyse_lines(text: str, marks: Marks) -> Analysis:
    """Analyse ``text`` with each line as one sentence."""
    sentences, start = [], 0
    for n, line in enumerate(text.split("\n")):
        sentences.append(Sentence(n, start, start + len(line), line))
        start += len(line) + 1
    return analyse(text, sentences, marks)
