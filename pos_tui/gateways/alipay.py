"""Alipay face-to-face payment (当面付) on the Alipay OpenAPI, signed with RSA2.

Requests: ``alipay.trade.pay`` (scene ``bar_code``), ``alipay.trade.query``, ``alipay.trade.cancel``,
``alipay.trade.refund``, ``alipay.trade.fastpay.refund.query`` and
``alipay.data.dataservice.bill.downloadurl.query``, POSTed as a form to the gateway URL
(production ``https://openapi.alipay.com/gateway.do``, or the sandbox's). The common parameters
are signed SHA256withRSA over ``k=v&...`` sorted by name (empty values and ``sign`` left out).
Every answer is verified with Alipay's public key over the raw JSON text of its
``<method>_response`` member, exactly as sent; an answer that does not verify is never taken as
approved. Alipay reads ``timestamp`` as Beijing time whatever the lane's time zone, so it is sent
in UTC+8. Public-key mode only (not the certificate mode with ``app_cert_sn``).

Signed with ``cryptography`` rather than an SDK: python-alipay-sdk and alipay-sdk-python both stamp
naive local time, install the same top-level ``alipay`` package, and hide the raw answer text the
signature covers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from typing import Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives.asymmetric import rsa

from pos_tui.domain.payment import Outcome, PaymentStatus
from pos_tui.gateways import transport
from pos_tui.gateways.acquirer import (
    AcquirerGateway,
    BillRow,
    Busy,
    Untrusted,
    code_invalid,
    confirming,
    no_balance,
    parse_yuan,
    refused,
    safe_id,
    yuan,
)
from pos_tui.gateways.keys import sign, verify
from pos_tui.i18n import N_, _

_S = PaymentStatus
BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
_CODE_INVALID = {"ACQ.PAYMENT_AUTH_CODE_INVALID", "ACQ.AUTH_CODE_INVALID", "ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR"}
_NO_BALANCE = {"ACQ.BUYER_BALANCE_NOT_ENOUGH", "ACQ.BUYER_BANKCARD_BALANCE_NOT_ENOUGH"}
_ASK_AGAIN = {"ACQ.SYSTEM_ERROR", "ACQ.TRADE_HAS_SUCCESS", "ACQ.TRADE_STATUS_ERROR", "aop.ACQ.SYSTEM_ERROR"}


def beijing_timestamp(now: dt.datetime | None = None) -> str:
    """``yyyy-MM-dd HH:mm:ss`` in Beijing time, as Alipay reads ``timestamp``."""
    moment = now or dt.datetime.now(dt.timezone.utc)
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is needed to send Beijing time")
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def sign_content(params: dict[str, str]) -> str:
    """What RSA2 signs: every parameter but ``sign`` with a value, sorted by name, as k=v&k=v."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v != "")


def raw_member(text: str, name: str) -> str | None:
    """The exact JSON text of the top-level member ``name`` of ``text`` (what Alipay signed)."""
    try:
        document = json.loads(text)
    except ValueError:
        raise Untrusted("not JSON") from None
    if not isinstance(document, dict) or name not in document:
        return None
    decoder = json.JSONDecoder()
    for match in re.finditer(r'"' + re.escape(name) + r'"\s*:\s*', text):
        try:
            value, end = decoder.raw_decode(text, match.end())
        except ValueError:
            continue
        if value == document[name]:
            return text[match.end():end]
    return None


class AlipayGateway(AcquirerGateway):
    name = "alipay"
    acquirer = N_("Alipay")

    def __init__(self, *, app_id: str, private_key: rsa.RSAPrivateKey, alipay_public_key: rsa.RSAPublicKey,
                 url: str = "https://openapi.alipay.com/gateway.do", subject: str = "", timeout: float = 10.0,
                 **kwargs: Any) -> None:
        super().__init__(timeout=timeout, **kwargs)
        self.app_id = app_id
        self.private_key = private_key
        self.alipay_public_key = alipay_public_key
        self.url = url
        self.subject = subject or "POS"

    # -- one signed call

    def call(self, method: str, biz: dict[str, Any]) -> dict[str, Any]:
        """Send ``method`` with ``biz_content``; the verified ``<method>_response`` (or ``error_response``)
        member. NoAnswer when nothing usable came back, Untrusted when it does not verify."""
        params = {
            "app_id": self.app_id, "method": method, "format": "JSON", "charset": "utf-8",
            "sign_type": "RSA2", "timestamp": beijing_timestamp(), "version": "1.0",
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
        }
        params["sign"] = sign(self.private_key, sign_content(params).encode("utf-8"))
        answer = transport.refuse_server_errors(transport.request(
            "POST", self.url, body=urlencode(params).encode("ascii"), timeout=self.timeout,
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8", "Accept": "application/json"}))
        if answer.status != 200:
            raise Untrusted(f"HTTP {answer.status}")
        try:
            text = answer.body.decode("utf-8")
        except UnicodeDecodeError:
            raise Untrusted("not UTF-8") from None
        raw = raw_member(text, method.replace(".", "_") + "_response") or raw_member(text, "error_response")
        signature = json.loads(text).get("sign")
        if raw is None or not isinstance(signature, str) or not verify(self.alipay_public_key, raw.encode("utf-8"),
                                                                       signature):
            raise Untrusted("signature")
        body = json.loads(raw)
        if not isinstance(body, dict):
            raise Untrusted("answer")
        return body

    @staticmethod
    def _codes(body: dict[str, Any]) -> tuple[str, str]:
        return str(body.get("code", "")), str(body.get("sub_code", ""))

    def _trade(self, body: dict[str, Any], out_trade_no: str) -> str:
        """Check the answer is about our trade and amount; its Alipay trade number."""
        self._same(body.get("out_trade_no"), out_trade_no, "out_trade_no")
        if "total_amount" in body:
            self._check_amount(out_trade_no, parse_yuan(body["total_amount"]))
        return safe_id(body.get("trade_no"))

    def _refusal(self, body: dict[str, Any]) -> Outcome:
        code, sub_code = self._codes(body)
        if code == "20000" or sub_code in _ASK_AGAIN:
            raise Busy(sub_code or code)
        if sub_code in _CODE_INVALID:
            return Outcome(_S.DECLINED, code_invalid())
        if sub_code in _NO_BALANCE:
            return Outcome(_S.DECLINED, no_balance())
        return Outcome(_S.DECLINED, refused(self.acquirer, sub_code or code))

    # -- the calls

    def _pay(self, code: str, amount: int, currency: str, out_trade_no: str) -> Outcome:
        body = self.call("alipay.trade.pay", {
            "out_trade_no": out_trade_no, "scene": "bar_code", "auth_code": code,
            "product_code": "FACE_TO_FACE_PAYMENT", "subject": self.subject, "total_amount": yuan(amount)})
        status, sub_code = self._codes(body)
        if status == "10000":
            return Outcome(_S.APPROVED, transaction_id=self._trade(body, out_trade_no))
        if status == "10003" or sub_code == "ACQ.TRADE_PAY_USERPAYING":
            return Outcome(_S.PENDING, confirming())
        return self._refusal(body)

    def _query(self, out_trade_no: str) -> Outcome:
        body = self.call("alipay.trade.query", {"out_trade_no": out_trade_no})
        status, sub_code = self._codes(body)
        if status != "10000":
            if sub_code == "ACQ.TRADE_NOT_EXIST":
                return Outcome(_S.UNKNOWN, _("{acquirer} has no such trade yet").format(acquirer=_(self.acquirer)))
            if status == "20000" or sub_code in _ASK_AGAIN:
                raise Busy(sub_code or status)
            return Outcome(_S.UNKNOWN, refused(self.acquirer, sub_code or status))
        trade_no = self._trade(body, out_trade_no)
        state = body.get("trade_status")
        if state in ("TRADE_SUCCESS", "TRADE_FINISHED"):
            return Outcome(_S.APPROVED, transaction_id=trade_no)
        if state == "WAIT_BUYER_PAY":
            return Outcome(_S.PENDING, confirming(), transaction_id=trade_no)
        if state == "TRADE_CLOSED":
            return Outcome(_S.DECLINED, _("the trade was closed"), transaction_id=trade_no)
        raise Untrusted("trade_status")

    def _reverse(self, out_trade_no: str) -> Outcome:
        body = self.call("alipay.trade.cancel", {"out_trade_no": out_trade_no})
        status, sub_code = self._codes(body)
        if status == "10000" and body.get("retry_flag", "N") != "Y":
            self._same(body.get("out_trade_no"), out_trade_no, "out_trade_no")
            return Outcome(_S.REVERSED, transaction_id=str(body.get("trade_no") or ""))
        if status in ("10000", "20000") or sub_code in _ASK_AGAIN:
            raise Busy(sub_code or "retry")
        return Outcome(_S.UNKNOWN, refused(self.acquirer, sub_code or status))

    def _refund(self, out_trade_no: str, amount: int, refund_no: str) -> Outcome:
        body = self.call("alipay.trade.refund", {
            "out_trade_no": out_trade_no, "refund_amount": yuan(amount), "out_request_no": refund_no})
        status, _sub = self._codes(body)
        if status == "10000":
            self._same(body.get("out_trade_no"), out_trade_no, "out_trade_no")
            if parse_yuan(body.get("refund_fee")) < amount:
                raise Untrusted("refund_fee")
            return Outcome(_S.REFUNDED, transaction_id=safe_id(body.get("trade_no")))
        return self._refusal(body)

    def _refund_query(self, out_trade_no: str, amount: int, refund_no: str) -> Outcome | None:
        body = self.call("alipay.trade.fastpay.refund.query", {
            "out_trade_no": out_trade_no, "out_request_no": refund_no})
        status, sub_code = self._codes(body)
        if status != "10000":
            if status == "20000" or sub_code in _ASK_AGAIN:
                raise Busy(sub_code or status)
            return None
        if body.get("refund_status") != "REFUND_SUCCESS" and "refund_amount" not in body:
            return None  # no such refund: the caller sends it again
        self._same(body.get("out_request_no"), refund_no, "out_request_no")
        if parse_yuan(body.get("refund_amount")) != amount:
            raise Untrusted("refund_amount")
        return Outcome(_S.REFUNDED, transaction_id=safe_id(body.get("trade_no")))

    # -- the day's bill

    def bill(self, day: dt.date) -> list[BillRow]:
        """The trades and refunds of ``day`` (Beijing date) from Alipay's trade bill."""
        body = self.call("alipay.data.dataservice.bill.downloadurl.query",
                         {"bill_type": "trade", "bill_date": day.isoformat()})
        if self._codes(body)[0] != "10000" or not isinstance(body.get("bill_download_url"), str):
            raise transport.NoAnswer(refused(self.acquirer, self._codes(body)[1] or self._codes(body)[0]))
        url = body["bill_download_url"]
        if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise Untrusted("bill URL")
        answer = transport.request("GET", url, timeout=self.timeout * 3, max_body=64 << 20)
        if answer.status != 200:
            raise transport.NoAnswer(f"HTTP {answer.status}")
        return parse_trade_bill(answer.body)


def parse_trade_bill(data: bytes) -> list[BillRow]:
    """The detail CSV (``..._业务明细.csv``, GBK) inside Alipay's bill zip: its 交易 and 退款 rows."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [n for n in archive.namelist() if n.endswith(".csv") and "汇总" not in n]
        text = archive.read(names[0]).decode("gb18030") if names else ""
    rows = [row for row in csv.reader(io.StringIO(text)) if row and not row[0].startswith("#")]
    if not rows:
        return []
    header = [cell.strip() for cell in rows[0]]
    at = {name: header.index(name) for name in header}
    found = []
    for row in rows[1:]:
        cells = [cell.strip() for cell in row]
        if len(cells) < len(header):
            continue
        kind = cells[at["业务类型"]]
        amount = abs(_bill_amount(cells[at["订单金额（元）"]]))
        if kind == "交易":
            found.append(BillRow("payment", cells[at["商户订单号"]], amount, cells[at["支付宝交易号"]]))
        elif kind == "退款":
            found.append(BillRow("refund", cells[at["退款批次号/请求号"]], amount, cells[at["支付宝交易号"]]))
    return found


def _bill_amount(text: str) -> int:
    negative = text.startswith("-")
    value = parse_yuan(text.lstrip("-"))
    return -value if negative else value
