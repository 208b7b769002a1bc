"""The prepare stage on the project's raw data (record counts, exact records) and its entry point."""

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from quotestance.cli import CONFIG_DIR, PROJECT_ROOT, register_resolvers
from quotestance.cli.prepare import prepare_from_config
from quotestance.data.prepare import PREPARERS, SOURCES, SplitConfig, prepare
from quotestance.data.raw import verify_raw
from quotestance.data.splits import SplitChangedError

RAW = PROJECT_ROOT / "data" / "raw"
SPLITS = PROJECT_ROOT / "data" / "splits"
SPLIT = SplitConfig(seed="quotestance-splits-v1")


def compose_prepare(*overrides):
    register_resolvers()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return compose("prepare", overrides=list(overrides), return_hydra_config=True)


def lines(path):
    return [json.loads(line) for line in Path(path).open(encoding="utf-8")]


def run_source(source, tmp_path):
    cfg = compose_prepare(f"source={source}")
    inputs = _container(cfg.source.inputs)
    return prepare(source, inputs, tmp_path / source, SPLITS / f"{source}.json", SPLIT)


def test_raw_data_unchanged():
    assert verify_raw(RAW) == []


def test_gerntsa(tmp_path):
    stats = run_source("gerntsa", tmp_path)
    assert {name: stats[name]["examples"] for name in ("train", "dev", "test")} == {
        "train": 2692,
        "dev": 537,
        "test": 561,
    }
    assert {name: stats[name]["documents"] for name in ("train", "dev", "test")} == {
        "train": 2579,
        "dev": 516,
        "test": 536,
    }
    assert stats["dropped_conflicting_duplicates"] == ["63151ec21753c5bb4034f028"]
    assert lines(tmp_path / "gerntsa" / "train.jsonl")[0] == {
        "text": 'Man sei laut Instagram dabei, "neue Systeme" zu entwickeln, die hier in Zukunft '
        "sicherstellen, dass man keine falschen Angaben macht.. Bereits im März wurde in der App ein "
        "Feature ergänzt, das verhindert, dass Erwachsene Minderjährigen folgen können, sofern diese "
        "nicht zurückfolgen.",
        "target": "Instagram",
        "mention": {"start": 13, "end": 22, "text": "Instagram"},
        "label": "favor",
        "group": "63151ec21753c5bb4034f3dc",
        "holder": "author",
        "source": "gerntsa-proxy",
    }


def test_newsmtsc(tmp_path):
    stats = run_source("newsmtsc", tmp_path)
    counts = {name: stats[name]["examples"] for name in stats if "/" in name}
    assert counts == {
        "rw/train": 8739,
        "rw/dev": 343,
        "rw/test": 803,
        "mt/train": 8739,
        "mt/dev": 442,
        "mt/test": 1034,
    }
    assert stats["rw/test"]["labels"] == {"against": 295, "favor": 189, "neutral": 319}
    assert lines(tmp_path / "newsmtsc" / "rw" / "test.jsonl")[0] == {
        "text": "Though we do not know what other items Seth may have had in his possession, his "
        "watch, phone, wallet and necklace were not stolen.",
        "target": "Seth",
        "mention": {"start": 39, "end": 43, "text": "Seth"},
        "label": "neutral",
        "group": "polusa_v1_4307505",
        "holder": "author",
        "source": "newsmtsc-proxy",
    }


def test_news(tmp_path):
    stats = run_source("news", tmp_path)
    assert stats == {
        "train": {"documents": 484},
        "dev": {"documents": 114},
        "test": {"documents": 87},
    }
    first = lines(tmp_path / "news" / "train.jsonl")[0]
    assert (first["doc_id"], first["source"]) == ("10kgnad-0000", "derstandard")
    assert first["text"].startswith("Franzosen verteidigen 2:1-Führung – Kritische Stimmen")


@pytest.mark.slow
def test_wikinews(tmp_path):
    stats = run_source("wikinews", tmp_path)
    assert stats == {
        "train": {"documents": 599, "sentences": 7844, "quotes": 2410},
        "dev": {"documents": 150, "sentences": 1960, "quotes": 653},
        "test": {"documents": 101, "sentences": 1416, "quotes": 467},
    }
    doc = lines(tmp_path / "wikinews" / "test.jsonl")[0]
    assert doc["doc_id"] == "1229 - Geiselnahme in Saudi-Arabien (2004-12-06)"
    assert (len(doc["sentences"]), len(doc["quotes"])) == (13, 6)
    assert doc["quotes"][0]["speaker"] == [
        {"start": 220, "end": 244, "text": "Die US Botschaft in Riad"}
    ]


def test_gepade(tmp_path):
    pytest.importorskip("quotestance.data.gepade", reason="the GePaDe reader is not written yet")
    stats = run_source("gepade", tmp_path)
    assert stats["dev"]["documents"] == 18  # published dev
    assert stats["train"]["documents"] + stats["test"]["documents"] == 132  # published train
    assert 0 < stats["test"]["documents"] < 40


def test_segmentation(tmp_path):
    stats = run_source("segmentation", tmp_path)
    assert stats == {
        "dev": {"documents": 80, "sentences": 799, "quotes": 0},
        "test": {"documents": 397, "sentences": 1000, "quotes": 0},
        "golden_rules": {"documents": 35, "sentences": 83, "quotes": 0},
    }
    rule = lines(tmp_path / "segmentation" / "golden_rules.jsonl")[0]
    assert [s["text"] for s in rule["sentences"]] == [
        "„Ich habe heute keine Zeit“, sagte die Frau und flüsterte leise: „Und auch keine Lust.“",
        "Wir haben 1.000.000 Euro.",
    ]


def test_stance_corpus(tmp_path):
    stats = run_source("stance_corpus", tmp_path)
    assert {
        name: (stats[name]["examples"], stats[name]["documents"])
        for name in ("train", "dev", "test")
    } == {
        "train": (3107, 1016),
        "dev": (835, 226),
        "test": (615, 195),
    }
    first = lines(tmp_path / "stance_corpus" / "train.jsonl")[0]
    assert first == {
        "text": "In Kanada ist kein Flughafen mit diesem Radar ausgestattet, in den USA hingegen "
        "gehört es zum Standard.",
        "target": "USA",
        "mention": {"start": 67, "end": 70, "text": "USA"},
        "label": "neutral",
        "group": "10057 - Ermittler erheben Vorwürfe gegen Air-France-Piloten (2005-08-06)",
        "holder": "author",
        "source": "wikinews",
    }


def test_unknown_source_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown source 'nope'"):
        prepare("nope", {}, tmp_path, tmp_path / "m.json", SPLIT)


# --- configuration and DVC stages ------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
def test_every_source_config_composes_and_is_wired_in_dvc(source):
    cfg = compose_prepare(f"source={source}")
    assert cfg.source.name == source and source in PREPARERS
    assert cfg.hydra.job.chdir is False
    assert Path(cfg.hydra.run.dir).is_relative_to(PROJECT_ROOT / "experiments" / "runs")
    assert Path(cfg.output_dir) == PROJECT_ROOT / "data" / "prepared" / source
    stage = yaml.safe_load((PROJECT_ROOT / "dvc.yaml").read_text())["stages"][f"prepare_{source}"]
    assert stage["cmd"] == f"quotestance-prepare source={source}"
    deps = [PROJECT_ROOT / dep for dep in stage["deps"]]
    assert PROJECT_ROOT / "conf" / "source" / f"{source}.yaml" in deps
    inputs = _container(cfg.source.inputs)
    for path in _leaves(inputs):
        assert any(Path(path) == dep or Path(path).is_relative_to(dep) for dep in deps), path
    outs = [next(iter(o)) if isinstance(o, dict) else o for o in stage["outs"]]
    assert f"data/prepared/{source}" in outs


def _container(node):
    return OmegaConf.to_container(node, resolve=True)


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    else:
        yield value


def test_paths_are_anchored_at_the_project_root(monkeypatch):
    cfg = compose_prepare()
    assert Path(cfg.paths.root) == PROJECT_ROOT
    assert cfg.paths.mlflow_uri == f"sqlite:///{PROJECT_ROOT}/experiments/mlflow.db"
    monkeypatch.setenv("QUOTESTANCE_ROOT", "/elsewhere")
    assert compose_prepare().paths.raw_dir == "/elsewhere/data/raw"


# --- the entry point on a tiny project in tmp_path --------------------------------------------

GERNTSA = [
    {
        "id": f"id{i}",
        "opinion_snippet": f"Satz {i} über die Nato.",
        "target": "Nato",
        "target_anchor": {"from": 15 + len(str(i)), "to": 19 + len(str(i))},
        "sentiment": {"polarity": ["negative", "neutral", "positive"][i % 3]},
    }
    for i in range(12)
]


def tiny_project(root):
    raw = root / "data" / "raw"
    (raw / "sentiment-de-gerntsa").mkdir(parents=True)
    with gzip.open(raw / "sentiment-de-gerntsa" / "GerNTSA.json.gz", "wt", encoding="utf-8") as f:
        json.dump(GERNTSA, f)
    (raw / "news-de-10kgnad").mkdir(parents=True)
    with gzip.open(raw / "news-de-10kgnad" / "articles.csv.gz", "wt", encoding="utf-8") as f:
        f.write("Sport;Tore.\nWeb;'Ein; Text'\nInland;Drei.\n")
    return root


def test_prepare_from_composed_config(tmp_path):
    root = tiny_project(tmp_path / "project")
    cfg = compose_prepare(
        "source=gerntsa", f"paths.root={root}", "split.ratios.test=0.5", "split.ratios.train=0.35"
    )
    stats = prepare_from_config(cfg)
    counts = {name: stats[name]["examples"] for name in ("train", "dev", "test")}
    assert sum(counts.values()) == 12
    for name, count in counts.items():
        assert len(lines(root / "data" / "prepared" / "gerntsa" / f"{name}.jsonl")) == count
    manifest = json.loads((root / "data" / "splits" / "gerntsa.json").read_text())
    assert manifest["ratios"] == {"test": 0.5, "dev": 0.15, "train": 0.35}
    # the same config again verifies the frozen manifest; another seed is refused
    prepare_from_config(cfg)
    with pytest.raises(SplitChangedError):
        prepare_from_config(compose_prepare("source=gerntsa", f"paths.root={root}", "split.seed=x"))


@pytest.mark.slow
def test_console_script_from_another_directory(tmp_path):
    root = tiny_project(tmp_path / "project")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = Path(sys.executable).parent / "quotestance-prepare"
    env = {**os.environ, "QUOTESTANCE_ROOT": str(root)}
    done = subprocess.run(
        [str(script), "source=news"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (
        len(lines(root / "data" / "prepared" / "news" / "train.jsonl"))
        + len(lines(root / "data" / "prepared" / "news" / "dev.jsonl"))
        + len(lines(root / "data" / "prepared" / "news" / "test.jsonl"))
        == 3
    )
    assert (root / "data" / "splits" / "news.json").is_file()
    runs = list((root / "experiments" / "runs" / "prepare" / "news").iterdir())
    assert len(runs) == 1 and (runs[0] / ".hydra" / "config.yaml").is_file()
    assert list(elsewhere.iterdir()) == []  # nothing written to the working directory
