"""Screens know their app only by a protocol (``LaneHost``, ``OfficeHost``): the apps must have all of it."""

from __future__ import annotations

from pathlib import Path

from pos_tui.demo import create_demo_store
from pos_tui.services.back_office import BackOffice
from pos_tui.services.lane import Lane
from pos_tui.store.db import close_database
from pos_tui.tui.admin.app import AdminApp
from pos_tui.tui.admin.screen import OfficeHost
from pos_tui.tui.app import PosApp
from pos_tui.tui.host import LaneHost


def members(protocol: type) -> set[str]:
    return {name for name in vars(protocol) if not name.startswith("_")} | set(protocol.__annotations__)


def missing(app: object, protocol: type) -> list[str]:
    """The protocol's members the app has neither as a class member nor as an attribute it set."""
    return [name for name in sorted(members(protocol)) if not hasattr(type(app), name) and name not in vars(app)]


def test_the_lane_app_has_everything_its_screens_use(tmp_path: Path):
    lane = Lane(create_demo_store(tmp_path))
    try:
        app = PosApp(lane)
        assert len(members(LaneHost)) > 30
        assert missing(app, LaneHost) == []
    finally:
        lane.events.close()
        close_database()


def test_the_back_office_app_has_everything_its_screens_use(tmp_path: Path):
    config = create_demo_store(tmp_path)
    try:
        app = AdminApp(BackOffice(config))
        assert missing(app, OfficeHost) == []
    finally:
        close_database()
