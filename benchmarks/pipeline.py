"""Benchmark batch scoring: documents per second and peak memory of the full pipeline.

In one run on one machine: ``quotestance.scoring.score_documents`` (the engine of
``quotestance-score``) over 1,000, 10,000 and 100,000 German news articles (the shipped 10kGNAD
sample, 685 articles, repeated with their sentences rotated), reading JSONL and writing JSONL;
scaling with the number of worker processes; and sentence segmentation beside SoMaJo, pysbd and
syntok (boundary F1 on the gold sets of ``benchmarks/segmentation.py``, and speed on the news).

    python benchmarks/pipeline.py                          # fits a small model, all sizes
    python benchmarks/pipeline.py --sizes 1000 --model models:/quotestance@champion

Each scoring run is a separate process; memory is the peak, over the run, of the summed
resident (RSS) and proportional (PSS: shared pages split between processes) memory of that
process and its workers, sampled every 0.25 s. The Markdown goes to
``benchmarks/results/pipeline.md``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEWS = ROOT / "data" / "raw" / "news-de-10kgnad" / "articles.csv.gz"
DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "pipeline.md"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ„»\"])")


# ------------------------------------------------------------------------------ data


def read_news(path: Path = NEWS) -> list[str]:
    """The article texts of the 10kGNAD sample (``topic;text``, ``;``-separated, quotechar ')."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return [row[1] for row in csv.reader(f, delimiter=";", quotechar="'") if len(row) == 2]


def varied_articles(texts: Sequence[str], n: int) -> Iterator[tuple[str, str]]:
    """Yield ``n`` (id, text) pairs: the articles, then copies with their sentences rotated."""
    for number in range(n):
        copy, index = divmod(number, len(texts))
        text = texts[index]
        if copy:
            sentences = _SENTENCE_END.split(text)
            shift = copy % len(sentences)
            text = " ".join(sentences[shift:] + sentences[:shift])
        yield f"gnad-{copy:03d}-{index:03d}", text


def write_corpus(texts: Sequence[str], n: int, path: Path) -> Path:
    """Write ``n`` varied articles as JSONL input (``id``, ``text``)."""
    with path.open("w", encoding="utf-8") as f:
        for doc_id, text in varied_articles(texts, n):
            f.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")
    return path


# ------------------------------------------------------------------------------ model


def fit_small_model(folder: Path) -> tuple[str, str]:
    """Fit the pipeline as the tests' ``tiny_pipeline`` does (quote finder on 80 Wikinews
    documents, stance model on 1,200 corpus examples) and save it as a pyfunc model folder.
    """
    import mlflow
    import yaml
    from hydra.utils import instantiate
    from sklearn.linear_model import LogisticRegression

    from quotestance.actors import MentionFinder, actors_from_config
    from quotestance.data.stance_corpus import corpus_examples
    from quotestance.data.wikinews import read_wikinews
    from quotestance.pipeline import QuotestancePipeline
    from quotestance.pyfunc import PIPELINE_ARTIFACT, SIGNATURE, QuotestanceModel, save_pipeline
    from quotestance.stance import build_features, build_stance_model, fit_stance_model

    def conf(group: str, option: str) -> object:
        return instantiate(yaml.safe_load((ROOT / "conf" / group / f"{option}.yaml").read_text()))

    documents = read_wikinews(ROOT / "data/raw/quotes-de-wikinews/train.jsonl.gz")[:80]
    finder = conf("quotes", "de").fit(documents)  # type: ignore[attr-defined]
    rows = [json.loads(line) for line in (ROOT / "data/annotations/corpus.jsonl").open()]
    stance = build_stance_model(
        LogisticRegression(C=4.0, max_iter=1000, class_weight="balanced"), build_features(), cv=3
    )
    fit_stance_model(stance, corpus_examples(rows[:1200]))
    actors = actors_from_config(yaml.safe_load((ROOT / "conf/actors/default.yaml").read_text()))
    pipeline = QuotestancePipeline(
        conf("segmenter", "de"),  # type: ignore[arg-type]
        finder,
        MentionFinder(actors),
        stance,
    )
    path = save_pipeline(pipeline, folder / "pipeline.joblib")
    mlflow.pyfunc.save_model(
        str(folder / "model"),
        python_model=QuotestanceModel(),
        artifacts={PIPELINE_ARTIFACT: str(path)},
        signature=SIGNATURE,
        pip_requirements=["scikit-learn", "pandas", "mlflow"],
        model_config={"config_hash": "benchmark"},
    )
    return str(folder / "model"), (
        "small model fitted here like the tests' `tiny_pipeline` (quote finder on 80 Wikinews "
        "train documents, logistic-regression stance model on 1,200 corpus examples)"
    )


def resolve_model(uri: str) -> str:
    """A local folder for a model path or MLflow URI (the project's store)."""
    if Path(uri).exists():
        return uri
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{ROOT / 'experiments' / 'mlflow.db'}")
    mlflow.set_registry_uri(f"sqlite:///{ROOT / 'experiments' / 'mlflow.db'}")
    return str(mlflow.artifacts.download_artifacts(uri))


# ------------------------------------------------------------------------------ measuring


@dataclass(frozen=True)
class Run:
    """One scoring run: size, settings, time and peak memory of the process tree."""

    documents: int
    workers: int
    chunk_size: int
    seconds: float
    peak_rss_mb: float
    peak_pss_mb: float
    ok: int
    errors: int
    cpu_seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.documents / self.seconds

    @property
    def per_cpu_second(self) -> float:
        """Documents per CPU second of the whole process tree: what contention does not change."""
        return self.documents / self.cpu_seconds if self.cpu_seconds else 0.0


class _TreeMemory:
    """Sample the summed RSS and PSS of a process and its descendants in a thread, and the
    CPU time each of them used (the last sample of each process, so up to ``interval`` is lost
    per process).
    """

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        import psutil

        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak_rss = 0
        self.peak_pss = 0
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            rss = pss = 0
            try:
                tree = [self.process, *self.process.children(recursive=True)]
            except psutil.Error:
                break
            for proc in tree:
                try:
                    info = proc.memory_full_info()
                    times = proc.cpu_times()
                except psutil.Error:
                    continue
                self.cpu[proc.pid] = times.user + times.system
                rss += info.rss
                pss += getattr(info, "pss", info.rss)
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self._stop.wait(self.interval)

    def __enter__(self) -> _TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def measure(source: Path, model: str, workers: int, chunk_size: int, work: Path) -> Run:
    """Score ``source`` in a fresh process; return its throughput and peak memory."""
    output = work / f"scored-{source.stem}-w{workers}.jsonl"
    output.unlink(missing_ok=True)
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "score",
        str(source),
        model,
        str(output),
        str(workers),
        str(chunk_size),
    ]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    with _TreeMemory(process.pid) as memory:
        stdout, _ = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode:
        raise RuntimeError(f"scoring failed with status {process.returncode}")
    summary = json.loads(stdout.strip().splitlines()[-1])
    output.unlink(missing_ok=True)
    return Run(
        summary["documents"],
        workers,
        chunk_size,
        seconds,
        memory.peak_rss / 2**20,
        memory.peak_pss / 2**20,
        summary["ok"],
        summary["errors"],
        sum(memory.cpu.values()),
    )


def _score(source: str, model: str, output: str, workers: str, chunk_size: str) -> None:
    """The measured process: read, score and write, exactly as ``quotestance-score`` does."""
    from quotestance.io import read_documents
    from quotestance.records import ModelInfo
    from quotestance.scoring import score_documents

    summary = score_documents(
        read_documents(source, max_chars=1_000_000),
        model,
        Path(output),
        ModelInfo("benchmark", "", ""),
        workers=int(workers),
        chunk_size=int(chunk_size),
        max_chars=1_000_000,
    )
    print(json.dumps({"documents": summary.documents, "ok": summary.ok, "errors": summary.errors}))


def segmentation_on_news(
    texts: Sequence[str], budget_s: float = 60.0
) -> list[tuple[str, float, float, int]]:
    """Each segmenter of ``benchmarks/segmentation.py`` on the news: (tool, articles/s,
    sentences/s by its own count, sentences); a slow tool stops after ``budget_s`` seconds.
    """
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from segmentation import PEERS

    rows = []
    for name, make in PEERS.items():
        try:
            split = make()
        except ImportError:
            continue
        started = time.perf_counter()
        count = done = 0
        for text in texts:
            count += len(split(text))
            done += 1
            if time.perf_counter() - started > budget_s:
                name += f" (first {done} articles: {budget_s:.0f} s budget)"
                break
        seconds = time.perf_counter() - started
        rows.append((name, done / seconds, count / seconds, count))
    return rows


def segmentation_gold(repeats: int) -> str:
    """The boundary-F1 and speed table of ``benchmarks/segmentation.py`` (gold UD sets)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from segmentation import DEFAULT_DATA, run_benchmark

    _, table = run_benchmark(DEFAULT_DATA, repeats)
    return "\n".join(line for line in table.splitlines() if not line.startswith("# ")).strip()


# ------------------------------------------------------------------------------ report


def machine() -> str:
    """CPU model, cores, memory, OS and Python of this machine."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        model = found.group(1).strip() if found else model
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        found = re.search(r"MemTotal:\s*(\d+) kB", meminfo.read_text())
        memory = f", {int(found.group(1)) / 2**20:.0f} GiB RAM" if found else ""
    return (
        f"{model}, {os.cpu_count()} cores{memory}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


def _runs_table(runs: Sequence[Run]) -> list[str]:
    lines = [
        "| documents | workers | chunk | seconds | docs/s | CPU s | docs/CPU s "
        "| peak RSS (MB) | peak PSS (MB) | ok | errors |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        lines.append(
            f"| {r.documents:,} | {r.workers} | {r.chunk_size} | {r.seconds:,.1f} | "
            f"{r.per_second:,.1f} | {r.cpu_seconds:,.0f} | {r.per_cpu_second:,.1f} | "
            f"{r.peak_rss_mb:,.0f} | {r.peak_pss_mb:,.0f} | {r.ok:,} | {r.errors:,} |"
        )
    return lines


def report(
    sizes: Sequence[Run],
    scaling: Sequence[Run],
    news_segmentation: Sequence[tuple[str, float, float, int]],
    gold_segmentation: str,
    model: str,
    loads: tuple[str, str],
    mean_chars: float,
) -> str:
    """Render everything as Markdown."""
    lines = [
        "# Pipeline benchmark",
        "",
        f"- date: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- machine: {machine()}",
        f"- load average (1/5/15 min) at start: {loads[0]}; at end: {loads[1]} "
        "(a shared machine: other work running beside the benchmark slows it)",
        f"- model: {model}",
        f"- input: JSONL of 10kGNAD articles (685, mean {mean_chars:,.0f} characters), repeated "
        "with rotated sentences; output JSONL; `score_documents` in a fresh process per run",
        "- memory: peak of the summed RSS / PSS of the scoring process and its workers; "
        "CPU s: user + system time of all of them (docs/CPU s does not depend on contention)",
        "",
        "## Full pipeline by corpus size",
        "",
        *_runs_table(sizes),
        "",
    ]
    if scaling:
        base = next((r for r in scaling if r.workers == 1), scaling[0])
        lines += [
            "## Scaling with workers",
            "",
            "workers 0 = in the scoring process itself (no pool).",
            "",
            *_runs_table(scaling),
            "",
            "Speed-up over 1 worker: "
            + ", ".join(f"{r.workers}: {r.per_second / base.per_second:.2f}x" for r in scaling),
            "",
        ]
    if news_segmentation:
        lines += [
            "## Sentence segmentation on the news (speed)",
            "",
            "The 685 articles, one pass, single process; sentences counted by each tool.",
            "",
            "| tool | articles/s | sentences/s | sentences |",
            "|---|---:|---:|---:|",
            *(f"| {t} | {a:,.1f} | {s:,.0f} | {n:,} |" for t, a, s, n in news_segmentation),
            "",
        ]
    if gold_segmentation:
        lines += [
            "## Sentence segmentation: boundary F1 and speed on the gold sets",
            "",
            "From `benchmarks/segmentation.py`, run in this benchmark on this machine.",
            "",
            gold_segmentation,
        ]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the arguments, run every measurement, print and write the Markdown."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["score"]:
        _score(*argv[1:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10_000, 100_000])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--scaling", type=int, nargs="*", default=[0, 1, 2, 4])
    parser.add_argument("--scaling-documents", type=int, default=1000)
    parser.add_argument("--chunk-size", type=int, default=64)
    parser.add_argument("--model", help="model folder or MLflow URI (default: fit a small one)")
    parser.add_argument("--no-segmentation", action="store_true")
    parser.add_argument("--repeats", type=int, default=1, help="timed passes, gold segmentation")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    load_start = _load()
    texts = read_news()
    mean_chars = sum(map(len, texts)) / len(texts)
    sizes: list[Run] = []
    scaling: list[Run] = []
    news: list[tuple[str, float, float, int]] = []
    gold = ""
    about = ""

    def write() -> str:  # after every step, so a long run cut short still reports
        table = report(sizes, scaling, news, gold, about, (load_start, _load()), mean_chars)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(table, encoding="utf-8")
        return table

    with tempfile.TemporaryDirectory(prefix="quotestance-bench-") as tmp:
        work = Path(tmp)
        if args.model:
            model, about = resolve_model(args.model), f"`{args.model}`"
        else:
            model, about = fit_small_model(work)
        # the largest size last: it takes longest
        for n in sorted(args.sizes)[:-1]:
            _measure_size(texts, n, model, args, work, sizes)
            write()
        if args.scaling:
            source = write_corpus(texts, args.scaling_documents, work / "news-scaling.jsonl")
            for workers in args.scaling:
                scaling.append(measure(source, model, workers, args.chunk_size, work))
                print(_runs_table(scaling)[-1], flush=True)
                write()
        if not args.no_segmentation:
            news = segmentation_on_news(texts)
            gold = segmentation_gold(args.repeats)
            write()
        if args.sizes:
            _measure_size(texts, max(args.sizes), model, args, work, sizes)
    print(write())


def _measure_size(
    texts: Sequence[str], n: int, model: str, args: argparse.Namespace, work: Path, runs: list[Run]
) -> None:
    source = write_corpus(texts, n, work / f"news-{n}.jsonl")
    runs.append(measure(source, model, args.workers, args.chunk_size, work))
    print(_runs_table(runs)[-1], flush=True)
    source.unlink()


if __name__ == "__main__":
    main()
