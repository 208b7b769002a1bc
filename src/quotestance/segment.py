"""Rule-based sentence segmentation for German and English news text, with exact character offsets.

The segmenter scans the text with a few regular expressions and decides every candidate
boundary (a run of ``.!?…`` plus closing quotes and brackets, followed by whitespace) from the
token before it and the word after it:

* a line break ends a sentence (paragraphs, headlines without final punctuation), unless
  ``join_wrapped_lines`` is set and the break is a soft wrap: the line does not end in sentence
  punctuation and the next line starts in lower case, or the line ends in a word that cannot end
  a sentence (``continuation_words``: articles, prepositions, conjunctions);
* a candidate is a boundary only when the next word can start a sentence (an upper-case or
  uncased letter or a digit, possibly after opening quotes, brackets or a dialogue dash);
* ``?``, ``!``, ``…`` and a period after a closing quote or bracket always end the sentence there;
* a single period after a known abbreviation (also written in parts: ``z. B.``, ``u. a.``; or
  ending a compound: ``Goethestr.``), an initial, an acronym (``U.S.``), or, with ``ordinal_numbers``, a German ordinal (``am 27.
  November``, ``• 3. Seien Sie``) is no boundary, unless the abbreviation may end a sentence
  (``final_abbreviations``, initials, acronyms, ordinals) and the next word is one of the
  ``sentence_starters`` (``Die``, ``Er``, ``The``, ...);
* a trailing final line that looks like a source or agency tag (``agenturen/pclmedia``,
  ``(dpa)``, ``Quelle: ...``: any of ``source_tag_patterns``) is not a sentence.

All language resources are constructor arguments; ``conf/segmenter/<language>.yaml`` holds them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sklearn.base import BaseEstimator

from quotestance.records import Sentence

# Unicode punctuation classes shared by every language the segmenter supports (not resources):
# sentence-final marks, the quotation marks and closing brackets that may follow them, the
# opening marks a sentence may start with, and list bullets.
_TERMINALS = ".!?…‽⁇⁈⁉"
_QUOTES = "\"'«»‘’‚‛“”„‟‹›❛❜❝❞❮❯〝〞〟＂´`"
_CLOSERS = _QUOTES + ")]}⟩〉"
_OPENERS = _QUOTES + "([{⟨〈¿¡"
_BULLETS = "•·‣▪◦●○■□–—-*+>"
_LEADERS = frozenset(_BULLETS + _OPENERS)
# What may precede the first word of a sentence: opening marks and dialogue or list dashes.
_SENTENCE_OPENERS = frozenset(_OPENERS + "-–—")
_NUMBER_PREFIXES = _OPENERS + "-–—+±~≈#"
_T = re.escape(_TERMINALS)
_C = re.escape(_CLOSERS)
# A run of terminal marks and closers that ends a token: at least one terminal mark, never
# starting after another mark of the run (possessive quantifiers keep long runs linear).
_RUN = re.compile(rf"(?<![{_T}{_C}])[{_C}]*+[{_T}][{_T}{_C}]*+(?=\s|\Z)")
_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_LINE_BREAK_CHARS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
_ROMAN = re.compile(r"(?=[IVXLCDM]{2})M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
_MAX_TOKEN = 64
# Line-final marks after which a line break is never a soft wrap.
_LINE_FINAL = frozenset(_TERMINALS + ":;")


def _abbreviation_keys(entries: Sequence[str]) -> frozenset[str]:
    """Normalise ``"z. B."`` to ``"z.B"`` (inner spaces and the final period dropped)."""
    keys = ("".join(entry.split()).rstrip(".") for entry in entries)
    return frozenset(key for key in keys if key)


@dataclass(frozen=True)
class _Rules:
    """The compiled form of a segmenter's arguments."""

    abbreviations: frozenset[str]
    suffixes: tuple[str, ...]
    final_abbreviations: frozenset[str]
    starters: frozenset[str]
    months: frozenset[str]
    continuation_words: frozenset[str]
    ordinal_numbers: bool
    join_wrapped_lines: bool
    tag_patterns: tuple[re.Pattern[str], ...]
    tag_max_length: int


class Segmenter(BaseEstimator):
    """Split text into sentences with code-point offsets; see the module docstring for the rules.

    Parameters
    ----------
    language:
        ISO code of the language the resources are for (``"de"``, ``"en"``); informational.
    abbreviations:
        Abbreviations that never end a sentence, with or without the final period and inner
        spaces (``"Dr."``, ``"z. B."``).
    abbreviation_suffixes:
        Abbreviations that end compounds and never end a sentence (``"str."``: ``Goethestr.``).
    final_abbreviations:
        Abbreviations that may end a sentence (``"usw."``, ``"etc."``, ``"Mio."``): a boundary
        only when a ``sentence_starters`` word follows.
    sentence_starters:
        Capitalised words that almost only start sentences (articles, pronouns, conjunctions).
    months:
        Month names; ``<number>. <month>`` is a date, never a boundary.
    ordinal_numbers:
        Whether ``<number>.`` is an ordinal (German) rather than a number ending a sentence.
    continuation_words:
        Lower-case words that cannot end a sentence (used with ``join_wrapped_lines``).
    join_wrapped_lines:
        Treat a line break inside a sentence (soft wrap) as a space; otherwise every line break
        ends a sentence.
    source_tag_patterns:
        Regular expressions; a final line of at most ``source_tag_max_length`` characters that
        fully matches one of them is a source tag, not a sentence.
    source_tag_max_length:
        The longest final line that may be a source tag.

    """

    def __init__(
        self,
        language: str = "de",
        abbreviations: Sequence[str] = (),
        abbreviation_suffixes: Sequence[str] = (),
        final_abbreviations: Sequence[str] = (),
        sentence_starters: Sequence[str] = (),
        months: Sequence[str] = (),
        ordinal_numbers: bool = False,
        continuation_words: Sequence[str] = (),
        join_wrapped_lines: bool = False,
        source_tag_patterns: Sequence[str] = (),
        source_tag_max_length: int = 80,
    ) -> None:
        self.language = language
        self.abbreviations = abbreviations
        self.abbreviation_suffixes = abbreviation_suffixes
        self.final_abbreviations = final_abbreviations
        self.sentence_starters = sentence_starters
        self.months = months
        self.ordinal_numbers = ordinal_numbers
        self.continuation_words = continuation_words
        self.join_wrapped_lines = join_wrapped_lines
        self.source_tag_patterns = source_tag_patterns
        self.source_tag_max_length = source_tag_max_length

    def _params(self) -> tuple[object, ...]:
        return (
            self.abbreviations,
            self.abbreviation_suffixes,
            self.final_abbreviations,
            self.sentence_starters,
            self.months,
            self.ordinal_numbers,
            self.continuation_words,
            self.join_wrapped_lines,
            self.source_tag_patterns,
            self.source_tag_max_length,
        )

    def _rules(self) -> _Rules:
        # Compiled lazily and cached on the instance together with the argument objects it was
        # built from, so that ``set_params`` (scikit-learn) takes effect and ``__init__`` only
        # stores its arguments. Changing an argument list in place is not supported.
        params = self._params()
        cached = self.__dict__.get("_compiled")
        if cached is not None and all(a is b for a, b in zip(cached[0], params, strict=True)):
            rules: _Rules = cached[1]
            return rules
        final = _abbreviation_keys(self.final_abbreviations)
        rules = _Rules(
            abbreviations=_abbreviation_keys(self.abbreviations) - final,
            suffixes=tuple(_abbreviation_keys(self.abbreviation_suffixes)),
            final_abbreviations=final,
            starters=frozenset(self.sentence_starters),
            months=frozenset(self.months),
            continuation_words=frozenset(w.lower() for w in self.continuation_words),
            ordinal_numbers=bool(self.ordinal_numbers),
            join_wrapped_lines=bool(self.join_wrapped_lines),
            tag_patterns=tuple(re.compile(p) for p in self.source_tag_patterns),
            tag_max_length=int(self.source_tag_max_length),
        )
        self.__dict__["_compiled"] = (params, rules)
        return rules

    def __getstate__(self) -> dict[str, object]:
        state = dict(super().__getstate__())
        state.pop("_compiled", None)
        return state

    def segment(self, text: str) -> tuple[Sentence, ...]:
        """Return the sentences of ``text`` in order; whitespace-only text gives ``()``."""
        rules = self._rules()
        end = _content_end(text, rules)
        spans: list[tuple[int, int]] = []
        for block_start, block_end in _blocks(text, end, rules):
            _segment_block(text, block_start, block_end, rules, spans)
        return tuple(
            Sentence(i, start, stop, text[start:stop]) for i, (start, stop) in enumerate(spans)
        )


def _content_end(text: str, rules: _Rules) -> int:
    """Return where the content ends: before a trailing source-tag line, else the text end."""
    end = len(text.rstrip())
    if not rules.tag_patterns or end == 0:
        return end
    line_start = 1 + max(text.rfind(ch, 0, end) for ch in _LINE_BREAK_CHARS)
    if line_start == 0 or text[:line_start].isspace():
        return end  # the only line is content, never a tag
    line = text[line_start:end].strip()
    if len(line) <= rules.tag_max_length and any(p.fullmatch(line) for p in rules.tag_patterns):
        return line_start
    return end


def _blocks(text: str, end: int, rules: _Rules) -> list[tuple[int, int]]:
    """Split ``text[:end]`` at hard line breaks into blocks that sentences never cross."""
    blocks: list[tuple[int, int]] = []
    start = line_start = 0
    for match in _LINE_BREAK.finditer(text, 0, end):
        brk, after = match.span()
        soft = rules.join_wrapped_lines and _is_soft_wrap(text, line_start, brk, after, end, rules)
        line_start = after
        if not soft:
            blocks.append((start, brk))
            start = after
    blocks.append((start, end))
    return blocks


def _is_soft_wrap(
    text: str, line_start: int, brk: int, after: int, end: int, rules: _Rules
) -> bool:
    """Whether the line break at ``brk`` continues a sentence (a wrapped line)."""
    i = brk
    while i > line_start and text[i - 1].isspace():
        i -= 1
    if i == line_start or text[i - 1] in _LINE_FINAL or text[i - 1] in _CLOSERS:
        return False
    j = after
    while j < end and text[j].isspace() and text[j] not in _LINE_BREAK_CHARS:
        j += 1
    if j >= end or not text[j].isalpha():
        return False
    if text[j].islower():
        return True
    k = i
    while k > line_start and text[k - 1].isalpha():
        k -= 1
    return text[k:i].lower() in rules.continuation_words


def _segment_block(
    text: str, start: int, end: int, rules: _Rules, spans: list[tuple[int, int]]
) -> None:
    """Append the stripped sentence spans of ``text[start:end]`` to ``spans``."""
    sentence_start = start
    for run in _RUN.finditer(text, start, end):
        stop = run.end()
        if _is_boundary(text, run.start(), stop, sentence_start, start, end, rules):
            _append_stripped(text, sentence_start, stop, spans)
            sentence_start = stop
    _append_stripped(text, sentence_start, end, spans)


def _append_stripped(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))


def _is_boundary(
    text: str,
    run_start: int,
    run_end: int,
    sentence_start: int,
    block_start: int,
    block_end: int,
    rules: _Rules,
) -> bool:
    """Decide whether the terminal run ``text[run_start:run_end]`` ends a sentence."""
    nxt = run_end
    while nxt < block_end and text[nxt].isspace():
        nxt += 1
    if nxt >= block_end:
        return False  # the block end closes the sentence anyway
    k = nxt
    while k < block_end and text[k] in _SENTENCE_OPENERS:
        k += 1
    if k >= block_end:
        return False
    first = text[k]
    if not (first.isdigit() or (first.isalpha() and not first.islower())):
        return False
    run = text[run_start:run_end]
    if run[0] != "." or (len(run) > 1 and run[1] in _TERMINALS):
        return True  # ?, !, …, "..", or a mark after a closing quote or bracket
    if any(ch in _TERMINALS for ch in run[1:]):
        return True  # a period, closers, then another mark: "(... nicht!)." is handled above
    return not _period_continues(text, run_start, sentence_start, block_start, k, rules)


def _word_at(text: str, pos: int, end: int) -> str:
    stop = pos
    while stop < end and text[stop].isalpha():
        stop += 1
    return text[pos:stop]


def _token_before(text: str, pos: int, lower: int) -> tuple[int, str] | None:
    """Return the whitespace-delimited token ending at ``pos``, or None when it is too long."""
    floor = max(lower, pos - _MAX_TOKEN)
    i = pos
    while i > floor and not text[i - 1].isspace():
        i -= 1
    if i == floor and floor > lower and not text[floor - 1].isspace():
        return None
    return i, text[i:pos]


def _period_continues(
    text: str, period: int, sentence_start: int, block_start: int, next_pos: int, rules: _Rules
) -> bool:
    """Whether the period at ``period`` (followed by a capital or digit) is inside a sentence."""
    found = _token_before(text, period, block_start)
    if found is None:
        return False
    token_start, raw = found
    token = raw.lstrip(_OPENERS)
    if not token:
        return False
    next_word = _word_at(text, next_pos, len(text))
    starter = next_word in rules.starters
    # Abbreviations written in parts: "z. B.", "u. a.", "i. d. R." -> "z.B", "u.a", "i.d.R".
    for candidate_start, candidate in _abbreviation_candidates(
        text, token_start, token, block_start
    ):
        keys = [candidate]
        if candidate[0].isupper() and _at_sentence_start(text, sentence_start, candidate_start):
            keys.append(candidate[0].lower() + candidate[1:])  # "Vgl.", "Z. T." start a sentence
        for key in keys:
            if key in rules.abbreviations:
                return True
            if key in rules.final_abbreviations:
                return not starter
    if token.endswith(rules.suffixes) and token[0].isalpha():
        return True
    if rules.ordinal_numbers:
        number = token.lstrip(_NUMBER_PREFIXES)
        if number.isdecimal() or _ROMAN.fullmatch(number):
            if next_word in rules.months or text[next_pos].isdigit():
                return True
            if number.isdecimal() and _at_sentence_start(text, sentence_start, token_start):
                return True  # an enumeration: "1. Dies ist eine Liste."
            if starter:
                return False
            return len(number) <= 3 or not number.isdecimal()
    if len(token) == 1 and token.isalpha():
        return not starter  # an initial: "George W. Bush", "Karl A. Müller"
    if "." in token:
        parts = token.split(".")
        if all(part.isalpha() and len(part) <= 3 for part in parts):
            return not starter  # an acronym: "U.S.", "z.B.", "Ph.D."
    return False


def _at_sentence_start(text: str, sentence_start: int, pos: int) -> bool:
    """Whether only space, bullets and opening marks precede ``pos`` in its sentence."""
    while pos > sentence_start and (text[pos - 1].isspace() or text[pos - 1] in _LEADERS):
        pos -= 1
    return pos == sentence_start


def _abbreviation_candidates(
    text: str, token_start: int, token: str, block_start: int
) -> list[tuple[int, str]]:
    """Return the token, then the token joined with up to two preceding ``x.`` parts."""
    candidates = [(token_start, token)]
    joined = token
    pos = token_start
    for _ in range(2):
        j = pos
        while j > block_start and text[j - 1].isspace():
            j -= 1
        if j == pos or j <= block_start or text[j - 1] != ".":
            break
        found = _token_before(text, j, block_start)
        if found is None:
            break
        pos, part = found
        part = part.lstrip(_OPENERS)
        if not part or len(part) > 4 or not part[:-1].replace(".", "").isalpha():
            break
        joined = part + joined
        candidates.append((pos, joined))
    return candidates
