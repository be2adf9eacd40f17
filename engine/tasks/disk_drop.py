"""disk_drop: a disk set to drop has its chunks copied (direct download) to other disks, then it is dropped."""

from __future__ import annotations

from ..model import DiskStatus
from .base import Context
from .disk_migration import DiskMigrationType
from .migrate import Migrations


def disk_drop(ctx: Context, migrations: Migrations) -> DiskMigrationType:
    return DiskMigrationType(ctx, migrations, "disk_drop", DiskStatus.DROPPING, DiskStatus.DROPPED)
