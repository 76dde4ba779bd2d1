"""The smallest terminal the lane is drawn on. Below it, no half screen that hides the total or cuts an
amount: every lane screen and box says plainly that the terminal is too small and what it needs.
The entry line stays, so a scan is never lost while the window is being made bigger. At the minimum
and above, the total and the keys to pay are always in view (the totals bar and the key line give up
other figures and keys first).
"""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget

from pos_tui.i18n import _

MIN_WIDTH = 60
MIN_HEIGHT = 16
TOO_SMALL = "-too-small"

# For a lane screen and for a box: everything but the notice (and the entry line) goes while too small.
SCREEN_CSS = """
{screen}.-too-small > * {{ display: none; }}
{screen}.-too-small > TooSmall {{ display: block; }}
"""


def too_small(size: Size) -> bool:
    return size.width < MIN_WIDTH or size.height < MIN_HEIGHT


def fit(screen: Screen) -> None:
    """Show ``screen`` whole, or only the notice when the terminal is too small for it."""
    screen.set_class(too_small(screen.app.size), TOO_SMALL)


class TooSmall(Widget):
    """The notice: the terminal's size and the size the lane needs."""

    DEFAULT_CSS = """
    TooSmall {
        display: none;
        width: 1fr;
        height: 1fr;
        padding: 1 1;
        background: ansi_black;
        color: ansi_bright_white;
        text-style: bold;
    }
    """

    def render(self) -> Text:
        width, height = self.app.size
        return Text(_("The terminal is too small ({width}x{height}): the lane needs at least {min_width}x{min_height}. "
                      "Make the window bigger or the font smaller.").format(
            width=width, height=height, min_width=MIN_WIDTH, min_height=MIN_HEIGHT))
