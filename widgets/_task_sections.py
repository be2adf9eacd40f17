"""The task tree's lines as sections, one per module shown: its heading, then its root blocks in display order.

A section holds its roots in ascending sort order — when no filter is set, the very list the index keeps sorted and
patches by bisection — and lays them out reversed for a descending sort, so a root that appears, goes or moves
costs the index's one list insertion, not a new list of blocks. Most roots take one line; a section keeps only its
multi-line blocks (roots with open children), with the line each starts at, so a line number maps to a root by
arithmetic and one bisection, whatever the number of roots.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import accumulate

from ._task_keys import ModuleKey


class Section:
    """One module's heading and (open) its roots."""

    __slots__ = ("big", "blocks", "extra", "key", "open", "roots", "starts")

    def __init__(self, key: ModuleKey, roots: list[str], open_: bool) -> None:
        self.key = key
        self.roots = roots
        """The roots shown, in ascending sort order (empty when the module is collapsed)."""
        self.open = open_
        self.big: list[int] | None = None
        """Display places (ascending) of the multi-line root blocks; None until worked out (again)."""
        self.blocks: list[str] = []
        """Those roots, in the same order."""
        self.starts: list[int] | None = None
        """The line below the heading each of those blocks starts at; None until worked out (again)."""
        self.extra = 0
        """Lines those blocks take beyond one each."""


class Sections:
    """The sections in display order, and the line each starts at (worked out again when a section changed)."""

    __slots__ = ("numbers", "sections", "starts")

    def __init__(self, sections: list[Section]) -> None:
        self.sections = sections
        self.numbers = {section.key: number for number, section in enumerate(sections)}
        self.starts: list[int] | None = None

    def starts_of(self, lines_of: Callable[[Section], int]) -> list[int]:
        """Where each section starts, then the total (``lines_of`` gives a section's lines)."""
        starts = self.starts
        if starts is None:
            starts = self.starts = [0, *accumulate(map(lines_of, self.sections))]
        return starts

    def total(self, lines_of: Callable[[Section], int]) -> int:
        return self.starts_of(lines_of)[-1]
