"""A frame's LRC is a binary byte that can equal any control byte (EOT, ENQ, ACK, NAK, STX, ETX):
both sides must still read it as the frame's last byte, over many back-to-back transactions on one
simulated terminal."""

from __future__ import annotations

import itertools
import random
import string

import pytest

from pos_tui.devices.terminal import concert
from pos_tui.devices.terminal import simulator as simulator_module
from pos_tui.devices.terminal.concert import ConcertTerminal
from pos_tui.devices.terminal.frames import (
    ACK,
    ENQ,
    EOT,
    ETX,
    MODE_CARD,
    NAK,
    STX,
    FrameReader,
    Request,
    encode_answer,
    encode_request,
    frame,
)
from pos_tui.devices.terminal.simulator import TEST_CARD_NUMBER, TerminalSimulator

CNY = "156"
AMOUNT = 1250
STEP = 1.0
CONTROL_BYTES = (STX, ETX, EOT, ENQ, ACK, NAK)
ALPHABET = string.ascii_uppercase + string.digits


def recording_reader(frames: list[bytes]) -> type[FrameReader]:
    """A FrameReader class that appends every complete frame it hands back to ``frames``."""

    class RecordingReader(FrameReader):
        def feed(self, byte: int) -> bytes | None:
            raw = super().feed(byte)
            if raw is not None:
                frames.append(raw)
            return raw

    return RecordingReader


@pytest.fixture
def received(monkeypatch):
    """Frames each side read: ``received["driver"]`` (answers), ``received["terminal"]`` (requests)."""
    frames: dict[str, list[bytes]] = {"driver": [], "terminal": []}
    monkeypatch.setattr(concert, "FrameReader", recording_reader(frames["driver"]))
    monkeypatch.setattr(simulator_module, "FrameReader", recording_reader(frames["terminal"]))
    return frames


@pytest.fixture
def simulator():
    with TerminalSimulator(step_timeout=STEP) as sim:
        yield sim


@pytest.fixture
def terminal(simulator):
    driver = ConcertTerminal(simulator.port, pos_number=1, step_timeout=STEP, answer_timeout=2.0, poll_interval=0.02)
    yield driver
    driver.close()


def request_check_byte(reference: str) -> int:
    request = Request(pos_number=1, amount=AMOUNT, currency_numeric=CNY, private=reference)
    return frame(encode_request(request))[-1]


def approval_check_byte(reference: str) -> int:
    data = encode_answer(pos_number=1, status="0", amount=AMOUNT, payment_mode=MODE_CARD, currency_numeric=CNY,
                         private=reference, report=f"{TEST_CARD_NUMBER} APPROVED")
    return frame(data)[-1]


def references_ending_frames_in(control_bytes) -> list[str]:
    """One reference per (control byte, direction): its request, or its approval, ends in that byte."""
    wanted = [(check, byte) for byte in control_bytes for check in (request_check_byte, approval_check_byte)]
    references = []
    for suffix in itertools.product(ALPHABET, repeat=3):
        reference = "ATTEMPT" + "".join(suffix)
        for pair in wanted:
            check, byte = pair
            if check(reference) == byte:
                references.append(reference)
                wanted.remove(pair)
                break
        if not wanted:
            return references
    raise AssertionError(f"no references found for {wanted}")


def test_a_frame_whose_lrc_is_a_control_byte_is_read_whole_by_both_sides(simulator, terminal, received):
    references = references_ending_frames_in(CONTROL_BYTES)
    for reference in references:
        simulator.queue("approve")
        outcome = terminal.pay(AMOUNT, CNY, reference)
        assert (outcome.status, outcome.reason) == ("approved", ""), reference
        assert len(simulator.charges_for(reference)) == 1
    # every control byte really came as the last byte of a request and of an answer
    assert {raw[-1] for raw in received["terminal"]} >= set(CONTROL_BYTES)
    assert {raw[-1] for raw in received["driver"]} >= set(CONTROL_BYTES)


EXPECTED = {"approve": "approved", "decline": "declined", "cancel": "cancelled", "not_verified": "declined",
            "nak_first": "approved", "bad_lrc": "approved"}


def test_many_back_to_back_transactions_on_one_terminal_all_end_as_scripted(simulator, terminal):
    rng = random.Random(4)
    words = list(EXPECTED) * 25
    rng.shuffle(words)
    for number, word in enumerate(words):
        reference = "".join(rng.choice(ALPHABET) for _ in range(10))
        amount = rng.randint(1, 99_999_999)
        simulator.queue(word)
        outcome = terminal.pay(amount, CNY, reference)
        assert outcome.status == EXPECTED[word], (number, word, reference, amount, outcome)
    assert len(simulator.requests) == len(words)
    assert len(simulator.ledger) == sum(EXPECTED[word] == "approved" for word in words)
