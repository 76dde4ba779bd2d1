"""The customer display as a lane-event subscriber: what the customer reads at each step of a sale.

Each scan shows the item and its amount over the running total (a scan that gives a promotion, or
more of one, shows the promotion and what it saves over the total after it); F10 the total; a part payment what
was paid and what is still due; the end of the sale what was paid and the change, and after
``[devices.display] idle_after`` seconds the thank-you line over the welcome. An LED price display
shows the same figures under its price, total, collect and change lamps.

The handler only builds the screen and leaves it with the display's own thread
(``CustomerDisplay.show`` never blocks): a slow or unplugged display holds up no scan.
"""

from __future__ import annotations

from pos_tui.config import Config
from pos_tui.devices.display import CustomerDisplay, DisplayScreen
from pos_tui.domain.display_width import cell_width, pad_cells, truncate_cells
from pos_tui.domain.money import format_amount
from pos_tui.domain.payment import PaymentStatus
from pos_tui.domain.tender import cash_due
from pos_tui.i18n import N_, _
from pos_tui.services.events import (
    LaneEvent, LineAdded, LineVoided, PromotionsChanged, SalePaid, SaleTotalled, SaleVoided, TenderSettled,
)

SUBSCRIBER = "customer-display"
WELCOME, THANKS = N_("Welcome"), N_("Thank you")
TOTAL, PAID, DUE, CHANGE, REFUND, VOID = N_("Total"), N_("Paid"), N_("Due"), N_("Change"), N_("Refund"), N_("Void")
PROMOTION = N_("Promotion")  # for a promotion whose name the display's code page cannot show whole


class CustomerScreens:
    """Lane events as display screens, in the display's width and code page."""

    def __init__(self, config: Config, display: CustomerDisplay) -> None:
        self.config = config
        self.display = display
        self.width = display.width
        self._given: tuple[int, dict[str, int]] = (0, {})  # the open sale and what each promotion gives it
        self._news: tuple[str, int] | None = None  # a promotion the line change just gave (more of)

    def word(self, msgid: str) -> str:
        """A label in the lane's language, or in English where the display's code page lacks it."""
        shown = _(msgid)
        return shown if self.display.can_show(shown) else msgid

    def money(self, minor: int) -> str:
        return format_amount(minor, self.config.currency, grouping=False)

    def row(self, label: str, amount: str = "") -> str:
        """``label`` on the left, ``amount`` on the right; the label gives way."""
        label = self.display.showable(label)
        if not amount:
            return truncate_cells(label, self.width)
        room = max(self.width - cell_width(amount) - 1, 0)
        return pad_cells(truncate_cells(label, room), self.width - cell_width(amount)) + amount

    def welcome(self) -> DisplayScreen:
        cfg = self.config.devices.display
        return DisplayScreen(self._centred(cfg.welcome or self.word(WELCOME)), self._centred(self.config.store.name))

    def thanks(self) -> DisplayScreen:
        cfg = self.config.devices.display
        return DisplayScreen(self._centred(cfg.thanks or self.word(THANKS)),
                             self._centred(cfg.welcome or self.word(WELCOME)))

    def _centred(self, text: str) -> str:
        text = truncate_cells(self.display.showable(text), self.width)
        return " " * ((self.width - cell_width(text)) // 2) + text

    def _promotions_changed(self, event: PromotionsChanged) -> None:
        """Note the promotion the change gave, or gave more of (the most, if several): the line's
        own event shows it."""
        sale, before = self._given
        before = before if sale == event.sale_id else {}
        grown = [(amount - before.get(code, 0), name, amount) for code, name, amount in event.promotions
                 if amount > before.get(code, 0)]
        self._news = max(grown)[1:] if grown else None
        self._given = (event.sale_id, {code: amount for code, _name, amount in event.promotions})

    def for_event(self, event: LaneEvent) -> tuple[DisplayScreen, DisplayScreen | None] | None:
        """The screen an event brings (and the one to follow it a while later), or None."""
        if isinstance(event, PromotionsChanged):
            self._promotions_changed(event)
            return None
        news, self._news = self._news, None
        if isinstance(event, (SalePaid, SaleVoided)):
            self._given = (0, {})
        if isinstance(event, LineAdded) and news is not None:
            # The deal is the news: its saving, and the total after it.
            # A name cut by the code page ("可乐3瓶10元" -> "310") would mislead: the word instead.
            name = self.display.showable(news[0]) if self.display.can_show(news[0]) else self.word(PROMOTION)
            total = self.money(event.total)
            return DisplayScreen(self.row(name, self.money(-news[1])), self.row(self.word(TOTAL), total),
                                 "total", total), None
        if isinstance(event, LineAdded):
            line = event.line
            name = self.display.showable(line.name) or line.sku
            amount = self.money(line.amount)
            return DisplayScreen(self.row(name, amount), self.row(self.word(TOTAL), self.money(event.total)),
                                 "price", amount), None
        if isinstance(event, LineVoided):
            name = self.display.showable(event.line.name) or event.line.sku
            return DisplayScreen(self.row(f"{self.word(VOID)} {name}", self.money(-event.line.amount)),
                                 self.row(self.word(TOTAL), self.money(event.total)),
                                 "total", self.money(event.total)), None
        if isinstance(event, SaleTotalled):
            total = self.money(event.total)
            return DisplayScreen(self.row(self.word(TOTAL), total), "", "total", total), None
        if isinstance(event, TenderSettled):
            if event.status != PaymentStatus.APPROVED or event.remaining <= 0:
                return None  # nothing paid, or the sale is paid: SalePaid says so
            paid = self.money(event.amount)
            return DisplayScreen(self.row(self.word(PAID), paid), self.row(self.word(DUE), self.money(event.remaining)),
                                 "paid", paid), None
        if isinstance(event, SalePaid):
            if event.total < 0:
                refund = self.money(-event.total)
                screen = DisplayScreen(self.row(self.word(REFUND), refund), "", "change", refund)
            else:
                # Change comes from cash, so what was handed over is the total at the cash step plus it.
                handed = cash_due(event.total, self.config.cash.rounding_step) + event.change if event.change \
                    else event.total
                paid, change = self.money(handed), self.money(event.change)
                screen = DisplayScreen(self.row(self.word(PAID), paid), self.row(self.word(CHANGE), change),
                                       "change" if event.change else "paid", change if event.change else paid)
            return screen, self.thanks()
        if isinstance(event, SaleVoided):
            return self.welcome(), None
        return None


def serve_customer_display(config: Config, events, display: CustomerDisplay) -> None:
    """Subscribe ``display`` to the lane's events (once) and show the welcome screen."""
    if events.subscribed(SUBSCRIBER):
        return
    screens = CustomerScreens(config, display)
    idle_after = config.devices.display.idle_after

    def on_event(event: LaneEvent) -> None:
        shown = screens.for_event(event)
        if shown is not None:
            screen, then = shown
            display.show(screen, then=then, after=idle_after)

    events.subscribe(SUBSCRIBER, on_event, PromotionsChanged, LineAdded, LineVoided, SaleTotalled, TenderSettled,
                     SalePaid, SaleVoided)
    display.show(screens.welcome())
