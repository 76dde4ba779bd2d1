"""A simulated serial barcode scanner on a pseudo-terminal, behind ``pos-tui sim scanner``: each code
given to ``scan`` (or typed at its console) goes to the lane followed by the suffix."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from pos_tui.devices.pty_line import PtyLine, serve_commands
from pos_tui.devices.scanner import SUFFIXES


class ScannerSimulator:
    def __init__(self, *, suffix: str = "cr", link: Path | str | None = None) -> None:
        if suffix not in SUFFIXES:
            raise ValueError(f"scanner suffix must be one of {', '.join(SUFFIXES)}, got {suffix!r}")
        self.suffix = SUFFIXES[suffix]
        self.line = PtyLine(link)
        self.sent: list[str] = []

    @property
    def path(self) -> str:
        return self.line.path

    def scan(self, code: str) -> bool:
        """Send one code as the scanner would; False while unplugged."""
        if not self.line.write(code.encode("ascii") + self.suffix):
            return False
        self.sent.append(code)
        return True

    def wait_opened(self, timeout: float = 5.0) -> bool:
        """Wait until the lane has the port open: codes sent before then are flushed by its open."""
        return self.line.wait_opened(timeout)

    def burst(self, codes: Iterable[str]) -> None:
        """Several codes in one write, back to back, as a fast scanner's buffer empties."""
        codes = list(codes)
        if self.line.write(b"".join(code.encode("ascii") + self.suffix for code in codes)):
            self.sent += codes

    def write(self, data: bytes) -> bool:
        """Raw bytes (noise, a code cut short) on the line."""
        return self.line.write(data)

    def unplug(self) -> None:
        self.line.unplug()

    def replug(self) -> None:
        self.line.replug()

    def start(self) -> ScannerSimulator:
        return self

    def stop(self) -> None:
        self.line.close()

    def serve(self) -> None:
        while True:
            time.sleep(3600)

    def __enter__(self) -> ScannerSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_scanner_simulator(*, suffix: str, link: Path | None, stdin: TextIO | None = None,
                          stdout: TextIO | None = None) -> None:
    """Run a simulated scanner until Ctrl+C: print its path, then send each line typed as a code
    ("unplug" and "replug" unplug it and plug it back in)."""
    console = stdout or sys.stdout
    with ScannerSimulator(suffix=suffix, link=link) as scanner:
        console.write(scanner.path + "\n")
        console.flush()

        def handle(word: str) -> str:
            if word.lower() in ("unplug", "replug"):
                getattr(scanner, word.lower())()
                return "unplugged" if word.lower() == "unplug" else "plugged back in"
            if not word.isascii() or not word.isprintable():
                return "a code is printable ASCII"
            return f"scanned {word}" if scanner.scan(word) else "unplugged: replug first"

        serve_commands(scanner, handle, stdin or sys.stdin, console)
