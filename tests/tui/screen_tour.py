"""A walk through every lane and back-office screen and box at 80x24, recording each as the terminal
shows it: shared by the language test (nothing cut, columns aligned) and the console glyph test.

Call the tours inside ``using_language(code)``: every message is built while the tour runs;
``walk`` runs both once per test run and language, shared by the xdist workers through a file.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from pos_tui.demo import create_demo_store
from pos_tui.domain.checkout import State
from pos_tui.domain.payment import Outcome, PaymentStatus
from pos_tui.i18n import _, using_language
from pos_tui.services.lane import Lane
from pos_tui.store import users
from pos_tui.store.db import close_database
from pos_tui.tui.admin.app import AdminApp
from pos_tui.services.back_office import BackOffice
from pos_tui.tui.admin.devices import DevicesScreen
from pos_tui.tui.admin.menu import MenuScreen
from pos_tui.tui.admin.products import ProductsScreen
from pos_tui.tui.admin.prompt import PromptModal
from pos_tui.tui.admin.reports import ReportsScreen
from pos_tui.tui.admin.sales import HeldScreen, PaymentsScreen
from pos_tui.tui.admin.users import UsersScreen
from pos_tui.tui.app import PosApp
from pos_tui.tui.screens.items import ItemsScreen
from pos_tui.tui.screens.modals import (
    ApprovalModal,
    ConfirmModal,
    HelpModal,
    PriceCheckModal,
    RecallModal,
    ResolveModal,
    SearchModal,
    WalletCodeModal,
)
from pos_tui.tui.screens.payment import PaymentScreen
from pos_tui.tui.screens.printing import PrintingScreen
from pos_tui.tui.screens.report import ReportScreen
from pos_tui.tui.screens.returns import ReturnModal
from pos_tui.tui.screens.settlement_modals import (
    DiscountModal,
    LetterMenuModal,
    MovementModal,
)
from pos_tui.tui.screens.shift import CountModal
from pos_tui.tui.screens.terminal import TerminalScreen
from tests.tui.conftest import _feed_terminal, _screen_lines, _settle, _wait_for

SIZE = (80, 24)
# Two Chinese names and two Latin ones from the demo catalog: the cart mixes both.
COKE, RICE, BREAD, SOAP = "6901234567892", "6931234567806", "6901234567908", "4006381333931"
ADMIN, ADMIN_PIN = "boss", "2468"


class RecordingPrinter:
    """Takes each receipt; while ``go`` is clear it holds it (to look at the printing screen)."""

    def __init__(self) -> None:
        self.printed: list[object] = []
        self.go = threading.Event()
        self.go.set()

    def print_receipt(self, doc: object, open_drawer: bool = False) -> None:
        assert self.go.wait(10), "the test never released the printer"
        self.printed.append(doc)


class HeldTerminal:
    """A card terminal that says what it does, then holds the payment until the test lets it go."""

    can_abort = False

    def __init__(self) -> None:
        self.go = threading.Event()

    def pay(self, amount, currency_numeric, reference, on_progress=None, cancel=None) -> Outcome:
        if on_progress is not None:
            on_progress("follow the terminal: the customer presents the card")
        assert self.go.wait(10), "the test never released the terminal"
        return Outcome(PaymentStatus.APPROVED, masked_pan="476173******0010", auth_code="A1B2C3")


@dataclass
class Tour:
    """Every screen seen, by name, as the rows of text the terminal shows."""

    screens: dict[str, list[str]] = field(default_factory=dict)

    def take(self, name: str, app, screen_lines) -> list[str]:
        self.screens[name] = screen_lines(app)
        return self.screens[name]


async def lane_tour(config, feed_terminal, settle, screen_lines, size: tuple[int, int] = SIZE) -> Tour:
    """Sign in, open the shift, sell Chinese and Latin items, every box of the item screen, pay by
    cash (printing), pay by card (terminal wait), the shift menu, the X report (on a terminal of
    ``size``, 80x24 unless told)."""
    tour = Tour()
    terminal = HeldTerminal()
    printer = RecordingPrinter()
    from pos_tui.devices.wallet.simulator import SimulatedWallet

    lane = Lane(config, printer=printer, terminal=terminal, wallets={"alipay": SimulatedWallet("alipay")})
    app = PosApp(lane)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, lambda: app.lane is not None)
        tour.take("lock", app, screen_lines)
        await pilot.press("f1")
        await settle(pilot, lambda: isinstance(app.screen, HelpModal))
        tour.take("lock help", app, screen_lines)
        await pilot.press("escape")
        feed_terminal(app, "cashier\r")
        await settle(pilot, lambda: app.screen.query_one("#user").render().plain)
        tour.take("lock pin", app, screen_lines)
        feed_terminal(app, "1234\r")
        await settle(pilot, lambda: isinstance(app.screen, CountModal) and app.screen.focused is not None)
        tour.take("float count", app, screen_lines)
        feed_terminal(app, "\r")
        await settle(pilot, lambda: app.shift is not None and isinstance(app.screen, ItemsScreen))
        tour.take("items idle", app, screen_lines)

        feed_terminal(app, f"{COKE}\r{BREAD}\r2*{RICE}\r{SOAP}\r")
        await settle(pilot, lambda: len(app.view.lines) == 4)
        tour.take("items", app, screen_lines)
        for key, box, name in (("f1", HelpModal, "items help"), ("f2", SearchModal, "find"),
                               ("f3", PriceCheckModal, "price check"), ("f6", DiscountModal, "discount"),
                               ("f11", ApprovalModal, "void sale approval")):
            await pilot.press(key)
            await settle(pilot, lambda box=box: isinstance(app.screen, box))
            if name == "find":
                feed_terminal(app, "可")
                await settle(pilot, lambda: len(app.screen.query_one("#results").options) > 0)
            if name == "price check":
                feed_terminal(app, f"{COKE}\r")
                await settle(pilot, lambda: "330" in str(app.screen.query_one("#product").render()))
            tour.take(name, app, screen_lines)
            await pilot.press("escape")
            await settle(pilot, lambda: isinstance(app.screen, ItemsScreen))

        await pilot.press("f10")
        await settle(pilot, lambda: isinstance(app.screen, PaymentScreen))
        feed_terminal(app, "10")
        await pilot.press("f2")
        await settle(pilot, lambda: len(app.view.payments) == 1)
        tour.take("payment", app, screen_lines)
        await pilot.press("f1")
        await settle(pilot, lambda: isinstance(app.screen, HelpModal))
        tour.take("payment help", app, screen_lines)
        await pilot.press("escape")
        printer.go.clear()  # hold the receipt back to look at the screen
        feed_terminal(app, "100")
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, PrintingScreen))
        tour.take("printing", app, screen_lines)
        printer.go.set()
        await _wait_for(pilot, lambda: app.lane.state is State.IDLE)

        feed_terminal(app, f"{COKE}\r")
        await settle(pilot, lambda: len(app.view.lines) == 1)
        await pilot.press("f5")  # hold it, then look at the held sales
        await settle(pilot, lambda: app.lane.state is State.IDLE)
        await pilot.press("f5")
        await settle(pilot, lambda: isinstance(app.screen, RecallModal))
        tour.take("held sales", app, screen_lines)
        feed_terminal(app, "\r")
        await settle(pilot, lambda: len(app.view.lines) == 1)

        await pilot.press("f10")
        await settle(pilot, lambda: isinstance(app.screen, PaymentScreen))
        await pilot.press("f3")
        await settle(pilot, lambda: isinstance(app.screen, TerminalScreen) and app.payment is not None
                     and "follow" in app.payment.progress)
        attempt = app.payment.attempt
        tour.take("terminal", app, screen_lines)
        await pilot.press("escape")
        await settle(pilot, lambda: app.view.message)
        tour.take("terminal cancel", app, screen_lines)
        terminal.go.set()
        await _wait_for(pilot, lambda: app.lane.state is State.IDLE)

        for name, box in (("resolve", ResolveModal(attempt, lane.currency)),
                          ("confirm", ConfirmModal(_("Void the whole sale?"))),
                          ("wallet code", WalletCodeModal(lambda code: None,
                                                          _("Amount {amount} (the balance)").format(amount="¥3.50"))),
                          ("return", ReturnModal(lane.returns.find_return, lane.currency)),
                          ("paid in", MovementModal(_("Paid in"), _("Cash put into the drawer (change from the bank, "
                                                                    "...): the amount, then why.")))):
            await app.push_screen(box)
            await settle(pilot, lambda box=box: app.screen is box)
            tour.take(name, app, screen_lines)
            await pilot.press("escape")
            await settle(pilot, lambda: isinstance(app.screen, ItemsScreen))

        await pilot.press("ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, LetterMenuModal))
        tour.take("shift menu", app, screen_lines)
        await pilot.press("x")
        await settle(pilot, lambda: isinstance(app.screen, ApprovalModal))
        tour.take("supervisor approval", app, screen_lines)
        feed_terminal(app, "super\r9999\r")
        await settle(pilot, lambda: isinstance(app.screen, ReportScreen))
        tour.take("x report", app, screen_lines)
        await pilot.press("f1")
        await settle(pilot, lambda: isinstance(app.screen, HelpModal))
        tour.take("report help", app, screen_lines)
    return tour


async def admin_tour(config, feed_terminal, settle, screen_lines) -> Tour:
    """Sign in to the back office, the menu, and every area (products searched for a Chinese name)."""
    if ADMIN not in {user.name for user in users.list_users()}:
        users.add_user(ADMIN, "admin", ADMIN_PIN, config.security.pin_min_length, actor="test")
    tour = Tour()
    app = AdminApp(BackOffice(config))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: app.screen.is_mounted)
        tour.take("admin sign in", app, screen_lines)
        feed_terminal(app, f"{ADMIN}\r{ADMIN_PIN}\r")
        await settle(pilot, lambda: isinstance(app.screen, MenuScreen))
        tour.take("admin menu", app, screen_lines)
        await pilot.press("f1")
        await settle(pilot, lambda: isinstance(app.screen, HelpModal))
        tour.take("admin help", app, screen_lines)
        await pilot.press("escape")
        for key, area, name in (("f2", ProductsScreen, "products"), ("f3", UsersScreen, "users"),
                                ("f4", ReportsScreen, "reports"), ("f5", HeldScreen, "admin held"),
                                ("f6", PaymentsScreen, "payments"), ("f7", DevicesScreen, "devices")):
            await pilot.press(key)
            await settle(pilot, lambda area=area: isinstance(app.screen, area))
            if name == "products":
                feed_terminal(app, "可")
                await settle(pilot, lambda: len(app.screen.found) > 0)
                tour.take(name, app, screen_lines)
                await pilot.press("f2")
                await settle(pilot, lambda: isinstance(app.screen, PromptModal))
                tour.take("new price", app, screen_lines)
                await pilot.press("escape")
                await settle(pilot, lambda: isinstance(app.screen, ProductsScreen))
                await pilot.press("escape")  # clears the search
            elif name == "reports":
                await pilot.press("f2")
                await settle(pilot, lambda: "2" in str(app.screen.query_one("#report").render()))
                tour.take(name, app, screen_lines)
            else:
                tour.take(name, app, screen_lines)
            await pilot.press("escape")
            await settle(pilot, lambda: isinstance(app.screen, MenuScreen))
    return tour


_walked: dict[str, Tour] = {}


def _shared_folder(tmp_path_factory) -> Path:
    """A folder of this run that every xdist worker sees (the workers' base folders' parent), or
    this process's own base folder without xdist."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def walk(language: str, tmp_path_factory) -> Tour:
    """Both tours in ``language`` on a fresh demo store; once per test run, whichever worker asks
    first (the others wait for it and read what it recorded)."""
    if language not in _walked:
        folder = _shared_folder(tmp_path_factory)
        recorded = folder / f"screen-tour-{language}.json"
        with open(folder / f"screen-tour-{language}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not recorded.exists():
                tour = _walk_now(language, tmp_path_factory.mktemp(f"store-{language}"))
                recorded.with_suffix(".part").write_text(json.dumps(tour.screens), encoding="utf-8")
                recorded.with_suffix(".part").replace(recorded)
        _walked[language] = Tour(json.loads(recorded.read_text(encoding="utf-8")))
    return _walked[language]


def _walk_now(language: str, data_dir: Path) -> Tour:
    config = create_demo_store(data_dir)
    tour = Tour()

    async def both() -> None:
        for one in (lane_tour, admin_tour):
            tour.screens.update((await one(config, _feed_terminal, _settle, _screen_lines)).screens)

    try:
        with using_language(language):
            asyncio.run(both())
    finally:
        close_database()
    return tour
