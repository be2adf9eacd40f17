"""The forms that add a scheduled job and edit one (interval, enabled, until), validated before anything is sent.

Both build the shared request models (:class:`~engine.model.AddJobRequest`, :class:`~engine.model.UpdateJobRequest`),
so the form refuses what the HTTP API would refuse, with the field named; what only the supervisor can know (a
name taken, an until before the job's next run) comes back from the app through :meth:`FormDialog.show_error`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from pydantic import ValidationError
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Select, Static

from engine.model import AddJobRequest, ScheduledJob, UpdateJobRequest
from engine.model.supervisor import MAX_INTERVAL_SECONDS

from .dialog import FormDialog
from .formatting import human_duration

TIME_FORM = "YYYY-MM-DD HH:MM:SS"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d{1,12})\s*([smhd]?)")
FIELD_LABELS = {"interval_seconds": "interval", "start": "first run", "task_type": "task type"}


def parse_interval(text: str) -> int:
    """Seconds from ``600``, ``90s``, ``10m``, ``2h`` or ``1d``; ValueError naming the interval otherwise."""
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None:
        if not text.strip():
            raise ValueError("interval: enter how often the job runs, e.g. 600 or 10m")
        raise ValueError(f"interval: {text.strip()!r} is not a duration; write seconds (600) or 90s, 10m, 2h, 1d")
    seconds = int(match[1]) * _UNITS[match[2] or "s"]
    if seconds < 1:
        raise ValueError("interval: the job must run at most once a second (1 or more)")
    if seconds > MAX_INTERVAL_SECONDS:
        raise ValueError(f"interval: at most ten years ({MAX_INTERVAL_SECONDS} seconds)")
    return seconds


def interval_text(seconds: int) -> str:
    """The shortest exact way to write an interval in the form's units: ``90s``, ``10m``, ``2h``, ``1d``."""
    for unit in ("d", "h", "m"):
        if seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


def time_text(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def validation_text(error: ValidationError) -> str:
    """The first problem, as ``field: what is wrong``."""
    first = error.errors()[0]
    field = ".".join(str(part) for part in first.get("loc", ())) or "value"
    label = FIELD_LABELS.get(field, field)
    kind = str(first.get("type", ""))
    if kind.startswith(("datetime", "date")) and kind != "datetime_range":
        return f"{label}: not a time; write {TIME_FORM} (UTC), or leave it empty"
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{label}: {message}"


def _optional(text: str) -> str | None:
    return text.strip() or None


class AddJobForm(FormDialog[ScheduledJob]):
    """Posts :class:`AddJobForm.Submitted`; the app answers with :meth:`show_error` or dismisses with the job."""

    DEFAULT_CSS = """
    AddJobForm Select { width: 30; }
    """

    class Submitted(Message):
        def __init__(self, form: AddJobForm, request: AddJobRequest) -> None:
            super().__init__()
            self.form = form
            self.request = request

    def __init__(self, task_types: Sequence[str]) -> None:
        super().__init__()
        self.task_types = tuple(task_types)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Add a scheduled job", classes="dialog--title")
            yield Static("name", classes="dialog--hint")
            yield Input(placeholder="e.g. nightly-inspect", id="job-name")
            yield Static("task type: the background work each run starts", classes="dialog--label")
            yield Select(
                [(task_type, task_type) for task_type in self.task_types],
                value=self.task_types[0],
                allow_blank=False,
                id="job-task-type",
            )
            yield Static("interval: seconds, or 90s, 10m, 2h, 1d", classes="dialog--label")
            yield Input(placeholder="e.g. 10m", id="job-interval")
            yield Static(f"first run ({TIME_FORM} UTC; empty: now)", classes="dialog--label")
            yield Input(placeholder="now", id="job-start")
            yield Static(f"until: the last run's start ({TIME_FORM} UTC; empty: no end)", classes="dialog--label")
            yield Input(placeholder="no end", id="job-until")
            yield Checkbox("remote: one partial result per IDC instead of one for the node", id="job-remote")
            yield self.message
            with Horizontal(classes="dialog--buttons"):
                yield Button("Add job", variant="primary", id="submit")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#job-name", Input).focus()

    def _value(self, selector: str) -> str:
        return self.query_one(selector, Input).value

    def submit(self) -> None:
        if self.busy:
            return
        name = self._value("#job-name").strip()
        if not name:
            self.show_error("name: enter a name for the job")
            return
        try:
            interval = parse_interval(self._value("#job-interval"))
            fields: dict[str, object] = {
                "name": name,
                "task_type": str(self.query_one("#job-task-type", Select).value),
                "interval_seconds": interval,
                "start": _optional(self._value("#job-start")),
                "until": _optional(self._value("#job-until")),
                "remote": self.query_one("#job-remote", Checkbox).value,
            }
            request = AddJobRequest.model_validate(fields)  # the raw texts: the model parses them
        except ValueError as error:
            self.show_error(validation_text(error) if isinstance(error, ValidationError) else str(error))
            return
        self.show_ok("adding …")
        self.busy = True
        self.post_message(self.Submitted(self, request))


class EditJobForm(FormDialog[ScheduledJob]):
    """Posts :class:`EditJobForm.Submitted` with only the fields the user changed."""

    class Submitted(Message):
        def __init__(self, form: EditJobForm, job_id: int, change: UpdateJobRequest) -> None:
            super().__init__()
            self.form = form
            self.job_id = job_id
            self.change = change

    def __init__(self, job: ScheduledJob) -> None:
        super().__init__()
        self.job = job

    def compose(self) -> ComposeResult:
        job = self.job
        with Vertical(id="dialog"):
            # plain text: the name is the user's own
            yield Static(Content(f"Edit job {job.name} (id {job.id})"), classes="dialog--title")
            yield Static(
                f"{job.task_type}{' (remote)' if job.remote else ''} · every {human_duration(job.interval_seconds)}"
                f" · next run {time_text(job.scheduled_start)} UTC",
                classes="dialog--hint",
            )
            yield Static("interval: seconds, or 90s, 10m, 2h, 1d", classes="dialog--label")
            yield Input(interval_text(job.interval_seconds), id="job-interval")
            yield Static(f"until: the last run's start ({TIME_FORM} UTC; empty: no end)", classes="dialog--label")
            yield Input(time_text(job.until), placeholder="no end", id="job-until")
            yield Checkbox("enabled: the job runs when due", job.enabled, id="job-enabled")
            yield self.message
            with Horizontal(classes="dialog--buttons"):
                yield Button("Save", variant="primary", id="submit")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#job-interval", Input).focus()

    def submit(self) -> None:
        if self.busy:
            return
        job = self.job
        fields: dict[str, object] = {}
        try:
            interval = parse_interval(self.query_one("#job-interval", Input).value)
            if interval != job.interval_seconds:
                fields["interval_seconds"] = interval
            enabled = self.query_one("#job-enabled", Checkbox).value
            if enabled != job.enabled:
                fields["enabled"] = enabled
            until = self.query_one("#job-until", Input).value.strip()
            if until != time_text(job.until):
                fields["until"] = until or None
            change = UpdateJobRequest.model_validate(fields)
        except ValueError as error:
            self.show_error(validation_text(error) if isinstance(error, ValidationError) else str(error))
            return
        if not fields:
            self.show_error("nothing changed")
            return
        self.show_ok("saving …")
        self.busy = True
        self.post_message(self.Submitted(self, job.id, change))
