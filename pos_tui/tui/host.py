"""What the lane's screens and desks use of the app that shows them.

Screens never import the app: they reach it as ``LaneHost`` (``PosApp`` is the one), so the app
imports its screens and nothing imports the app back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from textual.screen import Screen

    from pos_tui.config import Config
    from pos_tui.domain.report import Report
    from pos_tui.services.lane import Lane, LaneView
    from pos_tui.services.views import ShiftRecord
    from pos_tui.tui.keymap import Keymap
    from pos_tui.tui.payment_run import PaymentRun

T = TypeVar("T")


class LaneHost(Protocol):
    config: Config
    keymap: Keymap
    lane: Lane  # None only while the lane opens, behind the sign-in screen
    view: LaneView | None
    shift: ShiftRecord | None
    payment: PaymentRun | None
    kiosk: bool
    device_states: dict[str, tuple[str, bool]]
    typed_after_sign_in: list[str]  # lines typed between a PIN's Enter and the items screen (LockScreen)

    @property
    def training(self) -> bool: ...

    # ------------------------------------------------------------------ screens and boxes

    @property
    def screen(self) -> Screen[Any]: ...

    @property
    def screen_stack(self) -> list[Screen[Any]]: ...

    def push_screen(self, screen: Screen[Any], callback: Callable[[Any], object] | None = None) -> Any: ...

    def pop_screen(self) -> Any: ...

    def show(self, view: LaneView) -> None: ...

    def say(self, text: str, *, error: bool = False) -> None: ...

    def say_after_box(self, text: str, *, error: bool = False) -> None: ...

    def quit_help(self) -> tuple[str, str]: ...

    # ------------------------------------------------------------------ intents

    def when_lane_open(self, then: Callable[[], object]) -> None: ...

    def run_intent(self, intent: Callable[..., LaneView], *args: Any, confirmable: bool = False,
                   approvable: bool = False, **kwargs: Any) -> bool: ...

    def call_lane(self, intent: Callable[..., T], *args: Any, then: Callable[[T], object], confirmable: bool = False,
                  approvable: bool = False, **kwargs: Any) -> bool: ...

    def ask_lane(self, intent: Callable[..., T], *args: Any) -> T | None: ...

    def refresh_shift(self) -> None: ...

    # ------------------------------------------------------------------ payments

    def start_card(self, amount_text: str) -> None: ...

    def start_wallet(self, amount_text: str) -> None: ...

    def start_payment(self, run: PaymentRun, call: Callable[[], object]) -> None: ...

    def report_progress(self, text: str) -> None: ...

    def cancel_payment(self) -> None: ...

    def open_resolution(self) -> None: ...

    # ------------------------------------------------------------------ receipts, drawer, reports

    def hold_entry(self, text: str) -> int: ...

    def open_drawer(self) -> object: ...

    def print_report(self, report: Report) -> object: ...

    def backup_after_z_report(self) -> None: ...

    # ------------------------------------------------------------------ shifts and returns

    def start_return(self) -> None: ...

    def shift_menu(self) -> None: ...

    def no_sale(self) -> None: ...
