"""The back office of a store with a server: what ``BackOffice`` offers the admin screens, done on the
store server with the operator's connection (``[server] url``), so a price change or a staff change
reaches every lane and the reports cover every lane.

The operator is a staff member of the server, checked by PIN against the server's ``users`` with
the store key file's pepper (``server.staff``), under the same role rules as a lane. A back-office
machine may have no local store at all: nothing here opens one. What belongs to one lane (its held
sales, its devices, its database's backup) is not done here: ``not_here`` says so in plain words.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pos_tui.config import Config
from pos_tui.domain.money import format_amount, parse_amount
from pos_tui.domain.permissions import Action, Role, authorize, can, required_role
from pos_tui.domain.pins import check_pin_format, hash_pin, pin_expired, verify_pin
from pos_tui.domain.report import HourTotal, Report
from pos_tui.i18n import _
from pos_tui.server import catalog, reports
from pos_tui.server import members as register
from pos_tui.server.admin import store_code
from pos_tui.server.catalog import ServerProduct, ServerUser
from pos_tui.server.connect import CONNECTION_LOST, SERVER_ERRORS, connect, first_line
from pos_tui.server.payments import StoreUnknownPayment, unknown_payments
from pos_tui.server.staff import authenticate, store_pepper
from pos_tui.domain.members import MemberError, check_member_name
from pos_tui.domain.text import check_text
from pos_tui.server.members import ServerMember
from pos_tui.services.back_office import Operator, signed_points
from pos_tui.services.errors import AdminError
from pos_tui.domain.promotion_file import PromotionFileError
from pos_tui.services.members import MemberInfo, check_numbers
from pos_tui.services.promotions import Imported, PromotionInfo, file_refusal, promotion_file_path
from pos_tui.services.store_promotions import import_on_server, list_on_server, set_active_on_server
from pos_tui.store.catalog import ProductInfo
from pos_tui.store.reports import context_of
from pos_tui.store.users import UserInfo

__all__ = ["StoreOffice", "StoreUnknownPayment"]


def os_user() -> str:
    try:
        return f"admin:{getpass.getuser()}"
    except (KeyError, OSError):
        return "admin"


def _member(m: ServerMember) -> MemberInfo:
    # The server's register keeps no time of the last change.
    return MemberInfo(m.code, m.card, m.phone, m.name, m.balance, m.disabled, dt.datetime.min)


def _product(p: ServerProduct) -> ProductInfo:
    # Stock is counted on each lane, not on the server; open price is set per lane.
    return ProductInfo(0, p.sku, p.name, p.price, p.tax, p.unit, None, p.active, p.barcodes)


class StoreOffice:
    """``BackOffice``'s methods, on the store server."""

    store_wide = True

    def __init__(self, config: Config, clock: Callable[[], dt.datetime] = dt.datetime.now) -> None:
        self.config = config
        self.currency = config.currency
        self.clock = clock
        self.operator: Operator | None = None
        self.actor: str | None = None  # what the server's journal records: "boss (admin:root)"
        self._conn: Any = None

    # ------------------------------------------------------------------ the connection

    @contextlib.contextmanager
    def _server(self) -> Iterator[Any]:
        """The operator's connection (opened again after it broke); a server's refusal or a lost
        connection becomes one plain line."""
        try:
            if self._conn is None or self._conn.closed:
                self._conn = connect(self.config.server.url, self.config.server.credentials,
                                     application_name="pos-tui admin")
            yield self._conn
        except CONNECTION_LOST as exc:
            self.close()
            raise AdminError(_("store server: {problem}").format(problem=first_line(exc))) from None
        except SERVER_ERRORS as exc:
            raise AdminError(first_line(exc)) from None

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    # ------------------------------------------------------------------ people

    def sign_in(self, name: str, pin: str) -> Operator:
        """A supervisor or an admin of the server's staff; a cashier is refused (after the PIN is checked)."""
        sec = self.config.security
        with self._server() as conn:
            pepper = store_pepper(conn, self.config.key_path, required=False)
            who = authenticate(conn, name.strip(), pin, Action.SELL, pepper=pepper, os_user=os_user(),
                               now=self.clock(), max_attempts=sec.max_attempts, lockout_minutes=sec.lockout_minutes)
            if who.role < Role.SUPERVISOR:
                raise AdminError(_("{name} is a cashier: the back office needs a supervisor or an admin").format(
                    name=who.name))
            changed = catalog.user(conn, who.name).pin_changed_at
        expired = changed is not None and pin_expired(changed, sec.pin_max_age_days, self.clock())
        self.operator = Operator(who.name, who.role, expired)
        self.actor = who.actor
        return self.operator

    def sign_out(self) -> None:
        self.operator = None
        self.actor = None
        self.close()

    def needed(self, action: Action) -> Role:
        return required_role(action, self.config.security.supervisor_required_for)

    def may(self, action: Action) -> bool:
        return can(self.operator.role if self.operator else None, action,
                   self.config.security.supervisor_required_for)

    def _signed_in(self) -> str:
        if self.operator is None or self.actor is None:
            raise AdminError(_("sign in first"))
        return self.actor

    def _require(self, action: Action) -> str:
        """The journal's actor when the operator's role covers ``action``; PermissionDenied otherwise."""
        actor = self._signed_in()
        authorize(self.operator.role, action, None, self.config.security.supervisor_required_for)
        return actor

    def money(self, minor: int) -> str:
        return format_amount(minor, self.currency, symbol=True)

    def not_here(self, area: str) -> str | None:
        """Why an area of the menu, or a change of a product ("products.set_stock"), is not done from
        the store server (None: it is)."""
        if area.startswith("products."):
            return None if area in ("products.set_price", "products.set_active") else _(
                "on the store server the back office changes prices and puts products on or off sale; for "
                "new products, names, taxes and barcodes import a product file (pos-tui products import FILE); "
                "stock is counted on each lane")
        return {
            "held": _("Held sales stay on the lane that held them: recall them there (F5 on the lane)"),
            "devices": _("Devices belong to a lane: check them with the back office or `pos-tui devices check` "
                         "on that lane"),
            "backup": _("The store server is backed up with PostgreSQL's own tools (pg_dump); each lane backs "
                        "up its own database"),
        }.get(area)

    # ------------------------------------------------------------------ products

    def find_products(self, text: str) -> list[ProductInfo]:
        self._require(Action.CATALOG)
        with self._server() as conn:
            return [_product(p) for p in catalog.find_products(conn, text, 50)]

    def product(self, sku: str) -> ProductInfo:
        self._require(Action.CATALOG)
        with self._server() as conn:
            return _product(catalog.product(conn, sku))

    def set_price(self, sku: str, text: str) -> ProductInfo:
        actor = self._require(Action.CATALOG)
        price = parse_amount(text, self.currency)
        with self._server() as conn:
            return _product(catalog.set_price(conn, sku, price, actor=actor))

    def set_active(self, sku: str, active: bool) -> ProductInfo:
        actor = self._require(Action.CATALOG)
        with self._server() as conn:
            return _product(catalog.set_active(conn, sku, active, actor=actor))

    def _lane_only(self, *_args: object, **_kwargs: object) -> ProductInfo:
        self._require(Action.CATALOG)
        raise AdminError(self.not_here("products.set_stock"))

    add_product = set_name = set_tax = set_open_price = set_stock = add_barcode = remove_barcode = _lane_only

    # ------------------------------------------------------------------ promotions

    def promotions(self) -> list[PromotionInfo]:
        self._require(Action.CATALOG)
        with self._server() as conn:
            return list_on_server(conn)

    def import_promotions(self, path_text: str) -> Imported:
        """The promotions of the file at ``path_text`` become the store's on the server, for every lane."""
        actor = self._require(Action.CATALOG)
        path = promotion_file_path(path_text)
        try:
            with self._server() as conn:
                return import_on_server(conn, path, self.currency, actor=actor)
        except PromotionFileError as exc:
            raise AdminError(file_refusal(exc)) from None

    def set_promotion_active(self, code: str, active: bool) -> PromotionInfo:
        actor = self._require(Action.CATALOG)
        with self._server() as conn:
            return set_active_on_server(conn, code, active, actor=actor)

    # ------------------------------------------------------------------ members

    def members(self) -> list[MemberInfo]:
        self._require(Action.CATALOG)
        with self._server() as conn:
            return [_member(m) for m in register.members(conn)]

    def add_member(self, card: str, phone: str, name: str) -> MemberInfo:
        """A new member of the server's register, for every lane."""
        actor = self._require(Action.CATALOG)
        card, phone = check_numbers(card, phone)
        if not card and not phone:
            raise MemberError(_("a member needs a card number or a phone number"))
        name = check_member_name(name)
        with self._server() as conn:
            return _member(register.add_member(conn, store_code(conn), card, phone, name, 0, actor=actor))

    def adjust_member_points(self, code: str, points_text: str, reason: str) -> MemberInfo:
        actor = self._require(Action.CATALOG)
        points = signed_points(points_text)
        reason = check_text(reason.strip(), _("reason"))
        if not reason:
            raise MemberError(_("an adjustment needs a reason"))
        with self._server() as conn:
            return _member(register.adjust_points(conn, store_code(conn), code, points, reason, actor=actor))

    def set_member_disabled(self, code: str, disabled: bool) -> MemberInfo:
        actor = self._require(Action.CATALOG)
        with self._server() as conn:
            return _member(register.set_disabled(conn, code, disabled, actor=actor))

    # ------------------------------------------------------------------ users

    def _user(self, user: ServerUser) -> UserInfo:
        locked = user.locked_until if user.locked_until is not None and user.locked_until > self.clock() else None
        changed = user.pin_changed_at or dt.datetime.min
        return UserInfo(0, user.name, user.role, user.disabled, user.failed_attempts, locked, changed)

    def users(self) -> list[UserInfo]:
        self._require(Action.USERS)
        with self._server() as conn:
            return [self._user(u) for u in catalog.users(conn)]

    def add_user(self, name: str, role: str, pin: str) -> UserInfo:
        actor = self._require(Action.USERS)
        name = name.strip()
        if not name:
            raise AdminError(_("type a name"))
        label = Role.parse(role).label
        check_pin_format(pin, self.config.security.pin_min_length)
        with self._server() as conn:
            pepper = store_pepper(conn, self.config.key_path, required=True)
            catalog.add_user(conn, name, label, hash_pin(pin, pepper), actor=actor)
            return self._user(catalog.user(conn, name))

    def reset_pin(self, name: str, pin: str) -> UserInfo:
        """A new PIN (it ends a lockout; a disabled user stays disabled, as on a lane)."""
        actor = self._require(Action.USERS)
        check_pin_format(pin, self.config.security.pin_min_length)
        with self._server() as conn:
            pepper = store_pepper(conn, self.config.key_path, required=True)
            old = catalog.pin_hash(conn, name)
            if (pepper or not old.startswith("pepper$")) and verify_pin(pin, old, pepper):
                raise AdminError(_("the new PIN must differ from the old one"))
            catalog.update_user(conn, name, actor=actor, kind="pin_changed", pin_hash=hash_pin(pin, pepper),
                                pin_changed_at=self.clock().replace(microsecond=0), locked_until=None)
            return self._user(catalog.user(conn, name))

    def disable_user(self, name: str) -> UserInfo:
        actor = self._require(Action.USERS)
        if self.operator is not None and name == self.operator.name:
            raise AdminError(_("you cannot disable yourself while signed in"))
        return self._change_user(name, actor, "disabled", disabled=True)

    def enable_user(self, name: str) -> UserInfo:
        return self._change_user(name, self._require(Action.USERS), "enabled", disabled=False)

    def unlock_user(self, name: str) -> UserInfo:
        return self._change_user(name, self._require(Action.USERS), "unlocked", locked_until=None)

    def _change_user(self, name: str, actor: str, kind: str, **values: object) -> UserInfo:
        with self._server() as conn:
            catalog.update_user(conn, name, actor=actor, kind=kind, **values)
            return self._user(catalog.user(conn, name))

    # ------------------------------------------------------------------ reports

    def business_day(self) -> dt.date:
        return context_of(self.config).business_day(self.clock())

    def day_to_close(self) -> dt.date:
        """The business day the store's Z closes: today's (once per business day)."""
        return self.business_day()

    def x_report(self, day: dt.date) -> Report:
        """Every lane's business day ``day`` so far, as the server has received it."""
        self._require(Action.X_REPORT)
        with self._server() as conn:
            return reports.x_report(conn, store_code(conn), context_of(self.config), day)

    def z_report(self, day: dt.date) -> Report:
        """The store's Z report of ``day`` exactly as it was taken."""
        self._require(Action.Z_REPORT)
        with self._server() as conn:
            return reports.stored_store_z(conn, store_code(conn), day)

    def lane_z_report(self, lane: int, day: dt.date) -> Report:
        """The Z report lane ``lane`` took for ``day``, as it sent it."""
        self._require(Action.Z_REPORT)
        with self._server() as conn:
            return reports.lane_z(conn, store_code(conn), lane, day)

    def z_report_refusal(self) -> str | None:
        self._require(Action.Z_REPORT)
        day = self.day_to_close()
        with self._server() as conn:
            number = reports.store_z_number(conn, store_code(conn), day)
        if number is None:
            return None
        return _("the store's Z report {number} already closed {day}: one a business day").format(
            number=f"{number:04d}", day=day.isoformat())

    def take_z_report(self) -> Report:
        """The store's Z of today's business day: every lane's documents of that day, once."""
        actor = self._require(Action.Z_REPORT)
        with self._server() as conn:
            return reports.take_store_z(conn, store_code(conn), context_of(self.config), self.day_to_close(),
                                        actor=actor)

    def sales_by_hour(self, day: dt.date) -> tuple[HourTotal, ...]:
        self._require(Action.X_REPORT)
        with self._server() as conn:
            return reports.sales_by_hour(conn, store_code(conn), day)

    # ------------------------------------------------------------------ payments

    def unknown_payments(self) -> list[StoreUnknownPayment]:
        """Every lane's pending or unknown payments, as of each lane's last upload (resolved on the lane)."""
        self._require(Action.RESOLVE_PAYMENT)
        with self._server() as conn:
            return unknown_payments(conn, store_code(conn))

    def held_sales(self) -> list:
        self._signed_in()
        raise AdminError(self.not_here("held"))

    def check_devices(self) -> list:
        raise AdminError(self.not_here("devices"))

    def backup_now(self) -> Path:
        raise AdminError(self.not_here("backup"))
