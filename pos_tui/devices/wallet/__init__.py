"""Wallet payments (Alipay, WeChat Pay) by the customer's payment code, through a pluggable gateway."""

from pos_tui.devices.wallet.base import (
    WalletError,
    WalletGateway,
    settle_wallet_payment,
)
from pos_tui.devices.wallet.simulator import SimulatedWallet

__all__ = ["SimulatedWallet", "WalletError", "WalletGateway", "settle_wallet_payment"]
