"""Item 8 of issue #12: no message is cut at 80 columns. The message line wraps onto up to three
lines; every message of the catalog, in English and in Chinese, fits them at 80 columns (78 cells
inside the line's padding), and the longest a cashier must act on shows whole on the lane."""

from __future__ import annotations

import string

import pytest

from pos_tui.locale import build
from pos_tui.tui.widgets.message_line import MAX_LINES, message_lines

ZH_PO = build.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "pos_tui.po"
SAMPLE = "ABCDEFGHIJ"  # what a placeholder stands for: a name, an amount, a reference (10 cells)
INSIDE = 78


def filled(text: str) -> str:
    names = [field for _literal, field, _spec, _conv in string.Formatter().parse(text) if field is not None]
    try:
        return text.format(**{name.split(".")[0].split("[")[0] or "0": SAMPLE for name in names})
    except (IndexError, KeyError, ValueError):
        return text


def every_message() -> list[tuple[str, str]]:
    entries = build.parse_po(ZH_PO.read_text(encoding="utf-8"), str(ZH_PO))
    out = []
    for entry in entries:
        if not entry.msgid:
            continue
        out.append(("en", entry.msgid))
        if entry.msgid_plural:
            out.append(("en", entry.msgid_plural))
        out += [("zh_CN", text) for text in entry.msgstr if text]
    return out


def test_every_message_fits_the_message_line_at_80_columns_in_both_languages():
    too_long = [(language, text) for language, text in every_message()
                if len(message_lines(filled(text), INSIDE)) > MAX_LINES]
    assert not too_long


def test_a_message_is_wrapped_never_cut_and_starts_with_a_capital():
    text = ("card outcome UNKNOWN (stopped waiting for the terminal: check its last ticket): a supervisor must "
            "resolve it")
    lines = message_lines(text, INSIDE)
    assert len(lines) == 2 and " ".join(lines) == "C" + text[1:]
    assert message_lines("须由主管核对终端最后一张小票" * 6, INSIDE)[1]  # Chinese wraps between characters


@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_the_lane_shows_a_card_outcome_unknown_whole_at_80x24(tmp_path, feed_terminal, settle, screen_lines,
                                                                    language):
    from pos_tui.demo import create_demo_store
    from pos_tui.domain.checkout import State
    from pos_tui.domain.payment import method_label
    from pos_tui.i18n import _, using_language
    from pos_tui.services.lane import Lane
    from pos_tui.store.db import close_database
    from pos_tui.tui.app import PosApp
    from pos_tui.tui.widgets.message_line import MessageLine

    with using_language(language):
        config = create_demo_store(tmp_path)
        try:
            app = PosApp(Lane(config))
            async with app.run_test(size=(80, 24)) as pilot:
                feed_terminal(app, "cashier\r1234\r")
                await settle(pilot, lambda: app.lane.state is State.IDLE)
                # What the lane says when the cashier stopped waiting for a Concert terminal.
                text = _("{method} outcome UNKNOWN ({reason}): a supervisor must check the terminal's last "
                         "ticket").format(method=method_label("card"),
                                          reason=_("stopped waiting for the terminal: check its last ticket"))
                app.say(text, error=True)
                wrapped = message_lines(text, INSIDE)
                assert len(wrapped) >= 2
                # The line grows on the layout pass after the text: wait for that pass, not a number of pauses.
                await settle(pilot, lambda: app.base_screen.query_one(MessageLine).size.height == len(wrapped))
                rows = screen_lines(app)
                assert app.base_screen.query_one(MessageLine).size.height == len(wrapped)
                shown = "".join("".join(rows).split())
                assert "".join(wrapped).replace(" ", "") in shown
                assert "…" not in "".join(rows)
                assert rows[-2].lstrip().startswith("F1")  # the key lines are still there
        finally:
            close_database()
