"""Which ``[payments.<method>]`` keys each acquirer gateway reads, and the checks its key files
must pass. Standard library only: config.py reads the config with it, nothing here loads a key.

Key files hold secrets (DESIGN.md invariant 11): they are named in the config, must be regular
files readable by the service user only (mode 0600 or stricter), and their content is never
copied into the config, the database, a backup, a log or an error message.
"""

from __future__ import annotations

import os
import stat
from dataclasses import field
from pathlib import Path
from urllib.parse import urlsplit
from pos_tui.domain.frozen_records import FrozenRecord, frozen_record

GATEWAYS = ("alipay", "wechat", "shouqianba", "simulator", "none")
"""Every value of ``[payments.<method>] gateway``."""
NETWORK_GATEWAYS = ("alipay", "wechat", "shouqianba")

_FOR_METHOD = {"alipay": ("alipay",), "wechat": ("wechat",)}
"""A direct acquirer takes its own wallet's codes only; Shouqianba (an aggregator) takes any."""


@frozen_record
class GatewaySpec(FrozenRecord):
    """The keys a network gateway reads beside the method's own (enabled, limits, gateway...)."""

    required: tuple[str, ...]
    optional: dict[str, str] = field(default_factory=dict)
    key_files: tuple[str, ...] = ()
    optional_key_files: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        return self.required + tuple(self.optional) + self.key_files + self.optional_key_files


SPECS: dict[str, GatewaySpec] = {
    "alipay": GatewaySpec(
        required=("app_id",),
        optional={"url": "https://openapi.alipay.com/gateway.do", "subject": ""},
        key_files=("private_key_file", "alipay_public_key_file"),
    ),
    "wechat": GatewaySpec(
        required=("mchid", "appid", "merchant_serial_no", "platform_serial"),
        optional={"url": "https://api.mch.weixin.qq.com", "subject": ""},
        key_files=("private_key_file", "platform_public_key_file"),
        optional_key_files=("api_v3_key_file",),
    ),
    "shouqianba": GatewaySpec(
        required=("terminal_sn",),
        optional={"url": "https://vsi-api.shouqianba.com", "subject": ""},
        key_files=("terminal_key_file",),
    ),
}

TIMINGS = {"poll_interval": 2.0, "max_wait": 60.0, "timeout": 10.0}
"""Seconds: between two queries while the customer confirms, the most the lane waits for that
before it cancels the trade, and the longest one HTTP request may take."""


def gateways_for(method: str) -> tuple[str, ...]:
    """The gateways a wallet method may name: its own acquirer, the aggregator, the simulator, none."""
    return _FOR_METHOD.get(method, ()) + ("shouqianba", "simulator", "none")


def url_problem(url: str) -> str | None:
    """Why an acquirer URL is refused: only https, except plain http to this machine (test doubles)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1"):
        return None
    return f"expected an https:// URL, got {url!r}"


def key_file_problem(path: str) -> str | None:
    """Why a key file cannot be used (missing, not a file, unreadable, readable by others), or None.
    Names the file, never its content."""
    file = Path(path).expanduser()
    try:
        info = file.stat()
    except FileNotFoundError:
        return f"no such file: {file}"
    except OSError as exc:
        return f"cannot read {file}: {exc.strerror or exc}"
    if not stat.S_ISREG(info.st_mode):
        return f"not a regular file: {file}"
    if info.st_mode & 0o077:
        return f"{file} can be read by other users (mode {stat.S_IMODE(info.st_mode):o}): chmod 600 it"
    if not os.access(file, os.R_OK):
        return f"cannot read {file}: permission denied"
    return None
