"""Fields kept in an optional part of their object, made on the first write of a value other than the default.

Memory (issue 12): a big failure wave holds ~100 000 queued tasks whose worker fields (a migration's destination
and progress) and ending fields (a task's end time, error, expiry) are all still defaults. Kept in a part object
that exists only once one is set, each such object is a pointer instead of a slot per field. Reads and writes look
like plain attributes; hot paths read the part once instead (``part = obj.run``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")


class PartField(Generic[T]):
    """A field of the part object in ``owner.<part>``: its class default while that is None; a write makes it."""

    def __init__(self, part: str, make: Callable[[], Any]) -> None:
        self.part = part
        self.make = make
        self.defaults = make()

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.default: T = getattr(self.defaults, name)

    @overload
    def __get__(self, obj: None, owner: type) -> PartField[T]: ...
    @overload
    def __get__(self, obj: object, owner: type) -> T: ...
    def __get__(self, obj: object | None, owner: type) -> T | PartField[T]:
        if obj is None:
            return self
        part = getattr(obj, self.part)
        return self.default if part is None else getattr(part, self.name)

    def __set__(self, obj: object, value: T) -> None:
        part = getattr(obj, self.part)
        if part is None:
            if value == self.default:
                return
            part = self.make()
            setattr(obj, self.part, part)
        setattr(part, self.name, value)
