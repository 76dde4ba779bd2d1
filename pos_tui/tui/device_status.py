"""The lane header's printer and terminal state, refreshed in the background.

Every ``DEVICE_CHECK_SECONDS`` the app asks for a check (``PosApp.check_devices``). It runs in a
thread worker, so a slow or dead device never holds up a scan, and only when nothing else uses the
devices: never during a card payment, a print or any other device job. The lane chooses what a
check may ask (``lane.devices.next_poll``): the card terminal only while no sale is open, so a
call can never be on the line when the cashier sends a payment. The result comes back as a
``DevicesChecked`` message and lands in the header.
"""

from __future__ import annotations

from pos_tui.i18n import N_

DEVICE_CHECK_SECONDS = 30.0
# What ``services.devices`` says about a device, marked for the catalog: the header translates
# these words each time it draws them.
DEVICE_WORDS = (N_("printer"), N_("terminal"), N_("ok"), N_("error"), N_("no answer"), N_("offline"),
                N_("paper out"), N_("paper low"), N_("cover open"))
