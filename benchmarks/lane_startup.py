"""Launch-to-ready of the lane against a bare Textual app with the same widgets, in one run.

    python benchmarks/lane_startup.py [--runs 10] [--products 1000000] [--term linux]

Builds a store with ``--products`` products (the lane must not care: it never loads the catalog),
then alternates launches of `pos-tui run` and of benchmarks/bare_app.py, each on a fresh 80x24
pseudo-terminal, and prints both medians, their ratio and the peak RSS of each. Ready = the first
frame is drawn and the lane takes input (the sign-in screen); the lane opens its store, devices and
sale right after that frame, while the cashier types, and the time it is open is printed too.
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

from bare_app import LaunchRun, measure_launch, summarize  # noqa: E402
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
        bare_argv = [sys.executable, str(HERE / "bare_app.py"), "--child"]
        measure_launch(lane_argv, 1, args.term, stages=2)  # warm the page cache for both before timing
        measure_launch(bare_argv, 1, args.term)
        lane: list[LaunchRun] = []
        bare: list[LaunchRun] = []
        for _ in range(args.runs):
            lane += measure_launch(lane_argv, 1, args.term, stages=2)
            bare += measure_launch(bare_argv, 1, args.term)
    print(summarize("lane (pos-tui run)", lane))
    opened = statistics.median(r.open_seconds for r in lane) * 1000
    print(f"lane store, devices and sale open (ready to sign in): median {opened:.0f} ms")
    print(summarize("bare textual app  ", bare))
    lane_ms = statistics.median(r.ready_seconds for r in lane)
    bare_ms = statistics.median(r.ready_seconds for r in bare)
    lane_rss = max(r.peak_rss_kib for r in lane)
    bare_rss = max(r.peak_rss_kib for r in bare)
    print(f"start ratio lane/bare: {lane_ms / bare_ms:.2f} (target <= 1.2)")
    print(f"peak RSS ratio lane/bare: {lane_rss / bare_rss:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
