"""Shared route plumbing: the engine behind the app, and JSON responses serialised by the shared model."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, Response
from pydantic import BaseModel, TypeAdapter

from ..api import EngineAPI


async def get_engine(request: Request) -> EngineAPI:
    # async: FastAPI runs a plain-def dependency in its thread pool, a thread hop on every request (~10 % of the
    # server's CPU under /stats at 1 000 req/s)
    return request.app.state.engine


Engine = Annotated[EngineAPI, Depends(get_engine)]

# The shape FastAPI's ``responses=`` takes; module-level tables need it spelled out, since a literal with only int
# keys would be inferred as ``dict[int, ...]`` and dict is invariant in its key type.
Responses = dict[int | str, dict[str, Any]]


def model_json(value: BaseModel, *, exclude_none: bool = False, status_code: int = 200) -> Response:
    """Serialise with the model's own serialisers (per-minute strings, Scylla times) straight to bytes."""
    return Response(
        value.model_dump_json(exclude_none=exclude_none), status_code=status_code, media_type="application/json"
    )


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def list_json(item_type: type[BaseModel], items: list[Any]) -> Response:
    adapter = _ADAPTERS.get(item_type)
    if adapter is None:
        adapter = _ADAPTERS[item_type] = TypeAdapter(list[item_type])  # type: ignore[valid-type]
    return Response(adapter.dump_json(items), media_type="application/json")


_ANY: TypeAdapter[Any] = TypeAdapter(Any)
"""Built once: a TypeAdapter costs ~40 µs to build, more than serialising a /stats answer."""


def plain_json(value: Any, status_code: int = 200) -> Response:
    return Response(_ANY.dump_json(value), status_code=status_code, media_type="application/json")
