"""Translate a real CubeFS scheduler's answers into the shared model (both released and master layouts)."""

from __future__ import annotations

from typing import Any

from engine.model import TasksStat

NOT_MIGRATING_TEXTS = ("not repairing disk", "not dropping disk")
NOTHING_TO_DO_STATUS = 700


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
