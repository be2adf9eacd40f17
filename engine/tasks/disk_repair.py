"""disk_repair: a broken disk's chunks are rebuilt from the other units of their volumes onto healthy disks."""

from __future__ import annotations

from ..model import DiskStatus
from .base import Context
from .disk_migration import DiskMigrationType
from .migrate import Migrations


def disk_repair(ctx: Context, migrations: Migrations) -> DiskMigrationType:
    return DiskMigrationType(ctx, migrations, "disk_repair", DiskStatus.REPAIRING, DiskStatus.REPAIRED)
