"""Compact containers for the cluster's chunk placement: a 10 000-disk cluster holds ~280 000 chunks.

Python sets and lists of tuples cost ~80 bytes a chunk on disks and ~90 on volumes; these keep the numbers in
machine arrays (8 bytes each) behind the same small interface, which is all the engine uses.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, MutableSet


class ChunkSet(MutableSet[int]):
    """The vuids on one disk: a set in behaviour, an unsorted array of 64-bit numbers in memory.

    A disk holds tens of chunks, so the linear scans of ``add`` and ``discard`` cost less than a hash set's
    bookkeeping would.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[int] = ()) -> None:
        self._items = array("Q")
        for item in items:
            self.add(item)

    def __contains__(self, item: object) -> bool:
        return item in self._items

    def __iter__(self) -> Iterator[int]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def add(self, value: int) -> None:
        if value not in self._items:
            self._items.append(value)

    def add_new(self, value: int) -> None:
        """Add a value known not to be in the set yet (a freshly made vuid): no scan for it first."""
        self._items.append(value)

    def discard(self, value: int) -> None:
        if value in self._items:
            self._items.remove(value)

    def __repr__(self) -> str:
        return f"ChunkSet({sorted(self._items)})"


class Units:
    """A volume's units: ``units[index]`` is ``(vuid, disk_id)``, kept in two arrays of 64-bit numbers (``vuids``
    and ``disk_ids``, read directly where a million lookups would each build a tuple)."""

    __slots__ = ("disk_ids", "vuids")

    def __init__(self, units: Iterable[tuple[int, int]] = ()) -> None:
        self.vuids = array("Q")
        self.disk_ids = array("Q")
        for vuid, disk_id in units:
            self.vuids.append(vuid)
            self.disk_ids.append(disk_id)

    @classmethod
    def of(cls, vuids: list[int], disk_ids: list[int]) -> Units:
        """Units from their vuids and disk ids, in unit order (the arrays filled in one call each)."""
        units = cls()
        units.vuids.extend(vuids)
        units.disk_ids.extend(disk_ids)
        return units

    def __len__(self) -> int:
        return len(self.vuids)

    def __getitem__(self, index: int) -> tuple[int, int]:
        return self.vuids[index], self.disk_ids[index]

    def __setitem__(self, index: int, unit: tuple[int, int]) -> None:
        self.vuids[index], self.disk_ids[index] = unit

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return zip(self.vuids, self.disk_ids, strict=True)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Units):
            return self.vuids == other.vuids and self.disk_ids == other.disk_ids
        if isinstance(other, list | tuple):
            return list(self) == [tuple(unit) for unit in other]
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like the list it replaces

    def __repr__(self) -> str:
        return f"Units({list(self)})"
