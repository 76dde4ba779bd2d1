"""What a Chinese product name is typed as on a Latin keyboard: its pinyin, in full and as
initials (可口可乐 -> "kekoukele kkkl"), so F2 finds it by ``kekou`` or ``kkkl``.

Computed when a product is imported or edited, never while a cashier types: pypinyin and its
dictionaries load on first use (about half a second), and the key is stored beside the name.
"""

from __future__ import annotations

_CJK = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))


def has_chinese(text: str) -> bool:
    return any(low <= ord(char) <= high for char in text for low, high in _CJK)


def pinyin_key(name: str) -> str:
    """The name's Chinese characters as full pinyin, then their initials ("kekoukele kkkl");
    "" for a name without Chinese (it is found by its own letters)."""
    if not has_chinese(name):
        return ""
    from pypinyin import lazy_pinyin  # loaded on first use only

    syllables = [s.lower() for s in lazy_pinyin(name, errors=lambda _text: None) if s and s.isascii()]
    if not syllables:
        return ""
    return "".join(syllables) + " " + "".join(s[0] for s in syllables)
