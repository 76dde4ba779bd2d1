"""Open a wallet method's network gateway from its ``[payments.<method>]`` settings, reading its
key files now (at lane start). ``KeyFileError`` names the config key of a file that will not do."""

from __future__ import annotations

from typing import Any

from pos_tui.devices.wallet.base import WalletGateway
from pos_tui.gateways.keys import load_private_key, load_public_key, read_text_secret


def open_gateway(settings: Any) -> WalletGateway:
    """``settings`` is a method's ``config.PaymentMethod`` whose gateway is alipay, wechat or shouqianba."""
    keys = dict(settings.acquirer)
    common = {"timeout": settings.timeout, "subject": keys.get("subject", "")}
    if settings.gateway == "alipay":
        from pos_tui.gateways.alipay import AlipayGateway

        return AlipayGateway(app_id=keys["app_id"], url=keys["url"],
                             private_key=load_private_key("private_key_file", keys["private_key_file"]),
                             alipay_public_key=load_public_key("alipay_public_key_file", keys["alipay_public_key_file"]),
                             **common)
    if settings.gateway == "wechat":
        from pos_tui.gateways.wechat import WeChatGateway

        if keys.get("api_v3_key_file"):
            read_text_secret("api_v3_key_file", keys["api_v3_key_file"])  # checked now; codepay does not use it
        return WeChatGateway(mchid=keys["mchid"], appid=keys["appid"], merchant_serial_no=keys["merchant_serial_no"],
                             platform_serial=keys["platform_serial"], url=keys["url"],
                             private_key=load_private_key("private_key_file", keys["private_key_file"]),
                             platform_public_key=load_public_key("platform_public_key_file",
                                                                 keys["platform_public_key_file"]),
                             **common)
    if settings.gateway == "shouqianba":
        from pos_tui.gateways.shouqianba import ShouqianbaGateway

        return ShouqianbaGateway(terminal_sn=keys["terminal_sn"], url=keys["url"],
                                 terminal_key=read_text_secret("terminal_key_file", keys["terminal_key_file"]),
                                 **common)
    raise ValueError(f"not a network gateway: {settings.gateway!r}")
