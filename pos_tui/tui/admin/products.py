"""Products: find as you type (name, barcode or SKU), then change the highlighted product's price,
stock, sale flag or add a barcode. Each change is committed and journaled before it shows."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from pos_tui.domain.cart import format_qty
from pos_tui.domain.display_width import pad_cells, truncate_cells
from pos_tui.domain.money import Currency, format_amount
from pos_tui.store.catalog import ProductInfo
from pos_tui.tui.admin.prompt import PromptModal, Question
from pos_tui.tui.admin.screen import AdminScreen, keys
from pos_tui.tui.screens.modals import ConfirmModal
from pos_tui.tui.widgets.message_line import MessageLine

NAME_CELLS, CODE_CELLS, PRICE_CELLS, STOCK_CELLS = 34, 14, 10, 9


def _price_text(product: ProductInfo, cur: Currency) -> str:
    return format_amount(product.price, cur) + ("/kg" if product.unit == "kg" else "")


def _stock_text(product: ProductInfo) -> str:
    return "-" if product.stock is None else format_qty(product.unit, product.stock)


def product_row(product: ProductInfo, cur: Currency) -> str:
    """One result: name, first barcode (else SKU), price, stock, and "off" when not for sale."""
    name = pad_cells(truncate_cells(product.name, NAME_CELLS), NAME_CELLS)
    code = pad_cells(truncate_cells(product.barcodes[0] if product.barcodes else product.sku, CODE_CELLS), CODE_CELLS)
    flag = "" if product.active else " off"
    return (f"{name} {code} {_price_text(product, cur):>{PRICE_CELLS}} "
            f"{truncate_cells(_stock_text(product), STOCK_CELLS):>{STOCK_CELLS}}{flag}")


HEADING = (f"{pad_cells('Name', NAME_CELLS)} {pad_cells('Code', CODE_CELLS)} {'Price':>{PRICE_CELLS}} "
           f"{'Stock':>{STOCK_CELLS}}")


def product_detail(product: ProductInfo, cur: Currency) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(product.name, style="bold")
    if not product.active:
        text.append("   NOT FOR SALE", style="bold")
    codes = ", ".join(product.barcodes) or "none"
    text.append(f"\nSKU {product.sku}   tax {product.tax}   codes {codes}")
    per = "per kg" if product.unit == "kg" else "each"
    text.append(f"\nPrice {format_amount(product.price, cur, symbol=True)} {per}   Stock {_stock_text(product)}")
    return text


class ProductsScreen(AdminScreen):
    TITLE_TEXT = "products"
    KEYS = keys(
        ("f1", "help", "Help"),
        ("f2", "price", "Price"),
        ("f3", "stock", "Stock"),
        ("f4", "toggle_active", "On/off sale"),
        ("f5", "add_barcode", "Add barcode"),
        ("escape", "back", "Menu"),
        ("up", "move(-1)", "Previous", False),
        ("down", "move(1)", "Next", False),
        ("pageup", "move(-10)", "Page up", False),
        ("pagedown", "move(10)", "Page down", False),
    )
    ENTRY_HELP = (("type", "part of a name, or a barcode or SKU: results as you type (50 at most)"),
                  ("Esc", "clear the search; on an empty search: back to the menu"))

    def __init__(self) -> None:
        super().__init__()
        self.found: list[ProductInfo] = []

    def compose(self) -> ComposeResult:
        yield self.status_header()
        with Vertical(id="body") as box:
            box.border_title = "Products"
            box.border_subtitle = "Up/Down choose"
            yield Input(placeholder="Find: part of a name, a barcode or a SKU", compact=True, id="find",
                        select_on_focus=False)
            yield Static(HEADING, classes="heading")
            yield OptionList(id="results")
            yield Static("", id="detail")
        yield MessageLine()
        yield self.key_footer()

    def on_mount(self) -> None:
        find = self.query_one(Input)
        find.cursor_blink = False
        self.query_one(OptionList).can_focus = False
        find.focus()
        self.say("Type part of a name, a barcode or a SKU")

    @property
    def cur(self) -> Currency:
        return self.office.currency

    def on_input_changed(self, message: Input.Changed) -> None:
        message.stop()
        self.search(message.value)

    def on_input_submitted(self, message: Input.Submitted) -> None:
        message.stop()  # results already follow the typing; Enter has nothing more to do

    def search(self, text: str, keep: str | None = None) -> None:
        """Show the products matching ``text``; ``keep`` = the SKU to leave highlighted."""
        found = self.attempt(self.office.find_products, text)
        self.found = found or []
        results = self.query_one(OptionList)
        results.clear_options()
        results.add_options(Option(product_row(p, self.cur), id=p.sku) for p in self.found)
        if self.found:
            skus = [p.sku for p in self.found]
            results.highlighted = skus.index(keep) if keep in skus else 0
        self.show_detail()
        if found is None:
            return
        if self.found:
            self.say(f"{len(self.found)} found: Up/Down choose, F2 price, F3 stock, F4 on/off sale, F5 barcode")
        else:
            self.say("nothing matches" if text.strip() else "Type part of a name, a barcode or a SKU")

    @property
    def selected(self) -> ProductInfo | None:
        index = self.query_one(OptionList).highlighted
        return self.found[index] if index is not None and index < len(self.found) else None

    def show_detail(self) -> None:
        product = self.selected
        self.query_one("#detail", Static).update(product_detail(product, self.cur) if product else "")

    def on_option_list_option_highlighted(self, message: OptionList.OptionHighlighted) -> None:
        message.stop()
        self.show_detail()

    def action_move(self, step: int) -> None:
        results = self.query_one(OptionList)
        if results.option_count:
            current = results.highlighted or 0
            results.highlighted = min(max(current + step, 0), results.option_count - 1)

    def action_back(self) -> None:
        find = self.query_one(Input)
        if find.value:
            find.value = ""
            return
        super().action_back()

    # ------------------------------------------------------------------ changes

    def _change(self, title: str, question: Question, change: Callable[[str, str], ProductInfo],
                said: Callable[[ProductInfo, ProductInfo], str], hint: str = "") -> None:
        before = self.selected
        if before is None:
            self.say("find a product first", error=True)
            return

        def done(after: ProductInfo | None) -> None:
            if after is None:
                self.say("Nothing changed")
                return
            self.search(self.query_one(Input).value, keep=after.sku)
            self.say(said(before, after))

        self.app.push_screen(PromptModal(f"{title}: {before.name}", [question],
                                         lambda answers: change(before.sku, answers[0]), hint), done)

    def action_price(self) -> None:
        product = self.selected
        per = " per kg" if product is not None and product.unit == "kg" else ""
        self._change("New price", Question(f"Price{per}> "), self.office.set_price,
                     lambda b, a: f"{a.name}: price {_price_text(b, self.cur)} -> {_price_text(a, self.cur)}, "
                                  "from the lanes' next scan",
                     hint=f"Now {_price_text(product, self.cur)}{per}. Type the new price (like 12.50), Enter."
                     if product else "")

    def action_stock(self) -> None:
        self._change("Stock", Question("Stock> "), self.office.set_stock,
                     lambda b, a: f"Stock of {a.name}: {_stock_text(b)} -> {_stock_text(a)}",
                     hint="Type the counted stock (12, or 1.250 for kg), Enter. Empty + Enter: stop counting it.")

    def action_add_barcode(self) -> None:
        self._change("Add a barcode", Question("Barcode> "), self.office.add_barcode,
                     lambda b, a: f"{a.name} now has codes {', '.join(a.barcodes)}",
                     hint="Scan or type the code, Enter. EAN/UPC check digits are verified.")

    def action_toggle_active(self) -> None:
        product = self.selected
        if product is None:
            self.say("find a product first", error=True)
            return
        question = (f"Take {product.name} off sale? The lanes will refuse to sell it." if product.active
                    else f"Put {product.name} on sale again?")

        def answered(yes: bool | None) -> None:
            if not yes:
                self.say("Nothing changed")
                return
            after = self.attempt(self.office.set_active, product.sku, not product.active)
            if after is not None:
                self.search(self.query_one(Input).value, keep=after.sku)
                self.say(f"{after.name} is {'on sale' if after.active else 'off sale'}")

        self.app.push_screen(ConfirmModal(question), answered)
