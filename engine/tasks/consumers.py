"""shard_repair and blob_delete: long-running message consumers, one non-abortable root task each.

They count successes and failures per minute and group errors by kind (CubeFS's ``err_stats``). The task's
progress is messages handled out of handled + backlog; a disabled consumer handles nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..taskmanager import Task
from .base import Context, shallow_fields

PROFILES: dict[str, tuple[float, float, tuple[str, ...]]] = {
    # messages per simulated second, failure share, error messages (CubeFS keeps the text after the last ':')
    "blob_delete": (
        40.0,
        0.01,
        (
            "blobnode: delete shard failed: shard not exist",
            "blobnode: mark delete failed: connection refused",
            "proxy: delete blob: timeout",
        ),
    ),
    "shard_repair": (
        3.0,
        0.04,
        (
            "repair shard: get shards failed: timeout",
            "repair shard: recover failed: not enough healthy shards",
            "blobnode: put shard failed: disk is broken",
        ),
    ),
}


@dataclass(slots=True, eq=False)
class Consumer:
    task_type: str
    tm_id: str = ""
    handled: int = 0
    succeeded: int = 0
    failed: int = 0
    backlog: int = 0
    carry: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {**shallow_fields(self), "kind": "consumer"}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Consumer:
        return cls(**{k: v for k, v in data.items() if k != "kind"})


class Consumers:
    modules = ("shard_repair", "blob_delete")

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.consumers: dict[str, Consumer] = {}
        for module in self.modules:
            ctx.tm.register_module(module)

    def ensure_started(self) -> None:
        """One consumer task per type; created on a fresh store, restored otherwise."""
        for task_type in self.modules:
            consumer = self.consumers.get(task_type)
            if consumer is not None and consumer.tm_id in self.ctx.tm.tasks:
                continue
            consumer = Consumer(task_type)
            task = self.ctx.tm.create(
                task_type,
                task_type,
                "node",
                node="127.0.0.1",
                entity=f"{task_type} consumer",
                abortable=False,
                progress_units="messages",
                work=consumer,
            )
            consumer.tm_id = task.id
            self.ctx.tm.start(task)
            self.consumers[task_type] = consumer

    def step(self, dt: float) -> None:
        ctx = self.ctx
        unix = ctx.unix()
        for task_type, consumer in self.consumers.items():
            rate, failure_share, errors = PROFILES[task_type]
            consumer.backlog = max(0, consumer.backlog + int(ctx.rng.gauss(0, rate * dt * 0.3)))
            if not ctx.is_enabled(task_type):
                continue
            consumer.carry += rate * dt * ctx.rng.uniform(0.5, 1.5)
            count = int(consumer.carry)
            consumer.carry -= count
            failed = 0
            for _ in range(count):
                injected = ctx.faults.step_error(task_type, 0.0)
                if injected or ctx.rng.random() < failure_share:
                    failed += 1
                    ctx.stats.add_error(task_type, injected or ctx.rng.choice(errors))
            consumer.handled += count
            consumer.failed += failed
            consumer.succeeded += count - failed
            ctx.stats.add(task_type, "success_per_min", unix, count - failed)
            ctx.stats.add(task_type, "failed_per_min", unix, failed)
            task = ctx.tm.tasks.get(consumer.tm_id)
            if task is not None and count:
                ctx.tm.progress(task, consumer.handled, consumer.handled + consumer.backlog)

    def restore(self, task: Task, payload: dict[str, Any] | None) -> None:
        if payload and payload.get("kind") == "consumer" and not task.finished:
            consumer = Consumer.from_json(payload)
            task.work = consumer
            self.consumers[consumer.task_type] = consumer

    def on_abort(self, task: Task) -> None:
        """Consumers are not abortable."""
