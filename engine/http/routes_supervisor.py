"""The scheduler admin API of the supervisor seed: state, halt, restart, the jobs, and the runbook's two clean-ups.

``state``, ``halt`` and ``restart`` answer the bare word (``RUNNING``, ``HALTED`` or ``FINISHED``) as text, as the
seed shows it, or ``{"state": …}`` when the client asks for JSON (``Accept: application/json``). 503 when no
schedule is configured; 409 for a DuplicateKeyException clash (restart) or a clean-up while not halted.

The schedule itself: ``POST /jobs`` adds a job, ``PATCH /jobs/{job_id}`` changes its interval, enabled flag or
until (with the same validation and error bodies), ``DELETE /jobs/{job_id}`` removes it with its past runs (409
while one of its runs is in flight).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from ..model import (
    AddJobRequest,
    DeleteRunRequest,
    RescheduleRequest,
    ScheduledJob,
    SupervisorState,
    SupervisorView,
    UpdateJobRequest,
)
from .deps import Engine, Responses, model_json, plain_json

router = APIRouter(prefix="/api/supervisor", tags=["supervisor"])

_STATE_DOC: Responses = {
    200: {
        "description": "RUNNING, HALTED or FINISHED",
        "content": {
            "text/plain": {"schema": {"type": "string", "enum": [s.value for s in SupervisorState]}},
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"state": {"type": "string", "enum": [s.value for s in SupervisorState]}},
                }
            },
        },
    },
    503: {"description": "no schedule is configured"},
}
_CLEANUP_ERRORS: Responses = {
    404: {"description": "no such job or run"},
    409: {"description": "the supervisor is not halted"},
    503: {"description": "no schedule is configured"},
}


_JOB_EDIT_ERRORS: Responses = {
    400: {
        "description": "a bad value (the message names the field), nothing to change, an until before the job's "
        "next scheduled_start, or enabling a job that already ran at the last time the calendar has"
    },
    404: {"description": "no job with that id"},
    503: {"description": "the server runs without a supervisor"},
}
_JOB_REMOVE_ERRORS: Responses = {
    404: {"description": "no job with that id"},
    409: {"description": "a run of the job is in flight (code RunInFlight): let it finish or clean it up first"},
    503: {"description": "the server runs without a supervisor"},
}
JobId = Annotated[int, Path(ge=1, le=2**63 - 1, description="the job's id in SCHEDULED_JOBS")]


def _state(request: Request, state: SupervisorState) -> Response:
    accept = request.headers.get("accept", "")
    if "application/json" in accept and "text/plain" not in accept:
        return plain_json({"state": state.value})
    return Response(state.value, media_type="text/plain")


@router.get("/state", response_class=Response, responses=_STATE_DOC)
async def state(request: Request, engine: Engine) -> Response:
    """The supervisor thread's state; 503 when no schedule is configured."""
    return _state(request, await engine.supervisor_state())


@router.post("/halt", response_class=Response, responses=_STATE_DOC)
async def halt(request: Request, engine: Engine) -> Response:
    """Stop the scheduler. Returns at once; a running job is blocked until restart."""
    return _state(request, await engine.supervisor_halt())


@router.post(
    "/restart",
    response_class=Response,
    responses={**_STATE_DOC, 409: {"description": "a DuplicateKeyException clash remains; finish the clean-up"}},
)
async def restart(request: Request, engine: Engine) -> Response:
    """Restart a halted (or runtimed) supervisor thread."""
    return _state(request, await engine.supervisor_restart())


@router.get("/jobs", response_model=SupervisorView)
async def jobs(engine: Engine) -> Response:
    """The scheduled jobs, the recent runs with their partial results (hanging runs flagged) and the state."""
    return model_json(await engine.supervisor_view())


@router.post(
    "/jobs",
    response_model=ScheduledJob,
    responses={400: {"description": "bad job"}, 409: {"description": "a job with that name exists"}},
)
async def add_job(body: AddJobRequest, engine: Engine) -> Response:
    """Add a job to SCHEDULED_JOBS."""
    job = await engine.add_job(
        body.name, body.task_type, body.interval_seconds, body.start, remote=body.remote, until=body.until
    )
    return model_json(job)


@router.patch("/jobs/{job_id}", response_model=ScheduledJob, responses=_JOB_EDIT_ERRORS)
async def update_job(job_id: JobId, body: UpdateJobRequest, engine: Engine) -> Response:
    """Change a job's interval_seconds, enabled and/or until; a field left out stays, ``until: null`` removes
    the end. Answers the job as it now is."""
    return model_json(await engine.update_job(job_id, body))


@router.delete("/jobs/{job_id}", response_model=SupervisorView, responses=_JOB_REMOVE_ERRORS)
async def remove_job(job_id: JobId, engine: Engine) -> Response:
    """Remove a job from SCHEDULED_JOBS together with its past runs (its JOB_RESULTS and PARTIAL_JOB_RESULTS
    rows); refused while one of its runs is in flight. Answers the jobs view as it now is."""
    await engine.remove_job(job_id)
    return model_json(await engine.supervisor_view())


@router.post("/cleanup/delete-run", response_model=SupervisorView, responses=_CLEANUP_ERRORS)
async def cleanup_delete_run(body: DeleteRunRequest, engine: Engine) -> Response:
    """Clean-up (a): delete the run's JOB_RESULTS row and its PARTIAL_JOB_RESULTS so it runs again."""
    await engine.cleanup_delete_run(body.job_id, body.scheduled_start)
    return model_json(await engine.supervisor_view())


@router.post("/cleanup/reschedule", response_model=ScheduledJob, responses=_CLEANUP_ERRORS)
async def cleanup_reschedule(body: RescheduleRequest, engine: Engine) -> Response:
    """Clean-up (b): mark the running partial results completed and move scheduled_start on."""
    return model_json(await engine.cleanup_reschedule(body.job_id, body.scheduled_start))
