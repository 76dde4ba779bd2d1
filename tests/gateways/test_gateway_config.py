"""``[payments.<method>]`` for a network gateway: the keys it needs, its key files (present, a
regular file, 0600) named by their key path, never their content; and the lane opening it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pos_tui.config import ConfigError, parse_config
from pos_tui.services.opening import lane_devices
from tests.gateways.doubles import AlipayDouble, ShouqianbaDouble, WeChatDouble, payments_config


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("keys")


def alipay_table(keys: Path) -> dict:
    double = AlipayDouble(keys)  # only its key files: never started
    double.server.server_close()
    table = payments_config(double)["alipay"]
    table["url"] = "https://openapi.alipay.com/gateway.do"
    return table


def test_a_complete_alipay_table_is_read(keys, tmp_path):
    config = parse_config({"payments": {"alipay": alipay_table(keys)}}, tmp_path)
    settings = config.payments["alipay"]
    assert (settings.gateway, settings.poll_interval, settings.max_wait) == ("alipay", 0.05, 0.3)
    assert settings.acquirer["app_id"] == AlipayDouble.app_id
    assert "BEGIN" not in repr(config)  # paths only, never the keys


@pytest.mark.parametrize("drop", ["app_id", "private_key_file", "alipay_public_key_file"])
def test_a_missing_key_is_named(keys, tmp_path, drop):
    table = alipay_table(keys)
    del table[drop]
    with pytest.raises(ConfigError, match=rf"^payments\.alipay\.{drop}: required with gateway = 'alipay'"):
        parse_config({"payments": {"alipay": table}}, tmp_path)


def test_a_missing_or_open_key_file_is_named_without_its_content(keys, tmp_path):
    table = alipay_table(keys)
    table["private_key_file"] = str(tmp_path / "nowhere.pem")
    with pytest.raises(ConfigError, match=r"^payments\.alipay\.private_key_file: no such file: .*nowhere\.pem$"):
        parse_config({"payments": {"alipay": table}}, tmp_path)
    shared = tmp_path / "shared.pem"
    shared.write_bytes(Path(alipay_table(keys)["private_key_file"]).read_bytes())
    shared.chmod(0o644)
    table["private_key_file"] = str(shared)
    with pytest.raises(ConfigError, match=r"can be read by other users \(mode 644\): chmod 600 it") as raised:
        parse_config({"payments": {"alipay": table}}, tmp_path)
    assert "PRIVATE KEY" not in str(raised.value)


def test_a_key_file_that_is_not_a_key_stops_the_lane_from_opening(keys, tmp_path):
    table = alipay_table(keys)
    junk = tmp_path / "junk.pem"
    junk.write_text("-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n")
    junk.chmod(0o600)
    table["private_key_file"] = str(junk)
    config = parse_config({"payments": {"alipay": table}}, tmp_path)
    with pytest.raises(ConfigError, match=r"^payments\.alipay\.private_key_file: .*junk\.pem is not an unencrypted RSA") \
            as raised, lane_devices(config):
        pass
    assert "c2VjcmV0" not in str(raised.value)


def test_plain_http_is_refused_except_to_this_machine(keys, tmp_path):
    table = alipay_table(keys)
    table["url"] = "http://openapi.alipay.com/gateway.do"
    with pytest.raises(ConfigError, match=r"^payments\.alipay\.url: expected an https:// URL"):
        parse_config({"payments": {"alipay": table}}, tmp_path)


def test_a_direct_acquirer_takes_only_its_own_wallet(keys, tmp_path):
    with pytest.raises(ConfigError, match=r"^payments\.wechat\.gateway: 'alipay' does not take wechat codes"):
        parse_config({"payments": {"wechat": alipay_table(keys)}}, tmp_path)


def test_each_gateway_opens_from_the_config(keys, tmp_path):
    doubles = [WeChatDouble(keys), ShouqianbaDouble(keys)]
    for double in doubles:
        double.server.server_close()
    tables = {**payments_config(wechat=doubles[0]), **payments_config(shouqianba=doubles[1], shouqianba_for="alipay")}
    config = parse_config({"payments": tables}, tmp_path)
    with lane_devices(config) as devices:
        assert {name: type(gateway).__name__ for name, gateway in devices.wallets.items()} == {
            "alipay": "ShouqianbaGateway", "wechat": "WeChatGateway"}


def test_gateway_keys_belong_to_network_gateways_only(tmp_path):
    with pytest.raises(ConfigError, match=r"^payments\.alipay\.app_id: unknown key"):
        parse_config({"payments": {"alipay": {"gateway": "simulator", "app_id": "1"}}}, tmp_path)
