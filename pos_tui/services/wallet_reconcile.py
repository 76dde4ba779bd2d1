"""``pos-tui wallets reconcile --date D``: each acquirer's bill of the day against the database.

A difference is a trade or refund in the bill the database does not hold as settled, one the
database holds that the bill lacks, or one whose amounts differ. An attempt the lane still has as
pending or unknown that the bill shows is listed too (a supervisor resolves it with the bill as
evidence). Methods served by the same acquirer (Shouqianba for both wallets) are taken together;
Shouqianba has no bill API, so its methods are reported as not reconciled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pos_tui.config import Config, ConfigError
from pos_tui.domain.payment import SETTLED, wallet_methods
from pos_tui.gateways.acquirer import BillRow
from pos_tui.i18n import N_, _
from pos_tui.services.errors import AdminError
from pos_tui.store.wallet_ledger import LedgerRow, wallet_rows

KINDS = (N_("payment"), N_("refund"))
MISSING_IN_DATABASE = N_("in the bill, not in the database")
MISSING_IN_BILL = N_("in the database, not in the bill")
AMOUNT_DIFFERS = N_("amounts differ")
NOT_SETTLED = N_("in the bill, not settled in the database")


@dataclass(frozen=True)
class Difference:
    gateway: str
    kind: str  # payment | refund
    number: str
    problem: str  # one of the N_ texts above
    bill_amount: int | None
    database_amount: int | None


@dataclass(frozen=True)
class Reconciliation:
    day: dt.date
    checked: tuple[str, ...]  # the gateways whose bills were fetched
    skipped: tuple[str, ...]  # gateways with no bill API
    differences: tuple[Difference, ...]


def differences(gateway: str, bill: list[BillRow], ledger: list[LedgerRow]) -> list[Difference]:
    """Pure: what the bill and the database disagree on, by (kind, number)."""
    in_bill = {(row.kind, row.number): row for row in bill}
    in_db = {(row.kind, row.number): row for row in ledger}
    found = []
    for key in sorted(in_bill.keys() | in_db.keys()):
        billed, recorded = in_bill.get(key), in_db.get(key)
        if recorded is None:
            found.append(Difference(gateway, key[0], key[1], MISSING_IN_DATABASE, billed.amount, None))
        elif billed is None:
            if recorded.status in SETTLED:
                found.append(Difference(gateway, key[0], key[1], MISSING_IN_BILL, None, recorded.amount))
        elif recorded.status not in SETTLED:
            found.append(Difference(gateway, key[0], key[1], NOT_SETTLED, billed.amount, recorded.amount))
        elif billed.amount != recorded.amount:
            found.append(Difference(gateway, key[0], key[1], AMOUNT_DIFFERS, billed.amount, recorded.amount))
    return found


def reconcile(config: Config, day: dt.date, gateways: dict[str, object] | None = None) -> Reconciliation:
    """Fetch the bill of ``day`` from every network gateway in the config and compare. The database
    must be open. ``gateways`` (method -> gateway) replaces opening them from the config (tests)."""
    from pos_tui.gateways.acquirer import Busy, Untrusted
    from pos_tui.gateways.keys import KeyFileError
    from pos_tui.gateways.transport import NoAnswer
    from pos_tui.acquirer_config import NETWORK_GATEWAYS

    by_gateway: dict[str, list[str]] = {}
    for entry in wallet_methods():
        settings = config.payments[entry.name]
        if settings.enabled and settings.gateway in NETWORK_GATEWAYS:
            by_gateway.setdefault(settings.gateway, []).append(entry.name)
    checked, skipped, found = [], [], []
    for gateway_name, methods in by_gateway.items():
        if gateway_name == "shouqianba":
            skipped.append(gateway_name)
            continue
        if gateways is not None:
            gateway = gateways[methods[0]]
        else:
            from pos_tui.gateways.factory import open_gateway

            try:
                gateway = open_gateway(config.payments[methods[0]])
            except KeyFileError as exc:
                raise ConfigError(f"payments.{methods[0]}.{exc.key}", exc.problem) from None
        try:
            bill = gateway.bill(day)
        except (NoAnswer, Busy, Untrusted) as exc:
            raise AdminError(_("could not fetch the bill: {reason}").format(reason=_(str(exc)))) from None
        found += differences(gateway_name, bill, wallet_rows(day, methods))
        checked.append(gateway_name)
    return Reconciliation(day, tuple(checked), tuple(skipped), tuple(found))
