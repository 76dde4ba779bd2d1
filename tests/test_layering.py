"""Each layer, imported with all its modules in a fresh interpreter, loads only what it may."""

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


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layer_does_not_load_forbidden_packages(package):
    loaded = _top_level_modules_loaded_by(package)
    assert not loaded & FORBIDDEN[package], f"{package} loads {sorted(loaded & FORBIDDEN[package])}"


def test_the_probe_would_see_a_forbidden_import():
    assert "peewee" in _top_level_modules_loaded_by("pos_tui.store")
