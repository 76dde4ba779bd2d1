"""Shouqianba (收钱吧) upay: one aggregator for Alipay, WeChat Pay and more, by the code it reads.

Requests: ``POST /upay/v2/pay``, ``/upay/v2/query``, ``/upay/v2/cancel`` and ``/upay/v2/refund``, a
JSON body signed ``Authorization: <terminal_sn> <md5(body + terminal_key)>`` (lower-case hex).
The aggregator routes the payment code itself: the lane sends it any code a method configured
with ``gateway = "shouqianba"`` is given (see ``routes_any_code``). Shouqianba's answers carry no
signature (the trust is TLS to its host): every answer is checked against the request instead
(``client_sn``, ``total_amount``, the refund's number and amount) and one that does not match is
never taken as approved. A refund whose answer is lost is sent again with the same
``refund_request_no`` (Shouqianba's idempotency key); there is no bill API, so
``wallets reconcile`` skips this gateway.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pos_tui.domain.payment import Outcome, PaymentStatus
from pos_tui.gateways import transport
from pos_tui.gateways.acquirer import (
    AcquirerGateway,
    Busy,
    Untrusted,
    code_invalid,
    confirming,
    no_balance,
    refused,
    safe_id,
)
from pos_tui.i18n import N_, _

_S = PaymentStatus
_CODE_INVALID = {"EXPIRED_BARCODE", "INVALID_BARCODE", "ILLEGAL_BARCODE", "INVALID_DYNAMIC_ID"}
_NO_BALANCE = {"NOT_ENOUGH_BALANCE", "BALANCE_NOT_ENOUGH", "INSUFFICIENT_BALANCE"}


def signature(body: str, terminal_key: str) -> str:
    return hashlib.md5((body + terminal_key).encode("utf-8")).hexdigest()


class ShouqianbaGateway(AcquirerGateway):
    name = "shouqianba"
    acquirer = N_("Shouqianba")
    routes_any_code = True

    def __init__(self, *, terminal_sn: str, terminal_key: str, url: str = "https://vsi-api.shouqianba.com",
                 subject: str = "", timeout: float = 10.0, **kwargs: Any) -> None:
        super().__init__(timeout=timeout, **kwargs)
        self.terminal_sn = terminal_sn
        self.terminal_key = terminal_key
        self.url = url.rstrip("/")
        self.subject = subject or "POS"
        self.refund_amounts: dict[str, int] = {}

    def call(self, path: str, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """(biz result_code, biz data) of one signed upay request."""
        text = json.dumps({"terminal_sn": self.terminal_sn, **body}, ensure_ascii=False, separators=(",", ":"))
        answer = transport.refuse_server_errors(transport.request(
            "POST", self.url + path, body=text.encode("utf-8"), timeout=self.timeout, headers={
                "Authorization": f"{self.terminal_sn} {signature(text, self.terminal_key)}",
                "Content-Type": "application/json", "Accept": "application/json"}))
        try:
            document = json.loads(answer.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise Untrusted("not JSON") from None
        if not isinstance(document, dict):
            raise Untrusted("answer")
        if str(document.get("result_code")) != "200":
            if str(document.get("result_code")).startswith("5"):
                raise Busy(str(document.get("error_code") or document.get("result_code")))
            raise Untrusted(str(document.get("error_code") or "result_code"))
        biz = document.get("biz_response")
        if not isinstance(biz, dict):
            raise Untrusted("biz_response")
        data = biz.get("data") if isinstance(biz.get("data"), dict) else {}
        return str(biz.get("result_code", "")), {**data, "error_code": biz.get("error_code", "")}

    def _order(self, data: dict[str, Any], out_trade_no: str) -> str:
        """Check the answer is about our order and amount; Shouqianba's order number."""
        self._same(data.get("client_sn"), out_trade_no, "client_sn")
        total = str(data.get("total_amount", ""))
        if not total.isdigit():
            raise Untrusted("total_amount")
        self._check_amount(out_trade_no, int(total))
        return safe_id(data.get("sn"))

    def _refusal(self, data: dict[str, Any]) -> Outcome:
        code = str(data.get("error_code") or "")
        if code in _CODE_INVALID:
            return Outcome(_S.DECLINED, code_invalid())
        if code in _NO_BALANCE:
            return Outcome(_S.DECLINED, no_balance())
        return Outcome(_S.DECLINED, refused(self.acquirer, code or "PAY_FAIL"))

    def _order_state(self, data: dict[str, Any], out_trade_no: str) -> Outcome:
        number = self._order(data, out_trade_no)
        state = data.get("order_status")
        if state in ("PAID", "PARTIAL_REFUNDED", "REFUNDED", "REFUND_INPROGRESS", "REFUND_ERROR"):
            return Outcome(_S.APPROVED, transaction_id=number)
        if state == "CREATED":
            return Outcome(_S.PENDING, confirming(), transaction_id=number)
        if state in ("PAY_CANCELED", "CANCELED"):
            return Outcome(_S.DECLINED, _("the trade was closed"), transaction_id=number)
        if state in ("PAY_ERROR", "CANCEL_ERROR", "CANCEL_INPROGRESS"):
            raise Busy(str(state))
        raise Untrusted("order_status")

    def _pay(self, code: str, amount: int, currency: str, out_trade_no: str) -> Outcome:
        result, data = self.call("/upay/v2/pay", {
            "client_sn": out_trade_no, "total_amount": str(amount), "dynamic_id": code, "subject": self.subject,
            "operator": "pos-tui"})
        if result == "PAY_SUCCESS":
            return self._order_state(data, out_trade_no)
        if result == "PAY_IN_PROGRESS":
            return Outcome(_S.PENDING, confirming())
        if result in ("PAY_FAIL_ERROR", "PAY_FAIL_IN_PROGRESS"):
            raise Busy(result)
        return self._refusal(data)

    def _query(self, out_trade_no: str) -> Outcome:
        result, data = self.call("/upay/v2/query", {"client_sn": out_trade_no})
        if result != "SUCCESS":
            return Outcome(_S.UNKNOWN, _("{acquirer} has no such trade yet").format(acquirer=_(self.acquirer)))
        return self._order_state(data, out_trade_no)

    def _reverse(self, out_trade_no: str) -> Outcome:
        result, data = self.call("/upay/v2/cancel", {"client_sn": out_trade_no})
        if result in ("CANCEL_SUCCESS", "CANCEL_ABORT_SUCCESS"):
            self._same(data.get("client_sn", out_trade_no), out_trade_no, "client_sn")
            return Outcome(_S.REVERSED)
        if result in ("CANCEL_ERROR", "CANCEL_IN_PROGRESS", "CANCEL_ABORT_ERROR"):
            raise Busy(result)
        return Outcome(_S.UNKNOWN, refused(self.acquirer, data.get("error_code") or result))

    def _refund(self, out_trade_no: str, amount: int, refund_no: str) -> Outcome:
        result, data = self.call("/upay/v2/refund", {
            "client_sn": out_trade_no, "refund_request_no": refund_no, "refund_amount": str(amount),
            "operator": "pos-tui"})
        if result == "REFUND_SUCCESS":
            number = self._order(data, out_trade_no)
            return Outcome(_S.REFUNDED, transaction_id=number)
        if result in ("REFUND_ERROR", "REFUND_IN_PROGRESS"):
            raise Busy(result)
        return self._refusal(data)

    def _refund_query(self, out_trade_no: str, amount: int, refund_no: str) -> Outcome | None:
        return None  # no refund query in upay: the same refund_request_no is sent again
