"""``GET /api-doc/`` and ``GET /api-doc/task_manager/``: the Swagger 1.2 documents a ScyllaDB node serves.

ScyllaDB's own REST client (``scylla-api-client``) reads the resource listing, then each resource's API declaration,
and builds its commands from them: without these two documents it stops at "Service is down". The declaration
describes ``/task_manager`` as current ScyllaDB has it (``user_ttl``, ``drain``, state ``suspended``), written here
from the wire format in :mod:`engine.http.routes_scylla`; ``basePath`` is the URL the request came to, as a node
fills in its ``{{Protocol}}://{{Host}}`` template.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from ..model import TaskKind, TaskState
from .deps import plain_json

router = APIRouter(prefix="/api-doc", tags=["ScyllaDB api-doc (Swagger 1.2)"])

SWAGGER = "1.2"
API_VERSION = "0.0.1"
RESOURCE = "/task_manager"

Param = tuple[str, str, str, bool, str]
"""name, paramType (path or query), type, required, description."""

_TASK_ID: Param = ("task_id", "path", "string", True, "The uuid of a task")
_MODULE: Param = ("module", "path", "string", True, "The module to query about")

# path, method, nickname, summary, response type (``array:<item>`` for a list), parameters
_OPERATIONS: tuple[tuple[str, str, str, str, str, tuple[Param, ...]], ...] = (
    ("/list_modules", "GET", "get_modules", "Get the list of task manager modules", "array:string", ()),
    (
        "/list_module_tasks/{module}",
        "GET",
        "get_tasks",
        "Get the module's tasks (regular ones unless internal is true)",
        "array:task_stats",
        (
            _MODULE,
            ("internal", "query", "boolean", False, "Whether internal tasks are listed too (false by default)"),
            ("keyspace", "query", "string", False, "Only tasks of this keyspace"),
            ("table", "query", "string", False, "Only tasks of this table"),
        ),
    ),
    (
        "/task_status/{task_id}",
        "GET",
        "get_task_status",
        "Get a task's status (a finished task is unregistered once read)",
        "task_status",
        (_TASK_ID,),
    ),
    (
        "/abort_task/{task_id}",
        "POST",
        "abort_task",
        "Abort a task and its children (403 when the task is not abortable)",
        "void",
        (_TASK_ID,),
    ),
    (
        "/wait_task/{task_id}",
        "GET",
        "wait_task",
        "Wait until the task is done or failed and get its status (408 on timeout)",
        "task_status",
        (_TASK_ID, ("timeout", "query", "long", False, "Seconds to wait at most")),
    ),
    (
        "/task_status_recursive/{task_id}",
        "GET",
        "get_task_status_recursively",
        "Get the statuses of a task and all its descendants, breadth first",
        "array:task_status",
        (_TASK_ID,),
    ),
    (
        "/ttl",
        "POST",
        "get_and_update_ttl",
        "Set task_ttl_in_seconds and get its previous value",
        "long",
        (("ttl", "query", "long", True, "Seconds a finished task stays registered"),),
    ),
    ("/ttl", "GET", "get_ttl", "Get task_ttl_in_seconds", "long", ()),
    (
        "/user_ttl",
        "POST",
        "get_and_update_user_ttl",
        "Set user_task_ttl_in_seconds and get its previous value",
        "long",
        (("user_ttl", "query", "long", True, "Seconds a finished user-started task stays registered"),),
    ),
    ("/user_ttl", "GET", "get_user_ttl", "Get user_task_ttl_in_seconds", "long", ()),
    (
        "/drain/{module}",
        "POST",
        "drain_tasks",
        "Unregister the module's finished (done or failed) tasks now",
        "void",
        (("module", "path", "string", True, "The module to drain"),),
    ),
)

_COMMON_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("type", "string", "The description of the task"),
    ("kind", "string", "The kind of a task: node (regular) or cluster (virtual)"),
    ("scope", "string", "The scope of the task"),
    ("state", "string", "The state of the task"),
)
_PLACE_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("keyspace", "string", "The keyspace the task is working on, if any"),
    ("table", "string", "The table the task is working on, if any"),
    ("entity", "string", "The entity the task is working on, if any"),
    ("shard", "long", "The shard the task runs on"),
    ("start_time", "datetime", "When the task started"),
    ("end_time", "datetime", "When the task ended (unset while it is not finished)"),
)
_MODELS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "task_identity": (
        ("task_id", "string", "The uuid of a child task"),
        ("node", "string", "The address of the node the child runs on"),
    ),
    "task_stats": (
        ("task_id", "string", "The uuid of the task"),
        *_COMMON_FIELDS,
        ("sequence_number", "long", "The running number of the task in its module"),
        *_PLACE_FIELDS,
    ),
    "task_status": (
        ("id", "string", "The uuid of the task"),
        *_COMMON_FIELDS,
        ("is_abortable", "boolean", "Whether the task can be aborted"),
        ("error", "string", "The error, if the task failed"),
        ("parent_id", "string", "The uuid of the parent task, or none"),
        ("sequence_number", "long", "The running number of the task in its module"),
        *_PLACE_FIELDS,
        ("progress_units", "string", "The unit of the progress figures"),
        ("progress_total", "double", "The total amount of work"),
        ("progress_completed", "double", "The work done so far"),
        ("children_ids", "array:task_identity", "The task's children"),
    ),
}
_ENUMS = {"state": [s.value for s in TaskState], "kind": [k.value for k in TaskKind]}


def _typed(kind: str) -> dict[str, Any]:
    if kind.startswith("array:"):
        item = kind.removeprefix("array:")
        return {"type": "array", "items": {"type": item}}
    return {"type": kind}


def resource_listing() -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "swaggerVersion": SWAGGER,
        "apis": [{"path": RESOURCE, "description": "The task manager: modules, task status, abort, wait, TTLs, drain"}],
    }


def task_manager_declaration(base_path: str) -> dict[str, Any]:
    apis: dict[str, list[dict[str, Any]]] = {}
    for path, method, nickname, summary, answer, params in _OPERATIONS:
        apis.setdefault(RESOURCE + path, []).append(
            {
                "method": method,
                "summary": summary,
                **_typed(answer),
                "nickname": nickname,
                "produces": ["application/json"],
                "parameters": [
                    {
                        "name": name,
                        "description": description,
                        "required": required,
                        "allowMultiple": False,
                        "type": kind,
                        "paramType": where,
                    }
                    for name, where, kind, required, description in params
                ],
            }
        )
    models = {
        name: {
            "id": name,
            "description": f"A {name.replace('_', ' ')} object",
            "properties": {
                field: {**_typed(kind), "description": text, **({"enum": _ENUMS[field]} if field in _ENUMS else {})}
                for field, kind, text in fields
            },
        }
        for name, fields in _MODELS.items()
    }
    return {
        "apiVersion": API_VERSION,
        "swaggerVersion": SWAGGER,
        "basePath": base_path,
        "resourcePath": RESOURCE,
        "produces": ["application/json"],
        "apis": [{"path": path, "operations": operations} for path, operations in apis.items()],
        "models": models,
    }


# ``/api-doc`` without the slash, as the client asks for it: a redirect would be built from its ``Host`` header,
# which carries no port, and send the client to port 80.
@router.get("", summary="Swagger 1.2 resource listing (what scylla-api-client reads first)")
@router.get("/", include_in_schema=False)
async def api_doc() -> Response:
    return plain_json(resource_listing())


@router.get("/task_manager/", summary="Swagger 1.2 API declaration of /task_manager")
async def api_doc_task_manager(request: Request) -> Response:
    return plain_json(task_manager_declaration(str(request.base_url).rstrip("/")))
