"""One CubeFS migrate task's payload (:class:`MigrateWork`): its fields, its detail and statistics, its store forms.

Memory (issue 12): a failure wave queues ~100 000 of these, nearly all waiting in the prepare queue. The five fields
a disk's chunks share (type, code mode, IDC, disk, direct download) are one interned tuple (``origin``), and the
eight a worker fills in (destination, progress, redos, errors) live in a :class:`MigrateRun` made when the task is
first given one — 216 → 128 bytes a queued task. Both read and write as plain attributes.
"""

from __future__ import annotations

import inspect
from datetime import datetime
from typing import Any, Generic, TypeVar, overload

from ..jsontext import encode, json_num, json_str, json_time
from ..model import MigrateState, MigrateTask, MigrateTaskDetail, TaskStatistics, TaskType, VunitLocation, split_vuid
from ..model.formats import format_go_time
from ..optional_part import PartField
from ..store_protocol import MIGRATE_TAIL_FIELDS as TAIL_FIELDS

Origin = tuple[str, int, str, int, bool]
"""task_type, code_mode, source_idc, source_disk_id, forbidden_direct_download."""

_ORIGINS: dict[Origin, Origin] = {}
ORIGINS_KEPT = 65_536
"""Past this many distinct origins the table starts over (works keep theirs)."""


def interned_origin(origin: Origin) -> Origin:
    """The one shared origin equal to ``origin``."""
    shared = _ORIGINS.get(origin)
    if shared is None:
        if len(_ORIGINS) >= ORIGINS_KEPT:
            _ORIGINS.clear()
        shared = _ORIGINS[origin] = origin
    return shared


class MigrateRun:
    """What a worker fills in: the destination, the bytes done, redos and errors (absent while queued)."""

    __slots__ = (
        "dest_disk_id",
        "dest_host",
        "dest_vuid",
        "done_size",
        "finish_advance_reason",
        "finish_left",
        "last_error",
        "worker_redo_cnt",
    )

    def __init__(self) -> None:
        self.dest_disk_id = 0
        self.dest_host = ""
        self.dest_vuid = 0
        self.done_size = 0
        self.worker_redo_cnt = 0
        self.finish_advance_reason = ""
        self.finish_left = 0.0
        self.last_error = ""


_RUN_DEFAULTS = MigrateRun()
_STATE_JSON = {state: str(int(state)) for state in MigrateState}
_ORIGIN_JSON: dict[tuple[Any, ...], tuple[str, str]] = {}
"""The stored head's text of the origin fields tasks share by the thousand (task_type to source_idc;
forbidden_direct_download), by (task_type, code_mode, source_idc, forbidden_direct_download): a few dozen (the
source disk, one of thousands, is written per task)."""


def _origin_json(key: tuple[Any, ...]) -> tuple[str, str]:
    task_type, code_mode, source_idc, forbidden_direct_download = key
    parts = (
        encode({"task_type": task_type, "code_mode": code_mode, "source_idc": source_idc})[1:-1],
        encode({"forbidden_direct_download": forbidden_direct_download})[1:-1],
    )
    if len(_ORIGIN_JSON) >= 4096:  # user-made IDC names cannot grow it forever
        _ORIGIN_JSON.clear()
    _ORIGIN_JSON[key] = parts
    return parts


T = TypeVar("T")


class _OriginField(Generic[T]):
    """One field of the shared ``origin`` tuple, read-only."""

    def __init__(self, at: int) -> None:
        self.at = at

    @overload
    def __get__(self, work: None, owner: type) -> _OriginField[T]: ...
    @overload
    def __get__(self, work: MigrateWork, owner: type) -> T: ...
    def __get__(self, work: MigrateWork | None, owner: type) -> T | _OriginField[T]:
        if work is None:
            return self
        return work.origin[self.at]  # type: ignore[return-value]


class MigrateWork:
    """One CubeFS migrate task and its worker progress."""

    __slots__ = (
        "ctime",
        "head_stored",
        "mtime",
        "origin",
        "rate",
        "run",
        "source_vuid",
        "state",
        "task_id",
        "tm_id",
        "total_count",
        "total_size",
    )

    task_type: _OriginField[str] = _OriginField(0)
    code_mode: _OriginField[int] = _OriginField(1)
    source_idc: _OriginField[str] = _OriginField(2)
    source_disk_id: _OriginField[int] = _OriginField(3)
    forbidden_direct_download: _OriginField[bool] = _OriginField(4)
    dest_disk_id: PartField[int] = PartField("run", MigrateRun)
    dest_host: PartField[str] = PartField("run", MigrateRun)
    dest_vuid: PartField[int] = PartField("run", MigrateRun)
    done_size: PartField[int] = PartField("run", MigrateRun)
    worker_redo_cnt: PartField[int] = PartField("run", MigrateRun)
    finish_advance_reason: PartField[str] = PartField("run", MigrateRun)
    finish_left: PartField[float] = PartField("run", MigrateRun)
    last_error: PartField[str] = PartField("run", MigrateRun)

    head_stored: bool
    """The store holds this payload's head (see ``head_json``); not itself stored."""
    run: MigrateRun | None

    def __init__(
        self,
        task_id: str,
        task_type: str,
        state: MigrateState,
        code_mode: int,
        source_idc: str,
        source_disk_id: int,
        source_vuid: int,
        forbidden_direct_download: bool,
        ctime: datetime,
        mtime: datetime,
        total_size: int,
        total_count: int,
        rate: float,
        tm_id: str = "",
        dest_disk_id: int = 0,
        dest_host: str = "",
        dest_vuid: int = 0,
        done_size: int = 0,
        worker_redo_cnt: int = 0,
        finish_advance_reason: str = "",
        finish_left: float = 0.0,
        last_error: str = "",
        head_stored: bool = False,
    ) -> None:
        self.task_id = task_id
        self.origin = interned_origin((task_type, code_mode, source_idc, source_disk_id, forbidden_direct_download))
        self.state = state
        self.source_vuid = source_vuid
        self.ctime = ctime
        self.mtime = mtime
        self.total_size = total_size
        self.total_count = total_count
        self.rate = rate
        self.tm_id = tm_id
        self.head_stored = head_stored
        if not (
            dest_disk_id or dest_host or dest_vuid or done_size or worker_redo_cnt or finish_advance_reason
        ) and not (finish_left or last_error):
            self.run = None  # queued: the usual case, ~100 000 of them in a failure wave
            return
        self.run = run = MigrateRun()
        run.dest_disk_id, run.dest_host, run.dest_vuid, run.done_size = dest_disk_id, dest_host, dest_vuid, done_size
        run.worker_redo_cnt, run.finish_advance_reason = worker_redo_cnt, finish_advance_reason
        run.finish_left, run.last_error = finish_left, last_error

    @classmethod
    def queued(
        cls,
        task_id: str,
        origin: Origin,
        source_vuid: int,
        now: datetime,
        total_size: int,
        total_count: int,
        rate: float,
    ) -> MigrateWork:
        """A new queued (``inited``) work with its origin already interned (:func:`interned_origin`): what
        ``MigrateWork(...)`` makes of it, without the keyword arguments (a disk job makes one per chunk)."""
        work = cls.__new__(cls)
        work.task_id, work.origin, work.state, work.source_vuid = task_id, origin, MigrateState.INITED, source_vuid
        work.ctime = work.mtime = now
        work.total_size, work.total_count, work.rate = total_size, total_count, rate
        work.tm_id, work.head_stored, work.run = "", False, None
        return work

    def __repr__(self) -> str:
        return f"MigrateWork(task_id={self.task_id!r}, state={self.state!r}, done_size={self.done_size})"

    @property
    def vid(self) -> int:
        return split_vuid(self.source_vuid)[0]

    @property
    def index(self) -> int:
        return split_vuid(self.source_vuid)[1]

    @property
    def done_count(self) -> int:
        if self.total_size == 0:
            return self.total_count
        return self.total_count * self.done_size // self.total_size

    @property
    def final(self) -> bool:
        return self.state in (MigrateState.FINISHED, MigrateState.FINISHED_IN_ADVANCE)

    def statistics(self) -> TaskStatistics:
        progress = 100 if self.total_size == 0 else self.done_size * 100 // self.total_size
        return TaskStatistics(
            done_count=self.done_count,
            done_size=self.done_size,
            progress=progress,
            total_count=self.total_count,
            total_size=self.total_size,
        )

    def detail(self, sources: list[VunitLocation]) -> MigrateTaskDetail:
        destination = VunitLocation(vuid=self.dest_vuid, host=self.dest_host, disk_id=self.dest_disk_id)
        task = MigrateTask(
            task_id=self.task_id,
            task_type=TaskType(self.task_type),
            state=self.state,
            code_mode=self.code_mode,
            source_idc=self.source_idc,
            source_disk_id=self.source_disk_id,
            source_vuid=self.source_vuid,
            sources=sources,
            destination=destination,
            ctime=format_go_time(self.ctime),
            mtime=format_go_time(self.mtime),
            forbidden_direct_download=self.forbidden_direct_download,
            worker_redo_cnt=self.worker_redo_cnt,
            finish_advance_reason=self.finish_advance_reason,
        )
        return MigrateTaskDetail(task=task, stat=self.statistics())

    def to_json(self) -> dict[str, Any]:
        return {**self._identity(), **self._changing()}

    def head_json(self) -> str:
        """The store's head: the JSON object of the fields fixed at creation, written once with its task's head
        (``encode`` of :meth:`_identity`, byte for byte; type, code mode, IDC and download rule as text cached per
        mix of them, the rest per work). Like ``Task.head_json``, the numbers are written inline: a call each was
        several per cent of a flush."""
        task_type, code_mode, source_idc, disk, forbidden = self.origin
        key = (task_type, code_mode, source_idc, forbidden)
        parts = _ORIGIN_JSON.get(key)
        if parts is None:
            parts = _origin_json(key)
        type_to_idc, download = parts
        vuid, size, count = self.source_vuid, self.total_size, self.total_count
        return (
            f'{{"task_id": {json_str(self.task_id)}, {type_to_idc}, '
            f'"source_disk_id": {disk if disk.__class__ is int else json_num(disk)}, '
            f'"source_vuid": {vuid if vuid.__class__ is int else json_num(vuid)}, {download}, '
            f'"ctime": {json_time(self.ctime)}, "total_size": {size if size.__class__ is int else json_num(size)}, '
            f'"total_count": {count if count.__class__ is int else json_num(count)}, "rate": {json_num(self.rate)}, '
            '"kind": "migrate"}'
        )

    def tail_json(self) -> str:
        """``json.dumps`` of the changing fields' values as an array in :data:`TAIL_FIELDS` order (see
        ``Task.tail_json``)."""
        run = self.run if self.run is not None else _RUN_DEFAULTS  # read once: the store writes this on every change
        # The int fields (ints but for a bad restore) written as ints are without a call each: a flush writes
        # thousands of these.
        disk, vuid, done, redo = run.dest_disk_id, run.dest_vuid, run.done_size, run.worker_redo_cnt
        return (
            f"[{_STATE_JSON[self.state]}, {json_time(self.mtime)}, {json_str(self.tm_id)}, "
            f"{disk if disk.__class__ is int else json_num(disk)}, {json_str(run.dest_host)}, "
            f"{vuid if vuid.__class__ is int else json_num(vuid)}, {done if done.__class__ is int else json_num(done)}, "
            f"{redo if redo.__class__ is int else json_num(redo)}, {json_str(run.finish_advance_reason)}, "
            f"{json_num(run.finish_left)}, {json_str(run.last_error)}]"
        )

    @staticmethod
    def stored_json(head: dict[str, Any], tail: list[Any]) -> dict[str, Any]:
        """The ``to_json`` form of a stored head and tail."""
        head.update(zip(TAIL_FIELDS, tail, strict=True))
        return head

    def _identity(self) -> dict[str, Any]:
        task_type, code_mode, source_idc, source_disk_id, forbidden_direct_download = self.origin
        return {
            "task_id": self.task_id,
            "task_type": task_type,
            "code_mode": code_mode,
            "source_idc": source_idc,
            "source_disk_id": source_disk_id,
            "source_vuid": self.source_vuid,
            "forbidden_direct_download": forbidden_direct_download,
            "ctime": self.ctime.isoformat(),
            "total_size": self.total_size,
            "total_count": self.total_count,
            "rate": self.rate,
            "kind": "migrate",
        }

    def _changing(self) -> dict[str, Any]:
        run = self.run if self.run is not None else _RUN_DEFAULTS
        return {
            "state": int(self.state),
            "mtime": self.mtime.isoformat(),
            "tm_id": self.tm_id,
            "dest_disk_id": run.dest_disk_id,
            "dest_host": run.dest_host,
            "dest_vuid": run.dest_vuid,
            "done_size": run.done_size,
            "worker_redo_cnt": run.worker_redo_cnt,
            "finish_advance_reason": run.finish_advance_reason,
            "finish_left": run.finish_left,
            "last_error": run.last_error,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MigrateWork:
        values = {k: v for k, v in data.items() if k != "kind"}
        values["state"] = MigrateState(values["state"])
        values["ctime"] = datetime.fromisoformat(values["ctime"])
        values["mtime"] = datetime.fromisoformat(values["mtime"])
        return cls(**values)


WORK_FIELDS: tuple[str, ...] = tuple(inspect.signature(MigrateWork).parameters)
"""Every field of a work, as its constructor names them (the shared and the run fields included)."""
