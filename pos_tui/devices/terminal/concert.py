"""Ingenico Telium Concert E+ driver, register side, on any pyserial URL.

One transaction is two exchanges on the line:
  register: ENQ            terminal: ACK
  register: STX request ETX LRC     terminal: ACK (or NAK: resend, at most 3 times)
  register: EOT
  ... the customer pays on the terminal ...
  terminal: ENQ            register: ACK
  terminal: STX answer ETX LRC      register: ACK (or NAK: the terminal resends)
  terminal: EOT

Money rules: until the request frame has been written nothing can reach the card, so every
failure is "declined". From then on a lost link, silence, an unreadable answer or an answer that
does not echo the request's reference, amount and currency is "unknown": the lane must not
retry blindly, a supervisor resolves it from the terminal's ticket. E+ has no abort and no
status query; the cashier cancels on the terminal and a refused answer comes back.
"""

from __future__ import annotations

import logging
import termios
import threading
import time

from serial import SerialException

from pos_tui.devices.ports import DeviceError, open_serial
from pos_tui.devices.terminal.base import PaymentTerminal, ProgressCallback, TerminalError
from pos_tui.devices.terminal.frames import (
    ACK,
    APPROVED as STATUS_APPROVED,
    CREDIT,
    DEBIT,
    ENQ,
    EOT,
    MODE_CARD,
    NAK,
    NOT_VERIFIED,
    REFUSED,
    Answer,
    FrameError,
    FrameReader,
    Request,
    check_pos_number,
    decode_answer,
    encode_request,
    frame,
    read_frame,
    unframe,
)
from pos_tui.domain.payment import Outcome, PaymentStatus
from pos_tui.i18n import _

log = logging.getLogger(__name__)

MAX_RESENDS = 3
# pyserial lets termios' own errors through (tcdrain on a hung-up line, tcsetattr refused).
_LINK_ERRORS = (SerialException, OSError, termios.error)


class _LinkLost(Exception):
    """The serial link failed (port closed, device gone, socket dropped)."""


class _NotReached(Exception):
    """The terminal could not be called; nothing was sent to it. The message says why."""


class _Stopped(Exception):
    """The caller's cancel flag was set while waiting."""


class _Wire:
    """Byte I/O on an open port with deadlines, read in short slices so a cancel is seen."""

    def __init__(self, port, cancel: threading.Event) -> None:
        self._port = port
        self._cancel = cancel
        self._pending = bytearray()

    def send(self, data: bytes) -> None:
        try:
            self._port.write(data)
            self._port.flush()
        except _LINK_ERRORS as exc:
            raise _LinkLost(str(exc)) from exc

    def discard_input(self) -> None:
        self._pending.clear()
        try:
            self._port.reset_input_buffer()
        except _LINK_ERRORS as exc:
            raise _LinkLost(str(exc)) from exc

    def next_byte(self, deadline: float, *, cancellable: bool = False) -> int | None:
        """The next byte, or None once ``deadline`` (time.monotonic) has passed."""
        while not self._pending:
            if cancellable and self._cancel.is_set():
                raise _Stopped()
            if time.monotonic() >= deadline:
                return None
            try:
                self._pending += self._port.read(max(1, self._port.in_waiting))
            except _LINK_ERRORS as exc:
                raise _LinkLost(str(exc)) from exc
        return self._pending.pop(0)

    def wait_for(self, wanted: set[int], timeout: float, *, cancellable: bool = False) -> int | None:
        """The first byte in ``wanted`` within ``timeout`` seconds (others are skipped), or None."""
        deadline = time.monotonic() + timeout
        while (byte := self.next_byte(deadline, cancellable=cancellable)) is not None:
            if byte in wanted:
                return byte
        return None


class ConcertTerminal(PaymentTerminal):
    """A Concert E+ terminal. ``pos_number`` is the lane number (1-99) sent in every request.

    ``step_timeout`` bounds each handshake step, ``answer_timeout`` the wait for the customer;
    ``poll_interval`` is the read slice, i.e. how soon a cancel flag is noticed.
    """

    can_abort = False

    def __init__(
        self,
        port: str,
        *,
        pos_number: int,
        baudrate: int = 9600,
        bytesize: int = 7,
        parity: str = "E",
        stopbits: int = 1,
        step_timeout: float = 3.0,
        answer_timeout: float = 120.0,
        payment_mode: str = MODE_CARD,
        poll_interval: float = 0.05,
    ) -> None:
        try:
            check_pos_number(pos_number)
        except FrameError as exc:
            raise TerminalError(str(exc)) from exc
        for name, value in (("step_timeout", step_timeout), ("answer_timeout", answer_timeout),
                            ("poll_interval", poll_interval)):
            if not value > 0:
                raise TerminalError(f"{name} must be a positive number of seconds, got {value!r}")
        self.port = port
        self.pos_number = pos_number
        self.step_timeout = step_timeout
        self.answer_timeout = answer_timeout
        self._line = dict(baudrate=baudrate, bytesize=bytesize, parity=parity, stopbits=stopbits)
        self._payment_mode = payment_mode
        self._poll_interval = poll_interval
        self._busy = threading.Lock()
        self._port = None

    def pay(
        self,
        amount: int,
        currency_numeric: str,
        reference: str,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Outcome:
        return self._transact(DEBIT, amount, currency_numeric, reference, on_progress, cancel)

    def refund(
        self,
        amount: int,
        currency_numeric: str,
        reference: str,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Outcome:
        return self._transact(CREDIT, amount, currency_numeric, reference, on_progress, cancel)

    def reachable(self) -> bool:
        """True when the terminal answers a call (ENQ -> ACK; closed with EOT) or is mid-payment."""
        if not self._busy.acquire(blocking=False):
            return True
        try:
            wire = self._call(threading.Event())
            wire.send(bytes([EOT]))
            return True
        except (_NotReached, _LinkLost):
            return False
        finally:
            self._busy.release()

    def close(self) -> None:
        with self._busy:
            self._close_port()

    def _transact(self, transaction_type, amount, currency_numeric, reference, on_progress, cancel) -> Outcome:
        try:
            request = Request(
                pos_number=self.pos_number,
                amount=amount,
                currency_numeric=currency_numeric,
                private=reference,
                transaction_type=transaction_type,
                payment_mode=self._payment_mode,
            )
        except FrameError as exc:
            raise TerminalError(str(exc)) from exc
        if not self._busy.acquire(blocking=False):
            raise TerminalError(_("the card terminal is already busy with a payment"))
        try:
            outcome = self._run(request, on_progress or (lambda message: None), cancel or threading.Event())
        finally:
            self._busy.release()
        kind = "refund" if transaction_type == CREDIT else "payment"
        if outcome.approved:
            log.info("card %s %s of %d approved", kind, reference, amount)
        else:
            log.warning("card %s %s of %d %s: %s", kind, reference, amount, outcome.status, outcome.reason)
        return outcome

    def _run(self, request: Request, progress: ProgressCallback, cancel: threading.Event) -> Outcome:
        progress(_("calling the terminal"))
        try:
            wire = self._call(cancel)
        except _Stopped:
            return Outcome(PaymentStatus.CANCELLED, _("stopped before the request was sent"))
        except _NotReached as exc:
            return Outcome(PaymentStatus.DECLINED, str(exc))
        try:
            outcome = self._send_request(wire, request)
            if outcome is not None:
                return outcome
            progress(_("follow the terminal: the customer presents the card"))
            return self._receive_answer(wire, request, progress)
        except _Stopped:
            return Outcome(PaymentStatus.UNKNOWN, _("stopped waiting for the terminal: check its last ticket"))
        except _LinkLost as exc:
            self._close_port()
            lost = _("link to the terminal lost after the request was sent ({error})")
            return Outcome(PaymentStatus.UNKNOWN, lost.format(error=exc))

    def _call(self, cancel: threading.Event) -> _Wire:
        """Open the line (the port stays open between payments) and call: ENQ answered by ACK."""
        retry_stale_port = self._port is not None
        while True:
            try:
                wire = _Wire(self._open_port(), cancel)
                wire.discard_input()
                wire.send(bytes([ENQ]))
                reply = wire.wait_for({ACK, NAK}, self.step_timeout, cancellable=True)
            except _LinkLost as exc:
                self._close_port()
                if retry_stale_port:
                    retry_stale_port = False  # the port kept since the last payment went stale
                    continue
                raise _NotReached(
                    _("link to the terminal lost before the request was sent ({error})").format(error=exc)
                ) from exc
            if reply == ACK:
                return wire
            raise _NotReached(_("terminal not answering") if reply is None else _("terminal busy: it refused the call"))

    def _open_port(self):
        if self._port is None:
            try:
                self._port = open_serial(self.port, timeout=self._poll_interval, device="card terminal", **self._line)
            except DeviceError as exc:
                raise _NotReached(str(exc)) from exc
        return self._port

    def _close_port(self) -> None:
        if self._port is not None:
            port, self._port = self._port, None
            try:
                port.close()
            except _LINK_ERRORS:
                pass  # closing a port whose device is gone: nothing left to release

    def _send_request(self, wire: _Wire, request: Request) -> Outcome | None:
        """Send the request frame; None once the terminal has acknowledged it."""
        data = frame(encode_request(request))
        for _attempt in range(1 + MAX_RESENDS):
            wire.send(data)
            reply = wire.wait_for({ACK, NAK}, self.step_timeout)
            if reply == ACK:
                wire.send(bytes([EOT]))
                return None
            if reply is None:
                return Outcome(PaymentStatus.UNKNOWN,
                               _("the terminal did not acknowledge the request; it may have started the payment"))
        wire.send(bytes([EOT]))
        refused = _("the terminal refused the request {count} times (transmission errors)")
        return Outcome(PaymentStatus.DECLINED, refused.format(count=1 + MAX_RESENDS))

    def _receive_answer(self, wire: _Wire, request: Request, progress: ProgressCallback) -> Outcome:
        if wire.wait_for({ENQ}, self.answer_timeout, cancellable=True) is None:
            return Outcome(PaymentStatus.UNKNOWN, _("no answer from the terminal within {seconds} s: check its last "
                                                    "ticket").format(seconds=f"{self.answer_timeout:g}"))
        wire.send(bytes([ACK]))
        progress(_("receiving the answer"))
        reader = FrameReader()
        bad_frames = 0
        while True:
            raw = self._read_frame(wire, reader)
            if raw is None:
                return Outcome(PaymentStatus.UNKNOWN, _("the terminal stopped in the middle of its answer"))
            try:
                data = unframe(raw)
            except FrameError as exc:
                bad_frames += 1
                wire.send(bytes([NAK]))
                if bad_frames > MAX_RESENDS:
                    return Outcome(PaymentStatus.UNKNOWN, _("unreadable answer after {count} tries ({error})").format(
                        count=bad_frames, error=exc))
                continue
            wire.send(bytes([ACK]))
            break
        try:
            wire.wait_for({EOT}, self.step_timeout)
        except _LinkLost:
            pass  # the answer is complete; a link lost before the closing EOT changes nothing
        try:
            answer = decode_answer(data)
        except FrameError as exc:
            return Outcome(PaymentStatus.UNKNOWN, _("unreadable answer from the terminal ({error})").format(error=exc))
        return judge_answer(request, answer)

    def _read_frame(self, wire: _Wire, reader: FrameReader) -> bytes | None:
        """One raw frame within a step timeout; None on silence or an EOT that ends the exchange.

        An overlong frame comes back as the bytes read so far, so it is counted as a bad frame.
        """
        deadline = time.monotonic() + self.step_timeout
        return read_frame(lambda: wire.next_byte(deadline), reader, on_call=lambda: wire.send(bytes([ACK])))


def judge_answer(request: Request, answer: Answer) -> Outcome:
    """The outcome an answer means for the request it should belong to."""
    mismatches = []
    if answer.private != request.private:
        mismatches.append(
            _("reference {got} instead of {sent}").format(got=repr(answer.private), sent=repr(request.private))
        )
    if answer.amount != request.amount:
        mismatches.append(_("amount {got} instead of {sent}").format(got=answer.amount, sent=request.amount))
    if answer.currency_numeric != request.currency_numeric:
        mismatches.append(_("currency {got} instead of {sent}").format(got=answer.currency_numeric,
                                                                       sent=request.currency_numeric))
    if answer.pos_number != request.pos_number:
        mismatches.append(
            _("POS number {got} instead of {sent}").format(got=answer.pos_number, sent=request.pos_number)
        )
    if mismatches:
        return Outcome(
            PaymentStatus.UNKNOWN,
            _("the answer does not match the request ({mismatches}): check the terminal's ticket").format(
                mismatches=_("; ").join(mismatches)),
            masked_pan=answer.masked_pan,
        )
    if answer.status == STATUS_APPROVED:
        return Outcome(PaymentStatus.APPROVED, masked_pan=answer.masked_pan, terminal_ref=answer.private)
    if answer.status == REFUSED:
        if answer.cancelled:
            return Outcome(PaymentStatus.CANCELLED, _("cancelled on the terminal"), masked_pan=answer.masked_pan)
        return Outcome(PaymentStatus.DECLINED, _("refused by the terminal"), masked_pan=answer.masked_pan)
    if answer.status == NOT_VERIFIED:
        return Outcome(PaymentStatus.DECLINED, _("not verified"), masked_pan=answer.masked_pan)
    return Outcome(
        PaymentStatus.UNKNOWN,
        _("unexpected status {status} from the terminal: check its ticket").format(status=repr(answer.status)),
    )
