"""The base of every wire-model class: pydantic, with schemas built on first use rather than at import.

Most of the model is never validated in a dashboard session (the engine builds its objects without validation,
see ``engine.trusted``), so building every class's validator and serializer at import only delayed the first
frame: ~60 ms of the start-up.

Also the constraint every request's free-text identifier shares (:data:`PrintableName`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints


class WireModel(BaseModel):
    """A pydantic model whose validator and serializer are built the first time they are needed."""

    model_config = ConfigDict(defer_build=True)


REQUEST_CONFIG = ConfigDict(extra="forbid", defer_build=True)
"""Request bodies: strict about unknown fields. Built by :func:`build_request_models` when the HTTP server is made,
not at import: a dashboard never validates one (building the nine at import was 4 MB of RSS and 20 ms)."""


def build_request_models() -> None:
    """Build every request body's schema now (the HTTP server calls this as it starts).

    FastAPI validates a body through its own TypeAdapter, which would otherwise build the model's schema on the
    first request, outside FastAPI's own handling of pydantic's warnings about its annotations.
    """
    stack: list[type[BaseModel]] = [WireModel]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.model_config.get("extra") == "forbid":
            cls.model_config["defer_build"] = False  # FastAPI's own adapters of the model must not defer either
            cls.model_rebuild(force=True)


NAME_MAX_LENGTH = 128
"""The most characters a name or id in a request may have (task, cluster, node, table and storage names)."""


def _printable(value: str) -> str:
    # str.isprintable is False for control characters (C0, C1, DEL), format characters (the bidi embeddings,
    # overrides and isolates U+202A–U+202E and U+2066–U+2069, zero-width ones), lone surrogates and every space
    # but U+0020: all of them either act on an operator's terminal or make two different names look the same.
    for position, char in enumerate(value, start=1):
        if not char.isprintable():
            raise ValueError(
                f"only printable characters are allowed (no control, formatting or invisible ones); "
                f"character {position} is U+{ord(char):04X}"
            )
    return value


PrintableName = Annotated[str, StringConstraints(min_length=1, max_length=NAME_MAX_LENGTH), AfterValidator(_printable)]
"""A name or id an operator gives and later sees: 1 to :data:`NAME_MAX_LENGTH` printable characters."""


def excerpt(text: str, limit: int = 40) -> str:
    """``text`` fit to quote in an error message: unprintable characters escaped, and at most ``limit`` of them."""
    shown = "".join(char if char.isprintable() else repr(char)[1:-1] for char in text[:limit])
    return shown + "…" if len(text) > limit else shown
