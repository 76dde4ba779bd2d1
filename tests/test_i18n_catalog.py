"""The translation catalogs: the committed .mo is the compiled .po, every message the code asks for
(the screens included) has a translation with the same placeholders, and switching the language
changes messages built afterwards and can be undone."""

from __future__ import annotations

import gettext
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from pos_tui import i18n
from pos_tui.domain.checkout import Checkout, TransitionError
from pos_tui.i18n import _, current_language, ngettext, set_language, using_language
from pos_tui.locale import build

ZH_PO = build.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "pos_tui.po"


@pytest.fixture
def chinese():
    with using_language("zh_CN"):
        yield


def zh_entries() -> dict[tuple[str, str | None], build.Entry]:
    return {entry.key: entry for entry in build.parse_po(ZH_PO.read_text(encoding="utf-8"), str(ZH_PO))}


def test_the_committed_mo_files_are_compiled_from_their_po():
    catalogs = build.catalogs()
    assert ZH_PO in catalogs
    for po in catalogs:
        compiled = build.compile_mo(build.parse_po(po.read_text(encoding="utf-8"), str(po)))
        assert po.with_suffix(".mo").read_bytes() == compiled, f"{po} changed: run python -m pos_tui.locale.build"


def test_every_message_used_in_the_package_has_a_translation():
    uses = build.used_messages(build.python_files())
    assert len(uses) > 300  # the extractor sees the package, not an empty folder
    entries = zh_entries()
    missing = sorted(f"{use.where}: {use.msgid!r}" for use in uses
                     if use.key not in entries or not entries[use.key].translated)
    assert not missing, "untranslated messages:\n" + "\n".join(missing)


def test_translations_keep_every_placeholder_of_their_message():
    for entry in zh_entries().values():
        source = build.placeholders(entry.msgid) | build.placeholders(entry.msgid_plural or "")
        for form in entry.msgstr:
            assert build.placeholders(form) == source, f"{entry.msgid!r} -> {form!r}"


def test_the_extractor_finds_literal_messages_and_refuses_formatted_ones(tmp_path: Path):
    source = tmp_path / "module.py"
    source.write_text('x = _("Plain {name}")\ny = N_("Marked")\nz = ngettext("one", "many", n)\nw = _(dynamic)\n')
    assert [(u.msgid, u.msgid_plural) for u in build.used_messages([source])] == [
        ("Plain {name}", None), ("Marked", None), ("one", "many")]
    source.write_text('x = _(f"Added {name}")\n')
    with pytest.raises(build.CatalogError, match=r"module\.py:1: _\(\) of an f-string"):
        build.used_messages([source])


def test_compiled_catalogs_read_back_through_gettext_with_plurals_and_without_fuzzy_entries():
    po = '''msgid ""
msgstr "Content-Type: text/plain; charset=UTF-8\\nPlural-Forms: nplurals=2; plural=(n != 1);\\n"

msgid "Subtotal"
msgstr "小计"

#, fuzzy
msgid "Total"
msgstr "合计"

msgid "Untranslated"
msgstr ""

msgid "one {count}"
msgid_plural "many {count}"
msgstr[0] "一个 {count}"
msgstr[1] "多个 "
"{count}"
'''
    catalog = gettext.GNUTranslations(io.BytesIO(build.compile_mo(build.parse_po(po))))
    assert catalog.gettext("Subtotal") == "小计"
    assert catalog.gettext("Total") == "Total"
    assert catalog.gettext("Untranslated") == "Untranslated"
    assert [catalog.ngettext("one {count}", "many {count}", n) for n in (1, 2)] == ["一个 {count}", "多个 {count}"]


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
def test_the_compiler_writes_the_same_bytes_as_gnu_msgfmt(tmp_path: Path):
    reference = tmp_path / "reference.mo"
    subprocess.run(["msgfmt", "--no-hash", "-o", str(reference), str(ZH_PO)], check=True)
    assert ZH_PO.with_suffix(".mo").read_bytes() == reference.read_bytes()


@pytest.mark.parametrize("text, error", [
    ('msgid "a"\n', r"<po>:1: msgid 'a' has no msgstr"),
    ('msgid "a"\nmsgstr "b"\nbogus "c"\n', r"<po>:3: unknown keyword 'bogus'"),
    ('msgid "a"\nmsgstr b\n', r"<po>:2: expected a quoted string"),
    ('msgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr "c"\n', r"msgid 'a' appears twice"),
])
def test_a_broken_po_is_refused_naming_the_line(text, error):
    with pytest.raises(build.CatalogError, match=error):
        build.parse_po(text)


def test_missing_entries_are_printed_ready_to_translate(tmp_path: Path):
    po = tmp_path / "pos_tui.po"
    po.write_text('msgid "Known"\nmsgstr "已知"\n', encoding="utf-8")
    uses = [build.Use("Known", None, "pos_tui/a.py:1"), build.Use('New "one"', None, "pos_tui/b.py:7"),
            build.Use("{n} item", "{n} items", "pos_tui/b.py:9")]
    text = build.missing_entries(po, uses)
    assert text == ('#: pos_tui/b.py\nmsgid "New \\"one\\""\nmsgstr ""\n\n'
                    '#: pos_tui/b.py\nmsgid "{n} item"\nmsgid_plural "{n} items"\nmsgstr[0] ""\n\n')
    assert [entry.key for entry in build.parse_po(text)] == [('New "one"', None), ("{n} item", "{n} items")]


def test_english_is_the_default_and_needs_no_catalog():
    assert current_language() == "en"
    assert _("Subtotal") == "Subtotal"
    assert ngettext("Printed {count} receipt", "Printed {count} receipts", 2) == "Printed {count} receipts"


def test_messages_are_looked_up_when_they_are_built(chinese):
    assert _("Subtotal") == "小计"
    assert ngettext("Printed {count} receipt", "Printed {count} receipts", 2).format(count=2) == "已打印 2 张小票"
    with pytest.raises(TransitionError, match="^无法扫描：收银台已锁定$"):
        Checkout().scan()


def test_switching_language_is_undone_by_the_context_manager_even_on_error():
    with pytest.raises(RuntimeError), using_language("zh_CN"):
        assert current_language() == "zh_CN"
        raise RuntimeError("boom")
    assert current_language() == "en" and _("Subtotal") == "Subtotal"
    previous = set_language("zh_CN")
    try:
        assert previous == "en" and _("TOTAL") == "合计"
    finally:
        set_language(previous)
    assert _("TOTAL") == "TOTAL"


def test_an_unknown_language_is_refused_and_changes_nothing():
    with pytest.raises(i18n.LanguageError, match="language must be one of en, zh_CN, got 'fr'"):
        set_language("fr")
    assert current_language() == "en"
