"""Translate a real CubeFS scheduler's answers into the shared model (both released and master layouts), and read
its task ids (``<task type>-<disk>-<vuid>-<suffix>``, e.g. ``balance-2678-387752-cg08egoi5d8une4a6cp0``)."""

from __future__ import annotations

from typing import Any

from engine.model import MIGRATE_TYPES, TaskRow, TasksStat

NOT_MIGRATING_TEXTS = ("not repairing disk", "not dropping disk")
NOTHING_TO_DO_STATUS = 700
MIGRATE_TYPE_NAMES = frozenset(t.value for t in MIGRATE_TYPES)


def stats_from_wire(body: Any) -> TasksStat:
    """``/stats`` or ``/stats/leader``: the flat v3.3–v3.5 layout or master's ``{"blobnode": …, "shard": …}``."""
    if not isinstance(body, dict):
        raise ValueError(f"a CubeFS stats body must be a JSON object, got {type(body).__name__}")
    if "blobnode" in body:
        blobnode = body.get("blobnode") or {}
        if not isinstance(blobnode, dict):
            raise ValueError("the 'blobnode' section of a CubeFS stats body must be an object")
        return TasksStat.model_validate(blobnode)
    return TasksStat.model_validate(body)


def shard_repair_disks(body: Any) -> list[int]:
    """Master's nested layout also reports shard-node disks under repair; the flat layout has none."""
    if isinstance(body, dict) and isinstance(body.get("shard"), dict):
        section = body["shard"].get("shard_disk_repair") or {}
        return list(section.get("repairing_disks") or [])
    return []


def is_not_migrating(message: str) -> bool:
    """CubeFS answers 500 with this text for a disk that is not (or no longer) migrating: a normal answer."""
    return any(text in message for text in NOT_MIGRATING_TEXTS)


def detail_key(row: TaskRow) -> tuple[str, str] | None:
    """``(task type, CubeFS task id)`` to ask ``task_detail`` for when the row is a migrate task, else None.

    The CubeFS id is the row's entity (a disk-repair child names its migrate task there) or else its own id; it
    starts with a migrate type (disk_repair, disk_drop, balance, manual_migrate) followed by ``-`` and more.
    """
    for cubefs_id in (row.status.entity, row.status.id):
        task_type = cubefs_id.split("-", 1)[0]
        if task_type in MIGRATE_TYPE_NAMES and cubefs_id != task_type:
            return task_type, cubefs_id
    return None
