"""Device outcomes, catalog import errors and the operator's command line in Chinese: the Concert
driver against the simulated terminal on a real pty, the wallet simulator, a CSV with mistakes,
and ``pos-tui`` run through click with ``[store] language = "zh_CN"``; English stays as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pos_tui.cli import main
from pos_tui.devices.terminal.concert import ConcertTerminal
from pos_tui.devices.terminal.simulator import TerminalSimulator
from pos_tui.devices.wallet.base import settle_wallet_payment
from pos_tui.devices.wallet.simulator import SimulatedWallet
from pos_tui.domain.checkout import State
from pos_tui.domain.display_width import cell_width
from pos_tui.i18n import current_language, using_language
from pos_tui.services.lane import Lane
from pos_tui.store.catalog_csv import ImportRejected, import_products
from pos_tui.store.db import close_database

BREAD = "6901234567908"
HEADER = "sku,name,price,barcodes,tax,unit,stock"


@pytest.fixture
def demo_config(tmp_path, make_demo_store):
    cfg = make_demo_store(tmp_path)
    yield cfg
    close_database()


def card_payment(config, word: str, language: str):
    """Sell bread and pay by card; the simulator answers with ``word``. Returns (view, progress)."""
    progress: list[str] = []
    with using_language(language), TerminalSimulator(step_timeout=1.0) as simulator:
        simulator.queue(word)
        terminal = ConcertTerminal(simulator.port, pos_number=1, step_timeout=3.0, answer_timeout=2.0,
                                   poll_interval=0.02)
        try:
            lane = Lane(config, terminal=terminal)
            lane.people.sign_in("cashier", "1234")
            lane.items.enter(BREAD)
            lane.payments.total()
            attempt = lane.payments.begin_card()
            view = lane.payments.finish_payment(attempt, lane.payments.run_card(attempt, on_progress=progress.append))
        finally:
            terminal.close()
    return view, progress


@pytest.mark.parametrize("word, language, message", [
    ("decline", "zh_CN", "银行卡被拒绝：终端拒绝交易"),
    ("cancel", "zh_CN", "银行卡已取消：已在终端上取消"),
    ("decline", "en", "Card declined: refused by the terminal"),
])
def test_the_terminals_refusal_reaches_the_cashier_in_the_stores_language(demo_config, word, language, message):
    view, progress = card_payment(demo_config, word, language)
    assert view.state is State.CHOOSING_PAYMENT and view.message_is_error
    assert view.message == message
    if language == "zh_CN":
        assert progress == ["正在连接终端", "请按终端提示操作：请顾客刷卡", "正在接收终端应答"]
    else:
        assert progress == ["calling the terminal", "follow the terminal: the customer presents the card",
                            "receiving the answer"]


def test_an_answer_for_another_amount_is_unknown_and_says_why_in_chinese(demo_config):
    view, _progress = card_payment(demo_config, "wrong_amount", "zh_CN")
    assert view.message.startswith("银行卡结果未知（终端应答与请求不符（金额为 ")
    assert "，应为 1200）：请核对终端签购单）" in view.message


def test_wallet_reasons_are_chinese(demo_config):
    wallet = SimulatedWallet("alipay", ["decline", "timeout"])
    with using_language("zh_CN"):
        declined = settle_wallet_payment(wallet, "281234567890123456", 1200, "CNY", "T1", 2.0, 4.0, lambda s: None)
        reversed_ = settle_wallet_payment(wallet, "281234567890123456", 1200, "CNY", "T2", 2.0, 4.0, lambda s: None)
    assert (declined.status, declined.reason) == ("declined", "支付平台拒绝交易")
    assert (reversed_.status, reversed_.reason) == ("declined", "4 秒内未确认，该笔付款已撤销")


def test_a_rejected_csv_lists_its_errors_in_chinese(store_db, tmp_path: Path, cny):
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([HEADER, "X1,,12.00,,Z,box,1.5", "X1,Soap,5.00,,A,each,1.2345"]) + "\n",
                    encoding="utf-8")
    with using_language("zh_CN"), pytest.raises(ImportRejected) as caught:
        import_products(path, cur=cny, tax_codes={"A"})
    with using_language("zh_CN"):
        lines = [str(error) for error in caught.value.errors]
    assert lines == [
        "第 2 行，name 列：品名为空",
        "第 2 行，tax 列：未知税码 'Z'（已配置：A）",
        "第 2 行，unit 列：单位必须是 each 或 kg，不能是 'box'",
        "第 3 行，sku 列：货号 X1 已在第 2 行出现",
        "第 3 行，stock 列：库存 '1.2345' 不是有效数字，应如 12 或 1.250（最多 3 位小数）",
    ]
    assert str(caught.value) == f"{path}：5 处错误，未导入任何商品"


@pytest.fixture
def zh_cli(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text(f'[paths]\ndata_dir = "{tmp_path / "data"}"\n\n[store]\nlanguage = "zh_CN"\n', encoding="utf-8")
    runner = CliRunner()

    def run(*args, input=None):
        # the command switches the whole process to Chinese; switch back for the tests that follow
        with using_language("en"):
            return runner.invoke(main, ["--config", str(config), *args], input=input, catch_exceptions=False)

    return run


def test_the_command_line_speaks_chinese_with_aligned_columns(zh_cli, tmp_path: Path):
    init = zh_cli("init", "--admin", "boss", "--pin-stdin", input="1234\n")
    assert init.exit_code == 0 and init.stdout.startswith("数据库已就绪：") and "已创建管理员 boss" in init.stdout
    added = zh_cli("users", "add", "li", "--role", "cashier", "--as", "boss", "--pin-stdin", input="1234\n5678\n")
    assert added.stdout == "已添加收银员 li\n"
    listing = zh_cli("users", "list").stdout.splitlines()
    assert listing[0].split() == ["姓名", "角色", "状态"]
    assert [line.split() for line in listing[1:]] == [["boss", "管理员", "正常"], ["li", "收银员", "正常"]]
    status_column = {cell_width(line[: line.index(word)]) for line, word in zip(listing, ["状态", "正常", "正常"])}
    assert len(status_column) == 1

    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\nS1,Soap,5.00,,A,box,\n", encoding="utf-8")
    rejected = zh_cli("products", "import", str(bad), "--as", "boss", "--pin-stdin", input="1234\n")
    assert rejected.exit_code == 1
    assert rejected.stderr.splitlines() == ["第 2 行，unit 列：单位必须是 each 或 kg，不能是 'box'",
                                            f"Error: {bad}：1 处错误，未导入任何商品"]

    good = tmp_path / "good.csv"
    good.write_text(HEADER + "\nF1,苹果,8.80,4131,A,kg,1.25\n", encoding="utf-8")
    imported = zh_cli("products", "import", str(good), "--as", "boss", "--pin-stdin", input="1234\n")
    assert imported.stdout == f"已从 {good} 导入 1 个商品（新增 1 个，更新 0 个）\n"
    shown = zh_cli("products", "show", "F1").stdout.splitlines()
    assert shown[:3] == ["货号      F1", "品名      苹果", "售价      ¥8.80/公斤"]
    assert shown[3:] == ["税率      A (13%)", "单位      公斤", "库存      1.25 公斤", "条码      4131", "在售      是"]
    value_columns = set()
    for line in shown:
        label, rest = line.split(" ", 1)
        value_columns.add(cell_width(label) + 1 + len(rest) - len(rest.lstrip()))
    assert value_columns == {10}  # every value starts in the same cell, whatever the label's width
    missing = zh_cli("products", "show", "000")
    assert missing.exit_code == 1 and missing.stderr == "Error: 没有条码或货号为 '000' 的商品\n"
    assert current_language() == "en"
