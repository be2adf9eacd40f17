"""Ocient-style distributed tasks: create and cancel rebuild / check_disk / rebalance as JSON or as statements.

``POST /api/statements`` takes the seed's text (``CREATE TASK … ;`` or ``CANCEL TASK '…';``) either as a
``text/plain`` body or as JSON ``{"statement": …}``; a statement that does not parse answers 400 with the parser's
message (which names what is wrong and where).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from ..model import CancelTaskRequest, CreateTaskRequest, StatementRequest, StatementResult
from .deps import Engine, model_json

router = APIRouter(prefix="/api", tags=["distributed tasks"])

_STATEMENT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/plain": {"schema": {"type": "string", "example": "CREATE TASK TYPE rebalance;"}},
            "application/json": {"schema": StatementRequest.model_json_schema()},
        },
    }
}


@router.post(
    "/tasks",
    response_model=StatementResult,
    responses={400: {"description": "bad task"}, 409: {"description": "a task of that name is already running"}},
)
async def create_task(body: CreateTaskRequest, engine: Engine) -> Response:
    """``CREATE TASK`` as JSON; LOCATION NODE is refused for rebuild and rebalance."""
    task_id = await engine.create_task(body)
    message = f"created {body.type.value} task {task_id} at {body.location}"
    return model_json(StatementResult(action="create", task_id=task_id, name=body.name, message=message))


@router.post(
    "/tasks/cancel",
    response_model=StatementResult,
    responses={
        400: {"description": "bad request"},
        404: {"description": "no such task"},
        409: {"description": "the task has already finished: there is nothing to cancel"},
    },
)
async def cancel_task(body: CancelTaskRequest, engine: Engine) -> Response:
    """``CANCEL TASK`` as JSON, by the task's name or id."""
    task_id = await engine.cancel_task(body.task)
    return model_json(StatementResult(action="cancel", task_id=task_id, message=f"cancelled task {task_id}"))


@router.post(
    "/statements",
    response_model=StatementResult,
    openapi_extra=_STATEMENT_BODY,
    responses={
        400: {"description": "the statement does not parse or is refused"},
        404: {"description": "CANCEL TASK names no task"},
        409: {
            "description": "CREATE TASK names a task that is already running, or CANCEL TASK one that has already "
            "finished"
        },
    },
)
async def execute(request: Request, engine: Engine) -> Response:
    """Run one ``CREATE TASK`` or ``CANCEL TASK`` statement."""
    raw = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            statement = StatementRequest.model_validate_json(raw).statement
        except ValidationError as error:
            raise RequestValidationError(_as_body_errors(error)) from None
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise RequestValidationError(
                [{"loc": ("body",), "msg": "the statement is not UTF-8 text", "type": "value_error"}]
            ) from None
        try:
            statement = StatementRequest(statement=text.strip()).statement
        except ValidationError as error:
            raise RequestValidationError(_as_body_errors(error)) from None
    return model_json(await engine.execute(statement))


def _as_body_errors(error: ValidationError) -> list[dict]:
    return [{**item, "loc": ("body", *item.get("loc", ()))} for item in error.errors(include_url=False)]
