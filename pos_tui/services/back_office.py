"""The back office as a service: one method per operator intent, the way ``Lane`` is for a cashier.

No Textual here: the admin screens call these methods and show what they return or the one line
a refusal says. The operator signs in with a supervisor or admin PIN; each method checks the role
its action needs (``domain.permissions``). Every write goes through ``when_free``, so a lane
holding the write lock makes the operator wait a moment, never read "database is locked".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pos_tui.config import Config
from pos_tui.domain.barcodes import decode_embedded
from pos_tui.domain.money import format_amount, parse_amount
from pos_tui.domain.payment import PaymentStatus
from pos_tui.domain.permissions import Action, Approval, Role, authorize, can, redeem, required_role
from pos_tui.domain.report import HourTotal, Report
from pos_tui.i18n import _
from pos_tui.services.backup import backup_now
from pos_tui.services.devices import check_devices
from pos_tui.services import members as member_service
from pos_tui.services.errors import AdminError
from pos_tui.services.members import MemberInfo
from pos_tui.domain.promotion_file import PromotionFileError
from pos_tui.services.promotions import (
    Imported, file_refusal, PromotionInfo, import_promotions, list_promotions, promotion_file_path, set_promotion_active,
)
from pos_tui.store import admin_queries, catalog_edits, reports, sales, users
from pos_tui.store.admin_queries import UnknownPayment
from pos_tui.store.busy import when_free
from pos_tui.store.catalog import ProductData, ProductInfo, get_by_sku
from pos_tui.store.catalog_csv import parse_stock
from pos_tui.store.db import current_database
from pos_tui.store.lane_lock import lane_running
from pos_tui.store.reports import context_of
from pos_tui.store.sale_totals import sale_totals

if TYPE_CHECKING:
    from pos_tui.devices.status import DeviceReport


def signed_points(text: str) -> int:
    """A typed points adjustment: a whole number, ``-`` in front to take points."""
    value = text.strip().replace(" ", "")
    digits = value[1:] if value[:1] in "+-" else value
    if not digits or not digits.isascii() or not digits.isdigit():
        raise AdminError(_("points {value} is not a whole number (+ adds points, - takes them)").format(
            value=repr(text.strip())))
    return int(value)


@dataclass(frozen=True)
class Operator:
    name: str
    role: Role
    pin_expired: bool = False


class BackOffice:
    store_wide = False  # this lane's store (StoreOffice is the store server's)

    def __init__(self, config: Config, clock: Callable[[], dt.datetime] = dt.datetime.now) -> None:
        self.config = config
        self.currency = config.currency
        self.clock = clock
        self.operator: Operator | None = None

    # ------------------------------------------------------------------ people

    def sign_in(self, name: str, pin: str) -> Operator:
        """A supervisor or an admin; a cashier is refused (after the PIN is checked)."""
        sec = self.config.security
        user = when_free(users.authenticate, name.strip(), pin, self.clock(), sec.max_attempts,
                         sec.lockout_minutes, sec.pin_max_age_days)
        role = Role.parse(user.role)
        if role < Role.SUPERVISOR:
            raise AdminError(_("{name} is a cashier: the back office needs a supervisor or an admin").format(
                name=user.name))
        self.operator = Operator(user.name, role, user.must_change_pin)
        return self.operator

    def sign_out(self) -> None:
        self.operator = None

    def needed(self, action: Action) -> Role:
        """The least role ``action`` needs here (to say so on a menu)."""
        return required_role(action, self.config.security.supervisor_required_for)

    def may(self, action: Action) -> bool:
        return can(self.operator.role if self.operator else None, action,
                   self.config.security.supervisor_required_for)

    def _signed_in(self) -> str:
        if self.operator is None:
            raise AdminError(_("sign in first"))
        return self.operator.name

    def _require(self, action: Action) -> str:
        """The operator's name when their role covers ``action``; PermissionDenied otherwise."""
        self._signed_in()
        authorize(self.operator.role, action, None, self.config.security.supervisor_required_for)
        return self.operator.name

    def money(self, minor: int) -> str:
        return format_amount(minor, self.currency, symbol=True)

    def not_here(self, area: str) -> str | None:
        """Why an area of the menu is not done here: every area is, on the lane's own store."""
        return None

    # ------------------------------------------------------------------ products

    def find_products(self, text: str) -> list[ProductInfo]:
        self._require(Action.CATALOG)
        return catalog_edits.find_products(text, 50)

    def product(self, sku: str) -> ProductInfo:
        self._require(Action.CATALOG)
        product = get_by_sku(sku)
        if product is None:
            raise AdminError(_("no product with SKU {sku}").format(sku=repr(sku)))
        return product

    def _yes(self, text: str) -> bool:
        answer = text.strip().lower()
        if answer in ("y", "yes", "是", "1"):
            return True
        if answer in ("", "n", "no", "否", "0"):
            return False
        raise AdminError(_("answer y or n"))

    def _tax(self, text: str) -> str:
        tax = text.strip() or self.config.tax.default
        if tax not in self.config.tax.rates:
            raise AdminError(_("unknown tax code {code} (configured: {known})").format(
                code=repr(tax), known=", ".join(sorted(self.config.tax.rates))))
        return tax

    def add_product(self, sku: str, name: str, price: str, tax: str = "", barcodes: str = "", unit: str = "",
                    stock: str = "", open_price: str = "") -> ProductInfo:
        """A new product typed in the back office: empty tax = the default rate, unit = each, stock =
        not counted; barcodes separated by spaces or |; an open-price product may have price 0."""
        actor = self._require(Action.CATALOG)
        is_open = self._yes(open_price)
        try:
            stock_milli = parse_stock(stock)
        except ValueError as exc:
            raise AdminError(str(exc)) from None
        codes = tuple(code for code in barcodes.replace("|", " ").split() if code)
        for code in codes:
            if len(code) == 13 and decode_embedded(code, self.config.barcodes.embedded) is not None:
                raise AdminError(_("{code} starts with {prefix}, which this store reads as a price or weight "
                                   "embedded code: it cannot name a product").format(code=code, prefix=code[:2]))
        data = ProductData(sku.strip(), name.strip(), parse_amount(price or "0", self.currency), self._tax(tax),
                           unit.strip().lower() or "each", stock_milli, codes)
        return when_free(catalog_edits.add_product, data, open_price=is_open, actor=actor, now=self.clock())

    def set_name(self, sku: str, name: str) -> ProductInfo:
        actor = self._require(Action.CATALOG)
        return when_free(catalog_edits.set_name, sku, name, actor=actor, now=self.clock())

    def set_tax(self, sku: str, tax: str) -> ProductInfo:
        actor = self._require(Action.CATALOG)
        return when_free(catalog_edits.set_tax, sku, self._tax(tax), actor=actor, now=self.clock())

    def set_open_price(self, sku: str, answer: str) -> ProductInfo:
        actor = self._require(Action.CATALOG)
        return when_free(catalog_edits.set_open_price, sku, self._yes(answer), actor=actor, now=self.clock())

    def remove_barcode(self, sku: str, code: str) -> ProductInfo:
        actor = self._require(Action.CATALOG)
        return when_free(catalog_edits.remove_barcode, sku, code, actor=actor)

    def set_price(self, sku: str, text: str) -> ProductInfo:
        actor = self._require(Action.CATALOG)
        return when_free(catalog_edits.set_price, sku, parse_amount(text, self.currency), actor=actor,
                         now=self.clock())

    def set_stock(self, sku: str, text: str) -> ProductInfo:
        """Stock as counted ("12", "1.250"); empty stops counting it."""
        actor = self._require(Action.CATALOG)
        try:
            stock = parse_stock(text)
        except ValueError as exc:
            raise AdminError(str(exc)) from None
        return when_free(catalog_edits.set_stock, sku, stock, actor=actor, now=self.clock())

    def set_active(self, sku: str, active: bool) -> ProductInfo:
        actor = self._require(Action.CATALOG)
        return when_free(catalog_edits.set_active, sku, active, actor=actor, now=self.clock())

    def add_barcode(self, sku: str, code: str) -> ProductInfo:
        actor = self._require(Action.CATALOG)
        code = code.strip()
        if len(code) == 13 and decode_embedded(code, self.config.barcodes.embedded) is not None:
            raise AdminError(_("{code} starts with {prefix}, which this store reads as a price or weight "
                               "embedded code: it cannot name a product").format(code=code, prefix=code[:2]))
        return when_free(catalog_edits.add_barcode, sku, code, actor=actor)

    # ------------------------------------------------------------------ promotions

    def promotions(self) -> list[PromotionInfo]:
        self._require(Action.CATALOG)
        return list_promotions()

    def import_promotions(self, path_text: str) -> Imported:
        """The promotions of the file at ``path_text`` (TOML or CSV) become the store's, all or nothing."""
        actor = self._require(Action.CATALOG)
        path = promotion_file_path(path_text)
        try:
            return when_free(import_promotions, path, self.currency, actor=actor, now=self.clock())
        except PromotionFileError as exc:
            raise AdminError(file_refusal(exc)) from None

    def set_promotion_active(self, code: str, active: bool) -> PromotionInfo:
        actor = self._require(Action.CATALOG)
        return when_free(set_promotion_active, code, active, actor=actor, now=self.clock())

    # ------------------------------------------------------------------ members

    def members(self) -> list[MemberInfo]:
        self._require(Action.CATALOG)
        return member_service.list_members()

    def add_member(self, card: str, phone: str, name: str) -> MemberInfo:
        """A new member known by card and/or phone (either may be empty, not both)."""
        actor = self._require(Action.CATALOG)
        return when_free(member_service.add_member, self.config, card=card, phone=phone, name=name, actor=actor)

    def adjust_member_points(self, code: str, points_text: str, reason: str) -> MemberInfo:
        """Add (``+50``, ``50``) or take (``-20``) points by hand, with the reason journaled."""
        actor = self._require(Action.CATALOG)
        points = signed_points(points_text)
        return when_free(member_service.adjust_points, self.config, code, points, reason, actor=actor)

    def set_member_disabled(self, code: str, disabled: bool) -> MemberInfo:
        actor = self._require(Action.CATALOG)
        return when_free(member_service.set_disabled, self.config, code, disabled, actor=actor)

    # ------------------------------------------------------------------ users

    def users(self) -> list[users.UserInfo]:
        self._require(Action.USERS)
        return users.list_users()

    def add_user(self, name: str, role: str, pin: str) -> users.UserInfo:
        actor = self._require(Action.USERS)
        return when_free(users.add_user, name, role, pin, self.config.security.pin_min_length, now=self.clock(),
                         actor=actor)

    def reset_pin(self, name: str, pin: str) -> users.UserInfo:
        actor = self._require(Action.USERS)
        return when_free(users.change_pin, name, pin, self.config.security.pin_min_length, now=self.clock(),
                         actor=actor)

    def disable_user(self, name: str) -> users.UserInfo:
        actor = self._require(Action.USERS)
        if self.operator is not None and name == self.operator.name:
            raise AdminError(_("you cannot disable yourself while signed in"))
        return when_free(users.disable_user, name, actor=actor)

    def enable_user(self, name: str) -> users.UserInfo:
        actor = self._require(Action.USERS)
        return when_free(users.enable_user, name, actor=actor)

    def unlock_user(self, name: str) -> users.UserInfo:
        actor = self._require(Action.USERS)
        return when_free(users.unlock_user, name, actor=actor)

    # ------------------------------------------------------------------ reports

    def business_day(self) -> dt.date:
        """The store's business day now (``[store] day_starts_at``)."""
        return context_of(self.config).business_day(self.clock())

    def day_to_close(self) -> dt.date:
        """The business day the next Z report closes (the oldest one not closed yet)."""
        return reports.day_to_close(context_of(self.config), self.clock())

    def x_report(self, day: dt.date) -> Report:
        """Every shift of this lane in business day ``day``, so far (journaled like any X report)."""
        actor = self._require(Action.X_REPORT)
        return when_free(reports.x_report, context_of(self.config), self.clock(), day=day, actor=actor)

    def z_report(self, day: dt.date) -> Report:
        """The Z report of business day ``day`` exactly as it was taken."""
        self._require(Action.Z_REPORT)
        return reports.stored_z_report(self.config.store.lane, day)

    def lane_z_report(self, lane: int, day: dt.date) -> Report:
        """The Z report lane ``lane`` took for business day ``day`` (kept in the shared store)."""
        self._require(Action.Z_REPORT)
        return reports.stored_z_report(lane, day)

    def take_z_report(self) -> Report:
        """Close the oldest business day not closed yet on this lane (refused while a shift of that day
        is open, or when that day has its Z)."""
        actor = self._require(Action.Z_REPORT)
        return when_free(reports.take_z_report, context_of(self.config), self.clock(), actor=actor)

    def z_report_refusal(self) -> str | None:
        """Why today cannot be closed on this lane, checked before the close is confirmed; None: it can."""
        self._require(Action.Z_REPORT)
        return reports.z_report_refusal(context_of(self.config), self.clock())

    def sales_by_hour(self, day: dt.date) -> tuple[HourTotal, ...]:
        """Paid sales of every lane on ``day``, per hour."""
        self._require(Action.X_REPORT)
        return admin_queries.sales_by_hour(day)

    # ------------------------------------------------------------------ sales and payments

    def held_sales(self) -> list[tuple[sales.SaleRecord, int, int]]:
        """Suspended sales of every lane: (sale, items, total)."""
        self._signed_in()
        return sales.suspended_sales()

    def unknown_payments(self) -> list[UnknownPayment]:
        self._require(Action.RESOLVE_PAYMENT)
        return admin_queries.unknown_payments()

    def approve(self, name: str, pin: str) -> Approval:
        """A supervisor's (or admin's) PIN for resolving a payment; failed PINs count."""
        sec = self.config.security
        return when_free(users.approve, name.strip(), pin, Action.RESOLVE_PAYMENT, self.clock(),
                         extra_supervisor_actions=sec.supervisor_required_for, max_attempts=sec.max_attempts,
                         lockout_minutes=sec.lockout_minutes)

    def refuse_if_in_flight(self, unknown: UnknownPayment) -> None:
        """A pending attempt of a lane that is running is a payment its terminal may still be
        answering: resolving it here could book a charge the terminal then declines, or the reverse."""
        pending = unknown.payment.status == PaymentStatus.PENDING
        if pending and lane_running(self.config.database.url, unknown.sale.lane):
            raise AdminError(_("lane {lane} is running, its terminal may still answer: resolve it on that lane").format(
                lane=f"{unknown.sale.lane:02d}"))

    def resolve_payment(self, payment_id: int, *, charged: bool, auth_code: str, approval: Approval) -> str:
        """Settle an unknown outcome from the terminal's own ticket; returns what happened in words.

        An approval that covers the balance pays the sale: it is numbered and its receipt queued
        for its lane, as if the lane had been told at once.
        """
        actor = self._require(Action.RESOLVE_PAYMENT)
        if charged and not auth_code.strip():
            raise AdminError(_("enter the auth code printed on the terminal's ticket"))
        unknown = next((u for u in admin_queries.unknown_payments() if u.payment.id == payment_id), None)
        if unknown is None:
            raise AdminError(_("that payment is no longer unknown: someone resolved it already"))
        self.refuse_if_in_flight(unknown)
        supervisor = redeem(approval, Action.RESOLVE_PAYMENT)
        payment = unknown.payment
        tax = self.config.tax
        totals = sale_totals(payment.sale_id, tax.rates, tax.prices_include_tax)
        receipt_no = when_free(sales.resolve_attempt, payment_id, charged=charged, auth_code=auth_code.strip(),
                               supervisor=supervisor, totals=(totals.total, totals.tax_total),
                               actor=actor, now=self.clock())
        amount = self.money(payment.amount)
        if receipt_no is not None:
            return _("{amount} confirmed as charged: the sale is paid, receipt {receipt} waits to print on its "
                     "lane").format(amount=amount, receipt=receipt_no)
        return (_("{amount} confirmed as charged") if charged else _("{amount} marked as not charged")).format(
            amount=amount)

    # ------------------------------------------------------------------ devices and backup

    def check_devices(self) -> list[DeviceReport]:
        """Blocking (call from a worker): open each configured device once. Refused while a lane is
        talking to its terminal: two callers on one serial line would spoil that payment."""
        self._signed_in()
        try:
            if admin_queries.payments_in_progress():
                raise AdminError(_("a card or wallet payment is in progress on a lane: check the devices after it"))
        finally:
            current_database().close()  # this worker thread's own connection
        return check_devices(self.config)

    def backup_now(self) -> Path:
        """Blocking (call from a worker): an online copy in the backup folder, integrity-checked;
        the oldest copies beyond ``[backup] keep`` are removed."""
        return backup_now(self.config, actor=self._require(Action.BACKUP), now=self.clock())
