"""Text analysis shared by training and scoring: tokens, quotation-mark pairs, clauses, mentions."""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from quotestance.records import Sentence

_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|\w+(?:[-'’]\w+)*-?|[^\w\s]", re.UNICODE)
_CLAUSE_PUNCT = frozenset(",;:()–—-[]")
_SENT_END = frozenset(".!?")


@dataclass(frozen=True)
class Marks:
    """Quotation-mark resources: which characters open, close, and which closers fit an opener."""

    openers: frozenset[str]
    closers: frozenset[str]
    pairs: Mapping[str, frozenset[str]]

    @property
    def chars(self) -> frozenset[str]:
        """Return all quotation-mark characters."""
        return self.openers | self.closers


def make_marks(
    open_marks: Collection[str], close_marks: Collection[str], pairs: Mapping[str, Collection[str]]
) -> Marks:
    """Build ``Marks`` from the config lists."""
    return Marks(
        frozenset(open_marks),
        frozenset(close_marks),
        {k: frozenset(v) for k, v in pairs.items()},
    )


def _is_space(ch: str) -> bool:
    return ch.isspace() or ch in "([{/–—-"


def match_quote_marks(text: str, marks: Marks) -> list[tuple[int, int]]:
    """Pair opening and closing quotation marks; return ``(open, close)`` character offsets.

    The role of an ambiguous mark (``"``, ``“``, ``»``) comes from the open quotations and the
    characters around it; apostrophes inside words are skipped; a line break discards unmatched
    openers (quotations do not run over paragraphs unclosed).
    """
    chars = marks.chars
    stack: list[tuple[str, int]] = []
    pairs: list[tuple[int, int]] = []
    n = len(text)
    for i, ch in enumerate(text):
        if ch == "\n":
            stack.clear()
            continue
        if ch not in chars:
            continue
        prev = text[i - 1] if i > 0 else " "
        nxt = text[i + 1] if i + 1 < n else " "
        if ch in "’'‘" and prev.isalnum() and nxt.isalnum():
            continue
        open_ctx = (_is_space(prev) or prev in chars) and not nxt.isspace()
        close_ctx = not prev.isspace() and (not nxt.isalnum() or nxt in chars)
        j = -1
        if ch in marks.closers:
            for k in range(len(stack) - 1, -1, -1):
                if ch in marks.pairs.get(stack[k][0], ()):
                    j = k
                    break
        if ch in marks.openers and ch not in marks.closers:
            stack.append((ch, i))
        elif j >= 0 and (close_ctx or not open_ctx):
            pairs.append((stack[j][1], i))
            del stack[j:]
        elif ch in marks.openers and open_ctx:
            stack.append((ch, i))
        elif j >= 0:
            pairs.append((stack[j][1], i))
            del stack[j:]
    pairs.sort()
    return pairs


@dataclass
class Analysis:
    """Tokens of a text with sentence, paragraph, clause and quotation-mark information."""

    text: str
    starts: list[int]
    ends: list[int]
    words: list[str]
    lower: list[str]
    sent: list[int]
    sent_first: list[int]
    sent_last: list[int]
    para_start: list[bool]
    clause: list[int]
    clause_first: list[int]
    clause_last: list[int]
    depth: list[int]
    mark: list[str]
    pairs: list[tuple[int, int]]

    def __len__(self) -> int:
        return len(self.starts)

    def token_at(self, offset: int) -> int:
        """Return the index of the last token starting at or before ``offset``."""
        return max(bisect.bisect_right(self.starts, offset) - 1, 0)

    def tokens_in(self, start: int, end: int) -> range:
        """Return the token indices overlapping the character span ``start..end``."""
        i = bisect.bisect_right(self.ends, start)
        j = bisect.bisect_left(self.starts, end)
        return range(i, j)


def analyse(text: str, sentences: Sequence[Sentence], marks: Marks) -> Analysis:
    """Tokenise ``text`` and attach sentence ids, paragraph starts, clauses and quote depth.

    Tokens outside every sentence belong to the nearest preceding sentence, so any reasonable
    sentence split (or none) works.
    """
    starts: list[int] = []
    ends: list[int] = []
    words: list[str] = []
    for m in _TOKEN.finditer(text):
        starts.append(m.start())
        ends.append(m.end())
        words.append(m.group())
    n = len(starts)
    lower = [w.lower() for w in words]
    bounds = sorted((s.start, s.end) for s in sentences if s.end > s.start)
    sent_starts = [b[0] for b in bounds]
    raw_sent = [max(bisect.bisect_right(sent_starts, s) - 1, 0) for s in starts]
    # renumber so that sentence ids are dense over the tokens
    sent: list[int] = []
    last_raw = None
    sid = -1
    for i, r in enumerate(raw_sent):
        if r != last_raw or (i and "\n" in text[ends[i - 1] : starts[i]] and sid >= 0):
            sid += 1
            last_raw = r
        sent.append(sid)
    sent_first = [0] * (sid + 1)
    sent_last = [0] * (sid + 1)
    for i in range(n - 1, -1, -1):
        sent_first[sent[i]] = i
    for i in range(n):
        sent_last[sent[i]] = i
    para_start = [
        sid_ == 0 or "\n" in text[ends[sent_first[sid_] - 1] : starts[sent_first[sid_]]]
        for sid_ in range(sid + 1)
    ]
    pairs = match_quote_marks(text, marks)
    mark = [""] * n
    diff = [0] * (n + 1)
    for o, c in pairs:
        i = bisect.bisect_left(starts, o)
        j = bisect.bisect_left(starts, c)
        if i < n and starts[i] == o:
            mark[i] = "open"
        if j < n and starts[j] == c:
            mark[j] = "close"
        diff[i] += 1
        diff[min(j + 1, n)] -= 1
    depth = []
    level = 0
    for i in range(n):
        level += diff[i]
        depth.append(level)
    clause: list[int] = []
    cid = 0
    for i in range(n):
        if i and (
            sent[i] != sent[i - 1] or words[i - 1] in _CLAUSE_PUNCT or mark[i] or mark[i - 1]
        ):
            cid += 1
        clause.append(cid)
    clause_first = [0] * (cid + 1)
    clause_last = [0] * (cid + 1)
    for i in range(n - 1, -1, -1):
        clause_first[clause[i]] = i
    for i in range(n):
        clause_last[clause[i]] = i
    return Analysis(
        text,
        starts,
        ends,
        words,
        lower,
        sent,
        sent_first,
        sent_last,
        para_start,
        clause,
        clause_first,
        clause_last,
        depth,
        mark,
        pairs,
    )


def is_sentence_end(word: str) -> bool:
    """Whether a token ends a sentence."""
    return word in _SENT_END
