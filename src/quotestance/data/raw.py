"""The project's own copy of the raw datasets: copy (gzip where needed) and verify checksums.

Raw data are never edited. ``copy_raw`` repacks the shared datasets into ``data/raw/`` once and
writes ``SHA256SUMS``; ``verify_raw`` checks every listed file against it.

    python -m quotestance.data.raw ../shared/data data/raw
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import sys
from pathlib import Path

CHECKSUMS = "SHA256SUMS"

# Every raw file the project's default run needs, relative to the shared data folder.
# Plain files are gzipped on the way (except the seed article and licence/readme texts).
RAW_FILES: tuple[str, ...] = (
    "quotes-de-wikinews/train.jsonl.gz",
    "quotes-de-wikinews/dev.jsonl.gz",
    "speakers-de-bundestag/train.jsonl.gz",
    "speakers-de-bundestag/dev.jsonl.gz",
    "segmentation-de/de_pud-ud-test.conllu",
    "segmentation-de/de_gsd-ud-dev.conllu",
    "segmentation-de/german_golden_rules.jsonl",
    "segmentation-de/LICENSE_PUD.txt",
    "segmentation-de/GSD_LICENSE.txt",
    "segmentation-de/LICENSE_golden_rules.txt",
    "sentiment-de-gerntsa/GerNTSA.json",
    "sentiment-de-gerntsa/LICENSE",
    "sentiment-de-gerntsa/README.md",
    "sentiment-en-newsmtsc/rw/train.jsonl.gz",
    "sentiment-en-newsmtsc/rw/dev.jsonl.gz",
    "sentiment-en-newsmtsc/rw/test.jsonl.gz",
    "sentiment-en-newsmtsc/mt/train.jsonl.gz",
    "sentiment-en-newsmtsc/mt/dev.jsonl.gz",
    "sentiment-en-newsmtsc/mt/test.jsonl.gz",
    "sentiment-en-newsmtsc/LICENSE",
    "sentiment-en-newsmtsc/readme.md",
    "news-de-10kgnad/articles.csv.gz",
    "news-de-10kgnad/README.md",
    "seed/000_6649c5ff55181b67.txt",
)

# Sources shipped without a licence file get a notice next to the data (licence and attribution).
NOTICES: dict[str, str] = {
    "quotes-de-wikinews/NOTICE.md": (
        "German Wikinews quotation attribution dataset (train and dev; test kept back).\n\n"
        "Petersen-Frey, F. and Biemann, C. (2024): Dataset of Quotation Attribution in German\n"
        "News Articles. LREC-COLING 2024.\n"
        "https://github.com/uhh-lt/german-news-quotation-attribution-2024\n"
        "Texts from German Wikinews (https://de.wikinews.org).\n\n"
        "Licence: CC BY-NC-SA 4.0, https://creativecommons.org/licenses/by-nc-sa/4.0/\n"
        "Copied unchanged in content by quotestance (quotestance.data.raw).\n"
    ),
    "speakers-de-bundestag/NOTICE.md": (
        "GePaDe: German parliamentary debates (Bundestag 2017-2021) with speech events,\n"
        "SpkAtt-2023 shared task 1 (train and dev). https://github.com/umanlp/SpkAtt-2023\n\n"
        "Licence: CC BY-SA 4.0 (dataset datasheet), https://creativecommons.org/licenses/by-sa/4.0/\n"
        "Copied unchanged in content by quotestance (quotestance.data.raw).\n"
    ),
}

_KEEP_PLAIN = ("LICENSE", "README", "readme", "seed/")


def _keep_plain(name: str) -> bool:
    return name.endswith(".gz") or any(mark in name for mark in _KEEP_PLAIN)


def raw_name(name: str) -> str:
    """Return the path under ``data/raw`` that the shared file ``name`` is copied to."""
    return name if _keep_plain(name) else name + ".gz"


def sha256_file(path: Path) -> str:
    """Return the hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def copy_raw(shared_dir: Path, raw_dir: Path) -> list[Path]:
    """Copy ``RAW_FILES`` from ``shared_dir`` to ``raw_dir``; write notices and ``SHA256SUMS``."""
    written = []
    for name in RAW_FILES:
        source = shared_dir / name
        target = raw_dir / raw_name(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if _keep_plain(name):
            shutil.copyfile(source, target)
        else:
            # mtime=0 and no file name in the header: the same input always gives the same bytes.
            with (
                source.open("rb") as f_in,
                target.open("wb") as raw_out,
                gzip.GzipFile(filename="", mode="wb", fileobj=raw_out, mtime=0) as f_out,
            ):
                shutil.copyfileobj(f_in, f_out)
        written.append(target)
    for name, notice in NOTICES.items():
        target = raw_dir / name
        target.write_text(notice, encoding="utf-8")
        written.append(target)
    lines = [f"{sha256_file(path)}  {path.relative_to(raw_dir).as_posix()}" for path in written]
    (raw_dir / CHECKSUMS).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return written


def verify_raw(raw_dir: Path) -> list[str]:
    """Return one message per raw file that is missing or differs from ``SHA256SUMS``."""
    problems = []
    for line in (raw_dir / CHECKSUMS).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        expected, name = line.split(maxsplit=1)
        path = raw_dir / name
        if not path.is_file():
            problems.append(f"{path}: missing")
        elif sha256_file(path) != expected:
            problems.append(f"{path}: checksum differs from {CHECKSUMS} (raw data must not change)")
    return problems


def main() -> None:
    """Copy the shared datasets: ``python -m quotestance.data.raw SHARED_DATA RAW_DIR``."""
    written = copy_raw(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{len(written)} files -> {sys.argv[2]}")


if __name__ == "__main__":
    main()
