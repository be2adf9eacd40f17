"""Map what a remote server answered onto the engine's exception classes, so the UI handles both sources alike.

Every raised error carries the HTTP status the server answered in ``status`` (a typed attribute of
:class:`engine.errors.EngineError`), so callers test ``error.status`` or the class, never ``getattr``.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from engine.errors import (
    Conflict,
    EngineError,
    InvalidArgument,
    NotAbortable,
    NotFound,
    Unavailable,
    WaitTimeout,
)

from .base import SourceError
from .http_client import RemoteError, RemoteUnavailable

T = TypeVar("T")


class Unauthorized(EngineError):
    """The server refused the request's credentials (HTTP 401, or a 403 about the token): pass ``--token``."""

    status = 401
    code = "Unauthorized"


_BY_STATUS: dict[int, type[EngineError]] = {
    400: InvalidArgument,
    401: Unauthorized,
    403: NotAbortable,
    404: NotFound,
    408: WaitTimeout,
    409: Conflict,
    413: InvalidArgument,
    422: InvalidArgument,
    503: Unavailable,
}


def engine_error(error: RemoteError) -> EngineError:
    """The engine error class for the answer's status, its message, and ``status`` set to the status answered."""
    kind = _BY_STATUS.get(error.status, EngineError)
    if error.status == 403 and "token" in error.message.lower():
        kind = Unauthorized
    message = f"refused: {error.message} (pass --token)" if kind is Unauthorized else error.message
    raised = kind(message)
    raised.status = error.status
    return raised


async def translated(call: Awaitable[T]) -> T:
    """Await a client call; RemoteError → EngineError subclass, RemoteUnavailable → SourceError."""
    try:
        return await call
    except RemoteError as error:
        raise engine_error(error) from None
    except RemoteUnavailable as error:
        raise SourceError(str(error)) from None
