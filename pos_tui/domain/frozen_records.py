"""Frozen dataclasses whose methods are written once, here, instead of generated for each class.

``@dataclass(frozen=True)`` writes the source of six methods per class (``__init__``, ``__eq__``,
``__hash__``, ``__repr__``, ``__setattr__``, ``__delattr__``) and compiles each at import: ~0.13 ms a
method on a lane's CPU. The lane imports its config before its first frame, so its classes are
``@frozen_record`` instead: the same fields, defaults, equality, hash, repr and frozenness, with
``dataclasses.fields`` and ``replace`` working as before. Creating an instance costs a little more (a
loop over the fields), so the helper is for classes made a few times per run, not per scan.
"""

from __future__ import annotations

from dataclasses import MISSING, FrozenInstanceError, dataclass, fields
from reprlib import recursive_repr
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")


class FrozenRecord:
    """The base of ``@frozen_record`` classes (see the module)."""

    __slots__ = ()
    _record_fields: tuple[Any, ...] = ()  # set by frozen_record: the dataclass fields, in order
    _compared: tuple[str, ...] = ()
    _hashed: tuple[str, ...] = ()
    _shown: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        cls = type(self)
        record_fields = cls._record_fields
        if len(args) > len(record_fields):
            raise TypeError(f"{cls.__qualname__}() takes {len(record_fields)} positional arguments "
                            f"but {len(args)} were given")
        for field, value in zip(record_fields, args):
            if field.name in kwargs:
                raise TypeError(f"{cls.__qualname__}() got multiple values for argument {field.name!r}")
            object.__setattr__(self, field.name, value)
        for field in record_fields[len(args):]:
            if field.name in kwargs:
                value = kwargs.pop(field.name)
            elif field.default is not MISSING:
                value = field.default
            elif field.default_factory is not MISSING:
                value = field.default_factory()
            else:
                raise TypeError(f"{cls.__qualname__}() missing 1 required argument: {field.name!r}")
            object.__setattr__(self, field.name, value)
        if kwargs:
            raise TypeError(f"{cls.__qualname__}() got an unexpected keyword argument {next(iter(kwargs))!r}")
        post_init = getattr(self, "__post_init__", None)
        if post_init is not None:
            post_init()

    def _values(self, names: tuple[str, ...]) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in names)

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._values(self._compared) == other._values(self._compared)  # type: ignore[attr-defined]
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values(self._hashed))

    @recursive_repr()
    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._shown)
        return f"{self.__class__.__qualname__}({shown})"


@dataclass_transform(frozen_default=True)
def frozen_record(cls: type[T]) -> type[T]:
    """``@dataclass(frozen=True)`` for a subclass of ``FrozenRecord``, its methods shared (see the module)."""
    if not issubclass(cls, FrozenRecord):
        raise TypeError(f"{cls.__qualname__} must subclass FrozenRecord")
    if cls.__doc__ is None:  # (else dataclass builds one from inspect.signature: slow, and it would be "(*args, **kwargs)")
        cls.__doc__ = f"{cls.__name__}({', '.join(cls.__dict__.get('__annotations__', {}))})"
    dataclass(init=False, repr=False, eq=False)(cls)
    record_fields = fields(cls)
    cls._record_fields = record_fields
    cls._compared = tuple(f.name for f in record_fields if f.compare)
    cls._hashed = tuple(f.name for f in record_fields if (f.compare if f.hash is None else f.hash))
    cls._shown = tuple(f.name for f in record_fields if f.repr)
    return cls
