from quotestance.data.news import news_documents, parse_10kgnad
from quotestance.records import Document

CSV = "Sport;Tore fielen.\nWeb;'Er sagte: ''Ja''; dann ging er.'\nInland;Drei;Spalten\n"


def test_parse_quotechar_and_semicolons():
    rows = parse_10kgnad(CSV)
    assert rows[0] == {"topic": "Sport", "text": "Tore fielen."}
    assert rows[1]["text"] == "Er sagte: 'Ja'; dann ging er."
    assert rows[2]["extra"] == ["Spalten"]


def test_documents_are_numbered_like_the_stance_corpus():
    docs = news_documents(parse_10kgnad(CSV)[:2])
    assert docs == [
        Document("10kgnad-0000", "Tore fielen.", "derstandard"),
        Document("10kgnad-0001", "Er sagte: 'Ja'; dann ging er.", "derstandard"),
    ]
