"""Item 13 of issue #12: the zh_CN catalog keeps to docs/glossary.md, one word for one thing; one
English word with two meanings is told apart by context (pgettext)."""

from __future__ import annotations

import re
from pathlib import Path

from pos_tui.i18n import _, pgettext, using_language
from pos_tui.locale import build

ROOT = Path(__file__).resolve().parents[1]
ZH_PO = build.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "pos_tui.po"
ROW = re.compile(r"^\| (?P<en>[^|]+?) \| (?P<zh>[^|]+?) \| (?P<avoid>[^|]*?) ?\|$")
CONTEXT = re.compile(r"^(?P<term>.+?) \[(?P<context>.+)\]$")
NOTE = re.compile(r" \(the payment method\)$")


def glossary() -> list[tuple[str, str | None, str, list[str]]]:
    rows = []
    for line in (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if not match or match["en"] in ("English", "---"):
            continue
        english, context = NOTE.sub("", match["en"]), None
        has_context = CONTEXT.match(english)
        if has_context:
            english, context = has_context["term"], has_context["context"]
        rows.append((english, context, match["zh"], [w.strip() for w in match["avoid"].split(",") if w.strip()]))
    return rows


def entries() -> list[build.Entry]:
    return build.parse_po(ZH_PO.read_text(encoding="utf-8"), str(ZH_PO))


def test_the_glossary_has_the_lanes_main_words():
    terms = {english for english, *_ in glossary()}
    assert {"Balance", "Change", "Cash rounding", "Price check", "Card", "card", "Payments", "Wallet"} <= terms


def test_every_glossary_term_is_translated_as_the_glossary_says():
    by_key = {entry.key: entry for entry in entries()}
    for english, context, chinese, _avoid in glossary():
        key = english if context is None else f"{context}{build.CONTEXT_SEPARATOR}{english}"
        entry = by_key.get((key, None))
        assert entry is not None, f"{english!r} ({context}) is not in the catalog"
        assert entry.msgstr == (chinese,), f"{english!r}: {entry.msgstr[0]!r}, the glossary says {chinese!r}"


def test_no_translation_uses_a_word_the_glossary_rules_out():
    avoided = {word for *_rest, avoid in glossary() for word in avoid}
    assert avoided
    for entry in entries():
        for form in entry.msgstr:
            for word in avoided:
                assert word not in form, f"{entry.msgid!r} -> {form!r} uses {word!r}"


def test_one_english_word_two_meanings_two_translations():
    with using_language("zh_CN"):
        assert pgettext("receipt: the card number's row", "Card") == "卡号"
        assert _("card") == "银行卡"
        assert pgettext("payment screen: the tenders taken so far", "Payments") == "已收款"
        assert _("Payments") != "已收款"  # the report's section keeps its own word


def test_a_chinese_message_never_starts_a_line_with_punctuation():
    from pos_tui.tui.widgets.message_line import NO_LINE_START, message_lines

    for entry in entries():
        for form in entry.msgstr:
            for width in (60, 78):
                for line in message_lines(form * 3, width)[1:]:
                    assert line[:1] not in NO_LINE_START, (form, line)
