"""What a Chinese product name is typed as on a Latin keyboard: its pinyin, in full and as
initials (可口可乐 -> "kekoukele kkkl"), so F2 finds it by ``kekou`` or ``kkkl``.

Computed when a product is imported or edited, never while a cashier types: pypinyin and its
dictionaries load on first use (about half a second), and the key is stored beside the name.

pypinyin is loaded without its own phrase dictionary (44 MB of small objects); the same phrases
are kept compact (``pinyin_phrases``), and before a name is converted the ones that occur in it
are lent to pypinyin's dictionary and to a word splitter of ours, trained on the beginnings of
phrases that occur in it. The splitter only ever asks about pieces of the name, so every name
reads as with the whole dictionary: 银行 "yinhang", 重庆 "chongqing", 长城 "changcheng".

pypinyin reads each run of Chinese characters of a name on its own (the text between them has no
pinyin), so what a run reads as is kept (``CACHED_RUNS`` of them): a catalog repeats its brands and
words in name after name, and pypinyin costs ~0.2-0.5 ms a run.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import threading
from pathlib import Path
from typing import Any

_CJK = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
LENT_PHRASES = 4_000  # phrases lent to pypinyin at most; past it they are taken back, and lent again as needed
KNOWN_RUNS = 20_000  # runs of Chinese characters whose phrases are already lent (most names repeat words)
CACHED_RUNS = 20_000  # runs whose reading is kept (about 200 bytes each); past it the kept ones are let go
_HAS_CJK = re.compile("[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in _CJK) + "]")


def has_chinese(text: str) -> bool:
    return _HAS_CJK.search(text) is not None


def pinyin_key(name: str) -> str:
    """The name's Chinese characters as full pinyin, then their initials ("kekoukele kkkl");
    "" for a name without Chinese (it is found by its own letters)."""
    if not has_chinese(name):
        return ""
    full, initials = _converter().key_parts(name)
    if not full:
        return ""
    return full + " " + initials


class _Converter:
    """pypinyin's lazy_pinyin with the phrases each name needs lent to it just before."""

    def __init__(self) -> None:
        import pypinyin
        from pypinyin import constants
        from pypinyin.seg import mmseg

        from pos_tui.domain.pinyin_phrases import PhraseTable

        self._lazy_pinyin, self._mmseg = pypinyin.lazy_pinyin, mmseg
        # What pypinyin counts as a run of Chinese characters (its RE_HANS: "^(?:[...])+$"), to find
        # a name's runs in one pass; the rest of the name reads as nothing.
        chars = constants.RE_HANS.pattern
        if not (chars.startswith("^(?:[") and chars.endswith("])+$")):
            raise ImportError(f"unexpected pypinyin RE_HANS pattern: {chars[:40]!r}")
        self._runs = re.compile(chars[4:-3] + "+").findall
        self._read: dict[str, tuple[str, str]] = {}  # run -> (its full pinyin, its initials)
        self._lent: dict[str, Any] = constants.PHRASES_DICT  # pypinyin's own dictionary, read by its converter
        # Loaded with its phrases after all (pypinyin imported elsewhere first): nothing to lend.
        self._table = None if self._lent else PhraseTable.from_json(_phrases_file())
        self._lock = threading.Lock()
        if self._table is not None:
            self._forget()

    def _forget(self) -> None:
        self._lent.clear()
        self._splitter = self._mmseg.Seg(self._mmseg.PrefixSet(), no_non_phrases=True)
        self._known: set[str] = set()

    def key_parts(self, name: str) -> tuple[str, str]:
        """The name's full pinyin and its initials ("kekoukele", "kkkl"), each run read once."""
        runs = self._runs(name)
        read = self._read
        try:
            parts = [read[run] for run in runs]
        except KeyError:
            with self._lock:
                found = self._read_runs([run for run in dict.fromkeys(runs) if run not in read])
                parts = [found[run] if run in found else read[run] for run in runs]
                if len(read) + len(found) > CACHED_RUNS:
                    read.clear()
                read.update(found)
        if len(parts) == 1:
            return parts[0]
        return "".join(full for full, _ in parts), "".join(initials for _, initials in parts)

    def _read_runs(self, runs: list[str]) -> dict[str, tuple[str, str]]:
        if self._table is not None:
            self._lend(runs)
        found = {}
        for run in runs:
            if self._table is None:
                syllables = self._lazy_pinyin(run, errors=_dropped)
            else:
                # A list is taken as words already split: pypinyin reads each one whole.
                syllables = self._lazy_pinyin(self._splitter.cut(run), errors=_dropped)
            kept = [s.lower() for s in syllables if s and s.isascii()]
            found[run] = ("".join(kept), "".join(s[0] for s in kept))
        return found

    def _lend(self, runs: list[str]) -> None:
        """The phrases of every run of the name lent at once: taking some back for one run must not
        take back another's before the name is read."""
        found = {run: self._table.within(run) for run in runs if run not in self._known}
        if not found:
            return
        if (len(self._lent) + sum(len(phrases) for phrases, _ in found.values()) > LENT_PHRASES
                or len(self._known) + len(found) > KNOWN_RUNS):
            self._forget()
            found = {run: self._table.within(run) for run in runs}
        for run, (phrases, starts) in found.items():
            self._lent.update(phrases)
            self._splitter.train(starts)
            self._known.add(run)


def _dropped(_text: str) -> None:
    return None


_loaded: _Converter | None = None
_loading = threading.Lock()


def _converter() -> _Converter:
    global _loaded
    if _loaded is None:
        with _loading:
            if _loaded is None:
                _loaded = _Converter() if "pypinyin" in sys.modules else _without_phrases(_Converter)
    return _loaded


def _without_phrases(make: Any) -> Any:
    """``make()`` with pypinyin imported without its phrase dictionary (and without the copy of its
    character dictionary it makes for callers that change it: nothing here does)."""
    names = ("PYPINYIN_NO_PHRASES", "PYPINYIN_NO_DICT_COPY")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(dict.fromkeys(names, "1"))
    try:
        import pypinyin  # noqa: F401  (reads the two settings once, when first imported)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return make()


def _phrases_file() -> Path:
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("pypinyin is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "phrases_dict.json"
