"""The cluster-and-faults family: the simulated disks, and the faults one can inject (break or drop a disk, fail
a type's next worker steps, silence a node)."""

from __future__ import annotations

from ..core import EngineCore, durable, whole
from ..errors import IllegalTaskType, InvalidArgument
from ..model import DiskInfo
from ..model.task_types import FAULT_TYPES


class FaultsFamily(EngineCore):
    async def disks(self) -> list[DiskInfo]:
        return [d.info() for d in self.cluster.disks.values()]

    @durable
    async def break_disk(self, disk_id: int) -> None:
        self._break(disk_id)

    @durable
    async def drop_disk(self, disk_id: int) -> None:
        self._drop(disk_id)

    @durable
    async def fail_next(self, task_type: str, count: int = 1) -> None:
        if task_type not in FAULT_TYPES:
            raise IllegalTaskType(f"illegal task type {task_type!r}")
        count = whole(count, "count")
        if not 1 <= count <= 1_000_000:
            raise InvalidArgument(f"count must be between 1 and 1000000, got {count}")
        self.faults.add(task_type, count)
        self._log(task_type, f"the next {count} worker step(s) will fail")

    @durable
    async def silence_node(self, host: str, silent: bool = True) -> None:
        if not isinstance(host, str):
            raise InvalidArgument(f"host must be text, got {host!r}")
        if not isinstance(silent, bool):
            raise InvalidArgument(f"silent must be true or false, got {silent!r}")
        found = self.cluster.host_by_name(host)
        if found is None:
            raise InvalidArgument(f"unknown node {host!r}")
        if found.silent != silent:
            found.silent = silent
            self.cluster.hosts_dirty = True
            self._log("cluster", f"node {found.url} {'stopped reporting' if silent else 'is back'}")
