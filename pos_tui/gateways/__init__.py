"""Wallet acquirers over the network (Alipay, WeChat Pay, Shouqianba), behind the wallet ABC of
``devices.wallet.base``: signed requests, verified answers, one module per acquirer.

The only package that talks to acquirers. ``settings`` (which config keys each gateway reads) is
standard library only, so reading the config never loads the crypto; ``open_gateway`` loads the
acquirer's module and its keys when the lane starts.
"""
