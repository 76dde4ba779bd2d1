"""pypinyin's phrase dictionary, kept compact: which reading a polyphone takes in a word (银行 is
"yinhang", not "yinxing"; 重庆 "chongqing").

pypinyin loads its ~47,000 phrases as lists of lists of strings and trains its word splitter on
every prefix of them: about 44 MB of small objects, a third of what a 1,000,000-row import may use
in all. ``PhraseTable`` holds the same phrases and readings sorted in two strings with two offset
arrays (about 2 MB), and answers the two questions pypinyin's splitter asks of a piece of text:
is it a phrase (and how is it read), and is it the beginning of one.
"""

from __future__ import annotations

import bisect
import json
import re
from array import array
from collections.abc import Iterable
from pathlib import Path

_SPACE = re.compile(r"\s*")


class PhraseTable:
    """Phrases and their readings ("yín háng"; a syllable with several readings lists them with
    commas: "zhāo,cháo yáng"), sorted by phrase."""

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        rows = sorted(entries)
        self._phrases = "".join(phrase for phrase, _ in rows)
        self._readings = "".join(reading for _, reading in rows)
        self._phrase_at = array("I", [0])
        self._reading_at = array("I", [0])
        for phrase, reading in rows:
            self._phrase_at.append(self._phrase_at[-1] + len(phrase))
            self._reading_at.append(self._reading_at[-1] + len(reading))
        self._index = range(len(rows))
        # The rows of the phrases that begin with each character: a search looks among those only.
        self._first: dict[str, tuple[int, int]] = {}
        for i, (phrase, _) in enumerate(rows):
            low, _high = self._first.get(phrase[0], (i, i))
            self._first[phrase[0]] = (low, i + 1)
        self.longest = max((len(phrase) for phrase, _ in rows), default=0)

    def __len__(self) -> int:
        return len(self._index)

    @classmethod
    def from_json(cls, path: Path) -> PhraseTable:
        """pypinyin's ``phrases_dict.json`` (``{"银行": [["yín"], ["háng"]], ...}``), read entry by
        entry: its whole tree of lists is never built."""
        text = path.read_text("utf-8")
        decoder = json.JSONDecoder()

        def entries() -> Iterable[tuple[str, str]]:
            at = _SPACE.match(text, 0).end()
            if text[at:at + 1] != "{":
                raise ValueError(f"{path}: not a JSON object")
            at += 1
            while True:
                at = _SPACE.match(text, at).end()
                if text[at:at + 1] == "}":
                    return
                phrase, at = decoder.raw_decode(text, at)
                at = _SPACE.match(text, at).end()
                if text[at:at + 1] != ":":
                    raise ValueError(f"{path}: ':' expected at offset {at}")
                syllables, at = decoder.raw_decode(text, _SPACE.match(text, at + 1).end())
                yield phrase, " ".join(",".join(readings) for readings in syllables)
                at = _SPACE.match(text, at).end()
                if text[at:at + 1] == ",":
                    at += 1

        return cls(entries())

    def _phrase(self, i: int) -> str:
        return self._phrases[self._phrase_at[i]:self._phrase_at[i + 1]]

    def find(self, text: str) -> tuple[bool, str | None]:
        """(whether ``text`` begins some phrase, its readings if it is a phrase itself)."""
        rows = self._first.get(text[:1])
        if rows is None:
            return False, None
        if len(text) == 1:
            return True, None  # every phrase has two characters or more
        i = bisect.bisect_left(self._index, text, *rows, key=self._phrase)
        if i == rows[1]:
            return False, None
        phrase = self._phrase(i)
        if phrase == text:
            return True, self._readings[self._reading_at[i]:self._reading_at[i + 1]]
        return phrase.startswith(text), None

    def within(self, text: str) -> tuple[dict[str, list[list[str]]], list[str]]:
        """What pypinyin's splitter can ask about ``text`` (it only looks at pieces of it): the
        phrases in it, with their readings as pypinyin keeps them, and the pieces of it that begin
        a phrase."""
        phrases: dict[str, list[list[str]]] = {}
        starts: list[str] = []
        for start in range(len(text)):
            for end in range(start + 1, min(len(text), start + self.longest) + 1):
                piece = text[start:end]
                begins, readings = self.find(piece)
                if not begins:
                    break  # nothing longer from this start begins a phrase either
                starts.append(piece)
                if readings is not None:
                    phrases[piece] = [syllable.split(",") for syllable in readings.split(" ")]
        return phrases, starts
