"""The device side of a simulated serial line (devices/pty_line.py)."""

from __future__ import annotations

import os

from pos_tui.devices.ports import open_serial
from pos_tui.devices.pty_line import PtyLine


def test_unplugging_removes_the_link_and_plugging_back_makes_it_again_to_a_live_pty(tmp_path):
    """As udev removes a USB adapter's by-id name: a link left pointing at the freed /dev/pts number
    would lead the lane to whatever pty the kernel hands that number to next."""
    line = PtyLine(tmp_path / "usb-scale")
    try:
        first = os.readlink(line.path)
        assert os.path.exists(first)
        line.unplug()
        assert not os.path.lexists(line.path)
        line.replug()
        assert os.readlink(line.path) == line.slave_path and os.path.exists(line.slave_path)
    finally:
        line.close()
    assert not os.path.lexists(tmp_path / "usb-scale")


def test_the_line_tells_when_the_lane_has_the_port_open(tmp_path):
    """What a device sends before the lane's open is flushed by it: a test waits for the open."""
    line = PtyLine(tmp_path / "usb-scanner")
    other = PtyLine(tmp_path / "usb-display")
    try:
        assert not line.wait_opened(0.05)
        port = open_serial(line.path, timeout=0, device="scanner")  # exclusive, as the lane opens it
        try:
            assert line.wait_opened(1.0)
            assert not other.wait_opened(0.05)  # another line's open is not this one's
        finally:
            port.close()
        assert not line.wait_opened(0.05)
    finally:
        line.close()
        other.close()
    assert not line.wait_opened(0.05)  # unplugged
