"""The stance model's input: a frame (text, target, start, end), or a 2-D array in that order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import check_array

STANCE_COLUMNS: tuple[str, ...] = ("text", "target", "start", "end")
_DEFAULTS: dict[str, Any] = {"target": "", "start": -1, "end": -1}
# Words, numbers and single punctuation marks; hyphenated compounds stay one token.
TOKEN = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]", re.UNICODE)


def stance_frame(X: Any) -> pd.DataFrame:
    """Return ``X`` as a frame with the columns of ``STANCE_COLUMNS`` (a copy, never a view).

    A DataFrame must have the columns ``text``, ``target``, ``start`` and ``end`` (others are
    ignored). Any other 2-D array-like is read by position in that order; columns it lacks get
    their defaults (no target, mention unknown), so a one-column array is plain text, and
    columns after the fourth are not read. This array mode is what scikit-learn's estimator
    checks feed (numbers then become texts such as ``"0.5"``).
    """
    if isinstance(X, pd.DataFrame):
        missing = [c for c in STANCE_COLUMNS if c not in X.columns]
        if missing:
            raise ValueError(f"stance model input is missing column(s): {', '.join(missing)}")
        frame = X[list(STANCE_COLUMNS)].copy()
    else:
        array = check_array(
            X, dtype=None, ensure_all_finite=False, accept_sparse=False, ensure_min_features=1
        )
        frame = pd.DataFrame(
            {
                name: array[:, i] if i < array.shape[1] else _DEFAULTS[name]
                for i, name in enumerate(STANCE_COLUMNS)
            },
            index=range(array.shape[0]),
        )
    frame["text"] = ["" if _missing(t) else str(t) for t in frame["text"]]
    frame["target"] = ["" if _missing(t) else str(t) for t in frame["target"]]
    frame["start"] = [_offset(v) for v in frame["start"]]
    frame["end"] = [_offset(v) for v in frame["end"]]
    return frame.reset_index(drop=True)


def n_input_features(X: Any) -> int:
    """Return the number of input columns the estimator contract counts (4 for a frame)."""
    if isinstance(X, pd.DataFrame):
        return len(STANCE_COLUMNS)
    array = np.asarray(X, dtype=object)
    return int(array.shape[1]) if array.ndim == 2 else 0


def check_n_features(estimator: Any, X: Any) -> None:
    """Raise the estimator contract's error when ``X`` has another width than at fit."""
    n = n_input_features(X)
    if n != estimator.n_features_in_:
        raise ValueError(
            f"X has {n} features, but {type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features as input"
        )


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _offset(value: Any) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return -1
    return int(number) if number == number and abs(number) < 2**31 else -1


@dataclass(frozen=True)
class Tokenized:
    """A text's tokens with character spans, and the token range of the target mention.

    ``mention`` is ``(first, last + 1)``; ``None`` when the target is not located in the text.
    """

    tokens: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]
    mention: tuple[int, int] | None


def tokenize(text: str, target: str, start: int, end: int) -> Tokenized:
    """Tokenize ``text`` and locate the mention: by offsets, else by searching for ``target``."""
    matches = list(TOKEN.finditer(text))
    tokens = tuple(m.group() for m in matches)
    spans = tuple((m.start(), m.end()) for m in matches)
    if not (0 <= start < end <= len(text)) and target:
        found = re.search(rf"(?<!\w){re.escape(target)}", text, flags=re.IGNORECASE)
        start, end = (found.start(), found.end()) if found else (-1, -1)
    mention = None
    if 0 <= start < end <= len(text):
        inside = [i for i, (s, e) in enumerate(spans) if s < end and e > start]
        if inside:
            mention = (inside[0], inside[-1] + 1)
    return Tokenized(tokens, spans, mention)
