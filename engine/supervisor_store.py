"""The supervisor's SQLite tables, named and shaped as in the scheduler admin seed so its clean-up SQL runs as written.

Times are stored as ``'YYYY-MM-DD HH:MM:SS'`` UTC text (the seed's literals compare against them directly); the
model carries aware UTC datetimes; :mod:`engine.model.times` owns the conversion and its range. ``JOB_RESULTS`` has
``UNIQUE(job_id, scheduled_start)``: the key whose clash the seed calls a DuplicateKeyException.

A row that cannot be read (an operator's typo, a bad state word) never stops the schedule: the reads skip it and
keep it *quarantined* — listed with the statement that fixes it, logged once, and its job held back — until it
reads again. :meth:`SupervisorStore.heal` rewrites, padded, the times an older version stored with an unpadded
year (``'1-01-01 00:00:00'``).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from .model.supervisor import (
    RESULT_CLEANED_UP,
    JobResult,
    JobState,
    PartialJobResult,
    ScheduledJob,
    SupervisorState,
)
from .model.times import STORED_FORM, from_text, to_text, unpadded_year_fixed

T = TypeVar("T")
log = logging.getLogger("schedtop.supervisor")

SCHEMA = """
CREATE TABLE IF NOT EXISTS SCHEDULED_JOBS (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    task_type TEXT NOT NULL,
    scheduled_start TEXT NOT NULL,
    interval_seconds INTEGER NOT NULL CHECK (interval_seconds >= 1),
    enabled INTEGER NOT NULL DEFAULT 1,
    remote INTEGER NOT NULL DEFAULT 0,
    until TEXT
);
CREATE TABLE IF NOT EXISTS JOB_RESULTS (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL REFERENCES SCHEDULED_JOBS (id),
    scheduled_start TEXT NOT NULL,
    state TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT,
    result_code TEXT,
    UNIQUE (job_id, scheduled_start)
);
CREATE TABLE IF NOT EXISTS PARTIAL_JOB_RESULTS (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_result_id INTEGER NOT NULL REFERENCES JOB_RESULTS (id),
    cluster TEXT NOT NULL,
    state TEXT NOT NULL,
    started TEXT NOT NULL,
    duration INTEGER,
    result_code TEXT
);
CREATE INDEX IF NOT EXISTS PARTIAL_JOB_RESULTS_BY_RESULT ON PARTIAL_JOB_RESULTS (job_result_id);
CREATE INDEX IF NOT EXISTS JOB_RESULTS_BY_STATE ON JOB_RESULTS (state);
CREATE TABLE IF NOT EXISTS SUPERVISOR (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    mode TEXT NOT NULL,
    last_error TEXT
);
"""

_JOB_COLUMNS = "id, name, task_type, scheduled_start, interval_seconds, enabled, remote, until"
_RESULT_COLUMNS = "id, job_id, scheduled_start, state, started, finished, result_code"
_PARTIAL_COLUMNS = "id, job_result_id, cluster, state, started, duration, result_code"
_TIME_COLUMNS = {
    "SCHEDULED_JOBS": ("scheduled_start", "until"),
    "JOB_RESULTS": ("scheduled_start", "started", "finished"),
    "PARTIAL_JOB_RESULTS": ("started",),
}
# A year of 1 to 3 digits then '-': what strftime('%Y') wrote for years below 1000.
_UNPADDED = " OR ".join(f"{{column}} GLOB '{'[0-9]' * digits}-*'" for digits in (1, 2, 3))


class BadRow(ValueError):
    """A row an operator (or an older version) left unreadable, e.g. a malformed time; the message says how to fix it."""

    def __init__(self, table: str, row_id: object, column: str, problem: str, placeholder: str) -> None:
        super().__init__(
            f"{table} id {row_id} {column}: {problem}; fix the row with "
            f"UPDATE {table} SET {column} = {placeholder} WHERE id = {row_id} and restart the supervisor"
        )
        self.table = table
        self.row_id = row_id


@dataclass(frozen=True, slots=True)
class Quarantined:
    """A row that could not be read the last time it was; ``job_id`` is the job it holds back, if known."""

    table: str
    row_id: object
    job_id: int | None
    message: str


def _time(text: object, table: str, row_id: object, column: str) -> datetime:
    try:
        return from_text(str(text))
    except ValueError as error:
        raise BadRow(table, row_id, column, str(error), f"'{STORED_FORM}'") from None


def _optional_time(text: object, table: str, row_id: object, column: str) -> datetime | None:
    return None if text in (None, "") else _time(text, table, row_id, column)


def _whole(value: object, table: str, row_id: object, column: str) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise BadRow(table, row_id, column, f"{value!r} is not a whole number", "N") from None


class SupervisorStore:
    """Row-level access to the supervisor tables over a connection someone else may own and commit."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        # One statement at a time: executescript() would first commit whatever the owner has pending.
        for statement in SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        self._quarantine: dict[tuple[str, object], Quarantined] = {}
        self._logged: set[tuple[str, object]] = set()

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """All or nothing, whether or not the owner's connection is in autocommit mode (a savepoint nests)."""
        self.conn.execute("SAVEPOINT supervisor")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK TO supervisor")
            self.conn.execute("RELEASE supervisor")
            raise
        self.conn.execute("RELEASE supervisor")

    # -- low level ------------------------------------------------------------------------------------------
    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self.conn.cursor()
        cursor.row_factory = None  # the owner may have set sqlite3.Row or a dict factory; we index by position
        return [tuple(row) for row in cursor.execute(sql, params).fetchall()]

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write; returns lastrowid (inserts) or rowcount (updates/deletes)."""
        cursor = self.conn.execute(sql, params)
        if not sql.lstrip().upper().startswith("INSERT"):
            return cursor.rowcount
        row_id = cursor.lastrowid
        if row_id is None:  # every execute sets it; None only on a cursor that never ran anything
            raise sqlite3.InterfaceError("no lastrowid after an INSERT")
        return row_id

    # -- broken rows ----------------------------------------------------------------------------------------
    def heal(self) -> int:
        """Rewrite, padded, the times an older version stored with an unpadded year; returns how many it rewrote.

        Best effort: on a store that cannot be written the rows stay as they are, and the reads quarantine them.
        """
        fixes: list[tuple[str, str, object, str]] = []
        for table, columns in _TIME_COLUMNS.items():
            for column in columns:
                for row_id, text in self._rows(
                    f"SELECT id, {column} FROM {table} WHERE {_UNPADDED.format(column=column)}"
                ):
                    fixed = unpadded_year_fixed(text)
                    if fixed is not None:
                        fixes.append((table, column, row_id, fixed))
        if not fixes:
            return 0
        healed = 0
        try:
            with self.atomic():
                for table, column, row_id, fixed in fixes:
                    # OR IGNORE: a run whose padded (job, scheduled_start) already exists stays, to be quarantined.
                    healed += self.execute(f"UPDATE OR IGNORE {table} SET {column} = ? WHERE id = ?", (fixed, row_id))
        except sqlite3.Error as error:
            log.warning("could not rewrite the times stored with an unpadded year: %s", error)
            return 0
        log.warning("rewrote %d time(s) an older schedtop stored with an unpadded year, e.g. %s", healed, fixes[0][3])
        return healed

    def quarantined(self) -> list[Quarantined]:
        """The rows that could not be read the last time they were, oldest table first."""
        return list(self._quarantine.values())

    def held_jobs(self) -> set[int]:
        """Jobs a quarantined row holds back: its own row, or one of its runs', cannot be read."""
        return {entry.job_id for entry in self._quarantine.values() if entry.job_id is not None}

    def forget_quarantine(self) -> None:
        """Start afresh before reading everything again: rows still unreadable are quarantined again (not logged
        again); rows deleted since are forgotten."""
        self._quarantine.clear()

    def _readable(self, table: str, row_id: object, job_id: object, build: Callable[[], T]) -> T | None:
        """``build()``, or None when the row cannot be read: then it is quarantined."""
        try:
            value = build()
        except BadRow as error:
            self._hold(table, row_id, job_id, error)
            return None
        self._release(table, row_id)
        return value

    def _hold(self, table: str, row_id: object, job_id: object, error: BadRow) -> None:
        key = (table, row_id)
        held = job_id if isinstance(job_id, int) and not isinstance(job_id, bool) else None
        message = f"{error}; until then job {held} does not run" if held is not None else str(error)
        self._quarantine[key] = Quarantined(table, row_id, held, message)
        if key not in self._logged:  # once, not at every tick and every refresh of the dashboard
            self._logged.add(key)
            log.warning("quarantined a row that cannot be read: %s", message)

    def _release(self, table: str, row_id: object) -> None:
        key = (table, row_id)
        self._quarantine.pop(key, None)
        self._logged.discard(key)

    # -- supervisor row -------------------------------------------------------------------------------------
    def mode(self) -> tuple[SupervisorState, str | None]:
        rows = self._rows("SELECT mode, last_error FROM SUPERVISOR WHERE id = 1")
        if not rows:
            return SupervisorState.RUNNING, None
        mode, last_error = rows[0]
        state = SupervisorState.HALTED if mode == SupervisorState.HALTED.value else SupervisorState.RUNNING
        return state, last_error

    def set_mode(self, mode: SupervisorState, last_error: str | None) -> None:
        self.execute(
            "INSERT INTO SUPERVISOR (id, mode, last_error) VALUES (1, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET mode = excluded.mode, last_error = excluded.last_error",
            (mode.value, last_error),
        )

    # -- jobs -----------------------------------------------------------------------------------------------
    def job_count(self) -> int:
        return int(self._rows("SELECT count(*) FROM SCHEDULED_JOBS")[0][0])

    def jobs(self) -> list[ScheduledJob]:
        """Every job that can be read; the others are quarantined."""
        jobs = [
            self._readable("SCHEDULED_JOBS", row[0], row[0], functools.partial(self._job, row))
            for row in self._rows(f"SELECT {_JOB_COLUMNS} FROM SCHEDULED_JOBS ORDER BY id")
        ]
        return [job for job in jobs if job is not None]

    def job(self, job_id: int) -> ScheduledJob | None:
        """The job, None if there is none; raises BadRow (and quarantines it) if its row cannot be read."""
        rows = self._rows(f"SELECT {_JOB_COLUMNS} FROM SCHEDULED_JOBS WHERE id = ?", (job_id,))
        if not rows:
            return None
        try:
            job = self._job(rows[0])
        except BadRow as error:
            self._hold("SCHEDULED_JOBS", job_id, job_id, error)
            raise
        self._release("SCHEDULED_JOBS", job_id)
        return job

    def job_named(self, name: str) -> int | None:
        """The id of the job called ``name``, whether or not its row can be read."""
        rows = self._rows("SELECT id FROM SCHEDULED_JOBS WHERE name = ?", (name,))
        return int(rows[0][0]) if rows else None

    def insert_job(
        self,
        name: str,
        task_type: str,
        scheduled_start: datetime,
        interval_seconds: int,
        remote: bool,
        until: datetime | None,
    ) -> int:
        return self.execute(
            "INSERT INTO SCHEDULED_JOBS (name, task_type, scheduled_start, interval_seconds, enabled, remote, until)"
            " VALUES (?, ?, ?, ?, 1, ?, ?)",
            (
                name,
                task_type,
                to_text(scheduled_start),
                interval_seconds,
                int(remote),
                None if until is None else to_text(until),
            ),
        )

    def set_scheduled_start(self, job_id: int, scheduled_start: datetime) -> None:
        self.execute("UPDATE SCHEDULED_JOBS SET scheduled_start = ? WHERE id = ?", (to_text(scheduled_start), job_id))

    def set_enabled(self, job_id: int, enabled: bool) -> None:
        self.execute("UPDATE SCHEDULED_JOBS SET enabled = ? WHERE id = ?", (int(enabled), job_id))

    def set_interval(self, job_id: int, interval_seconds: int) -> None:
        self.execute("UPDATE SCHEDULED_JOBS SET interval_seconds = ? WHERE id = ?", (interval_seconds, job_id))

    def set_until(self, job_id: int, until: datetime | None) -> None:
        self.execute(
            "UPDATE SCHEDULED_JOBS SET until = ? WHERE id = ?", (None if until is None else to_text(until), job_id)
        )

    def job_exists(self, job_id: int) -> bool:
        """Whether SCHEDULED_JOBS has the row, readable or not."""
        return bool(self._rows("SELECT 1 FROM SCHEDULED_JOBS WHERE id = ?", (job_id,)))

    def runs_in_flight(self, job_id: int) -> list[tuple[int, str]]:
        """(id, scheduled_start text) of the job's runs still running, read as text so that a garbled one counts."""
        return [
            (int(run_id), str(start))
            for run_id, start in self._rows(
                "SELECT id, scheduled_start FROM JOB_RESULTS WHERE job_id = ? AND lower(trim(state)) = ? ORDER BY id",
                (job_id, JobState.RUNNING.value),
            )
        ]

    def delete_job(self, job_id: int) -> int:
        """Delete the job with its runs and their partial results (children first); returns how many runs went."""
        self.execute(
            "DELETE FROM PARTIAL_JOB_RESULTS WHERE job_result_id IN (SELECT id FROM JOB_RESULTS WHERE job_id = ?)",
            (job_id,),
        )
        runs = self.execute("DELETE FROM JOB_RESULTS WHERE job_id = ?", (job_id,))
        self.execute("DELETE FROM SCHEDULED_JOBS WHERE id = ?", (job_id,))
        return runs

    @staticmethod
    def _job(row: tuple[Any, ...]) -> ScheduledJob:
        job_id, name, task_type, start, interval, enabled, remote, until = row
        table = "SCHEDULED_JOBS"
        return ScheduledJob(
            id=job_id,
            name=name,
            task_type=task_type,
            scheduled_start=_time(start, table, job_id, "scheduled_start"),
            interval_seconds=max(1, _whole(interval, table, job_id, "interval_seconds")),
            enabled=bool(enabled),
            remote=bool(remote),
            until=_optional_time(until, table, job_id, "until"),
        )

    # -- runs -----------------------------------------------------------------------------------------------
    def insert_run(self, job_id: int, scheduled_start: datetime, started: datetime) -> int:
        """Raises sqlite3.IntegrityError when (job_id, scheduled_start) already has a run."""
        return self.execute(
            "INSERT INTO JOB_RESULTS (job_id, scheduled_start, state, started) VALUES (?, ?, ?, ?)",
            (job_id, to_text(scheduled_start), JobState.RUNNING.value, to_text(started)),
        )

    def insert_partial(self, job_result_id: int, cluster: str, started: datetime) -> int:
        return self.execute(
            "INSERT INTO PARTIAL_JOB_RESULTS (job_result_id, cluster, state, started) VALUES (?, ?, ?, ?)",
            (job_result_id, cluster, JobState.RUNNING.value, to_text(started)),
        )

    def run_id(self, job_id: int, scheduled_start: datetime) -> int | None:
        rows = self._rows(
            "SELECT id FROM JOB_RESULTS WHERE job_id = ? AND scheduled_start = ?", (job_id, to_text(scheduled_start))
        )
        return int(rows[0][0]) if rows else None

    def run(self, run_id: int) -> JobResult | None:
        """The run, None if there is none or it cannot be read (then it is quarantined)."""
        rows = self._rows(f"SELECT {_RESULT_COLUMNS} FROM JOB_RESULTS WHERE id = ?", (run_id,))
        results = self._results(rows)
        return results[0] if results else None

    def running_runs(self) -> list[JobResult]:
        rows = self._rows(
            f"SELECT {_RESULT_COLUMNS} FROM JOB_RESULTS WHERE state = ? ORDER BY id", (JobState.RUNNING.value,)
        )
        return self._results(rows)

    def recent_runs(self, limit: int) -> list[JobResult]:
        """Every running run plus the newest ``limit`` others, newest first."""
        rows = self._rows(
            f"SELECT {_RESULT_COLUMNS} FROM JOB_RESULTS WHERE state = ? OR id IN "
            "(SELECT id FROM JOB_RESULTS ORDER BY id DESC LIMIT ?) ORDER BY id DESC",
            (JobState.RUNNING.value, limit),
        )
        return self._results(rows)

    def finish_run(self, run_id: int, state: JobState, finished: datetime, result_code: str) -> None:
        self.execute(
            "UPDATE JOB_RESULTS SET state = ?, finished = ?, result_code = ? WHERE id = ?",
            (state.value, to_text(finished), result_code, run_id),
        )

    def finish_partial(self, partial_id: int, state: JobState, duration: int, result_code: str) -> None:
        self.execute(
            "UPDATE PARTIAL_JOB_RESULTS SET state = ?, duration = ?, result_code = ? WHERE id = ?",
            (state.value, max(0, duration), result_code, partial_id),
        )

    def delete_run(self, run_id: int) -> None:
        # Children first, as the seed's runbook does, so it works with foreign keys on.
        self.execute("DELETE FROM PARTIAL_JOB_RESULTS WHERE job_result_id = ?", (run_id,))
        self.execute("DELETE FROM JOB_RESULTS WHERE id = ?", (run_id,))

    def _results(self, rows: list[tuple[Any, ...]]) -> list[JobResult]:
        """The runs that can be read, each with its partials; a run with an unreadable partial is left out too."""
        results = [self._readable("JOB_RESULTS", row[0], row[1], functools.partial(self._result, row)) for row in rows]
        by_id = {result.id: result for result in results if result is not None}
        if not by_id:
            return []
        marks = ",".join("?" for _ in by_id)
        partial_rows = self._rows(
            f"SELECT {_PARTIAL_COLUMNS} FROM PARTIAL_JOB_RESULTS WHERE job_result_id IN ({marks}) ORDER BY id",
            tuple(by_id),
        )
        broken: set[int] = set()
        for row in partial_rows:
            run = by_id[row[1]]
            partial = self._readable("PARTIAL_JOB_RESULTS", row[0], run.job_id, functools.partial(self._partial, row))
            if partial is None:
                broken.add(run.id)
            else:
                run.partials.append(partial)
        return [result for result in by_id.values() if result.id not in broken]

    @staticmethod
    def _result(row: tuple[Any, ...]) -> JobResult:
        run_id, job_id, start, state, started, finished, result_code = row
        table = "JOB_RESULTS"
        return JobResult(
            id=run_id,
            job_id=_whole(job_id, table, run_id, "job_id"),
            scheduled_start=_time(start, table, run_id, "scheduled_start"),
            state=_state(state, table, run_id),
            started=_time(started, table, run_id, "started"),
            finished=_optional_time(finished, table, run_id, "finished"),
            result_code=result_code,
            cleaned_up=result_code == RESULT_CLEANED_UP,
        )

    @staticmethod
    def _partial(row: tuple[Any, ...]) -> PartialJobResult:
        partial_id, run_id, cluster, state, started, duration, result_code = row
        table = "PARTIAL_JOB_RESULTS"
        return PartialJobResult(
            id=partial_id,
            job_result_id=run_id,
            cluster=cluster,
            state=_state(state, table, partial_id),
            started=_time(started, table, partial_id, "started"),
            duration=None if duration is None else _whole(duration, table, partial_id, "duration"),
            result_code=result_code,
            cleaned_up=result_code == RESULT_CLEANED_UP,
        )


def _state(text: object, table: str, row_id: object) -> JobState:
    try:
        return JobState(str(text).strip().lower())
    except ValueError:
        allowed = ", ".join(state.value for state in JobState)
        problem = f"{text!r} is not a state (one of {allowed})"
        raise BadRow(table, row_id, "state", problem, "'running|completed|failed'") from None


def running_partials(results: Iterable[JobResult]) -> list[PartialJobResult]:
    return [partial for result in results for partial in result.partials if partial.state is JobState.RUNNING]
