"""The lane and the back office at 80x24 in English and in Simplified Chinese: every screen and box
of the tour (``screen_tour``) fits, the words it must show are there whole (on one line, or wrapped
inside their box without a character lost; never cut by a border or an ellipsis), and columns line
up by terminal cells when Chinese and Latin names mix."""

from __future__ import annotations

import pytest

from pos_tui.domain.display_width import cell_width
from pos_tui.domain.payment import method_name
from pos_tui.domain.permissions import Action, action_name, role_name
from pos_tui.i18n import _, translated, using_language
from pos_tui.tui.admin.menu import AREAS
from pos_tui.tui.format import ACTION_HELP
from tests.tui.screen_tour import SIZE, Tour, walk

LANGUAGES = ("en", "zh_CN")
# The tours drive the whole lane and back office in both languages, once per run (see walk).
pytestmark = pytest.mark.slow
CHINESE, LATIN = ("可口可乐 330ml", "大米 5kg"), ("Bread", "Soap")


@pytest.fixture(scope="module", params=LANGUAGES)
def tours(request, tmp_path_factory) -> tuple[str, Tour]:
    return request.param, walk(request.param, tmp_path_factory)


def shown_whole(lines: list[str], text: str) -> bool:
    """``text`` on one line, or wrapped over the lines of its box (at a space, or between two
    Chinese characters) without a character lost."""
    if any(text in line for line in lines):
        return True
    inside = [line.strip().strip("│").strip() for line in lines]
    return text in " ".join(inside) or text in "".join(inside)


def end_cell(line: str, text: str) -> int:
    """The terminal cell just after ``text``'s last occurrence in ``line``."""
    return cell_width(line[: line.rindex(text) + len(text)])


def row_with(lines: list[str], text: str) -> str:
    """The first row of the screen's box (under the header line) that shows ``text``."""
    rows = [line for line in lines[1:] if text in line and line.startswith("│")]
    assert rows, f"{text!r} is not in a box row"
    return rows[0]


def expected_words() -> dict[str, list[str]]:
    """What each screen must show whole, in the current language."""
    card = method_name("card")
    return {
        "lock": [_("Lane locked"), _("Type your user name and press Enter, then your PIN and Enter."),
                 _("User> ").strip(), "F1 " + _("Help")],
        "lock pin": [_("User: {name}").format(name="cashier"), _("PIN> ").strip()],
        "lock help": [_("Keys: {screen}").format(screen=_("sign in")), _("after the user name, then after the PIN"),
                      _("quit (an open sale stays for later)"), _("Esc closes")],
        "items idle": [_("Ready for the next sale"), _("TOTAL"), "^L " + _("Lock"), role_name("cashier")],
        "items": [_("Sale (open)"), _("Item"), _("Qty"), _("Price"), _("Amount"), *CHINESE, *LATIN,
                  _("Items") + " 5", _("Subtotal") + " 100.30", _("TOTAL") + "  ¥100.30",
                  "F10 " + _("Total"), "^L " + _("Lock")],
        "items help": [_(ACTION_HELP[action]) for action in ("items.find", "items.price_check", "items.void_line",
                                                             "items.suspend", "items.total", "items.lock")]
                      + [_("quantity for the item: 3*code, or 3* then scan; 1.25* for kg")],
        "find": [_("Find by name"), "可口可乐 330ml", _("{count} found: Up/Down choose, Enter adds, Esc closes").format(
            count=1)],
        "price check": [_("Price check"), _("Price {price} each").format(price="¥3.50"),
                        _("Enter adds it to the sale; scan another code, or Esc to close")],
        "discount": [_("Discount or price override"), _("Line {line} {name}: new unit price").format(
            line=4, name="Soap"), _("The whole sale ({total}): amount or % off").format(total="¥100.30")],
        "void sale approval": [_("Supervisor approval: {action}").format(
            action=action_name(Action.VOID_SALE).replace("_", " ")), _("Supervisor> ").strip()],
        "payment": [_("Payment"), _("Due"), _("Paid"), _("Balance"), "F2 " + _("Cash"), "F3 " + _("Bank card"),
                    "F6 " + _("Resolve")],
        "payment help": [_(ACTION_HELP["payment.card"]), _(ACTION_HELP["payment.wallet"])],
        "printing": [_("Paid"), _("CHANGE"), "¥9.70", "F9 " + _("Reprint")],
        "held sales": [_("Held sales"), "cashier", _("Up/Down choose, Enter recalls, Esc closes")],
        "terminal": [_("{method} payment").format(method=card[:1].upper() + card[1:]), _("Reference"),
                     _("Waiting {seconds} s").format(seconds=0), "Esc " + _("Cancel")],
        "terminal cancel": [_("Press Cancel on the terminal itself; {key} again only if the terminal is stuck").format(
            key="Esc")],
        "resolve": [_("Payment outcome unknown"), _("not charged"), _("approved on the terminal's ticket: enter auth code"),
                    _("later (card, wallet and cash stay refused until it is resolved)")],
        "confirm": [_("Void the whole sale?"), _("Y = yes    N or Esc = no")],
        "wallet code": [_("Wallet payment"), _("Scan the customer's payment code (Alipay or WeChat Pay); Esc closes")],
        "return": [_("Return"), _("Type or scan the receipt number, Enter; F4 no receipt; Esc closes")],
        "paid in": [_("Paid in"), _("Amount> ").strip()],
        "shift menu": [_("Shift"), _("Paid in: cash put into the drawer"), _("Close the shift: count the drawer (blind)"),
                       _("Press a letter; Esc closes")],
        "supervisor approval": [_("Supervisor approval: {action}").format(
            action=action_name(Action.X_REPORT).replace("_", " "))],
        "x report": [_("{kind} report").format(kind="X"), _("Up/Down PgUp/PgDn scroll"), "P " + _("Print"),
                     "Esc " + _("Back")],
        "report help": [_("print the report on the receipt printer"), _("scroll a page")],
        "admin sign in": [_("Back office"), _("Sign in with a supervisor or admin user: type the name and press Enter, "
                                              "then the PIN and Enter."), "^Q " + _("Quit")],
        "admin menu": [translated(label) for _key, _area, label, _what, _action in AREAS]
                      + [_(what) for _key, _area, _label, what, _action in AREAS] + ["^L " + _("Sign out")],
        "products": [_("Products"), _("Code"), _("Stock"), "可口可乐 330ml", "F4 " + _("On/off sale"),
                     "F5 " + _("Add barcode")],
        "new price": [_("New price"), _("Now {price}. Type the new price (like 12.50), Enter.").format(price="3.50")],
        "users": [_("User name"), _("Role"), role_name("admin"), role_name("supervisor"), "F3 " + _("Reset PIN")],
        "reports": [_("Reports: {title}").format(title=_("X report")), "F4 " + _("By hour"), "F5 " + _("Close day")],
        "admin held": [_("Held since"), _("No sale is held")],
        "payments": [_("Payments with unknown outcome"), _("No payment has an unknown outcome")],
        "devices": [_("Devices of this lane"), _("F2 checks the devices now"), "F2 " + _("Check now")],
    }


def test_every_screen_fits_80x24_and_nothing_is_cut(tours):
    language, tour = tours
    with using_language(language):
        expected = expected_words()
    assert set(expected) <= set(tour.screens), set(expected) - set(tour.screens)
    for name, lines in tour.screens.items():
        assert len(lines) == SIZE[1], name
        for line in lines:
            assert cell_width(line) == SIZE[0], f"{name}: {line!r}"
            assert "…" not in line, f"{name}: cut with an ellipsis: {line!r}"
        for words in expected.get(name, ()):
            assert shown_whole(lines, words), f"{language} {name}: {words!r} not shown whole in\n" + "\n".join(lines)


def test_the_screens_speak_the_stores_language(tours):
    language, tour = tours
    items = "\n".join(tour.screens["items"])
    if language == "zh_CN":
        assert "合计" in items and "小计" in items and "锁屏" in items
        assert "Subtotal" not in items and "Help" not in items
        assert "后台管理" in "\n".join(tour.screens["admin menu"])
    else:
        assert "Subtotal" in items and "小计" not in items


def test_cart_columns_line_up_for_chinese_and_latin_names(tours):
    language, tour = tours
    lines = tour.screens["items"]
    with using_language(language):
        header = row_with(lines, _("Amount"))
        amount_header = _("Amount")
    ends = {end_cell(header, amount_header)}
    for name, amount in (("可口可乐 330ml", "3.50"), ("Bread", "12.00"), ("大米 5kg", "79.80"), ("Soap", "5.00")):
        row = row_with(lines, name)
        ends.add(end_cell(row, amount))
        assert cell_width(row) == SIZE[0]
    assert len(ends) == 1, ends
    # the quantity column too: "1" under a Chinese name ends where "1" under a Latin one does
    assert end_cell(row_with(lines, "可口可乐 330ml"), "1 ") == end_cell(row_with(lines, "Bread"), "1 ")


def test_label_columns_line_up_in_payment_printing_and_admin_products(tours):
    language, tour = tours
    with using_language(language):
        payment = tour.screens["payment"]
        due, paid, balance = (row_with(payment, _(label) + " ") for label in ("Due", "Paid", "Balance"))
        assert end_cell(due, "¥100.30") == end_cell(paid, "¥10.00") == end_cell(balance, "¥90.30")
        printing = tour.screens["printing"]
        total, change = row_with(printing, _("Total") + " "), row_with(printing, _("CHANGE") + " ")
        assert end_cell(total, "¥100.30") == end_cell(change, "¥9.70")
        products = tour.screens["products"]
        heading = row_with(products, _("Code"))
        (result,) = [line for line in products if "6901234567892" in line and "3.50" in line]
        assert end_cell(heading, _("Price")) == end_cell(result, "3.50")
        assert heading.index(_("Code")) > 0 and end_cell(heading, _("Code")) - cell_width(_("Code")) == \
            end_cell(result, "6901234567892") - len("6901234567892")
        help_rows = [line for line in tour.screens["items help"] if "  " in line and line.count("│") >= 3]
        starts = {end_cell(line, _(ACTION_HELP[action])) - cell_width(_(ACTION_HELP[action]))
                  for line in help_rows for action in ("items.find", "items.void_line", "items.lock")
                  if _(ACTION_HELP[action]) in line}
        assert len(starts) == 1, starts
