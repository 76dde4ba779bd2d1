"""What comes down from the store server, applied on the lane: products (prices, barcodes, active),
staff (role, PIN hash, disabled, lockout), store-wide settings and promotions.

Each batch is applied in one write transaction together with its cursor, so a crash applies a batch
wholly or not at all and the next start goes on from the last one applied. A line already in a sale
keeps the price it was rung up at (it is stored on the line); the new price applies from the next
scan. Stock counts stay the lane's own.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Sequence

from pos_tui.domain.pinyin import pinyin_key
from pos_tui.store import journal
from pos_tui.store.catalog import _chunks
from pos_tui.store.db import current_database, write_transaction
from pos_tui.store.models import Barcode, Product, User
from pos_tui.store.outbox import StoreSetting, get_state, set_state

ACTOR = "store-server"


def cursor(feed: str) -> int:
    return int(get_state(f"feed.{feed}", "0"))


def _now_text() -> str:
    return Product.updated_at.db_value(dt.datetime.now().replace(microsecond=0))


def apply_products(rows: Sequence[tuple]) -> int:
    """Rows (sku, name, price, tax, unit, active, change_seq, barcodes, department) in change order."""
    if not rows:
        return cursor("products")
    db = current_database()
    now = _now_text()
    upsert = (f"INSERT INTO {Product._meta.table_name} (sku, name, price, tax, unit, stock, active, updated_at, "
              "pinyin, department) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?) ON CONFLICT(sku) DO UPDATE SET "
              "name = excluded.name, price = excluded.price, tax = excluded.tax, unit = excluded.unit, "
              "active = excluded.active, updated_at = excluded.updated_at, pinyin = excluded.pinyin, "
              "department = excluded.department")
    through = rows[-1][6]
    product_table, barcode_table = Product._meta.table_name, Barcode._meta.table_name
    wanted_by_sku = {r[0]: set(r[7] or ()) for r in rows}  # a SKU twice in a batch: its last row wins
    skus = list(wanted_by_sku)
    with write_transaction():  # plain SQL: building peewee queries for 1,000 keys would hold the lock longer
        cur = db.cursor()
        # The pinyin key (F2 "kkkl") is made again only for a name that changed: a price change
        # carries the name unchanged, and making a key costs ~0.1 ms.
        keys: dict[str, tuple[str, str]] = {}
        for chunk in _chunks(skus):
            for sku, name, key in cur.execute(f"SELECT sku, name, pinyin FROM {product_table} "
                                              f"WHERE sku IN ({','.join('?' * len(chunk))})", chunk):
                keys[sku] = (name, key)
        values = [(r[0], r[1], r[2], r[3], r[4], bool(r[5]), now, _pinyin_of(r[1], keys.get(r[0])), r[8])
                  for r in rows]
        cur.executemany(upsert, values)
        wanted: dict[int, set[str]] = {}
        have: dict[int, set[str]] = {}
        for chunk in _chunks(skus):
            # One pass: each product's id with the barcodes it has now.
            for sku, pid, code in cur.execute(
                    f"SELECT p.sku, p.id, b.code FROM {product_table} p LEFT JOIN {barcode_table} b "
                    f"ON b.product_id = p.id WHERE p.sku IN ({','.join('?' * len(chunk))})", chunk):
                wanted[pid] = wanted_by_sku[sku]
                codes = have.setdefault(pid, set())
                if code is not None:
                    codes.add(code)
        gone = [(pid, code) for pid, codes in have.items() for code in codes - wanted[pid]]
        new = [(code, pid) for pid, codes in wanted.items() for code in codes - have[pid]]
        if gone:
            cur.executemany(f"DELETE FROM {barcode_table} WHERE product_id = ? AND code = ?", gone)
        if new:
            # A code moving here from a product of a later batch leaves that one now.
            cur.executemany(f"DELETE FROM {barcode_table} WHERE code = ?", [(code,) for code, _pid in new])
            cur.executemany(f"INSERT INTO {barcode_table} (code, product_id) VALUES (?, ?)", new)
        set_state("feed.products", str(through))
        journal.append("sync.products", {"rows": len(rows), "through": through}, ACTOR)
    return through


def _pinyin_of(name: str, before: tuple[str, str] | None) -> str:
    if before is not None and before[0] == name:
        return before[1]
    return pinyin_key(name)


def apply_users(rows: Sequence[tuple]) -> int:
    """Rows (name, role, pin_hash, pin_changed_at, disabled, locked_until, change_seq)."""
    if not rows:
        return cursor("users")
    through = rows[-1][6]
    with write_transaction():
        for name, role, pin_hash, changed_at, disabled, locked_until, _seq in rows:
            user = User.get_or_none(User.name == name)
            if user is None:
                User.create(name=name, role=role, pin_hash=pin_hash, pin_changed_at=changed_at,
                            disabled=disabled, locked_until=locked_until)
            else:
                User.update(role=role, pin_hash=pin_hash, pin_changed_at=changed_at, disabled=disabled,
                            locked_until=locked_until,
                            failed_attempts=0 if locked_until is None and user.locked_until else user.failed_attempts,
                            ).where(User.id == user.id).execute()
        set_state("feed.users", str(through))
        journal.append("sync.users", {"names": [r[0] for r in rows], "through": through}, ACTOR)
    return through


def apply_settings(rows: Sequence[tuple]) -> int:
    """Rows (key, value, change_seq)."""
    if not rows:
        return cursor("settings")
    through = rows[-1][2]
    with write_transaction():
        for key, value, _seq in rows:
            StoreSetting.insert(key=key, value=json.dumps(value, ensure_ascii=False)).on_conflict(
                conflict_target=[StoreSetting.key], preserve=[StoreSetting.value]).execute()
        set_state("feed.settings", str(through))
        journal.append("sync.settings", {"keys": [r[0] for r in rows], "through": through}, ACTOR)
    return through


def apply_promotions(rows: Sequence[tuple]) -> int:
    """Rows (code, fields, active, change_seq). An open sale is not worked out again here: its next
    line change takes the promotions as they are then, as after an import on the lane."""
    if not rows:
        return cursor("promotions")
    from pos_tui.store import promotions

    through = rows[-1][3]
    with write_transaction():
        promotions.apply_feed([(code, fields, active) for code, fields, active, _seq in rows], now=dt.datetime.now())
        set_state("feed.promotions", str(through))
        journal.append("sync.promotions", {"codes": [r[0] for r in rows], "through": through}, ACTOR)
    return through


def apply_members(rows: Sequence[tuple]) -> int:
    """Rows (code, card, phone, name, points, disabled, change_seq): the register, each member's
    balance as the server made it from its ledger (see ``members.reconcile``)."""
    from pos_tui.store.members import reconcile

    if not rows:
        return cursor("members")
    through = rows[-1][6]
    with write_transaction():
        reconcile(rows, now=dt.datetime.now().replace(microsecond=0))
        set_state("feed.members", str(through))
        journal.append("sync.members", {"rows": len(rows), "through": through}, ACTOR)
    return through


APPLY = {"products": apply_products, "users": apply_users, "settings": apply_settings,
         "promotions": apply_promotions, "members": apply_members}
# Where each feed's row carries its change sequence.
SEQ_OF = {"products": lambda row: row[6], "users": lambda row: row[6], "settings": lambda row: row[2],
          "promotions": lambda row: row[3], "members": lambda row: row[6]}
