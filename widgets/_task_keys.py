"""The keys of the task view's lines: a task's line is keyed by its id (a ``str``), a module heading's by a
:class:`ModuleKey`, a type of its own, so that no task id can ever be taken for a module (or the other way round).
"""

from __future__ import annotations

from typing import Any, ClassVar, final

MODULE_PREFIX = "module:"
"""What ``str()`` of a module key starts with (module keys used to be such strings)."""


@final
class ModuleKey:
    """The key of a module heading. One instance per module name (made once, then reused), so equality and hashing
    are by identity, done in C: module keys share dicts with task ids on the index's hot paths."""

    __slots__ = ("name",)
    _made: ClassVar[dict[str, ModuleKey]] = {}
    name: str

    def __new__(cls, name: str) -> ModuleKey:
        key = cls._made.get(name)
        if key is None:
            key = object.__new__(cls)
            object.__setattr__(key, "name", name)
            cls._made[name] = key
        return key

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[type[ModuleKey], tuple[str]]:
        return (ModuleKey, (self.name,))  # a copy or an unpickled key is the same instance

    def __copy__(self) -> ModuleKey:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> ModuleKey:
        return self

    def __repr__(self) -> str:
        return f"ModuleKey({self.name!r})"

    def __str__(self) -> str:
        return MODULE_PREFIX + self.name


LineKey = str | ModuleKey
"""A visible line's key: a task id, or a module heading's key."""


def module_key(module: str) -> ModuleKey:
    return ModuleKey(module)
