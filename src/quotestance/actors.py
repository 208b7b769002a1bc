"""Actor definitions from configuration and the search for their mentions in text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from quotestance.records import Mention

_WORD = r"[\w\u00C0-\u024F]"


@dataclass(frozen=True)
class Actor:
    """An actor and the words that mention it (see ``conf/actors/``)."""

    name: str
    terms: tuple[str, ...] = ()
    stems: tuple[str, ...] = ()
    people: tuple[str, ...] = ()

    def pattern(self) -> re.Pattern[str]:
        """Compile one regex that matches any mention of this actor, longest first."""
        words = sorted({*self.terms, *self.people}, key=len, reverse=True)
        alternatives = [re.escape(w) + rf"(?:-{_WORD}+)*(?!{_WORD})" for w in words]
        alternatives += [
            re.escape(s) + rf"{_WORD}*(?:-{_WORD}+)*"
            for s in sorted(self.stems, key=len, reverse=True)
        ]
        return re.compile(rf"(?<!{_WORD})(?:{'|'.join(alternatives)})")


def actors_from_config(entries: Iterable[Mapping[str, object]]) -> tuple[Actor, ...]:
    """Build actors from the plain mappings of a Hydra ``actors`` config group."""
    actors = []
    for entry in entries:
        name = str(entry["name"])
        fields = {
            key: tuple(str(value) for value in entry.get(key) or ())  # type: ignore[attr-defined]
            for key in ("terms", "stems", "people")
        }
        actors.append(Actor(name=name, **fields))
    if len({a.name for a in actors}) != len(actors):
        raise ValueError("actor names must be unique")
    return tuple(actors)


class MentionFinder:
    """Finds non-overlapping actor mentions, preferring the longest match at each position."""

    def __init__(self, actors: Sequence[Actor]) -> None:
        self.actors = tuple(actors)
        self._patterns = [(actor.name, actor.pattern()) for actor in self.actors]

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[Mention]:
        """Return the mentions in ``text[start:end]`` with offsets into ``text``."""
        stop = len(text) if end is None else end
        found: list[Mention] = []
        for name, pattern in self._patterns:
            for match in pattern.finditer(text, start, stop):
                found.append(Mention(name, match.start(), match.end(), match.group()))
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        kept: list[Mention] = []
        for mention in found:
            if kept and mention.start < kept[-1].end:
                continue
            kept.append(mention)
        return kept
