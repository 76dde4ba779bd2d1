"""Weighed items and the scale: where a weighed line's weight comes from, and who may type one.

On a lane with a scale, scanning an item sold by weight does not add it: ``Items.enter`` raises
``NeedsWeight``, the screen asks the scale from a worker thread (``Items.weigh``, blocking, bounded
by ``[devices.scale] stable_timeout``) and adds the line with the steady weight
(``Items.add_weighed``): the line records that the weight came from the scale. An answer that is not
a steady weight above zero (not steady, nothing on it, below zero, over capacity, garbage, no answer)
is one plain line and no line is added.

With ``[devices.scale] manual_weight = false`` (the default) a typed weight ("1.25*4131") for a
weighed item needs a supervisor: one approval, one typed line, journaled with the approver. Without
a scale, or with ``manual_weight = true``, typed weights are the cashier's. A weight printed in a
label's barcode is the label scale's ("barcode").
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from pos_tui.domain.permissions import Action, Approval
from pos_tui.i18n import _
from pos_tui.services.errors import LaneError
from pos_tui.services.events import DeviceStateChanged
from pos_tui.services.lane.context import LaneContext

if TYPE_CHECKING:
    from pos_tui.devices.scale import WeightReading

SCALE, TYPED, BARCODE = "scale", "typed", "barcode"
# What the status line says of the scale after a read, by what went wrong (nothing: "ok").
_STATE_OF_KIND = {"silence": "no answer", "garbage": "error"}


class NeedsWeight(LaneError):
    """A weighed item scanned on a lane with a scale: ask the scale, then ``add_weighed``."""

    def __init__(self, code: str, name: str) -> None:
        self.code = code
        self.name = name
        super().__init__(_("Weighing {name}: keep it on the scale").format(name=name))


def refuse_unweighed(ctx: LaneContext, code: str, name: str) -> None:
    """A weighed item scanned without a weight: NeedsWeight when the lane has a scale."""
    if ctx.scale is not None:
        raise NeedsWeight(code, name)


def typed_weight_approved_by(ctx: LaneContext, approval: Approval | None) -> str | None:
    """Who approved a typed weight (None: the cashier may type it); PermissionDenied when the scale
    is required and no supervisor has approved it."""
    if ctx.scale is None or ctx.config.devices.scale.manual_weight:
        return None
    return ctx.authorize(Action.TYPED_WEIGHT, approval)


def read_scale(ctx: LaneContext, name: str, cancel: threading.Event | None = None) -> WeightReading:
    """Blocking: a steady weight for ``name``, or LaneError saying in plain words why not. The lane's
    status line hears when the scale stops answering and when it answers again."""
    from pos_tui.devices.ports import DeviceError
    from pos_tui.devices.scale import ScaleError

    scale = ctx.scale
    if scale is None:
        raise LaneError(_("this lane has no scale: type the weight, then * and the code"))
    try:
        reading = scale.read_stable(cancel)
    except ScaleError as exc:
        _note_state(ctx, _STATE_OF_KIND.get(exc.kind, "ok"))
        if cancel is not None and cancel.is_set():
            raise LaneError(_("Weighing stopped: {name} not added").format(name=name)) from None
        raise LaneError(_("{name} not added: {reason}").format(name=name, reason=exc)) from None
    except DeviceError as exc:
        _note_state(ctx, "offline")
        raise LaneError(_("{name} not added: {reason}").format(name=name, reason=exc)) from None
    _note_state(ctx, "ok")
    return reading


def probe_scale(ctx: LaneContext) -> None:
    """Ask the scale once (at start): the status line hears if it does not answer."""
    from pos_tui.devices.ports import DeviceError
    from pos_tui.devices.scale import ScaleError

    try:
        ctx.scale.check()
    except ScaleError as exc:
        _note_state(ctx, _STATE_OF_KIND.get(exc.kind, "ok"))
    except DeviceError:
        _note_state(ctx, "offline")


def _note_state(ctx: LaneContext, words: str) -> None:
    previous = getattr(ctx, "scale_words", "ok")
    ctx.scale_words = words
    if words != previous:
        ctx.publish(DeviceStateChanged(ctx.lane_no, "scale", words, words == "ok"))
