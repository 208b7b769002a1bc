import copy
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from mlflow.pyfunc import PythonModelContext

from contract import check_record
from quotestance.io import record_to_dict
from quotestance.pipeline import MODEL_FORMAT, QuotestancePipeline
from quotestance.pyfunc import PIPELINE_ARTIFACT, QuotestanceModel, save_pipeline, score_frame
from quotestance.records import Document


def test_sample_article_satisfies_the_contract(
    tiny_pipeline: QuotestancePipeline, sample_text: str
) -> None:
    record = record_to_dict(tiny_pipeline.process(Document("sample", sample_text)))
    check_record(record, sample_text)
    assert record["status"] == "ok"
    assert len(record["sentences"]) == 16
    assert not any("agenturen/pclmedia" in s["text"] for s in record["sentences"])


def test_one_sentence_stance_per_actor_and_sentence(
    tiny_pipeline: QuotestancePipeline, sample_text: str
) -> None:
    record = record_to_dict(tiny_pipeline.process(Document("sample", sample_text)))
    pairs = Counter(
        (s["unit_id"], s["actor"]) for s in record["stances"] if s["unit"] == "sentence"
    )
    assert pairs and set(pairs.values()) == {1}
    sentence_0 = {
        s["actor"] for s in record["stances"] if s["unit"] == "sentence" and s["unit_id"] == 0
    }
    assert sentence_0 == {"Russia", "China"}
    assert all(s["holder"] == "author" for s in record["stances"] if s["unit"] == "sentence")


def test_quote_stance_holder_is_the_speaker(
    tiny_pipeline: QuotestancePipeline, sample_text: str
) -> None:
    record = record_to_dict(tiny_pipeline.process(Document("sample", sample_text)))
    speakers = {q["id"]: (q["speaker"] or {}).get("name", "author") for q in record["quotes"]}
    quote_stances = [s for s in record["stances"] if s["unit"] == "quote"]
    assert quote_stances
    assert all(s["holder"] == speakers[s["unit_id"]] for s in quote_stances)


def test_bad_documents_become_error_records(tiny_pipeline: QuotestancePipeline) -> None:
    frame = pd.DataFrame(
        {
            "id": ["empty", "blank", "binary", "good", "good", "none"],
            "text": ["", "  \n\t", "abc\x00\x01\x02", "Die NATO tagte.", "Noch einmal.", None],
        }
    )
    records = [record_to_dict(r) for r in score_frame(tiny_pipeline, frame)]
    assert [r["doc_id"] for r in records] == ["empty", "blank", "binary", "good", "good", "none"]
    assert [r["status"] for r in records] == ["error", "error", "error", "ok", "error", "error"]
    assert "empty" in records[0]["error"]["message"]
    assert "binary" in records[2]["error"]["message"]
    assert "duplicate id 'good'" in records[4]["error"]["message"]
    assert "missing" in records[5]["error"]["message"]
    for record in records:
        check_record(record, None if record["status"] == "error" else "Die NATO tagte.")


def test_oversized_document_is_refused(tiny_pipeline: QuotestancePipeline) -> None:
    small = QuotestancePipeline(
        tiny_pipeline.segmenter,
        tiny_pipeline.quote_finder,
        tiny_pipeline.mention_finder,
        tiny_pipeline.stance_model,
        max_chars=10,
    )
    result = small.process(Document("big", "x" * 11))
    assert result.status == "error" and result.error is not None
    assert "limit of 10" in result.error.message


def test_a_batch_gives_the_records_of_one_document_at_a_time(
    tiny_pipeline: QuotestancePipeline, sample_text: str
) -> None:
    sentences = sample_text.split(". ")
    docs = [
        Document("whole", sample_text),
        Document("empty", "  "),
        Document("half", ". ".join(sentences[: len(sentences) // 2])),
        Document("no actors", "Es regnet in Berlin."),
        Document("again", sample_text),
    ]
    batch = tiny_pipeline.process_many(docs)
    assert batch == [tiny_pipeline.process(doc) for doc in docs]
    assert [r.status for r in batch] == ["ok", "error", "ok", "ok", "ok"]
    assert batch[0].stances and not batch[3].stances


def test_a_model_saved_in_another_format_is_refused_at_load(
    tiny_pipeline: QuotestancePipeline, tmp_path: Path
) -> None:
    older = copy.copy(tiny_pipeline)
    del older.model_format  # what a pipeline saved before the stamp looks like
    context = PythonModelContext({PIPELINE_ARTIFACT: str(save_pipeline(older, tmp_path / "p"))}, {})
    reads = rf"pipeline format 1; this quotestance reads format {MODEL_FORMAT}"
    with pytest.raises(ValueError, match=reads):
        QuotestanceModel().load_context(context)
    current = {PIPELINE_ARTIFACT: str(save_pipeline(tiny_pipeline, tmp_path / "q"))}
    model = QuotestanceModel()
    model.load_context(PythonModelContext(current, {}))
    assert model.pipeline.model_format == MODEL_FORMAT
