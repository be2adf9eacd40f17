"""An OpenAPI document that tells the truth about what the server answers.

FastAPI documents 422 for validation errors, but this server answers 400 (as every upstream does); and it cannot
know what the middleware adds (421 for a foreign Host, 401/403 for the token and cross-site guards, 413 for big
bodies, 503 past the connection cap). :func:`truthful_openapi` rewrites the generated document once, so that a
schema-driven client or fuzzer sees every status an operation can return, each with its error body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from .connections import ALWAYS_SERVED
from .errors import is_scylla
from .security import changes_state

_ERROR = {"$ref": "#/components/schemas/Error"}
_SCYLLA_ERROR = {"$ref": "#/components/schemas/ScyllaError"}
_SCHEMAS = {
    "Error": {
        "type": "object",
        "description": "CubeFS's error body, used by every endpoint outside /task_manager",
        "properties": {"error": {"type": "string"}, "code": {"type": "string"}},
        "required": ["error"],
    },
    "ScyllaError": {
        "type": "object",
        "description": "Seastar httpd's error body, used under /task_manager",
        "properties": {"message": {"type": "string"}, "code": {"type": "integer"}},
        "required": ["message", "code"],
    },
}
_STANDARD = {
    "400": "bad argument: the message names the parameter or field and what is wrong",
    "401": "a bearer token is configured and the request carries none",
    "403": "the bearer token is wrong, or the change came from a web page of another origin",
    "413": "the request body is larger than the server's limit",
    "421": "the Host header names a host this server does not answer to (see --allow-host)",
    "503": "the server is at its connection limit (Retry-After), or shutting down",
}


def _document(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes, tags=app.openapi_tags
    )
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    components.update(_SCHEMAS)
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            _complete(path, method.upper(), operation)
    return document


def _complete(path: str, method: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses.pop("422", None)
    statuses = ["421"]
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.append("400")
    if changes_state(method, path):
        statuses += ["401", "403"]
    if operation.get("requestBody"):
        statuses.append("413")
    if path not in ALWAYS_SERVED:
        statuses.append("503")
    schema = _SCYLLA_ERROR if is_scylla(path) else _ERROR
    for status in statuses:
        entry = responses.setdefault(status, {"description": _STANDARD[status]})
        entry.setdefault("content", {"application/json": {"schema": schema}})
    for status, entry in responses.items():
        if status[0] in "45" and "content" not in entry:
            entry["content"] = {"application/json": {"schema": schema}}


def truthful_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document(app)
        return app.openapi_schema

    return openapi
