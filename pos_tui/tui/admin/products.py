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
from pos_tui.domain.text import neutralise
from pos_tui.i18n import N_, _
from pos_tui.services.views import ProductInfo
from pos_tui.tui.admin.prompt import PromptModal, Question
from pos_tui.tui.admin.screen import AdminScreen, keys
from pos_tui.tui.screens.modals import ConfirmModal
from pos_tui.tui.widgets.message_line import MessageLine

NAME_CELLS, CODE_CELLS, PRICE_CELLS, STOCK_CELLS = 34, 14, 10, 9


def _price_text(product: ProductInfo, cur: Currency) -> str:
    return format_amount(product.price, cur) + (_("/kg") if product.unit == "kg" else "")


def _stock_text(product: ProductInfo) -> str:
    return "-" if product.stock is None else format_qty(product.unit, product.stock)


def product_row(product: ProductInfo, cur: Currency) -> str:
    """One result: name, first barcode (else SKU), price, stock, and "off" when not for sale."""
    name = pad_cells(truncate_cells(product.name, NAME_CELLS), NAME_CELLS)
    code = pad_cells(truncate_cells(product.barcodes[0] if product.barcodes else product.sku, CODE_CELLS), CODE_CELLS)
    flag = "" if product.active else " " + _("off")
    return (f"{name} {code} {pad_cells(_price_text(product, cur), PRICE_CELLS, 'right')} "
            f"{pad_cells(truncate_cells(_stock_text(product), STOCK_CELLS), STOCK_CELLS, 'right')}{flag}")


def heading() -> str:
    return (f"{pad_cells(_('Name'), NAME_CELLS)} {pad_cells(_('Code'), CODE_CELLS)} "
            f"{pad_cells(_('Price'), PRICE_CELLS, 'right')} {pad_cells(_('Stock'), STOCK_CELLS, 'right')}")


def product_detail(product: ProductInfo, cur: Currency) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(neutralise(product.name), style="bold")
    if not product.active:
        text.append("   " + _("NOT FOR SALE"), style="bold")
    codes = ", ".join(product.barcodes) or _("none")
    text.append("\n" + neutralise(_("SKU {sku}   tax {tax}   codes {codes}").format(sku=product.sku, tax=product.tax,
                                                                                 codes=codes)))
    price = format_amount(product.price, cur, symbol=True)
    price_text = (_("Price {price} per kg") if product.unit == "kg" else _("Price {price} each")).format(price=price)
    text.append("\n" + price_text + "   " + _("Stock {stock}").format(stock=_stock_text(product)))
    if product.open_price:
        text.append("   " + _("open price"), style="bold")
    return text


class ProductsScreen(AdminScreen):
    TITLE_TEXT = N_("products")
    KEYS = keys(
        ("f1", "help", N_("Help")),
        ("f2", "price", N_("Price")),
        ("f3", "stock", N_("Stock")),
        ("f4", "toggle_active", N_("On/off sale")),
        ("f5", "add_barcode", N_("Add barcode")),
        ("f6", "new_product", N_("New")),
        ("f7", "edit_product", N_("Edit")),
        ("f8", "remove_barcode", N_("Remove barcode")),
        ("escape", "back", N_("Menu")),
        ("up", "move(-1)", N_("Previous"), False),
        ("down", "move(1)", N_("Next"), False),
        ("pageup", "move(-10)", N_("Page up"), False),
        ("pagedown", "move(10)", N_("Page down"), False),
    )
    ENTRY_HELP = ((N_("type"), N_("part of a name, or a barcode or SKU: results as you type (50 at most)")),
                  ("Esc", N_("clear the search; on an empty search: back to the menu")))

    def __init__(self) -> None:
        super().__init__()
        self.found: list[ProductInfo] = []

    def compose(self) -> ComposeResult:
        yield self.status_header()
        with Vertical(id="body") as box:
            box.border_title = _("Products")
            box.border_subtitle = _("Up/Down choose")
            yield Input(placeholder=_("Find: part of a name, a barcode or a SKU"), compact=True, id="find",
                        select_on_focus=False)
            yield Static(heading(), classes="heading")
            yield OptionList(id="results")
            yield Static("", id="detail")
        yield MessageLine()
        yield self.key_footer()

    def on_mount(self) -> None:
        find = self.query_one(Input)
        find.cursor_blink = False
        self.query_one(OptionList).can_focus = False
        find.focus()
        self.say(_("Type part of a name, a barcode or a SKU"))

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
            self.say(_("{count} found: Up/Down choose, F2 price, F3 stock, F4 on/off sale, F5 barcode").format(
                count=len(self.found)))
        else:
            self.say(_("nothing matches") if text.strip() else _("Type part of a name, a barcode or a SKU"))

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

    def _done_here(self, change: str) -> bool:
        """False (and says why) when this office does not make ``change`` (on the store server: stock)."""
        elsewhere = self.office.not_here(f"products.{change}")
        if elsewhere:
            self.say(elsewhere, error=True)
        return not elsewhere

    def _change(self, title: str, question: Question, change: Callable[[str, str], ProductInfo],
                said: Callable[[ProductInfo, ProductInfo], str], hint: str = "") -> None:
        if not self._done_here(change.__name__):
            return
        before = self.selected
        if before is None:
            self.say(_("find a product first"), error=True)
            return

        def done(after: ProductInfo | None) -> None:
            if after is None:
                self.say(_("Nothing changed"))
                return
            self.search(self.query_one(Input).value, keep=after.sku)
            self.say(said(before, after))

        self.app.push_screen(PromptModal(_("{title}: {name}").format(title=title, name=before.name), [question],
                                         lambda answers: change(before.sku, answers[0]), hint), done)

    def action_price(self) -> None:
        product = self.selected
        by_kg = product is not None and product.unit == "kg"
        self._change(_("New price"), Question(_("Price per kg> ") if by_kg else _("Price> ")), self.office.set_price,
                     lambda b, a: _("{name}: price {before} -> {after}, from the lanes' next scan").format(
                         name=a.name, before=_price_text(b, self.cur), after=_price_text(a, self.cur)),
                     hint=_("Now {price}. Type the new price (like 12.50), Enter.").format(
                         price=_price_text(product, self.cur)) if product else "")

    def action_stock(self) -> None:
        self._change(_("Stock"), Question(_("Stock> ")), self.office.set_stock,
                     lambda b, a: _("Stock of {name}: {before} -> {after}").format(
                         name=a.name, before=_stock_text(b), after=_stock_text(a)),
                     hint=_("Type the counted stock (12, or 1.250 for kg), Enter. Empty + Enter: stop counting it."))

    def action_add_barcode(self) -> None:
        self._change(_("Add a barcode"), Question(_("Barcode> ")), self.office.add_barcode,
                     lambda b, a: _("{name} now has codes {codes}").format(name=a.name, codes=", ".join(a.barcodes)),
                     hint=_("Scan or type the code, Enter. EAN/UPC check digits are verified."))

    def action_new_product(self) -> None:
        if not self._done_here("add_product"):
            return
        questions = [Question(_("SKU> ")), Question(_("Name> ")), Question(_("Price> ")), Question(_("Tax> ")),
                     Question(_("Barcodes> ")), Question(_("Unit> ")), Question(_("Stock> ")),
                     Question(_("Open price (y/n)> "))]

        def done(product: ProductInfo | None) -> None:
            if product is None:
                self.say(_("Nothing changed"))
                return
            self.search(product.sku, keep=product.sku)
            self.say(_("{name} added (SKU {sku}), for sale from the lanes' next scan").format(
                name=product.name, sku=product.sku))

        self.app.push_screen(PromptModal(_("New product"), questions,
                                         lambda answers: self.office.add_product(*answers),
                                         _("Enter after each: SKU, name, price (12.50), tax code (empty: the "
                                           "default), barcodes (space between), unit (each or kg), stock "
                                           "(empty: not counted), open price y/n.")), done)

    def action_edit_product(self) -> None:
        if not self._done_here("set_name"):
            return
        product = self.selected
        if product is None:
            self.say(_("find a product first"), error=True)
            return

        def submit(answers: list[str]) -> ProductInfo:
            name, tax, open_price = answers
            after = product
            if name.strip() and name.strip() != product.name:
                after = self.office.set_name(product.sku, name)
            if tax.strip() and tax.strip() != product.tax:
                after = self.office.set_tax(product.sku, tax)
            if open_price.strip():
                after = self.office.set_open_price(product.sku, open_price)
            return after

        def done(after: ProductInfo | None) -> None:
            if after is None:
                self.say(_("Nothing changed"))
                return
            self.search(self.query_one(Input).value, keep=after.sku)
            self.say(_("{name}: name, tax {tax}, open price {open}").format(
                name=after.name, tax=after.tax, open=_("yes") if after.open_price else _("no")))

        self.app.push_screen(PromptModal(_("Edit: {name}").format(name=product.name),
                                         [Question(_("Name> ")), Question(_("Tax> ")),
                                          Question(_("Open price (y/n)> "))], submit,
                                         _("Enter alone keeps each as it is: name, tax code, open price y/n.")),
                             done)

    def action_remove_barcode(self) -> None:
        self._change(_("Remove a barcode"), Question(_("Barcode> ")), self.office.remove_barcode,
                     lambda b, a: _("{name} now has codes {codes}").format(name=a.name,
                                                                         codes=", ".join(a.barcodes) or _("none")),
                     hint=_("Type the code to take off, Enter."))

    def action_toggle_active(self) -> None:
        product = self.selected
        if product is None:
            self.say(_("find a product first"), error=True)
            return
        question = (_("Take {name} off sale? The lanes will refuse to sell it.") if product.active
                    else _("Put {name} on sale again?")).format(name=product.name)

        def answered(yes: bool | None) -> None:
            if not yes:
                self.say(_("Nothing changed"))
                return
            after = self.attempt(self.office.set_active, product.sku, not product.active)
            if after is not None:
                self.search(self.query_one(Input).value, keep=after.sku)
                self.say((_("{name} is on sale") if after.active else _("{name} is off sale")).format(name=after.name))

        self.app.push_screen(ConfirmModal(question), answered)
