"""Draw the (sentence, actor) candidates that annotators read for the German actor-stance corpus.

Every sentence of the sources that mentions an actor of ``conf/actors/extended.yaml`` becomes one
candidate per actor. Nothing here decides a label: the output has no label field. Run once; the
annotated result is committed under ``data/annotations/``.

    python scripts/sample_stance_candidates.py ../shared/data data/annotations/candidates.jsonl

Then the candidates are dealt into four first-pass batches (shuffled with seed 20261127, sorted by
document inside a batch so annotators read in context) and a second-pass sample of 12 % (seed 7)
that a fifth annotator labels without seeing the first pass.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml
from somajo import SoMaJo

from quotestance.actors import MentionFinder, actors_from_config

SEED_ARTICLE = "000_6649c5ff55181b67"


def _detokenize(tokens: list[str]) -> str:
    text = " ".join(tokens)
    for mark in (" ,", " .", " ;", " :", " !", " ?", " )", " “", " ’"):
        text = text.replace(mark, mark[1:])
    return text.replace("( ", "(").replace("„ ", "„")


def _documents(data: Path) -> Iterator[tuple[str, str, list[tuple[int, str]]]]:
    """Yield (source, doc_id, [(start, sentence)]) for every source document."""
    for split in ("train", "dev"):
        with gzip.open(data / "quotes-de-wikinews" / f"{split}.jsonl.gz", "rt") as f:
            for line in f:
                doc = json.loads(line)
                text = doc["originalText"]
                sents = [
                    (s["charBegin"], text[s["charBegin"] : s["charEnd"]].strip())
                    for s in doc["sentences"]
                ]
                yield "wikinews", doc["documentName"], sents
    for split in ("train", "dev"):
        with gzip.open(data / "speakers-de-bundestag" / f"{split}.jsonl.gz", "rt") as f:
            for line in f:
                doc = json.loads(line)
                sents, offset = [], 0
                for s in doc["Sentences"]:
                    sentence = _detokenize(s["Tokens"])
                    sents.append((offset, sentence))
                    offset += len(sentence) + 1
                yield "gepade", doc["_file"], sents
    with open(data / "sentiment-de-gerntsa" / "GerNTSA.json") as f:
        seen = set()
        for row in json.load(f):
            sentence = row["opinion_snippet"]
            if sentence not in seen:
                seen.add(sentence)
                yield "gerntsa", row["id"], [(0, sentence)]
    splitter = SoMaJo("de_CMC", split_camel_case=False)
    with gzip.open(data / "news-de-10kgnad" / "articles.csv.gz", "rt") as f:
        rows = list(csv.reader(io.StringIO(f.read()), delimiter=";", quotechar="'"))
    for number, (_topic, text) in enumerate(rows):
        sents, cursor = [], 0
        for tokens in splitter.tokenize_text([text]):
            words = [t.text for t in tokens]
            start = text.find(words[0], cursor)
            end = start
            for word in words:
                end = text.find(word, end) + len(word)
            sents.append((start, text[start:end]))
            cursor = end
        yield "10kgnad", f"10kgnad-{number:04d}", sents


def main(
    data: Path, out: Path, actors_file: Path = Path("conf/actors/extended.yaml"), cap: int = 0
) -> None:
    """Write one candidate per (sentence, actor) with the previous sentence as context.

    With ``cap`` > 0, an actor with more candidates keeps a random ``cap`` of them (seed 2).
    """
    finder = MentionFinder(actors_from_config(yaml.safe_load(actors_file.read_text())))
    records = []
    for source, doc_id, sentences in _documents(data):
        if SEED_ARTICLE in doc_id:
            continue
        previous = ""
        for start, sentence in sentences:
            mentioned: dict[str, list[str]] = {}
            for mention in finder.find(sentence):
                mentioned.setdefault(mention.actor, []).append(mention.text)
            for actor, mentions in mentioned.items():
                key = f"{source}|{doc_id}|{start}|{actor}"
                record = {
                    "id": hashlib.sha1(key.encode()).hexdigest()[:12],
                    "source": source,
                    "doc_id": doc_id,
                    "start": start,
                    "end": start + len(sentence),
                    "actor": actor,
                    "mention": mentions[0],
                    "sentence": sentence,
                    "context": previous,
                }
                records.append(record)
            previous = sentence
    if cap:
        by_actor: dict[str, list[dict]] = {}
        for record in records:
            by_actor.setdefault(record["actor"], []).append(record)
        keep = {
            id(r)
            for rows in by_actor.values()
            for r in (random.Random(2).sample(rows, cap) if len(rows) > cap else rows)
        }
        records = [r for r in records if id(r) in keep]
    with out.open("w") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"{len(records)} candidates -> {out}")


def write_batches(
    candidates: Path, folder: Path, batches: int = 4, second_share: float = 0.12
) -> None:
    """Deal the candidates into first-pass batches and draw the independent second-pass sample."""
    keys = ("id", "source", "actor", "mention", "context", "sentence")
    rows = [json.loads(line) for line in candidates.read_text().splitlines()]
    order = list(range(len(rows)))
    random.Random(20261127).shuffle(order)
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(batches):
        chosen = sorted(
            order[number::batches],
            key=lambda i: (rows[i]["source"], rows[i]["doc_id"], rows[i]["start"]),
        )
        with (folder / f"batch_{number + 1}.jsonl").open("w") as f:
            for i in chosen:
                f.write(json.dumps({k: rows[i][k] for k in keys}, ensure_ascii=False) + "\n")
    second = random.Random(7).sample(range(len(rows)), int(len(rows) * second_share) + 1)
    with (folder / "second_pass.jsonl").open("w") as f:
        for i in second:
            f.write(json.dumps({k: rows[i][k] for k in keys}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    # round 1: ... ../shared/data data/annotations/candidates.jsonl
    # round 2: ... ../shared/data data/annotations/candidates_round2.jsonl conf/actors/round2.yaml 400
    arguments = sys.argv[1:]
    candidates = Path(arguments[1])
    actors = Path(arguments[2]) if len(arguments) > 2 else Path("conf/actors/extended.yaml")
    main(Path(arguments[0]), candidates, actors, int(arguments[3]) if len(arguments) > 3 else 0)
    passes = candidates.parent / ("passes" if len(arguments) <= 2 else "passes_round2")
    write_batches(candidates, passes)
