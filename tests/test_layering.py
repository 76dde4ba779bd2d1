"""The layers keep to their imports: each one, imported with all its modules in a fresh interpreter,
loads only the third-party packages it may; and every module of pos_tui imports only the layers of
ours the table allows (read from its source, so an import under TYPE_CHECKING or inside a function
counts too)."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN = {
    "pos_tui.domain": {"textual", "peewee", "serial", "escpos", "psycopg"},
    # psycopg belongs to pos_tui.server (and the sync worker): peewee must not pull it into a lane.
    "pos_tui.store": {"textual", "serial", "escpos", "psycopg"},
    "pos_tui.devices": {"textual", "peewee", "psycopg"},
    "pos_tui.gateways": {"textual", "peewee", "serial", "escpos", "psycopg"},
}

_PROBE = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(info.name)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def _top_level_modules_loaded_by(package: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, package], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout))


@pytest.mark.slow
@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layer_does_not_load_forbidden_packages(package):
    loaded = _top_level_modules_loaded_by(package)
    assert not loaded & FORBIDDEN[package], f"{package} loads {sorted(loaded & FORBIDDEN[package])}"


@pytest.mark.slow
def test_the_probe_would_see_a_forbidden_import():
    assert "peewee" in _top_level_modules_loaded_by("pos_tui.store")


# ------------------------------------------------------------------ pos_tui's own packages

PACKAGE = ROOT / "pos_tui"

# Which layer each module of ours is in, by the name under pos_tui. demo.py and __main__.py are
# command-line level; pos_tui.locale is i18n's data; "pos_tui" alone is the package's face (its version).
LAYER_OF = {
    "domain": "domain", "store": "store", "devices": "devices", "gateways": "gateways", "services": "services",
    "tui": "tui", "cli": "cli", "demo": "cli", "__main__": "cli", "config": "config", "i18n": "i18n",
    "locale": "i18n", "data": "data", "lane_signals": "lane_signals",
    "acquirer_config": "config",  # the acquirers' config keys and key-file checks, read by config.py
    "private_files": "config",  # 0600 files and 0700 folders, standard library only
    "server": "server", "cli_server": "cli", "cli_operator": "cli",
}

# The layers of ours each layer may import besides its own (DESIGN.md, "Layers"): imports only point
# down. config and i18n are top-level modules that every layer above the domain may import; the
# domain imports only i18n (config is built on the domain's money and rates).
MAY_IMPORT = {
    "domain": {"i18n"},
    "store": {"domain", "config", "i18n"},
    "devices": {"domain", "config", "i18n"},
    "gateways": {"domain", "devices", "config", "i18n"},  # an acquirer's gateway implements the wallet ABC
    "services": {"domain", "store", "devices", "gateways", "server", "config", "i18n"},
    # the PostgreSQL store server: schema, roles, ingest, change feed (it reads the lane's report shapes)
    "server": {"domain", "store", "config", "i18n"},
    "tui": {"services", "domain", "config", "i18n", "lane_signals"},
    # The command line reaches the store, the devices and the store server only through services.
    "cli": {"services", "tui", "domain", "config", "i18n", "lane_signals", "pos_tui"},
    "config": {"domain", "i18n"},
    "i18n": set(),
    "lane_signals": set(),  # the process's stop signals, standard library only (cli imports it first)
    "data": set(),
}

# Modules only the command line may import: the screens reach their app as a LaneHost or OfficeHost.
ONLY_FOR_CLI = ("pos_tui.tui.app", "pos_tui.tui.admin.app")


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) == 1:
        return "pos_tui"
    return LAYER_OF.get(parts[1])


def our_modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def imported_by(module: str, source: str, *, is_package: bool = False) -> list[tuple[int, str]]:
    """Every module of ours that ``source`` imports, with its line: at the top, inside functions,
    under TYPE_CHECKING, relative, or by ``importlib.import_module`` with a literal name."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # ``from pos_tui import store`` imports the package pos_tui.store (``__version__`` is a name).
            names = [f"{base}.{alias.name}" if base == "pos_tui" and alias.name in LAYER_OF else base
                     for alias in node.names]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args:
            name = node.args[0]
            if isinstance(name, ast.JoinedStr) and name.values:
                name = name.values[0]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                names = [name.value.rstrip(".")]
        found += [(node.lineno, name) for name in dict.fromkeys(names)
                  if name == "pos_tui" or name.startswith("pos_tui.")]
    return found


def broken_rules(module: str, source: str, *, is_package: bool = False) -> list[str]:
    """Each import of ours in ``source`` (the module ``module``) that the table forbids, as one line."""
    layer = layer_of(module)
    if layer is None:
        return [f"{module}: in no layer of the table (add its package to LAYER_OF and MAY_IMPORT)"]
    broken = []
    for line, target in imported_by(module, source, is_package=is_package):
        theirs = layer_of(target)
        if theirs is None:
            broken.append(f"{module}:{line} imports {target}, in no layer of the table")
        elif theirs != layer and theirs not in MAY_IMPORT[layer]:
            broken.append(f"{module}:{line}: {layer} may not import {theirs} ({target})")
        elif layer != "cli" and any(target == only or target.startswith(only + ".") for only in ONLY_FOR_CLI):
            broken.append(f"{module}:{line} imports {target}: only the command line may")
    return broken


def test_every_layer_of_ours_imports_only_what_the_table_allows():
    modules = our_modules()
    assert len(modules) > 80 and "pos_tui.tui.app" in modules  # the walk sees the package
    broken = [line for module, path in modules.items()
              for line in broken_rules(module, path.read_text(encoding="utf-8"), is_package=path.name == "__init__.py")]
    assert broken == [], "\n".join(broken)


@pytest.mark.parametrize(("module", "source", "expected"), [
    ("pos_tui.domain.cart", "from pos_tui.store import sales\n",
     "pos_tui.domain.cart:1: domain may not import store (pos_tui.store)"),
    ("pos_tui.domain.cart", "import pos_tui.config\n",
     "pos_tui.domain.cart:1: domain may not import config (pos_tui.config)"),
    ("pos_tui.store.sales", "def later():\n    from pos_tui.services.lane import Lane\n",
     "pos_tui.store.sales:2: store may not import services (pos_tui.services.lane)"),
    ("pos_tui.tui.format", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                           "    from pos_tui.store.sales import PaymentRecord\n",
     "pos_tui.tui.format:3: tui may not import store (pos_tui.store.sales)"),
    ("pos_tui.tui.device_status", "from pos_tui import devices\n",
     "pos_tui.tui.device_status:1: tui may not import devices (pos_tui.devices)"),
    ("pos_tui.tui.screens.items", "from ...devices.status_line import poll_devices\n",
     "pos_tui.tui.screens.items:1: tui may not import devices (pos_tui.devices.status_line)"),
    ("pos_tui.tui.screens.items", "import importlib\nimportlib.import_module('pos_tui.store.catalog')\n",
     "pos_tui.tui.screens.items:2: tui may not import store (pos_tui.store.catalog)"),
    ("pos_tui.tui.screens.lane_screen", "from pos_tui.tui.app import PosApp\n",
     "pos_tui.tui.screens.lane_screen:1 imports pos_tui.tui.app: only the command line may"),
    ("pos_tui.services.lane.items", "from pos_tui.tui.keymap import DEFAULT_KEYMAP\n",
     "pos_tui.services.lane.items:1: services may not import tui (pos_tui.tui.keymap)"),
    ("pos_tui.devices.printer", "from pos_tui.store.db import StoreError\n",
     "pos_tui.devices.printer:1: devices may not import store (pos_tui.store.db)"),
    ("pos_tui.cli", "def init():\n    from pos_tui.store import users\n",
     "pos_tui.cli:2: cli may not import store (pos_tui.store)"),
    ("pos_tui.demo", "from pos_tui.store.keys import open_store\n",
     "pos_tui.demo:1: cli may not import store (pos_tui.store.keys)"),
    ("pos_tui.cli_server", "from pos_tui.devices.status import check_devices\n",
     "pos_tui.cli_server:1: cli may not import devices (pos_tui.devices.status)"),
    ("pos_tui.cli_server", "def init():\n    from pos_tui.server.catalog import upsert_products\n",
     "pos_tui.cli_server:2: cli may not import server (pos_tui.server.catalog)"),
    ("pos_tui.headoffice.ingest", "from pos_tui.store import sales\n",
     "pos_tui.headoffice.ingest: in no layer of the table (add its package to LAYER_OF and MAY_IMPORT)"),
])
def test_a_rule_broken_on_purpose_is_reported(module, source, expected):
    assert broken_rules(module, source) == [expected]


def test_what_the_table_allows_is_not_reported():
    assert broken_rules("pos_tui.tui.screens.items", "from pos_tui.services.views import ProductInfo\n"
                                                     "from pos_tui.domain.money import format_amount\n"
                                                     "from pos_tui.config import Department\n"
                                                     "from ..format import cart_rows\n") == []
    assert broken_rules("pos_tui.services.devices", "from pos_tui.devices.status import check_devices\n") == []
    assert broken_rules("pos_tui.cli", "from pos_tui.tui.app import run_lane\n") == []


_FIRST_FRAME_PROBE = """
import json, sys
import pos_tui.cli
from pos_tui.services.opening import opened_lane
import pos_tui.tui.app
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in {"peewee", "escpos", "psycopg", "serial"}
                        or name.startswith(("pos_tui.store", "pos_tui.services.lane", "pos_tui.services.events"))
                        or name in {"pos_tui.cli_operator", "pos_tui.tui.screens.modals", "secrets", "getpass"})))
"""


@pytest.mark.slow
def test_what_the_lane_imports_before_its_first_frame_loads_no_store_and_no_device():
    """`pos-tui run` draws the sign-in screen before it opens the store, the lane and the devices
    (DESIGN.md, start-up): the command, the opening and the app import none of them at their top, nor
    the operator's other commands, the lane's boxes or the modules that hash and sign."""
    result = subprocess.run([sys.executable, "-c", _FIRST_FRAME_PROBE], capture_output=True, text=True, cwd=ROOT,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


_STORE_OPEN_PROBE = """
import json, sys
import pos_tui.cli
from pos_tui.services.opening import opened_lane
import pos_tui.services.lane
import pos_tui.tui.app
print(json.dumps(sorted(name for name in sys.modules if name in {
    "pos_tui.store.returns", "pos_tui.services.lane.returns", "pos_tui.store.reports", "pos_tui.domain.report",
    "pos_tui.devices.receipt", "pos_tui.tui.screens.shift", "pos_tui.tui.format", "pos_tui.tui.widgets.cart_view"})))
"""


@pytest.mark.slow
def test_what_the_lane_imports_as_its_store_opens_leaves_returns_reports_and_shift_boxes_for_later():
    """The lane, its store and the app import at their top none of what a cashier needs only later:
    returns, reports, the receipt's layout (a printer's driver brings it), the shift desk's boxes and
    the cart's rows (with the item screen, or F1's help) load where they are first used."""
    result = subprocess.run([sys.executable, "-c", _STORE_OPEN_PROBE], capture_output=True, text=True, cwd=ROOT,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
