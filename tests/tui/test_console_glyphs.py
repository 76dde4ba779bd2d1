"""Every lane and back-office screen and box (``screen_tour``), in both languages, draws only
characters the Linux console can show, so a kiosk on the plain VT (TERM=linux, 16 colours) never
shows a blank box or a diamond.

The allowed set, decided from the console fonts themselves (the Unicode tables of console-setup's
Lat15-*.psf and Uni2-*.psf, the fonts a Debian console loads, and the kernel's own cp437 font):

- printable ASCII, U+0020 to U+007E;
- the light box lines the theme's ``solid`` borders draw: ─ │ ┌ ┐ └ ┘ (tees, crosses, heavy and
  double lines are not used anywhere, so they are not allowed);
- the store's currency symbol (¥ for the demo's CNY; £ and € are in those fonts too);
- the ellipsis … (U+2026, in Lat15 and Uni2), which a cut message line and two progress messages use.

Chinese characters (CJK ideographs, CJK punctuation, full-width forms) are allowed only where a
CJK-capable terminal draws them (deploy/README.md: the ``pos-tui-cjk`` unit): on every screen in
zh_CN, and in English only inside the names the store configures: its own, its products' and its
departments' (data, not words of the program).
"""

from __future__ import annotations

import pytest

from pos_tui.demo import DEMO_SETTINGS
from pos_tui.domain.money import currency
from tests.tui.screen_tour import walk

ASCII = {chr(code) for code in range(0x20, 0x7F)}
BOX_LINES = set("─│┌┐└┘")
ELLIPSIS = "…"
CJK_RANGES = ((0x3000, 0x303F), (0x4E00, 0x9FFF), (0xFF00, 0xFFEF))
DEMO_NAMES = (DEMO_SETTINGS["store"]["name"], "可口可乐 330ml", "大米 5kg",
              *(department["name"] for department in DEMO_SETTINGS["departments"].values()))


def is_cjk(char: str) -> bool:
    return any(low <= ord(char) <= high for low, high in CJK_RANGES)


def allowed() -> set[str]:
    """The glyphs of any screen in any language (Chinese ones only as the demo's names)."""
    names = set("".join(DEMO_NAMES))
    return ASCII | BOX_LINES | {currency("CNY").symbol, ELLIPSIS} | names


@pytest.fixture(autouse=True)
def linux_console(monkeypatch):
    """The kiosk unit's terminal: TERM=linux, no truecolor."""
    monkeypatch.setenv("TERM", "linux")
    monkeypatch.delenv("COLORTERM", raising=False)


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_every_screen_draws_only_console_glyphs(language, tmp_path_factory):
    tour = walk(language, tmp_path_factory)
    assert len(tour.screens) >= 30  # the tour went everywhere, not one screen
    ok = allowed()
    for name, lines in tour.screens.items():
        for row, line in enumerate(lines):
            for char in line:
                if char in ok or (language == "zh_CN" and is_cjk(char)):
                    continue
                pytest.fail(f"{language} {name} row {row}: {char!r} (U+{ord(char):04X}) is not a console glyph: "
                            f"{line!r}")


def test_a_glyph_outside_the_set_is_caught():
    """The check itself: a scrollbar block or a heavy border would fail it."""
    ok = allowed()
    assert all(char in ok for char in "┌─ Sale ─┐│ ¥3.50 │")
    assert not {"█", "━", "╭", "▁", "•"} & ok
