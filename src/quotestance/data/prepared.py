"""Load prepared JSON Lines outputs as Hugging Face ``datasets`` (local files only, never the hub)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def prepared_files(folder: str | Path) -> dict[str, str]:
    """Map split names to the ``*.jsonl`` files of a prepared folder (``rw/train`` for nested)."""
    folder = Path(folder)
    files = sorted(folder.rglob("*.jsonl"))
    if not files:
        raise FileNotFoundError(f"no prepared *.jsonl files under {folder}")
    return {path.relative_to(folder).with_suffix("").as_posix(): str(path) for path in files}


def load_prepared(
    path: str | Path | Mapping[str, str | Path], cache_dir: str | Path | None = None
) -> Any:
    """Load prepared records with ``datasets.load_dataset("json", ...)`` from local files.

    ``path`` is a prepared folder (every ``<split>.jsonl`` becomes a split), one ``.jsonl`` file
    (split ``train``), or a mapping of split name to file. Nothing is downloaded: the packaged
    JSON builder reads the files, ``local_files_only`` forbids any remote lookup, and the Arrow
    cache goes to ``cache_dir`` (use the project's ``data/work/hf_cache``, ``paths.hf_cache_dir``).
    Split names with ``/`` (NewsMTSC ``rw/train``) become ``rw_train``.
    """
    import datasets  # heavy: imported when used, not when quotestance.data is imported

    if isinstance(path, Mapping):
        files = {str(name): str(file) for name, file in path.items()}
    elif Path(path).is_dir():
        files = prepared_files(path)
    else:
        files = {"train": str(path)}
    files = {name.replace("/", "_"): file for name, file in files.items()}
    return datasets.load_dataset(
        "json",
        data_files=files,
        cache_dir=None if cache_dir is None else str(cache_dir),
        download_config=datasets.DownloadConfig(local_files_only=True),
    )
