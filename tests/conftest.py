"""Shared fixtures: a real SQLite database file per test, opened through the store.

PINs are hashed at a cheap argon2 cost for the whole run: each stored hash records its own cost,
so verifying works the same, and production keeps ``pins.COST`` (see ``production_pin_cost``).

Textual's Pilot waits for the app to go idle in finer slices than its default (see ``PILOT_IDLE_SLICE``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Callable, Iterator

import pytest

import pos_tui.tui  # noqa: F401  first: it sets the lane's frame rate, which textual reads on import
import textual._wait
from textual.css.stylesheet import Stylesheet
from pos_tui.config import Config
from pos_tui.domain import pins
from pos_tui.domain.money import Currency, currency

CSV_HEADER = "sku,name,price,barcodes,tax,unit,stock"
REPO = Path(__file__).resolve().parents[1]
PRODUCTION_PIN_COST = pins.COST
# Pilot.press and Pilot.pause wait until the process has gone idle: they sleep in slices of
# SLEEP_GRANULARITY (20 ms) until one slice passes with under SLEEP_IDLE (1/20 of it) of CPU time.
# Every key press costs at least two slices, and a Pilot test presses hundreds of keys. 5 ms slices
# see the same thing (a slice with no work left for the app) four times sooner; what a test waits
# for is still its own condition (``settle``, ``wait_for``), not a slice count.
PILOT_IDLE_SLICE = 0.005
# The xdist workers and the lanes, simulators and commands the tests start as child processes read
# compiled modules: with PYTHONDONTWRITEBYTECODE set (some shells and images set it), each of them
# would compile pos_tui from source again (~0.2 s a process, a few hundred processes a run).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
# A run started in the background by a non-interactive shell (`cmd &`) inherits SIGINT ignored, and
# so would every simulator the tests stop with Ctrl+C: give the run Python's own handler back.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
textual._wait.SLEEP_GRANULARITY = PILOT_IDLE_SLICE
textual._wait.SLEEP_IDLE = PILOT_IDLE_SLICE / 20

# Textual parses every stylesheet source again for each new App and at each first use of a mode (a
# fresh Stylesheet each time, its parse cache with it): the same CSS with the same variables gives
# the same rules, so the test process parses each once. A quarter of a Pilot test's CPU otherwise.
_parse_rules = Stylesheet._parse_rules
_PARSED: dict[tuple, list] = {}


def _parse_rules_once(self: Stylesheet, css: str, read_from: tuple, is_default_rules: bool = False,
                      tie_breaker: int = 0, scope: str = "") -> list:
    key = (css, read_from, is_default_rules, tie_breaker, scope, tuple(sorted(self._variables.items())))
    rules = _PARSED.get(key)
    if rules is None:
        rules = _PARSED[key] = _parse_rules(self, css, read_from, is_default_rules, tie_breaker, scope)
    return rules


Stylesheet._parse_rules = _parse_rules_once


# The tests' files (their stores, the lanes' and simulators' folders) in memory when the machine has
# a tmpfs: every committed sale waits for fsync, which on a shared virtual disk costs a third of the
# run's wall time, and what the tests check (kill -9 of a process, not a power cut) is the same on
# either filesystem. ``--basetemp`` given on the command line wins.
MEMORY_FILESYSTEM = Path("/dev/shm")
TEST_FILES_PREFIX = "pos-tui-tests-"
PG_FOLDER_MARK = "pg-"  # pos-tui-tests-pg-<pid>: a worker's PostgreSQL cluster (tests/server/conftest.py)


def _files_in_memory(config: pytest.Config) -> Path | None:
    if config.option.basetemp or hasattr(config, "workerinput"):  # given, or an xdist worker (told by the run)
        return None
    if not (MEMORY_FILESYSTEM.is_dir() and os.access(MEMORY_FILESYSTEM, os.W_OK)):
        return None
    if shutil.disk_usage(MEMORY_FILESYSTEM).free < 2 << 30:
        return None
    for stale in MEMORY_FILESYSTEM.glob(TEST_FILES_PREFIX + "*"):  # left by runs that were killed
        try:
            os.kill(int(stale.name.removeprefix(TEST_FILES_PREFIX).removeprefix(PG_FOLDER_MARK)), 0)
        except ProcessLookupError:
            shutil.rmtree(stale, ignore_errors=True)
        except (ValueError, PermissionError):
            pass
    return MEMORY_FILESYSTEM / f"{TEST_FILES_PREFIX}{os.getpid()}"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Before pytest's own tmp_path set-up reads ``--basetemp``."""
    folder = _files_in_memory(config)
    if folder is not None:
        config.option.basetemp = str(folder)
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


@pytest.fixture(autouse=True, scope="session")
def cheap_pin_hashes() -> Iterator[None]:
    """New PIN hashes in this process cost microseconds instead of ~100 ms each."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pins, "COST", pins.CHEAP_COST)
        yield


@pytest.fixture(autouse=True)
def language_kept() -> Iterator[None]:
    """Every test starts in the run's language: one that switches the process's language (the CLI's
    ``--language``, a lane's config) and leaves it would change the words of the later tests on
    its worker."""
    from pos_tui.i18n import current_language, set_language

    before = current_language()
    yield
    set_language(before)


@pytest.fixture
def production_pin_cost(monkeypatch: pytest.MonkeyPatch) -> pins.HashCost:
    """Hash at the production argon2 cost in this test; returns that cost."""
    monkeypatch.setattr(pins, "COST", PRODUCTION_PIN_COST)
    return PRODUCTION_PIN_COST


# Tests that mostly wait (on a device's timeout, a pty peer, another process, a lock), in queues of
# about 40 s each. Each queue is one work unit, run by one worker from the start (see
# ``pytest_xdist_make_scheduler``), so at most that many workers wait at once while the others keep
# both cores busy; in pytest's order every worker would be in the same waiting module at once, both
# cores idle for seconds.
WAITING_QUEUES = (
    ("tests/server/test_sync_processes.py::test_a_lane_killed_at_100_random_points",
     "tests/tui/test_app_terminal.py::"),
    ("tests/devices/terminal/test_concert_fuzz.py::", "tests/store/test_catalog_publish.py::",
     "tests/tui/test_redraw.py::"),
    ("tests/devices/test_scale.py::", "tests/devices/test_scanner.py::", "tests/devices/test_display.py::",
     "tests/devices/terminal/test_concert_driver.py::", "tests/services/test_weighing.py::",
     "tests/services/test_peripherals.py::", "tests/test_lane_payments.py::",
     "tests/server/test_store_server.py::", "tests/store/test_catalog_csv.py::", "tests/store/test_db.py::",
     "tests/tui/test_app_store_busy.py::", "tests/cli/test_cli_hardening.py::"),
)
# The longest of the other tests, longest first: started before the rest, they end while the short
# ones fill the other workers, instead of one of them starting last and running alone at the end.
LONGEST_FIRST = (
    "tests/server/test_sync_processes.py::test_server_stopped_while_two_lanes_sell",
    "tests/server/test_sync_processes.py::",
    "tests/e2e/test_crash_recovery.py::",
    "tests/tui/test_console_glyphs.py::",
    "tests/settlement/test_reconciliation.py::",
)


def _waiting_queue(nodeid: str) -> int | None:
    return next((index for index, queue in enumerate(WAITING_QUEUES) if nodeid.startswith(queue)), None)


def _started_first(item: pytest.Item) -> tuple[int, int]:
    queue = _waiting_queue(item.nodeid)
    if queue is not None:
        return (0, queue)
    rank = next((rank for rank, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix)),
                len(LONGEST_FIRST) + (0 if item.get_closest_marker("slow") else 1))
    return (1, rank)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every end-to-end test runs child processes, every test on the store server a real
    PostgreSQL: all of them are slow. The waiting queues start first, then the longest of the
    others, then the other slow ones."""
    for item in items:
        if "e2e" in item.path.relative_to(REPO).parts or "pg_cluster" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
    items.sort(key=_started_first)  # stable: the order within a rank is pytest's


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """For ``--dist loadgroup`` (the run's default): each waiting queue is one work unit, every
    other test a unit of its own, handed out in the collected order. (xdist's own loadgroup reads
    its groups from a node id suffix that pytest 9 no longer keeps.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class WaitingQueuesScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            queue = _waiting_queue(nodeid)
            return nodeid if queue is None else f"waiting queue {queue + 1}"

    return WaitingQueuesScheduling(config, log)


@pytest.fixture
def quick_scale_answers(monkeypatch: pytest.MonkeyPatch) -> float:
    """The scale driver waits 0.3 s (production: 1 s) for an answer before it calls the scale silent
    or garbled: a simulated scale answers within milliseconds, so the outcome is the same and each
    silent or garbled read costs less. Returns the wait."""
    from pos_tui.devices import scale

    monkeypatch.setattr(scale, "ANSWER_TIMEOUT", 0.3)
    return scale.ANSWER_TIMEOUT


@pytest.fixture
def cny() -> Currency:
    return currency("CNY")


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'pos.db'}"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file migrated once per run, closed (its write-ahead log folded in), to copy."""
    from pos_tui.store.db import close_database, open_database

    path = tmp_path_factory.mktemp("template") / "pos.db"
    open_database(f"sqlite:///{path}")
    close_database()
    assert not path.with_name("pos.db-wal").exists(), "the template's log was not checkpointed"
    return path


@pytest.fixture
def store_db(db_url: str, migrated_template: Path) -> Iterator[object]:
    """The store opened on a fresh copy of the migrated template; closed afterwards."""
    from pos_tui.store.db import close_database, open_database, sqlite_path_from_url

    shutil.copyfile(migrated_template, sqlite_path_from_url(db_url))
    db = open_database(db_url)
    yield db
    close_database()


@pytest.fixture(scope="session")
def demo_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store (catalog, users, key file; no shift yet) created once per run, closed, to copy."""
    from pos_tui.demo import create_demo_store
    from pos_tui.store.db import close_database

    folder = tmp_path_factory.mktemp("demo-template")
    create_demo_store(folder, with_open_shift=False)
    close_database()
    assert sorted(path.name for path in folder.iterdir()) == ["pos.db", "store.key"], "the template left more files"
    return folder


@pytest.fixture
def make_demo_store(demo_store_template: Path) -> Callable[..., Config]:
    """``make_demo_store(folder, with_open_shift=True)`` is ``create_demo_store`` (the database open
    and bound, the demo cashier's shift opened now unless told) from a copy of the run's template:
    every copy has the same key."""
    from pos_tui.demo import demo_config, open_demo_shift
    from pos_tui.store.keys import open_store

    def make(folder: Path, *, with_open_shift: bool = True) -> Config:
        for name in ("pos.db", "store.key"):
            shutil.copy2(demo_store_template / name, Path(folder) / name)
        config = demo_config(Path(folder))
        open_store(config)
        if with_open_shift:
            open_demo_shift(config)
        return config

    return make


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write catalog CSV rows (under the standard header unless one is given) to a file."""

    def write(rows: list[str], name: str = "catalog.csv", header: str = CSV_HEADER, bom: bool = False) -> Path:
        path = tmp_path / name
        text = "\n".join([header, *rows]) + "\n"
        path.write_text(("\ufeff" if bom else "") + text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def held_by_another_process() -> Callable[[str], AbstractContextManager[None]]:
    """Run Python ``code`` in a child process until the block ends (then SIGKILL, as a crash or a
    power cut would end it); the block starts once the child has printed a line (it holds what it
    opened by then)."""

    @contextmanager
    def held(code: str) -> Iterator[None]:
        child = subprocess.Popen([sys.executable, "-c", f"import time\n{code}\nprint('ready', flush=True)\ntime.sleep(60)\n"],
                                 stdout=subprocess.PIPE, text=True, cwd=REPO)
        try:
            assert child.stdout.readline().strip() == "ready", "the child stopped before holding anything"
            yield
        finally:
            child.kill()
            child.wait()
            child.stdout.close()

    return held


@pytest.fixture
def back_office_resolves() -> Callable[..., None]:
    """What a supervisor does in `pos-tui admin` with a lane's unknown card payment: the real back
    office, on the same store file, outside the lane."""

    def resolve(config: object, payment_id: int, *, charged: bool) -> None:
        from pos_tui.services.back_office import BackOffice

        office = BackOffice(config)  # type: ignore[arg-type]
        office.sign_in("super", "9999")
        office.resolve_payment(payment_id, charged=charged, auth_code="A12345" if charged else "",
                               approval=office.approve("super", "9999"))

    return resolve

