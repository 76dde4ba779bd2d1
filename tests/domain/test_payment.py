"""The payment vocabulary: one status enum (and no second spelling of it anywhere in the package),
one outcome type for terminals and wallets, and the method registry."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pos_tui.domain.payment import (
    FINAL,
    METHODS,
    OUTCOMES,
    SETTLED,
    STATUS_NAMES,
    UNRESOLVED,
    Outcome,
    PaymentStatus,
    TenderError,
    WalletCode,
    is_wallet,
    kind_of,
    method,
    method_label,
    method_name,
    methods_in_report_order,
    refunds_first,
    register_method,
    status_name,
    unregister_method,
    wallet_for_code,
    wallet_methods,
)
from pos_tui.i18n import using_language

PACKAGE = Path(__file__).resolve().parents[2] / "pos_tui"
HOME = PACKAGE / "domain" / "payment.py"
STATUS_VALUES = frozenset(status.value for status in PaymentStatus)


# -- statuses ------------------------------------------------------------------------------------


def test_status_values_are_what_the_database_already_holds():
    assert sorted(STATUS_VALUES) == sorted([
        "planned", "pending", "approved", "declined", "cancelled", "unknown", "reversed", "refunded",
        "resolved_approved", "resolved_not_charged"])
    assert PaymentStatus("approved") is PaymentStatus.APPROVED and PaymentStatus.APPROVED == "approved"


def test_status_groups():
    assert SETTLED == ("approved", "resolved_approved")
    assert UNRESOLVED == ("pending", "unknown")
    assert OUTCOMES == ("approved", "declined", "cancelled", "unknown")
    assert FINAL == ("approved", "declined")


def test_every_status_has_a_name_in_both_languages():
    assert set(STATUS_NAMES) == set(PaymentStatus)
    assert status_name("resolved_not_charged") == "resolved not charged"
    assert status_name("something_new") == "something new"
    with using_language("zh_CN"):
        assert status_name(PaymentStatus.PENDING) == "处理中"
        assert status_name("reversed") == "已冲正"


def _defined_status_constants(source: str) -> list[tuple[int, str]]:
    """(line, value) of every payment status written as a constant: ``X = "approved"``, a tuple,
    list or set of such literals (also inside ``frozenset(...)``), a conditional between them, a
    table keyed by two or more of them, or an enum member."""
    found: list[tuple[int, str]] = []

    def literals(node: ast.AST) -> list[ast.Constant]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node]
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return [c for element in node.elts for c in literals(element)]
        if isinstance(node, ast.IfExp):
            return literals(node.body) + literals(node.orelse)
        if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
            return literals(node.args[0])
        if isinstance(node, ast.Dict):
            keys = [c for key in node.keys if key is not None for c in literals(key)]
            return keys if sum(c.value in STATUS_VALUES for c in keys) >= 2 else []
        return []

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            found += [(c.lineno, c.value) for c in literals(node.value) if c.value in STATUS_VALUES]
    return found


def test_the_scan_would_see_a_second_spelling():
    assert _defined_status_constants('APPROVED = "approved"') == [(1, "approved")]
    assert _defined_status_constants('SETTLED = ("approved", "resolved_approved")') == [
        (1, "approved"), (1, "resolved_approved")]
    assert _defined_status_constants('class S(StrEnum):\n    UNKNOWN = "unknown"') == [(2, "unknown")]
    assert _defined_status_constants('s = "planned" if x else "pending"') == [(1, "planned"), (1, "pending")]
    assert _defined_status_constants('NAMES = {"declined": 1, "cancelled": 2}') == [(1, "declined"), (1, "cancelled")]
    assert _defined_status_constants('GROUP = frozenset({"pending"})') == [(1, "pending")]
    assert _defined_status_constants('PAPER = {"unknown": 1, "out": 2}') == []  # a printer's paper state
    assert len(_defined_status_constants(HOME.read_text(encoding="utf-8"))) >= len(PaymentStatus)


def test_there_is_one_status_enum():
    """Only domain/payment.py spells the payment statuses; everything else uses PaymentStatus."""
    elsewhere = [f"{path.relative_to(PACKAGE.parent)}:{line}: {value!r}"
                 for path in sorted(PACKAGE.rglob("*.py")) if path != HOME
                 for line, value in _defined_status_constants(path.read_text(encoding="utf-8"))]
    assert not elsewhere, "payment statuses defined outside domain/payment.py:\n" + "\n".join(elsewhere)


# -- the one outcome -----------------------------------------------------------------------------


def test_an_outcome_takes_the_status_as_text_or_member():
    outcome = Outcome("approved", masked_pan="476173******0010", auth_code="A1", terminal_ref="R1")
    assert outcome.status is PaymentStatus.APPROVED and outcome.approved
    assert Outcome(PaymentStatus.REFUNDED, transaction_id="T1").transaction_id == "T1"
    assert not Outcome("reversed").approved


@pytest.mark.parametrize("status", ["declined", "cancelled", "pending", "unknown"])
def test_an_outcome_that_is_not_a_success_needs_a_reason(status):
    with pytest.raises(ValueError, match="reason"):
        Outcome(status)
    assert Outcome(status, "why").reason == "why"


@pytest.mark.parametrize("status", ["maybe", "planned", "resolved_approved", ""])
def test_an_outcome_is_never_a_row_only_status(status):
    with pytest.raises(ValueError, match="status"):
        Outcome(status, "why")


# -- the registry --------------------------------------------------------------------------------


def test_the_registry_is_seeded_with_cash_card_two_wallets_and_points():
    assert list(METHODS) == ["cash", "card", "alipay", "wechat", "points"]
    assert [m.name for m in methods_in_report_order()] == ["cash", "card", "alipay", "wechat", "points"]
    assert [m.name for m in wallet_methods()] == ["alipay", "wechat"]
    assert [kind_of(name) for name in METHODS] == ["cash", "card", "wallet", "wallet", "points"]
    assert is_wallet("alipay") and not is_wallet("card") and not is_wallet("voucher")
    assert [refunds_first(name) for name in METHODS] == [False, True, True, True, True]
    assert method("card").config_keys == ("enabled", "min", "max", "fee_rate", "fee_cap")
    assert method("wechat").config_keys[5:] == ("gateway", "poll_interval", "max_wait", "timeout")
    with pytest.raises(KeyError, match="voucher"):
        method("voucher")


def test_method_names_in_both_languages():
    assert [method_name(m) for m in METHODS] == ["cash", "card", "Alipay", "WeChat Pay", "points"]
    assert [method_label(m) for m in METHODS] == ["Cash", "Card", "Alipay", "WeChat Pay", "Points"]
    assert method_name("voucher") == "voucher"  # a row of a method no longer registered
    with using_language("zh_CN"):
        assert [method_name(m) for m in METHODS] == ["现金", "银行卡", "支付宝", "微信支付", "积分"]


@pytest.mark.parametrize(
    "code, wallet",
    [
        ("2" + "8" + "0" * 14, "alipay"),
        ("25" + "1" * 14, "alipay"),
        ("30" + "1" * 22, "alipay"),
        ("281234567890123456", "alipay"),
        (" 281234567890123456 ", "alipay"),
        ("134567890123456789", "wechat"),
        ("10" + "0" * 16, "wechat"),
        ("15" + "9" * 16, "wechat"),
    ],
)
def test_wallet_codes(code, wallet):
    assert wallet_for_code(code) == wallet


@pytest.mark.parametrize(
    "code",
    [
        "24" + "1" * 16,  # prefix below Alipay's
        "31" + "1" * 16,  # above
        "25" + "1" * 13,  # 15 digits
        "25" + "1" * 23,  # 25 digits
        "13" + "1" * 15,  # WeChat with 17 digits
        "13" + "1" * 17,  # 19 digits
        "16" + "1" * 16,
        "28123456789012345a",
        "２８１２３４５６７８９０１２３４５６",  # full-width digits
        "",
    ],
)
def test_not_wallet_codes(code):
    with pytest.raises(TenderError, match="not an Alipay or WeChat Pay payment code"):
        wallet_for_code(code)


def test_a_registered_wallet_gets_its_codes_and_its_place_and_goes_again():
    entry = register_method("unionpay_qr", "wallet", "UnionPay QR", matches_code=WalletCode(("62",), (19,)))
    try:
        assert method("unionpay_qr") is entry and entry.refunds_first
        assert wallet_for_code("62" + "0" * 17) == "unionpay_qr"
        assert [m.name for m in methods_in_report_order()][-1] == "unionpay_qr"
        assert method_label("unionpay_qr") == "UnionPay QR"
        with pytest.raises(ValueError, match="registered already"):
            register_method("unionpay_qr", "wallet", "UnionPay QR", matches_code=WalletCode(("62",), (19,)))
    finally:
        unregister_method("unionpay_qr")
    assert "unionpay_qr" not in METHODS
    with pytest.raises(TenderError):
        wallet_for_code("62" + "0" * 17)


def test_an_early_report_order_puts_a_method_first():
    register_method("voucher", "cash", "voucher", report_order=-1)
    try:
        assert [m.name for m in methods_in_report_order()][:2] == ["voucher", "cash"]
        assert not refunds_first("voucher")
    finally:
        unregister_method("voucher")


@pytest.mark.parametrize(
    "name, kind, matcher, problem",
    [
        ("Union Pay", "wallet", WalletCode(("62",), (19,)), "lower-case word"),
        ("", "card", None, "lower-case word"),
        ("coupon", "paper", None, "kind must be one of"),
        ("unionpay_qr", "wallet", None, "code matcher"),
        ("giro", "card", WalletCode(("62",), (19,)), "code matcher"),
    ],
)
def test_a_bad_entry_is_refused_and_not_registered(name, kind, matcher, problem):
    with pytest.raises(ValueError, match=problem):
        register_method(name, kind, name, matches_code=matcher)
    assert name not in METHODS
