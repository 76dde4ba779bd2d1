"""Rich styles a line widget draws with, kept until its styles change.

``Widget.rich_style`` walks every ancestor, and ``refresh()`` empties the cache behind
``get_component_rich_style``: a widget redrawn on every scan would work both out again each time,
though neither changes between two scans. Here both are kept until ``notify_style_update`` (a
class, the theme or the stylesheet changed).
"""

from __future__ import annotations

from rich.style import Style
from textual.widget import Widget


class KeptStyles(Widget):
    """A widget that draws its lines itself (``render_line``) with these styles."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._kept_base: Style | None = None
        self._kept_parts: dict[str, Style] = {}

    @property
    def base_style(self) -> Style:
        """The widget's own style (``rich_style``)."""
        if self._kept_base is None:
            self._kept_base = self.rich_style
        return self._kept_base

    def part_style(self, component: str) -> Style:
        """A component class's style, partial (to add to ``base_style``)."""
        style = self._kept_parts.get(component)
        if style is None:
            style = self._kept_parts[component] = self.get_component_rich_style(component, partial=True)
        return style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._kept_base = None
        self._kept_parts.clear()
