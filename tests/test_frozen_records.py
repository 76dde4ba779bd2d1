"""frozen_records: a @frozen_record class behaves as the same class under @dataclass(frozen=True)."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from pos_tui.domain.frozen_records import FrozenRecord, frozen_record


@frozen_record
class Point(FrozenRecord):
    x: int
    y: int = 2
    tags: tuple[str, ...] = ()
    notes: dict[str, str] = dataclasses.field(default_factory=dict, compare=False, repr=False)


@dataclasses.dataclass(frozen=True)
class GeneratedPoint:
    x: int
    y: int = 2
    tags: tuple[str, ...] = ()
    notes: dict[str, str] = dataclasses.field(default_factory=dict, compare=False, repr=False)


@frozen_record
class Checked(FrozenRecord):
    """A record that checks itself after its fields are set."""

    amount: int

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError("amount must not be negative")


def test_fields_defaults_repr_and_equality_are_those_of_a_generated_dataclass():
    ours = Point(1, tags=("a",), notes={"n": "x"})
    theirs = GeneratedPoint(1, tags=("a",), notes={"n": "x"})
    assert repr(ours) == repr(theirs).replace("GeneratedPoint", "Point") == "Point(x=1, y=2, tags=('a',))"
    assert ours == Point(1, 2, ("a",))  # notes are not compared
    assert ours != Point(1, 3, ("a",))
    assert ours != theirs  # another class: as generated, not equal
    assert hash(ours) == hash(theirs) == hash((1, 2, ("a",)))
    assert Point(1).notes == {} and Point(1).notes is not Point(1).notes  # a fresh default each time
    assert [f.name for f in dataclasses.fields(ours)] == ["x", "y", "tags", "notes"]


def test_a_record_cannot_be_changed_but_can_be_replaced_copied_and_pickled():
    ours = Point(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ours.x = 5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del ours.y  # type: ignore[misc]
    assert dataclasses.replace(ours, y=7) == Point(1, 7)
    assert copy.deepcopy(ours) == ours
    assert pickle.loads(pickle.dumps(ours)) == ours


def test_wrong_arguments_are_refused_as_by_a_generated_init():
    with pytest.raises(TypeError, match="missing 1 required argument: 'x'"):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        Point(1, z=3)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="multiple values for argument 'x'"):
        Point(1, x=2)  # type: ignore[misc]
    with pytest.raises(TypeError, match="takes 4 positional arguments but 5 were given"):
        Point(1, 2, (), {}, 5)  # type: ignore[call-arg]


def test_post_init_runs_once_the_fields_are_set():
    assert Checked(3).amount == 3
    with pytest.raises(ValueError, match="must not be negative"):
        Checked(-1)
