"""Which screen each area of the menu opens."""

from __future__ import annotations

from pos_tui.tui.admin.devices import DevicesScreen
from pos_tui.tui.admin.members import MembersScreen
from pos_tui.tui.admin.products import ProductsScreen
from pos_tui.tui.admin.promotions import PromotionsScreen
from pos_tui.tui.admin.reports import ReportsScreen
from pos_tui.tui.admin.sales import HeldScreen, PaymentsScreen, StorePaymentsScreen
from pos_tui.tui.admin.screen import AdminScreen
from pos_tui.tui.admin.users import UsersScreen

AREA_SCREENS: dict[str, type[AdminScreen]] = {
    "products": ProductsScreen,
    "users": UsersScreen,
    "reports": ReportsScreen,
    "held": HeldScreen,
    "payments": PaymentsScreen,
    "devices": DevicesScreen,
    "promotions": PromotionsScreen,
    "members": MembersScreen,
}

# On the store server: the same screens, but unknown payments are listed across lanes, read-only.
STORE_AREA_SCREENS: dict[str, type[AdminScreen]] = {**AREA_SCREENS, "payments": StorePaymentsScreen}
