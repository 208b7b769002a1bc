import gzip
import json

import pytest

from quotestance.data import schemas
from quotestance.data.news import parse_10kgnad
from quotestance.data.schemas import SchemaError, check, check_file, read_json_records, validate


def gerntsa_row(**changes):
    row = {
        "id": "a1",
        "opinion_snippet": "Die Nato warnt Russland.",
        "target": "Nato",
        "target_anchor": {"from": 4, "to": 8},
        "sentiment": {"polarity": "neutral"},
    }
    row.update(changes)
    return row


def corpus_row(**changes):
    row = {
        "id": "c1",
        "source": "10kgnad",
        "doc_id": "10kgnad-0001",
        "sentence": "Die Nato warnt Russland.",
        "start": 10,
        "end": 34,
        "actor": "NATO",
        "mention": "Nato",
        "label": "neutral",
        "holder": "author",
        "ambiguous": False,
        "annotator": "a",
    }
    row.update(changes)
    return row


def only_problem(records, schema, file="data/x.jsonl"):
    problems = validate(records, schema, file)
    assert len(problems) == 1, problems
    return problems[0]


def test_valid_records_have_no_problems():
    assert validate([gerntsa_row(), gerntsa_row(id="a2")], schemas.GERNTSA_RAW, "g.json") == []
    assert validate([corpus_row()], schemas.STANCE_CORPUS, "corpus.jsonl") == []


@pytest.mark.parametrize(
    ("records", "schema", "record", "field", "words"),
    [
        # wrong type
        (
            [gerntsa_row(), gerntsa_row(id="a2", target_anchor={"from": "4", "to": 8})],
            schemas.GERNTSA_RAW,
            "line 2 (id='a2')",
            "target_anchor.from",
            "wrong type",
        ),
        (
            [corpus_row(ambiguous="no")],
            schemas.STANCE_CORPUS,
            "line 1 (id='c1')",
            "ambiguous",
            "wrong type",
        ),
        (
            [corpus_row(start=True)],
            schemas.STANCE_CORPUS,
            "line 1 (id='c1')",
            "start",
            "wrong type",
        ),
        # missing column / field
        (
            [{k: v for k, v in corpus_row().items() if k != "holder"}],
            schemas.STANCE_CORPUS,
            "line 1 (id='c1')",
            "holder",
            "missing",
        ),
        # offsets outside the text
        (
            [gerntsa_row(target_anchor={"from": 20, "to": 99})],
            schemas.GERNTSA_RAW,
            "line 1 (id='a1')",
            "target_anchor.to",
            "outside 'opinion_snippet' (length 24)",
        ),
        (
            [gerntsa_row(target_anchor={"from": -1, "to": 3})],
            schemas.GERNTSA_RAW,
            "line 1 (id='a1')",
            "target_anchor.from",
            "outside",
        ),
        # text[start:end] != span text
        (
            [gerntsa_row(target_anchor={"from": 0, "to": 3})],
            schemas.GERNTSA_RAW,
            "line 1 (id='a1')",
            "target",
            "opinion_snippet[0:3] is 'Die', not 'Nato'",
        ),
        # label outside the label set
        (
            [gerntsa_row(sentiment={"polarity": "mixed"})],
            schemas.GERNTSA_RAW,
            "line 1 (id='a1')",
            "sentiment.polarity",
            "label 'mixed' not in",
        ),
        (
            [corpus_row(label="pro")],
            schemas.STANCE_CORPUS,
            "line 1 (id='c1')",
            "label",
            "label 'pro'",
        ),
        # duplicate id
        (
            [corpus_row(), corpus_row(label="favor")],
            schemas.STANCE_CORPUS,
            "line 2 (id='c1')",
            "id",
            "duplicate id 'c1' (first at line 1)",
        ),
        # corpus-specific: mention not in the sentence, sentence offsets of the wrong length
        (
            [corpus_row(mention="NATO")],
            schemas.STANCE_CORPUS,
            "line 1 (id='c1')",
            "mention",
            "does not occur",
        ),
        (
            [corpus_row(end=30)],
            schemas.STANCE_CORPUS,
            "line 1 (id='c1')",
            "end",
            "the sentence has 24",
        ),
    ],
)
def test_each_problem_names_file_record_and_field(records, schema, record, field, words):
    problem = only_problem(records, schema)
    assert (problem.file, problem.record, problem.field) == ("data/x.jsonl", record, field)
    assert words in problem.message
    with pytest.raises(SchemaError) as raised:
        check(records, schema, "data/x.jsonl")
    assert f"data/x.jsonl: {record}: field '{field}': " in str(raised.value)


def test_list_elements_are_named_by_index():
    row = {
        "primary_gid": "allsides_1_2_3_Joe Biden_0_5",
        "sentence_normalized": "Biden spoke.",
        "targets": [
            {"from": 0, "to": 5, "mention": "Biden", "polarity": 4.0},
            {"from": 0, "to": 5, "mention": "Biden", "polarity": 5.0},
            {"from": 6, "to": 40, "mention": "spoke", "polarity": 2.0},
        ],
    }
    problems = validate([row], schemas.NEWSMTSC_RAW, "rw/train.jsonl.gz")
    assert [(p.record, p.field) for p in problems] == [
        ("line 1 (primary_gid='allsides_1_2_3_Joe Biden_0_5')", "targets[1].polarity"),
        ("line 1 (primary_gid='allsides_1_2_3_Joe Biden_0_5')", "targets[2].to"),
    ]


def test_newsmtsc_id_format_is_checked():
    row = {"primary_gid": "nonsense", "sentence_normalized": "x", "targets": []}
    assert only_problem([row], schemas.NEWSMTSC_RAW).field == "primary_gid"


def test_prepared_stance_example_mention_may_be_null_but_must_fit():
    ok = {
        "text": "Nato",
        "target": "NATO",
        "mention": None,
        "label": None,
        "group": "d",
        "holder": "author",
        "source": "s",
    }
    assert validate([ok], schemas.STANCE_EXAMPLE, "f") == []
    bad = dict(ok, mention={"start": 0, "end": 4, "text": "NATO"})
    assert only_problem([bad], schemas.STANCE_EXAMPLE).field == "mention.text"


def test_annotated_document_nested_spans():
    doc = {
        "doc_id": "d",
        "text": "Er sagte: „Ja.“",
        "sentences": [{"id": 0, "start": 0, "end": 15, "text": "Er sagte: „Ja.“"}],
        "tokens": [],
        "quotes": [
            {"kind": "direct", "quote": [{"start": 11, "end": 14, "text": "Ja."}], "nested": False},
            {
                "kind": "rumour",
                "quote": [{"start": 11, "end": 14, "text": "Nein"}],
                "nested": False,
            },
        ],
    }
    problems = validate([doc], schemas.ANNOTATED_DOCUMENT, "f")
    assert {p.field for p in problems} == {"quotes[1].kind", "quotes[1].quote[0].text"}


def test_missing_csv_column_is_named(tmp_path):
    rows = parse_10kgnad("Sport;'Ein Text; mit Semikolon'\nWeb\n")
    assert rows[0] == {"topic": "Sport", "text": "Ein Text; mit Semikolon"}
    problem = only_problem(rows, schemas.TENKGNAD_RAW)
    assert (problem.record, problem.field, problem.message) == ("line 2", "text", "missing")


def test_read_json_records_numbers_lines_and_items(tmp_path):
    jsonl = tmp_path / "x.jsonl.gz"
    with gzip.open(jsonl, "wt") as f:
        f.write(
            json.dumps(corpus_row()) + "\n\n" + json.dumps(corpus_row(id="c2", label="x")) + "\n"
        )
    with pytest.raises(SchemaError, match=r"x.jsonl.gz: line 3 \(id='c2'\): field 'label'"):
        check_file(jsonl, schemas.STANCE_CORPUS)
    array = tmp_path / "g.json"
    array.write_text(json.dumps([gerntsa_row(), gerntsa_row(id=7)]))
    found = read_json_records(array)
    assert (found.unit, found.numbers) == ("item", [0, 1])
    with pytest.raises(SchemaError, match=r"g.json: item 1 \(id=7\): field 'id': wrong type"):
        check_file(array, schemas.GERNTSA_RAW)
    broken = tmp_path / "b.jsonl"
    broken.write_text('{"id": 1}\n{"id": \n')
    with pytest.raises(SchemaError, match=r"b.jsonl: line 2: field '\*'"):
        read_json_records(broken)


def test_many_problems_are_listed_up_to_a_limit():
    rows = [corpus_row(id=f"c{i}", label="x") for i in range(30)]
    with pytest.raises(SchemaError) as raised:
        check(rows, schemas.STANCE_CORPUS, "f")
    message = str(raised.value)
    assert message.count("\n") == schemas.MAX_LISTED
    assert message.endswith("... and 10 more")
