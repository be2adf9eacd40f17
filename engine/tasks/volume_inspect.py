"""volume_inspect: periodic rounds that check every volume's units; each check finishes or times out.

A round is a root task in module ``volume_inspect`` (scope ``cluster``, progress in volumes). Checks feed the
``finished_per_min`` and ``time_out_per_min`` rings; an injected fault makes the next checks time out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..taskmanager import Task
from .base import Context, shallow_fields

INTERVAL_S = 60.0
VOLUMES_PER_S = 2.0
TIMEOUT_RATE = 0.03


@dataclass(slots=True, eq=False)
class InspectRound:
    total: int
    tm_id: str = ""
    inspected: int = 0
    timed_out: int = 0
    carry: float = 0.0
    done: bool = False

    def to_json(self) -> dict[str, Any]:
        return {**shallow_fields(self), "kind": "inspect_round"}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InspectRound:
        return cls(**{k: v for k, v in data.items() if k != "kind"})


class VolumeInspect:
    modules = ("volume_inspect",)
    state_key = "volume_inspect"
    """Where :meth:`state` is kept among the store's settings."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.next_at = 0.0
        self.current: InspectRound | None = None
        ctx.tm.register_module("volume_inspect", self.on_abort)

    def step(self, dt: float) -> None:
        ctx = self.ctx
        if not ctx.is_enabled("volume_inspect"):
            return
        if self.current is None:
            if ctx.unix() < self.next_at:
                return
            self._start()
        round_ = self.current
        assert round_ is not None
        task = ctx.tm.tasks.get(round_.tm_id)
        round_.carry += VOLUMES_PER_S * dt
        count = min(int(round_.carry), round_.total - round_.inspected)
        round_.carry -= count
        unix = ctx.unix()
        for _ in range(count):
            if ctx.faults.step_error("volume_inspect", 0.0) or ctx.rng.random() < TIMEOUT_RATE:
                round_.timed_out += 1
                ctx.stats.add("volume_inspect", "time_out_per_min", unix)
            else:
                ctx.stats.add("volume_inspect", "finished_per_min", unix)
            round_.inspected += 1
        if task is not None and count:
            ctx.tm.progress(task, round_.inspected)
        if round_.inspected >= round_.total:
            round_.done = True
            self.current = None
            self.next_at = unix + INTERVAL_S
            if task is not None:
                ctx.tm.finish(task)
            ctx.log("volume_inspect", f"round done: {round_.inspected} volumes, {round_.timed_out} timed out")

    def _start(self) -> None:
        ctx = self.ctx
        round_ = InspectRound(total=len(ctx.cluster.volumes))
        task = ctx.tm.create(
            "volume_inspect",
            "volume_inspect",
            "cluster",
            entity=f"{round_.total} volumes",
            progress_units="volumes",
            progress_total=round_.total,
            work=round_,
        )
        round_.tm_id = task.id
        ctx.tm.start(task)
        self.current = round_

    def run_now(self) -> str:
        """Start a round at once (e.g. for a scheduled job); returns the task-manager id."""
        if self.current is None:
            self._start()
        assert self.current is not None
        return self.current.tm_id

    def on_abort(self, task: Task) -> None:
        if isinstance(task.work, InspectRound) and task.work is self.current:
            task.work.done = True
            self.current = None
            self.next_at = self.ctx.unix() + INTERVAL_S

    def restore(self, task: Task, payload: dict[str, Any] | None) -> None:
        if payload and payload.get("kind") == "inspect_round":
            round_ = InspectRound.from_json(payload)
            task.work = round_
            if not round_.done and not task.finished:
                self.current = round_

    def state(self) -> dict[str, Any]:
        return {"next_at": self.next_at}

    def load_state(self, data: dict[str, Any]) -> None:
        self.next_at = float(data.get("next_at", 0.0))
