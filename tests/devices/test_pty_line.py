"""The device side of a simulated serial line (devices/pty_line.py)."""

from __future__ import annotations

import os

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
