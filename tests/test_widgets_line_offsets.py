"""The running totals behind the task view's line numbers agree with a plain prefix sum through any resizes."""

from __future__ import annotations

import random
from itertools import accumulate

from widgets.line_offsets import CHUNK, LineOffsets


def test_starts_and_lookups_match_a_plain_running_total_through_resizes() -> None:
    rng = random.Random(3)
    sizes = [rng.choice((1, 1, 1, 2, 30)) for _ in range(3 * CHUNK + 17)]
    offsets = LineOffsets(sizes)
    for _ in range(200):
        number = rng.randrange(len(sizes))
        sizes[number] = rng.randint(1, 40)
        offsets.resize(number, sizes[number])
        starts = [0, *accumulate(sizes)]
        assert offsets.total == starts[-1]
        for probe in (0, number, len(sizes) - 1, rng.randrange(len(sizes))):
            assert offsets.start(probe) == starts[probe]
            line = starts[probe] + rng.randrange(sizes[probe])
            assert offsets.find(line) == probe
        assert offsets.start(len(sizes)) == starts[-1]


def test_no_blocks_means_no_lines() -> None:
    assert LineOffsets([]).total == 0
