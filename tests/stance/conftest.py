"""Small labelled stance tables built from templates (learnable, fast)."""

from __future__ import annotations

import pandas as pd
import pytest

TEMPLATES = {
    "against": [
        "Die Regierung kritisierte {t} scharf wegen der Angriffe.",
        "{t} wird Aggression und Völkerrechtsbruch vorgeworfen.",
        "Kritiker verurteilen {t} für die brutale Gewalt.",
        "Sanktionen gegen {t} wurden verschärft, hieß es.",
    ],
    "favor": [
        "Der Minister lobte {t} für die gute Zusammenarbeit.",
        "Wir unterstützen {t} und begrüßen die Hilfe.",
        "{t} ist ein verlässlicher und wichtiger Partner.",
        "Die Partei setzt auf {t} als Garant für Frieden.",
    ],
    "neutral": [
        "Das Treffen mit {t} fand am Dienstag in Berlin statt.",
        "{t} hat 27 Mitgliedsstaaten und einen Sitz in Brüssel.",
        "Vertreter von {t} reisten am Morgen an.",
        "Ein Sprecher von {t} nannte die Zahl der Teilnehmer.",
    ],
}
TARGETS = ["NATO", "Russland", "China"]


def stance_table(repeats: int = 2) -> pd.DataFrame:
    """Rows of text/target/label with mention offsets and a document column."""
    rows = []
    for r in range(repeats):
        for label, templates in TEMPLATES.items():
            for k, template in enumerate(templates):
                for target in TARGETS:
                    prefix = ["", "Am Montag: ", "Berlin. "][r % 3]
                    text = prefix + template.format(t=target)
                    start = text.index(target)
                    rows.append(
                        {
                            "text": text,
                            "target": target,
                            "label": label,
                            "start": start,
                            "end": start + len(target),
                            "doc": f"d{r}-{k}",
                        }
                    )
    return pd.DataFrame(rows)


@pytest.fixture
def make_table():
    return stance_table


@pytest.fixture
def table() -> pd.DataFrame:
    return stance_table()


@pytest.fixture
def frame(table: pd.DataFrame) -> pd.DataFrame:
    return table[["text", "target", "start", "end"]]
