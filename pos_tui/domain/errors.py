"""The one base class for every rule the domain refuses; the lane shows its message as it is."""


class DomainError(ValueError):
    """Bad input or a forbidden step; the message is one plain line naming what was wrong."""
