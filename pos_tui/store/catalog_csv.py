"""The catalog CSV (SPEC §1): ``sku,name,price,barcodes,tax,unit,stock,department``, all-or-nothing import.

Import reads and checks every row first and reports every problem with its line number and
column; only a clean file is written, with one journal row (``catalog_publish`` says how a large
one is published without stalling the lanes).
Cells: price in major units ("12.50"); barcodes separated by "|" (EAN-8/UPC-A/EAN-13 check
digits verified, other codes kept as PLUs); tax a configured rate code (empty = the default
rate); unit "each" or "kg" (empty = each); stock a number up to 3 decimals (empty = not tracked);
department a department code, up to 32 characters without spaces (empty or no such column = none).
No cell may hold a control character (``domain.text``): the row is refused with the line and column.

Export guards spreadsheets: a text cell (sku, name, barcodes) that starts with = + - or @ is written
with a leading apostrophe, and so is one that already starts with an apostrophe followed by one of
those or another apostrophe; import takes exactly that apostrophe off again, so an exported file
imports back to the same names. (A hand-written cell such as "'=x" therefore imports as "=x".)
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import operator
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection, Iterable

from pos_tui.domain.barcodes import BarcodeError, classify
from pos_tui.domain.cart import MILLI, UNITS
from pos_tui.domain.department import MAX_DEPARTMENT_LENGTH, is_department_code
from pos_tui.domain.money import Currency, MoneyError, format_amount, parse_amount
from pos_tui.domain.text import TextError, check_text, first_control
from pos_tui.i18n import _, ngettext
from pos_tui.store.catalog import CatalogError, ProductData, Progress, iter_products
from pos_tui.store.catalog_publish import STAGE_BATCH, Staging

COLUMNS = ("sku", "name", "price", "barcodes", "tax", "unit", "stock", "department")
OPTIONAL_COLUMNS = ("tax", "unit", "stock", "department")  # left out: default tax rate, each, not tracked, none
OTHER_SEPARATORS = (";", "\t")
BARCODE_SEPARATOR = "|"
MAX_SKU_LENGTH = 64
FORMULA_STARTS = "=+-@"
TEXT_COLUMNS = ("sku", "name", "barcodes", "department")
_STOCK = re.compile(r"^(?P<sign>-?)(?P<whole>\d{1,12})(?:\.(?P<frac>\d{1,3}))?$")


@dataclass(frozen=True, order=True)
class RowError:
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        if self.column:
            return _("line {line}, {column}: {reason}").format(line=self.line, column=self.column, reason=self.reason)
        return _("line {line}: {reason}").format(line=self.line, reason=self.reason)


class ImportRejected(CatalogError):
    """The file has problems; nothing was imported. ``errors`` lists every one."""

    def __init__(self, path: Path, errors: list[RowError]):
        self.errors = sorted(errors)
        count = len(self.errors)
        super().__init__(ngettext("{path}: {count} error, nothing imported", "{path}: {count} errors, nothing imported",
                                  count).format(path=path, count=count))


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    updated: int
    sha256: str
    warnings: tuple[str, ...] = ()
    longest_lock: float = 0.0  # seconds the longest write transaction of the import held the lock
    longest_lock_in: str = ""  # the publishing phase it was in
    lock_holds: tuple[float, ...] = ()  # seconds each write transaction of a large import held the lock


@dataclass
class _Parsed:
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_stock(text: str) -> int | None:
    """A stock cell ("12", "1.250", "-3", empty) as thousandths, None when empty."""
    raw = text.strip()
    if not raw:
        return None
    m = _STOCK.match(raw)
    if not m:
        bad = _("stock {stock} is not a number like 12 or 1.250 (at most 3 decimals)")
        raise ValueError(bad.format(stock=repr(raw)))
    value = int(m.group("whole")) * MILLI + int((m.group("frac") or "").ljust(3, "0"))
    return -value if m.group("sign") else value


def format_stock(stock: int | None) -> str:
    """Thousandths back to the CSV's spelling: 12000 -> "12", 1250 -> "1.25", None -> ""."""
    if stock is None:
        return ""
    whole, frac = divmod(abs(stock), MILLI)
    text = str(whole) + (f".{frac:03d}".rstrip("0") if frac else "")
    return "-" + text if stock < 0 else text


def escape_cell(text: str) -> str:
    """A text cell as export writes it: a leading apostrophe where a spreadsheet would see a formula."""
    if text[:1] in tuple(FORMULA_STARTS) or (text[:1] == "'" and text[1:2] in tuple(FORMULA_STARTS + "'")):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    """The inverse of ``escape_cell``: ``unescape_cell(escape_cell(x)) == x`` for every text."""
    if text[:1] == "'" and text[1:2] in tuple(FORMULA_STARTS + "'"):
        return text[1:]
    return text


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportRejected(path, [RowError(line, "", _("not UTF-8 text (save the file as UTF-8)"))]) from None


def _wrong_separator(header: list[str]) -> str | None:
    """The separator of a header that is one cell holding the column names split by another character."""
    if len(header) != 1:
        return None
    for separator in OTHER_SEPARATORS:
        names = {name.strip().lower() for name in header[0].split(separator)}
        if len(names) > 1 and names & set(COLUMNS):
            return separator
    return None


def _read_header(header: list[str], parsed: _Parsed) -> dict[str, int] | None:
    separator = _wrong_separator(header)
    if separator is not None:
        shown = _("a tab") if separator == "\t" else repr(separator)
        parsed.errors.append(RowError(1, "", _("the columns are separated by {separator}: the separator must be a "
                                               "comma ({columns})").format(separator=shown,
                                                                          columns=",".join(COLUMNS))))
        return None
    names = [name.strip().lower() for name in header]
    positions: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in positions:
            parsed.errors.append(RowError(1, name, _("column appears twice in the header")))
        positions.setdefault(name, index)
    missing = [name for name in COLUMNS if name not in positions and name not in OPTIONAL_COLUMNS]
    for name in missing:
        parsed.errors.append(RowError(1, name, _("required column is missing from the header")))
    extra = [header[i] for i, name in enumerate(names) if name not in COLUMNS]
    if extra:
        parsed.warnings.append(ngettext("ignoring extra column: {columns}", "ignoring extra columns: {columns}",
                                        len(extra)).format(columns=", ".join(extra)))
    return None if missing else positions


class _RowChecker:
    """Checks each row on its own and stages it; a SKU or barcode used twice in the file is found
    afterwards over the staged rows (``_cross_row_errors``), so no row is held in memory."""

    def __init__(self, cur: Currency, tax_codes: Collection[str], default_tax: str | None, parsed: _Parsed,
                 staging: Staging):
        self.cur = cur
        self.tax_codes = set(tax_codes)
        self.default_tax = default_tax
        self.parsed = parsed
        self.staging = staging

    def error(self, line: int, column: str, reason: str) -> None:
        self.parsed.errors.append(RowError(line, column, reason))

    def check(self, line: int, cells: tuple[str, ...]) -> None:
        """One row, its cells in the order of COLUMNS ("" for a column the file leaves out)."""
        before = len(self.parsed.errors)
        if first_control("".join(cells)) is not None:  # one search for the row; the cells only when it finds one
            for column, value in zip(COLUMNS, cells):
                try:
                    check_text(value, column)
                except TextError as exc:
                    self.error(line + exc.line - 1, column, exc.at_column)
            return
        raw_sku, raw_name, raw_price, raw_codes, raw_tax, raw_unit, raw_stock, raw_department = cells
        sku = self._sku(line, unescape_cell(raw_sku))
        sku_ok = len(self.parsed.errors) == before
        name = unescape_cell(raw_name).strip()
        if not name:
            self.error(line, "name", _("name is empty"))
        price = self._price(line, raw_price)
        barcodes = self._barcodes(line, unescape_cell(raw_codes))
        tax = self._tax(line, raw_tax)
        unit = raw_unit.strip().lower() or "each"
        if unit not in UNITS:
            self.error(line, "unit", _("unit must be {units}, not {unit}").format(
                units=_(" or ").join(UNITS), unit=repr(raw_unit.strip())))
        try:
            stock = parse_stock(raw_stock)
        except ValueError as exc:
            self.error(line, "stock", str(exc))
            stock = None
        department = self._department(line, unescape_cell(raw_department))
        product = ProductData(sku, name, price, tax, unit, stock, barcodes, department) \
            if len(self.parsed.errors) == before else None
        self.staging.add(line, sku if sku_ok else None, product, barcodes)

    def _sku(self, line: int, raw: str) -> str:
        sku = raw.strip()
        if not sku:
            self.error(line, "sku", _("SKU is empty"))
        elif len(sku) > MAX_SKU_LENGTH or not sku.isprintable() or " " in sku:  # every other space is unprintable
            self.error(line, "sku", _("SKU {sku} must be at most {length} characters without spaces").format(
                sku=repr(sku), length=MAX_SKU_LENGTH))
        return sku

    def _department(self, line: int, raw: str) -> str | None:
        department = raw.strip()
        if not department:
            return None
        if not is_department_code(department):
            self.error(line, "department", _("department {code} must be at most {length} characters without "
                                             "spaces").format(code=repr(department), length=MAX_DEPARTMENT_LENGTH))
        return department

    def _price(self, line: int, raw: str) -> int:
        try:
            return parse_amount(raw, self.cur)
        except MoneyError as exc:
            self.error(line, "price", _("bad price: {error}").format(error=exc))
            return 0

    def _barcodes(self, line: int, raw: str) -> tuple[str, ...]:
        """The row's valid codes (a bad one is an error of the row)."""
        codes = []
        for code in (code.strip() for code in raw.split(BARCODE_SEPARATOR)):
            if not code:
                continue
            try:
                classify(code)
            except BarcodeError as exc:
                self.error(line, "barcodes", _("bad barcode: {error}").format(error=exc))
                continue
            codes.append(code)
        return tuple(codes)

    def _tax(self, line: int, raw: str) -> str:
        tax = raw.strip() or (self.default_tax or "")
        if not tax:
            self.error(line, "tax", _("tax code is empty"))
        elif tax not in self.tax_codes:
            known = ", ".join(sorted(self.tax_codes)) or _("none")
            unknown = _("unknown tax code {code} (configured: {known})")
            self.error(line, "tax", unknown.format(code=repr(tax), known=known))
        return tax


def _parse(path: Path, lines: Iterable[str], cur: Currency, tax_codes: Collection[str], default_tax: str | None,
           staging: Staging, progress: Progress | None, total: int) -> _Parsed:
    parsed = _Parsed()
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
        if header is None:
            raise ImportRejected(path, [RowError(1, "", _("the file is empty (expected a header row)"))])
        positions = _read_header(header, parsed)
        if positions is None:
            return parsed
        checker = _RowChecker(cur, tax_codes, default_tax, parsed, staging)
        # The row's cells in the order of COLUMNS; a column the header leaves out reads the "" put after the row.
        absent = len(header)
        row_cells = operator.itemgetter(*(positions.get(name, absent) for name in COLUMNS))
        end_of_previous = reader.line_num
        for count, cells in enumerate(reader, 1):
            line = end_of_previous + 1
            end_of_previous = reader.line_num
            if progress is not None and count % STAGE_BATCH == 0:
                progress(min(count, total) // 2, total)  # reading and checking: the first half
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if len(cells) != len(header):
                parsed.errors.append(RowError(line, "", _("expected {expected} fields, found {found}").format(
                    expected=len(header), found=len(cells))))
                continue
            cells.append("")
            checker.check(line, row_cells(cells))
    except csv.Error as exc:
        parsed.errors.append(RowError(reader.line_num, "", _("CSV format error: {error}").format(error=exc)))
    return parsed


def _cross_row_errors(staging: Staging) -> list[RowError]:
    errors = [RowError(line, "sku", _("SKU {sku} is already on line {line}").format(sku=sku, line=first))
              for line, sku, first in staging.duplicate_skus()]
    errors += [RowError(line, "barcodes", _("barcode {code} is already used on line {line}").format(code=code, line=first))
               for line, code, first in staging.duplicate_barcodes()]
    errors += [RowError(line, "barcodes", _("barcode {code} already belongs to product {sku}").format(code=code, sku=owner))
               for line, code, owner in staging.barcodes_owned_elsewhere()]
    return errors


def _read_checked(path: Path) -> tuple[str, int]:
    """The file's SHA-256 and line count, read once in blocks; ImportRejected (with the line) if it
    is not UTF-8 text."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    lines = 0
    try:
        with open(path, "rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    line = lines + block.count(b"\n", 0, max(exc.start, 0)) + 1
                    raise ImportRejected(path, [RowError(line, "", _("not UTF-8 text (save the file as UTF-8)"))]) \
                        from None
                lines += block.count(b"\n")
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                raise ImportRejected(path, [RowError(lines + 1, "", _("not UTF-8 text (save the file as UTF-8)"))]) \
                    from None
    except OSError as exc:
        raise CatalogError(_("cannot read {path}: {error}").format(path=path, error=exc.strerror or exc)) from None
    return digest.hexdigest(), lines


def import_products(
    path: Path,
    *,
    cur: Currency,
    tax_codes: Collection[str],
    default_tax: str | None = None,
    actor: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a catalog CSV all-or-nothing; ImportRejected (with every error) changes nothing.

    The file is read as a stream and its rows staged aside (``catalog_publish``): checking never
    holds the store's write lock, and a large file is published in short steps with one switch
    at the end, so lanes keep selling meanwhile.
    """
    path = Path(path)
    digest, total = _read_checked(path)
    with Staging() as staging, open(path, encoding="utf-8-sig", newline="") as text:
        parsed = _parse(path, text, cur, tax_codes, default_tax, staging, progress, max(total - 1, 1))
        staging.finish()
        errors = parsed.errors + _cross_row_errors(staging)
        if errors:
            raise ImportRejected(path, errors)
        rows = staging.rows

        def payload(created: int, updated: int) -> dict:
            return {"file": path.name, "sha256": digest, "rows": rows, "created": created, "updated": updated}

        staged_progress = None if progress is None else (lambda done, all_: progress((rows + done) // 2, rows))
        published = staging.publish("catalog.import", payload, actor, staged_progress)
    if progress is not None:
        progress(rows, rows)
    return ImportResult(rows, published.created, published.updated, digest, tuple(parsed.warnings),
                        published.longest_step, published.longest_where, published.holds)


def export_products(path: Path, *, cur: Currency) -> int:
    """Write every active product to ``path`` in the import format; returns the row count."""
    count = 0
    try:
        out = open(path, "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise CatalogError(_("cannot write {path}: {error}").format(path=path, error=exc.strerror or exc)) from None
    with out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for p in iter_products():
            writer.writerow([
                escape_cell(p.sku), escape_cell(p.name), format_amount(p.price, cur, grouping=False),
                escape_cell(BARCODE_SEPARATOR.join(p.barcodes)), p.tax, p.unit, format_stock(p.stock),
                escape_cell(p.department or ""),
            ])
            count += 1
    return count


class _Collected:
    """Stands in for ``Staging`` where the rows go elsewhere (the store server): keeps the valid
    products and finds the SKUs and barcodes a file names twice."""

    def __init__(self) -> None:
        self.products: list[ProductData] = []
        self.errors: list[RowError] = []
        self._skus: dict[str, int] = {}
        self._codes: dict[str, int] = {}

    def add(self, line: int, sku: str | None, product: ProductData | None, codes: Iterable[str]) -> None:
        if sku is not None:
            if sku in self._skus:
                self.errors.append(RowError(line, "sku", _("SKU {sku} is already on line {line}").format(
                    sku=sku, line=self._skus[sku])))
            self._skus.setdefault(sku, line)
        for code in codes:
            if code in self._codes:
                self.errors.append(RowError(line, "barcodes", _("barcode {code} is already used on line {line}").format(
                    code=code, line=self._codes[code])))
            self._codes.setdefault(code, line)
        if product is not None:
            self.products.append(product)


def read_products(path: Path, *, cur: Currency, tax_codes: Collection[str],
                  default_tax: str | None = None) -> tuple[list[ProductData], tuple[str, ...]]:
    """Every product of a catalog CSV, checked as ``import_products`` checks it, for a catalog kept
    elsewhere (the store server); ImportRejected with every error. Returns (products, warnings)."""
    path = Path(path)
    _, total = _read_checked(path)
    collected = _Collected()
    with open(path, encoding="utf-8-sig", newline="") as text:
        parsed = _parse(path, text, cur, tax_codes, default_tax, collected, None, max(total - 1, 1))
    errors = parsed.errors + collected.errors
    if errors:
        raise ImportRejected(path, errors)
    return collected.products, tuple(parsed.warnings)
