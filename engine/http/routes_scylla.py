"""ScyllaDB task manager endpoints under ``/task_manager``, with upstream's methods and status codes.

``drain/{module}`` (newer ScyllaDB) unregisters a module's finished tasks. Errors answer ``{"message", "code":
<status>}``: unknown task or module 400, not abortable 403, wait timeout 408.
A malformed task id is a 400 here (upstream lets it become a 500). POSTs to ``ttl``/``user_ttl`` return the
previous value as a bare number.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from ..model import TaskStats, TaskStatus
from .deps import Engine, Responses, list_json, model_json, plain_json
from .waits import while_wanted

router = APIRouter(prefix="/task_manager", tags=["ScyllaDB task manager"])

TTL_MAX = 2**32 - 1
TaskId = Annotated[str, Path(min_length=1, max_length=256)]
_ERRORS: Responses = {400: {"description": "unknown task or module, or a bad parameter: {'message': str, 'code': int}"}}


@router.get("/list_modules", response_model=list[str])
async def list_modules(engine: Engine) -> Response:
    return plain_json(await engine.list_modules())


@router.get("/list_module_tasks/{module}", response_model=list[TaskStats], responses=_ERRORS)
async def list_module_tasks(
    engine: Engine,
    module: Annotated[str, Path(max_length=128)],
    internal: bool = False,
    keyspace: Annotated[str | None, Query(max_length=256)] = None,
    table: Annotated[str | None, Query(max_length=256)] = None,
) -> Response:
    """The module's tasks (internal ones only when ``internal=true``), optionally filtered by keyspace/table."""
    as_json = getattr(engine, "list_module_tasks_json", None)  # the embedded engine caches each item's JSON
    if as_json is not None:
        body = await as_json(module, internal=internal, keyspace=keyspace or None, table=table or None)
        return Response(body, media_type="application/json")
    tasks = await engine.list_module_tasks(module, internal=internal, keyspace=keyspace or None, table=table or None)
    return list_json(TaskStats, tasks)


@router.get("/task_status/{task_id}", response_model=TaskStatus, responses=_ERRORS)
async def task_status(engine: Engine, task_id: TaskId) -> Response:
    """The task's status; a finished task is unregistered by this read."""
    return model_json(await engine.task_status(task_id))


@router.post(
    "/abort_task/{task_id}",
    response_model=None,
    responses={**_ERRORS, 403: {"description": "the task is not abortable"}},
)
async def abort_task(engine: Engine, task_id: TaskId) -> Response:
    """Abort the task and its children; the work really stops."""
    await engine.abort_task(task_id)
    return plain_json(None)


@router.get(
    "/wait_task/{task_id}",
    response_model=TaskStatus,
    responses={
        **_ERRORS,
        408: {"description": "the wait timed out"},
        503: {"description": "the server is shutting down"},
    },
)
async def wait_task(
    request: Request,
    engine: Engine,
    task_id: TaskId,
    timeout: Annotated[float | None, Query(ge=0, le=TTL_MAX, description="seconds; 408 when it runs out")] = None,
) -> Response:
    """Wait until the task is done or failed and return its status; the wait ends if the client goes away."""
    return model_json(await while_wanted(request, engine.wait_task(task_id, timeout=timeout)))


@router.get("/task_status_recursive/{task_id}", response_model=list[TaskStatus], responses=_ERRORS)
async def task_status_recursive(engine: Engine, task_id: TaskId) -> Response:
    """The task and all its descendants in BFS order."""
    return list_json(TaskStatus, await engine.task_status_recursive(task_id))


@router.get("/ttl", response_model=int)
async def get_ttl(engine: Engine) -> Response:
    return plain_json(await engine.get_ttl())


@router.post("/ttl", response_model=int, responses=_ERRORS)
async def set_ttl(engine: Engine, ttl: Annotated[int, Query(ge=0, le=TTL_MAX)]) -> Response:
    """Set ``task_ttl`` (seconds); answers the previous value."""
    return plain_json(await engine.set_ttl(ttl))


@router.post("/drain/{module}", response_model=None, responses=_ERRORS)
async def drain(engine: Engine, module: Annotated[str, Path(max_length=128)]) -> Response:
    """Unregister the module's finished (done or failed) tasks now, whatever their TTL; 400 for an unknown module."""
    await engine.drain(module)
    return plain_json(None)


@router.get("/user_ttl", response_model=int)
async def get_user_ttl(engine: Engine) -> Response:
    return plain_json(await engine.get_user_ttl())


@router.post("/user_ttl", response_model=int, responses=_ERRORS)
async def set_user_ttl(engine: Engine, user_ttl: Annotated[int, Query(ge=0, le=TTL_MAX)]) -> Response:
    """Set ``user_task_ttl`` (seconds); answers the previous value."""
    return plain_json(await engine.set_user_ttl(user_ttl))
