"""Config: the example file documents every key; bad keys and values name their key path."""

import tomllib
from dataclasses import fields, is_dataclass
from pathlib import Path

import pytest

from pos_tui.config import Config, ConfigError, load_config, parse_config
from pos_tui.domain.money import Rate

EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"


def test_example_file_parses_to_the_built_in_defaults(tmp_path):
    from_example = parse_config(tomllib.loads(EXAMPLE.read_text("utf-8")), tmp_path)
    built_in = parse_config({}, tmp_path)
    assert from_example == built_in


def _documented_keys() -> set[str]:
    """Every key the example shows, commented out or not, as dotted section.key paths."""
    keys, section = set(), ""
    for raw in EXAMPLE.read_text("utf-8").splitlines():
        line = raw.lstrip("# ").strip()
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
        elif "=" in line and not line.startswith("#"):
            keys.add(f"{section}.{line.split('=')[0].strip()}")
    return keys


def _config_keys(obj, prefix: str) -> set[str]:
    skip = {"data_dir", "departments", "keys", "rates", "payments", "embedded"}
    out = set()
    for f in fields(obj):
        if f.name in skip:
            continue
        value = getattr(obj, f.name)
        if is_dataclass(value):
            out |= _config_keys(value, f"{prefix}{f.name}.")
        else:
            out.add(f"{prefix}{f.name}")
    return out


def test_every_scalar_key_is_documented_in_the_example(tmp_path):
    documented = _documented_keys()
    config = parse_config({}, tmp_path)
    renamed = {"limits.max_quantity_milli": "limits.max_quantity", "limits.max_weight_milli": "limits.max_weight_kg"}
    wanted = {renamed.get(k, k) for k in _config_keys(config, "")}
    wanted |= {f"payments.card.{key}" for key in ("enabled", "min", "max", "fee_rate", "fee_cap")}
    assert wanted - documented == set()


@pytest.mark.parametrize(
    "table, message",
    [
        ({"payments": {"card": {"fee_rate": "6"}}}, 'payments.card.fee_rate: expected a percentage like "0.6%"'),
        ({"store": {"currency": "RMB"}}, "store.currency: 'RMB' is not an ISO 4217 currency code"),
        ({"store": {"lane": 100}}, "store.lane: expected a whole number from 1 to 99"),
        ({"store": {"nmae": "x"}}, "store.nmae: unknown key"),
        ({"printer": {}}, "printer: unknown key"),
        ({"devices": {"printer": {"width": 40}}}, "devices.printer.width: expected 32, 42 or 48"),
        ({"devices": {"terminal": {"driver": "concert"}}}, "devices.terminal.port: the concert driver needs a port"),
        ({"devices": {"terminal": {"parity": "X"}}}, "devices.terminal.parity: expected one of N, E, O, M, S"),
        ({"cash": {"rounding_step": 0.1}}, 'cash.rounding_step: expected an amount in quotes like "12.50"'),
        ({"cash": {"rounding_step": "0.105"}}, "cash.rounding_step: '0.105': CNY has only 2 decimal places"),
        ({"payments": {"card": {"min": "10.00", "max": "5.00"}}}, "payments.card.max: is below min"),
        ({"tax": {"rates": {"A": "13"}}}, 'tax.rates.A: expected a percentage like "0.6%"'),
        ({"tax": {"default": "Q"}}, "tax.default: 'Q' is not one of the rates"),
        ({"security": {"pin_min_length": "4"}}, "security.pin_min_length: expected a whole number, got text"),
        ({"kiosk": {"enabled": "yes"}}, "kiosk.enabled: expected true or false, got text"),
        ({"barcodes": {"embedded": {"20": "20IIIII"}}}, "barcodes.embedded.20: expected 13 places"),
        ({"departments": {"SERV": {"name": "Services", "tax": "X"}}}, "departments.SERV.tax: 'X' is not a configured tax rate"),
        ({"limits": {"max_weight_kg": "0"}}, "limits.max_weight_kg: expected a positive quantity"),
        ({"database": {"url": "mysql://x"}}, "database.url: expected"),
    ],
)
def test_bad_values_name_the_key_path(tmp_path, table, message):
    with pytest.raises(ConfigError) as caught:
        parse_config(table, tmp_path)
    assert str(caught.value).startswith(message)


def test_values_are_read_into_minor_units_and_rates(tmp_path):
    config = parse_config(
        {
            "store": {"currency": "jpy"},
            "cash": {"rounding_step": "10"},
            "payments": {"card": {"max": "50000", "fee_rate": "0.6%", "fee_cap": "200"}},
        },
        tmp_path,
    )
    assert config.store.currency == "JPY"
    assert config.cash.rounding_step == 10
    assert config.payments["card"].max_amount == 50000
    assert config.payments["card"].fee_rate == Rate(6000)
    assert config.payments["card"].fee_cap == 200


def test_load_config_reports_bad_toml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[store\nname = 1", "utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad, data_dir=tmp_path)
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "missing.toml", data_dir=tmp_path)


def test_config_path_order_env_then_local_then_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("POS_TUI_CONFIG", raising=False)
    assert load_config(data_dir=tmp_path).store.name == "Demo Mart"
    (tmp_path / "config.toml").write_text('[store]\nname = "Local Shop"\n', "utf-8")
    assert load_config(data_dir=tmp_path).store.name == "Local Shop"
    env_file = tmp_path / "env.toml"
    env_file.write_text('[store]\nname = "东方超市"\n', "utf-8")
    monkeypatch.setenv("POS_TUI_CONFIG", str(env_file))
    assert load_config(data_dir=tmp_path).store.name == "东方超市"


def test_config_is_frozen(tmp_path):
    config = parse_config({}, tmp_path)
    assert isinstance(config, Config)
    with pytest.raises(AttributeError):
        config.store.name = "x"  # type: ignore[misc]


def test_members_points_rule_is_read_and_bad_values_name_their_key(tmp_path):
    config = parse_config({"members": {"points_per_yuan": 2, "value_of_100_points": "0.50",
                                       "offline_daily_redeem_cap": 300}}, tmp_path)
    assert (config.members.points_per_yuan, config.members.value_of_100_points,
            config.members.offline_daily_redeem_cap) == (2, 50, 300)
    for table, key in (({"points_per_yuan": -1}, "members.points_per_yuan"),
                       ({"value_of_100_points": "0.00"}, "members.value_of_100_points"),
                       ({"value_of_100_points": 1}, "members.value_of_100_points"),
                       ({"offline_daily_redeem_cap": "lots"}, "members.offline_daily_redeem_cap"),
                       ({"points_per_euro": 1}, "members.points_per_euro")):
        with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
            parse_config({"members": table}, tmp_path)
