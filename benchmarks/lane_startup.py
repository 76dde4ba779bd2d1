"""Launch-to-ready of the lane against two bare Textual apps, in one run.

    python benchmarks/lane_startup.py [--runs 10] [--products 1000000] [--term linux]

Builds a store with ``--products`` products (the lane must not care: it never loads the catalog),
then alternates launches of `pos-tui run` and of the two floors of benchmarks/bare_app.py (a bare
app with the lane's layout, and the minimal app: Header, Static, Input, DataTable, Footer), each on
a fresh 80x24 pseudo-terminal, and prints the medians, the lane's ratio to each floor and the peak
RSS of each. Ready = the first frame is drawn and the lane takes input (the sign-in screen); the
lane opens its store, devices and sale right after that frame, while the cashier types, and the
time it is open is printed too.
"""

from __future__ import annotations

import argparse
import compileall
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from bare_app import BARE_ARGV, MINIMAL_ARGV, LaunchRun, measure_launch, summarize  # noqa: E402
from barcode_lookup import build  # noqa: E402


def make_store(folder: Path, products: int, encrypt: bool = False) -> Path:
    from pos_tui.config import load_config
    from pos_tui.store import users
    from pos_tui.store.db import close_database
    from pos_tui.store.keys import open_store

    config = folder / "config.toml"
    config.write_text(f'[paths]\ndata_dir = "{folder}"\n', "utf-8")
    build(folder / "pos.db", products)
    if encrypt:
        from _encrypted import encrypted_copy

        encrypted = encrypted_copy(folder / "pos.db", folder)
        config.write_text(f'[paths]\ndata_dir = "{folder}"\n[database]\nurl = "sqlite:///{encrypted}"\n'
                          'encryption = true\n', "utf-8")
    open_store(load_config(config), create_key=True)
    users.add_user("cashier", "cashier", "1234", 4)
    close_database()
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--term", default="xterm-256color")
    parser.add_argument("--encrypt", action="store_true", help="the store encrypted at rest (SQLCipher)")
    args = parser.parse_args()
    # Both sides start from compiled bytecode, as after `pip install` (textual's is; an editable
    # checkout run with PYTHONDONTWRITEBYTECODE would otherwise recompile the lane on every start).
    compileall.compile_dir(str(HERE.parent / "pos_tui"), quiet=1)
    with tempfile.TemporaryDirectory(prefix="pos-tui-bench-") as tmp:
        print(f"building a store with {args.products:,} products ...", flush=True)
        config = make_store(Path(tmp), args.products, args.encrypt)
        lane_argv = [sys.executable, "-m", "pos_tui", "--config", str(config), "run"]
        measure_launch(lane_argv, 1, args.term, stages=2)  # warm the page cache for all before timing
        measure_launch(BARE_ARGV, 1, args.term)
        measure_launch(MINIMAL_ARGV, 1, args.term)
        lane: list[LaunchRun] = []
        bare: list[LaunchRun] = []
        minimal: list[LaunchRun] = []
        for _ in range(args.runs):
            lane += measure_launch(lane_argv, 1, args.term, stages=2)
            bare += measure_launch(BARE_ARGV, 1, args.term)
            minimal += measure_launch(MINIMAL_ARGV, 1, args.term)
    print(summarize("lane (pos-tui run)", lane))
    opened = statistics.median(r.open_seconds for r in lane) * 1000
    print(f"lane store, devices and sale open (ready to sign in): median {opened:.0f} ms")
    print(summarize("bare textual app, the lane's layout", bare))
    print(summarize("minimal textual app (Header, Static, Input, DataTable, Footer)", minimal))
    print_ratios(lane, bare, minimal)


def print_ratios(lane: list[LaunchRun], bare: list[LaunchRun], minimal: list[LaunchRun]) -> None:
    lane_ms = statistics.median(r.ready_seconds for r in lane)
    lane_rss = max(r.peak_rss_kib for r in lane)
    for name, floor, targets in (("bare", bare, " (target <= 1.2)"), ("minimal", minimal, "")):
        floor_ms = statistics.median(r.ready_seconds for r in floor)
        print(f"start ratio lane/{name}: {lane_ms / floor_ms:.2f}{targets}")
    for name, floor, targets in (("bare", bare, " (target <= 1.5)"), ("minimal", minimal, "")):
        floor_rss = max(r.peak_rss_kib for r in floor)
        print(f"peak RSS ratio lane/{name}: {lane_rss / floor_rss:.2f}{targets}")


if __name__ == "__main__":
    main()
