"""Launch-to-ready of two bare Textual apps: the floors the lane's start-up is compared with.

- the lane's layout: the same layout as the lane's item screen (header, boxed cart, totals,
  entry, message, keys) built from Textual's own widgets, nothing else imported;
- the minimal app: Header, Static, Input, DataTable and Footer, Textual's stock widgets with no
  CSS, timed to its first screen.

    python benchmarks/bare_app.py [--runs 10] [--term linux]

Each run starts a fresh interpreter on a new 80x24 pseudo-terminal. The child tells
the parent when it is ready for input (first frame drawn) by writing
``"<time.monotonic()> <peak RSS KiB>"`` to the file descriptor named in
``POS_TUI_READY_FD``; CLOCK_MONOTONIC is shared by all processes, so ready minus spawn
is launch-to-ready including interpreter start and imports. Any app that writes the
same line can be measured with ``measure_launch``.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import statistics
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

READY_FD_ENV = "POS_TUI_READY_FD"
BARE_ARGV = [sys.executable, os.path.abspath(__file__), "--child"]  # the lane's layout
MINIMAL_ARGV = [*BARE_ARGV, "--minimal"]  # Header, Static, Input, DataTable, Footer


@dataclass(frozen=True)
class LaunchRun:
    ready_seconds: float
    peak_rss_kib: int
    open_seconds: float | None = None  # the lane's second line: store and lane open


def report_ready() -> None:
    """In the measured app, once it is ready for input: tell the parent, if there is one."""
    fd = os.environ.get(READY_FD_ENV)
    if fd is None:
        return
    peak_rss = peak_rss_kib()
    with os.fdopen(int(fd), "w") as ready:
        ready.write(f"{time.monotonic()} {peak_rss}\n")


def peak_rss_kib() -> int:
    """This process's peak resident set (VmHWM). Not getrusage's ru_maxrss: a child started by a
    big parent inherits the parent's figure there."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def run_bare_app() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Input, Static

    class BareLane(App[None]):
        CSS = """
        Screen { layout: vertical; }
        #header, #totals, #message, #keys { height: 1; }
        #cart { height: 1fr; border: solid ansi_blue; padding: 0 1; }
        Input { height: 1; border: none; padding: 0 1; }
        """

        def compose(self) -> ComposeResult:
            yield Static(
                " Demo Mart  Lane 01  cashier              printer ok  terminal ok  14:32",
                id="header",
            )
            yield Static(
                "#   Item                             Qty      Price      Amount\n"
                "1   可口可乐 330ml                     3       3.50       10.50\n"
                "2   Bread                              1      12.00       12.00",
                id="cart",
            )
            yield Static("Items 2     Subtotal 22.50     Tax 2.59      TOTAL  ¥22.50", id="totals")
            yield Input(id="entry")
            yield Static("Ready", id="message")
            yield Static("F1 Help F2 Find F3 Price F4 Void F5 Hold F9 Reprint F10 Total ^L Lock", id="keys")

        def on_mount(self) -> None:
            self.query_one(Input).focus()
            self.call_after_refresh(self.ready)

        def ready(self) -> None:
            report_ready()
            self.exit()

    BareLane().run()


def run_minimal_app() -> None:
    """The minimal floor: Header, Static, Input, DataTable, Footer; ready once its first frame is drawn."""
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Footer, Header, Input, Static

    class MinimalApp(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield Static("Ready")
            yield Input()
            yield DataTable()
            yield Footer()

        def on_mount(self) -> None:
            self.call_after_refresh(self.ready)

        def ready(self) -> None:
            report_ready()
            self.exit()

    MinimalApp().run()


def run_echo_app() -> None:
    """The floor of scan_latency.py: a stock Input; each entry submitted is appended to a Static
    as "entry N: <text>" (its count shows as "entries: N") and drawn. It runs until stopped."""
    from textual.app import App, ComposeResult
    from textual.widgets import Input, Static

    class EchoLane(App[None]):
        CSS = """
        #count { height: 1; }
        #lines { height: 1fr; border: solid ansi_blue; padding: 0 1; }
        Input { height: 1; border: none; padding: 0 1; }
        """

        def compose(self) -> ComposeResult:
            yield Static("entries: 0", id="count")
            yield Static("", id="lines")
            yield Input(id="entry")

        def on_mount(self) -> None:
            self.entries: list[str] = []
            self.query_one(Input).focus()

        def on_input_submitted(self, message: Input.Submitted) -> None:
            self.entries.append(f"entry {len(self.entries) + 1}: {message.value}")
            message.input.clear()
            self.query_one("#count", Static).update(f"entries: {len(self.entries)}")
            self.query_one("#lines", Static).update("\n".join(self.entries[-18:]))

    EchoLane().run()


def measure_launch(argv: list[str], runs: int, term: str = "xterm-256color", stages: int = 1,
                   preexec_fn: Callable[[], None] | None = None) -> list[LaunchRun]:
    """Start ``argv`` ``runs`` times on a fresh 80x24 pty; time spawn -> the child's ready line
    (and, with ``stages=2``, its second line)."""
    results = []
    for _ in range(runs):
        results.append(_launch_once(argv, term, stages, preexec_fn))
    return results


def spawn_on_pty(argv: list[str], term: str, env: dict[str, str] | None = None,
                 pass_fds: tuple[int, ...] = (),
                 preexec_fn: Callable[[], None] | None = None) -> tuple[subprocess.Popen, int, float]:
    """Start ``argv`` on a new 80x24 pseudo-terminal (stdin, stdout and stderr); returns the child,
    the pty's master side and the monotonic time just before the spawn. ``env`` is laid over this
    environment; COLUMNS, LINES and TEXTUAL_FPS are not passed on unless ``env`` sets them.
    ``preexec_fn`` runs in the child before exec (e.g. ``CpuCap.join``)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    child_env = {name: value for name, value in os.environ.items() if name not in ("COLUMNS", "LINES", "TEXTUAL_FPS")}
    child_env.update(TERM=term, **(env or {}))
    started = time.monotonic()
    child = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=child_env, pass_fds=pass_fds,
                             start_new_session=True, preexec_fn=preexec_fn)
    os.close(slave)
    return child, master, started


def _launch_once(argv: list[str], term: str, stages: int = 1,
                 preexec_fn: Callable[[], None] | None = None) -> LaunchRun:
    ready_read, ready_write = os.pipe()
    child, master, started = spawn_on_pty(argv, term, {READY_FD_ENV: str(ready_write)}, pass_fds=(ready_write,),
                                          preexec_fn=preexec_fn)
    threading.Thread(target=_drain, args=(master,), daemon=True).start()
    os.close(ready_write)
    with os.fdopen(ready_read) as ready:
        line = ready.readline()
        second = ready.readline() if stages > 1 else ""
    if child.poll() is None:  # an app that keeps running once ready (the lane) is stopped here
        child.terminate()
    child.wait(timeout=60)
    os.close(master)
    if not line:
        raise RuntimeError(f"{' '.join(argv)} exited ({child.returncode}) without reporting ready")
    ready_at, peak_rss = line.split()
    if not second:
        return LaunchRun(float(ready_at) - started, int(peak_rss))
    open_at, open_rss = second.split()  # the peak so far includes the open lane
    return LaunchRun(float(ready_at) - started, int(open_rss), float(open_at) - started)


def _drain(master: int) -> None:
    # The child blocks on a full pty buffer if nobody reads what it draws.
    try:
        while os.read(master, 65536):
            pass
    except OSError:
        pass


def summarize(name: str, runs: list[LaunchRun]) -> str:
    times = sorted(run.ready_seconds * 1000 for run in runs)
    rss = max(run.peak_rss_kib for run in runs)
    return (
        f"{name}: launch-to-ready median {statistics.median(times):.0f} ms "
        f"(min {times[0]:.0f}, max {times[-1]:.0f}, {len(times)} runs), peak RSS {rss / 1024:.1f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--term", default="xterm-256color", help="TERM for the child (e.g. linux)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--echo", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--minimal", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child and args.echo:
        run_echo_app()
        return
    if args.child and args.minimal:
        run_minimal_app()
        return
    if args.child:
        run_bare_app()
        return
    bare: list[LaunchRun] = []
    minimal: list[LaunchRun] = []
    for _ in range(args.runs):  # alternated, so both see the same machine
        bare += measure_launch(BARE_ARGV, 1, args.term)
        minimal += measure_launch(MINIMAL_ARGV, 1, args.term)
    print(summarize("bare textual app, the lane's layout", bare))
    print(summarize("minimal textual app (Header, Static, Input, DataTable, Footer)", minimal))


if __name__ == "__main__":
    main()
