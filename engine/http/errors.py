"""Error bodies in each upstream's own shape, and the handlers that make every failure a 4xx with a message.

ScyllaDB-style endpoints (``/task_manager/…``) answer ``{"message": str, "code": <status int>}`` as Seastar's
httpd does; everything else answers CubeFS's ``{"error": str, "code": "<string code>"}`` (schedtop's own
``/api/…`` endpoints use the same shape). ScyllaDB answers an unknown task with 400, so a NotFound there is a 400.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import EngineError, NotFound

SCYLLA_PREFIX = "/task_manager"
log = logging.getLogger("schedtop.http")

_HTTP_CODES = {
    400: "Argument",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    408: "Timeout",
    421: "MisdirectedRequest",
    409: "Conflict",
    411: "LengthRequired",
    413: "TooLarge",
    415: "UnsupportedMediaType",
    503: "Unavailable",
}


def is_scylla(path: str) -> bool:
    return path == SCYLLA_PREFIX or path.startswith(SCYLLA_PREFIX + "/")


def error_body(path: str, status: int, message: str, code: str | None = None) -> dict[str, Any]:
    if is_scylla(path):
        return {"message": message, "code": status}
    body: dict[str, Any] = {"error": message}
    code = code or _HTTP_CODES.get(status)
    if code:
        body["code"] = code
    return body


def error_response(
    path: str, status: int, message: str, code: str | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(path, status, message, code), status_code=status, headers=headers)


def describe_validation(errors: Sequence[Any]) -> str:
    """One readable line per problem, e.g. ``query parameter 'ttl': Input should be a valid integer``."""
    parts: list[str] = []
    for error in list(errors)[:5]:
        loc = [str(item) for item in error.get("loc", ())]
        kind = error.get("type", "")
        message = str(error.get("msg", "invalid value"))
        if kind == "json_invalid":
            parts.append(f"the request body is not valid JSON ({error.get('ctx', {}).get('error', message)})")
            continue
        if loc and loc[0] in ("query", "path", "header", "cookie"):
            where = f"{loc[0]} parameter '{'.'.join(loc[1:])}'"
        elif loc and loc[0] == "body":
            where = "body field '" + ".".join(loc[1:]) + "'" if len(loc) > 1 else "the request body"
        else:
            where = ".".join(loc) or "the request"
        if kind == "missing":
            parts.append(f"{where} is required")
        else:
            parts.append(f"{where}: {message}")
    if len(errors) > 5:
        parts.append(f"and {len(errors) - 5} more")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(EngineError)
    async def _engine_error(request: Request, error: EngineError) -> JSONResponse:
        status = error.status
        if is_scylla(request.url.path) and isinstance(error, NotFound):
            status = 400
        return error_response(request.url.path, status, error.message, error.code)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        return error_response(request.url.path, 400, describe_validation(error.errors()), "Argument")

    @app.exception_handler(ValidationError)
    async def _invalid_model(request: Request, error: ValidationError) -> JSONResponse:
        return error_response(request.url.path, 400, describe_validation(error.errors()), "Argument")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return error_response(request.url.path, error.status_code, str(error.detail), headers=error.headers)

    @app.exception_handler(ClientDisconnect)
    async def _client_gone(request: Request, error: ClientDisconnect) -> Response:
        # Nobody is left to answer; not an error of ours, so nothing for the log but a debug line.
        log.debug("client left during %s %s", request.method, request.url.path)
        return Response(status_code=400)


class CatchBugs:
    """A bug answers 500 in the endpoint's error shape, is logged once, and leaves the connection open.

    Starlette's own last-resort handler re-raises after answering, so uvicorn logs the error a second time and
    drops the keep-alive connection, failing the client's next request too. This middleware sits inside it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception as error:
            if started:
                raise  # half an answer is out: only closing the connection can tell the client
            # Never log the request's headers: they may carry the token.
            log.error("unexpected error on %s %s", scope["method"], scope["path"], exc_info=error)
            response = error_response(scope["path"], 500, f"internal error: {type(error).__name__}", "Internal")
            await response(scope, receive, send)
