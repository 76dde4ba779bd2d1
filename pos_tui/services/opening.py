"""The lane and the devices it runs with, opened from its config; simulators start where it says so."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from pos_tui.config import Config
from pos_tui.domain.payment import wallet_methods
from pos_tui.i18n import _

if TYPE_CHECKING:  # the lane and its store load after the first frame (see tui.app): imported where used
    from pos_tui.services.lane import Lane


@dataclass
class LaneDevices:
    printer: object | None = None
    terminal: object | None = None
    wallets: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    display: object | None = None  # customer display, scale and serial scanner: services.lane.peripherals
    scale: object | None = None
    scanner: object | None = None


@contextlib.contextmanager
def lane_devices(config: Config, *, simulate_printer_to: Path | None = None) -> Iterator[LaneDevices]:
    """Open the configured devices. ``devices.terminal.driver = "simulator"`` starts a simulated
    Concert terminal on a pty (amount-scripted: .01 declines, .02 never answers, .03 is cancelled);
    ``simulate_printer_to`` starts a virtual printer that appends each receipt to that file."""
    from pos_tui.devices.factory import printer_from_config, terminal_from_config
    from pos_tui.services.lane.peripherals import open_peripherals

    devices = LaneDevices()
    with contextlib.ExitStack() as stack:
        printer_config = config.devices.printer
        if simulate_printer_to is not None:
            from pos_tui.devices.printer_sim import VirtualPrinter

            virtual = stack.enter_context(VirtualPrinter(width=printer_config.width, out=simulate_printer_to))
            printer_config = replace(printer_config, driver="escpos", connection="serial", port=virtual.path)
            devices.notes.append(f"simulated printer: receipts go to {simulate_printer_to}")
        devices.printer = printer_from_config(printer_config)
        terminal_config = config.devices.terminal
        port = None
        if terminal_config.driver == "simulator":
            from pos_tui.devices.terminal.simulator import TerminalSimulator

            simulator = stack.enter_context(TerminalSimulator(think_seconds=1.0))
            port = simulator.port
            devices.notes.append("simulated card terminal: amounts ending .01 decline, .02 never answer")
        devices.terminal = terminal_from_config(terminal_config, config.store.lane, port)
        if devices.terminal is not None:
            stack.callback(devices.terminal.close)
        for name in (m.name for m in wallet_methods()):
            if config.payments[name].enabled and config.payments[name].gateway == "simulator":
                from pos_tui.devices.wallet.simulator import SimulatedWallet

                devices.wallets[name] = SimulatedWallet(name)
        devices.wallets.update(_network_wallets(config))
        open_peripherals(config, devices, stack)
        yield devices


def _network_wallets(config: Config) -> dict[str, object]:
    """The wallet methods served by an acquirer over the network, their key files read now."""
    from pos_tui.config import ConfigError
    from pos_tui.acquirer_config import NETWORK_GATEWAYS

    wallets: dict[str, object] = {}
    for name in (m.name for m in wallet_methods()):
        settings = config.payments[name]
        if not (settings.enabled and settings.gateway in NETWORK_GATEWAYS):
            continue
        from pos_tui.gateways.factory import open_gateway
        from pos_tui.gateways.keys import KeyFileError

        try:
            wallets[name] = open_gateway(settings)
        except KeyFileError as exc:
            raise ConfigError(f"payments.{name}.{exc.key}", exc.problem) from None
    return wallets


def start_sync(config: Config, lane: Lane):
    """With ``[server] url`` set, the sync worker in a process of its own (services.sync_process),
    woken by each finished document; None without a store server."""
    if not config.server.url:
        return None
    from pos_tui.services.events import SalePaid, SaleVoided, ShiftClosed, ShiftOpened
    from pos_tui.services.sync_process import SyncProcess

    sync = SyncProcess(config).start()
    lane.sync = sync
    lane.ctx.server_online = lambda: sync.status().online
    lane.events.subscribe("store-server", sync.wake, SalePaid, SaleVoided, ShiftOpened, ShiftClosed)
    return sync


@contextlib.contextmanager
def opened_lane(config: Config, *, simulate_printer_to: Path | None = None) -> Iterator[Lane]:
    """Open the store, the devices and the lane, its receipt queue serving; everything is closed
    again on exit. StoreError (e.g. no users yet, the lane already running) or DeviceError say in one
    line what would not open."""
    from pos_tui.store import users
    from pos_tui.services.lane import Lane
    from pos_tui.services.lane.peripherals import serve_peripherals
    from pos_tui.store.db import StoreError, close_database
    from pos_tui.store.keys import open_store
    from pos_tui.store.lane_lock import holding_lane, sharing_store

    with holding_lane(config.database.url, config.store.lane), sharing_store(config.database.url):
        open_store(config)
        try:
            if config.server.url and not users.has_users():
                from pos_tui.services.sync import SyncWorker

                SyncWorker(config).bootstrap()  # a new lane: staff and catalog from the store server
            if not users.has_users():
                raise StoreError(_("no users yet: run `pos-tui init --admin NAME` first"))
            with lane_devices(config, simulate_printer_to=simulate_printer_to) as devices:
                lane = Lane(config, printer=devices.printer, terminal=devices.terminal, wallets=devices.wallets,
                            scale=devices.scale)
                lane.prepare()
                lane.receipts.serve_queue()
                serve_peripherals(lane.ctx, devices)
                sync = start_sync(config, lane)
                try:
                    yield lane
                finally:
                    lane.events.close()
                    if sync is not None:
                        sync.stop()
        finally:
            close_database()
