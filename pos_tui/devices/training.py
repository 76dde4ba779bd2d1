"""Training mode's stand-ins for the card terminal and the wallet acquirers: every payment and
refund approved at once, nobody charged."""

from __future__ import annotations

from pos_tui.devices.terminal.base import PaymentTerminal
from pos_tui.devices.wallet.base import WalletGateway
from pos_tui.domain.payment import Outcome, PaymentStatus

TRAINING_PAN = "000000******0000"


class TrainingTerminal(PaymentTerminal):
    """Stands in for the card terminal in training mode: approves at once, charges no card."""

    def pay(self, amount, currency_numeric, reference, on_progress=None, cancel=None) -> Outcome:
        return Outcome(PaymentStatus.APPROVED, auth_code="TRAIN", terminal_ref=reference, masked_pan=TRAINING_PAN)

    def refund(self, amount, currency_numeric, reference, on_progress=None, cancel=None) -> Outcome:
        return Outcome(PaymentStatus.APPROVED, auth_code="TRAIN", terminal_ref=reference, masked_pan=TRAINING_PAN)


class TrainingWallet(WalletGateway):
    """Stands in for a wallet acquirer in training mode: every payment approved, none charged."""

    def __init__(self, name: str) -> None:
        self.name = name

    def pay(self, code, amount, currency, out_trade_no) -> Outcome:
        return Outcome(PaymentStatus.APPROVED, transaction_id=f"TRAINING-{out_trade_no}")

    def query(self, out_trade_no) -> Outcome:
        return Outcome(PaymentStatus.APPROVED, transaction_id=f"TRAINING-{out_trade_no}")

    def reverse(self, out_trade_no) -> Outcome:
        return Outcome(PaymentStatus.REVERSED, transaction_id=f"TRAINING-{out_trade_no}")

    def refund(self, out_trade_no, amount, refund_no) -> Outcome:
        return Outcome(PaymentStatus.REFUNDED, transaction_id=f"TRAINING-{refund_no}")
