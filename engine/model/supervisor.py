"""The supervisor admin API's model: its state, the scheduled jobs and their (partial) results."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, StrictBool, StrictInt

from .base import REQUEST_CONFIG, PrintableName, WireModel
from .task_types import JOB_TASK_TYPES
from .times import ApiTime

MAX_INTERVAL_SECONDS = 10 * 365 * 86400
"""The longest interval a job may have (ten years)."""


class SupervisorState(StrEnum):
    RUNNING = "RUNNING"
    HALTED = "HALTED"
    FINISHED = "FINISHED"


class JobState(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


RESULT_CLEANED_UP = "cleaned up"
"""The result code of a run, and of its partials still running then, completed by the reschedule clean-up: the
state stays ``completed`` (so the runbook's SQL and the seed's tables keep their three states), the code says that
no work finished it."""


class ScheduledJob(WireModel):
    """A row of ``SCHEDULED_JOBS``: what runs, from when, how often."""

    id: int
    name: str
    task_type: str = Field(description="the background work this job kicks off, e.g. volume_inspect")
    scheduled_start: datetime
    interval_seconds: int = Field(ge=1)
    enabled: bool = True
    remote: bool = False
    until: datetime | None = Field(
        default=None, description="the last scheduled_start this job may run at; past it the job is exhausted"
    )


class PartialJobResult(WireModel):
    """A row of ``PARTIAL_JOB_RESULTS``: one part of a job run, e.g. one cluster of a remote job."""

    id: int
    job_result_id: int
    cluster: str
    state: JobState
    started: datetime
    duration: int | None = None
    result_code: str | None = None
    cleaned_up: bool = Field(
        default=False, description="completed by the reschedule clean-up while still running (result_code 'cleaned up')"
    )


class JobResult(WireModel):
    """A row of ``JOB_RESULTS``; ``(job_id, scheduled_start)`` is unique."""

    id: int
    job_id: int
    scheduled_start: datetime
    state: JobState
    started: datetime
    finished: datetime | None = None
    result_code: str | None = None
    partials: list[PartialJobResult] = Field(default_factory=list)
    hanging: bool = Field(default=False, description="running far longer than the job's interval")
    cleaned_up: bool = Field(
        default=False,
        description="completed by the reschedule clean-up, not by its work (result_code 'cleaned up')",
    )


class SupervisorView(WireModel):
    """Everything the jobs screen shows, in one piece."""

    configured: bool = True
    state: SupervisorState | None = None
    running_job_id: int | None = None
    jobs: list[ScheduledJob] = Field(default_factory=list)
    results: list[JobResult] = Field(default_factory=list)
    last_error: str | None = Field(
        default=None,
        description="why the supervisor thread stopped by itself (e.g. a DuplicateKeyException), else what is "
        "quarantined",
    )
    quarantined: list[str] = Field(
        default_factory=list,
        description="rows that cannot be read, each with the statement that fixes it; their jobs do not run "
        "until the row is fixed and the supervisor restarted",
    )


class RescheduleRequest(WireModel):
    """Clean-up option (b): mark the hanging run completed and move ``scheduled_start`` on."""

    model_config = REQUEST_CONFIG

    job_id: StrictInt = Field(ge=1)
    scheduled_start: ApiTime | None = Field(
        default=None,
        description="the new scheduled_start; defaults to the old one plus the interval (400 if that is past "
        "9999-12-31T23:59:59Z)",
    )


class DeleteRunRequest(WireModel):
    """Clean-up option (a): delete the run's JOB_RESULTS row and its PARTIAL_JOB_RESULTS rows."""

    model_config = REQUEST_CONFIG

    job_id: StrictInt = Field(ge=1)
    scheduled_start: ApiTime


class AddJobRequest(WireModel):
    """Body of ``POST /api/supervisor/jobs``: a new row of ``SCHEDULED_JOBS``."""

    model_config = REQUEST_CONFIG

    name: PrintableName
    task_type: str = Field(
        min_length=1,
        max_length=64,
        description="the background work each run starts",
        json_schema_extra={"enum": list(JOB_TASK_TYPES)},
    )
    interval_seconds: StrictInt = Field(ge=1, le=MAX_INTERVAL_SECONDS)
    start: ApiTime | None = Field(default=None, description="the first scheduled_start; defaults to now")
    remote: StrictBool = Field(default=False, description="one partial result per IDC instead of one for the node")
    until: ApiTime | None = Field(default=None, description="the last scheduled_start the job may run at")


class UpdateJobRequest(WireModel):
    """Body of ``PATCH /api/supervisor/jobs/{job_id}``: the fields to change; a field left out stays as it is.

    ``until: null`` removes the end of the schedule. At least one field must be given.
    """

    model_config = REQUEST_CONFIG

    interval_seconds: StrictInt | None = Field(default=None, ge=1, le=MAX_INTERVAL_SECONDS)
    enabled: StrictBool | None = Field(default=None, description="false keeps the job but stops it from running")
    until: ApiTime | None = Field(
        default=None,
        description="the last scheduled_start the job may run at; null removes the end; not before the job's "
        "next scheduled_start",
    )
