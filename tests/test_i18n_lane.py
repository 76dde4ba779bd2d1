"""What the cashier reads from the lane, in Chinese: a sale, a void, a refusal, a card decline
(through the Concert driver and the simulated terminal on a real pty)."""

from __future__ import annotations

import pytest

from pos_tui.devices.terminal.concert import ConcertTerminal
from pos_tui.devices.terminal.simulator import TerminalSimulator
from pos_tui.devices.wallet.simulator import SimulatedWallet
from pos_tui.domain.checkout import State
from pos_tui.domain.permissions import PermissionDenied
from pos_tui.domain.tender import TenderError
from pos_tui.i18n import current_language, using_language
from pos_tui.services.lane import Lane
from pos_tui.services.errors import LaneError
from pos_tui.store.db import close_database

COKE, BREAD = "6901234567892", "6901234567908"
ALIPAY_CODE = "281234567890123456"


@pytest.fixture
def config(tmp_path, make_demo_store):
    cfg = make_demo_store(tmp_path)
    yield cfg
    close_database()


@pytest.fixture
def chinese():
    with using_language("zh_CN"):
        yield


def signed_in(config, **devices) -> Lane:
    lane = Lane(config, **devices)
    lane.people.sign_in("cashier", "1234")
    return lane


def test_a_cash_sale_speaks_chinese_from_sign_in_to_done(config, chinese):
    lane = Lane(config)
    with pytest.raises(LaneError, match="^请先登录$"):
        lane.items.enter(COKE)
    assert lane.people.sign_in("cashier", "1234").message == "已登录：cashier（收银员）"
    assert lane.items.enter("3*").message == "数量 3：请扫描商品"
    view = lane.items.enter(COKE)
    assert view.message.startswith("已添加 ") and " x 3  ¥10.50" in view.message
    assert lane.payments.total().message == "合计 ¥10.50：输入金额，再按付款键"
    view = lane.payments.tender_cash("20")
    assert view.message == f"已付清。找零 ¥9.50  小票号 {view.receipt_no}"
    assert lane.receipts.finish_printing().message == f"交易 {view.receipt_no} 完成。找零 ¥9.50"


def test_a_void_and_the_refusals_around_it_are_chinese(config, chinese):
    lane = signed_in(config)
    lane.items.enter(COKE)
    lane.items.enter(BREAD)
    view = lane.items.void_line(1)
    assert view.message.startswith("已删除第 1 行：")
    with pytest.raises(LaneError, match="^未知条码 12345$"):
        lane.items.enter("12345")
    with pytest.raises(PermissionDenied, match="^整单作废需要主管权限$"):
        lane.items.void_sale()
    approval = lane.people.approve("super", "9999", "void_sale")
    assert lane.items.void_sale(approval).message == "整单已作废"
    with pytest.raises(LaneError, match="^没有进行中的交易：请先扫描商品$"):
        lane.payments.total()


def test_a_wrong_pin_and_a_tender_over_the_limit_are_refused_in_chinese(config, chinese):
    lane = Lane(config, wallets={"alipay": SimulatedWallet("alipay")})
    with pytest.raises(LaneError, match="^用户名或密码错误$"):
        lane.people.sign_in("cashier", "0000")
    lane.people.sign_in("cashier", "1234")
    lane.items.enter(BREAD)
    lane.payments.total()
    with pytest.raises(TenderError, match="^支付宝付款 ¥100.00 超过待付金额 ¥12.00$"):
        lane.payments.begin_wallet(ALIPAY_CODE, "100")


def test_a_card_decline_from_the_terminal_is_told_in_chinese(config, chinese):
    with TerminalSimulator(step_timeout=1.0) as simulator:
        simulator.queue("decline")
        terminal = ConcertTerminal(simulator.port, pos_number=1, step_timeout=3.0, answer_timeout=2.0,
                                   poll_interval=0.02)
        lane = signed_in(config, terminal=terminal)
        lane.items.enter(BREAD)
        lane.payments.total()
        attempt = lane.payments.begin_card()
        assert lane.ctx.message == "银行卡 ¥12.00：请按终端提示操作"
        view = lane.payments.finish_payment(attempt, lane.payments.run_card(attempt))
        terminal.close()
    assert view.state is State.CHOOSING_PAYMENT and view.message_is_error
    assert view.message.startswith("银行卡被拒绝：")


def test_the_language_is_english_again_after_a_chinese_test():
    assert current_language() == "en"
