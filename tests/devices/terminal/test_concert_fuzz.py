"""Thousands of random and mutated answers from a raw pty peer: the driver never crashes or hangs,
and only an answer that truly matches the request can be an approval."""

from __future__ import annotations

import os
import queue
import random
import select
import threading
import time
import tty

import pytest

from pos_tui.devices.terminal.concert import ConcertTerminal
from pos_tui.devices.terminal.frames import encode_answer, frame

STX, ETX, EOT, ENQ, ACK, NAK = 0x02, 0x03, 0x04, 0x05, 0x06, 0x15
CASES = 2000
STEP = 0.3
ANSWER = 0.5
PEER_REPLY_WAIT = 0.02
AMOUNT, CURRENCY, POS = 1250, "978", 1
PAN = "4761739001010010"
REASONS = ("the answer does not match", "unreadable answer after 4 tries", "unreadable answer from",
           "the terminal stopped in the middle", "refused by the terminal", "not verified")


class RawPeer(threading.Thread):
    """The terminal side written out by hand: ACKs the request, then sends the queued payload
    as its answer (again on each NAK, at most 3 times) and ends with EOT."""

    def __init__(self, master: int) -> None:
        super().__init__(daemon=True)
        self.master = master
        self.payloads: queue.Queue[bytes] = queue.Queue()
        self.stopping = threading.Event()
        self.pending = bytearray()

    def run(self) -> None:
        while not self.stopping.is_set():
            if self.next_byte(0.05) != ENQ:
                continue
            os.write(self.master, bytes([ACK]))
            if not self.read_request():
                continue
            os.write(self.master, bytes([ACK]))
            self.wait_for({EOT}, 1.0)
            payload = self.payloads.get(timeout=5)
            os.write(self.master, bytes([ENQ]))
            if self.wait_for({ACK}, 1.0) is None:
                continue
            for _ in range(4):
                os.write(self.master, payload)
                reply = self.wait_for({ACK, NAK, ENQ}, PEER_REPLY_WAIT)
                if reply == ENQ:  # the driver gave up on this answer and is calling again
                    self.pending.insert(0, ENQ)
                    break
                if reply != NAK:
                    os.write(self.master, bytes([EOT]))
                    break

    def read_request(self) -> bool:
        if self.wait_for({STX}, 1.0) is None or self.wait_for({ETX}, 1.0) is None:
            return False
        return self.next_byte(1.0) is not None

    def wait_for(self, wanted: set[int], timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            byte = self.next_byte(deadline - time.monotonic())
            if byte in wanted:
                return byte
        return None

    def next_byte(self, timeout: float) -> int | None:
        if not self.pending:
            readable, _, _ = select.select([self.master], [], [], max(timeout, 0))
            if not readable:
                return None
            self.pending += os.read(self.master, 256)
        return self.pending.pop(0)


def approves(payload: bytes, reference: str) -> bool:
    """Whether the payload, read as the protocol says, is an approval of exactly this request."""
    start = payload.find(bytes([STX]))
    if start < 0 or EOT in payload[:start]:
        return False
    end = payload.find(bytes([ETX]), start)
    if end < 0 or end + 1 >= len(payload):
        return False
    body = payload[start + 1:end]
    if EOT in body or len(body) > 128:
        return False
    check = 0
    for byte in payload[start + 1:end + 1]:
        check ^= byte
    if check != payload[end + 1] or not all(0x20 <= b < 0x7F for b in body):
        return False
    text = body.decode()
    tail = text[-13:]
    return (len(text) in (80, 25) and text[:3] == "010" and text[3:11] == f"{AMOUNT:08d}"
            and tail == CURRENCY + reference)


def base_answers(reference: str) -> list[bytes]:
    def answer(status="0", amount=AMOUNT, private=reference, report=f"{PAN} APPROVED", currency=CURRENCY):
        return encode_answer(pos_number=POS, status=status, amount=amount, payment_mode="1",
                             currency_numeric=currency, private=private, report=report)
    return [
        answer(),
        answer(report=None),
        answer(status="7", report=f"{PAN} REFUSED"),
        answer(status="7", report="ANNULATION"),
        answer(status="9", report=None),
        answer(private="ZZZZZZZZZZ"),
        answer(amount=AMOUNT + 100),
        answer(currency="156", report=None),
    ]


def mutate(rng: random.Random, data: bytes) -> bytes:
    raw = bytearray(frame(data))
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(8)
        position = rng.randrange(len(raw)) if raw else 0
        if kind == 0 and raw:
            raw[position] = rng.randrange(256)
        elif kind == 1 and raw:
            raw[position] ^= 1 << rng.randrange(8)
        elif kind == 2 and raw:
            del raw[position]
        elif kind == 3:
            raw.insert(position, rng.randrange(256))
        elif kind == 4:
            del raw[position:]
        elif kind == 5:
            raw[position:position] = raw[position:position + rng.randint(1, 20)]
        elif kind == 6:
            raw[0:0] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        else:
            raw += bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    if rng.random() < 0.5 and len(raw) >= 3 and raw[0] == STX and raw[-2] == ETX:
        check = 0
        for byte in raw[1:-1]:
            check ^= byte
        raw[-1] = check  # a mutation the LRC does not catch
    return bytes(raw)


def random_payload(rng: random.Random, reference: str) -> bytes:
    choice = rng.random()
    if choice < 0.15:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 120)))
    if choice < 0.3:
        length = rng.choice([80, 25, rng.randint(0, 130)])
        body = bytes(rng.randrange(0x20, 0x7F) for _ in range(length))
        return frame(body)
    return mutate(rng, rng.choice(base_answers(reference)))


@pytest.mark.slow
def test_random_and_mutated_answers_never_crash_hang_or_falsely_approve():
    rng = random.Random(20240604)
    master, slave = os.openpty()
    tty.setraw(slave)
    peer = RawPeer(master)
    peer.start()
    driver = ConcertTerminal(os.ttyname(slave), pos_number=POS, step_timeout=STEP, answer_timeout=ANSWER,
                             poll_interval=0.01)
    bound = ANSWER + 7 * STEP + 2.0
    tally: dict[str, int] = {}
    try:
        for case in range(CASES):
            reference = f"FUZZ{case:06d}"
            payload = random_payload(rng, reference)
            peer.payloads.put(payload)
            started = time.monotonic()
            outcome = driver.pay(AMOUNT, CURRENCY, reference)
            assert time.monotonic() - started < bound, f"case {case} hung"
            if approves(payload, reference):
                assert outcome.status in ("approved", "unknown"), (case, payload, outcome)
            else:
                assert outcome.status in ("declined", "cancelled", "unknown"), (case, payload, outcome)
                assert outcome.reason
            for key in (outcome.status, *(r for r in REASONS if outcome.reason.startswith(r))):
                tally[key] = tally.get(key, 0) + 1
    finally:
        peer.stopping.set()
        peer.join()
        driver.close()
        os.close(master)
        os.close(slave)
    # the harness really reached every branch of the answer handling
    assert tally.get("approved", 0) > 20 and tally.get("declined", 0) > 20 and tally.get("cancelled", 0) > 5
    for reason in REASONS:
        assert tally.get(reason, 0) > 5, (reason, tally)
