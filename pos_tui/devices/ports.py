"""Serial ports by pyserial URL (/dev/tty…, socket://, rfc2217://, loop://), with errors in plain words."""

from __future__ import annotations

import errno
import termios

import serial

from pos_tui.i18n import N_, _

PARITIES = ("N", "E", "O", "M", "S")
BYTESIZES = (5, 6, 7, 8)
STOPBITS = (1, 1.5, 2)


class DeviceError(Exception):
    """A device that cannot be reached or misbehaves; the message is one plain line for the cashier."""


def open_serial(
    url: str,
    baudrate: int = 9600,
    bytesize: int = 8,
    parity: str = "N",
    stopbits: float = 1,
    timeout: float | None = 1.0,
    *,
    write_timeout: float | None = None,
    device: str = N_("device"),
) -> serial.SerialBase:
    """Open ``url`` as a serial port; ``device`` (an English name, marked with N_) names it in errors
    ("printer port /dev/ttyUSB0 not found"), in the lane's language.

    A local port is opened for this process alone (an advisory lock): a second open, such as
    `pos-tui devices check` while the lane holds the card terminal, is refused as busy instead of
    writing into a payment dialogue."""
    if not url:
        raise DeviceError(_("{device} has no port configured").format(device=_(device)))
    if parity not in PARITIES:
        raise DeviceError(f"{device} parity must be one of {', '.join(PARITIES)}, got {parity!r}")
    if bytesize not in BYTESIZES:
        raise DeviceError(f"{device} byte size must be 5, 6, 7 or 8, got {bytesize!r}")
    if stopbits not in STOPBITS:
        raise DeviceError(f"{device} stop bits must be 1, 1.5 or 2, got {stopbits!r}")
    try:
        return serial.serial_for_url(
            url,
            baudrate=baudrate,
            bytesize=bytesize,
            parity=parity,
            stopbits=stopbits,
            timeout=timeout,
            write_timeout=write_timeout,
            exclusive=True,
        )
    except ValueError as exc:
        raise DeviceError(_("{device} port {url} is not a usable port or URL ({reason})").format(
            device=_(device), url=repr(url), reason=exc)) from exc
    except (serial.SerialException, OSError) as exc:
        raise DeviceError(_open_failure(device, url, exc)) from exc
    except termios.error as exc:  # pyserial lets tcsetattr's refusal of the line settings through
        raise DeviceError(_("{device} port {url} refused the line settings: {reason}").format(
            device=_(device), url=url, reason=exc.args[-1])) from exc


def _open_failure(device: str, url: str, exc: BaseException) -> str:
    code = _errno_of(exc)
    if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
        message = _("{device} port {url} not found")
    elif code in (errno.EACCES, errno.EPERM):
        message = _("{device} port {url}: permission denied (is this user in the dialout group?)")
    elif code in (errno.EBUSY, errno.EAGAIN):  # EAGAIN: the lock another process holds
        message = _("{device} port {url} is busy (another program has it open)")
    elif code == errno.ECONNREFUSED:
        message = _("{device} at {url} refused the connection")
    elif code in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT):
        message = _("{device} at {url} cannot be reached")
    else:
        message = _("{device} port {url} could not be opened: {reason}")
    return message.format(device=_(device), url=url, reason=_reason_of(exc))


def _errno_of(exc: BaseException | None) -> int | None:
    """The OS error number behind ``exc``; pyserial's URL handlers keep it only as the context."""
    while exc is not None:
        code = getattr(exc, "errno", None)
        if isinstance(code, int):
            return code
        exc = exc.__cause__ or exc.__context__
    return None


def _reason_of(exc: BaseException) -> str:
    root: BaseException = exc
    while root.__cause__ or root.__context__:
        root = root.__cause__ or root.__context__  # type: ignore[assignment]
    return getattr(root, "strerror", None) or str(root) or type(root).__name__
