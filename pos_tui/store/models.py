"""The tables, as peewee models bound to the store's database proxy.

Money and quantities are IntegerField only (minor units, thousandths): peewee's decimal field
is stored as REAL on SQLite and its float field is a binary float, so neither appears here.
"""

from __future__ import annotations

import peewee

from pos_tui.store.db import database


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


class Product(BaseModel):
    sku = peewee.CharField(unique=True)
    name = peewee.TextField(index=True)
    price = peewee.IntegerField()  # minor units; per kg for unit "kg"
    tax = peewee.CharField()
    unit = peewee.CharField(default="each")
    stock = peewee.IntegerField(null=True)  # thousandths; NULL = not tracked
    active = peewee.BooleanField(default=True)
    updated_at = peewee.DateTimeField()
    pinyin = peewee.TextField(default="")  # the name's pinyin key, searched with it (migration 9)
    open_price = peewee.BooleanField(default=False)  # sold at the price typed at the lane (migration 10)
    department = peewee.CharField(max_length=32, null=True)  # its department's code (migration 13)


class Barcode(BaseModel):
    code = peewee.CharField(unique=True)
    product = peewee.ForeignKeyField(Product, backref="barcodes", on_delete="CASCADE", index=True)


class User(BaseModel):
    name = peewee.CharField(unique=True)
    role = peewee.CharField()
    pin_hash = peewee.CharField()
    pin_changed_at = peewee.DateTimeField()
    failed_attempts = peewee.IntegerField(default=0)
    locked_until = peewee.DateTimeField(null=True)
    disabled = peewee.BooleanField(default=False)


class JournalEntry(BaseModel):
    seq = peewee.IntegerField(unique=True)
    at = peewee.CharField()  # ISO 8601 UTC text, hashed exactly as stored
    kind = peewee.CharField(index=True)
    actor = peewee.CharField(null=True)
    payload = peewee.TextField()  # canonical JSON
    prev_hash = peewee.CharField()
    hash = peewee.CharField()



class Sale(BaseModel):
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
    shift = peewee.IntegerField(null=True, index=True)  # the shift it was rung up in (migration 4)
    kind = peewee.CharField(default="sale")  # sale | return
    original = peewee.IntegerField(null=True, index=True)  # a return's original sale
    training = peewee.BooleanField(default=False)
    discount_text = peewee.CharField(default="")  # a whole-sale discount as typed ("10%"; migration 8)
    member = peewee.CharField(default="")  # the member's card or phone number shown for it (migration 11)

    class Meta:
        indexes = ((("lane", "status"), False),)


class SaleLine(BaseModel):
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
    sale_discount = peewee.IntegerField(default=0)  # of ``discount``, the share of a whole-sale discount (m5)
    promo_discount = peewee.IntegerField(default=0)  # of ``discount``, what promotions took off (migration 11)
    added_at = peewee.DateTimeField()
    added_by = peewee.CharField()
    origin_line = peewee.IntegerField(null=True, index=True)  # a return line's original sale line
    weight_source = peewee.CharField(null=True)  # scale | typed | barcode for weighed lines (migration 6)

    class Meta:
        indexes = ((("sale", "line_no"), True),)


class Promotion(BaseModel):
    code = peewee.CharField(unique=True)  # the promotion's id in its file
    definition = peewee.TextField()  # its file's fields as JSON (domain.promotion_file.promotion_fields)
    active = peewee.BooleanField(default=True, index=True)
    updated_at = peewee.DateTimeField()


class SaleLinePromotion(BaseModel):
    """What one promotion took off one sale line (migration 11): a return gives back what the line
    really cost, a report counts each promotion. Rewritten with the lines it follows."""

    sale = peewee.IntegerField()
    line_no = peewee.IntegerField()
    promotion = peewee.CharField()  # the promotion's code
    name = peewee.TextField()  # as the receipt showed it
    kind = peewee.CharField()
    amount = peewee.IntegerField()

    class Meta:
        indexes = ((("sale", "line_no", "promotion"), True), (("promotion",), False))


class LineVoid(BaseModel):
    line = peewee.ForeignKeyField(SaleLine, unique=True)
    voided_by = peewee.CharField()
    approved_by = peewee.CharField(null=True)
    voided_at = peewee.DateTimeField()
    reason = peewee.CharField(default="")


class Payment(BaseModel):
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
    refund_of = peewee.IntegerField(null=True, index=True)  # a refund's original payment


class PrintJob(BaseModel):
    sale = peewee.ForeignKeyField(Sale, index=True)
    kind = peewee.CharField()  # sale | reprint
    status = peewee.CharField(index=True)  # pending | printed
    attempts = peewee.IntegerField(default=0)
    last_error = peewee.CharField(default="")
    created_at = peewee.DateTimeField()
    printed_at = peewee.DateTimeField(null=True)


class ReceiptCounter(BaseModel):
    lane = peewee.IntegerField()
    day = peewee.CharField()  # YYYYMMDD
    last = peewee.IntegerField(default=0)

    class Meta:
        indexes = ((("lane", "day"), True),)


class Shift(BaseModel):
    lane = peewee.IntegerField()
    status = peewee.CharField()  # open | closed
    opened_by = peewee.CharField()
    opened_at = peewee.DateTimeField()
    opening_float = peewee.IntegerField()
    float_detail = peewee.TextField(default="")  # JSON {denomination: count} when counted so
    training = peewee.BooleanField(default=False)
    closed_by = peewee.CharField(null=True)
    closed_at = peewee.DateTimeField(null=True)
    counted = peewee.IntegerField(null=True)
    count_detail = peewee.TextField(default="")
    expected = peewee.IntegerField(null=True)
    left_in_drawer = peewee.IntegerField(null=True)
    z_report = peewee.IntegerField(null=True, index=True)
    business_day = peewee.CharField(null=True)  # YYYY-MM-DD, the day it opened in (migration 5)

    class Meta:
        indexes = ((("lane", "status"), False), (("lane", "business_day"), False))


class CashMovement(BaseModel):
    shift = peewee.ForeignKeyField(Shift, backref="movements", index=True)
    kind = peewee.CharField()  # paid_in | paid_out | no_sale
    amount = peewee.IntegerField(default=0)
    reason = peewee.CharField()
    actor = peewee.CharField()
    approved_by = peewee.CharField(null=True)
    at = peewee.DateTimeField()
    training = peewee.BooleanField(default=False)


class ZReport(BaseModel):
    lane = peewee.IntegerField()
    number = peewee.IntegerField()
    business_day = peewee.CharField()  # YYYY-MM-DD
    taken_at = peewee.DateTimeField()
    taken_by = peewee.CharField()
    approved_by = peewee.CharField(null=True)
    content = peewee.TextField()  # the report as JSON, exactly as it was printed

    class Meta:
        indexes = ((("lane", "number"), True), (("lane", "business_day"), True))


class Member(BaseModel):
    """A member of the store's register (migration 12): ``code`` is the number kept with a sale and
    on the store server (the card number, else the phone number it was added with)."""

    code = peewee.CharField(unique=True)
    card = peewee.CharField(null=True, unique=True)
    phone = peewee.CharField(null=True, unique=True)
    name = peewee.TextField(default="")
    points = peewee.IntegerField(default=0)  # the balance as last known (the server's, or kept here)
    disabled = peewee.BooleanField(default=False)
    updated_at = peewee.DateTimeField()


class PointsEntry(BaseModel):
    """One change of a member's points (migration 12): earn | redeem | reverse | adjust."""

    uuid = peewee.CharField(unique=True)
    member = peewee.CharField()  # Member.code
    kind = peewee.CharField()
    points = peewee.IntegerField()  # signed: + earned or given back, - redeemed or taken back
    value = peewee.IntegerField(default=0)  # minor units a redemption paid (or its refund gave back)
    sale = peewee.CharField(null=True, index=True)  # the sale's (or return's) uuid
    business_day = peewee.CharField()  # YYYY-MM-DD
    offline = peewee.BooleanField(default=False)  # made while the store server was unreachable
    counted = peewee.BooleanField(default=False)  # Member.points already includes it
    lane = peewee.IntegerField()
    actor = peewee.CharField()
    reason = peewee.TextField(default="")
    at = peewee.DateTimeField()
    balance_after = peewee.IntegerField(default=0)  # the balance the lane showed after it (receipts, reprints)

    class Meta:
        indexes = ((("member", "business_day"), False), (("member", "counted"), False))
