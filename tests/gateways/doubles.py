"""Acquirer doubles: real HTTP servers on 127.0.0.1 that speak Alipay's OpenAPI, WeChat Pay API v3
and Shouqianba's upay as their public docs give them.

Each double checks every request (the merchant's signature with the merchant's public key, the
required fields, Alipay's Beijing-time timestamp) and records what it refused in ``problems``;
it signs its answers with its own key (Shouqianba signs nothing: its answers are plain JSON).
Behaviour is scripted per new trade, one word each, in order:

  approve              paid at once
  userpaying[:N]       the customer confirms on the phone: paid on the N-th query (default 2)
  userpaying_forever   never confirmed: only a cancel ends it
  code_invalid         the payment code is invalid or expired
  no_balance           insufficient balance
  system_error         the pay call answers "system error" but the trade goes through
  reset                the request is taken (the trade is paid), the connection dropped unanswered
  forge                the answer says paid but is signed with another key (or, at Shouqianba,
                       names another amount); no trade is made
  unsigned             the answer says paid but carries no signature; no trade is made

With the script used up, the amount decides (the tmux demo): .02 userpaying:3, .03 code_invalid,
.04 no_balance, .05 forge, .06 reset, .07 userpaying_forever; anything else is approved. A refund
whose number is in ``lose_refunds`` is made but its answer dropped. ``bill_extra`` and
``bill_missing`` plant differences in the day's bill.

Run ``python -m tests.gateways.doubles FOLDER`` to start all three for a manual session: it writes
the keys and a ``wallets.toml`` with the ``[payments.*]`` tables, then serves until Ctrl+C.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
import json
import re
import secrets
import threading
import time
import zipfile
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from pos_tui.gateways.alipay import BEIJING, sign_content
from pos_tui.gateways.keys import sign, verify

_BY_CENTS = {2: "userpaying:3", 3: "code_invalid", 4: "no_balance", 5: "forge", 6: "reset", 7: "userpaying_forever"}


_GENERATED: dict[str, rsa.RSAPrivateKey] = {}


@dataclass(frozen=True)
class KeyPair:
    """An RSA key pair written as PEM files (0600); each role's key is made once per process."""

    private_file: Path
    public_file: Path

    @classmethod
    def create(cls, folder: Path, name: str) -> "KeyPair":
        if name not in _GENERATED:
            _GENERATED[name] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private = _GENERATED[name]
        folder.mkdir(parents=True, exist_ok=True)
        private_file, public_file = folder / f"{name}_private.pem", folder / f"{name}_public.pem"
        for file, data in (
            (private_file, private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption())),
            (public_file, private.public_key().public_bytes(serialization.Encoding.PEM,
                                                            serialization.PublicFormat.SubjectPublicKeyInfo)),
        ):
            file.touch(mode=0o600)
            file.chmod(0o600)
            file.write_bytes(data)
        return cls(private_file, public_file)


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Trade:
    number: str  # out_trade_no / client_sn
    amount: int
    trade_no: str
    state: str  # paid | waiting | closed
    polls: int = 0  # queries left before a waiting trade is paid (-1: never)
    refunds: dict[str, int] = field(default_factory=dict)
    cancelled: bool = False


_PARSED: dict[bytes, rsa.RSAPrivateKey] = {}


def _load_private(path: Path):
    """The key in the file; each PEM parsed once per process (parsing checks the key's numbers,
    ~40 ms for 2048 bits, and every double reads the same two files' bytes)."""
    data = path.read_bytes()
    if data not in _PARSED:
        _PARSED[data] = serialization.load_pem_private_key(data, password=None)
    return _PARSED[data]


def _load_public(path: Path):
    return serialization.load_pem_public_key(path.read_bytes())


class Double:
    """The shared part: the server thread, the script, the trades, the bill."""

    name = "double"

    def __init__(self, folder: Path, script: tuple[str, ...] = ()) -> None:
        self.folder = folder
        self.merchant = KeyPair.create(folder, f"{self.name}_merchant")
        self.acquirer = KeyPair.create(folder, f"{self.name}_acquirer")
        self.forger = KeyPair.create(folder, f"{self.name}_forger")
        self.merchant_public = _load_public(self.merchant.public_file)
        self.acquirer_private = _load_private(self.acquirer.private_file)
        self.forger_private = _load_private(self.forger.private_file)
        self.script: deque[str] = deque(script)
        self.trades: dict[str, Trade] = {}
        self.calls: list[str] = []
        self.problems: list[str] = []
        self.lose_refunds: set[str] = set()
        self.bill_extra: list[tuple[str, str, int]] = []  # (kind, number, amount)
        self.bill_missing: set[str] = set()
        self.lock = threading.Lock()
        self._serial = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "Double":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def queue(self, *words: str) -> None:
        self.script.extend(words)

    def charged(self) -> dict[str, int]:
        """out_trade_no -> what the customer is out of pocket now, for every paid trade."""
        with self.lock:
            return {t.number: t.amount - sum(t.refunds.values()) for t in self.trades.values() if t.state == "paid"}

    # -- the script

    def next_word(self, amount: int) -> tuple[str, int]:
        word = self.script.popleft() if self.script else _BY_CENTS.get(amount % 100, "approve")
        name, _colon, count = word.partition(":")
        if name == "userpaying_forever":
            return "userpaying", -1
        return name, int(count or 2)

    def new_trade(self, number: str, amount: int, word: str, polls: int) -> Trade:
        self._serial += 1
        trade = Trade(number, amount, f"{self.name.upper()[:2]}{dt.date.today():%Y%m%d}{self._serial:08d}",
                      "paid" if word in ("approve", "system_error", "reset") else "waiting", polls)
        self.trades[number] = trade
        return trade

    @staticmethod
    def poll(trade: Trade) -> None:
        if trade.state == "waiting" and trade.polls > 0:
            trade.polls -= 1
            if trade.polls == 0:
                trade.state = "paid"

    def refuse(self, problem: str) -> None:
        self.problems.append(problem)

    # -- the day's bill

    def bill_rows(self) -> list[tuple[str, str, int, str]]:
        """(kind, number, amount, trade_no) of the day, with the planted differences."""
        rows = []
        for trade in self.trades.values():
            if trade.state == "paid" or trade.refunds:
                if trade.number not in self.bill_missing:
                    rows.append(("payment", trade.number, trade.amount, trade.trade_no))
                rows += [("refund", no, amount, trade.trade_no) for no, amount in trade.refunds.items()
                         if no not in self.bill_missing]
        return rows + [(kind, number, amount, "X" + number) for kind, number, amount in self.bill_extra]

    # -- HTTP

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply | None:
        raise NotImplementedError

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                reply = double.handle(self.command, self.path, headers, body)
                if reply is None:  # taken, then the connection drops: no answer at all
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(reply.body)
                self.close_connection = True

            do_GET = do_POST = _serve

        return Handler


# ---------------------------------------------------------------------------------------- Alipay


class AlipayDouble(Double):
    """The Alipay OpenAPI gateway: form POSTs signed RSA2, JSON answers signed over the raw member."""

    name = "alipay"
    app_id = "2021000000000001"
    REQUIRED = {
        "alipay.trade.pay": ("out_trade_no", "scene", "auth_code", "subject", "total_amount"),
        "alipay.trade.query": ("out_trade_no",),
        "alipay.trade.cancel": ("out_trade_no",),
        "alipay.trade.refund": ("out_trade_no", "refund_amount", "out_request_no"),
        "alipay.trade.fastpay.refund.query": ("out_trade_no", "out_request_no"),
        "alipay.data.dataservice.bill.downloadurl.query": ("bill_type", "bill_date"),
    }

    def answer(self, method: str, inner: dict, *, key=None, signed: bool = True) -> Reply:
        member = method.replace(".", "_") + "_response"
        text = json.dumps(inner, ensure_ascii=False, separators=(",", ":"))
        body = '{"' + member + '":' + text
        if signed:
            body += ',"sign":"' + sign(key or self.acquirer_private, text.encode("utf-8")) + '"'
        body += "}"
        return Reply(200, body.encode("utf-8"), {"Content-Type": "application/json;charset=utf-8"})

    def error(self, method: str, sub_code: str, code: str = "40004") -> Reply:
        return self.answer(method, {"code": code, "msg": "Business Failed", "sub_code": sub_code,
                                    "sub_msg": "\x1b[31mrefused\x1b[0m"})  # outside text: never shown raw

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply | None:
        if path.startswith("/bill/"):
            return Reply(200, self.bill_zip())
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
        api = form.get("method", "")
        problem = self.check(form, api)
        if problem:
            self.refuse(problem)
            return self.answer("error", {"code": "40002", "msg": "Invalid Arguments", "sub_code": problem})
        biz = json.loads(form["biz_content"])
        with self.lock:
            self.calls.append(api)
            return getattr(self, "on_" + api.replace(".", "_"))(api, biz)

    def check(self, form: dict[str, str], api: str) -> str:
        for name in ("app_id", "method", "format", "charset", "sign_type", "timestamp", "version", "biz_content",
                     "sign"):
            if not form.get(name):
                return f"missing-{name}"
        if form["app_id"] != self.app_id:
            return "invalid-app-id"
        if (form["format"], form["charset"].lower(), form["sign_type"], form["version"]) != ("JSON", "utf-8",
                                                                                            "RSA2", "1.0"):
            return "invalid-parameter"
        if not verify(self.merchant_public, sign_content(form).encode("utf-8"), form["sign"]):
            return "invalid-signature"
        try:  # Alipay reads the timestamp as Beijing time
            sent = dt.datetime.strptime(form["timestamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
        except ValueError:
            return "invalid-timestamp"
        if abs((sent - dt.datetime.now(dt.timezone.utc)).total_seconds()) > 600:
            return "invalid-timestamp"
        if api not in self.REQUIRED:
            return "invalid-method"
        biz = json.loads(form["biz_content"])
        missing = [name for name in self.REQUIRED[api] if not biz.get(name)]
        if missing:
            return "missing-" + missing[0]
        if api == "alipay.trade.pay" and (biz["scene"] != "bar_code"
                                          or not re.fullmatch(r"\d+\.\d{2}", biz["total_amount"])):
            return "invalid-biz"
        return ""

    @staticmethod
    def _yuan(amount: int) -> str:
        return f"{amount // 100}.{amount % 100:02d}"

    def _trade_fields(self, trade: Trade) -> dict:
        return {"trade_no": trade.trade_no, "out_trade_no": trade.number, "total_amount": self._yuan(trade.amount)}

    def on_alipay_trade_pay(self, api: str, biz: dict) -> Reply | None:
        number, amount = biz["out_trade_no"], round(float(biz["total_amount"]) * 100)
        trade = self.trades.get(number)
        if trade is not None:  # the same out_trade_no again: the same trade
            if trade.state == "paid":
                return self.answer(api, {"code": "10000", "msg": "Success", **self._trade_fields(trade)})
            return self.error(api, "ACQ.TRADE_HAS_CLOSE")
        word, polls = self.next_word(amount)
        if word == "code_invalid":
            return self.error(api, "ACQ.PAYMENT_AUTH_CODE_INVALID")
        if word == "no_balance":
            return self.error(api, "ACQ.BUYER_BALANCE_NOT_ENOUGH")
        if word in ("forge", "unsigned"):
            fake = {"code": "10000", "msg": "Success", "trade_no": "FORGED1", "out_trade_no": number,
                    "total_amount": biz["total_amount"]}
            return self.answer(api, fake, key=self.forger_private, signed=word == "forge")
        trade = self.new_trade(number, amount, word, polls)
        if word == "reset":
            return None
        if word == "system_error":
            return self.answer(api, {"code": "20000", "msg": "Service Currently Unavailable",
                                     "sub_code": "aop.unknow-error"})
        if trade.state == "waiting":
            return self.answer(api, {"code": "10003", "msg": " order success pay inprocess", **self._trade_fields(trade)})
        return self.answer(api, {"code": "10000", "msg": "Success", **self._trade_fields(trade)})

    def on_alipay_trade_query(self, api: str, biz: dict) -> Reply:
        trade = self.trades.get(biz["out_trade_no"])
        if trade is None:
            return self.error(api, "ACQ.TRADE_NOT_EXIST")
        self.poll(trade)
        status = {"paid": "TRADE_SUCCESS", "waiting": "WAIT_BUYER_PAY", "closed": "TRADE_CLOSED"}[trade.state]
        if trade.refunds and trade.state == "paid" and sum(trade.refunds.values()) == trade.amount:
            status = "TRADE_CLOSED"
        return self.answer(api, {"code": "10000", "msg": "Success", "trade_status": status, **self._trade_fields(trade)})

    def on_alipay_trade_cancel(self, api: str, biz: dict) -> Reply:
        number = biz["out_trade_no"]
        trade = self.trades.get(number)
        if trade is None:  # nothing made yet: the number is closed so a late pay cannot take money
            trade = self.new_trade(number, 0, "cancel", 0)
            trade.state, action = "closed", "close"
        else:
            action = "refund" if trade.state == "paid" else "close"
            trade.state = "closed"
        trade.cancelled = True
        return self.answer(api, {"code": "10000", "msg": "Success", "out_trade_no": number, "trade_no": trade.trade_no,
                                 "retry_flag": "N", "action": action})

    def on_alipay_trade_refund(self, api: str, biz: dict) -> Reply | None:
        trade = self.trades.get(biz["out_trade_no"])
        if trade is None or trade.state != "paid":
            return self.error(api, "ACQ.TRADE_STATUS_ERROR" if trade else "ACQ.TRADE_NOT_EXIST")
        amount, refund_no = round(float(biz["refund_amount"]) * 100), biz["out_request_no"]
        if refund_no not in trade.refunds:
            if sum(trade.refunds.values()) + amount > trade.amount:
                return self.error(api, "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL")
            trade.refunds[refund_no] = amount
            if refund_no in self.lose_refunds:
                self.lose_refunds.discard(refund_no)
                return None
        return self.answer(api, {"code": "10000", "msg": "Success", "trade_no": trade.trade_no,
                                 "out_trade_no": trade.number, "fund_change": "Y",
                                 "refund_fee": self._yuan(sum(trade.refunds.values()))})

    def on_alipay_trade_fastpay_refund_query(self, api: str, biz: dict) -> Reply:
        trade = self.trades.get(biz["out_trade_no"])
        refund_no = biz["out_request_no"]
        if trade is None or refund_no not in trade.refunds:
            return self.answer(api, {"code": "10000", "msg": "Success"})
        return self.answer(api, {"code": "10000", "msg": "Success", "trade_no": trade.trade_no,
                                 "out_trade_no": trade.number, "out_request_no": refund_no,
                                 "refund_amount": self._yuan(trade.refunds[refund_no]),
                                 "total_amount": self._yuan(trade.amount), "refund_status": "REFUND_SUCCESS"})

    def on_alipay_data_dataservice_bill_downloadurl_query(self, api: str, biz: dict) -> Reply:
        return self.answer(api, {"code": "10000", "msg": "Success",
                                 "bill_download_url": f"{self.url}/bill/{biz['bill_date']}.zip"})

    def bill_zip(self) -> bytes:
        out = io.StringIO()
        out.write("#支付宝业务明细查询\n#账号：[20880000000000000156]\n")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["支付宝交易号", "商户订单号", "业务类型", "商品名称", "创建时间", "完成时间", "门店编号",
                         "门店名称", "操作员", "终端号", "对方账户", "订单金额（元）", "商家实收（元）",
                         "支付宝红包（元）", "集分宝（元）", "支付宝优惠（元）", "商家优惠（元）", "券核销金额（元）",
                         "券名称", "商家红包消费金额（元）", "卡消费金额（元）", "退款批次号/请求号", "服务费（元）",
                         "分润（元）", "备注"])
        for kind, number, amount, trade_no in self.bill_rows():
            refund = kind == "refund"
            money = ("-" if refund else "") + self._yuan(amount)
            writer.writerow([trade_no, "" if refund else number, "退款" if refund else "交易", "POS",
                             "2026-01-01 10:00:00", "2026-01-01 10:00:05", "", "", "", "", "buyer@example.com",
                             money, money, "0.00", "0.00", "0.00", "0.00", "0.00", "", "0.00", "0.00",
                             number if refund else "", "0.00", "0.00", ""])
        out.write("#-----------------------------------------业务明细列表结束\n")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("20880000000000000156_20260101_业务明细.csv", out.getvalue().encode("gb18030"))
            archive.writestr("20880000000000000156_20260101_业务明细(汇总).csv", "#汇总\n".encode("gb18030"))
        return buffer.getvalue()


# ---------------------------------------------------------------------------------------- WeChat Pay


class WeChatDouble(Double):
    """WeChat Pay API v3: WECHATPAY2-SHA256-RSA2048 requests, answers signed in Wechatpay-* headers."""

    name = "wechat"
    mchid = "1900000109"
    appid = "wxd678efh567hg6787"
    merchant_serial = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
    platform_serial = "PUB_KEY_ID_0119000001000000000000000000000001"

    def reply(self, status: int, document: dict | None, *, key=None, signed: bool = True) -> Reply:
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode() if document is not None else b""
        headers = {"Content-Type": "application/json"} if body else {}
        if signed:
            stamp, nonce = str(int(time.time())), secrets.token_hex(16)
            headers.update({
                "Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": nonce, "Wechatpay-Serial": self.platform_serial,
                "Wechatpay-Signature": sign(key or self.acquirer_private,
                                            stamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n")})
        return Reply(status, body, headers)

    def error(self, status: int, code: str) -> Reply:
        return self.reply(status, {"code": code, "message": "\x1b]0;pwned\x07 refused"})

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply | None:
        problem = self.check(method, path, headers, body)
        if problem:
            self.refuse(problem)
            return self.error(401 if "sign" in problem.lower() else 400, problem)
        parts = urlsplit(path)
        document = json.loads(body) if body else {}
        with self.lock:
            self.calls.append(f"{method} {parts.path}")
            if parts.path == "/v3/pay/transactions/codepay":
                return self.on_codepay(document)
            if match := re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/]+)", parts.path):
                return self.on_query(match.group(1), parse_qs(parts.query))
            if match := re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/]+)/reverse", parts.path):
                return self.on_reverse(match.group(1))
            if parts.path == "/v3/refund/domestic/refunds":
                return self.on_refund(document)
            if match := re.fullmatch(r"/v3/refund/domestic/refunds/([^/]+)", parts.path):
                return self.on_refund_query(match.group(1))
            if parts.path == "/v3/bill/tradebill":
                return self.on_bill(parse_qs(parts.query))
            if parts.path == "/v3/billdownload/file":
                return Reply(200, self.bill_csv())
        return self.error(404, "NOT_FOUND")

    def check(self, method: str, path: str, headers: dict[str, str], body: bytes) -> str:
        auth = headers.get("authorization", "")
        scheme, _space, rest = auth.partition(" ")
        fields = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if scheme != "WECHATPAY2-SHA256-RSA2048" or set(fields) != {"mchid", "nonce_str", "signature", "timestamp",
                                                                    "serial_no"}:
            return "SIGN_ERROR: Authorization"
        if fields["mchid"] != self.mchid or fields["serial_no"] != self.merchant_serial:
            return "SIGN_ERROR: mchid or serial_no"
        if abs(int(fields["timestamp"]) - time.time()) > 300:
            return "SIGN_ERROR: timestamp"
        message = f"{method}\n{path}\n{fields['timestamp']}\n{fields['nonce_str']}\n".encode() + body + b"\n"
        if not verify(self.merchant_public, message, fields["signature"]):
            return "SIGN_ERROR: signature"
        if "application/json" not in headers.get("accept", ""):
            return "INVALID_REQUEST: Accept"
        if method == "POST" and headers.get("content-type") != "application/json":
            return "INVALID_REQUEST: Content-Type"
        document = json.loads(body) if body else {}
        if urlsplit(path).path == "/v3/pay/transactions/codepay":
            for name in ("appid", "mchid", "description", "out_trade_no", "payer", "amount", "scene_info"):
                if not document.get(name):
                    return f"PARAM_ERROR: {name}"
            if not document["payer"].get("auth_code") or not isinstance(document["amount"].get("total"), int):
                return "PARAM_ERROR: payer.auth_code or amount.total"
            if (document["appid"], document["mchid"]) != (self.appid, self.mchid):
                return "PARAM_ERROR: appid or mchid"
        if path.endswith("/reverse") and (document.get("appid"), document.get("mchid")) != (self.appid, self.mchid):
            return "PARAM_ERROR: reverse appid or mchid"
        if urlsplit(path).path == "/v3/refund/domestic/refunds":
            amount = document.get("amount") or {}
            if not (document.get("out_trade_no") and document.get("out_refund_no") and isinstance(amount.get("refund"), int)
                    and isinstance(amount.get("total"), int) and amount.get("currency") == "CNY"):
                return "PARAM_ERROR: refund"
        return ""

    def transaction(self, trade: Trade) -> dict:
        state = {"paid": "SUCCESS", "waiting": "USERPAYING", "closed": "REVOKED"}[trade.state]
        if trade.refunds and trade.state == "paid":
            state = "REFUND"
        return {"appid": self.appid, "mchid": self.mchid, "out_trade_no": trade.number,
                "transaction_id": trade.trade_no, "trade_type": "MICROPAY", "trade_state": state,
                "trade_state_desc": "\x1b[2J", "amount": {"total": trade.amount, "payer_total": trade.amount,
                                                          "currency": "CNY", "payer_currency": "CNY"}}

    def on_codepay(self, document: dict) -> Reply | None:
        number, amount = document["out_trade_no"], document["amount"]["total"]
        trade = self.trades.get(number)
        if trade is not None:
            return self.reply(200, self.transaction(trade)) if trade.state == "paid" else self.error(400, "ORDER_CLOSED")
        word, polls = self.next_word(amount)
        if word == "code_invalid":
            return self.error(400, "AUTH_CODE_INVALID")
        if word == "no_balance":
            return self.error(403, "NOT_ENOUGH")
        if word in ("forge", "unsigned"):
            fake = {"appid": self.appid, "mchid": self.mchid, "out_trade_no": number, "transaction_id": "4200FORGED",
                    "trade_state": "SUCCESS", "amount": {"total": amount, "currency": "CNY"}}
            return self.reply(200, fake, key=self.forger_private, signed=word == "forge")
        trade = self.new_trade(number, amount, word, polls)
        if word == "reset":
            return None
        if word == "system_error":
            return self.error(500, "SYSTEM_ERROR")
        if trade.state == "waiting":
            return self.reply(202, {"code": "USERPAYING", "message": "需要用户输入支付密码"})
        return self.reply(200, self.transaction(trade))

    def on_query(self, number: str, query: dict) -> Reply:
        if query.get("mchid") != [self.mchid]:
            self.refuse("PARAM_ERROR: query mchid")
            return self.error(400, "PARAM_ERROR")
        trade = self.trades.get(number)
        if trade is None:
            return self.error(404, "ORDER_NOT_EXIST")
        self.poll(trade)
        return self.reply(200, self.transaction(trade))

    def on_reverse(self, number: str) -> Reply:
        trade = self.trades.get(number) or self.new_trade(number, 0, "cancel", 0)
        trade.state, trade.cancelled = "closed", True
        return self.reply(200, {"appid": self.appid, "mchid": self.mchid, "out_trade_no": number})

    def refund_body(self, trade: Trade, refund_no: str) -> dict:
        return {"refund_id": f"5030{trade.trade_no}{len(trade.refunds)}", "out_refund_no": refund_no,
                "transaction_id": trade.trade_no, "out_trade_no": trade.number, "channel": "ORIGINAL",
                "status": "SUCCESS", "amount": {"refund": trade.refunds[refund_no], "total": trade.amount,
                                                "currency": "CNY"}}

    def on_refund(self, document: dict) -> Reply | None:
        trade = self.trades.get(document["out_trade_no"])
        amount, refund_no = document["amount"]["refund"], document["out_refund_no"]
        if trade is None or trade.state != "paid":
            return self.error(404 if trade is None else 400, "RESOURCE_NOT_EXISTS" if trade is None else "NOT_ENOUGH")
        if document["amount"]["total"] != trade.amount:
            self.refuse("PARAM_ERROR: refund total")
            return self.error(400, "PARAM_ERROR")
        if refund_no not in trade.refunds:
            if sum(trade.refunds.values()) + amount > trade.amount:
                return self.error(400, "INVALID_REQUEST")
            trade.refunds[refund_no] = amount
            if refund_no in self.lose_refunds:
                self.lose_refunds.discard(refund_no)
                return None
        return self.reply(200, self.refund_body(trade, refund_no))

    def on_refund_query(self, refund_no: str) -> Reply:
        for trade in self.trades.values():
            if refund_no in trade.refunds:
                return self.reply(200, self.refund_body(trade, refund_no))
        return self.error(404, "RESOURCE_NOT_EXISTS")

    def on_bill(self, query: dict) -> Reply:
        if query.get("bill_type") != ["ALL"] or not query.get("bill_date"):
            self.refuse("PARAM_ERROR: bill")
            return self.error(400, "PARAM_ERROR")
        data = self.bill_csv()
        return self.reply(200, {"hash_type": "SHA1", "hash_value": hashlib.sha1(data).hexdigest(),
                                "download_url": f"{self.url}/v3/billdownload/file?token=T{secrets.token_hex(4)}"})

    def bill_csv(self) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["交易时间", "公众账号ID", "商户号", "特约商户号", "设备号", "微信订单号", "商户订单号", "用户标识",
                         "交易类型", "交易状态", "付款银行", "货币种类", "应结订单金额", "代金券金额", "微信退款单号",
                         "商户退款单号", "退款金额", "充值券退款金额", "退款类型", "退款状态", "商品名称", "商户数据包",
                         "手续费", "费率", "订单金额", "申请退款金额", "费率备注"])
        for kind, number, amount, trade_no in self.bill_rows():
            refund = kind == "refund"
            original = next((t for t in self.trades.values() if refund and number in t.refunds), None)
            cells = ["2026-01-01 10:00:00", self.appid, self.mchid, "0", "", trade_no,
                     original.number if original else ("" if refund else number), "oUpF8uMuAJO", "MICROPAY",
                     "REFUND" if refund else "SUCCESS", "OTHERS", "CNY",
                     f"{(original.amount if original else amount) / 100:.2f}", "0.00",
                     f"5030{number}" if refund else "0", number if refund else "0",
                     f"{amount / 100:.2f}" if refund else "0.00", "0.00", "ORIGINAL" if refund else "",
                     "SUCCESS" if refund else "", "POS", "", "0.00000", "0.60%", f"{amount / 100:.2f}",
                     f"{amount / 100:.2f}" if refund else "0.00", ""]
            writer.writerow(["`" + cell for cell in cells])
        writer.writerow(["总交易单数", "应结订单总金额", "退款总金额", "充值券退款总金额", "手续费总金额", "订单总金额",
                         "申请退款总金额"])
        writer.writerow(["`0", "`0.00", "`0.00", "`0.00", "`0.00000", "`0.00", "`0.00"])
        return out.getvalue().encode("utf-8")


# ---------------------------------------------------------------------------------------- Shouqianba


class ShouqianbaDouble(Double):
    """Shouqianba upay: JSON POSTs with ``Authorization: sn md5(body + key)``; plain JSON answers."""

    name = "shouqianba"
    terminal_sn = "100000330005263821"

    def __init__(self, folder: Path, script: tuple[str, ...] = ()) -> None:
        super().__init__(folder, script)
        self.terminal_key = secrets.token_hex(16)
        self.key_file = folder / "shouqianba_terminal_key"
        self.key_file.touch(mode=0o600)
        self.key_file.chmod(0o600)
        self.key_file.write_text(self.terminal_key + "\n")

    def reply(self, biz_code: str, data: dict | None = None, error_code: str = "") -> Reply:
        document = {"result_code": "200", "error_code": "", "error_message": "",
                    "biz_response": {"result_code": biz_code, "error_code": error_code,
                                     "error_message": "\x1b[5mblink\x1b[0m", "data": data or {}}}
        return Reply(200, json.dumps(document, ensure_ascii=False).encode(), {"Content-Type": "application/json"})

    REQUIRED = {
        "/upay/v2/pay": ("terminal_sn", "client_sn", "total_amount", "dynamic_id", "subject", "operator"),
        "/upay/v2/query": ("terminal_sn", "client_sn"),
        "/upay/v2/cancel": ("terminal_sn", "client_sn"),
        "/upay/v2/refund": ("terminal_sn", "client_sn", "refund_request_no", "operator", "refund_amount"),
    }

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply | None:
        sn, _space, signature = headers.get("authorization", "").partition(" ")
        expected = hashlib.md5(body + self.terminal_key.encode()).hexdigest()
        document = json.loads(body) if body else {}
        problem = ""
        if method != "POST" or path not in self.REQUIRED:
            problem = "NOT_FOUND"
        elif sn != self.terminal_sn or signature.lower() != expected:
            problem = "ILLEGAL_SIGN"
        elif missing := [name for name in self.REQUIRED[path] if not document.get(name)]:
            problem = "ILLEGAL_PARAMS: " + missing[0]
        elif document["terminal_sn"] != self.terminal_sn:
            problem = "ILLEGAL_PARAMS: terminal_sn"
        if problem:
            self.refuse(problem)
            return Reply(200, json.dumps({"result_code": "400", "error_code": problem.split(":")[0],
                                          "error_message": "refused"}).encode())
        with self.lock:
            self.calls.append(path)
            return getattr(self, "on_" + path.rsplit("/", 1)[1])(document)

    def order(self, trade: Trade, state: str | None = None) -> dict:
        status = state or {"paid": "PAID", "waiting": "CREATED", "closed": "CANCELED"}[trade.state]
        if trade.refunds and trade.state == "paid":
            status = "REFUNDED" if sum(trade.refunds.values()) == trade.amount else "PARTIAL_REFUNDED"
        return {"sn": trade.trade_no, "client_sn": trade.number, "status": "SUCCESS", "order_status": status,
                "total_amount": str(trade.amount), "net_amount": str(trade.amount - sum(trade.refunds.values())),
                "payway": "3", "subject": "POS"}

    def on_pay(self, document: dict) -> Reply | None:
        number, amount = document["client_sn"], int(document["total_amount"])
        trade = self.trades.get(number)
        if trade is not None:
            return self.reply("PAY_SUCCESS", self.order(trade)) if trade.state == "paid" else \
                self.reply("PAY_FAIL", error_code="CLIENT_SN_CONFLICT")
        word, polls = self.next_word(amount)
        if word == "code_invalid":
            return self.reply("PAY_FAIL", error_code="EXPIRED_BARCODE")
        if word == "no_balance":
            return self.reply("PAY_FAIL", error_code="NOT_ENOUGH_BALANCE")
        if word in ("forge", "unsigned"):  # no signature to forge at Shouqianba: a tampered amount instead
            fake = {"sn": "7890FORGED", "client_sn": number, "order_status": "PAID", "total_amount": str(amount + 1)}
            return self.reply("PAY_SUCCESS", fake)
        trade = self.new_trade(number, amount, word, polls)
        if word == "reset":
            return None
        if word == "system_error":
            return self.reply("PAY_FAIL_ERROR", error_code="UPAY_SYSTEM_ERROR")
        if trade.state == "waiting":
            return self.reply("PAY_IN_PROGRESS", self.order(trade))
        return self.reply("PAY_SUCCESS", self.order(trade))

    def on_query(self, document: dict) -> Reply:
        trade = self.trades.get(document["client_sn"])
        if trade is None:
            return self.reply("FAIL", error_code="ORDER_NOT_EXISTS")
        self.poll(trade)
        return self.reply("SUCCESS", self.order(trade))

    def on_cancel(self, document: dict) -> Reply:
        number = document["client_sn"]
        trade = self.trades.get(number) or self.new_trade(number, 0, "cancel", 0)
        trade.state, trade.cancelled = "closed", True
        return self.reply("CANCEL_SUCCESS", self.order(trade, "CANCELED"))

    def on_refund(self, document: dict) -> Reply | None:
        trade = self.trades.get(document["client_sn"])
        amount, refund_no = int(document["refund_amount"]), document["refund_request_no"]
        if trade is None or trade.state != "paid":
            return self.reply("REFUND_FAIL", error_code="ORDER_NOT_EXISTS")
        if refund_no not in trade.refunds:
            if sum(trade.refunds.values()) + amount > trade.amount:
                return self.reply("REFUND_FAIL", error_code="REFUND_AMOUNT_EXCEEDED")
            trade.refunds[refund_no] = amount
            if refund_no in self.lose_refunds:
                self.lose_refunds.discard(refund_no)
                return None
        return self.reply("REFUND_SUCCESS", self.order(trade))


# ---------------------------------------------------------------------------------------- config


def payments_config(alipay: AlipayDouble | None = None, wechat: WeChatDouble | None = None,
                    shouqianba: ShouqianbaDouble | None = None, *, shouqianba_for: str = "wechat",
                    poll_interval: float = 0.05, max_wait: float = 0.3, timeout: float = 3.0) -> dict:
    """``[payments.*]`` tables (as a TOML-like dict) pointing at running doubles."""
    timings = {"poll_interval": poll_interval, "max_wait": max_wait, "timeout": timeout}
    payments: dict[str, dict] = {}
    if alipay is not None:
        payments["alipay"] = {"gateway": "alipay", "app_id": alipay.app_id, "url": alipay.url + "/gateway.do",
                              "private_key_file": str(alipay.merchant.private_file),
                              "alipay_public_key_file": str(alipay.acquirer.public_file), **timings}
    if wechat is not None:
        payments["wechat"] = {"gateway": "wechat", "mchid": wechat.mchid, "appid": wechat.appid,
                              "merchant_serial_no": wechat.merchant_serial, "platform_serial": wechat.platform_serial,
                              "url": wechat.url, "private_key_file": str(wechat.merchant.private_file),
                              "platform_public_key_file": str(wechat.acquirer.public_file), **timings}
    if shouqianba is not None:
        payments[shouqianba_for] = {"gateway": "shouqianba", "terminal_sn": shouqianba.terminal_sn,
                                    "url": shouqianba.url, "terminal_key_file": str(shouqianba.key_file), **timings}
    return payments


def _toml(payments: dict) -> str:
    lines = []
    for method, table in payments.items():
        lines.append(f"[payments.{method}]")
        for key, value in table.items():
            lines.append(f"{key} = {json.dumps(value)}")
        lines.append("")
    return "\n".join(lines)


def config_toml(settings: dict) -> str:
    """A whole config (tables of scalars, nested one level) as TOML text."""
    lines = []
    for section, table in settings.items():
        if section == "payments":
            lines.append(_toml(table))
            continue
        lines.append(f"[{section}]")
        lines += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in table.items() if not isinstance(v, dict)]
        for sub, subtable in ((k, v) for k, v in table.items() if isinstance(v, dict)):
            lines.append(f"[{section}.{sub}]")
            lines += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in subtable.items()]
    return "\n".join(lines) + "\n"


def main() -> None:  # pragma: no cover - a manual session's helper
    import argparse

    parser = argparse.ArgumentParser(description="Run the Alipay, WeChat Pay and Shouqianba doubles.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--poll-interval", type=float, default=2.0)
    parser.add_argument("--max-wait", type=float, default=20.0)
    parser.add_argument("--store", type=Path, help="also create the demo store there, with config.toml")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    args.folder.chmod(0o700)
    with AlipayDouble(args.folder) as alipay, WeChatDouble(args.folder) as wechat, \
            ShouqianbaDouble(args.folder) as shouqianba:
        payments = payments_config(alipay, wechat, poll_interval=args.poll_interval, max_wait=args.max_wait,
                                   timeout=5.0)
        (args.folder / "wallets.toml").write_text(_toml(payments))
        (args.folder / "shouqianba.toml").write_text(_toml(payments_config(
            shouqianba=shouqianba, shouqianba_for="wechat", poll_interval=args.poll_interval,
            max_wait=args.max_wait)))
        if args.store is not None:
            from pos_tui.demo import DEMO_SETTINGS, create_demo_store
            from pos_tui.store.db import close_database

            config = create_demo_store(args.store)
            close_database()
            settings = {**DEMO_SETTINGS, "paths": {"data_dir": str(args.store)}, "payments": payments}
            (args.store / "config.toml").write_text(config_toml(settings))
            print(f"demo store: pos-tui --config {args.store / 'config.toml'} run", flush=True)
        print(f"alipay {alipay.url}  wechat {wechat.url}  shouqianba {shouqianba.url}", flush=True)
        print(f"config tables in {args.folder / 'wallets.toml'}", flush=True)
        bill_marks = args.folder / "plant_bill"
        try:
            while True:
                time.sleep(0.5)
                if bill_marks.exists():  # plant one extra and one missing trade in both bills
                    bill_marks.unlink()
                    for double in (alipay, wechat):
                        with double.lock:
                            paid = [t.number for t in double.trades.values() if t.state == "paid"]
                            double.bill_extra.append(("payment", "EXTRA" + double.name.upper()[:3], 888))
                            if paid:
                                double.bill_missing.add(paid[0])
                    print("planted: one extra and one missing trade in each bill", flush=True)
                for double in (alipay, wechat, shouqianba):
                    while double.problems:
                        print(f"{double.name}: refused a request: {double.problems.pop(0)}", flush=True)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
