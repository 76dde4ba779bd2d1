"""ReceiptPrinter -> real pty -> VirtualPrinter: the decoded receipt is the laid-out receipt."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import serial

from pos_tui.devices.escpos_decode import decode_receipts
from pos_tui.devices.ports import DeviceError, open_serial
from pos_tui.devices.printer import PrinterError, ReceiptPrinter
from pos_tui.devices.printer_sim import SimulatorError
from pos_tui.devices.receipt import ReceiptDoc, ReceiptLine, layout_receipt, render_text

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("width", [32, 42, 48])
def test_printed_receipt_decodes_to_the_rendered_text(virtual_printer, receipt_data, width):
    sim = virtual_printer(width=width)
    doc = layout_receipt(receipt_data(), width, qr=True)
    ReceiptPrinter(sim.path, width=width).print_receipt(doc)
    (receipt,) = sim.wait_for_receipts(1)
    assert receipt.text == render_text(doc)
    assert receipt.cut
    assert receipt.barcodes == ["01-20261127-0001"]
    assert receipt.qr == ["01-20261127-0001"]
    assert [e for e in receipt.events if e.kind == "unknown"] == []


def test_chinese_goes_out_as_gb18030_inside_fs_and_fs_dot(tmp_path, receipt_data):
    out = tmp_path / "printer.bin"
    doc = layout_receipt(receipt_data(), 42)
    ReceiptPrinter(str(out), connection="file", width=42).print_receipt(doc)
    data = out.read_bytes()
    assert b"\x1c&" + "可口可乐".encode("gb18030") + b"\x1c." + b" 330ml" in data
    assert "可口可乐".encode("utf-8") not in data
    (receipt,) = decode_receipts(data, 42)
    assert receipt.text == render_text(doc)
    assert "可口可乐 330ml" in receipt.text


def test_latin_extras_use_the_code_page_not_chinese_mode(tmp_path, receipt_data):
    out = tmp_path / "printer.bin"
    data = receipt_data(lines=(ReceiptLine("Crème brûlée", 1000, "each", 1200, 1200),))
    doc = layout_receipt(data, 32)
    ReceiptPrinter(str(out), connection="file", width=32).print_receipt(doc)
    raw = out.read_bytes()
    assert "Crème brûlée".encode("cp437") in raw
    assert decode_receipts(raw, 32)[0].text == render_text(doc)


def test_without_chinese_mode_cjk_is_raw_gb18030(virtual_printer, receipt_data):
    sim = virtual_printer(width=42, chinese_default=True)
    doc = layout_receipt(receipt_data(), 42)
    ReceiptPrinter(sim.path, width=42, chinese_mode=False).print_receipt(doc)
    (receipt,) = sim.wait_for_receipts(1)
    assert receipt.text == render_text(doc)
    assert not [e for e in receipt.events if e.kind == "chinese"]


def test_drawer_kick_with_the_receipt_and_on_its_own(virtual_printer, receipt_data):
    sim = virtual_printer(width=42)
    printer = ReceiptPrinter(sim.path, width=42, drawer_pin=5)
    printer.print_receipt(layout_receipt(receipt_data(), 42), open_drawer=True)
    printer.print_receipt(layout_receipt(receipt_data(), 42))
    first, second = sim.wait_for_receipts(2)
    assert (first.drawer_kicks, second.drawer_kicks) == (1, 0)
    assert [e.value for e in first.events if e.kind == "drawer"] == ["pin 5"]
    printer.kick_drawer(2)
    assert sim.wait_for_drawer_kicks(2) == 2
    printer.print_receipt(layout_receipt(receipt_data(), 42))
    third = sim.wait_for_receipts(3)[2]
    assert third.drawer_kicks == 0  # the no-sale kick before it is not this receipt's


def test_each_receipt_is_cut_and_written_to_the_out_file(virtual_printer, receipt_data, tmp_path):
    out = tmp_path / "receipts.txt"
    sim = virtual_printer(width=32, out=out)
    printer = ReceiptPrinter(sim.path, width=32)
    docs = [layout_receipt(receipt_data(receipt_number=f"01-20261127-000{n}"), 32) for n in (1, 2)]
    for doc in docs:
        printer.print_receipt(doc)
    receipts = sim.wait_for_receipts(2)
    assert [r.cut for r in receipts] == [True, True]
    separator = "=" * 32 + "\n"
    assert out.read_text(encoding="utf-8") == "".join(render_text(d) + separator for d in docs)


def test_without_cutting_the_paper_only_feeds(virtual_printer, receipt_data):
    sim = virtual_printer(width=42)
    printer = ReceiptPrinter(sim.path, width=42, cut=False)
    doc = layout_receipt(receipt_data(), 42)
    printer.print_receipt(doc)
    printer.print_receipt(doc)  # its ESC @ closes the first receipt
    (first,) = sim.wait_for_receipts(1)
    assert not first.cut
    assert first.text == render_text(doc)


@pytest.mark.parametrize(
    ("state", "online", "paper", "cover", "message"),
    [
        ("online", True, "ok", False, "printer ready"),
        ("near-end", True, "near_end", False, "printer paper running low"),
        ("paper-out", False, "out", False, "printer out of paper"),
        ("cover-open", False, "ok", True, "printer cover open"),
        ("offline", False, "unknown", False, "printer not answering"),
    ],
)
def test_status_over_the_pty(virtual_printer, state, online, paper, cover, message):
    sim = virtual_printer(state=state)
    status = ReceiptPrinter(sim.path).status()
    assert (status.online, status.paper, status.cover_open, status.message) == (online, paper, cover, message)


def test_silence_is_offline_even_with_a_stale_byte_waiting(silent_pty):
    master, path = silent_pty
    os.write(master, b"\x12")  # a late answer from before must not pass for a fresh one
    status = ReceiptPrinter(path).status()
    assert not status.online
    assert status.paper == "unknown"
    assert status.message == "printer not answering"


def test_a_garbage_answer_is_not_a_status(silent_pty):
    master, path = silent_pty

    def answer_garbage() -> None:
        os.read(master, 3)
        os.write(master, b"\xff")

    responder = threading.Thread(target=answer_garbage)
    responder.start()
    status = ReceiptPrinter(path).status()
    responder.join()
    assert not status.online
    assert status.message == "printer sent 0xff, not a status"


def test_missing_and_unplugged_ports_give_plain_words(virtual_printer, receipt_data, tmp_path):
    doc = layout_receipt(receipt_data(), 42)
    with pytest.raises(PrinterError, match=r"^printer port /dev/ttyNOPE9 not found$"):
        ReceiptPrinter("/dev/ttyNOPE9").print_receipt(doc)
    # Unplugged as udev does it: the adapter's by-id name goes with the device. (The stopped pty's own
    # /dev/pts name is no test of that: the kernel hands the number to the next pty any process opens.)
    sim = virtual_printer()
    by_id = tmp_path / "usb-printer-if00"
    by_id.symlink_to(sim.path)
    assert ReceiptPrinter(str(by_id)).status().online
    sim.stop()
    by_id.unlink()
    with pytest.raises(PrinterError, match=rf"^printer port {by_id} not found$"):
        ReceiptPrinter(str(by_id)).status()


def test_network_printer_refusing_the_connection(receipt_data):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(PrinterError, match=rf"^printer at socket://127.0.0.1:{port} refused the connection$"):
        ReceiptPrinter(f"127.0.0.1:{port}", connection="network").kick_drawer()


def test_network_printer_receives_the_job(receipt_data):
    doc = layout_receipt(receipt_data(), 48)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        received = bytearray()

        def accept() -> None:
            conn, _ = server.accept()
            with conn:
                while chunk := conn.recv(4096):
                    received.extend(chunk)

        reader = threading.Thread(target=accept)
        reader.start()
        ReceiptPrinter(f"127.0.0.1:{server.getsockname()[1]}", connection="network", width=48).print_receipt(doc)
        reader.join()
    assert decode_receipts(bytes(received), 48)[0].text == render_text(doc)


def test_bad_settings_are_refused_by_name(tmp_path):
    with pytest.raises(PrinterError, match="connection must be serial, network or file"):
        ReceiptPrinter("/dev/ttyS0", connection="usb")
    with pytest.raises(PrinterError, match="pin must be 2 or 5"):
        ReceiptPrinter("/dev/ttyS0", drawer_pin=3)
    with pytest.raises(PrinterError, match="width must be 32, 42 or 48 characters, got 40"):
        ReceiptPrinter("/dev/ttyS0", width=40)
    with pytest.raises(PrinterError, match="'klingon' is not a known text encoding"):
        ReceiptPrinter("/dev/ttyS0", encoding="klingon")
    with pytest.raises(PrinterError, match="laid out for 32 cells, the printer prints 42"):
        ReceiptPrinter(str(tmp_path / "p.bin"), connection="file").print_receipt(ReceiptDoc(32))
    with pytest.raises(PrinterError, match="cannot be opened"):
        ReceiptPrinter(str(tmp_path / "no" / "dir"), connection="file").kick_drawer()


def test_open_serial_urls_and_errors():
    with open_serial("loop://", 9600, 8, "N", 1, 0.3) as port:
        port.write(b"ping")
        assert port.read(4) == b"ping"
    with pytest.raises(DeviceError, match="^terminal port /dev/ttyNOPE9 not found$"):
        open_serial("/dev/ttyNOPE9", device="terminal")
    with pytest.raises(DeviceError, match="not a usable port or URL"):
        open_serial("gopher://example", device="terminal")
    with pytest.raises(DeviceError, match="parity must be one of N, E, O, M, S"):
        open_serial("loop://", parity="X")
    with pytest.raises(DeviceError, match="has no port configured"):
        open_serial("", device="printer")


def test_open_serial_on_a_pty_sets_the_line(silent_pty):
    _, path = silent_pty
    with open_serial(path, 9600, 7, "E", 1, 0.1) as port:
        assert (port.baudrate, port.bytesize, port.parity, port.stopbits) == (9600, 7, serial.PARITY_EVEN, 1)


def test_a_port_in_use_by_another_process_is_refused_as_busy(silent_pty, held_by_another_process):
    _, path = silent_pty
    holding = f"from pos_tui.devices.ports import open_serial\nport = open_serial({path!r}, device='card terminal')"
    with held_by_another_process(holding):
        with pytest.raises(DeviceError, match=f"^card terminal port {path} is busy \\(another program has it open\\)$"):
            open_serial(path, device="card terminal")
    with open_serial(path, device="card terminal") as port:  # free again once the holder is gone
        assert port.is_open


def test_importing_the_devices_does_not_load_escpos():
    code = (
        "import sys\n"
        "import pos_tui.devices.printer, pos_tui.devices.printer_sim\n"
        "assert 'escpos' not in sys.modules, 'escpos imported'\n"
        "assert 'PIL' not in sys.modules, 'Pillow imported'\n"
        "import pos_tui.devices.receipt, pos_tui.devices.escpos_decode\n"
    )
    pure = (
        "import sys\n"
        "import pos_tui.devices.receipt, pos_tui.devices.escpos_decode\n"
        "assert 'serial' not in sys.modules and 'escpos' not in sys.modules\n"
    )
    for source in (code, pure):
        run = subprocess.run([sys.executable, "-c", source], cwd=REPO, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr


def test_run_printer_simulator_prints_its_path_then_receipts(tmp_path, receipt_data):
    out = tmp_path / "receipts.txt"
    source = (
        "import sys; from pathlib import Path\n"
        "from pos_tui.devices.printer_sim import run_printer_simulator\n"
        "run_printer_simulator(Path(sys.argv[1]), 'online', width=32)\n"
    )
    sim = subprocess.Popen(
        [sys.executable, "-c", source, str(out)], cwd=REPO, stdout=subprocess.PIPE, text=True, encoding="utf-8"
    )
    watchdog = threading.Timer(30, sim.kill)  # a hung simulator fails the test instead of hanging it
    watchdog.start()
    try:
        path = sim.stdout.readline().strip()
        assert path.startswith("/dev/")
        doc = layout_receipt(receipt_data(), 32)
        printer = ReceiptPrinter(path, width=32)
        assert printer.status().message == "printer ready"
        printer.print_receipt(doc)
        echoed = [sim.stdout.readline() for _ in render_text(doc).splitlines()] + [sim.stdout.readline()]
        assert "".join(echoed) == render_text(doc) + "=" * 32 + "\n"
    finally:
        sim.send_signal(signal.SIGINT)
        sim.wait()
        watchdog.cancel()
    assert sim.returncode == 0
    assert out.read_text(encoding="utf-8") == render_text(doc) + "=" * 32 + "\n"


def test_simulator_refuses_an_unknown_state_and_reports_a_failed_out_file(virtual_printer, receipt_data, tmp_path):
    with pytest.raises(SimulatorError, match="printer state must be one of online, near-end"):
        virtual_printer(state="jammed")
    sim = virtual_printer(width=32, out=tmp_path)  # a folder: appending a receipt to it fails
    ReceiptPrinter(sim.path, width=32).print_receipt(layout_receipt(receipt_data(), 32))
    with pytest.raises(SimulatorError, match="virtual printer stopped: .*Is a directory"):
        sim.serve()
