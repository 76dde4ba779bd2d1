"""pos-tui: a keyboard-only checkout lane for the terminal."""

__version__ = "0.1.0"
