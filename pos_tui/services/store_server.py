"""The store server's operations behind the command line (``pos-tui server ...`` and the store-wide
forms of ``products``, ``users`` and ``report`` when ``[server] url`` is set): one connection per
command, the operator checked by ``--as`` and PIN against the server's staff. A server's refusal or
a lost connection is an ``AdminError`` of one plain line.

PINs are asked through callables, so the command line decides how (its tty, or stdin) and asks only
after what can be refused without one (an unknown SKU or user) has been.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pos_tui.config import Config
from pos_tui.domain.permissions import Role
from pos_tui.domain.pins import check_pin_format, hash_pin, verify_pin
from pos_tui.domain.report import Report
from pos_tui.i18n import _
from pos_tui.server import catalog, reports
from pos_tui.server.admin import LaneCredentials, add_lane, init_server, store_code
from pos_tui.server.catalog import ServerProduct, ServerUser
from pos_tui.server.connect import SERVER_ERRORS, ServerError, connect, first_line
from pos_tui.server.payments import StoreUnknownPayment, unknown_payments
from pos_tui.server.schema import migrate
from pos_tui.server.staff import authenticate, store_pepper
from pos_tui.server.status import LaneStatus, ParkedDocument, lane_status, parked_documents
from pos_tui.services.errors import AdminError
from pos_tui.services.reports import context_of

AskPin = Callable[[], str]


class OperatorNeeded(AdminError):
    """A store-wide change asked for without naming who does it (``--as NAME``)."""


@dataclass(frozen=True)
class StoreStatus:
    store: str
    lanes: Sequence[LaneStatus]
    parked: Sequence[ParkedDocument]
    unknown: Sequence[StoreUnknownPayment]


def need_server(config: Config) -> None:
    if not config.server.url:
        raise AdminError(_("no store server in the config: set [server] url (and credentials)"))


@contextlib.contextmanager
def server_connection(config: Config) -> Iterator[Any]:
    """The operator's connection to the store server (the role in ``[server] url``)."""
    need_server(config)
    try:
        conn = connect(config.server.url, config.server.credentials, application_name="pos-tui admin")
    except SERVER_ERRORS as exc:
        raise AdminError(first_line(exc)) from None
    try:
        yield conn
    except SERVER_ERRORS as exc:
        raise AdminError(first_line(exc)) from None
    finally:
        conn.close()


def operator(config: Config, conn: Any, action: str, as_name: str | None, ask_pin: AskPin, os_user: str) -> str:
    """The actor of a store-wide change: the server's staff member named by ``as_name`` whose PIN is
    right and whose role allows ``action``, with the OS user beside it ("boss (cli:pos)")."""
    if not as_name:
        raise OperatorNeeded(_("this command needs --as NAME: a staff member whose role allows it, and their PIN"))
    pepper = store_pepper(conn, config.key_path, required=False)
    sec = config.security
    return authenticate(conn, as_name.strip(), ask_pin(), action, pepper=pepper, os_user=os_user,
                        now=dt.datetime.now(), max_attempts=sec.max_attempts, lockout_minutes=sec.lockout_minutes,
                        extra_supervisor_actions=tuple(sec.supervisor_required_for)).actor


def init_store(config: Config, *, store: str, admin: str, read_pin: AskPin, actor: str) -> tuple[str, int]:
    """Create (or migrate) the schema, the lanes' group role and the first admin; returns the store's
    code and the schema version."""
    with server_connection(config) as conn:
        migrate(conn)
        pepper = store_pepper(conn, config.key_path, required=True)
        pin = read_pin()
        check_pin_format(pin, config.security.pin_min_length)
        version = init_server(conn, store=store, admin=admin, pin_hash=hash_pin(pin, pepper), actor=actor)
        return store_code(conn), version


def new_lane(config: Config, lane: int, credentials: Path, *, actor: str) -> LaneCredentials:
    """Lane ``lane``'s role (it may write only its own documents) and its credentials file."""
    with server_connection(config) as conn:
        return add_lane(conn, lane, credentials, actor=actor)


def status(config: Config) -> StoreStatus:
    """Per lane how its sync stands, the parked documents, and the unknown payments of every lane."""
    with server_connection(config) as conn:
        store = store_code(conn)
        return StoreStatus(store, lane_status(conn, store), parked_documents(conn, store),
                           unknown_payments(conn, store))


def import_products(config: Config, products: Sequence[Any], *, source: str, as_name: str | None,
                    ask_pin: AskPin, os_user: str) -> tuple[int, int]:
    """Products read from a catalog file, created or updated on the server (every lane gets them);
    returns how many were new and how many updated."""
    with server_connection(config) as conn:
        actor = operator(config, conn, "catalog", as_name, ask_pin, os_user)
        return catalog.upsert_products(conn, products, actor=actor, source=source)


def edit_product(config: Config, sku: str, *, price: int | None, active: bool | None, as_name: str | None,
                 ask_pin: AskPin, os_user: str) -> ServerProduct:
    """One product's new price and/or active flag on the server."""
    with server_connection(config) as conn:
        product = catalog.product(conn, sku)  # an unknown SKU is told before a PIN is asked
        actor = operator(config, conn, "catalog", as_name, ask_pin, os_user)
        if price is not None:
            product = catalog.set_price(conn, sku, price, actor=actor)
        if active is not None:
            product = catalog.set_active(conn, sku, active, actor=actor)
        return product


def users(config: Config) -> list[ServerUser]:
    with server_connection(config) as conn:
        return list(catalog.users(conn))


def change_user(config: Config, action: str, name: str, *, role: str | None, as_name: str | None,
                ask_pin: AskPin, read_new_pin: AskPin, os_user: str) -> None:
    """``add | passwd | disable | enable | unlock`` one of the server's staff, by an admin (``as_name``);
    ``add`` and ``passwd`` then read the new PIN."""
    with server_connection(config) as conn:
        if action != "add":
            catalog.user(conn, name)  # an unknown name is told before a PIN is asked
        actor = operator(config, conn, "users", as_name, ask_pin, os_user)
        if action in ("add", "passwd"):
            pepper = store_pepper(conn, config.key_path, required=True)
            pin = read_new_pin()
            check_pin_format(pin, config.security.pin_min_length)
        if action == "add":
            catalog.add_user(conn, name, Role.parse(role or "").label, hash_pin(pin, pepper), actor=actor)
        elif action == "passwd":
            old = catalog.pin_hash(conn, name)
            if (pepper or not old.startswith("pepper$")) and verify_pin(pin, old, pepper):
                raise ServerError(_("the new PIN must differ from the old one"))
            # As on a lane: a lockout ends, a disabled user stays disabled.
            catalog.update_user(conn, name, actor=actor, kind="pin_changed", pin_hash=hash_pin(pin, pepper),
                                pin_changed_at=dt.datetime.now().replace(microsecond=0), locked_until=None)
        elif action == "disable":
            catalog.update_user(conn, name, actor=actor, kind="disabled", disabled=True)
        elif action == "enable":
            catalog.update_user(conn, name, actor=actor, kind="enabled", disabled=False)
        elif action == "unlock":
            catalog.update_user(conn, name, actor=actor, kind="unlocked", locked_until=None)
        else:
            raise AdminError(f"unknown users action {action!r}")


def report(config: Config, kind: str, *, lane: int | None, day: dt.date | None, as_name: str | None,
           ask_pin: AskPin, os_user: str) -> Report:
    """``report x|z --store`` or ``--lane N`` on the server. Only taking the store's Z writes (it needs
    ``as_name`` a role allowed the Z report); the others only read."""
    need_server(config)
    ctx = context_of(config)
    with server_connection(config) as conn:
        store = store_code(conn)
        if kind == "x":
            return reports.x_report(conn, store, ctx, day or dt.date.today(), lane=lane)
        if lane is not None:
            return reports.lane_z(conn, store, lane, day or dt.date.today())
        if day is not None:
            return reports.stored_store_z(conn, store, day)
        actor = operator(config, conn, "z_report", as_name, ask_pin, os_user)
        return reports.take_store_z(conn, store, ctx, dt.date.today(), actor=actor)


def import_promotions(config: Config, file: Path, *, as_name: str | None, ask_pin: AskPin, os_user: str) -> Any:
    """The promotions of ``file`` made the store's on the server (every lane gets them)."""
    from pos_tui.services.store_promotions import import_on_server

    with server_connection(config) as conn:
        actor = operator(config, conn, "catalog", as_name, ask_pin, os_user)
        return import_on_server(conn, file, config.currency, actor=actor)


def promotions(config: Config) -> list[Any]:
    from pos_tui.services.store_promotions import list_on_server

    with server_connection(config) as conn:
        return list_on_server(conn)


def set_promotion_active(config: Config, code: str, active: bool, *, as_name: str | None, ask_pin: AskPin,
                         os_user: str) -> Any:
    from pos_tui.server.promotions import promotion
    from pos_tui.services.store_promotions import set_active_on_server

    with server_connection(config) as conn:
        promotion(conn, code)  # an unknown code is told before a PIN is asked
        actor = operator(config, conn, "catalog", as_name, ask_pin, os_user)
        return set_active_on_server(conn, code, active, actor=actor)


def members(config: Config) -> list[Any]:
    """The store server's member register."""
    from pos_tui.server import members as register

    with server_connection(config) as conn:
        return register.members(conn)


def member_with_entries(config: Config, number: str) -> tuple[Any, list[Any]]:
    """One member of the server's register (by card, phone or code) and the last rows of their points."""
    from pos_tui.server import members as register

    with server_connection(config) as conn:
        member = register.find(conn, number)
        return member, register.entries(conn, member.code)


def change_member(config: Config, action: str, number: str | None, *, as_name: str | None, ask_pin: AskPin,
                  os_user: str, **values: Any) -> Any:
    """``add | import | edit | disable | adjust`` on the server's register by an admin (``as_name``):
    the member changed, or for ``import`` (rows already read) how many were added and updated. An
    unknown number is told before a PIN is asked."""
    from pos_tui.server import members as register
    from pos_tui.services.members import check_numbers

    with server_connection(config) as conn:
        store = store_code(conn)
        if action == "add":
            card, phone = check_numbers(values["card"], values["phone"])
            actor = operator(config, conn, "catalog", as_name, ask_pin, os_user)
            return register.add_member(conn, store, card, phone, values["name"], values["points"], actor=actor)
        if action == "import":
            actor = operator(config, conn, "catalog", as_name, ask_pin, os_user)
            return register.import_members(conn, store, values["rows"], actor=actor, source=values["source"])
        code = register.find(conn, number or "").code
        if action == "edit":
            card, phone = values["card"], values["phone"]
            card = check_numbers(card, "")[0] if card else card
            phone = check_numbers("", phone)[1] if phone else phone
            actor = operator(config, conn, "catalog", as_name, ask_pin, os_user)
            return register.edit_member(conn, code, card=card, phone=phone, name=values["name"], actor=actor)
        if action == "disable":
            actor = operator(config, conn, "catalog", as_name, ask_pin, os_user)
            return register.set_disabled(conn, code, values["disabled"], actor=actor)
        if action == "adjust":
            actor = operator(config, conn, "catalog", as_name, ask_pin, os_user)
            return register.adjust_points(conn, store, code, values["points"], values["reason"], actor=actor)
        raise AdminError(f"unknown members action {action!r}")
