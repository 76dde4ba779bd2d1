"""A large catalog import without stalling the lanes: staged aside, published in short steps,
switched in one short transaction.

SQLite has one write lock per database file, and a lane's scan needs it to commit its line. One
transaction that upserts a million rows holds it for tens of seconds. So:

1. ``Staging`` keeps the checked rows in TEMP tables of this connection (their own file: writing
   them takes no lock on the store). Checks that span rows (a SKU or barcode twice in the file, a
   barcode another product owns) are SQL over them: nothing is held in memory.
2. A small import (``SMALL_IMPORT`` rows) is written as before, in one short write transaction.
3. A larger one builds the whole next catalog beside the live one (``product_next``,
   ``barcode_next``, ``product_search_next``): the live rows, with the file's rows over them, then
   the file's new products. Each step is one write transaction of about ``STEP_SECONDS``; lanes
   commit between them (a pause after each step lets a waiting lane in). Triggers note every
   product the lanes or the back office change meanwhile (stock taken by a sale, a price edited):
   ``catalog_dirty``.
   The name index is built whole in a TEMP full-text table, merged into one segment there (no
   lock: merging holds it for as long as a term's whole list of rows takes, not for a number of
   pages), and its shadow tables' rows are then copied into ``product_search_next``'s a bounded
   number of rows a step.
4. One short transaction switches: the noted products are copied again, then the next tables take
   the live names (ALTER TABLE RENAME; a reader sees the old catalog or the new one, never a mix),
   the name-search triggers are made again on the new table, and the journal row is written.
5. The old tables are dropped, in steps.

A failure before the switch leaves the live catalog as it was (all or nothing); what a crash leaves
of steps 3 or 5 is cleared by the next import. The live product ids are kept, so sale lines keep
pointing at their product.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import operator
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import peewee

from pos_tui.domain.pinyin import pinyin_key
from pos_tui.store import journal
from pos_tui.store.catalog import CatalogError, ProductData, Progress, upsert_products
from pos_tui.store.db import SQLITE_PRAGMAS, checkpoint, current_database, write_transaction
from pos_tui.store.models import Product

SMALL_IMPORT = 250  # rows written in one write transaction (~60 ms on a 300,000-product store)
STEP_SECONDS = 0.03  # what one publishing step aims to hold the write lock for
STEP_PAUSE = 0.03  # between steps, so a waiting lane takes the lock in turn (at least; see lane_poll_gap)
STAGE_BATCH = 5_000
# The importer's page cache while publishing (the next tables' indexes stay in it between steps).
# It is most of the importer's RSS past the staged file: 32 MB keeps a 1,000,000-row import near
# 110 MB (64 MB: near 145 MB), and what does not fit is read back from the OS's cache, not the disk.
IMPORT_CACHE_KIB = 32 * 1024
# SQLite's busy handler (a lane waiting for the write lock): it sleeps these milliseconds in turn
# between tries, then 100 ms a try.
_BUSY_SLEEPS_MS = (1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100)

# The product columns an import sets, each a field of ProductData, with its type in staging. A new
# one is added here (and to ProductData and upsert_products); the staged publish follows this list.
# "pinyin" is made from the name when a row is staged (pypinyin costs ~0.1 ms a Chinese name).
_STAGED = {"name": "TEXT", "price": "INTEGER", "tax": "TEXT", "unit": "TEXT", "stock": "INTEGER", "pinyin": "TEXT",
           "department": "TEXT"}
# The file's cell wins even when blank (stock not tracked, no department); elsewhere a blank keeps the live value.
_TAKEN_EVEN_BLANK = {"stock", "department"}
_ROW_COLUMNS = ", ".join(("sku", *_STAGED))
_SEARCH_COLUMNS = "name, pinyin"  # what the name index holds of a product
_TRIGGERS = {  # notes of what changes in the live catalog while the next one is built
    "catalog_watch_product_insert": "AFTER INSERT ON product BEGIN INSERT OR IGNORE INTO catalog_dirty VALUES (new.id); END",
    "catalog_watch_product_update": "AFTER UPDATE ON product BEGIN INSERT OR IGNORE INTO catalog_dirty VALUES (old.id); "
                                    "INSERT OR IGNORE INTO catalog_dirty VALUES (new.id); END",
    "catalog_watch_product_delete": "AFTER DELETE ON product BEGIN INSERT OR IGNORE INTO catalog_dirty VALUES (old.id); END",
    "catalog_watch_barcode_insert": "AFTER INSERT ON barcode BEGIN "
                                    "INSERT OR IGNORE INTO catalog_dirty VALUES (new.product_id); END",
    "catalog_watch_barcode_update": "AFTER UPDATE ON barcode BEGIN INSERT OR IGNORE INTO catalog_dirty "
                                    "VALUES (old.product_id); INSERT OR IGNORE INTO catalog_dirty VALUES (new.product_id); END",
    "catalog_watch_barcode_delete": "AFTER DELETE ON barcode BEGIN "
                                    "INSERT OR IGNORE INTO catalog_dirty VALUES (old.product_id); END",
}
# Work per step (rows) to start each phase with, and its most.
_FIRST_SIZE = {"ddl": 1, "drop": 1000, "drop_index": 500, "copy": 300, "add": 300, "search": 200}
_MAX_SIZE = {"ddl": 1, "drop": 20_000, "drop_index": 20_000, "copy": 20_000, "add": 20_000, "search": 20_000}
_SEARCH_BUILD = "catalog_search_build"  # the TEMP full-text table the next name index is built in
# A full-text table's shadow tables copied in steps, with the key each is copied in the order of;
# the index's head (its data rows 1 to 10: what it holds, where its segments are) and its config go
# last, in one step. Until then the next index reads as empty: a half-copied one can still be opened
# (and dropped) by the next import, which a full-text table without its head cannot.
_SEARCH_SHADOWS = {"data": ("id",), "idx": ("segid", "term"), "docsize": ("id",)}
_SEARCH_HEAD_ID = 10
_NEXT = {"product": "product_next", "barcode": "barcode_next", "product_search": "product_search_next"}
_OLD = {"product": "product_old", "barcode": "barcode_old", "product_search": "product_search_old"}


def lane_poll_gap(held: float) -> float:
    """Seconds to leave the lock free after holding it ``held`` seconds, so that a lane which began
    waiting as the hold began tries again meanwhile: SQLite's busy handler sleeps longer the longer
    it has waited (25 ms past 53 ms of waiting, 50 past 103, then 100), so after a long hold a pause
    of STEP_PAUSE would pass while the lane still sleeps."""
    waited_ms, gap_ms = held * 1000, float(_BUSY_SLEEPS_MS[-1])
    for sleep_ms in _BUSY_SLEEPS_MS:
        if waited_ms < sleep_ms:
            gap_ms = sleep_ms
            break
        waited_ms -= sleep_ms
    return max(STEP_PAUSE, (gap_ms + 5) / 1000)


@dataclass(frozen=True)
class Published:
    created: int
    updated: int
    longest_step: float  # seconds the longest write transaction held the lock
    longest_where: str = ""  # which phase it was in
    holds: tuple[float, ...] = ()  # seconds each step held the lock, in order (large imports)


_PINYIN_AT = list(_STAGED).index("pinyin")
_PRODUCT_COLUMNS = operator.attrgetter(*("name" if column == "pinyin" else column for column in _STAGED))


def _staged_values(product: ProductData) -> tuple[Any, ...]:
    values = _PRODUCT_COLUMNS(product)
    return (*values[:_PINYIN_AT], pinyin_key(product.name), *values[_PINYIN_AT + 1:])


class Staging:
    """The file's rows in TEMP tables of this thread's connection; dropped on exit."""

    def __init__(self) -> None:
        self.db = current_database()
        self._rows: list[tuple] = []
        self._codes: list[tuple] = []
        self.rows = 0

    def __enter__(self) -> Staging:
        self._drop()
        staged = "".join(f"{column} {kind}, " for column, kind in _STAGED.items())
        self.db.execute_sql(f"CREATE TEMP TABLE import_row (line INTEGER PRIMARY KEY, sku TEXT NOT NULL, {staged}"
                            "ok INTEGER NOT NULL, existing INTEGER NOT NULL DEFAULT 0)")
        self.db.execute_sql("CREATE TEMP TABLE import_barcode (line INTEGER NOT NULL, code TEXT NOT NULL, "
                            "sku TEXT NOT NULL)")
        return self

    def __exit__(self, *exc: object) -> None:
        self._drop()

    def _drop(self) -> None:
        self.db.execute_sql("DROP TABLE IF EXISTS temp.import_row")
        self.db.execute_sql("DROP TABLE IF EXISTS temp.import_barcode")

    # ------------------------------------------------------------------ filling

    def add(self, line: int, sku: str | None, product: ProductData | None, codes: Iterable[str]) -> None:
        """One row of the file: ``sku`` when it is a valid one (it counts for duplicates), ``product``
        when the whole row is valid, its valid ``codes``."""
        if sku is not None:
            values = [None] * len(_STAGED) if product is None else _staged_values(product)
            self._rows.append((line, sku, *values, int(product is not None)))
        self._codes.extend((line, code, sku or "") for code in codes)
        if product is not None:
            self.rows += 1
        if len(self._rows) >= STAGE_BATCH:
            self.flush()

    def flush(self) -> None:
        cursor = self.db.cursor()
        try:
            with self.db.atomic():  # TEMP tables only: no lock on the store
                cursor.executemany(f"INSERT INTO temp.import_row (line, {_ROW_COLUMNS}, ok) "
                                   f"VALUES ({', '.join('?' * (len(_STAGED) + 3))})", self._rows)
                cursor.executemany("INSERT INTO temp.import_barcode (line, code, sku) VALUES (?, ?, ?)", self._codes)
        finally:
            cursor.close()
        self._rows, self._codes = [], []

    def finish(self) -> None:
        """Index what was staged and mark the SKUs the catalog already has."""
        self.flush()
        with self.db.atomic():
            self.db.execute_sql("CREATE INDEX temp.import_row_sku ON import_row (sku)")
            self.db.execute_sql("CREATE INDEX temp.import_barcode_code ON import_barcode (code)")
            self.db.execute_sql("CREATE INDEX temp.import_barcode_sku ON import_barcode (sku)")
            self.db.execute_sql("CREATE INDEX temp.import_barcode_line ON import_barcode (line)")
            self.db.execute_sql("UPDATE temp.import_row SET existing = 1 WHERE ok AND sku IN "
                                "(SELECT sku FROM main.product)")

    # ------------------------------------------------------------------ checks across rows

    def duplicate_skus(self) -> Iterator[tuple[int, str, int]]:
        """(line, sku, first line) of each SKU already on an earlier line."""
        yield from self.db.execute_sql(
            "SELECT r.line, r.sku, f.first FROM temp.import_row r JOIN (SELECT sku, MIN(line) AS first "
            "FROM temp.import_row GROUP BY sku HAVING COUNT(*) > 1) f ON f.sku = r.sku WHERE r.line > f.first "
            "ORDER BY r.line")

    def duplicate_barcodes(self) -> Iterator[tuple[int, str, int]]:
        """(line, code, first line) of each barcode already used earlier in the file."""
        yield from self.db.execute_sql(
            "SELECT b.line, b.code, f.first FROM temp.import_barcode b JOIN (SELECT code, MIN(rowid) AS first_id, "
            "MIN(line) AS first FROM temp.import_barcode GROUP BY code HAVING COUNT(*) > 1) f ON f.code = b.code "
            "WHERE b.rowid > f.first_id ORDER BY b.line")

    def barcodes_owned_elsewhere(self) -> Iterator[tuple[int, str, str]]:
        """(line, code, owner SKU) of each barcode a product outside the file already has (one that
        moves between two products of the file is fine: both get their barcodes replaced)."""
        yield from self.db.execute_sql(
            "SELECT MIN(ib.line), ib.code, p.sku FROM temp.import_barcode ib "
            "JOIN temp.import_row r ON r.line = ib.line AND r.ok "
            "JOIN main.barcode b ON b.code = ib.code JOIN main.product p ON p.id = b.product_id "
            "WHERE p.sku != ib.sku AND NOT EXISTS (SELECT 1 FROM temp.import_row o WHERE o.sku = p.sku AND o.ok) "
            "GROUP BY ib.code ORDER BY 1")

    # ------------------------------------------------------------------ publishing

    def publish(self, journal_kind: str, journal_payload: Callable[[int, int], dict[str, Any]],
                actor: str | None, progress: Progress | None = None) -> Published:
        """Make the staged rows the catalog, all or nothing, with one journal row; short steps."""
        created, updated = self.db.execute_sql(
            "SELECT COALESCE(SUM(NOT existing), 0), COALESCE(SUM(existing), 0) FROM temp.import_row WHERE ok"
        ).fetchone()
        if self.rows <= SMALL_IMPORT:
            return self._publish_at_once(journal_kind, journal_payload, actor, progress)
        publisher = _Publisher(self.db, self.rows, progress)
        publisher.run(journal_kind, journal_payload(created, updated), actor)
        return Published(created, updated, publisher.longest, publisher.longest_where, tuple(publisher.holds))

    def _publish_at_once(self, journal_kind: str, journal_payload: Callable[[int, int], dict[str, Any]],
                         actor: str | None, progress: Progress | None) -> Published:
        codes: dict[str, list[str]] = {}
        for sku, code in self.db.execute_sql("SELECT sku, code FROM temp.import_barcode ORDER BY rowid"):
            codes.setdefault(sku, []).append(code)
        items = [ProductData(sku, **{c: v for c, v in zip(_STAGED, values) if c != "pinyin"},
                             barcodes=tuple(codes.get(sku, ())))
                 for sku, *values in self.db.execute_sql(
                     f"SELECT {_ROW_COLUMNS} FROM temp.import_row WHERE ok ORDER BY line")]
        started = time.perf_counter()
        with write_transaction():
            # Checked again under the write lock, so no other writer took a barcode meanwhile.
            taken = next(iter(self.barcodes_owned_elsewhere()), None)
            if taken is not None:
                raise CatalogChanged(taken[1])
            counts = upsert_products(items, progress)
            journal.append(journal_kind, journal_payload(counts.created, counts.updated), actor)
        return Published(counts.created, counts.updated, time.perf_counter() - started, "at once")


class CatalogChanged(CatalogError):
    """The live catalog changed under the import in a way it cannot take; nothing was imported."""

    def __init__(self, what: str) -> None:
        from pos_tui.i18n import _

        super().__init__(_("the catalog changed while the file was imported ({what}); nothing was imported, "
                           "import it again").format(what=what))


class _Publisher:
    def __init__(self, db: peewee.Database, rows: int, progress: Progress | None) -> None:
        self.db = db
        self.rows = rows
        self.progress = progress
        self.longest = 0.0
        self.size: dict[str, int] = {}
        self.longest_where = ""
        self.holds: list[float] = []
        self.now = Product.updated_at.db_value(dt.datetime.now().replace(microsecond=0))
        self.schema = {name: sql for name, sql in db.execute_sql(
            "SELECT name, sql FROM main.sqlite_master WHERE tbl_name IN ('product', 'barcode', 'product_search')")}

    def sql(self, statement: str, params: tuple = ()) -> peewee.Cursor:
        return self.db.execute_sql(statement, params)

    def _steps(self, phase: str = "ddl") -> Iterator[int]:
        """One short write transaction of the ``phase``; yields how much work to do in it (rows),
        which follows how long the phase's last step held the lock (``size``)."""
        size = self.step_size(phase)
        with write_transaction():
            started = time.perf_counter()  # from the moment the lock is held
            yield size
        took = time.perf_counter() - started
        self.holds.append(took)
        if took > self.longest:
            self.longest, self.longest_where = took, phase
        scale = min(max(STEP_SECONDS / max(took, 1e-4), 0.5), 1.5)
        self.size[phase] = int(min(max(size * scale, 16), _MAX_SIZE[phase.split()[0]]))
        # The lock is free now until the next step: the log is folded back meanwhile (PASSIVE, so a
        # lane's commit never finds a long log to copy itself), and the pause outlasts the sleep of
        # a lane that waited through this step (``lane_poll_gap``): with a shorter one the next step
        # would take the lock again before the lane tried, and the lane would wait for that one too.
        paused = time.perf_counter()
        checkpoint(self.db)
        time.sleep(max(lane_poll_gap(took) - (time.perf_counter() - paused), 0))

    def step_size(self, phase: str) -> int:
        """Rows the next step of ``phase`` will do: what to pick out before taking the lock."""
        return self.size.setdefault(phase, _FIRST_SIZE[phase.split()[0]])

    def run(self, journal_kind: str, payload: dict[str, Any], actor: str | None) -> None:
        cleared = False
        try:
            with self.disposable_commits():
                self.clear_leftovers()
                cleared = True
                self.prepare()
                self.copy_live()
                self.add_new()
                self.build_name_index()
                self.copy_name_index()
            self.switch(journal_kind, payload, actor)
        except BaseException:
            if cleared:
                self.clear_leftovers()
            raise
        finally:
            self.sql(f"DROP TABLE IF EXISTS temp.{_SEARCH_BUILD}")
        with self.disposable_commits():
            self.drop(_OLD)

    @contextlib.contextmanager
    def disposable_commits(self) -> Iterator[None]:
        """Steps whose work a crash may lose (the next tables, dropping the old ones: the next
        import clears what is left) commit without waiting for the disk (synchronous=NORMAL in WAL
        mode): a shorter hold of the lock. The switch itself commits with the store's FULL."""
        self.sql("PRAGMA synchronous = NORMAL")
        # The next tables' indexes (names in random order) are read back at every step: a larger
        # page cache than a lane's keeps them in memory (it counts in the importer's RSS).
        self.sql(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
        # The log is folded back between steps (``step``), not inside a commit, where the time would
        # count as this step's even though other writers may go on meanwhile.
        self.sql("PRAGMA wal_autocheckpoint = 0")
        try:
            yield
        finally:
            self.sql(f"PRAGMA synchronous = {SQLITE_PRAGMAS['synchronous']}")
            self.sql("PRAGMA wal_autocheckpoint = 1000")
            self.sql("PRAGMA cache_size = -2000")
            checkpoint(self.db)

    # ------------------------------------------------------------------ steps

    def clear_leftovers(self) -> None:
        """What an import that stopped half-way left: watch triggers, next or old tables."""
        for _ in self._steps("ddl clear"):
            for name in _TRIGGERS:
                self.sql(f"DROP TRIGGER IF EXISTS {name}")
            self.sql("DROP TABLE IF EXISTS catalog_dirty")
        self.drop(_NEXT)
        self.drop(_OLD)

    def drop(self, names: dict[str, str]) -> None:
        """Drop the old or next tables in short steps: the rows in the table's own order, then
        the table. The indexes go with the rows: dropping a full one holds the lock for as long as
        it takes to visit every page of it (a 1,000,000-name index: some 200 ms)."""
        barcode, product, search = names["barcode"], names["product"], names["product_search"]
        for table in (barcode, product):
            while self._exists(table):
                for rows in self._steps(f"drop {table}"):
                    cursor = self.sql(f'DELETE FROM "{table}" WHERE rowid IN (SELECT rowid FROM "{table}" LIMIT ?)',
                                      (rows,))
                    if cursor.rowcount == 0:
                        self.sql(f'DROP TABLE "{table}"')
        if self._exists(search):
            for shadow in ("data", "docsize"):  # the index's own rows, emptied before the table goes
                while True:
                    deleted = 0
                    for rows in self._steps("drop_index"):
                        deleted = self.sql(f'DELETE FROM "{search}_{shadow}" WHERE rowid IN (SELECT rowid FROM '
                                           f'"{search}_{shadow}" WHERE rowid > 10 LIMIT ?)', (rows,)).rowcount
                    if not deleted:
                        break
            for _ in self._steps(f"ddl drop {search}"):
                self.sql(f'DROP TABLE "{search}"')

    def _exists(self, table: str) -> bool:
        return self.sql("SELECT 1 FROM main.sqlite_master WHERE name = ?", (table,)).fetchone() is not None

    def prepare(self) -> None:
        """The empty next tables (the live ones' definitions under other names) and the watch."""
        for _ in self._steps("ddl prepare"):
            self.sql("CREATE TABLE catalog_dirty (product_id INTEGER PRIMARY KEY)")
            for name, body in _TRIGGERS.items():
                self.sql(f"CREATE TRIGGER {name} {body}")
            self.sql(self._renamed(self.schema["product"], "product", "product_next"))
            self.sql(self._renamed(self.schema["barcode"], "barcode", "barcode_next")
                     .replace('REFERENCES "product"', 'REFERENCES "product_next"'))
            # Its rows come whole from the one built aside (``copy_name_index``). This connection
            # must not read or write it through the full-text module before the switch: the
            # module would keep what it read of the index and not see the copied rows.
            self.sql(self._search_table("product_search_next"))
            for name, sql in self.schema.items():
                if sql and sql.startswith("CREATE") and " INDEX " in sql:
                    table = "product" if ' ON "product"' in sql else "barcode"
                    new_name = name[:-3] if name.endswith("__b") else name + "__b"
                    self.sql(sql.replace(f'"{name}"', f'"{new_name}"', 1)
                             .replace(f' ON "{table}"', f' ON "{_NEXT[table]}"', 1))

    def _search_table(self, name: str) -> str:
        """The live name index's definition under ``name`` (``temp.x`` for a TEMP one)."""
        return re.sub(r'^CREATE VIRTUAL TABLE\s+("?)\w+\1', f"CREATE VIRTUAL TABLE {name}",
                      self.schema["product_search"])

    @staticmethod
    def _renamed(sql: str, old: str, new: str) -> str:
        for quoted in (f'"{old}"', old):
            prefix = f"CREATE TABLE {quoted}"
            if sql.startswith(prefix):
                return f'CREATE TABLE "{new}"' + sql[len(prefix):]
        raise CatalogError(f"unexpected definition of table {old}: {sql!r}")

    def _copy(self, where: str, params: tuple) -> None:
        """Live products (``where`` on p), with the file's rows over them, into the next tables."""
        values = ", ".join(f"CASE WHEN r.line IS NULL THEN p.{c} ELSE r.{c} END" if c in _TAKEN_EVEN_BLANK
                           else f"COALESCE(r.{c}, p.{c})" for c in _STAGED)
        self.sql(
            f"INSERT INTO product_next (id, {_ROW_COLUMNS}, active, updated_at, open_price) SELECT p.id, p.sku, "
            f"{values}, CASE WHEN r.line IS NULL THEN p.active ELSE 1 END, "
            "CASE WHEN r.line IS NULL THEN p.updated_at ELSE ? END, p.open_price "  # the back office's flag stays
            f"FROM main.product p LEFT JOIN temp.import_row r ON r.sku = p.sku AND r.ok WHERE {where} ORDER BY p.id",
            (self.now, *params))
        self.sql("INSERT INTO barcode_next (code, product_id) SELECT b.code, b.product_id FROM main.barcode b "
                 f"JOIN main.product p ON p.id = b.product_id WHERE {where} AND NOT EXISTS "
                 "(SELECT 1 FROM temp.import_row r WHERE r.sku = p.sku AND r.ok) ORDER BY b.id", params)
        self.sql("INSERT INTO barcode_next (code, product_id) SELECT ib.code, p.id FROM main.product p "
                 f"JOIN temp.import_barcode ib ON ib.sku = p.sku WHERE {where} ORDER BY ib.rowid", params)

    def copy_live(self) -> None:
        """The live products into the next tables, a range of ids a step (the range picked out
        before the step: a product added after is noted in ``catalog_dirty``)."""
        last = 0
        while True:
            upto = self.sql("SELECT MAX(id) FROM (SELECT id FROM main.product WHERE id > ? ORDER BY id LIMIT ?)",
                            (last, self.step_size("copy"))).fetchone()[0]
            if upto is None:
                return
            for _ in self._steps("copy"):
                self._copy("p.id > ? AND p.id <= ?", (last, upto))
            last = upto

    def add_new(self) -> None:
        """The file's new products, after every live id (in the file's order)."""
        last = 0
        while True:
            # Picked out before the step: with every row of the file already a product, this
            # query reads all the staged rows to find none.
            upto = self.sql("SELECT MAX(line) FROM (SELECT line FROM temp.import_row WHERE ok AND NOT existing "
                            "AND line > ? ORDER BY line LIMIT ?)", (last, self.step_size("add"))).fetchone()[0]
            if upto is None:
                return
            for _ in self._steps("add"):
                self.sql(f"INSERT INTO product_next ({_ROW_COLUMNS}, active, updated_at) "
                         f"SELECT {_ROW_COLUMNS}, 1, ? FROM temp.import_row WHERE ok AND NOT existing "
                         "AND line > ? AND line <= ? ORDER BY line", (self.now, last, upto))
                self.sql("INSERT INTO barcode_next (code, product_id) SELECT ib.code, n.id FROM temp.import_row r "
                         "JOIN temp.import_barcode ib ON ib.line = r.line JOIN product_next n ON n.sku = r.sku "
                         "WHERE r.ok AND NOT r.existing AND r.line > ? AND r.line <= ? ORDER BY ib.rowid",
                         (last, upto))
            self.done = upto
            if self.progress is not None:
                self.progress(min(upto, self.rows), self.rows)
            last = upto

    def build_name_index(self) -> None:
        """The next catalog's name index, whole, in a TEMP table of this connection (its own file:
        no lock on the store), merged there into one segment, set to merge on its own again as the
        live one does."""
        build = f"temp.{_SEARCH_BUILD}"
        self.sql(f"DROP TABLE IF EXISTS {build}")
        self.sql(self._search_table(build))
        with self.db.atomic():  # reads product_next, writes only the TEMP file
            self.sql(f"INSERT INTO {build} (rowid, {_SEARCH_COLUMNS}) SELECT id, {_SEARCH_COLUMNS} "
                     "FROM main.product_next ORDER BY id")
        self.sql(f"INSERT INTO {build} ({_SEARCH_BUILD}) VALUES ('optimize')")
        self.sql(f"INSERT INTO {build} ({_SEARCH_BUILD}, rank) VALUES ('automerge', 4)")
        self.sql(f"INSERT INTO {build} ({_SEARCH_BUILD}, rank) VALUES ('crisismerge', 16)")

    def copy_name_index(self) -> None:
        """The built index's shadow rows into the next one's, in key order, a bounded number of
        rows a step (a row of the index's data is one page of it). Each step's range of keys is
        picked out before it; the rows go from table to table inside SQLite, never through here."""
        for shadow, key in _SEARCH_SHADOWS.items():  # each key is its table's first columns
            source, target = f'temp."{_SEARCH_BUILD}_{shadow}"', f'main."product_search_next_{shadow}"'
            order, phase, marks = ", ".join(key), f"search {shadow}", ", ".join("?" * len(key))
            after: tuple = (_SEARCH_HEAD_ID,) if shadow == "data" else ()
            while True:
                past = [f"({order}) > ({marks})"] if after else []
                where = f"WHERE {past[0]}" if past else ""
                if self.sql(f"SELECT 1 FROM {source} {where} LIMIT 1", after).fetchone() is None:
                    break
                upto = self.sql(f"SELECT {order} FROM {source} {where} ORDER BY {order} LIMIT 1 OFFSET ?",
                                (*after, self.step_size(phase) - 1)).fetchone()
                within = " AND ".join(past + ([f"({order}) <= ({marks})"] if upto else []))
                for _ in self._steps(phase):
                    self.sql(f"INSERT INTO {target} SELECT * FROM {source} {'WHERE ' + within if within else ''} "
                             f"ORDER BY {order}", (*after, *(upto or ())))
                if upto is None:
                    break
                after = tuple(upto)
        for _ in self._steps("ddl search head"):
            self.sql('INSERT OR REPLACE INTO main."product_search_next_data" '
                     f'SELECT * FROM temp."{_SEARCH_BUILD}_data" WHERE id <= ?', (_SEARCH_HEAD_ID,))
            self.sql('INSERT OR REPLACE INTO main."product_search_next_config" '
                     f'SELECT * FROM temp."{_SEARCH_BUILD}_config"')

    def switch(self, journal_kind: str, payload: dict[str, Any], actor: str | None) -> None:
        """The one short transaction: what changed meanwhile copied again, then the names swapped."""
        search_triggers = [sql for (sql,) in self.sql(
            "SELECT sql FROM main.sqlite_master WHERE type = 'trigger' AND tbl_name = 'product' "
            "AND name LIKE 'product_search%'")]
        try:
            for _ in self._steps("ddl switch"):
                dirty = "p.id IN (SELECT product_id FROM catalog_dirty)"
                self.sql(f"INSERT INTO product_search_next (product_search_next, rowid, {_SEARCH_COLUMNS}) "
                         f"SELECT 'delete', id, {_SEARCH_COLUMNS} FROM product_next "
                         "WHERE id IN (SELECT product_id FROM catalog_dirty)")
                self.sql("DELETE FROM barcode_next WHERE product_id IN (SELECT product_id FROM catalog_dirty)")
                self.sql("DELETE FROM product_next WHERE id IN (SELECT product_id FROM catalog_dirty)")
                self._copy(dirty, ())
                self.sql(f"INSERT INTO product_search_next (rowid, {_SEARCH_COLUMNS}) SELECT id, {_SEARCH_COLUMNS} "
                         "FROM product_next WHERE id IN (SELECT product_id FROM catalog_dirty)")
                for name in _TRIGGERS:
                    self.sql(f"DROP TRIGGER {name}")
                self.sql("DROP TABLE catalog_dirty")
                for name in ("product_search_insert", "product_search_delete", "product_search_update"):
                    self.sql(f"DROP TRIGGER IF EXISTS {name}")
                for live in ("barcode", "product", "product_search"):
                    self.sql(f'ALTER TABLE "{live}" RENAME TO "{_OLD[live]}"')
                for live in ("product", "barcode", "product_search"):
                    self.sql(f'ALTER TABLE "{_NEXT[live]}" RENAME TO "{live}"')
                for sql in search_triggers:
                    self.sql(sql)
                journal.append(journal_kind, payload, actor)
        except peewee.IntegrityError as exc:
            raise CatalogChanged(str(exc)) from None
