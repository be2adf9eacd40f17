"""A task manager with ScyllaDB's semantics: modules, task trees, internal tasks, TTLs, folding, abort and wait.

- Every operation is a tree; a root takes the module's next ``sequence_number`` and its descendants share it.
  Cluster tasks have no parent, are never internal and have sequence number 0.
- A task is internal when it has a regular (non-cluster) parent, or when an internal process started it; list
  calls skip internal tasks unless asked for them.
- A finished task with a regular parent is folded into it: it is unregistered at once unless it or one of its
  descendants failed, in which case it stays reachable from the parent (``children_ids``, recursive status)
  until the root goes. Other finished tasks stay ``task_ttl`` seconds (``user_task_ttl`` when a user started
  them), then go; reading a finished task's status or waiting for it unregisters it, except for cluster tasks.
- Abort is refused for non-abortable tasks; otherwise the task and its descendants are stopped through the
  module's abort hook and end ``failed`` with error ``aborted``.
- A task type switched off (CubeFS's ``enable``) suspends its running tasks: state ``suspended``, started while
  off they begin suspended; switching it on resumes them. The handlers do not step a switched-off type's work, so
  a suspended task's progress stays where it was.
- ``drain`` unregisters a module's finished tasks at once, whatever their TTL (ScyllaDB's ``drain/{module}``).
- Every change bumps a global revision and is logged (task id, revision), so a snapshot can return just the rows
  changed (and the ids removed) since a revision, in time proportional to the changes, not to the number of tasks.
  The task does not hold its revision (an int object a task, 3 MB at 100 000): a task's last change is its last
  entry in the log.

A task itself (its fields, store record and wire forms) is :class:`engine.task.Task`. Memory (issue 12): the
answers built from a task for consumers (snapshot rows, ``list_module_tasks`` JSON) are cached here by task id for
the task's current revision, dropped on its next change, never on the task.
"""

from __future__ import annotations

import asyncio
import heapq
import random
from array import array
from collections.abc import Callable, Iterable
from datetime import datetime
from itertools import compress
from typing import Any

from pydantic import TypeAdapter

from .errors import InvalidArgument, NotAbortable, WaitTimeout
from .heap import TRIM_FROM, give_back_free_memory
from .model import ChildRef, TaskKind, TaskRow, TaskState, TaskStats, TaskStatus
from .model.compact_row import CompactRow, flat_children
from .task import ROW_NO_CHILDREN, Identity, Task, TaskOutcome, add_child
from .trusted import construct as _construct

TTL_MAX = 2**32 - 1
DEFAULT_TASK_TTL = 0
DEFAULT_USER_TASK_TTL = 3600
ABORTED = "aborted"
REMOVED_LOG_LIMIT = 200_000
CHANGE_LOG_SLACK = 4096
"""The change log is compacted when it grows past twice its live entries plus this."""
_UUID_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID_V4 = (0x8000 << 48) | (4 << 76)
"""The RFC 4122 variant and version bits, as ``uuid.UUID(int=..., version=4)`` sets them."""


AbortHook = Callable[[Task], None]
_STATS_JSON = TypeAdapter(TaskStats)


def _listed(task: Task, parent: Task | None) -> bool:
    """Whether ``task`` is in its module's ``modules`` entry: all but internal tasks under a (registered) parent of
    the same module."""
    return parent is None or not task.internal or parent.module != task.module


def _creation_order(task: Task) -> int:
    return task.order


class TaskManager:
    """The registry of tasks, by id and by module, with revisions for deltas and dirty sets for the store."""

    def __init__(self, rng: random.Random, now: Callable[[], datetime]) -> None:
        self.rng = rng
        self.now = now
        self.modules: dict[str, dict[str, Task]] = {}
        """Per module, its tasks in creation order — all but the internal tasks under a parent of the same module,
        which are reached from that parent (see :meth:`listing`): a failure wave's ~100 000 chunk tasks are one dict
        entry each fewer."""
        self.abort_hooks: dict[str, AbortHook] = {}
        self.tasks: dict[str, Task] = {}
        self.sequence: dict[str, int] = {}
        self.task_ttl = DEFAULT_TASK_TTL
        self.user_task_ttl = DEFAULT_USER_TASK_TTL
        self.revision = 0
        self._change_ids: list[str] = []
        self._change_revisions = array("q")
        """The change log: the id and revision of every change, in order. An entry whose task changed again (or
        went) since is stale; a delta skips those, and the log drops them once they are half of it. Two flat
        columns: a dict of the last change per task was ~40 B a task (4 MB at 100 000 tasks), re-inserted on
        every change."""
        self._change_log_limit = CHANGE_LOG_SLACK
        self.removed_log: list[tuple[int, str]] = []
        self.removed_floor = 0
        """Deltas from a revision below this cannot be answered exactly (the removal log was trimmed)."""
        self.expiry: list[tuple[float, str]] = []
        self.dirty: set[str] = set()
        self.dirty_removed: set[str] = set()
        self.events: dict[str, asyncio.Event] = {}
        self.created = 0
        self.row_cache: dict[str, TaskRow] = {}
        """The snapshot's cached row per task id, valid for the task's current revision (``touch`` drops it)."""
        self.stats_json_cache: dict[str, bytes] = {}
        """The HTTP ``list_module_tasks`` item per task id, valid for its current revision (``touch`` drops it)."""
        self.off_types: set[str] = set()
        """Task types switched off: their tasks start suspended, their running ones were suspended."""
        self.suspended: dict[str, str] = {}
        """Suspended task id → its type, so that a snapshot counts them without a walk over every task."""

    # -- modules and ids ------------------------------------------------------------------------------------
    def register_module(self, name: str, abort_hook: AbortHook | None = None) -> None:
        self.modules.setdefault(name, {})
        if abort_hook is not None:
            self.abort_hooks[name] = abort_hook

    def new_id(self) -> str:
        """A random version-4 UUID from the seeded RNG: ``str(uuid.UUID(int=bits, version=4))``, minus its overhead."""
        bits = (self.rng.getrandbits(128) & _UUID_CLEAR) | _UUID_V4
        h = f"{bits:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def get(self, task_id: object) -> Task:
        """The registered task with this id; a malformed or unknown id is an InvalidArgument."""
        task = self.tasks.get(task_id) if isinstance(task_id, str) else None
        if task is None:
            raise InvalidArgument(f"task with id {task_id} not found")
        return task

    def module_tasks(self, module: object) -> dict[str, Task]:
        """The module's listed tasks (not its internal tasks under a parent of the same module: :meth:`listing`)."""
        tasks = self.modules.get(module) if isinstance(module, str) else None
        if tasks is None:
            known = ", ".join(sorted(self.modules))
            raise InvalidArgument(f"unknown module {module!r}; known modules: {known}")
        return tasks

    def listing(self, module: object) -> list[Task]:
        """Every registered task of the module, in creation order."""
        listed = self.module_tasks(module)
        below: list[Task] = []
        tasks = self.tasks
        for task in listed.values():
            if not task.children:
                continue
            stack = [task]
            while stack:  # down through the unlisted children only: listed ones are walked from the listing
                parent = stack.pop()
                for child_id in parent.children:
                    child = tasks.get(child_id)
                    if child is not None and not _listed(child, parent):
                        below.append(child)
                        if child.children:
                            stack.append(child)
        if not below:
            return list(listed.values())
        return sorted([*listed.values(), *below], key=_creation_order)

    # -- lifecycle ------------------------------------------------------------------------------------------
    def create(
        self,
        module: str,
        type: str,
        scope: str,
        *,
        parent: Task | None = None,
        kind: TaskKind = TaskKind.NODE,
        node: str = "",
        keyspace: str = "",
        table: str = "",
        entity: str = "",
        abortable: bool = True,
        user: bool = False,
        internal: bool = False,
        progress_units: str = "",
        progress_total: float = 0.0,
        work: Any = None,
        task_id: str | None = None,
    ) -> Task:
        if module not in self.modules:
            raise InvalidArgument(f"unknown module {module!r}")
        if kind is TaskKind.CLUSTER:
            if parent is not None:
                raise ValueError("cluster tasks cannot have a parent")
            sequence, internal = 0, False
        elif parent is not None:
            sequence = parent.sequence_number
            internal = parent.kind is not TaskKind.CLUSTER
            user = False
        else:
            sequence = self.sequence.get(module, 0) + 1
            self.sequence[module] = sequence
        task = Task(
            id=task_id or self.new_id(),
            module=module,
            type=type,
            kind=kind,
            scope=scope,
            sequence_number=sequence,
            parent_id=parent.id if parent else None,
            node=node,
            keyspace=keyspace,
            table=table,
            entity=entity,
            is_abortable=abortable,
            internal=internal,
            user=user,
            progress_units=progress_units,
            progress_total=progress_total,
            work=work,
        )
        self.created += 1
        task.order = self.created
        self._register(task, parent)
        if parent is not None:
            add_child(parent, task.id)
            self.touch(parent)
        return task

    def create_children(
        self,
        parent: Task,
        module: str,
        type: str,
        scope: str,
        children: Iterable[tuple[str, float, Any]],
        *,
        node: str = "",
        keyspace: str = "",
        table: str = "",
        progress_units: str = "",
    ) -> list[Task]:
        """Many abortable children of one parent that differ only in (entity, progress_total, work): what
        :meth:`create` with ``parent`` makes of each, with one shared identity and the parent touched once (a disk
        job queues a migration per chunk: ~100 000 in a big failure wave)."""
        if module not in self.modules:
            raise InvalidArgument(f"unknown module {module!r}")
        if parent.kind is TaskKind.CLUSTER:
            raise ValueError("children of a cluster task are made one by one (create)")
        identity = Task.identity_of(
            module, type, TaskKind.NODE, scope, node, keyspace, table, 0, True, True, False, progress_units
        )
        made = []
        tasks, registry, new_id = self.tasks, self.modules[module], self.new_id
        listed = parent.module != module  # internal children of their parent's module are reached from it
        sequence, parent_id = parent.sequence_number, parent.id
        try:  # the children are read lazily: one that cannot be made leaves those before it registered and logged
            for entity, total, work in children:
                task = Task.sibling(identity, new_id(), sequence, parent_id, entity, total, work)
                self.created += 1
                task.order = self.created
                tasks[task.id] = task
                if listed:
                    registry[task.id] = task
                add_child(parent, task.id)
                made.append(task)
        finally:
            self._touch_new(made)
            if made:
                self.touch(parent)
        return made

    def create_roots(
        self,
        module: str,
        type: str,
        scope: str,
        roots: Iterable[tuple[str, str, str, str, float, Any]],
        *,
        user: bool = False,
        progress_units: str = "",
    ) -> list[Task]:
        """Many abortable roots of one module that differ only in (node, keyspace, table, entity, progress_total,
        work): what :meth:`create` without a parent makes of each, in order (each the module's next sequence
        number), with an identity made once per (node, keyspace, table) — a failure wave queues ~300 000 manual
        migrations. ``roots`` is read lazily, one root made after each item is drawn, as :meth:`create` would."""
        if module not in self.modules:
            raise InvalidArgument(f"unknown module {module!r}")
        identities: dict[tuple[str, str, str], Identity] = {}
        tasks, registry, new_id, sequences = self.tasks, self.modules[module], self.new_id, self.sequence
        made = []
        try:  # as in create_children: those made before an item that fails stay registered and logged
            for node, keyspace, table, entity, total, work in roots:
                identity = identities.get((node, keyspace, table))
                if identity is None:
                    identity = identities[node, keyspace, table] = Task.identity_of(
                        module, type, TaskKind.NODE, scope, node, keyspace, table, 0, True, False, user, progress_units
                    )
                sequence = sequences[module] = sequences.get(module, 0) + 1
                task = Task.sibling(identity, new_id(), sequence, None, entity, total, work)
                self.created += 1
                task.order = self.created
                tasks[task.id] = task
                registry[task.id] = task
                made.append(task)
        finally:
            self._touch_new(made)
        return made

    def _register(self, task: Task, parent: Task | None) -> None:
        self.tasks[task.id] = task
        if _listed(task, parent):
            self.modules.setdefault(task.module, {})[task.id] = task
        self.touch(task)

    def _touch_new(self, made: list[Task]) -> None:
        """:meth:`touch` for tasks just registered, in bulk: the same revisions, one after another, and nothing
        cached for them yet to drop (a disk job or a wave makes thousands at once)."""
        if not made:
            return
        first = self.revision + 1
        self.revision += len(made)
        ids = [task.id for task in made]
        self._change_ids.extend(ids)
        self._change_revisions.extend(range(first, self.revision + 1))
        self.dirty.update(ids)
        # New tasks' entries are not stale, and compacting is for stale ones: the limit grows with the live tasks
        # (2 entries each), so a wave of a million is not walked again and again as it is made.
        self._change_log_limit += 2 * len(made)

    def touch(self, task: Task) -> None:
        """Record a change: bump the revision and mark the task for the next store flush."""
        self.revision = revision = self.revision + 1
        task_id = task.id
        ids = self._change_ids
        ids.append(task_id)
        self._change_revisions.append(revision)
        if len(ids) > self._change_log_limit:
            self._compact_change_log()
        self.dirty.add(task_id)
        # The consumers' caches hold answers for the current revision only: a change drops them.
        self.row_cache.pop(task_id, None)
        self.stats_json_cache.pop(task_id, None)

    def start(self, task: Task) -> None:
        if task.state is TaskState.CREATED:
            task.start_time = self.now()
            if task.type in self.off_types:
                self._suspend(task)
            else:
                task.state = TaskState.RUNNING
                self.touch(task)

    def switch_type(self, task_type: str, on: bool) -> int:
        """Switch a task type on (resume its suspended tasks) or off (suspend its running ones); returns how many
        tasks changed state. A rare operator action, so one walk over the tasks is fine."""
        if on:
            self.off_types.discard(task_type)
            resumed = [self.tasks[i] for i, t in self.suspended.items() if t == task_type and i in self.tasks]
            for task in resumed:
                del self.suspended[task.id]
                task.state = TaskState.RUNNING
                self.touch(task)
            return len(resumed)
        self.off_types.add(task_type)
        running = [t for t in self.tasks.values() if t.state is TaskState.RUNNING and t.type == task_type]
        for task in running:
            self._suspend(task)
        return len(running)

    def _suspend(self, task: Task) -> None:
        task.state = TaskState.SUSPENDED
        self.suspended[task.id] = task.type
        self.touch(task)

    def suspended_counts(self) -> dict[str, int]:
        """Suspended tasks by type (only the types that have some)."""
        counts: dict[str, int] = {}
        for task_type in self.suspended.values():
            counts[task_type] = counts.get(task_type, 0) + 1
        return counts

    def drain(self, module: object) -> int:
        """Unregister the module's finished tasks now (ScyllaDB's ``drain``); returns how many went.

        Finished children kept under a running parent (they failed) stay: the parent's tree still needs them.
        """
        finished = [
            t
            for t in self.listing(module)
            if t.finished and not (t.parent_id and (p := self.tasks.get(t.parent_id)) is not None and not p.finished)
        ]
        gone = len(self.tasks)
        for task in finished:
            if task.id in self.tasks:
                self.unregister(task)
        return gone - len(self.tasks)

    def progress(self, task: Task, completed: float, total: float | None = None) -> None:
        if total is not None:
            task.progress_total = total
        if completed != task.progress_completed or total is not None:
            task.progress_completed = completed
            self.touch(task)

    def finish(self, task: Task, error: str | None = None) -> None:
        """End a task ``done`` (or ``failed`` with ``error``), then fold it or start its TTL."""
        if task.finished:
            return
        if task.start_time is None:
            task.start_time = self.now()
        task.state = TaskState.FAILED if error else TaskState.DONE
        self.suspended.pop(task.id, None)
        outcome = task.outcome
        if outcome is None:
            outcome = task.outcome = TaskOutcome()
        outcome.error = error or ""
        outcome.end_time = end = self.now()
        self.touch(task)
        event = self.events.pop(task.id, None)
        if event is not None:
            event.set()
        parent = self.tasks.get(task.parent_id) if task.parent_id else None
        if parent is not None and parent.kind is not TaskKind.CLUSTER:
            self._fold(task, outcome, parent)
        else:
            ttl = self.user_task_ttl if task.user else self.task_ttl
            outcome.expires_at = expires = end.timestamp() + ttl
            heapq.heappush(self.expiry, (expires, task.id))

    def _fold(self, task: Task, outcome: TaskOutcome, parent: Task) -> None:
        if outcome.error or outcome.failed_descendant:
            outcome.folded = True
            if not parent.failed_descendant:
                parent.failed_descendant = True
            self.touch(parent)
        else:
            if task.id in parent.children:
                del parent.children[task.id]
            self.touch(parent)
            self._forget(task)

    def unregister(self, task: Task) -> None:
        """Remove a task and everything still registered below it."""
        parent = self.tasks.get(task.parent_id) if task.parent_id else None
        if parent is not None and task.id in parent.children:
            del parent.children[task.id]
            self.touch(parent)
        self._forget(task)

    def _forget(self, task: Task) -> None:
        stack = [task]
        while stack:
            current = stack.pop()
            stack.extend(self.tasks[c] for c in current.children if c in self.tasks)
            if self.tasks.pop(current.id, None) is None:
                continue
            self.modules.get(current.module, {}).pop(current.id, None)
            self.suspended.pop(current.id, None)
            self.row_cache.pop(current.id, None)
            self.stats_json_cache.pop(current.id, None)
            self.revision += 1
            self.removed_log.append((self.revision, current.id))
            self.dirty.discard(current.id)
            self.dirty_removed.add(current.id)
        if len(self.removed_log) > REMOVED_LOG_LIMIT:
            cut = len(self.removed_log) // 2
            self.removed_floor = self.removed_log[cut - 1][0]
            del self.removed_log[:cut]

    def expire(self, unix_now: float) -> int:
        """Unregister finished roots whose TTL ran out; returns how many went."""
        gone = 0
        while self.expiry and self.expiry[0][0] <= unix_now:
            _, task_id = heapq.heappop(self.expiry)
            task = self.tasks.get(task_id)
            if task is not None and task.finished and task.expires_at is not None and task.expires_at <= unix_now:
                self.unregister(task)
                gone += 1
        return gone

    def reschedule_expiry(self) -> None:
        """Recompute every finished root's expiry after a TTL change (upstream applies the new TTL too)."""
        self.expiry = []
        for task in self.tasks.values():
            if task.finished and task.expires_at is not None and task.end_time is not None:
                ttl = self.user_task_ttl if task.user else self.task_ttl
                task.expires_at = task.end_time.timestamp() + ttl
                self.expiry.append((task.expires_at, task.id))
                self.dirty.add(task.id)
        heapq.heapify(self.expiry)

    # -- the API's semantics --------------------------------------------------------------------------------
    def full_status(self, task: Task, shared_empty: bool = False) -> TaskStatus:
        """The task's status with its registered children (``shared_empty``: a leaf's ``children_ids`` is the one
        read-only empty list every snapshot row shares, see :meth:`row`)."""
        if not task.children:
            return task.status(ROW_NO_CHILDREN if shared_empty else None)
        tasks = self.tasks
        return task.status([_construct(ChildRef, task_id=c, node=tasks[c].node) for c in task.children if c in tasks])

    def read_status(self, task_id: object) -> TaskStatus:
        task = self.get(task_id)
        status = self.full_status(task)
        self._unregister_if_read(task)
        return status

    def _unregister_if_read(self, task: Task) -> None:
        if task.finished and task.kind is not TaskKind.CLUSTER and not task.folded:
            self.unregister(task)

    def recursive_status(self, task_id: object) -> list[TaskStatus]:
        root = self.get(task_id)
        result: list[TaskStatus] = []
        queue = [root]
        for task in queue:  # BFS: the list grows while we walk it
            result.append(self.full_status(task))
            queue.extend(self.tasks[c] for c in task.children if c in self.tasks)
        self._unregister_if_read(root)
        return result

    def list_tasks(
        self, module: object, internal: bool = False, keyspace: str | None = None, table: str | None = None
    ) -> list[Task]:
        tasks = self.listing(module) if internal else self.module_tasks(module).values()
        return [
            t
            for t in tasks
            if (internal or not t.internal)
            and (keyspace is None or t.keyspace == keyspace)
            and (table is None or t.table == table)
        ]

    def abort(self, task_id: object) -> None:
        task = self.get(task_id)
        if not task.is_abortable:
            raise NotAbortable(f"task with id {task.id} cannot be aborted")
        if task.finished:
            return
        self._abort_tree(task)

    def _abort_tree(self, task: Task) -> None:
        # The hook runs first so that a parent knows it is going away before its children report back to it.
        hook = self.abort_hooks.get(task.module)
        if hook is not None:
            hook(task)
        for child_id in list(task.children):
            child = self.tasks.get(child_id)
            if child is not None and not child.finished:
                self._abort_tree(child)
        self.finish(task, ABORTED)

    async def wait(self, task_id: object, timeout: float | None) -> TaskStatus:
        task = self.get(task_id)
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int | float)):
            raise InvalidArgument("timeout must be a number of seconds")
        if timeout is not None and timeout < 0:
            raise InvalidArgument("timeout cannot be negative")
        if not task.finished:
            event = self.events.setdefault(task.id, asyncio.Event())
            try:
                await asyncio.wait_for(event.wait(), timeout)
            except TimeoutError:
                raise WaitTimeout(f"task with id {task.id} did not finish within {timeout:g}s") from None
        status = self.full_status(task)
        if task.id in self.tasks:
            self._unregister_if_read(task)
        return status

    async def until_finished(self, task: Task) -> Task:
        """Wait for a task to end without reading (and so unregistering) it."""
        if not task.finished:
            await self.events.setdefault(task.id, asyncio.Event()).wait()
        return task

    def set_ttl(self, seconds: object, user: bool = False) -> int:
        if isinstance(seconds, bool) or not isinstance(seconds, int):
            raise InvalidArgument(f"ttl must be a whole number of seconds, got {seconds!r}")
        if not 0 <= seconds <= TTL_MAX:
            raise InvalidArgument(f"ttl must be between 0 and {TTL_MAX} seconds, got {seconds}")
        old = self.user_task_ttl if user else self.task_ttl
        if user:
            self.user_task_ttl = seconds
        else:
            self.task_ttl = seconds
        if old != seconds:
            self.reschedule_expiry()
        return old

    # -- deltas ---------------------------------------------------------------------------------------------
    def row(self, task: Task) -> TaskRow:
        """The task's snapshot row, cached (by id, for its current revision) while the task is registered."""
        row = self.row_cache.get(task.id)
        if row is not None:
            return row
        row = _construct(
            TaskRow,
            module=task.module,
            internal=task.internal,
            user=task.user,
            gone=False,
            status=self.full_status(task, shared_empty=True),
        )
        if self.tasks.get(task.id) is task:  # a task that is gone must not stay in the cache
            self.row_cache[task.id] = row
        return row

    def compact_row(self, task: Task) -> CompactRow:
        """The task's snapshot row as a tuple, with its registered children (not cached: it is cheaper to build
        than a cache is to keep, and the dashboard holding it is the one place it lives)."""
        if not task.children:
            return task.compact_row()
        tasks = self.tasks
        return task.compact_row(flat_children([(c, tasks[c].node) for c in task.children if c in tasks]))

    def stats_json(self, task: Task) -> bytes:
        """``task.stats()`` as the HTTP API writes it, cached until the task changes (``list_module_tasks``)."""
        data = self.stats_json_cache.get(task.id)
        if data is not None:
            return data
        data = _STATS_JSON.dump_json(task.stats())
        if self.tasks.get(task.id) is task:
            self.stats_json_cache[task.id] = data
        return data

    def changed_since(self, since: int) -> tuple[bool, list[Task], list[str]]:
        """(full, tasks changed after ``since``, ids removed after it). Full when ``since`` is too old or 0."""
        if since <= 0 or since < self.removed_floor or since > self.revision:
            return True, list(self.tasks.values()), []
        changed: list[Task] = []
        tasks, ids, revisions = self.tasks, self._change_ids, self._change_revisions
        taken: set[str] = set()
        at = len(ids) - 1
        while at >= 0 and revisions[at] > since:
            task_id = ids[at]
            if task_id not in taken:  # walking back, a task's first entry is its last change
                taken.add(task_id)
                task = tasks.get(task_id)
                if task is not None:  # still registered
                    changed.append(task)
            at -= 1
        changed.reverse()
        removed: list[str] = []
        for revision, task_id in reversed(self.removed_log):
            if revision <= since:
                break
            removed.append(task_id)
        removed.reverse()
        return False, changed, removed

    def changes(self) -> list[tuple[str, int]]:
        """(task id, revision of its last change) of every registered task, oldest change first."""
        ids, revisions = self._live_changes()
        return list(zip(ids, revisions, strict=True))

    def _live_changes(self) -> tuple[list[str], array[int]]:
        """The change log without its stale entries, as two columns: no (id, revision) pair per task, so compacting
        the log of 100 000 tasks does not briefly take ~13 MB (which the process then keeps)."""
        tasks, taken, all_ids = self.tasks, set(), self._change_ids
        keep = bytearray(len(all_ids))
        at = len(all_ids)
        for task_id in reversed(all_ids):
            at -= 1
            if task_id not in taken:  # walking back, a task's first entry is its last change
                taken.add(task_id)
                if task_id in tasks:
                    keep[at] = 1
        del taken  # before the new columns are made: they take its place
        return list(compress(all_ids, keep)), array("q", compress(self._change_revisions, keep))

    def _compact_change_log(self) -> None:
        self._change_ids, self._change_revisions = self._live_changes()
        self._change_log_limit = 2 * len(self._change_ids) + CHANGE_LOG_SLACK
        if len(self._change_ids) >= TRIM_FROM:
            give_back_free_memory()  # the walk's set of ids is gone: its pages need not stay resident

    # -- persistence ----------------------------------------------------------------------------------------
    def take_dirty(self) -> tuple[list[Task], list[str]]:
        changed = [self.tasks[i] for i in self.dirty if i in self.tasks]
        removed = list(self.dirty_removed)
        self.dirty.clear()
        self.dirty_removed.clear()
        return changed, removed

    def restore(self, tasks: Iterable[Task]) -> None:
        """Register tasks loaded from the store, rebuilding children links and the TTL heap."""
        loaded = sorted(tasks, key=lambda t: t.order)
        self.created = max([self.created, *(t.order for t in loaded)])
        for task in loaded:
            self.tasks[task.id] = task
        for task in loaded:
            if _listed(task, self.tasks.get(task.parent_id) if task.parent_id else None):
                self.modules.setdefault(task.module, {})[task.id] = task
            if task.state is TaskState.SUSPENDED:
                self.suspended[task.id] = task.type
        for task in loaded:
            if task.parent_id and task.parent_id in self.tasks:
                add_child(self.tasks[task.parent_id], task.id)
            if task.finished and task.expires_at is not None:
                self.expiry.append((task.expires_at, task.id))
            self.touch(task)
        heapq.heapify(self.expiry)
        self.dirty.clear()
        # A client's revision from before the restart cannot be answered with a delta: it gets a full snapshot.
        self.removed_floor = self.revision
