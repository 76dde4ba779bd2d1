"""What the services answer with, by name, for the screens that draw it.

The TUI takes these types from here, never from store/ or devices/: a screen knows what it shows
without knowing where it is kept or which device said it. Import them under TYPE_CHECKING where
only annotations need them (this module loads the store).
"""

from __future__ import annotations

from pos_tui.devices.status import DeviceReport
from pos_tui.devices.status_line import DeviceState
from pos_tui.store.admin_queries import UnknownPayment
from pos_tui.store.catalog import ProductInfo
from pos_tui.store.returns import RefundAttempt, ReturnableLine, ReturnableSale
from pos_tui.store.sales import PaymentRecord, SaleRecord
from pos_tui.store.shifts import ShiftRecord
from pos_tui.store.users import UserInfo

__all__ = ["DeviceReport", "DeviceState", "PaymentRecord", "ProductInfo", "RefundAttempt",
           "ReturnableLine", "ReturnableSale", "SaleRecord", "ShiftRecord", "UnknownPayment", "UserInfo"]
