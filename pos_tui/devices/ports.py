"""Serial ports by pyserial URL (/dev/tty…, socket://, rfc2217://, loop://), with errors in plain words."""

from __future__ import annotations

import errno
import termios

import serial

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
    device: str = "device",
) -> serial.SerialBase:
    """Open ``url`` as a serial port; ``device`` names it in errors ("printer port /dev/ttyUSB0 not found")."""
    if not url:
        raise DeviceError(f"{device} has no port configured")
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
        )
    except ValueError as exc:
        raise DeviceError(f"{device} port {url!r} is not a usable port or URL ({exc})") from exc
    except (serial.SerialException, OSError) as exc:
        raise DeviceError(_open_failure(device, url, exc)) from exc
    except termios.error as exc:  # pyserial lets tcsetattr's refusal of the line settings through
        raise DeviceError(f"{device} port {url} refused the line settings: {exc.args[-1]}") from exc


def _open_failure(device: str, url: str, exc: BaseException) -> str:
    code = _errno_of(exc)
    if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
        return f"{device} port {url} not found"
    if code in (errno.EACCES, errno.EPERM):
        return f"{device} port {url}: permission denied (is this user in the dialout group?)"
    if code == errno.EBUSY:
        return f"{device} port {url} is busy (another program has it open)"
    if code == errno.ECONNREFUSED:
        return f"{device} at {url} refused the connection"
    if code in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT):
        return f"{device} at {url} cannot be reached"
    reason = _reason_of(exc)
    return f"{device} port {url} could not be opened: {reason}"


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
