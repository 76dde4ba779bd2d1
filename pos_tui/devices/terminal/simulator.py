"""A Concert E+ card terminal on a pseudo-terminal, for the demo, for tests and for trying the lane.

The simulator speaks the terminal's side of the protocol on a new pty pair; point the driver at
``TerminalSimulator.port`` (the pty's slave path). What each transaction does comes from a
script, one word per transaction, in order:

  approve            answer "approved" (status 0) with a test card
  decline            answer "refused" (status 7)
  cancel             answer "refused" with a report saying it was cancelled on the terminal
  not_verified       answer status 9
  slow[:SECONDS]     approve after SECONDS (default 5)
  never_answer       acknowledge the request, then never answer (alias: timeout)
  drop               acknowledge the request, charge the card, then close the link; the
                     simulator stops (the pty is gone)
  bad_lrc[:N]        approve, but corrupt the answer's LRC on the first N sends (default 1)
  nak_first          NAK the first request frame, then go on as approve (nak:N for N NAKs)
  wrong_private      approve, echoing another transaction's private field
  wrong_amount       approve, charging and echoing a different amount
  offline            do not answer the register's call (ENQ) at all

Words are case-insensitive and "-" equals "_" ("bad-lrc"). Once the script is used up, the
amount decides (for the demo): amounts ending in .01 decline, .02 never answer, .03 are
cancelled on the terminal, .09 are not verified; everything else is approved.

The ledger lists every charge and refund the simulated terminal made, so a test can assert that
a reference was charged exactly once. A charge is made for every approving word, also when the
register never learns of it (drop, bad_lrc beyond the resends, wrong_*): that is the real risk.
"""

from __future__ import annotations

import os
import select
import threading
import time
import tty
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pos_tui.devices.terminal.frames import (
    ACK,
    APPROVED,
    CREDIT,
    ENQ,
    EOT,
    MAX_AMOUNT,
    NAK,
    NOT_VERIFIED,
    REFUSED,
    SHORT_ANSWER,
    FrameError,
    FrameReader,
    Request,
    decode_request,
    encode_answer,
    frame,
    read_frame,
    unframe,
)

TEST_CARD_NUMBER = "4761739001010010"
MAX_RESENDS = 3
_POLL = 0.02

_APPROVING = {"approve", "slow", "drop", "bad_lrc", "nak", "wrong_private", "wrong_amount"}
_ACTIONS = _APPROVING | {"decline", "cancel", "not_verified", "never_answer", "offline"}
_ALIASES = {"timeout": "never_answer", "nak_first": "nak"}
_DEFAULT_ARGUMENT = {"slow": 5.0, "bad_lrc": 1, "nak": 1}
_BY_CENTS = {1: "decline", 2: "never_answer", 3: "cancel", 9: "not_verified"}


class ScriptError(ValueError):
    """A script word the simulator does not know; the message names it."""


@dataclass(frozen=True)
class Step:
    """One scripted transaction: the action and its number (seconds or a count)."""

    action: str
    argument: float = 0.0


@dataclass(frozen=True)
class Charge:
    """Money the simulated terminal moved: kind is "debit" (a payment) or "credit" (a refund)."""

    reference: str
    amount: int
    currency_numeric: str
    kind: str


def parse_step(word: str) -> Step:
    """A script word ("approve", "slow:2.5", "bad-lrc:4") as a Step; ScriptError if unknown."""
    name, _, argument = word.strip().lower().partition(":")
    name = name.replace("-", "_")
    action = _ALIASES.get(name, name)
    if action not in _ACTIONS:
        raise ScriptError(f"unknown terminal script word {word!r} (known: {', '.join(sorted(_ACTIONS))})")
    if not argument:
        return Step(action, float(_DEFAULT_ARGUMENT.get(action, 0)))
    if action not in _DEFAULT_ARGUMENT:
        raise ScriptError(f"script word {word!r}: {action} takes no argument")
    try:
        value = float(argument)
    except ValueError:
        raise ScriptError(f"script word {word!r}: {argument!r} is not a number") from None
    if value < 0 or (action != "slow" and not value.is_integer()):
        raise ScriptError(f"script word {word!r}: expected a {'count' if action != 'slow' else 'number of seconds'}")
    return Step(action, value)


def step_for_amount(amount: int) -> Step:
    """The demo's rule once the script is used up: the last two digits of the amount decide."""
    return Step(_BY_CENTS.get(amount % 100, "approve"))


class _Closed(Exception):
    """The simulator is stopping or its link is gone."""


class TerminalSimulator:
    """The terminal side of Concert E+ on a new pty; ``port`` is the path the driver opens.

    ``think_seconds`` is added before every answer (the customer at the keypad);
    ``on_event`` receives one line per transaction ("approved 1250 ref ...").
    """

    def __init__(
        self,
        script: Iterable[str] = (),
        *,
        step_timeout: float = 3.0,
        think_seconds: float = 0.0,
        on_event: Callable[[str], None] | None = None,
        card_number: str = TEST_CARD_NUMBER,
    ) -> None:
        self._script = deque(parse_step(word) for word in script)
        self._step_timeout = step_timeout
        self._think_seconds = think_seconds
        self._on_event = on_event or (lambda line: None)
        self._card_number = card_number
        self._lock = threading.Lock()
        self._ledger: list[Charge] = []
        self._requests: list[Request] = []
        self._pending = bytearray()
        self._stopping = threading.Event()
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self.dropped = False
        self._thread = threading.Thread(target=self._serve, name="terminal-simulator", daemon=True)

    def __enter__(self) -> TerminalSimulator:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> TerminalSimulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()
        self._close_master()
        if self._slave is not None:
            os.close(self._slave)
            self._slave = None

    @property
    def running(self) -> bool:
        """Whether it still serves (not stopped, link not dropped)."""
        return self._thread.is_alive()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the simulator to end (stopped or link dropped); True once it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def queue(self, *words: str) -> None:
        """Append script words for the next transactions."""
        steps = [parse_step(word) for word in words]
        with self._lock:
            self._script.extend(steps)

    @property
    def ledger(self) -> list[Charge]:
        with self._lock:
            return list(self._ledger)

    @property
    def requests(self) -> list[Request]:
        """Every request frame the terminal accepted, in order."""
        with self._lock:
            return list(self._requests)

    def charges_for(self, reference: str) -> list[Charge]:
        return [charge for charge in self.ledger if charge.reference == reference and charge.kind == "debit"]

    def _serve(self) -> None:
        try:
            while True:
                if self._next_byte(None) == ENQ:
                    self._session()
        except _Closed:
            pass

    def _session(self) -> None:
        with self._lock:
            offline = bool(self._script) and self._script[0].action == "offline"
            if offline:
                self._script.popleft()
        if offline:
            self._on_event("offline: call not answered")
            return
        self._send(bytes([ACK]))
        accepted = self._receive_request()
        if accepted is None:
            return
        request, step = accepted
        self._wait_for({EOT}, self._step_timeout)
        self._act(request, step)

    def _receive_request(self) -> tuple[Request, Step] | None:
        reader = FrameReader()
        step: Step | None = None
        naks = 0
        while True:
            raw = self._read_frame(reader)
            if raw is None:
                return None
            try:
                request = decode_request(unframe(raw))
            except FrameError:
                self._send(bytes([NAK]))
                continue
            if step is None:
                step = self._next_step(request.amount)
            if step.action == "nak" and naks < step.argument:
                naks += 1
                self._send(bytes([NAK]))
                continue
            self._send(bytes([ACK]))
            with self._lock:
                self._requests.append(request)
            return request, step

    def _next_step(self, amount: int) -> Step:
        with self._lock:
            return self._script.popleft() if self._script else step_for_amount(amount)

    def _act(self, request: Request, step: Step) -> None:
        action = step.action
        label = f"{request.amount} ref {request.private}"
        if action == "never_answer":
            self._on_event(f"never answering {label}")
            return
        amount, private = request.amount, request.private
        if action == "wrong_amount":
            amount = amount + 1 if amount < MAX_AMOUNT else amount - 1
        if action == "wrong_private":
            private = "OTHER00001" if private != "OTHER00001" else "OTHER00002"
        if action in _APPROVING:
            self._record(Charge(request.private, amount, request.currency_numeric,
                                "credit" if request.transaction_type == CREDIT else "debit"))
        if action == "drop":
            self._on_event(f"charged {label}, then dropped the link")
            self.dropped = True
            self._close_master()
            raise _Closed()
        self._pause(step.argument if action == "slow" else 0.0)
        if action in _APPROVING:
            status, report = APPROVED, f"{self._card_number} APPROVED"
        elif action == "cancel":
            status, report = REFUSED, "ANNULATION"
        elif action == "decline":
            status, report = REFUSED, f"{self._card_number} REFUSED"
        else:
            status, report = NOT_VERIFIED, f"{self._card_number} NOT VERIFIED"
        data = encode_answer(
            pos_number=request.pos_number,
            status=status,
            amount=amount,
            payment_mode=request.payment_mode,
            currency_numeric=request.currency_numeric,
            private=private,
            report=None if request.answer_flag == SHORT_ANSWER else report,
        )
        self._on_event(f"{action} {label}")
        self._send_answer(data, corrupt=int(step.argument) if action == "bad_lrc" else 0)

    def _send_answer(self, data: bytes, corrupt: int) -> None:
        self._send(bytes([ENQ]))
        if self._wait_for({ACK}, self._step_timeout) is None:
            return
        for attempt in range(1 + MAX_RESENDS):
            raw = frame(data)
            if attempt < corrupt:
                raw = raw[:-1] + bytes([raw[-1] ^ 0x01])
            self._send(raw)
            if self._wait_for({ACK, NAK}, self._step_timeout) != NAK:
                break
        self._send(bytes([EOT]))

    def _record(self, charge: Charge) -> None:
        with self._lock:
            self._ledger.append(charge)

    def _pause(self, seconds: float) -> None:
        if self._stopping.wait(seconds + self._think_seconds):
            raise _Closed()

    def _read_frame(self, reader: FrameReader) -> bytes | None:
        deadline = time.monotonic() + self._step_timeout
        return read_frame(lambda: self._next_byte(deadline), reader)

    def _wait_for(self, wanted: set[int], timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while (byte := self._next_byte(deadline)) is not None:
            if byte in wanted:
                return byte
        return None

    def _next_byte(self, deadline: float | None) -> int | None:
        while not self._pending:
            if self._stopping.is_set() or self._master is None:
                raise _Closed()
            wait = _POLL
            if deadline is not None:
                wait = min(_POLL, deadline - time.monotonic())
                if wait <= 0:
                    return None
            readable, _, _ = select.select([self._master], [], [], wait)
            if readable:
                try:
                    chunk = os.read(self._master, 256)
                except OSError:
                    raise _Closed() from None
                if not chunk:
                    raise _Closed()
                self._pending += chunk
        return self._pending.pop(0)

    def _send(self, data: bytes) -> None:
        if self._master is None:
            raise _Closed()
        try:
            os.write(self._master, data)
        except OSError:
            raise _Closed() from None

    def _close_master(self) -> None:
        if self._master is not None:
            os.close(self._master)
            self._master = None


def run_terminal_simulator(script: list[str], think_seconds: float = 1.0) -> None:
    """Run a simulator until Ctrl+C (or a scripted drop), printing its pty path first."""
    simulator = TerminalSimulator(script, think_seconds=think_seconds, on_event=lambda line: print(line, flush=True))
    with simulator:
        print(simulator.port, flush=True)
        try:
            while simulator.running:
                time.sleep(0.2)  # not a join: see VirtualPrinter.serve
        except KeyboardInterrupt:
            return
        print("link dropped: simulator stopped", flush=True)
