"""WeChat Pay payment code (付款码) on API v3, signed SHA256-RSA2048.

Requests: ``POST /v3/pay/transactions/codepay``, ``GET /v3/pay/transactions/out-trade-no/{no}``,
``POST /v3/pay/transactions/out-trade-no/{no}/reverse``, ``POST /v3/refund/domestic/refunds``,
``GET /v3/refund/domestic/refunds/{out_refund_no}`` and ``GET /v3/bill/tradebill``. Each carries
``Authorization: WECHATPAY2-SHA256-RSA2048 mchid=..,nonce_str=..,signature=..,timestamp=..,serial_no=..``
over ``METHOD\\npath?query\\ntimestamp\\nnonce\\nbody\\n`` with the merchant's private key. Every
answer must carry Wechatpay-Signature/-Timestamp/-Nonce/-Serial: the serial must name the
configured platform key (or certificate), the timestamp be within 5 minutes, and the signature
verify over ``timestamp\\nnonce\\nbody\\n``; otherwise the answer is never taken as approved.

Codepay answers "the customer is still confirming" with HTTP 202 (USERPAYING): the status code
decides, not only the body. The v2 ``micropay`` (XML, MD5/HMAC keys, a client certificate for
reverse) is not built. Signed with ``cryptography``: wechatpayv3 would sign the requests but
brings its own HTTP client and certificate downloader the lane does not need.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import secrets
import time
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

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
)
from pos_tui.gateways.keys import sign, verify
from pos_tui.i18n import N_, _

_S = PaymentStatus
SCHEME = "WECHATPAY2-SHA256-RSA2048"
MAX_SKEW = 300
_CODE_INVALID = {"AUTH_CODE_ERROR", "AUTH_CODE_INVALID", "AUTHCODEEXPIRE", "AUTH_CODE_EXPIRE"}
_NO_BALANCE = {"NOT_ENOUGH", "NOTENOUGH"}
_ASK_AGAIN = {"SYSTEM_ERROR", "SYSTEMERROR", "BANK_ERROR", "BANKERROR", "ORDERPAID", "ORDER_PAID",
              "FREQUENCY_LIMITED", "TRADE_ERROR"}
_PAID = {"SUCCESS", "REFUND"}
_WAITING = {"USERPAYING", "NOTPAY", "ACCEPT"}
_FAILED = {"PAYERROR", "CLOSED", "REVOKED"}


def authorization(private_key: rsa.RSAPrivateKey, mchid: str, serial_no: str, method: str, path: str,
                  body: str, *, timestamp: str | None = None, nonce: str | None = None) -> str:
    """The ``Authorization`` header of one v3 request."""
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or secrets.token_hex(16)
    signature = sign(private_key, f"{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n".encode("utf-8"))
    return (f'{SCHEME} mchid="{mchid}",nonce_str="{nonce}",signature="{signature}",'
            f'timestamp="{timestamp}",serial_no="{serial_no}"')


class WeChatGateway(AcquirerGateway):
    name = "wechat"
    acquirer = N_("WeChat Pay")

    def __init__(self, *, mchid: str, appid: str, merchant_serial_no: str, private_key: rsa.RSAPrivateKey,
                 platform_public_key: rsa.RSAPublicKey, platform_serial: str,
                 url: str = "https://api.mch.weixin.qq.com", subject: str = "", timeout: float = 10.0,
                 **kwargs: Any) -> None:
        super().__init__(timeout=timeout, **kwargs)
        self.mchid, self.appid = mchid, appid
        self.merchant_serial_no = merchant_serial_no
        self.private_key = private_key
        self.platform_public_key = platform_public_key
        self.platform_serial = platform_serial
        self.url = url.rstrip("/")
        self.subject = subject or "POS"

    # -- one signed call

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, *,
             max_body: int = transport.MAX_BODY) -> tuple[int, Any]:
        """Send one v3 request; (HTTP status, the verified JSON or None for no content)."""
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":")) if body is not None else ""
        headers = {"Authorization": authorization(self.private_key, self.mchid, self.merchant_serial_no, method,
                                                  path, text),
                   "Accept": "application/json", "User-Agent": "pos-tui"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        answer = transport.refuse_server_errors(transport.request(
            method, self.url + path, body=text.encode("utf-8") if body is not None else None, headers=headers,
            timeout=self.timeout, max_body=max_body))
        self.check_signature(answer)
        if not answer.body:
            return answer.status, None
        try:
            return answer.status, json.loads(answer.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise Untrusted("not JSON") from None

    def check_signature(self, answer: transport.HttpAnswer) -> None:
        stamp, nonce = answer.header("Wechatpay-Timestamp"), answer.header("Wechatpay-Nonce")
        signature, serial = answer.header("Wechatpay-Signature"), answer.header("Wechatpay-Serial")
        if not (stamp and nonce and signature) or serial != self.platform_serial:
            raise Untrusted("signature")
        if not stamp.isdigit() or abs(int(stamp) - time.time()) > MAX_SKEW:
            raise Untrusted("timestamp")
        message = stamp.encode() + b"\n" + nonce.encode() + b"\n" + answer.body + b"\n"
        if not verify(self.platform_public_key, message, signature):
            raise Untrusted("signature")

    def _error(self, body: Any) -> str:
        return str(body.get("code", "")) if isinstance(body, dict) else ""

    def _trade(self, body: Any, out_trade_no: str) -> tuple[str, str]:
        """(trade_state, transaction_id) of an answer about our trade and amount."""
        if not isinstance(body, dict):
            raise Untrusted("answer")
        self._same(body.get("out_trade_no"), out_trade_no, "out_trade_no")
        self._same(body.get("mchid", self.mchid), self.mchid, "mchid")
        amount = body.get("amount")
        if isinstance(amount, dict) and "total" in amount:
            total = amount["total"]
            if not isinstance(total, int) or isinstance(total, bool):
                raise Untrusted("amount")
            self._check_amount(out_trade_no, total)
        state = str(body.get("trade_state", ""))
        number = safe_id(body["transaction_id"]) if body.get("transaction_id") else ""
        return state, number

    def _state(self, state: str, number: str) -> Outcome:
        if state in _PAID:
            return Outcome(_S.APPROVED, transaction_id=safe_id(number))
        if state in _WAITING:
            return Outcome(_S.PENDING, confirming(), transaction_id=number)
        if state in _FAILED:
            return Outcome(_S.DECLINED, _("the trade was closed"), transaction_id=number)
        raise Untrusted("trade_state")

    def _refusal(self, body: Any) -> Outcome:
        code = self._error(body)
        if code in _ASK_AGAIN:
            raise Busy(code)
        if code == "USERPAYING":
            return Outcome(_S.PENDING, confirming())
        if code in _CODE_INVALID or code == "PARAM_ERROR":
            return Outcome(_S.DECLINED, code_invalid())
        if code in _NO_BALANCE:
            return Outcome(_S.DECLINED, no_balance())
        return Outcome(_S.DECLINED, refused(self.acquirer, code))

    # -- the calls

    def _pay(self, code: str, amount: int, currency: str, out_trade_no: str) -> Outcome:
        status, body = self.call("POST", "/v3/pay/transactions/codepay", {
            "appid": self.appid, "mchid": self.mchid, "description": self.subject, "out_trade_no": out_trade_no,
            "payer": {"auth_code": code}, "amount": {"total": amount, "currency": currency},
            "scene_info": {"store_info": {"out_id": "pos-tui"}}})
        if status == 202:  # USERPAYING: the customer confirms on the phone, whatever the body says
            return Outcome(_S.PENDING, confirming())
        if status == 200:
            state, number = self._trade(body, out_trade_no)
            return self._state(state or "SUCCESS", number)
        return self._refusal(body)

    def _query(self, out_trade_no: str) -> Outcome:
        path = f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no)}?{urlencode({'mchid': self.mchid})}"
        status, body = self.call("GET", path)
        if status == 404 or self._error(body) in ("ORDER_NOT_EXIST", "ORDERNOTEXIST"):
            return Outcome(_S.UNKNOWN, _("{acquirer} has no such trade yet").format(acquirer=_(self.acquirer)))
        if status != 200:
            if self._error(body) in _ASK_AGAIN:
                raise Busy(self._error(body))
            return Outcome(_S.UNKNOWN, refused(self.acquirer, self._error(body)))
        return self._state(*self._trade(body, out_trade_no))

    def _reverse(self, out_trade_no: str) -> Outcome:
        status, body = self.call("POST", f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no)}/reverse",
                                 {"appid": self.appid, "mchid": self.mchid})
        if status in (200, 204):
            if isinstance(body, dict) and "out_trade_no" in body:
                self._same(body["out_trade_no"], out_trade_no, "out_trade_no")
            return Outcome(_S.REVERSED)
        if self._error(body) in _ASK_AGAIN | {"USERPAYING"}:
            raise Busy(self._error(body))
        return Outcome(_S.UNKNOWN, refused(self.acquirer, self._error(body)))

    def _refund_state(self, body: Any, amount: int, refund_no: str) -> Outcome | None:
        if not isinstance(body, dict):
            raise Untrusted("answer")
        self._same(body.get("out_refund_no"), refund_no, "out_refund_no")
        refunded = body.get("amount", {}).get("refund") if isinstance(body.get("amount"), dict) else None
        if refunded != amount:
            raise Untrusted("amount")
        state, number = body.get("status"), safe_id(body.get("refund_id"))
        if state == "SUCCESS":
            return Outcome(_S.REFUNDED, transaction_id=number)
        if state == "PROCESSING":
            raise Busy("PROCESSING")
        if state in ("CLOSED", "ABNORMAL"):
            return Outcome(_S.DECLINED, refused(self.acquirer, state), transaction_id=number)
        raise Untrusted("status")

    def _refund(self, out_trade_no: str, amount: int, refund_no: str) -> Outcome:
        status, body = self.call("GET", f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no)}?"
                                        f"{urlencode({'mchid': self.mchid})}")
        if status != 200:
            return self._refusal(body) if status != 404 else Outcome(
                _S.DECLINED, _("{acquirer} has no such trade").format(acquirer=_(self.acquirer)))
        self._trade(body, out_trade_no)
        total = body["amount"]["total"] if isinstance(body.get("amount"), dict) else None
        if not isinstance(total, int):
            raise Untrusted("amount")
        status, body = self.call("POST", "/v3/refund/domestic/refunds", {
            "out_trade_no": out_trade_no, "out_refund_no": refund_no,
            "amount": {"refund": amount, "total": total, "currency": "CNY"}})
        if status == 200:
            return self._refund_state(body, amount, refund_no)
        return self._refusal(body)

    def _refund_query(self, out_trade_no: str, amount: int, refund_no: str) -> Outcome | None:
        status, body = self.call("GET", f"/v3/refund/domestic/refunds/{quote(refund_no)}")
        if status == 404:
            return None
        if status != 200:
            if self._error(body) in _ASK_AGAIN:
                raise Busy(self._error(body))
            return None
        return self._refund_state(body, amount, refund_no)

    # -- the day's bill

    def bill(self, day: dt.date) -> list[BillRow]:
        """The trades and refunds of ``day`` from the trade bill (``bill_type=ALL``)."""
        status, body = self.call("GET", f"/v3/bill/tradebill?{urlencode({'bill_date': day.isoformat(), 'bill_type': 'ALL'})}")
        if status != 200 or not isinstance(body, dict) or not isinstance(body.get("download_url"), str):
            raise transport.NoAnswer(refused(self.acquirer, self._error(body) or status))
        parts = urlsplit(body["download_url"])
        if f"{parts.scheme}://{parts.netloc}" != f"{urlsplit(self.url).scheme}://{urlsplit(self.url).netloc}":
            raise Untrusted("bill URL")
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        answer = transport.request("GET", self.url + path, timeout=self.timeout * 3, max_body=64 << 20, headers={
            "Authorization": authorization(self.private_key, self.mchid, self.merchant_serial_no, "GET", path, ""),
            "Accept": "application/json", "User-Agent": "pos-tui"})
        if answer.status != 200:
            raise transport.NoAnswer(f"HTTP {answer.status}")
        if body.get("hash_type") != "SHA1" or hashlib.sha1(answer.body).hexdigest() != str(body.get("hash_value")).lower():
            raise Untrusted("bill hash")
        return parse_trade_bill(answer.body)


def parse_trade_bill(data: bytes) -> list[BillRow]:
    """The trade bill's CSV (values prefixed with a backquote), up to its summary lines."""
    lines = data.decode("utf-8-sig").splitlines()
    rows = list(csv.reader(lines))
    if not rows:
        return []
    header = [cell.strip() for cell in rows[0]]
    at = {name: header.index(name) for name in header}
    found = []
    for row in rows[1:]:
        cells = [cell.strip().lstrip("`") for cell in row]
        if len(cells) < len(header):
            break  # the summary (总交易单数, ...) follows the detail
        state = cells[at["交易状态"]]
        if state == "SUCCESS":
            found.append(BillRow("payment", cells[at["商户订单号"]], parse_yuan(cells[at["应结订单金额"]]),
                                 cells[at["微信订单号"]]))
        elif state == "REFUND":
            found.append(BillRow("refund", cells[at["商户退款单号"]], parse_yuan(cells[at["退款金额"]]),
                                 cells[at["微信订单号"]]))
    return found
