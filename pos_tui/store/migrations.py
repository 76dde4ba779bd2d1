"""Numbered schema migrations, applied in order when the database is opened.

Migration N is ``MIGRATIONS[N - 1]``; the ``schema_version`` table records which ran. To change
the schema, append a function to MIGRATIONS (never edit one that has shipped) and update
models.py to match. Migrations describe tables with their own frozen model classes, so a later
change to models.py never changes what an old migration creates.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

import peewee

from pos_tui.store.db import StoreError, is_sqlite, write_transaction


class SchemaTooNew(StoreError):
    """The database was written by a newer pos-tui than this one."""


def _frozen_base(db: peewee.Database) -> type[peewee.Model]:
    class Frozen(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    return Frozen


def _schema_version_table(db: peewee.Database) -> type[peewee.Model]:
    class SchemaVersion(_frozen_base(db)):
        version = peewee.IntegerField(primary_key=True)
        applied_at = peewee.DateTimeField()

    return SchemaVersion


def _m1_catalog_users_journal(db: peewee.Database) -> None:
    base = _frozen_base(db)

    class Product(base):
        sku = peewee.CharField(unique=True)
        name = peewee.TextField(index=True)
        price = peewee.IntegerField()
        tax = peewee.CharField()
        unit = peewee.CharField(default="each")
        stock = peewee.IntegerField(null=True)
        active = peewee.BooleanField(default=True)
        updated_at = peewee.DateTimeField()

    class Barcode(base):
        code = peewee.CharField(unique=True)
        product = peewee.ForeignKeyField(Product, on_delete="CASCADE", index=True)

    class User(base):
        name = peewee.CharField(unique=True)
        role = peewee.CharField()
        pin_hash = peewee.CharField()
        pin_changed_at = peewee.DateTimeField()
        failed_attempts = peewee.IntegerField(default=0)
        locked_until = peewee.DateTimeField(null=True)
        disabled = peewee.BooleanField(default=False)

    class JournalEntry(base):
        seq = peewee.IntegerField(unique=True)
        at = peewee.CharField()
        kind = peewee.CharField(index=True)
        actor = peewee.CharField(null=True)
        payload = peewee.TextField()
        prev_hash = peewee.CharField()
        hash = peewee.CharField()

    db.create_tables([Product, Barcode, User, JournalEntry])


_PRODUCT_SEARCH_SQLITE = (
    # A trigram index answers substring search ("乐", "cola") per key press on a large catalog.
    "CREATE VIRTUAL TABLE product_search USING fts5("
    "name, content='product', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER product_search_insert AFTER INSERT ON product BEGIN "
    "INSERT INTO product_search(rowid, name) VALUES (new.id, new.name); END",
    "CREATE TRIGGER product_search_delete AFTER DELETE ON product BEGIN "
    "INSERT INTO product_search(product_search, rowid, name) VALUES ('delete', old.id, old.name); END",
    "CREATE TRIGGER product_search_update AFTER UPDATE OF name ON product "
    "WHEN old.name IS NOT new.name BEGIN "
    "INSERT INTO product_search(product_search, rowid, name) VALUES ('delete', old.id, old.name); "
    "INSERT INTO product_search(rowid, name) VALUES (new.id, new.name); END",
    "INSERT INTO product_search(product_search) VALUES ('rebuild')",
)


def _m2_product_name_search(db: peewee.Database) -> None:
    if is_sqlite(db):
        for statement in _PRODUCT_SEARCH_SQLITE:
            db.execute_sql(statement)


def _m3_sales(db: peewee.Database) -> None:
    base = _frozen_base(db)

    class Sale(base):
        uuid = peewee.CharField(unique=True)
        lane = peewee.IntegerField()
        status = peewee.CharField()  # open | suspended | paid | voided
        phase = peewee.CharField(default="items")  # items | payment | terminal (where an open sale stands)
        cashier = peewee.CharField()
        opened_at = peewee.DateTimeField()
        closed_at = peewee.DateTimeField(null=True)
        receipt_no = peewee.CharField(null=True, unique=True)
        total = peewee.IntegerField(default=0)
        tax_total = peewee.IntegerField(default=0)
        change = peewee.IntegerField(default=0)

        class Meta:
            indexes = ((("lane", "status"), False),)


    class SaleLine(base):
        sale = peewee.ForeignKeyField(Sale, backref="lines", index=True)
        line_no = peewee.IntegerField()
        product_id = peewee.IntegerField(null=True)
        sku = peewee.CharField()
        name = peewee.TextField()
        unit = peewee.CharField()
        qty_milli = peewee.IntegerField()
        unit_price = peewee.IntegerField()
        tax_code = peewee.CharField()
        amount = peewee.IntegerField()
        discount = peewee.IntegerField(default=0)
        added_at = peewee.DateTimeField()
        added_by = peewee.CharField()

        class Meta:
            indexes = ((("sale", "line_no"), True),)


    class LineVoid(base):
        line = peewee.ForeignKeyField(SaleLine, unique=True)
        voided_by = peewee.CharField()
        approved_by = peewee.CharField(null=True)
        voided_at = peewee.DateTimeField()
        reason = peewee.CharField(default="")


    class Payment(base):
        sale = peewee.ForeignKeyField(Sale, backref="payments", index=True)
        method = peewee.CharField()  # cash | card | alipay | wechat
        amount = peewee.IntegerField()  # applied to the sale, minor units
        tendered = peewee.IntegerField(default=0)  # cash handed over
        change = peewee.IntegerField(default=0)
        status = peewee.CharField(index=True)  # pending | approved | declined | cancelled | unknown | resolved_*
        reference = peewee.CharField(unique=True)
        fee = peewee.IntegerField(default=0)
        masked_pan = peewee.CharField(null=True)
        auth_code = peewee.CharField(null=True)
        terminal_ref = peewee.CharField(null=True)
        wallet_txn = peewee.CharField(null=True)
        reason = peewee.CharField(default="")
        created_at = peewee.DateTimeField()
        updated_at = peewee.DateTimeField()


    class PrintJob(base):
        sale = peewee.ForeignKeyField(Sale, index=True)
        kind = peewee.CharField()  # sale | reprint
        status = peewee.CharField(index=True)  # pending | printed
        attempts = peewee.IntegerField(default=0)
        last_error = peewee.CharField(default="")
        created_at = peewee.DateTimeField()
        printed_at = peewee.DateTimeField(null=True)


    class ReceiptCounter(base):
        lane = peewee.IntegerField()
        day = peewee.CharField()  # YYYYMMDD
        last = peewee.IntegerField(default=0)

        class Meta:
            indexes = ((("lane", "day"), True),)

    db.create_tables([Sale, SaleLine, LineVoid, Payment, PrintJob, ReceiptCounter])


def _m4_shifts_returns_reports(db: peewee.Database) -> None:
    from playhouse.migrate import SchemaMigrator, migrate

    base = _frozen_base(db)

    class Shift(base):
        lane = peewee.IntegerField()
        status = peewee.CharField()  # open | closed
        opened_by = peewee.CharField()
        opened_at = peewee.DateTimeField()
        opening_float = peewee.IntegerField()
        float_detail = peewee.TextField(default="")
        training = peewee.BooleanField(default=False)
        closed_by = peewee.CharField(null=True)
        closed_at = peewee.DateTimeField(null=True)
        counted = peewee.IntegerField(null=True)
        count_detail = peewee.TextField(default="")
        expected = peewee.IntegerField(null=True)
        left_in_drawer = peewee.IntegerField(null=True)
        z_report = peewee.IntegerField(null=True, index=True)

        class Meta:
            indexes = ((("lane", "status"), False),)

    class CashMovement(base):
        shift = peewee.ForeignKeyField(Shift, index=True)
        kind = peewee.CharField()  # paid_in | paid_out | no_sale
        amount = peewee.IntegerField(default=0)
        reason = peewee.CharField()
        actor = peewee.CharField()
        approved_by = peewee.CharField(null=True)
        at = peewee.DateTimeField()
        training = peewee.BooleanField(default=False)

    class ZReport(base):
        lane = peewee.IntegerField()
        number = peewee.IntegerField()
        business_day = peewee.CharField()
        taken_at = peewee.DateTimeField()
        taken_by = peewee.CharField()
        approved_by = peewee.CharField(null=True)
        content = peewee.TextField()

        class Meta:
            indexes = ((("lane", "number"), True), (("lane", "business_day"), True))

    db.create_tables([Shift, CashMovement, ZReport])
    # One open shift per lane, whatever the code above the database does.
    db.execute_sql("CREATE UNIQUE INDEX shift_one_open_per_lane ON shift (lane) WHERE status = 'open'")
    migrator = SchemaMigrator.from_database(db)
    migrate(
        migrator.add_column("sale", "shift", peewee.IntegerField(null=True, index=True)),
        migrator.add_column("sale", "kind", peewee.CharField(default="sale")),
        migrator.add_column("sale", "original", peewee.IntegerField(null=True, index=True)),
        migrator.add_column("sale", "training", peewee.BooleanField(default=False)),
        migrator.add_column("sale_line", "origin_line", peewee.IntegerField(null=True, index=True)),
        migrator.add_column("payment", "refund_of", peewee.IntegerField(null=True, index=True)),
    )


def _m5_business_day(db: peewee.Database) -> None:
    """The business day each shift belongs to (``[store] day_starts_at``); a shift opened before this
    migration gets the calendar date it was opened on."""
    from playhouse.migrate import SchemaMigrator, migrate

    migrator = SchemaMigrator.from_database(db)
    migrate(
        migrator.add_column("shift", "business_day", peewee.CharField(null=True)),
        migrator.add_index("shift", ("lane", "business_day"), False),
    )

    class Shift(_frozen_base(db)):
        opened_at = peewee.DateTimeField()
        business_day = peewee.CharField(null=True)

    for shift in Shift.select(Shift.id, Shift.opened_at):
        Shift.update(business_day=shift.opened_at.date().isoformat()).where(Shift.id == shift.id).execute()


def _m6_weight_source(db: peewee.Database) -> None:
    """Where a weighed line's weight came from: scale, typed or barcode (NULL for items sold each)."""
    from playhouse.migrate import SchemaMigrator, migrate

    migrate(SchemaMigrator.from_database(db).add_column("sale_line", "weight_source", peewee.CharField(null=True)))


def _m7_outbox_and_sync(db: peewee.Database) -> None:
    """The outbox of finished documents for the store server, the sync worker's cursors, and the
    store-wide settings that come down from it (see store/outbox.py)."""
    base = _frozen_base(db)

    class Outbox(base):
        lane = peewee.IntegerField()
        seq = peewee.IntegerField()
        uuid = peewee.CharField(unique=True)
        kind = peewee.CharField()
        payload = peewee.TextField()
        created_at = peewee.CharField()
        status = peewee.CharField(default="waiting")  # waiting | sent | parked
        reason = peewee.TextField(default="")
        sent_at = peewee.CharField(null=True)

        class Meta:
            table_name = "outbox"
            indexes = ((("lane", "seq"), True), (("status", "lane", "seq"), False))

    class SyncState(base):
        key = peewee.CharField(unique=True)
        value = peewee.TextField()

    class StoreSetting(base):
        key = peewee.CharField(unique=True)
        value = peewee.TextField()

    db.create_tables([Outbox, SyncState, StoreSetting], safe=True)


def _m8_sale_discount_rows(db: peewee.Database) -> None:
    """A whole-sale discount shown as its own row: each line's share of it, and what was typed.
    (Plain ALTER TABLE: playhouse's migrator rebuilds a SQLite table for a NOT NULL column, which
    would drop what hangs on it.)"""
    db.execute_sql("ALTER TABLE sale_line ADD COLUMN sale_discount INTEGER NOT NULL DEFAULT 0")
    db.execute_sql("ALTER TABLE sale ADD COLUMN discount_text VARCHAR(255) NOT NULL DEFAULT ''")


_PRODUCT_SEARCH_WITHOUT_PINYIN_SQLITE = (
    "DROP TRIGGER product_search_insert",
    "DROP TRIGGER product_search_delete",
    "DROP TRIGGER product_search_update",
    "DROP TABLE product_search",
)
_PRODUCT_SEARCH_WITH_PINYIN_SQLITE = (    # The same trigram index, over the name and its pinyin key ("kekoukele kkkl").
    "CREATE VIRTUAL TABLE product_search USING fts5("
    "name, pinyin, content='product', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER product_search_insert AFTER INSERT ON product BEGIN "
    "INSERT INTO product_search(rowid, name, pinyin) VALUES (new.id, new.name, new.pinyin); END",
    "CREATE TRIGGER product_search_delete AFTER DELETE ON product BEGIN "
    "INSERT INTO product_search(product_search, rowid, name, pinyin) "
    "VALUES ('delete', old.id, old.name, old.pinyin); END",
    "CREATE TRIGGER product_search_update AFTER UPDATE OF name, pinyin ON product "
    "WHEN old.name IS NOT new.name OR old.pinyin IS NOT new.pinyin BEGIN "
    "INSERT INTO product_search(product_search, rowid, name, pinyin) "
    "VALUES ('delete', old.id, old.name, old.pinyin); "
    "INSERT INTO product_search(rowid, name, pinyin) VALUES (new.id, new.name, new.pinyin); END",
)


def _m9_product_pinyin(db: peewee.Database) -> None:
    """Each product's pinyin key beside its name, in the name search's index (F2 ``kkkl``)."""
    from pos_tui.domain.pinyin import has_chinese, pinyin_key

    db.execute_sql("ALTER TABLE product ADD COLUMN pinyin TEXT NOT NULL DEFAULT ''")  # keeps its triggers
    if is_sqlite(db):  # the old index goes first: its triggers must not see the keys being filled
        for statement in _PRODUCT_SEARCH_WITHOUT_PINYIN_SQLITE:
            db.execute_sql(statement)
    names = db.execute_sql("SELECT id, name FROM product").fetchall()
    keys = [(pinyin_key(name), pid) for pid, name in names if has_chinese(name)]
    for start in range(0, len(keys), 5000):
        db.cursor().executemany("UPDATE product SET pinyin = ? WHERE id = ?", keys[start:start + 5000])
    if is_sqlite(db):
        for statement in _PRODUCT_SEARCH_WITH_PINYIN_SQLITE:
            db.execute_sql(statement)
        db.execute_sql("INSERT INTO product_search(product_search) VALUES ('rebuild')")


def _m10_product_open_price(db: peewee.Database) -> None:
    """A product sold at the price the cashier types (the back office's open-price flag)."""
    db.execute_sql("ALTER TABLE product ADD COLUMN open_price BOOLEAN NOT NULL DEFAULT 0")


def _m11_promotions(db: peewee.Database) -> None:
    """The store's promotions (each kept as its file's fields in JSON) and what each promotion gave
    each sale line: the line's part of its discount, and one row per promotion on it; the member
    a sale was rung up for (member prices)."""
    base = _frozen_base(db)

    class Promotion(base):
        code = peewee.CharField(unique=True)
        definition = peewee.TextField()
        active = peewee.BooleanField(default=True, index=True)
        updated_at = peewee.DateTimeField()

    class SaleLinePromotion(base):
        sale = peewee.IntegerField()
        line_no = peewee.IntegerField()
        promotion = peewee.CharField()
        name = peewee.TextField()
        kind = peewee.CharField()
        amount = peewee.IntegerField()

        class Meta:
            indexes = ((("sale", "line_no", "promotion"), True), (("promotion",), False))

    db.create_tables([Promotion, SaleLinePromotion], safe=True)
    db.execute_sql("ALTER TABLE sale_line ADD COLUMN promo_discount INTEGER NOT NULL DEFAULT 0")
    db.execute_sql("ALTER TABLE sale ADD COLUMN member VARCHAR(255) NOT NULL DEFAULT ''")


def _m12_members_and_points(db: peewee.Database) -> None:
    """The member register (card and/or phone, the points balance as last known) and the points
    ledger: one row per points earned, redeemed, reversed or adjusted, with its sale and business
    day, whether it was made while the store server was unreachable, and whether the balance on the
    member's row already counts it."""
    base = _frozen_base(db)

    class Member(base):
        code = peewee.CharField(unique=True)
        card = peewee.CharField(null=True, unique=True)
        phone = peewee.CharField(null=True, unique=True)
        name = peewee.TextField(default="")
        points = peewee.IntegerField(default=0)
        disabled = peewee.BooleanField(default=False)
        updated_at = peewee.DateTimeField()

    class PointsEntry(base):
        uuid = peewee.CharField(unique=True)
        member = peewee.CharField()
        kind = peewee.CharField()
        points = peewee.IntegerField()
        value = peewee.IntegerField(default=0)
        sale = peewee.CharField(null=True, index=True)
        business_day = peewee.CharField()
        offline = peewee.BooleanField(default=False)
        counted = peewee.BooleanField(default=False)
        lane = peewee.IntegerField()
        actor = peewee.CharField()
        reason = peewee.TextField(default="")
        at = peewee.DateTimeField()
        balance_after = peewee.IntegerField(default=0)

        class Meta:
            indexes = ((("member", "business_day"), False), (("member", "counted"), False))

    db.create_tables([Member, PointsEntry], safe=True)


def _m13_product_department(db: peewee.Database) -> None:
    """A product's department code (the catalog CSV's ``department``): a department's spend-and-save
    promotions and the reports' sales by department count the product in it. NULL: none."""
    db.execute_sql("ALTER TABLE product ADD COLUMN department VARCHAR(32)")


MIGRATIONS: list[Callable[[peewee.Database], None]] = [
    _m1_catalog_users_journal,
    _m2_product_name_search,
    _m3_sales,
    _m4_shifts_returns_reports,
    _m5_business_day,
    _m6_weight_source,
    _m7_outbox_and_sync,
    _m8_sale_discount_rows,
    _m9_product_pinyin,
    _m10_product_open_price,
    _m11_promotions,
    _m12_members_and_points,
    _m13_product_department,
]

LATEST_VERSION = len(MIGRATIONS)


def schema_version(db: peewee.Database) -> int:
    """The highest migration applied to ``db`` (0 for an empty database)."""
    if not db.table_exists("schema_version"):
        return 0
    table = _schema_version_table(db)
    return table.select(peewee.fn.MAX(table.version)).scalar() or 0


def check_not_too_new(version: int, where: str = "the database") -> None:
    """SchemaTooNew if ``version`` is beyond what this code knows."""
    if version > LATEST_VERSION:
        raise SchemaTooNew(
            f"{where} has schema version {version} but this pos-tui knows only up to "
            f"{LATEST_VERSION}; upgrade pos-tui to open it"
        )


def apply_migrations(db: peewee.Database) -> int:
    """Apply every migration ``db`` has not had yet, in one transaction; returns the new version."""
    version = schema_version(db)
    check_not_too_new(version)
    if version == LATEST_VERSION:
        return version
    with write_transaction(db):
        table = _schema_version_table(db)
        table.create_table(safe=True)
        # Read again under the write lock: another process may have just migrated.
        version = schema_version(db)
        check_not_too_new(version)
        for number in range(version + 1, LATEST_VERSION + 1):
            MIGRATIONS[number - 1](db)
            table.create(version=number, applied_at=dt.datetime.now())
    return LATEST_VERSION
