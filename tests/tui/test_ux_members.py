"""A member sale at 80x24 through the real app: Ctrl+V and the card, a scan, part paid with points
(F5), the rest in cash; the member's row, the balance after the sale and the receipt's points."""

from __future__ import annotations

from pos_tui.demo import create_demo_store
from pos_tui.devices.receipt import layout_receipt, render_text
from pos_tui.domain.checkout import State
from pos_tui.services.lane import Lane
from pos_tui.services.lane.receipts import receipt_for_sale
from pos_tui.services.members import add_member
from pos_tui.store.db import close_database
from pos_tui.tui.app import PosApp

BREAD = "6901234567908"  # 12.00
SIZE = (80, 24)


async def test_a_member_pays_part_with_points_and_sees_the_balance(tmp_path, feed_terminal, settle, screen_lines):
    from pos_tui.tui.screens.member import MemberModal
    from pos_tui.tui.screens.payment import PaymentScreen

    config = create_demo_store(tmp_path, with_open_shift=True)
    add_member(config, card="8800000001", phone="13800138000", name="王芳", points=500, actor="test")
    try:
        app = PosApp(Lane(config))
        async with app.run_test(size=SIZE) as pilot:
            feed_terminal(app, "cashier\r1234\r")
            await settle(pilot, lambda: app.lane.state is not State.LOCKED)
            await pilot.press("ctrl+v")
            await settle(pilot, lambda: isinstance(app.screen, MemberModal))
            feed_terminal(app, "8800000001\r")
            await settle(pilot, lambda: app.view.member_points == 500)
            feed_terminal(app, f"{BREAD}\r")
            await settle(pilot, lambda: app.view.totals.total == 1200)
            lines = screen_lines(app)
            assert any("Member 880***0001 王芳, 500 points" in line for line in lines), "\n".join(lines)
            await pilot.press("f10")
            await settle(pilot, lambda: isinstance(app.screen, PaymentScreen))
            assert any("F5 Points" in line for line in screen_lines(app)), "\n".join(screen_lines(app))
            feed_terminal(app, "3.00")
            await settle(pilot, lambda: False, rounds=10)
            await pilot.press("f5")
            await settle(pilot, lambda: app.view.paid == 300)
            await pilot.press("f2")
            await settle(pilot, lambda: app.view.state is not State.CHOOSING_PAYMENT)
            await settle(pilot, lambda: "balance 209" in "\n".join(screen_lines(app)))
            assert "Points +9, redeemed 300, balance 209" in "\n".join(screen_lines(app))
    finally:
        close_database()
    from pos_tui.store.keys import open_store

    open_store(config)
    try:
        from pos_tui.store.sales import last_paid_sale

        sale = last_paid_sale(config.store.lane)
        assert sale is not None
        text = render_text(layout_receipt(receipt_for_sale(sale.id, config)[0], 42))
        shown = [" ".join(row.split()) for row in text.splitlines()]
        assert "Points balance 209" in shown and "Points redeemed -300" in shown, text
    finally:
        close_database()
