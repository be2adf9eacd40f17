"""Map what a remote server answered onto the engine's exception classes, so the UI handles both sources alike."""

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

_BY_STATUS: dict[int, type[EngineError]] = {
    400: InvalidArgument,
    401: NotAbortable,
    403: NotAbortable,
    404: NotFound,
    408: WaitTimeout,
    409: Conflict,
    413: InvalidArgument,
    422: InvalidArgument,
    503: Unavailable,
}


def engine_error(error: RemoteError) -> EngineError:
    if error.status in (401, 403) and "token" in error.message.lower():
        return EngineError(f"refused: {error.message} (pass --token)")
    kind = _BY_STATUS.get(error.status, EngineError)
    raised = kind(error.message)
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
