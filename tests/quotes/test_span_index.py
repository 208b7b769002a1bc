"""The finder's span lookups agree with the plain scans they replace (on arbitrary spans)."""

from hypothesis import given
from hypothesis import strategies as st

from quotestance.quotes.finder import _overlapping, _Spans

spans = st.lists(
    st.tuples(st.integers(0, 60), st.integers(0, 20)).map(lambda p: (p[0], p[0] + p[1])),
    max_size=12,
)


@given(spans, st.integers(0, 80), st.integers(0, 20))
def test_where_is_the_scan_over_every_span(top: list[tuple[int, int]], oi: int, width: int) -> None:
    ci = oi + width
    if any(abs(i - oi) <= 1 and abs(j - ci) <= 1 for i, j in top):
        expected = "eq"
    elif any(i <= oi and ci <= j for i, j in top):
        expected = "in"
    else:
        expected = "out"
    assert _Spans(top).where(oi, ci) == expected


@given(spans, st.integers(0, 80))
def test_covers_is_the_scan_over_every_span(top: list[tuple[int, int]], t: int) -> None:
    assert _Spans(top).covers(t) == any(i <= t <= j for i, j in top)


@given(st.lists(st.integers(0, 5), min_size=1, max_size=15), st.integers(0, 60), st.integers(0, 20))
def test_overlapping_sentences_are_the_scan(gaps: list[int], start: int, width: int) -> None:
    sentences, position = [], 0
    for n, gap in enumerate(gaps):  # ordered, non-overlapping, possibly touching or empty
        sentences.append((position, position + gap, n))
        position += gap + (n % 2)
    end = start + width
    expected = tuple(n for s, e, n in sentences if s < end and start < e)
    assert _overlapping(sentences, [s for s, _, _ in sentences], start, end) == expected
