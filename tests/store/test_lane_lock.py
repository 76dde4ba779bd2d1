"""One running lane per lane number: the lock beside the database, and what a dead lane leaves."""

from __future__ import annotations

import os

import pytest

from pos_tui.store.lane_lock import LaneRunning, holding_lane, lane_running, lock_path


def test_a_second_holder_of_the_same_lane_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'pos.db'}"
    assert not lane_running(url, 1)
    with holding_lane(url, 1):
        assert lane_running(url, 1)
        assert not lane_running(url, 2)
        with pytest.raises(LaneRunning, match=r"^lane 01 is already running on this store \(another pos-tui has it open\)$"):
            with holding_lane(url, 1):
                pass
        with holding_lane(url, 2):  # another lane on the same store is another lock
            assert lane_running(url, 2)
    assert not lane_running(url, 1)
    with holding_lane(url, 1):  # free again once the first holder let go
        assert lock_path(url, 1) == tmp_path / "pos.db.lane-01.lock"


def test_a_killed_lane_leaves_no_lock_behind(tmp_path, held_by_another_process):
    url = f"sqlite:///{tmp_path / 'pos.db'}"
    holding = f"from pos_tui.store.lane_lock import holding_lane\nlock = holding_lane({url!r}, 1)\nlock.__enter__()"
    with held_by_another_process(holding):  # ended by SIGKILL: no clean-up runs
        assert lane_running(url, 1)
    assert not lane_running(url, 1)


def test_an_in_memory_store_has_no_lock():
    with holding_lane("sqlite:///:memory:", 1):
        assert not lane_running("sqlite:///:memory:", 1)


def test_a_lock_file_this_user_cannot_open_counts_as_running(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'pos.db'}"
    with holding_lane(url, 1):
        pass
    real_open = os.open

    def refused(path, *args, **kwargs):
        if str(path).endswith(".lock"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refused)
    assert lane_running(url, 1)
