"""The CubeFS blobstore scheduler's wire format: ``/stats``, task detail, disk migration progress, manual migrate."""

from __future__ import annotations

from enum import IntEnum, StrEnum

from pydantic import ConfigDict, Field, JsonValue, StrictBool, field_validator

from .base import REQUEST_CONFIG, WireModel, excerpt
from .formats import PerMinute, PerMinuteBytes, zeros

UINT64_MAX = 2**64 - 1
UINT32_MAX = 2**32 - 1
VUID_MAX_DIGITS = len(str(UINT64_MAX))
"""20: the most decimal digits a vuid given as text may have, checked before converting it (a text of thousands of
digits would otherwise meet Python's own limit on converting text to int, with a message about that instead)."""


class TaskType(StrEnum):
    """CubeFS background task types (``proto.TaskType``)."""

    DISK_REPAIR = "disk_repair"
    DISK_DROP = "disk_drop"
    BALANCE = "balance"
    MANUAL_MIGRATE = "manual_migrate"
    VOLUME_INSPECT = "volume_inspect"
    SHARD_REPAIR = "shard_repair"
    BLOB_DELETE = "blob_delete"


MIGRATE_TYPES = (TaskType.DISK_REPAIR, TaskType.DISK_DROP, TaskType.BALANCE, TaskType.MANUAL_MIGRATE)
"""The task types whose unit of work is a chunk migration (``/task/detail`` answers for these)."""


class MigrateState(IntEnum):
    """``MigrateState`` 1–5 of CubeFS (Go ``iota + 1``)."""

    INITED = 1
    PREPARED = 2
    WORK_COMPLETED = 3
    FINISHED = 4
    FINISHED_IN_ADVANCE = 5

    @property
    def is_final(self) -> bool:
        return self in (MigrateState.FINISHED, MigrateState.FINISHED_IN_ADVANCE)


class CodeMode(IntEnum):
    """Erasure-code modes of ``codemode.go``; the name gives data (N), parity (M) and local (L) units."""

    EC15P12 = 1
    EC6P6 = 2
    EC16P20L2 = 3
    EC6P10L2 = 4
    EC6P3L3 = 5
    EC6P6Align0 = 6
    EC6P6Align512 = 7
    EC4P4L2 = 8
    EC12P4 = 9
    EC16P4 = 10
    EC3P3 = 11
    EC10P4 = 12
    EC6P3 = 13
    EC12P9 = 14
    EC24P8 = 15
    Replica3 = 100
    Replica3OneAZ = 101
    EC6P6L9 = 200
    EC6P8L10 = 201
    Replica4TwoAZ = 202

    @property
    def shape(self) -> tuple[int, int, int]:
        """(data units N, parity units M, local units L)."""
        name = self.name
        if name.startswith("Replica"):
            copies = int(name[len("Replica")])
            return (1, copies - 1, 0)
        body = name[2:].split("Align")[0]
        n, rest = body.split("P")
        m, _, l_units = rest.partition("L")
        return (int(n), int(m), int(l_units or 0))

    @property
    def unit_count(self) -> int:
        n, m, local = self.shape
        return n + m + local


def make_vuid(vid: int, index: int, epoch: int) -> int:
    """``vuid = vid<<32 | index<<24 | epoch`` (epoch is 24 bits)."""
    if not (0 <= vid <= UINT32_MAX and 0 <= index < 256 and 0 <= epoch < 2**24):
        raise ValueError("vid must fit 32 bits, index 8 bits and epoch 24 bits")
    return (vid << 32) | (index << 24) | epoch


def split_vuid(vuid: int) -> tuple[int, int, int]:
    """The (vid, index, epoch) inside a vuid."""
    return vuid >> 32, (vuid >> 24) & 0xFF, vuid & 0xFFFFFF


class _Wire(WireModel):
    model_config = ConfigDict(populate_by_name=True, use_enum_values=False)


class StatsPerMin(_Wire):
    finished_cnt: PerMinute = Field(default_factory=zeros)
    shard_cnt: PerMinute = Field(default_factory=zeros)
    data_amount_byte: PerMinuteBytes = Field(default_factory=zeros)


class MigrateTasksStat(_Wire):
    """The queue counters every migrate-type section shares (``MigrateTasksStat`` embedded upstream)."""

    preparing_cnt: int = 0
    worker_doing_cnt: int = 0
    finishing_cnt: int = 0
    stats_per_min: StatsPerMin = Field(default_factory=StatsPerMin)


# The sections below repeat the counters instead of inheriting them so that fields serialise in the seed's order.


class DiskRepairStats(_Wire):
    enable: bool = True
    repairing_disks: list[int] | None = Field(default_factory=list)
    total_tasks_cnt: int = 0
    repaired_tasks_cnt: int = 0
    preparing_cnt: int = 0
    worker_doing_cnt: int = 0
    finishing_cnt: int = 0
    stats_per_min: StatsPerMin = Field(default_factory=StatsPerMin)


class DiskDropStats(_Wire):
    enable: bool = True
    dropping_disks: list[int] | None = Field(default_factory=list)
    total_tasks_cnt: int = 0
    dropped_tasks_cnt: int = 0
    preparing_cnt: int = 0
    worker_doing_cnt: int = 0
    finishing_cnt: int = 0
    stats_per_min: StatsPerMin = Field(default_factory=StatsPerMin)


class BalanceStats(_Wire):
    enable: bool = True
    preparing_cnt: int = 0
    worker_doing_cnt: int = 0
    finishing_cnt: int = 0
    stats_per_min: StatsPerMin = Field(default_factory=StatsPerMin)


class ManualMigrateStats(MigrateTasksStat):
    """Manual migration has no ``enable`` field upstream: it is always on."""


class VolumeInspectStats(_Wire):
    enable: bool = False
    finished_per_min: PerMinute = Field(default_factory=zeros)
    time_out_per_min: PerMinute = Field(default_factory=zeros)


class ErrorRateStats(_Wire):
    """``shard_repair`` and ``blob_delete``: success/failed per minute and the error breakdown."""

    enable: bool = True
    success_per_min: PerMinute = Field(default_factory=zeros)
    failed_per_min: PerMinute = Field(default_factory=zeros)
    total_err_cnt: int = 0
    err_stats: list[str] | None = None


class TasksStat(_Wire):
    """The body of ``GET /stats`` and ``/stats/leader`` (released flat layout).

    A follower's ``/stats`` carries only ``shard_repair`` and ``blob_delete``; the other keys are then absent.
    """

    disk_repair: DiskRepairStats | None = None
    disk_drop: DiskDropStats | None = None
    balance: BalanceStats | None = None
    manual_migrate: ManualMigrateStats | None = None
    volume_inspect: VolumeInspectStats | None = None
    shard_repair: ErrorRateStats | None = None
    blob_delete: ErrorRateStats | None = None

    def to_wire(self) -> dict[str, JsonValue]:
        """JSON as upstream sends it: absent sections left out, ``null`` kept inside sections (``err_stats``)."""
        return {key: value for key, value in self.model_dump(mode="json").items() if value is not None}


class VunitLocation(_Wire):
    vuid: int = 0
    host: str = ""
    disk_id: int = 0


class MigrateTask(_Wire):
    """``MigrateTask`` of ``/task/detail/:type/:id``; ctime/mtime are Go ``time.String()`` text."""

    task_id: str
    task_type: TaskType
    state: MigrateState
    code_mode: int
    source_idc: str
    source_disk_id: int
    source_vuid: int
    sources: list[VunitLocation]
    destination: VunitLocation = Field(default_factory=VunitLocation)
    ctime: str = ""
    mtime: str = ""
    forbidden_direct_download: bool = False
    worker_redo_cnt: int = 0
    finish_advance_reason: str = ""


class TaskStatistics(_Wire):
    done_count: int = 0
    done_size: int = 0
    progress: int = 0
    total_count: int = 0
    total_size: int = 0


class MigrateTaskDetail(_Wire):
    task: MigrateTask
    stat: TaskStatistics = Field(default_factory=TaskStatistics)


class DiskMigratingStats(_Wire):
    total_tasks_cnt: int
    migrated_tasks_cnt: int


class ManualMigrateRequest(_Wire):
    """Body of ``POST /manual/migrate/task/add``."""

    model_config = REQUEST_CONFIG

    vuid: int = Field(ge=1, le=UINT64_MAX, description="chunk id, an unsigned 64-bit integer")
    direct_download: StrictBool = False

    @field_validator("vuid", mode="before")
    @classmethod
    def _integer_only(cls, value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError("vuid must be an unsigned 64-bit integer")
        if isinstance(value, str):
            text = value.strip()
            # isascii as well: isdigit also holds for superscripts and other scripts' digits.
            if not (text.isascii() and text.isdigit()):
                raise ValueError(f"vuid must be an unsigned 64-bit integer, got '{excerpt(value)}'")
            if len(text) > VUID_MAX_DIGITS:
                raise ValueError(
                    f"vuid must be an unsigned 64-bit integer (at most {VUID_MAX_DIGITS} digits), "
                    f"got {len(text)} digits"
                )
            return int(text)
        return value


class CubeError(_Wire):
    """CubeFS error body: ``{"error": msg, "code": "<string code>"}`` (code omitted when empty)."""

    error: str
    code: str | None = None
