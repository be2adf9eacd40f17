"""The supervisor's scheduled jobs and recent job results, with partial results, hanging runs flagged and runs
completed by the reschedule clean-up marked as such (never as a plain success)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from engine.model import JobResult, JobState, ScheduledJob, SupervisorView

from .formatting import foreground, human_duration
from .keyed_table import KeyedTable
from .quiet import set_display, update_static

JOB_COLUMNS = ("id", "name", "task type", "scheduled_start", "every", "enabled", "remote")
RESULT_COLUMNS = ("id", "job", "scheduled_start", "state", "started", "finished", "result", "partials", "flag")


def _time(value: datetime | None) -> str:
    return "–" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class JobStyles:
    """Colours from the theme (the panel's component classes); plain defaults for tests."""

    running: Style = field(default_factory=lambda: Style(bold=True))
    completed: Style = field(default_factory=Style)
    failed: Style = field(default_factory=lambda: Style(bold=True))
    hanging: Style = field(default_factory=lambda: Style(bold=True, reverse=True))
    cleaned: Style = field(default_factory=lambda: Style(italic=True))
    title: Style = field(default_factory=lambda: Style(bold=True))
    error: Style = field(default_factory=Style)


def job_cells(job: ScheduledJob, running: bool, styles: JobStyles | None = None) -> tuple[str | Text, ...]:
    styles = styles or JobStyles()
    name = Text(job.name, style=Style(bold=True) if running else "")
    if running:
        name.append(" ▶", style=styles.running)
    return (
        str(job.id),
        name,
        job.task_type,
        _time(job.scheduled_start),
        human_duration(job.interval_seconds),
        "yes" if job.enabled else "no",
        "yes" if job.remote else "no",
    )


CLEANED_MARK = "✂ cleaned up"


def result_cells(result: JobResult, job_name: str, styles: JobStyles | None = None) -> tuple[str | Text, ...]:
    styles = styles or JobStyles()
    state_style = {
        JobState.RUNNING: styles.running,
        JobState.COMPLETED: styles.completed,
        JobState.FAILED: styles.failed,
    }[result.state]
    done = sum(1 for p in result.partials if p.state is not JobState.RUNNING)
    # Completed by the clean-up, not by its work: it must not read as "completed … ok".
    state = (
        Text(CLEANED_MARK, style=styles.cleaned) if result.cleaned_up else Text(result.state.value, style=state_style)
    )
    code: str | Text = result.result_code or "–"
    if result.cleaned_up:
        code = Text(str(code), style=styles.cleaned)
    return (
        str(result.id),
        f"{result.job_id} {job_name}",
        _time(result.scheduled_start),
        state,
        _time(result.started),
        _time(result.finished),
        code,
        f"{done}/{len(result.partials)}" if result.partials else "–",
        Text("⚠ HANGING", style=styles.hanging) if result.hanging else "",
    )


def partials_text(result: JobResult | None, styles: JobStyles | None = None) -> Text:
    styles = styles or JobStyles()
    if result is None:
        return Text("select a job result to see its partial results", style=Style(italic=True))
    text = Text(f"result {result.id} of job {result.job_id} @ {_time(result.scheduled_start)}", style=styles.title)
    if result.hanging:
        text.append("  ⚠ hanging: halt, clean up (d = delete run, e = mark completed), restart", style=styles.hanging)
    if result.cleaned_up:
        text.append("  ✂ completed by clean-up (b), not by its work", style=styles.cleaned)
    if not result.partials:
        text.append("\n  no partial results")
    for partial in result.partials:
        state = "cleaned up" if partial.cleaned_up else partial.state.value
        text.append(
            f"\n  #{partial.id} cluster {partial.cluster:<12} {state:<10} started {_time(partial.started)}"
            f"  duration {human_duration(partial.duration) if partial.duration is not None else '–'}"
            f"  result {partial.result_code or '–'}",
            style=styles.cleaned if partial.cleaned_up else "",
        )
    return text


def supervisor_problems(view: SupervisorView) -> list[str]:
    """Why the supervisor stopped, then each row held back from the schedule with the statement that fixes it."""
    problems = [view.last_error] if view.last_error else []
    return problems + [row for row in view.quarantined if row not in problems]


class JobsPanel(Vertical):
    """Jobs table, results table and the selected result's partials; clean-up keys act on the selected result."""

    DEFAULT_CSS = """
    JobsPanel { height: 1fr; }
    JobsPanel > .jobs--title { text-style: bold; color: $text-accent; padding: 0 1; }
    JobsPanel > #jobs-table { height: auto; max-height: 8; }
    JobsPanel > #results-table { height: 1fr; min-height: 4; }
    JobsPanel > #partials { height: auto; max-height: 8; padding: 0 1; background: $panel; }
    JobsPanel > .jobs--note { color: $text-muted; padding: 0 1; }
    JobsPanel > .jobs--running { color: $text-primary; text-style: bold; }
    JobsPanel > .jobs--completed { color: $text-success; }
    JobsPanel > .jobs--failed { color: $text-error; text-style: bold; }
    JobsPanel > .jobs--hanging { color: $text-error; background: $error-muted; text-style: bold; }
    JobsPanel > .jobs--cleaned { color: $text-warning; text-style: italic; }
    JobsPanel > .jobs--heading { color: $text-accent; text-style: bold; }
    JobsPanel > .jobs--error { color: $text-error; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "jobs--running",
        "jobs--completed",
        "jobs--failed",
        "jobs--hanging",
        "jobs--cleaned",
        "jobs--heading",
        "jobs--error",
    }

    class ResultHighlighted(Message):
        def __init__(self, result: JobResult | None) -> None:
            super().__init__()
            self.result = result

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: SupervisorView | None = None
        self.add_hint = ""
        """How to add a job (e.g. ``press a to add one``), shown when there is no schedule; empty: nothing."""
        self.job_keys = ""
        """The schedule's keys (e.g. ``a add · E edit``), shown beside the jobs table's title; empty: none."""
        self._jobs_title = Static("scheduled jobs", classes="jobs--title")
        self._note = Static("waiting for data", classes="jobs--note")
        self.jobs_table = KeyedTable(JOB_COLUMNS, id="jobs-table")
        self.results_table = KeyedTable(RESULT_COLUMNS, id="results-table")
        self._partials = Static(partials_text(None), id="partials")
        self._shown: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        yield self._note
        yield self._jobs_title
        yield self.jobs_table
        yield Static("recent job results", classes="jobs--title")
        yield self.results_table
        yield self._partials

    @property
    def selected_result(self) -> JobResult | None:
        key = self.results_table.selected_key
        if key is None or self.view is None:
            return None
        return next((r for r in self.view.results if str(r.id) == key), None)

    @property
    def selected_job(self) -> ScheduledJob | None:
        """The job under the jobs table's cursor, which follows the job of the result the user moves to."""
        key = self.jobs_table.selected_key
        if key is None or self.view is None:
            return None
        return next((job for job in self.view.jobs if str(job.id) == key), None)

    def _styles(self) -> JobStyles:
        def style(name: str) -> Style:
            return foreground(self.get_component_rich_style(f"jobs--{name}"))

        names = ("running", "completed", "failed", "hanging", "cleaned", "heading", "error")
        return JobStyles(*(style(name) for name in names))

    def show(self, view: SupervisorView | None, error: str = "") -> None:
        if error:
            self._shown = None
            update_static(self._note, Text(f"⚠ {error}", style=self._styles().error))
            set_display(self._note, True)
            return
        if view is None:
            return
        shown = (view, self.app.theme, self.add_hint, self.job_keys)
        if shown == self._shown:
            return
        self._shown = shown
        self.view = view
        styles = self._styles()
        problems = supervisor_problems(view)
        if not view.configured:
            hint = f"; {self.add_hint}" if self.add_hint else ""
            update_static(self._note, Text(f"no schedule is configured (the supervisor answers 503){hint}"))
        elif problems:
            update_static(self._note, Text("\n".join(f"⚠ {problem}" for problem in problems), style=styles.error))
        elif view.state is not None:
            update_static(self._note, f"supervisor {view.state.value}")
        set_display(self._note, not view.configured or bool(problems))
        # Text, not markup: the keys are the user's own ([keys] in the config).
        update_static(
            self._jobs_title, Text(f"scheduled jobs  ({self.job_keys})" if self.job_keys else "scheduled jobs")
        )
        names = {job.id: job.name for job in view.jobs}
        self.jobs_table.sync({str(j.id): job_cells(j, j.id == view.running_job_id, styles) for j in view.jobs})
        self.results_table.sync(
            {
                str(r.id): result_cells(r, names.get(r.job_id, "?"), styles)
                for r in sorted(view.results, key=lambda r: r.id)
            }
        )
        update_static(self._partials, partials_text(self.selected_result, styles))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is self.results_table:
            result = self.selected_result
            update_static(self._partials, partials_text(result, self._styles()))
            if result is not None and self.results_table.has_focus:
                # The job keys act on the jobs table's row: moving through results selects their job, so that what
                # E, space and x act on is always the highlighted job.
                self.jobs_table.select_key(str(result.job_id))
            self.post_message(self.ResultHighlighted(result))
