import pytest
import yaml

from quotestance.actors import Actor, MentionFinder, actors_from_config
from quotestance.cli import PROJECT_ROOT

ACTORS = actors_from_config(yaml.safe_load((PROJECT_ROOT / "conf/actors/default.yaml").read_text()))
FINDER = MentionFinder(ACTORS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Japan hat seine Beziehungen zur NATO intensiviert.", [("NATO", "NATO")]),
        ("Der Nato-Generalsekretär reiste nach Tokio.", [("NATO", "Nato-Generalsekretär")]),
        ("Russlands Aggression in Europa", [("Russia", "Russlands")]),
        ("die anhaltende russische Invasion", [("Russia", "russische")]),
        (
            "Der Kreml wies das zurück, Moskau schweigt.",
            [("Russia", "Kreml"), ("Russia", "Moskau")],
        ),
        (
            "Peking und die Volksrepublik China",
            [("China", "Peking"), ("China", "Volksrepublik China")],
        ),
        ("Stoltenberg sagte, Putin habe verloren.", [("NATO", "Stoltenberg"), ("Russia", "Putin")]),
        ("Chinatown und Natoma sind keine Akteure.", []),
        ("Die Russische Föderation", [("Russia", "Russische Föderation")]),
    ],
)
def test_mentions(text: str, expected: list[tuple[str, str]]) -> None:
    mentions = FINDER.find(text)
    assert [(m.actor, m.text) for m in mentions] == expected
    assert all(text[m.start : m.end] == m.text for m in mentions)


def test_window_offsets_index_the_whole_text() -> None:
    text = "Erst NATO. Dann Russland."
    (mention,) = FINDER.find(text, 11, len(text))
    assert text[mention.start : mention.end] == "Russland"


def test_adding_an_actor_is_config() -> None:
    finder = MentionFinder(
        actors_from_config([{"name": "Japan", "terms": ["Japan", "Tokio"], "stems": ["japanisch"]}])
    )
    found = finder.find("Der japanische Premier flog von Tokio nach Japan.")
    assert [m.text for m in found] == ["japanische", "Tokio", "Japan"]


def test_duplicate_actor_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        actors_from_config([{"name": "NATO"}, {"name": "NATO"}])


def test_actor_pattern_prefers_longest() -> None:
    actor = Actor("China", terms=("Xi", "Xi Jinping"))
    assert MentionFinder([actor]).find("Xi Jinping sprach.")[0].text == "Xi Jinping"
