"""TOML config -> frozen dataclasses. Every bad key or value raises ConfigError naming its key path.

Resolution: an explicit ``--config PATH``, else ``$POS_TUI_CONFIG``, else ``./config.toml``, else the
built-in defaults (data dir from platformdirs). ``config.example.toml`` documents every key.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import tomllib
from dataclasses import field, replace
from pathlib import Path
from typing import Any, Callable

from pos_tui.domain.text import TextError, check_text
from pos_tui.domain.money import Currency, MoneyError, Rate, currency, parse_amount, parse_rate
from pos_tui.domain.payment import METHODS
from pos_tui.domain.frozen_records import FrozenRecord, frozen_record
from pos_tui.domain.permissions import Action
import pos_tui.acquirer_config as gateway_settings


class ConfigError(ValueError):
    """A config problem; the message starts with the key path (``payments.card.fee_rate: ...``)."""

    def __init__(self, key: str, problem: str):
        self.key = key
        self.problem = problem
        super().__init__(f"{key}: {problem}" if key else problem)


@frozen_record
class StoreConfig(FrozenRecord):
    name: str = "Demo Mart"
    address: str = ""
    tax_id: str = ""
    currency: str = "CNY"
    lane: int = 1
    receipt_footer: str = "Thank you for shopping with us"
    language: str = "en"
    day_starts_at: dt.time = dt.time(0, 0)  # the business day's cut-over: before it is still yesterday


@frozen_record
class DatabaseConfig(FrozenRecord):
    url: str = ""
    encryption: bool = False


@frozen_record
class TaxConfig(FrozenRecord):
    prices_include_tax: bool = True
    rates: dict[str, Rate] = field(
        default_factory=lambda: {"A": Rate(130_000), "B": Rate(90_000), "Z": Rate(0)}
    )
    default: str = "A"


@frozen_record
class CashConfig(FrozenRecord):
    rounding_step: int = 1
    default_float: int = 0
    # A cash tender over ``tender_confirm_multiple`` times the cash due (and over
    # ``tender_confirm_above``) is asked about; one over ``tender_max`` is refused.
    tender_confirm_multiple: int = 10
    tender_confirm_above: int = 10_000
    tender_max: int = 10_000_000


@frozen_record
class PaymentMethod(FrozenRecord):
    """``[payments.<name>]`` of a method in the registry (``domain.payment``): its limits and fees."""

    enabled: bool = True
    min_amount: int = 0
    max_amount: int | None = None
    fee_rate: Rate = Rate(0)
    fee_cap: int | None = None
    gateway: str = "none"  # wallets only: alipay | wechat | shouqianba | simulator | none
    poll_interval: float = gateway_settings.TIMINGS["poll_interval"]  # wallets: seconds between queries
    max_wait: float = gateway_settings.TIMINGS["max_wait"]  # wallets: then the trade is cancelled
    timeout: float = gateway_settings.TIMINGS["timeout"]  # wallets: one HTTP request at most
    acquirer: dict[str, str] = field(default_factory=dict)  # the gateway's ids, URL and key file paths


WALLET_GATEWAYS = gateway_settings.GATEWAYS


@frozen_record
class TerminalConfig(FrozenRecord):
    driver: str = "none"
    port: str = ""
    baudrate: int = 9600
    bytesize: int = 7
    parity: str = "E"
    stopbits: int = 1
    step_timeout: float = 3.0
    answer_timeout: float = 120.0


@frozen_record
class PrinterConfig(FrozenRecord):
    driver: str = "none"
    connection: str = "serial"
    port: str = ""
    baudrate: int = 19200
    width: int = 42
    encoding: str = "gb18030"
    chinese_mode: bool = True
    cut: bool = True
    drawer_pin: int = 2


@frozen_record
class DisplayConfig(FrozenRecord):
    driver: str = "none"
    port: str = ""
    baudrate: int = 9600
    width: int = 20
    protocol: str = "vfd"  # vfd (2x20, ESC/POS or CD5220 commands) | led8 (Chinese 8-digit LED price display)
    encoding: str = "cp437"  # the display's code page; a Chinese one (gb18030, gbk) lets a VFD show CJK
    welcome: str = ""  # "" = "Welcome" in the store's language
    thanks: str = ""  # "" = "Thank you" in the store's language
    idle_after: float = 10.0  # seconds the paid and change figures stay before the thank-you line


@frozen_record
class ScannerConfig(FrozenRecord):
    driver: str = "keyboard"
    port: str = ""
    baudrate: int = 9600
    suffix: str = "cr"  # what ends a code: cr | lf | crlf | none (a pause of `gap` seconds)
    gap: float = 0.05


@frozen_record
class ScaleConfig(FrozenRecord):
    driver: str = "none"  # serial | none
    protocol: str = "toledo8217"  # toledo8217 | continuous | cas
    port: str = ""
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: int = 1
    manual_weight: bool = False  # with a scale: typed weights for weighed items need a supervisor
    stable_timeout: float = 3.0  # seconds to wait for a steady weight


@frozen_record
class DevicesConfig(FrozenRecord):
    terminal: TerminalConfig = TerminalConfig()
    printer: PrinterConfig = PrinterConfig()
    display: DisplayConfig = DisplayConfig()
    scanner: ScannerConfig = ScannerConfig()
    scale: ScaleConfig = ScaleConfig()


@frozen_record
class SecurityConfig(FrozenRecord):
    pin_min_length: int = 4
    max_attempts: int = 5
    lockout_minutes: int = 15
    pin_max_age_days: int = 0
    supervisor_required_for: tuple[str, ...] = ()
    key_file: str = ""


@frozen_record
class BackupConfig(FrozenRecord):
    folder: str = ""
    keep: int = 7
    after_z_report: bool = True
    daily: bool = True


@frozen_record
class Department(FrozenRecord):
    code: str
    name: str
    tax: str
    key: str


@frozen_record
class KioskConfig(FrozenRecord):
    enabled: bool = False


@frozen_record
class SaleConfig(FrozenRecord):
    merge_identical_scans: bool = True  # a scan of an item already on the sale adds to its quantity


@frozen_record
class MembersConfig(FrozenRecord):
    """The store's points rule: points earned per major unit (yuan) the customer paid in money, what
    100 points are worth as a tender (minor units), and how many points a member may redeem in a
    business day while the store server is unreachable (against the balance last known)."""

    points_per_yuan: int = 1
    value_of_100_points: int = 100  # minor units: 100 points pay 1.00
    offline_daily_redeem_cap: int = 500


@frozen_record
class BarcodeConfig(FrozenRecord):
    embedded: dict[str, str] = field(default_factory=lambda: {"20": "20IIIIIPPPPPC", "21": "21IIIIIWWWWWC"})


@frozen_record
class LimitsConfig(FrozenRecord):
    max_quantity_milli: int = 99_000
    max_weight_milli: int = 50_000
    max_line_amount: int = 1_000_000


@frozen_record
class ServerConfig(FrozenRecord):
    """The PostgreSQL store server (optional). The password never lives here: ``credentials`` names a
    0600 pgpass file (else libpq's own ~/.pgpass or peer authentication)."""

    url: str = ""
    credentials: str = ""
    sync_seconds: float = 1.0  # how often the sync worker looks for new prices and staff


@frozen_record
class Config(FrozenRecord):
    store: StoreConfig = StoreConfig()
    database: DatabaseConfig = DatabaseConfig()
    tax: TaxConfig = TaxConfig()
    cash: CashConfig = CashConfig()
    payments: dict[str, PaymentMethod] = field(
        default_factory=lambda: {name: PaymentMethod() for name in METHODS}
    )
    devices: DevicesConfig = DevicesConfig()
    security: SecurityConfig = SecurityConfig()
    backup: BackupConfig = BackupConfig()
    departments: tuple[Department, ...] = ()
    kiosk: KioskConfig = KioskConfig()
    keys: dict[str, str] = field(default_factory=dict)
    barcodes: BarcodeConfig = BarcodeConfig()
    limits: LimitsConfig = LimitsConfig()
    server: ServerConfig = ServerConfig()
    sale: SaleConfig = SaleConfig()
    members: MembersConfig = MembersConfig()
    data_dir: Path = Path(".")

    @property
    def currency(self) -> Currency:
        return currency(self.store.currency)

    @property
    def backup_dir(self) -> Path:
        """Where backups go: ``[backup] folder``, else ``backups`` in the data folder."""
        return Path(self.backup.folder).expanduser() if self.backup.folder else self.data_dir / "backups"

    @property
    def key_path(self) -> Path:
        """The store's key file: ``[security] key_file``, else ``store.key`` in the data folder."""
        return Path(self.security.key_file).expanduser() if self.security.key_file else self.data_dir / "store.key"

    @property
    def database_path(self) -> Path | None:
        """The SQLite file behind ``database.url``, or None for another kind of database."""
        prefix = "sqlite:///"
        return Path(self.database.url[len(prefix):]) if self.database.url.startswith(prefix) else None


# ---------------------------------------------------------------- reading values with key paths


class _Section:
    """One TOML table being read: takes keys one by one and complains about the ones left over."""

    def __init__(self, path: str, table: Any):
        if not isinstance(table, dict):
            raise ConfigError(path, f"expected a table ([{path}]), got {_kind(table)}")
        self.path = path
        self.table = dict(table)

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def take(self, name: str, default: Any, kind: type | tuple[type, ...]) -> Any:
        if name not in self.table:
            return default
        value = self.table.pop(name)
        wanted = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in wanted:
            raise ConfigError(self.key(name), f"expected {_names(wanted)}, got a boolean")
        if not isinstance(value, wanted):
            raise ConfigError(self.key(name), f"expected {_names(wanted)}, got {_kind(value)}")
        return value

    def take_str(self, name: str, default: str) -> str:
        value = self.take(name, default, str)
        try:
            return check_text(value, self.key(name))
        except TextError as exc:
            raise ConfigError(self.key(name), exc.at_column) from None

    def take_bool(self, name: str, default: bool) -> bool:
        return self.take(name, default, bool)

    def take_int(self, name: str, default: int, lo: int | None = None, hi: int | None = None) -> int:
        value = self.take(name, default, int)
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ConfigError(self.key(name), f"expected a whole number from {lo} to {hi}, got {value}")
        return value

    def take_seconds(self, name: str, default: float) -> float:
        value = self.take(name, default, (int, float))
        if not math.isfinite(value) or value <= 0:
            raise ConfigError(self.key(name), f"expected a number of seconds above 0, got {value}")
        return float(value)

    def take_choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.take_str(name, default)
        if value not in choices:
            raise ConfigError(self.key(name), f"expected one of {', '.join(choices)}, got {value!r}")
        return value

    def take_parsed(self, name: str, default: Any, parse: Callable[[Any], Any]) -> Any:
        if name not in self.table:
            return default
        raw = self.table.pop(name)
        try:
            return parse(raw)
        except (MoneyError, ValueError, TypeError) as exc:
            raise ConfigError(self.key(name), str(exc)) from None

    def section(self, name: str) -> "_Section":
        return _Section(self.key(name), self.table.pop(name, {}))

    def finish(self) -> None:
        for name in self.table:
            raise ConfigError(self.key(name), "unknown key")


def _kind(value: Any) -> str:
    kinds = {bool: "a boolean", int: "a number", float: "a number", str: "text", list: "a list", dict: "a table"}
    return kinds.get(type(value), type(value).__name__)


def _names(kinds: tuple[type, ...]) -> str:
    words = {bool: "true or false", int: "a whole number", float: "a number", str: "text", dict: "a table"}
    return " or ".join(words.get(k, k.__name__) for k in kinds)


def _amount_reader(cur: Currency) -> Callable[[Any], int]:
    def read(raw: Any) -> int:
        if not isinstance(raw, str):
            raise ValueError(f'expected an amount in quotes like "12.50", got {_kind(raw)}')
        return parse_amount(raw, cur)

    return read


def _rate_reader(raw: Any) -> Rate:
    if not isinstance(raw, str):
        raise ValueError(f'expected a percentage like "0.6%", got {_kind(raw)}')
    try:
        return parse_rate(raw)
    except MoneyError:
        raise ValueError(f'expected a percentage like "0.6%", got {raw!r}') from None


def _time_of_day(raw: Any) -> dt.time:
    """A time of day in hours and minutes: "04:00" (or TOML's own 04:00:00)."""
    if isinstance(raw, dt.time) and not raw.second and not raw.microsecond and raw.tzinfo is None:
        return raw
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", raw.strip()) if isinstance(raw, str) else None
    if m is None:
        raise ValueError(f'expected a time of day like "04:00" (00:00 to 23:59), got {raw!r}')
    return dt.time(int(m.group(1)), int(m.group(2)))


def _quantity_reader(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise ValueError(f'expected a quantity like 99 or "50.000", got {_kind(raw)}')
    m = re.fullmatch(r"(\d{1,6})(?:\.(\d{1,3}))?", str(raw).strip())
    if not m or int(m.group(1) + (m.group(2) or "").ljust(3, "0")) == 0:
        raise ValueError(f"expected a positive quantity with at most 3 decimals, got {raw!r}")
    return int(m.group(1)) * 1000 + int((m.group(2) or "").ljust(3, "0"))


# ---------------------------------------------------------------- sections


def _read_store(s: _Section) -> StoreConfig:
    d = StoreConfig()
    code = s.take_str("currency", d.currency)
    try:
        currency(code)
    except MoneyError as exc:
        raise ConfigError(s.key("currency"), str(exc)) from None
    store = StoreConfig(
        name=s.take_str("name", d.name),
        address=s.take_str("address", d.address),
        tax_id=s.take_str("tax_id", d.tax_id),
        currency=code.upper(),
        lane=s.take_int("lane", d.lane, 1, 99),
        receipt_footer=s.take_str("receipt_footer", d.receipt_footer),
        language=s.take_choice("language", d.language, ("en", "zh_CN")),
        day_starts_at=s.take_parsed("day_starts_at", d.day_starts_at, _time_of_day),
    )
    if not store.name.strip():
        raise ConfigError(s.key("name"), "the store needs a name")
    s.finish()
    return store


def _read_database(s: _Section, data_dir: Path) -> DatabaseConfig:
    url = s.take_str("url", f"sqlite:///{data_dir / 'pos.db'}")
    if not re.match(r"^(sqlite:///.+|postgresql://.+)$", url):
        raise ConfigError(s.key("url"), f'expected "sqlite:///path/to/pos.db", got {url!r}')
    encryption = s.take_bool("encryption", DatabaseConfig.encryption)
    s.finish()
    return DatabaseConfig(url, encryption)


def _read_tax(s: _Section) -> TaxConfig:
    d = TaxConfig()
    include = s.take_bool("prices_include_tax", d.prices_include_tax)
    rates_section = s.section("rates")
    rates = dict(d.rates) if not rates_section.table else {}
    for code in list(rates_section.table):
        if not re.fullmatch(r"[A-Za-z0-9_]{1,8}", code):
            raise ConfigError(rates_section.key(code), "a tax code is 1-8 letters or digits")
        rates[code] = rates_section.take_parsed(code, None, _rate_reader)
    default = s.take_str("default", d.default if d.default in rates else next(iter(rates), ""))
    if default not in rates:
        raise ConfigError(s.key("default"), f"{default!r} is not one of the rates ({', '.join(rates)})")
    s.finish()
    return TaxConfig(include, rates, default)


def _read_cash(s: _Section, cur: Currency) -> CashConfig:
    amount = _amount_reader(cur)
    step = s.take_parsed("rounding_step", 1, amount)
    if step <= 0:
        raise ConfigError(s.key("rounding_step"), "expected an amount above 0, like \"0.10\"")
    cash = CashConfig(
        rounding_step=step,
        default_float=s.take_parsed("default_float", 0, amount),
        tender_confirm_multiple=s.take_int("tender_confirm_multiple", 10, 0, 1000),
        tender_confirm_above=s.take_parsed("tender_confirm_above", 100 * cur.scale, amount),
        tender_max=s.take_parsed("tender_max", 100_000 * cur.scale, amount),
    )
    if cash.tender_max <= 0:
        raise ConfigError(s.key("tender_max"), "expected an amount above 0, like \"100000.00\"")
    s.finish()
    return cash


def _read_payments(s: _Section, cur: Currency) -> dict[str, PaymentMethod]:
    """One ``[payments.<name>]`` table per method in the registry, holding the keys its entry names."""
    amount = _amount_reader(cur)
    methods = {name: _read_payment_method(s.section(name), entry.config_keys, amount, name)
               for name, entry in METHODS.items()}
    s.finish()
    return methods


def _read_payment_method(m: _Section, keys: tuple[str, ...], amount: Callable[[Any], int],
                         name: str = "") -> PaymentMethod:
    d = PaymentMethod()
    readers = {  # key -> (PaymentMethod field, its value)
        "enabled": lambda: ("enabled", m.take_bool("enabled", d.enabled)),
        "min": lambda: ("min_amount", m.take_parsed("min", d.min_amount, amount)),
        "max": lambda: ("max_amount", m.take_parsed("max", d.max_amount, amount)),
        "fee_rate": lambda: ("fee_rate", m.take_parsed("fee_rate", d.fee_rate, _rate_reader)),
        "fee_cap": lambda: ("fee_cap", m.take_parsed("fee_cap", d.fee_cap, amount)),
        "gateway": lambda: ("gateway", m.take_choice("gateway", d.gateway, WALLET_GATEWAYS)),
        "poll_interval": lambda: ("poll_interval", m.take_seconds("poll_interval", d.poll_interval)),
        "max_wait": lambda: ("max_wait", m.take_seconds("max_wait", d.max_wait)),
        "timeout": lambda: ("timeout", m.take_seconds("timeout", d.timeout)),
    }
    method = PaymentMethod(**dict(readers[key]() for key in keys))
    if method.gateway in gateway_settings.NETWORK_GATEWAYS:
        method = replace(method, acquirer=_read_acquirer(m, name, method.gateway))
    if method.max_amount is not None and method.max_amount < method.min_amount:
        raise ConfigError(m.key("max"), "is below min")
    m.finish()
    return method


def _read_acquirer(m: _Section, method: str, gateway: str) -> dict[str, str]:
    """A network gateway's own keys in ``[payments.<method>]``: ids, URL and key files (checked to
    exist and be readable by the service user only; their content is read when the lane opens)."""
    if gateway not in gateway_settings.gateways_for(method):
        raise ConfigError(m.key("gateway"), f"{gateway!r} does not take {method} codes "
                                            f"(expected one of {', '.join(gateway_settings.gateways_for(method))})")
    spec = gateway_settings.SPECS[gateway]
    values = {key: m.take_str(key, default) for key, default in spec.optional.items()}
    for key in spec.required + spec.key_files:
        values[key] = m.take_str(key, "").strip()
        if not values[key]:
            raise ConfigError(m.key(key), f"required with gateway = {gateway!r}")
    for key in spec.optional_key_files:
        values[key] = m.take_str(key, "").strip()
    if problem := gateway_settings.url_problem(values["url"]):
        raise ConfigError(m.key("url"), problem)
    for key in spec.key_files + spec.optional_key_files:
        if values[key] and (problem := gateway_settings.key_file_problem(values[key])):
            raise ConfigError(m.key(key), problem)
    return values


_PARITIES = ("N", "E", "O", "M", "S")


def _read_terminal(s: _Section) -> TerminalConfig:
    d = TerminalConfig()
    t = TerminalConfig(
        driver=s.take_choice("driver", d.driver, ("concert", "simulator", "none")),
        port=s.take_str("port", d.port),
        baudrate=s.take_int("baudrate", d.baudrate, 300, 921600),
        bytesize=s.take_int("bytesize", d.bytesize, 5, 8),
        parity=s.take_choice("parity", d.parity, _PARITIES),
        stopbits=s.take_int("stopbits", d.stopbits, 1, 2),
        step_timeout=s.take_seconds("step_timeout", d.step_timeout),
        answer_timeout=s.take_seconds("answer_timeout", d.answer_timeout),
    )
    if t.driver == "concert" and not t.port:
        raise ConfigError(s.key("port"), "the concert driver needs a port (e.g. /dev/ttyACM0)")
    s.finish()
    return t


def _read_printer(s: _Section) -> PrinterConfig:
    d = PrinterConfig()
    p = PrinterConfig(
        driver=s.take_choice("driver", d.driver, ("escpos", "none")),
        connection=s.take_choice("connection", d.connection, ("serial", "network", "file")),
        port=s.take_str("port", d.port),
        baudrate=s.take_int("baudrate", d.baudrate, 300, 921600),
        width=s.take_parsed("width", d.width, _printer_width),
        encoding=s.take_parsed("encoding", d.encoding, _encoding),
        chinese_mode=s.take_bool("chinese_mode", d.chinese_mode),
        cut=s.take_bool("cut", d.cut),
        drawer_pin=s.take_int("drawer_pin", d.drawer_pin, 2, 5),
    )
    if p.drawer_pin not in (2, 5):
        raise ConfigError(s.key("drawer_pin"), f"expected 2 or 5, got {p.drawer_pin}")
    if p.driver == "escpos" and not p.port:
        raise ConfigError(s.key("port"), "the escpos driver needs a port (device, host:port or file)")
    s.finish()
    return p


def _printer_width(raw: Any) -> int:
    if raw not in (32, 42, 48) or isinstance(raw, bool):
        raise ValueError(f"expected 32, 42 or 48 characters, got {raw!r}")
    return raw


def _encoding(raw: Any) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"expected an encoding name like \"gb18030\", got {_kind(raw)}")
    try:
        "".encode(raw)
    except LookupError:
        raise ValueError(f"unknown encoding {raw!r}") from None
    return raw


def _read_display(s: _Section) -> DisplayConfig:
    d = DisplayConfig()
    disp = DisplayConfig(
        driver=s.take_choice("driver", d.driver, ("serial", "none")),
        port=s.take_str("port", d.port),
        baudrate=s.take_int("baudrate", d.baudrate, 300, 921600),
        width=s.take_int("width", d.width, 16, 40),
        protocol=s.take_choice("protocol", d.protocol, ("vfd", "led8")),
        encoding=s.take_parsed("encoding", d.encoding, _encoding),
        welcome=s.take_str("welcome", d.welcome),
        thanks=s.take_str("thanks", d.thanks),
        idle_after=s.take_seconds("idle_after", d.idle_after),
    )
    if disp.driver == "serial" and not disp.port:
        raise ConfigError(s.key("port"), "a serial display needs a port")
    s.finish()
    return disp


def _read_scanner(s: _Section) -> ScannerConfig:
    d = ScannerConfig()
    scan = ScannerConfig(
        driver=s.take_choice("driver", d.driver, ("keyboard", "serial")),
        port=s.take_str("port", d.port),
        baudrate=s.take_int("baudrate", d.baudrate, 300, 921600),
        suffix=s.take_choice("suffix", d.suffix, ("cr", "lf", "crlf", "none")),
        gap=s.take_seconds("gap", d.gap),
    )
    if scan.driver == "serial" and not scan.port:
        raise ConfigError(s.key("port"), "a serial scanner needs a port")
    s.finish()
    return scan


def _read_scale(s: _Section) -> ScaleConfig:
    d = ScaleConfig()
    scale = ScaleConfig(
        driver=s.take_choice("driver", d.driver, ("serial", "none")),
        protocol=s.take_choice("protocol", d.protocol, ("toledo8217", "continuous", "cas")),
        port=s.take_str("port", d.port),
        baudrate=s.take_int("baudrate", d.baudrate, 300, 921600),
        bytesize=s.take_int("bytesize", d.bytesize, 7, 8),
        parity=s.take_choice("parity", d.parity, _PARITIES),
        stopbits=s.take_int("stopbits", d.stopbits, 1, 2),
        manual_weight=s.take_bool("manual_weight", d.manual_weight),
        stable_timeout=s.take_seconds("stable_timeout", d.stable_timeout),
    )
    if scale.driver == "serial" and not scale.port:
        raise ConfigError(s.key("port"), "a scale needs a port")
    s.finish()
    return scale


def _read_devices(s: _Section) -> DevicesConfig:
    devices = DevicesConfig(
        terminal=_read_terminal(s.section("terminal")),
        printer=_read_printer(s.section("printer")),
        display=_read_display(s.section("display")),
        scanner=_read_scanner(s.section("scanner")),
        scale=_read_scale(s.section("scale")),
    )
    s.finish()
    return devices


def _read_security(s: _Section) -> SecurityConfig:
    d = SecurityConfig()
    actions = s.take("supervisor_required_for", [], list)
    for i, action in enumerate(actions):
        if not isinstance(action, str) or not re.fullmatch(r"[a-z_]+", action):
            raise ConfigError(f"{s.key('supervisor_required_for')}[{i}]", f"expected an action name, got {action!r}")
        if action not in {a.value for a in Action}:
            raise ConfigError(f"{s.key('supervisor_required_for')}[{i}]",
                              f"unknown action {action!r}; actions are {', '.join(a.value for a in Action)}")
    sec = SecurityConfig(
        pin_min_length=s.take_int("pin_min_length", d.pin_min_length, 4, 12),
        max_attempts=s.take_int("max_attempts", d.max_attempts, 1, 20),
        lockout_minutes=s.take_int("lockout_minutes", d.lockout_minutes, 1, 1440),
        pin_max_age_days=s.take_int("pin_max_age_days", d.pin_max_age_days, 0, 3650),
        supervisor_required_for=tuple(actions),
        key_file=s.take_str("key_file", d.key_file),
    )
    s.finish()
    return sec


def _read_backup(s: _Section) -> BackupConfig:
    d = BackupConfig()
    b = BackupConfig(
        folder=s.take_str("folder", d.folder),
        keep=s.take_int("keep", d.keep, 1, 365),
        after_z_report=s.take_bool("after_z_report", d.after_z_report),
        daily=s.take_bool("daily", d.daily),
    )
    s.finish()
    return b


def _read_departments(s: _Section, tax: TaxConfig) -> tuple[Department, ...]:
    departments = []
    for code in list(s.table):
        dep = s.section(code)
        department = Department(
            code=code,
            name=dep.take_str("name", ""),
            tax=dep.take_str("tax", tax.default),
            key=dep.take_str("key", ""),
        )
        if not department.name.strip():
            raise ConfigError(dep.key("name"), "a department needs a name")
        if department.tax not in tax.rates:
            raise ConfigError(dep.key("tax"), f"{department.tax!r} is not a configured tax rate")
        if not re.fullmatch(r"(f([1-9]|1[0-2])|ctrl\+[a-z]|[a-z])?", department.key):
            raise ConfigError(dep.key("key"), f'expected a key like "ctrl+d" or "f12", got {department.key!r}')
        dep.finish()
        taken = next((d for d in departments if department.key and d.key == department.key), None)
        if taken is not None:
            raise ConfigError(dep.key("key"), f"{department.key!r} is already the key of department {taken.code}")
        departments.append(department)
    return tuple(departments)


def _read_sale(s: _Section) -> SaleConfig:
    sale = SaleConfig(s.take_bool("merge_identical_scans", SaleConfig().merge_identical_scans))
    s.finish()
    return sale


def _read_members(s: _Section, cur: Currency) -> MembersConfig:
    d = MembersConfig()
    members = MembersConfig(
        points_per_yuan=s.take_int("points_per_yuan", d.points_per_yuan, 0, 1000),
        value_of_100_points=s.take_parsed("value_of_100_points", d.value_of_100_points, _amount_reader(cur)),
        offline_daily_redeem_cap=s.take_int("offline_daily_redeem_cap", d.offline_daily_redeem_cap, 0, 10_000_000),
    )
    if members.value_of_100_points <= 0:
        raise ConfigError(s.key("value_of_100_points"), "must be more than 0")
    s.finish()
    return members


def _read_kiosk(s: _Section) -> KioskConfig:
    kiosk = KioskConfig(s.take_bool("enabled", KioskConfig().enabled))
    s.finish()
    return kiosk


def _read_keys(s: _Section) -> dict[str, str]:
    keys = {}
    for action in list(s.table):
        key = s.take_str(action, "")
        if not re.fullmatch(r"[a-z0-9_+]{1,20}", key):
            raise ConfigError(s.key(action), f'expected a key name like "f10" or "ctrl+l", got {key!r}')
        keys[action] = key
    return keys


def _read_barcodes(s: _Section) -> BarcodeConfig:
    embedded_section = s.section("embedded")
    embedded = dict(BarcodeConfig().embedded) if not embedded_section.table else {}
    for prefix in list(embedded_section.table):
        layout = embedded_section.take_str(prefix, "")
        if not re.fullmatch(r"2\d", prefix):
            raise ConfigError(embedded_section.key(prefix), "embedded-price prefixes are 20 to 29")
        compact = layout.replace(" ", "")
        if not re.fullmatch(r"[0-9FIPWVC]{13}", compact) or not compact.startswith(prefix):
            raise ConfigError(embedded_section.key(prefix), f'expected 13 places like "{prefix}IIIIIPPPPPC", got {layout!r}')
        embedded[prefix] = compact
    s.finish()
    return BarcodeConfig(embedded)


def _read_limits(s: _Section, cur: Currency) -> LimitsConfig:
    d = LimitsConfig()
    limits = LimitsConfig(
        max_quantity_milli=s.take_parsed("max_quantity", d.max_quantity_milli, _quantity_reader),
        max_weight_milli=s.take_parsed("max_weight_kg", d.max_weight_milli, _quantity_reader),
        max_line_amount=s.take_parsed("max_line_amount", d.max_line_amount, _amount_reader(cur)),
    )
    s.finish()
    return limits


def _read_server(s: _Section) -> ServerConfig:
    d = ServerConfig()
    url = s.take_str("url", d.url)
    if url:
        if not re.match(r"^postgres(ql)?://", url):
            raise ConfigError(s.key("url"), f'expected "postgresql://ROLE@HOST/DATABASE", got {url!r}')
        if re.match(r"^postgres(ql)?://[^/@]*:[^/@]*@", url) or re.search(r"[?&]password=", url):
            raise ConfigError(s.key("url"), "a password does not belong in config.toml: put it in the "
                                            "credentials file (server.credentials)")
    server = ServerConfig(url=url, credentials=s.take_str("credentials", d.credentials),
                          sync_seconds=s.take_seconds("sync_seconds", d.sync_seconds))
    s.finish()
    return server


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("pos-tui", appauthor=False))


def parse_config(table: dict[str, Any], data_dir: Path) -> Config:
    """Build a Config from a TOML table (already parsed); raises ConfigError naming the key path."""
    root = _Section("", table)
    paths = root.section("paths")
    data_dir = Path(paths.take_str("data_dir", str(data_dir))).expanduser()
    paths.finish()
    if data_dir.exists() and not data_dir.is_dir():
        raise ConfigError(paths.key("data_dir"), f"{data_dir} is a file, not a folder")
    store = _read_store(root.section("store"))
    cur = currency(store.currency)
    tax = _read_tax(root.section("tax"))
    config = Config(
        store=store,
        database=_read_database(root.section("database"), data_dir),
        tax=tax,
        cash=_read_cash(root.section("cash"), cur),
        payments=_read_payments(root.section("payments"), cur),
        devices=_read_devices(root.section("devices")),
        security=_read_security(root.section("security")),
        backup=_read_backup(root.section("backup")),
        departments=_read_departments(root.section("departments"), tax),
        kiosk=_read_kiosk(root.section("kiosk")),
        keys=_read_keys(root.section("keys")),
        barcodes=_read_barcodes(root.section("barcodes")),
        limits=_read_limits(root.section("limits"), cur),
        server=_read_server(root.section("server")),
        sale=_read_sale(root.section("sale")),
        members=_read_members(root.section("members"), cur),
        data_dir=data_dir,
    )
    root.finish()
    return config


def config_path(explicit: Path | None = None) -> Path | None:
    """Which file to read: the explicit path, $POS_TUI_CONFIG, ./config.toml, or None for defaults."""
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get("POS_TUI_CONFIG")
    if env:
        return Path(env)
    local = Path("config.toml")
    return local if local.is_file() else None


def read_config_table(path: Path) -> dict[str, Any]:
    """The TOML table of a config file, not yet checked; ConfigError when it cannot be read."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError("", f"cannot read config file {path}: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("", f"{path}: not valid TOML: {exc}") from None


def load_config(path: Path | None = None, *, data_dir: Path | None = None) -> Config:
    """Read the config (see module doc for where from); ConfigError names any bad key."""
    chosen = config_path(path)
    table = read_config_table(chosen) if chosen is not None else {}
    paths = table.get("paths")
    if data_dir is None and not (isinstance(paths, dict) and "data_dir" in paths):
        data_dir = default_data_dir()  # platformdirs costs start-up time: only when it is needed
    return parse_config(table, data_dir or Path("."))


def with_overrides(config: Config, **sections: Any) -> Config:
    """A copy with whole sections replaced (used by `demo` and tests)."""
    return replace(config, **sections)
