"""Injected faults: a worker failing the next N steps of a task type, silent nodes, random step failures.

Breaking or dropping a disk is a change of disk status (see the engine); this module decides, per work step,
whether a worker fails it and with which error, so that failures are seeded and reproducible.
"""

from __future__ import annotations

import random

WORKER_ERRORS = (
    "blobnode: get shard failed: read shard timeout",
    "blobnode: put shard failed: connection reset by peer",
    "worker: recover shards failed: not enough healthy shards",
    "blobnode: disk io error: input/output error",
)


class Faults:
    """Pending injected failures per task type, plus the random failure rate of a healthy worker."""

    def __init__(self, rng: random.Random, failure_rate_per_s: float = 0.002) -> None:
        self.rng = rng
        self.failure_rate_per_s = failure_rate_per_s
        self.fail_next: dict[str, int] = {}

    def add(self, task_type: str, count: int) -> None:
        self.fail_next[task_type] = self.fail_next.get(task_type, 0) + count

    def step_error(self, task_type: str, seconds: float) -> str | None:
        """The error a worker hits in a step of ``seconds`` of work, or None when the step succeeds."""
        pending = self.fail_next.get(task_type, 0)
        if pending > 0:
            self.fail_next[task_type] = pending - 1
            return "injected fault: worker failed the step"
        if self.failure_rate_per_s > 0 and self.rng.random() < self.failure_rate_per_s * seconds:
            return self.rng.choice(WORKER_ERRORS)
        return None
