"""Ctrl+C (SIGINT), Ctrl+\\ (SIGQUIT) and Ctrl+Z (SIGTSTP) never stop or suspend the lane.

Until Textual puts the terminal in raw mode (a quarter of a second after start), those keys are
signals, not keys; after that only another process can send them. ``cli.py`` imports this module
before anything else and, when the command runs the lane (``run``, ``demo``), ignores the three
signals from its first instruction on; Textual's driver, which sets its own SIGTSTP handler when it
starts, is overruled once the app is mounted (``keep_ignoring``). The lane is left with Ctrl+Q (a
supervisor's PIN in a kiosk), or SIGTERM from its service manager.

Standard library only: it runs before click, Textual or the store are imported.
"""

from __future__ import annotations

import signal
from collections.abc import Sequence
from pathlib import Path

LANE_COMMANDS = frozenset({"run", "demo"})
PROGRAMS = frozenset({"pos-tui", "__main__.py"})
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGQUIT", "SIGTSTP") if hasattr(signal, name))

_before: dict[int, object] | None = None  # the handlers the signals had, while they are ignored


def runs_the_lane(args: Sequence[str]) -> bool:
    """Whether the command line (without the program name) runs the lane: its command, after the
    group's own options, is ``run`` or ``demo``."""
    words = iter(args)
    for word in words:
        if word == "--config":
            next(words, None)
        elif not word.startswith("-"):
            return word in LANE_COMMANDS
    return False


def shield_if_lane(argv: Sequence[str]) -> None:
    """Ignore the stop signals now if ``argv`` (a process's whole command line) starts the lane."""
    if argv and Path(argv[0]).name in PROGRAMS and runs_the_lane(argv[1:]):
        ignore_stop_signals()


def ignore_stop_signals() -> None:
    """Ignore SIGINT, SIGQUIT and SIGTSTP (again, if they are already); ``restore`` undoes it."""
    global _before
    try:
        before = {number: signal.signal(number, signal.SIG_IGN) for number in STOP_SIGNALS}
    except ValueError:  # not the main thread: only the main thread may set handlers
        return
    if _before is None:
        _before = before


def keep_ignoring() -> None:
    """Ignore them again if the lane ignores them (a library may have set its own handler since)."""
    if _before is not None:
        ignore_stop_signals()


def restore() -> None:
    """Put back the handlers the signals had before ``ignore_stop_signals``."""
    global _before
    if _before is None:
        return
    for number, handler in _before.items():
        if handler is not None:  # None: a handler set outside Python, which cannot be put back
            signal.signal(number, handler)
    _before = None
