"""A department's code, as the catalog, the config's open-price departments and the promotions name it."""

from __future__ import annotations

MAX_DEPARTMENT_LENGTH = 32


def is_department_code(code: str) -> bool:
    """Whether ``code`` can name a department: 1 to 32 printable characters, no spaces ("DRINKS", "饮料")."""
    # Every space but " " is unprintable.
    return 0 < len(code) <= MAX_DEPARTMENT_LENGTH and code.isprintable() and " " not in code
