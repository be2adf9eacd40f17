"""The demo's fault injector only picks disks that can take the fault it injects."""

from __future__ import annotations

import random
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, TypeVar

from engine.model import DiskStatus
from engine.sim.cluster import Cluster, ClusterShape
from engine.sim.demo import DemoFaults

T = TypeVar("T")


class FirstChoice(random.Random):
    """Picks the first candidate every time: the worst case for picking the same disk twice."""

    def choice(self, seq: Sequence[T]) -> T:
        return seq[0]


def test_a_disk_broken_in_a_step_is_never_also_dropped_in_that_step() -> None:
    cluster = Cluster.generate(random.Random(4), ClusterShape())
    dropped: list[DiskStatus] = []
    ctx: Any = SimpleNamespace(
        unix=lambda: 1_000.0,
        cluster=cluster,
        rng=FirstChoice(4),
        faults=SimpleNamespace(add=lambda *_: None),
        log=lambda *_: None,
    )
    demo = DemoFaults(
        ctx,
        break_disk=lambda disk_id: cluster.set_status(cluster.disks[disk_id], DiskStatus.BROKEN),
        drop_disk=lambda disk_id: dropped.append(cluster.disks[disk_id].status),
    )
    demo.load_state({"next": {"break": 0.0, "drop": 0.0, "worker": 1e9, "silence": 1e9}})
    demo.step()
    assert dropped == [DiskStatus.NORMAL], "the disk to drop was chosen among the disks still normal"
