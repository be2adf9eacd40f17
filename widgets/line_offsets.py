"""Where each block of lines starts, when blocks keep changing size: running totals kept per chunk of blocks.

The task tree is a list of blocks (a module heading, or a root task with what is shown below it); a line number
maps to a block and back through the running totals of their sizes. A plain list of totals must be recomputed
from the first resized block to the end — 50 000 blocks, ~3 ms, on every refresh in which a repair's children
come or go. Here the sizes are cut into chunks of ``CHUNK`` blocks: a resize updates its chunk's total and the
short list of chunk starts; a lookup bisects the chunk starts, then the chunk's own running totals (cached until
the chunk changes). Building it is as cheap as the plain list was.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from itertools import accumulate

CHUNK = 256


class LineOffsets:
    """The sizes of consecutive blocks, with the line each starts at and the block holding each line."""

    __slots__ = ("_chunk_starts", "_chunk_totals", "_local", "_sizes")

    def __init__(self, sizes: Iterable[int]) -> None:
        self._sizes = list(sizes)
        self._chunk_totals = [sum(self._sizes[i : i + CHUNK]) for i in range(0, len(self._sizes), CHUNK)]
        self._chunk_starts: list[int] | None = None
        self._local: dict[int, list[int]] = {}
        """Chunk → the running totals of its sizes (starting at 0), made on first use."""

    def __len__(self) -> int:
        return len(self._sizes)

    @property
    def total(self) -> int:
        """Lines in all blocks."""
        starts = self._starts()
        return starts[-1]

    def size(self, number: int) -> int:
        return self._sizes[number]

    def start(self, number: int) -> int:
        """The first line of block ``number`` (``len(self)`` gives the total)."""
        chunk, offset = divmod(number, CHUNK)
        if offset == 0:
            return self._starts()[chunk]
        return self._starts()[chunk] + self._local_starts(chunk)[offset]

    def find(self, line: int) -> int:
        """The block holding ``line`` (0 <= line < total)."""
        starts = self._starts()
        chunk = bisect.bisect_right(starts, line) - 1
        local = self._local_starts(chunk)
        return chunk * CHUNK + bisect.bisect_right(local, line - starts[chunk]) - 1

    def resize(self, number: int, size: int) -> None:
        delta = size - self._sizes[number]
        if delta:
            self._sizes[number] = size
            chunk = number // CHUNK
            self._chunk_totals[chunk] += delta
            self._chunk_starts = None
            self._local.pop(chunk, None)

    def _starts(self) -> list[int]:
        starts = self._chunk_starts
        if starts is None:
            starts = self._chunk_starts = [0, *accumulate(self._chunk_totals)]
        return starts

    def _local_starts(self, chunk: int) -> list[int]:
        local = self._local.get(chunk)
        if local is None:
            base = chunk * CHUNK
            local = self._local[chunk] = [0, *accumulate(self._sizes[base : base + CHUNK])]
        return local
