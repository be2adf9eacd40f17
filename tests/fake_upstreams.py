"""Small stand-ins for a real CubeFS scheduler and a real ScyllaDB node, answering with upstream's wire format.

They follow the facts of the upstream API description (paths, status codes, error bodies, read-once status on
6.2.0); they are test doubles of systems we cannot run here, served over a real loopback socket.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

FIXTURES = Path(__file__).parent / "fixtures"


class ServedApp:
    """Any ASGI app on an ephemeral loopback port, in a thread."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.url = ""

    def __enter__(self) -> ServedApp:
        self.thread.start()
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=0, log_level="warning"))
        self.serving = asyncio.run_coroutine_threadsafe(self.server.serve(), self.loop)
        deadline = time.monotonic() + 10
        while not self.server.started:
            if self.serving.done() or time.monotonic() > deadline:
                raise RuntimeError("the fake upstream did not start")
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{self.server.servers[0].sockets[0].getsockname()[1]}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.serving.result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


def cubefs_app(nested: bool = False, released_before_330: bool = False) -> Starlette:
    stats = json.loads((FIXTURES / "cubefs_stats_flat.json").read_text())
    detail = json.loads((FIXTURES / "cubefs_task_detail.json").read_text())
    leader_body = {"blobnode": stats, "shard": {"shard_disk_repair": None}} if nested else stats

    async def leader(_: Request) -> Response:
        return JSONResponse(leader_body)

    async def local(_: Request) -> Response:
        return JSONResponse(leader_body)

    async def migrating(request: Request) -> Response:
        if request.query_params.get("task_type") == "disk_repair" and request.query_params.get("disk_id") == "17":
            return JSONResponse({"total_tasks_cnt": 40, "migrated_tasks_cnt": 12})
        return JSONResponse({"error": "not repairing disk"}, status_code=500)

    async def task_detail(request: Request) -> Response:
        task_type, task_id = request.path_params["type"], request.path_params["id"]
        if task_type not in ("disk_repair", "balance", "disk_drop", "manual_migrate"):
            return JSONResponse({"error": "illegal task type", "code": "illegal_type"}, status_code=400)
        if task_id != detail["task"]["task_id"]:
            return JSONResponse({"error": "not found", "code": "NotFound"}, status_code=404)
        return JSONResponse(detail)

    async def manual(request: Request) -> Response:
        body = await request.json()
        if not isinstance(body.get("vuid"), int) or body["vuid"] <= 0:
            return JSONResponse({"error": "Illegal Arguments"}, status_code=400)
        return Response(status_code=200)

    leader_path = "/leader/stats" if released_before_330 else "/stats/leader"
    return Starlette(
        routes=[
            Route(leader_path, leader),
            Route("/stats", local),
            Route("/stats/disk/migrating", migrating),
            Route("/task/detail/{type}/{id}", task_detail),
            Route("/manual/migrate/task/add", manual, methods=["POST"]),
        ]
    )


ROOT = "2c4a3b2e-6b8f-4c7e-9f1a-0d6e2b1c9a01"
CHILD = "7e1f0a9b-3c2d-4e5f-8a6b-1c2d3e4f5a60"
DONE = "0b5d7f3e-9a1c-4e2b-8d6f-3a5c7e9b1d24"
EPOCH = "1970-01-01T00:00:00Z"


def _status(task_id: str, **fields: Any) -> dict[str, Any]:
    base = {
        "id": task_id,
        "type": "repair",
        "kind": "node",
        "scope": "keyspace",
        "state": "running",
        "is_abortable": False,
        "start_time": "2026-11-24T02:00:00Z",
        "end_time": EPOCH,
        "error": "",
        "parent_id": "none",
        "sequence_number": 3,
        "shard": 0,
        "keyspace": "ks1",
        "table": "",
        "entity": "",
        "progress_units": "ranges",
        "progress_total": 10.0,
        "progress_completed": 4.0,
        "children_ids": [],
    }
    return {**base, **fields}


class FakeScylla:
    """A 6.2.0 node: no user_ttl, and reading a finished task's status unregisters it; with ``drain=True`` a newer
    node's ``POST /task_manager/drain/{module}`` too (a 6.2.0 node answers that path 404).

    Every request is logged in ``requests`` as (``clock()``, path), so a test can count what a client sent when.
    """

    def __init__(self, clock: Any = time.monotonic, drain: bool = False) -> None:
        self.clock = clock
        self.has_drain = drain
        self.requests: list[tuple[float, str]] = []
        self.ttl = 0
        self.tasks: dict[str, dict[str, Any]] = {
            ROOT: _status(ROOT, is_abortable=True, children_ids=[{"task_id": CHILD, "node": "127.0.0.1"}]),
            CHILD: _status(CHILD, scope="shard", parent_id=ROOT, progress_total=5.0, progress_completed=2.0),
            DONE: _status(DONE, type="major compaction", state="done", end_time="2026-11-24T02:01:00Z"),
        }
        self.modules = {ROOT: "repair", DONE: "compaction"}

    def forget(self, task_id: str) -> None:
        self.tasks.pop(task_id, None)
        self.modules.pop(task_id, None)

    def add_running_roots(self, count: int) -> list[str]:
        """``count`` more running repair roots (no children), as on a node repairing many keyspaces at once."""
        added = [f"00000000-0000-4000-8000-{index:012d}" for index in range(count)]
        for task_id in added:
            self.tasks[task_id] = _status(task_id, is_abortable=True)
            self.modules[task_id] = "repair"
        return added

    def app(self) -> Any:
        def error(message: str, code: int) -> Response:
            return JSONResponse({"message": message, "code": code}, status_code=code)

        async def list_modules(_: Request) -> Response:
            return JSONResponse(["repair", "compaction"])

        async def list_tasks(request: Request) -> Response:
            module = request.path_params["module"]
            if module not in ("repair", "compaction"):
                return error(f"module {module} not found", 400)
            keys = ("task_id", "state", "type", "kind", "scope", "keyspace", "table", "entity", "sequence_number")
            items = [
                {key: (self.tasks[tid]["id"] if key == "task_id" else self.tasks[tid][key]) for key in keys}
                for tid, mod in self.modules.items()
                if mod == module and tid in self.tasks
            ]
            return JSONResponse(items)

        async def recursive(request: Request) -> Response:
            task_id = request.path_params["id"]
            if task_id not in self.tasks:
                return error(f"task with id {task_id} not found", 400)
            out, queue = [], [task_id]
            while queue:
                current = self.tasks[queue.pop(0)]
                out.append(current)
                queue += [c["task_id"] for c in current["children_ids"] if c["task_id"] in self.tasks]
            return JSONResponse(out)

        async def abort(request: Request) -> Response:
            task_id = request.path_params["id"]
            if task_id not in self.tasks:
                return error(f"task with id {task_id} not found", 400)
            if not self.tasks[task_id]["is_abortable"]:
                return error(f"task with id {task_id} cannot be aborted", 403)
            self.tasks[task_id].update(state="failed", error="aborted")
            return JSONResponse(None)

        async def drain(request: Request) -> Response:
            module = request.path_params["module"]
            if module not in ("repair", "compaction"):
                return error(f"module {module} not found", 400)
            for task_id in [t for t, m in self.modules.items() if m == module]:
                if self.tasks.get(task_id, {}).get("state") in ("done", "failed"):
                    self.forget(task_id)
            return JSONResponse(None)

        async def ttl(request: Request) -> Response:
            if request.method == "POST":
                previous, self.ttl = self.ttl, int(request.query_params["ttl"])
                return JSONResponse(previous)
            return JSONResponse(self.ttl)

        starlette = Starlette(
            routes=[
                Route("/task_manager/list_modules", list_modules),
                Route("/task_manager/list_module_tasks/{module}", list_tasks),
                Route("/task_manager/task_status_recursive/{id}", recursive),
                Route("/task_manager/abort_task/{id}", abort, methods=["POST"]),
                Route("/task_manager/ttl", ttl, methods=["GET", "POST"]),
                *([Route("/task_manager/drain/{module}", drain, methods=["POST"])] if self.has_drain else []),
            ]
        )

        async def logged(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                self.requests.append((self.clock(), scope["path"]))
            await starlette(scope, receive, send)

        return logged


class FakeAlertmanager:
    """Alertmanager's v2 receiving end: every ``POST /api/v2/alerts`` body is recorded in ``received`` (one list of
    alerts per request, in order). ``fail_with`` makes it answer that status instead (and record nothing)."""

    def __init__(self) -> None:
        self.received: list[list[dict[str, Any]]] = []
        self.fail_with: int | None = None
        self.refused = 0

    def alerts(self) -> list[dict[str, Any]]:
        """Every alert received, in order, flattened over the requests."""
        return [alert for batch in self.received for alert in batch]

    def app(self) -> Starlette:
        async def post_alerts(request: Request) -> Response:
            if self.fail_with is not None:
                self.refused += 1
                return JSONResponse({"code": self.fail_with, "message": "stand-in told to fail"}, self.fail_with)
            body = await request.json()
            if not isinstance(body, list):
                return JSONResponse({"code": 400, "message": "body must be a list of alerts"}, status_code=400)
            self.received.append(body)
            return Response(status_code=200)

        return Starlette(routes=[Route("/api/v2/alerts", post_alerts, methods=["POST"])])
