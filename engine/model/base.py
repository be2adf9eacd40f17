"""The base of every wire-model class: pydantic, with schemas built on first use rather than at import.

Most of the model is never validated in a dashboard session (the engine builds its objects without validation,
see ``engine.trusted``), so building every class's validator and serializer at import only delayed the first
frame: ~60 ms of the start-up.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class WireModel(BaseModel):
    """A pydantic model whose validator and serializer are built the first time they are needed."""

    model_config = ConfigDict(defer_build=True)


REQUEST_CONFIG = ConfigDict(extra="forbid", defer_build=False)
"""Request bodies: strict about unknown fields, and built at import — FastAPI validates a body through its own
TypeAdapter, which would otherwise build the model's schema on the first request, outside FastAPI's own handling
of pydantic's warnings about its annotations."""
