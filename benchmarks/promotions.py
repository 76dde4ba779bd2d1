"""The promotions engine on a 100-line basket with 50 active promotions, and on a 5-line one.

    python benchmarks/promotions.py [--runs 2000] [--seed 7] [--clock wall|cpu]

Builds a catalog of 500 SKUs, 50 promotions of every kind over it (some SKUs in several, two of
them exclusive, a member shown) and baskets drawn from it (weighed lines among them), then prints
p50/p99 of ``evaluate`` per basket size: each evaluation from the plain list of promotions, with
nothing remembered from the one before. The lane re-evaluates after every line change: the floor
is 2 ms for the 100-line case on the reference machine. Then, as the lane evaluates, with one
``PromotionSet`` kept while 100-line baskets are scanned line by line: p50/p99 of the evaluations
after scans 51 to 100. Memory is settled first as the lane's app does (``gc.collect``, ``gc.freeze``).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pos_tui.domain.money import Rate  # noqa: E402
from pos_tui.domain.promotions import (  # noqa: E402
    BuyGet, Member, MemberPrice, MixMatch, MultiBuy, NthItem, PromoLine, PromotionSet, SpendSave, Stacking, TimeWindow,
    evaluate,
)

SKUS = [f"69{n:011d}" for n in range(500)]
PRICES = {sku: random.Random(sku).choice([150, 250, 350, 480, 600, 990, 1280, 2500, 4999]) for sku in SKUS}
DEPARTMENTS = ("drinks", "snacks", "dairy", "fresh", "home")


def promotions(rng: random.Random) -> list:
    def some(n: int) -> frozenset[str]:
        return frozenset(rng.sample(SKUS[:200], n))  # the first 200 SKUs are the ones on offer

    promos: list = []
    for i in range(15):
        promos.append(MultiBuy(id=f"mb{i}", name=f"multi-buy {i}", skus=some(rng.choice([1, 1, 2, 3])),
                               quantity=rng.choice([2, 3]), price=rng.choice([500, 1000, 1500])))
    for i in range(10):
        promos.append(NthItem(id=f"nth{i}", name=f"2nd half {i}", skus=some(rng.choice([1, 2])), nth=2,
                              percent=Rate(500_000)))
    for i in range(8):
        buy = some(rng.choice([1, 2]))
        promos.append(BuyGet(id=f"bg{i}", name=f"buy 2 get 1 {i}", buy_skus=buy, buy=2,
                             get_skus=buy if i % 2 else some(1), get=1))
    for i in range(6):
        groups = ((some(4), 3),) if i % 2 else ((some(3), 1), (some(3), 1))
        promos.append(MixMatch(id=f"mm{i}", name=f"mix {i}", groups=groups, price=rng.choice([800, 1500])))
    promos.append(SpendSave(id="ss-sale", name="满100减20 满200减50", tiers=((10000, 2000), (20000, 5000))))
    promos.append(SpendSave(id="ss-every", name="每满300减30", tiers=((30000, 3000),), repeat=True,
                            stacking=Stacking.EXCLUSIVE))
    for i, dept in enumerate(DEPARTMENTS[:3]):
        promos.append(SpendSave(id=f"ss-{dept}", name=f"{dept} 满50减5", tiers=((5000, 500),), department=dept))
    for i in range(4):
        prices = tuple((sku, PRICES[sku] * 9 // 10) for sku in sorted(some(30)))
        promos.append(MemberPrice(id=f"mp{i}", name=f"member price {i}", prices=prices,
                                  stacking=Stacking.EXCLUSIVE if i == 3 else Stacking.STACKABLE))
    promos.append(MultiBuy(id="weekend", name="weekend 2 for 5", skus=some(2), quantity=2, price=500,
                           window=TimeWindow(weekdays=frozenset({5, 6}))))
    promos.append(NthItem(id="evening", name="evening 3rd free", skus=some(2), nth=3, percent=Rate(1_000_000),
                          window=TimeWindow(hours=(datetime(1, 1, 1, 18).time(), datetime(1, 1, 1, 22).time()))))
    assert len(promos) == 50
    return promos


def basket(rng: random.Random, size: int) -> list[PromoLine]:
    lines = []
    for n in range(1, size + 1):
        sku = rng.choice(SKUS[:250])  # mostly SKUs with promotions, some without
        price = PRICES[sku]
        if rng.random() < 0.05:
            qty = rng.randrange(200, 2500)
            lines.append(PromoLine(n, sku, "kg", qty, price, price * qty // 1000, "fresh"))
        else:
            qty = rng.choice([1, 1, 1, 2, 3])
            lines.append(PromoLine(n, sku, "each", qty * 1000, price, price * qty, DEPARTMENTS[int(sku) % 5]))
    return lines


def measure(lines: list[PromoLine], promos: list, runs: int, at: datetime) -> tuple[float, float, int]:
    """p50 and p99 in ms of one evaluation, and its discount. ``--clock cpu`` times the thread's CPU
    (steadier on a machine other programs share), ``wall`` the clock on the wall."""
    member = Member("13800000000")
    timings = []
    total = 0
    for _ in range(runs):
        start = CLOCK()
        result = evaluate(lines, promos, member=member, at=at)
        timings.append((CLOCK() - start) / 1e6)
        total = result.total
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1], total


CLOCK = time.perf_counter_ns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.thread_time_ns if args.clock == "cpu" else time.perf_counter_ns
    print(f"clock: {args.clock}")
    rng = random.Random(args.seed)
    promos = promotions(rng)
    at = datetime(2026, 12, 5, 19, 30)  # a Saturday evening: every promotion runs
    gc.collect()
    gc.freeze()
    for size in (100, 5):
        rows = []
        for i in range(5):  # five baskets of each size
            lines = basket(random.Random(args.seed * 100 + size + i), size)
            p50, p99, total = measure(lines, promos, args.runs // 5, at)
            rows.append((p50, p99, total))
        p50 = statistics.median(r[0] for r in rows)
        p99 = max(r[1] for r in rows)
        print(f"{size:>3}-line basket, 50 promotions: evaluate p50 {p50:.3f} ms  p99 {p99:.3f} ms  "
              f"(floor 2 ms for 100 lines; discounts {', '.join(str(r[2]) for r in rows)} fen)")
    scanned = []
    member = Member("13800000000")
    for i in range(max(args.runs // 100, 5)):  # baskets scanned line by line, one kept PromotionSet each
        kept = PromotionSet(promos)
        lines = basket(random.Random(args.seed * 1000 + i), 100)
        for n in range(1, len(lines) + 1):
            start = CLOCK()
            evaluate(lines[:n], kept, member=member, at=at)
            if n > 50:
                scanned.append((CLOCK() - start) / 1e6)
    scanned.sort()
    print(f"100-line baskets scanned line by line, a kept PromotionSet: evaluate after scans 51-100 "
          f"p50 {statistics.median(scanned):.3f} ms  p99 {scanned[int(len(scanned) * 0.99) - 1]:.3f} ms")
    # The hard case: one group of 12 drinks, 2 of each, all linked by overlapping deals.
    drinks = SKUS[300:312]
    tangled = promos + [
        MixMatch(id="any3", name="any 3 drinks", groups=((frozenset(drinks), 3),), price=900),
        NthItem(id="half", name="2nd half", skus=frozenset(drinks[:8]), nth=2, percent=Rate(500_000)),
        BuyGet(id="b2g1", name="buy 2 get 1", buy_skus=frozenset(drinks[4:]), buy=2, get_skus=frozenset(drinks[4:]),
               get=1),
        MemberPrice(id="mpd", name="member drinks", prices=tuple((sku, PRICES[sku] - 20) for sku in drinks)),
    ]
    lines = [PromoLine(n, sku, "each", 2000, PRICES[sku], 2 * PRICES[sku], "drinks") for n, sku in enumerate(drinks, 1)]
    p50, p99, total = measure(lines, tangled, max(args.runs // 10, 20), at)
    print(f" 12 lines of 12 drinks linked by 4 overlapping deals: evaluate p50 {p50:.3f} ms  p99 {p99:.3f} ms  "
          f"(discount {total} fen)")


if __name__ == "__main__":
    main()
