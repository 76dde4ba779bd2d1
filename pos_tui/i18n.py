"""The words a cashier or operator reads, in the store's language: gettext over the catalogs
shipped in ``pos_tui/locale`` (domain "pos_tui"). English is the source language and the default.

Messages are looked up when they are built, never at import, so ``set_language`` at start-up
(after the config is read) changes every message from then on. Messages with values use named
placeholders, filled after the lookup so a translation may put them in its own order::

    _("Added {name} x {qty}").format(name=name, qty=qty)

Strings kept in tables at import (state reasons, role names) are marked with ``N_`` so the catalog
check finds them, and looked up with ``_`` where they are shown.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DOMAIN = "pos_tui"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "zh_CN")
DEFAULT_LANGUAGE = "en"


class LanguageError(ValueError):
    """A language the package has no catalog for."""


_language = DEFAULT_LANGUAGE
_translations: gettext.NullTranslations = gettext.NullTranslations()
_loaded: dict[str, gettext.NullTranslations] = {DEFAULT_LANGUAGE: _translations}


def _catalog(code: str) -> gettext.NullTranslations:
    if code not in LANGUAGES:
        raise LanguageError(f"language must be one of {', '.join(LANGUAGES)}, got {code!r}")
    if code not in _loaded:
        # fallback=False: a missing .mo is a broken install, not a reason to show English silently
        _loaded[code] = gettext.translation(DOMAIN, LOCALE_DIR, languages=[code])
    return _loaded[code]


def set_language(code: str) -> str:
    """Show every message from now on in ``code`` ("en" or "zh_CN"); returns the language it replaced."""
    global _language, _translations
    translations = _catalog(code)
    previous, _language, _translations = _language, code, translations
    return previous


def current_language() -> str:
    return _language


@contextmanager
def using_language(code: str) -> Iterator[None]:
    """Messages in ``code`` inside the block, the language before it afterwards."""
    previous = set_language(code)
    try:
        yield
    finally:
        set_language(previous)


def _(message: str) -> str:
    """``message`` (an English msgid) in the current language."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the current language."""
    return _translations.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language where one English word has two meanings: ``context``
    says which ("receipt: card number" for "Card", not the payment method)."""
    return _translations.pgettext(context, message)


CONTEXT_SEPARATOR = "\x04"


def NP_(context: str, message: str) -> str:
    """Mark a message with its context for translation later (a key's label in a table); shown
    through ``translated``."""
    return f"{context}{CONTEXT_SEPARATOR}{message}"


def translated(marked: str) -> str:
    """A message marked with ``N_`` or ``NP_``, in the current language."""
    if CONTEXT_SEPARATOR in marked:
        context, message = marked.split(CONTEXT_SEPARATOR, 1)
        return pgettext(context, message)
    return _(marked)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it yet (translate it with ``_`` when shown)."""
    return message
