"""Exceptions of the engine's Python API. Each maps to one HTTP status, so every layer agrees on meaning."""

from __future__ import annotations


class EngineError(Exception):
    """Base class; ``status`` is the HTTP status the API layer answers with."""

    status = 400
    code = "Error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgument(EngineError):
    status = 400
    code = "Argument"


class IllegalTaskType(InvalidArgument):
    code = "illegal_type"


class NotFound(EngineError):
    status = 404
    code = "NotFound"


class NotAbortable(EngineError):
    status = 403
    code = "NotAbortable"


class WaitTimeout(EngineError):
    status = 408
    code = "Timeout"


class Conflict(EngineError):
    """A duplicate key, e.g. a second run of a job for the same ``scheduled_start``."""

    status = 409
    code = "DuplicateKey"


class NotMigrating(EngineError):
    """The disk asked about is not repairing/dropping: CubeFS's plain error, a 500 with no code, answered as is."""

    status = 500
    code = ""


class Unavailable(EngineError):
    """The supervisor has no schedule configured."""

    status = 503
    code = "Unavailable"


class StoreError(EngineError):
    """The SQLite store cannot be opened or written (corrupt, read-only, locked)."""

    status = 503
    code = "Store"


class ReadOnly(EngineError):
    status = 403
    code = "ReadOnly"
