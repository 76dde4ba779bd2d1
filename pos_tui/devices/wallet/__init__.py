"""Wallet payments (Alipay, WeChat Pay) by the customer's payment code, through a pluggable gateway."""

from pos_tui.devices.wallet.base import (
    WalletError,
    WalletGateway,
    settle_wallet_payment,
)

__all__ = ["SimulatedWallet", "WalletError", "WalletGateway", "settle_wallet_payment"]


def __getattr__(name: str) -> object:
    # The simulator is imported when asked for: a lane without simulated wallets never loads it.
    if name == "SimulatedWallet":
        from pos_tui.devices.wallet.simulator import SimulatedWallet

        return SimulatedWallet
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
