"""The one table of task types: what each handler implements, and how the engine steps, saves and restores them.

A handler (:class:`TaskHandler`) owns the task-manager modules it creates tasks in; it steps its work, rebuilds
its work from a stored payload (``restore``) and stops it on abort. Two hooks are optional and found by shape:

- :class:`SavedHandler` — ``state_key``, ``state()`` and ``load_state()``: settings kept beside the tasks
  (balance's and volume_inspect's next round);
- :class:`RestoringHandler` — ``after_restore()``: runs once every task is back (disk_repair and disk_drop queue
  the disks that still wait for a job).

Adding a task type means one line in :meth:`TaskTypes.__init__` (and its module in ``engine.model.task_types``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

from ..errors import IllegalTaskType
from ..model import CreateTaskRequest, DistributedType
from ..taskmanager import Task
from .balance import Balance
from .base import Context
from .consumers import Consumers
from .disk_drop import disk_drop
from .disk_migration import DiskMigrationType
from .disk_repair import disk_repair
from .distributed import Distributed
from .manual_migrate import ManualMigrate
from .migrate import Migrations
from .volume_inspect import VolumeInspect

DISTRIBUTED_TYPES = frozenset(t.value for t in DistributedType)


@runtime_checkable
class TaskHandler(Protocol):
    """A task type: it steps its work, restores it from the store, and stops it on abort."""

    @property
    def modules(self) -> tuple[str, ...]:
        """The task-manager modules whose tasks this handler creates and restores."""
        ...

    def step(self, dt: float) -> None: ...

    def restore(self, task: Task, payload: dict[str, Any] | None) -> None: ...

    def on_abort(self, task: Task) -> None: ...


@runtime_checkable
class SavedHandler(TaskHandler, Protocol):
    """A handler with settings of its own, kept under ``state_key`` among the store's settings."""

    @property
    def state_key(self) -> str: ...

    def state(self) -> dict[str, Any]: ...

    def load_state(self, data: dict[str, Any]) -> None: ...


@runtime_checkable
class RestoringHandler(TaskHandler, Protocol):
    """A handler that has more to do once every stored task is back."""

    def after_restore(self) -> None: ...


class TaskTypes:
    """Every task-type handler of one engine, built on its context; the engine's ``handlers``.

    The migrate types (disk_repair, disk_drop, balance, manual_migrate) queue chunk migrations that the shared
    :class:`~engine.tasks.migrate.Migrations` queue then moves in the same step, before the other types step.
    """

    def __init__(self, ctx: Context, migrations: Migrations) -> None:
        self.migrations = migrations
        self.repair: DiskMigrationType = disk_repair(ctx, migrations)
        self.drop: DiskMigrationType = disk_drop(ctx, migrations)
        self.balance = Balance(ctx, migrations)
        self.manual = ManualMigrate(ctx, migrations)
        self.inspect = VolumeInspect(ctx)
        self.consumers = Consumers(ctx)
        self.distributed = Distributed(ctx)
        migrate_types: tuple[TaskHandler, ...] = (self.repair, self.drop, self.balance, self.manual)
        others: tuple[TaskHandler, ...] = (self.inspect, self.consumers, self.distributed)
        self.all: tuple[TaskHandler, ...] = migrate_types + others
        """Every handler, in stepping order."""
        self._steps: tuple[Callable[[float], None], ...] = (
            *(h.step for h in migrate_types),
            migrations.step,
            *(h.step for h in others),
        )
        self.by_module: dict[str, TaskHandler] = {m: h for h in self.all for m in h.modules}
        self.saved: tuple[SavedHandler, ...] = tuple(h for h in self.all if isinstance(h, SavedHandler))
        self.restoring: tuple[RestoringHandler, ...] = tuple(h for h in self.all if isinstance(h, RestoringHandler))

    def step(self, dt: float) -> None:
        """One step of every task type's work (and of the shared migrate queue)."""
        for step in self._steps:
            step(dt)

    def state(self) -> dict[str, dict[str, Any]]:
        """The handlers' own settings, by ``state_key``: part of every flush."""
        return {h.state_key: h.state() for h in self.saved}

    def load_state(self, settings: Mapping[str, Any]) -> None:
        for handler in self.saved:
            handler.load_state(settings.get(handler.state_key, {}))

    def restore(self, loaded: Iterable[tuple[Task, dict[str, Any] | None]]) -> None:
        """Give each stored task's payload to the handler of its module, then run the after-restore hooks."""
        by_module = self.by_module
        for task, payload in loaded:
            handler = by_module.get(task.module)
            if handler is not None:
                handler.restore(task, payload)
        for handler in self.restoring:
            handler.after_restore()

    def start_job(self, task_type: str) -> str:
        """Kick off one run of a background type now (what a scheduled job does); returns a task-manager id."""
        if task_type == "volume_inspect":
            return self.inspect.run_now()
        if task_type == "balance":
            self.balance.next_at = 0.0
            self.balance.step(0.0)
            current = self.balance.current
            return current.tm_id if current else ""
        if task_type in ("shard_repair", "blob_delete"):
            return self.consumers.consumers[task_type].tm_id
        if task_type in DISTRIBUTED_TYPES:
            return self.distributed.create(CreateTaskRequest(type=DistributedType(task_type)), user=False)
        raise IllegalTaskType(f"task type {task_type!r} cannot be started by a job")
