"""Which task types each operation takes: the lists the engine checks against and the API documents as enums."""

from __future__ import annotations

from .cubefs import MIGRATE_TYPES, TaskType
from .distributed import DistributedType

CUBEFS_TYPES: tuple[str, ...] = tuple(t.value for t in TaskType)
DISTRIBUTED_TYPES: tuple[str, ...] = tuple(t.value for t in DistributedType)
SWITCHABLE_TYPES: tuple[str, ...] = tuple(t for t in CUBEFS_TYPES if t != TaskType.MANUAL_MIGRATE) + DISTRIBUTED_TYPES
"""Types with an ``enable`` switch (manual migrations cannot be switched off, as upstream)."""
FAULT_TYPES: tuple[str, ...] = CUBEFS_TYPES + DISTRIBUTED_TYPES
"""Types whose workers can be told to fail their next steps."""
DETAIL_TYPES: tuple[str, ...] = tuple(t.value for t in MIGRATE_TYPES)
"""Types ``/task/detail`` knows (migrate tasks)."""
DISK_MIGRATION_TYPES: tuple[str, ...] = (TaskType.DISK_REPAIR.value, TaskType.DISK_DROP.value)
JOB_TASK_TYPES: tuple[str, ...] = ("volume_inspect", "balance", "rebuild", "check_disk", "rebalance")
"""Task types a supervisor job can run: each is a bounded round that finishes (shard_repair/blob_delete never do)."""
