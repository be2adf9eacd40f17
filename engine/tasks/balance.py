"""balance: every so often, if disks are unevenly filled, a round moves a few chunks off the fullest disks.

A round is a root task in module ``balance`` (scope ``cluster``, progress in chunks) with one migrate task per
chunk; the destination is the emptiest suitable disk, as Clustermgr would pick it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..taskmanager import Task
from .base import Context, shallow_fields
from .migrate import MigrateWork, Migrations

INTERVAL_S = 30.0
SPREAD_THRESHOLD = 0.15
CHUNKS_PER_ROUND = 3


@dataclass(slots=True, eq=False)
class BalanceRound:
    number: int
    total: int
    tm_id: str = ""
    migrated: int = 0
    failed: int = 0
    done: bool = False
    children: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {**shallow_fields(self), "kind": "balance_round"}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BalanceRound:
        return cls(**{k: v for k, v in data.items() if k != "kind"})


class Balance:
    modules = ("balance",)
    state_key = "balance"
    """Where :meth:`state` is kept among the store's settings."""

    def __init__(self, ctx: Context, migrations: Migrations) -> None:
        self.ctx = ctx
        self.migrations = migrations
        self.rounds = 0
        self.next_at = 0.0
        self.current: BalanceRound | None = None
        migrations.on_finished["balance"] = self._chunk_finished
        ctx.tm.register_module("balance", self.on_abort)

    def step(self, dt: float) -> None:
        ctx = self.ctx
        if not ctx.is_enabled("balance") or self.current is not None:
            return
        now = ctx.unix()
        if now < self.next_at:
            return
        self.next_at = now + INTERVAL_S
        if ctx.cluster.spread() < SPREAD_THRESHOLD:
            return
        picks: list[int] = []
        for disk in ctx.cluster.fullest_disks(CHUNKS_PER_ROUND * 2):
            free = [v for v in sorted(disk.chunks) if self.migrations.busy(v) is None]
            if free:
                picks.append(ctx.rng.choice(free))
            if len(picks) == CHUNKS_PER_ROUND:
                break
        if not picks:
            return
        self.rounds += 1
        round_ = BalanceRound(self.rounds, len(picks))
        root = ctx.tm.create(
            "balance",
            "balance",
            "cluster",
            entity=f"round {self.rounds}",
            progress_units="chunks",
            progress_total=len(picks),
            work=round_,
        )
        round_.tm_id = root.id
        ctx.tm.start(root)
        self.current = round_
        for vuid in picks:
            work = self.migrations.new_work("balance", vuid, direct_download=True)
            child = ctx.tm.create(
                "balance",
                "balance",
                "chunk",
                parent=root,
                node=ctx.cluster.hosts[ctx.cluster.disks[work.source_disk_id].host].ip,
                keyspace=work.source_idc,
                table=str(work.source_disk_id),
                entity=work.task_id,
                progress_units="bytes",
                progress_total=work.total_size,
                work=work,
            )
            work.tm_id = child.id
            round_.children.append(work.task_id)
            self.migrations.add(work)
        ctx.log("balance", f"round {self.rounds}: moving {len(picks)} chunks off the fullest disks")

    def _chunk_finished(self, work: MigrateWork, error: str | None) -> None:
        round_ = self.current
        if round_ is None or work.task_id not in round_.children:
            return
        if error is None:
            round_.migrated += 1
        else:
            round_.failed += 1
        root = self.ctx.tm.tasks.get(round_.tm_id)
        if root is not None:
            self.ctx.tm.progress(root, round_.migrated)
            self.ctx.tm.touch(root)
        if round_.migrated + round_.failed >= round_.total and not round_.done:
            round_.done = True
            self.current = None
            if root is not None:
                self.ctx.tm.finish(root, f"{round_.failed} of {round_.total} moves failed" if round_.failed else None)
            self.ctx.log("balance", f"round {round_.number} finished: {round_.migrated}/{round_.total} moved")

    def on_abort(self, task: Task) -> None:
        if isinstance(task.work, MigrateWork):
            self.migrations.abort(task.work)
        elif isinstance(task.work, BalanceRound) and not task.work.done:
            task.work.done = True
            if self.current is task.work:
                self.current = None

    def restore(self, task: Task, payload: dict[str, Any] | None) -> None:
        if not payload:
            return
        if payload.get("kind") == "balance_round":
            round_ = BalanceRound.from_json(payload)
            task.work = round_
            if not round_.done and not task.finished:
                self.current = round_
        elif payload.get("kind") == "migrate":
            work = MigrateWork.from_json(payload)
            task.work = work
            self.migrations.add(work)

    def state(self) -> dict[str, Any]:
        return {"rounds": self.rounds, "next_at": self.next_at}

    def load_state(self, data: dict[str, Any]) -> None:
        self.rounds = int(data.get("rounds", 0))
        self.next_at = float(data.get("next_at", 0.0))
