"""Ocient-style distributed tasks: rebuild, check_disk and rebalance, created by ``CREATE TASK`` and cancelled.

Mapping to the simulated cluster: Ocient's *cluster* is an IDC (``z0``…), a *node* is a host (by IP, ``ip:port``
or URL). ``LOCATION SYSTEM`` or ``CLUSTER`` makes a cluster-kind task in module ``distributed`` with one node task
per host in scope below it (children of a cluster task are not internal); ``LOCATION NODE`` makes one node task.
rebuild and rebalance refuse ``LOCATION NODE``, as the seed says. Node tasks work through their host's chunks:
rebuild checks and rebuilds segments (progress in segments), check_disk reads them (bytes; ``sample`` reads a
tenth), rebalance moves the host's excess bytes. Names are unique among live tasks; cancel by name or id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import Conflict, InvalidArgument, NotFound
from ..model import CreateTaskRequest, DistributedType, LocationKind, TaskKind
from ..model.distributed import NODE_LOCATION_REFUSED
from ..sim.cluster import GiB, Host
from ..taskmanager import ABORTED, Task
from .base import Context, shallow_fields

MODULE = "distributed"
REBUILD_SEGMENTS_PER_S = 0.3
CHECK_BYTES_PER_S = 1 * GiB
REBALANCE_BYTES_PER_S = 512 * 1024**2
MAX_RETRIES = 3


class AlreadyFinished(Conflict):
    """CANCEL TASK of a task that has ended: there is nothing left to cancel."""

    code = "AlreadyFinished"


@dataclass(slots=True, eq=False)
class DistributedJob:
    """The root's work: what was asked for, and how its node tasks ended."""

    type: str
    location: str
    name: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    tm_id: str = ""
    nodes: int = 0
    done: int = 0
    failed: int = 0
    finished: bool = False

    def to_json(self) -> dict[str, Any]:
        return {**shallow_fields(self), "kind": "distributed_job"}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DistributedJob:
        return cls(**{k: v for k, v in data.items() if k != "kind"})


@dataclass(slots=True, eq=False)
class NodeWork:
    """One node's share of a distributed task."""

    type: str
    host: str
    total: float
    rate: float
    tm_id: str = ""
    completed: float = 0.0
    retries: int = 0
    finished: bool = False
    name: str | None = None
    """Set when the node task is itself the root (LOCATION NODE)."""

    def to_json(self) -> dict[str, Any]:
        return {**shallow_fields(self), "kind": "node_work"}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NodeWork:
        return cls(**{k: v for k, v in data.items() if k != "kind"})


class Distributed:
    modules = (MODULE,)

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.nodes: dict[str, NodeWork] = {}
        """Live node works by task-manager id."""
        ctx.tm.register_module(MODULE, self.on_abort)

    # -- creation -------------------------------------------------------------------------------------------
    def create(self, request: object, user: bool = True) -> str:
        """Start a task; ``user`` is False when a scheduled job (not a person) starts it."""
        if isinstance(request, dict):
            try:
                request = CreateTaskRequest.model_validate(request)
            except ValueError as error:
                raise InvalidArgument(f"bad task request: {error}") from None
        if not isinstance(request, CreateTaskRequest):
            raise InvalidArgument("create_task needs a CreateTaskRequest")
        ctx = self.ctx
        task_type = request.type
        location = request.location
        if location.kind is LocationKind.NODE and task_type in NODE_LOCATION_REFUSED:
            raise InvalidArgument(
                f"{task_type.value} supports only SYSTEM and CLUSTER locations, not NODE; to {task_type.value} "
                f"one node use LOCATION CLUSTER <cluster> OPTIONS node = '<node>'"
            )
        if not ctx.is_enabled(task_type.value):
            raise InvalidArgument(f"task type {task_type.value} is disabled")
        if request.name is not None:
            clash = self.find_live(request.name)
            if clash is not None:
                raise Conflict(f"a task named {request.name!r} is already running (id {clash.id})")
        hosts = self._hosts_in_scope(request)
        options = dict(request.options)
        if location.kind is LocationKind.NODE:
            work = self._node_work(task_type, hosts[0], options)
            work.name = request.name
            task = ctx.tm.create(
                MODULE,
                task_type.value,
                "node",
                node=ctx.cluster.hosts[hosts[0].url].ip,
                keyspace=hosts[0].idc,
                entity=request.name or "",
                user=user,
                progress_units=self._units(task_type),
                progress_total=work.total,
                work=work,
            )
            work.tm_id = task.id
            ctx.tm.start(task)
            self.nodes[task.id] = work
            ctx.log(task_type.value, f"task {request.name or task.id} started on node {hosts[0].ip}")
            return task.id
        job = DistributedJob(task_type.value, str(location), request.name, options, nodes=len(hosts))
        root = ctx.tm.create(
            MODULE,
            task_type.value,
            "system" if location.kind is LocationKind.SYSTEM else "cluster",
            kind=TaskKind.CLUSTER,
            keyspace=location.name or "",
            entity=request.name or "",
            user=user,
            progress_units="nodes",
            progress_total=len(hosts),
            work=job,
        )
        job.tm_id = root.id
        ctx.tm.start(root)
        for host in hosts:
            work = self._node_work(task_type, host, options)
            child = ctx.tm.create(
                MODULE,
                task_type.value,
                "node",
                parent=root,
                node=host.ip,
                keyspace=host.idc,
                entity=request.name or "",
                progress_units=self._units(task_type),
                progress_total=work.total,
                work=work,
            )
            work.tm_id = child.id
            ctx.tm.start(child)
            self.nodes[child.id] = work
        ctx.log(task_type.value, f"task {request.name or root.id} started on {len(hosts)} nodes ({location})")
        if not hosts:
            self._finish_root(job)
        return root.id

    def _hosts_in_scope(self, request: CreateTaskRequest) -> list[Host]:
        cluster = self.ctx.cluster
        location = request.location
        if location.kind is LocationKind.NODE:
            host = cluster.host_by_name(location.name or "")
            if host is None:
                raise InvalidArgument(f"unknown node {location.name!r}; nodes are hosts such as 10.0.0.1")
            return [host]
        hosts = sorted(cluster.hosts.values(), key=lambda h: h.url)
        if location.kind is LocationKind.CLUSTER:
            if location.name not in cluster.idcs:
                known = ", ".join(cluster.idcs)
                raise InvalidArgument(f"unknown cluster {location.name!r}; clusters are the IDCs: {known}")
            hosts = [h for h in hosts if h.idc == location.name]
        node = request.options.get("node")
        if node is not None:
            host = cluster.host_by_name(str(node))
            if host is None or host not in hosts:
                raise InvalidArgument(f"option node = {node!r} is not a node of {location}")
            hosts = [host]
        return hosts

    def _units(self, task_type: DistributedType) -> str:
        return "segments" if task_type is DistributedType.REBUILD else "bytes"

    def _node_work(self, task_type: DistributedType, host: Host, options: dict[str, Any]) -> NodeWork:
        cluster = self.ctx.cluster
        disks = [d for d in cluster.disks.values() if d.host == host.url]
        if task_type is DistributedType.CHECK_DISK and options.get("storage_ids"):
            wanted = {str(s) for s in options["storage_ids"]}
            disks = [d for d in disks if str(d.disk_id) in wanted]
        if task_type is DistributedType.CHECK_DISK and options.get("only_unhealthy"):
            disks = [d for d in disks if d.status.value != "normal"]
        chunks = [v for d in disks for v in d.chunks]
        groups = options.get("segment_groups")
        if groups:
            chunks = [v for v in chunks if (v >> 32) in set(groups)]
        sizes = [cluster.locate(v)[0].chunk_size for v in chunks if cluster.locate(v)]  # type: ignore[index]
        if task_type is DistributedType.REBUILD:
            return NodeWork(task_type.value, host.url, float(len(chunks)), REBUILD_SEGMENTS_PER_S)
        if task_type is DistributedType.CHECK_DISK:
            total = sum(sizes) / (10 if options.get("sample") else 1)
            return NodeWork(task_type.value, host.url, float(int(total)), CHECK_BYTES_PER_S)
        used = [d.used for d in disks]
        average = sum(d.used for d in cluster.disks.values()) / max(1, len(cluster.disks))
        excess = max(0.0, sum(used) - average * len(used)) / 4
        return NodeWork(task_type.value, host.url, float(int(excess)), REBALANCE_BYTES_PER_S)

    # -- work -----------------------------------------------------------------------------------------------
    def step(self, dt: float) -> None:
        ctx = self.ctx
        for tm_id, work in list(self.nodes.items()):
            task = ctx.tm.tasks.get(tm_id)
            if task is None or task.finished or work.finished:
                self.nodes.pop(tm_id, None)
                continue
            if not ctx.is_enabled(work.type) or ctx.cluster.hosts[work.host].silent:
                continue
            error = ctx.faults.step_error(work.type, dt)
            if error is not None:
                work.retries += 1
                ctx.tm.touch(task)
                if work.retries > MAX_RETRIES:
                    self._end_node(work, task, f"{error} (gave up after {MAX_RETRIES} retries)")
                else:
                    ctx.log(work.type, f"node {ctx.cluster.hosts[work.host].ip}: retry #{work.retries}: {error}")
                continue
            work.completed = min(work.total, work.completed + work.rate * dt)
            ctx.tm.progress(task, int(work.completed) if work.type == "rebuild" else work.completed)
            if work.completed >= work.total:
                self._end_node(work, task, None)

    def _end_node(self, work: NodeWork, task: Task, error: str | None) -> None:
        work.finished = True
        self.nodes.pop(task.id, None)
        if error != ABORTED:  # the task manager finishes an aborted task itself
            self.ctx.tm.finish(task, error)
        parent = self.ctx.tm.tasks.get(task.parent_id) if task.parent_id else None
        if parent is not None and isinstance(parent.work, DistributedJob):
            job = parent.work
            if error:
                job.failed += 1
            else:
                job.done += 1
            self.ctx.tm.progress(parent, job.done + job.failed)
            if job.done + job.failed >= job.nodes and not job.finished:
                self._finish_root(job)
        elif error is None:
            self.ctx.log(work.type, f"task {work.name or task.id} finished")

    def _finish_root(self, job: DistributedJob) -> None:
        job.finished = True
        root = self.ctx.tm.tasks.get(job.tm_id)
        error = f"{job.failed} of {job.nodes} node tasks failed" if job.failed else None
        if root is not None:
            self.ctx.tm.finish(root, error)
        self.ctx.log(job.type, f"task {job.name or job.tm_id} {'failed: ' + error if error else 'finished'}")

    # -- cancel, abort, restore -----------------------------------------------------------------------------
    def find_live(self, name: str) -> Task | None:
        for task in self.ctx.tm.modules.get(MODULE, {}).values():
            work = task.work
            if not task.finished and task.parent_id is None and getattr(work, "name", None) == name:
                return task
        return None

    def find_finished(self, name: str) -> Task | None:
        """The latest finished root task of that name the task manager still lists (names are reused)."""
        found = None
        for task in self.ctx.tm.modules.get(MODULE, {}).values():
            if task.finished and task.parent_id is None and getattr(task.work, "name", None) == name:
                found = task
        return found

    def cancel(self, name_or_id: object) -> str:
        if not isinstance(name_or_id, str) or not name_or_id:
            raise InvalidArgument("CANCEL TASK needs the task's name or id")
        task = self.find_live(name_or_id)
        if task is None:
            candidate = self.ctx.tm.tasks.get(name_or_id)
            if candidate is not None and candidate.module == MODULE and candidate.parent_id is None:
                task = candidate
        if task is None:
            task = self.find_finished(name_or_id)
        if task is None:
            raise NotFound(f"no distributed task named or with id {name_or_id!r}")
        if task.finished:
            raise AlreadyFinished(
                f"task {name_or_id!r} has already finished ({task.state.value}); there is nothing to cancel"
            )
        self.ctx.tm.abort(task.id)
        self.ctx.log(task.type, f"task {name_or_id} cancelled")
        return task.id

    def on_abort(self, task: Task) -> None:
        work = task.work
        if isinstance(work, NodeWork) and not work.finished:
            work.finished = True
            self.nodes.pop(task.id, None)
            parent = self.ctx.tm.tasks.get(task.parent_id) if task.parent_id else None
            if parent is not None and isinstance(parent.work, DistributedJob) and not parent.work.finished:
                job = parent.work
                job.failed += 1
                self.ctx.tm.progress(parent, job.done + job.failed)
                if job.done + job.failed >= job.nodes:
                    self._finish_root(job)
        elif isinstance(work, DistributedJob):
            work.finished = True

    def restore(self, task: Task, payload: dict[str, Any] | None) -> None:
        if not payload:
            return
        if payload.get("kind") == "distributed_job":
            task.work = DistributedJob.from_json(payload)
        elif payload.get("kind") == "node_work":
            work = NodeWork.from_json(payload)
            task.work = work
            if not work.finished and not task.finished:
                self.nodes[task.id] = work
