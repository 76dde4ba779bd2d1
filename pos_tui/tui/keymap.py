"""The lane's keys as data: which key runs which action on which screen.

Action ids are ``"<screen>.<action>"`` (``"items.find"``, ``"payment.cash"``): the same
function key means different things on different screens (F2 finds an item, F2 pays
cash), so keys are unique per screen, not globally. ``[keys]`` in the config overrides
keys by action id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from textual.binding import Binding

from pos_tui.i18n import N_, NP_

SCREENS = ("lock", "items", "payment", "terminal", "printing")
# The keys to pay: the key line shows them whatever else it has to leave out on a narrow terminal.
PAY_KEYS = frozenset({"items.total", "payment.cash", "payment.card", "payment.wallet"})

_NAMED_KEYS = frozenset(
    {
        "escape", "enter", "tab", "backspace", "delete", "insert", "home", "end",
        "pageup", "pagedown", "up", "down", "left", "right", "space",
    }
    | {f"f{number}" for number in range(1, 25)}
)
_ALIASES = {"esc": "escape", "return": "enter", "pgup": "pageup", "pgdn": "pagedown",
            "del": "delete", "ins": "insert"}
_MODIFIERS = ("ctrl", "shift")
_LETTER = re.compile(r"^[a-z]$")

_DISPLAY_NAMES = {"escape": "Esc", "enter": "Enter", "tab": "Tab", "backspace": "BkSp",
                  "delete": "Del", "insert": "Ins", "home": "Home", "end": "End",
                  "pageup": "PgUp", "pagedown": "PgDn", "up": "Up", "down": "Down",
                  "left": "Left", "right": "Right", "space": "Space"}


@dataclass(frozen=True, slots=True)
class KeyBinding:
    """One command key: ``action`` is ``"<screen>.<name>"``; ``footer`` puts it in the key line.
    ``label`` is the English msgid (marked with ``N_``): the key line and the help translate it
    when they draw it."""

    action: str
    key: str
    label: str
    footer: bool = True

    @property
    def screen(self) -> str:
        return self.action.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.action.split(".", 1)[1]

    @property
    def display_key(self) -> str:
        """The key as the cashier reads it: "F10", "^L", "Esc"."""
        return display_key(self.key)


@dataclass(frozen=True, slots=True)
class Keymap:
    """Every command key of the lane, in the order the footer and help show them."""

    bindings: tuple[KeyBinding, ...]

    def for_screen(self, screen: str) -> tuple[KeyBinding, ...]:
        """The keys of one screen (unknown screen -> ValueError)."""
        if screen not in SCREENS:
            raise ValueError(f"unknown screen {screen!r}; screens are {', '.join(SCREENS)}")
        return tuple(binding for binding in self.bindings if binding.screen == screen)

    def footer(self, screen: str) -> tuple[KeyBinding, ...]:
        """The keys of one screen that the key line shows."""
        return tuple(binding for binding in self.for_screen(screen) if binding.footer)

    def binding(self, action: str) -> KeyBinding:
        for binding in self.bindings:
            if binding.action == action:
                return binding
        raise ValueError(f"unknown action {action!r}")

    def key_for(self, action: str) -> str:
        return self.binding(action).key

    def textual_bindings(self, screen: str) -> list[Binding]:
        """Textual bindings for a screen: key -> ``action_<name>`` on that screen, id = action id."""
        return [
            Binding(binding.key, binding.name, binding.label, show=False, id=binding.action)
            for binding in self.for_screen(screen)
        ]


def normalize_key(key: str) -> str:
    """A key name in Textual's spelling ("F2" -> "f2", "Ctrl+L" -> "ctrl+l").

    Raises ValueError naming the key if it is not a command key: a key that types a
    character ("a", "3", "shift+a") belongs to the entry line, never to a command.
    """
    if not isinstance(key, str) or not key.strip():
        raise ValueError(f"bad key name {key!r}: empty")
    parts = [part.strip() for part in key.strip().lower().split("+")]
    *modifiers, base = parts
    base = _ALIASES.get(base, base)
    if len(set(modifiers)) != len(modifiers) or any(m not in _MODIFIERS for m in modifiers):
        raise ValueError(f"bad key name {key!r}: modifiers are {' and '.join(_MODIFIERS)}")
    if base in _NAMED_KEYS:
        if base == "space" and not modifiers:
            raise ValueError(f"bad key name {key!r}: it types a character into the entry line")
        return "+".join([*sorted(modifiers), base])
    if _LETTER.match(base) and modifiers == ["ctrl"]:
        return f"ctrl+{base}"
    if len(base) == 1 and base.isprintable() and modifiers in ([], ["shift"]):
        raise ValueError(f"bad key name {key!r}: it types a character into the entry line")
    raise ValueError(f"bad key name {key!r}: not a key the lane knows")


def display_key(key: str) -> str:
    """Compact spelling for the key line: "f10" -> "F10", "ctrl+l" -> "^L", "escape" -> "Esc"."""
    *modifiers, base = key.split("+")
    if base.startswith("f") and base[1:].isdigit():
        shown = base.upper()
    elif _LETTER.match(base):
        shown = base.upper()
    else:
        shown = _DISPLAY_NAMES.get(base, base)
    prefix = "".join("^" if modifier == "ctrl" else "S-" for modifier in modifiers)
    return f"{prefix}{shown}"


def _b(action: str, key: str, label: str, footer: bool = True) -> KeyBinding:
    return KeyBinding(action, key, label, footer)


DEFAULT_KEYMAP = Keymap(
    (
        _b("lock.help", "f1", N_("Help")),
        _b("items.help", "f1", N_("Help")),
        _b("items.find", "f2", N_("Find")),
        _b("items.price_check", "f3", NP_("key: price check", "Price")),
        _b("items.void_line", "f4", N_("Void")),
        _b("items.suspend", "f5", N_("Hold")),
        _b("items.discount", "f6", N_("Discount")),
        _b("items.return_sale", "f7", N_("Return")),
        _b("items.no_sale", "f8", N_("No sale")),
        _b("items.reprint", "f9", N_("Reprint")),
        _b("items.total", "f10", N_("Total")),
        _b("items.void_sale", "f11", N_("Void sale")),
        _b("items.member", "ctrl+v", N_("Member"), footer=False),  # the key lines are full at 80 columns: F1 lists it
        _b("items.lock", "ctrl+l", N_("Lock")),
        # Shift open/close, paid-in/out, X/Z reports, training: a menu of letters (F1 lists them).
        _b("items.shift", "ctrl+s", N_("Shift")),
        _b("items.line_up", "up", N_("Previous line"), footer=False),
        _b("items.line_down", "down", N_("Next line"), footer=False),
        _b("payment.help", "f1", N_("Help")),
        _b("payment.cash", "f2", N_("Cash")),
        _b("payment.card", "f3", N_("Bank card")),
        _b("payment.wallet", "f4", N_("Wallet")),
        _b("payment.points", "f5", N_("Points")),  # offered for a member's sale (PaymentScreen.offered)
        _b("payment.back", "escape", N_("Back")),
        _b("payment.resolve", "f6", N_("Resolve")),
        _b("terminal.help", "f1", N_("Help")),
        _b("terminal.cancel", "escape", N_("Cancel")),
        _b("printing.reprint", "f9", N_("Reprint")),
    )
)


def apply_overrides(overrides: Mapping[str, str], base: Keymap = DEFAULT_KEYMAP) -> Keymap:
    """A keymap with ``{action id: key}`` overrides applied (the ``[keys]`` config table).

    Raises ValueError naming the action or key that is wrong: an unknown action, a
    key that is not a command key, or two actions of one screen on the same key.
    """
    known = {binding.action for binding in base.bindings}
    new_keys: dict[str, str] = {}
    for action, key in overrides.items():
        if action not in known:
            raise ValueError(f"keys.{action}: unknown action; actions are {', '.join(sorted(known))}")
        try:
            new_keys[action] = normalize_key(key)
        except ValueError as error:
            raise ValueError(f"keys.{action}: {error}") from None
    keymap = Keymap(
        tuple(
            replace(binding, key=new_keys[binding.action]) if binding.action in new_keys else binding
            for binding in base.bindings
        )
    )
    _check_unique_per_screen(keymap.bindings)
    return keymap


def _check_unique_per_screen(bindings: Iterable[KeyBinding]) -> None:
    owner: dict[tuple[str, str], str] = {}
    for binding in bindings:
        slot = (binding.screen, binding.key)
        if slot in owner:
            raise ValueError(
                f"keys: {binding.key!r} is bound to both {owner[slot]} and {binding.action}"
            )
        owner[slot] = binding.action


# Keys the app itself takes on every screen (PosApp.BINDINGS).
APP_KEYS = {"ctrl+q": "quit", "ctrl+c": "interrupt"}


def check_department_keys(keymap: Keymap, departments: Iterable[tuple[str, str]]) -> None:
    """Raise ValueError when a department's key (``(code, key)`` pairs) is already a command key of
    the item screen or of the app: two actions on one key, one of them never reachable."""
    taken = {binding.key: binding.action for binding in keymap.for_screen("items")} | APP_KEYS
    for code, key in departments:
        if key and key in taken:
            raise ValueError(f"departments.{code}.key: {key!r} is already the key of {taken[key]}")
