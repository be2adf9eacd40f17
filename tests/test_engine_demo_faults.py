"""The demo's fault injector only picks disks that can take the fault it injects."""

from __future__ import annotations

import random
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, TypeVar

from engine.model import DiskStatus
from engine.sim.cluster import Cluster, ClusterShape
from engine.sim.demo import REPLACE_AFTER_S, DemoFaults

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


def _quiet_demo(cluster: Cluster, clock: list[float]) -> DemoFaults:
    ctx: Any = SimpleNamespace(
        unix=lambda: clock[0], cluster=cluster, rng=random.Random(5), faults=None, log=lambda *_: None
    )
    demo = DemoFaults(ctx, break_disk=lambda _: None, drop_disk=lambda _: None)
    demo.load_state({"next": {"break": 1e12, "drop": 1e12, "worker": 1e12, "silence": 1e12}})
    return demo


def test_a_repaired_disk_is_replaced_by_an_empty_normal_one_a_while_after_it_finished() -> None:
    cluster = Cluster.generate(random.Random(4), ClusterShape())
    clock = [1_000.0]
    demo = _quiet_demo(cluster, clock)
    demo.step()  # a first look at the disks: none finished
    disk = next(iter(cluster.disks.values()))
    for vuid in list(disk.chunks):  # its chunks migrated away, then the repair says so
        disk.chunks.discard(vuid)
    cluster.set_status(disk, DiskStatus.REPAIRED)
    for seconds in (1.0, REPLACE_AFTER_S - 2.0):
        clock[0] += seconds
        demo.step()
        assert disk.status is DiskStatus.REPAIRED, "replaced only once it has been finished a while"
    clock[0] += 2.0
    demo.step()
    assert disk.status is DiskStatus.NORMAL and disk.used == disk.base_used < disk.capacity // 10


def test_a_finished_disk_waits_for_its_replacement_even_when_no_other_status_changes() -> None:
    cluster = Cluster.generate(random.Random(4), ClusterShape())
    clock = [1_000.0]
    demo = _quiet_demo(cluster, clock)
    disk = next(iter(cluster.disks.values()))
    for vuid in list(disk.chunks):
        disk.chunks.discard(vuid)
    cluster.set_status(disk, DiskStatus.DROPPED)
    demo.step()
    clock[0] += REPLACE_AFTER_S
    demo.step()
    assert disk.status is DiskStatus.NORMAL
