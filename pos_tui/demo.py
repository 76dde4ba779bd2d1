"""The demo store behind `pos-tui demo`: a catalog, two users and simulated devices in a temp folder."""

from __future__ import annotations

from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from pos_tui.config import Config, PrinterConfig, parse_config

DEMO_USERS = (("cashier", "cashier", "1234"), ("super", "supervisor", "9999"))

DEMO_SETTINGS: dict[str, Any] = {
    "store": {
        "name": "Demo Mart 演示超市",
        "address": "1 Demo Road, Shanghai",
        "tax_id": "91310000DEMO00001X",
        "currency": "CNY",
        "lane": 1,
        "receipt_footer": "Thank you! 谢谢惠顾",
    },
    "cash": {"rounding_step": "0.10", "default_float": "500.00"},
    "devices": {"terminal": {"driver": "simulator", "step_timeout": 3.0, "answer_timeout": 30.0}},
    "payments": {"alipay": {"gateway": "simulator"}, "wechat": {"gateway": "simulator"},
                 "card": {"max": "50000.00", "fee_rate": "0.6%"}},
    "departments": {"SERV": {"name": "Services 服务", "tax": "B", "key": "ctrl+d"}},
}

# Codes worth typing in the demo (printed by `pos-tui demo --help` and in the README).
DEMO_CODES = {
    "6901234567892": "可口可乐 330ml, 3.50",
    "6901234567908": "Bread, 12.00",
    "4006381333931": "Soap, 5.00",
    "4131": "苹果 Apple, 8.80/kg (type 1.25*4131)",
    "2000001012505": "熟食沙拉 Deli salad, price 12.50 in the code",
    "2100002007507": "猪肉 Pork, 0.750 kg in the code",
    "69012341": "绿茶 Green tea, 4.50 (第二件半价: the second at half price)",
    "6900000000014": "牛奶 Milk 1L, 9.90 (3 for 25.00)",
    "6931234567806": "大米 5kg, 39.90 (满100减20: 20.00 off a sale of 100.00)",
}


def demo_settings(overrides: dict[str, Any] | None = None, language: str | None = None) -> dict[str, Any]:
    """The demo's settings with a config file's tables laid over them (a key the file sets wins)
    and, when given, the language of its screens and receipts."""

    def merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
        out = dict(base)
        for key, value in over.items():
            out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        return out

    # The demo keeps its store in its own folder whatever the file says of paths and the database.
    over = {key: value for key, value in (overrides or {}).items() if key not in ("paths", "database")}
    settings = merged(DEMO_SETTINGS, over)
    if language is not None:
        settings = merged(settings, {"store": {"language": language}})
    return settings


DEMO_MEMBER = ("8800000001", "13800138000", "王芳", 1000)  # ^V 13800138000: member prices and points


def demo_config(data_dir: Path, settings: dict[str, Any] | None = None) -> Config:
    return parse_config(DEMO_SETTINGS if settings is None else settings, data_dir)


def create_demo_store(data_dir: Path, *, with_open_shift: bool = True,
                      settings: dict[str, Any] | None = None, with_promotions: bool = False) -> Config:
    """Create the demo database in ``data_dir`` (catalog and users) and return its config.

    With ``with_open_shift`` the demo cashier's shift is open with the default float, so the
    demo (and every test built on it) can sell straight away; with ``with_promotions`` the store
    runs the demo's promotions (data/demo_promotions.toml: what `pos-tui demo` shows; the tests'
    stores sell at shelf price unless a test brings its own). Leaves the database open and bound
    (the lane uses it next).
    """
    from pos_tui.services.demo_store import fill_store
    from pos_tui.services.store_admin import open_store

    config = demo_config(Path(data_dir), settings)
    open_store(config, create_key=True)
    with resources.as_file(resources.files("pos_tui.data") / "demo_catalog.csv") as catalog_file:
        fill_store(config, catalog_file, DEMO_USERS, actor="demo")
    if with_promotions:
        from pos_tui.services.promotions import import_promotions

        with resources.as_file(resources.files("pos_tui.data") / "demo_promotions.toml") as promotions_file:
            import_promotions(promotions_file, config.currency, actor="demo")
        from pos_tui.services.members import add_member

        card, phone, name, points = DEMO_MEMBER
        add_member(config, card=card, phone=phone, name=name, points=points, actor="demo")
    if with_open_shift:
        open_demo_shift(config)
    return config


def open_demo_shift(config: Config) -> None:
    """Open the demo cashier's shift with the float the drawer should hold, unless one is open."""
    from pos_tui.services.demo_store import open_shift_unless_open

    open_shift_unless_open(config, DEMO_USERS[0][0])


def open_demo_store(data_dir: Path, settings: dict[str, Any] | None = None) -> Config:
    """The demo store in ``data_dir``: created on first use, reopened as it was after that."""
    from pos_tui.services.store_admin import open_store

    config = demo_config(Path(data_dir), settings)
    if config.database_path is not None and config.database_path.exists():
        open_store(config, create_key=True)
        open_demo_shift(config)
        return config
    return create_demo_store(data_dir, settings=settings, with_promotions=True)


def with_printer_port(config: Config, port: str) -> Config:
    """The config with an ESC/POS printer on ``port`` (the virtual printer's pseudo-terminal)."""
    printer = replace(PrinterConfig(), driver="escpos", connection="serial", port=port,
                      width=config.devices.printer.width)
    return replace(config, devices=replace(config.devices, printer=printer))
