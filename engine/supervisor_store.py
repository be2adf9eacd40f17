"""The supervisor's SQLite tables, named and shaped as in the scheduler admin seed so its clean-up SQL runs as written.

Times are stored as ``'YYYY-MM-DD HH:MM:SS'`` UTC text (the seed's literals compare against them directly); the
model carries aware UTC datetimes. ``JOB_RESULTS`` has ``UNIQUE(job_id, scheduled_start)``: the key whose clash
the seed calls a DuplicateKeyException.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from .model.supervisor import JobResult, JobState, PartialJobResult, ScheduledJob, SupervisorState

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

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


class BadRow(ValueError):
    """A row an operator edited into something unreadable (e.g. a malformed time)."""


def to_text(moment: datetime) -> str:
    """The stored form: UTC, whole seconds, ``YYYY-MM-DD HH:MM:SS``. Naive datetimes are taken as UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime(TIME_FORMAT)


def from_text(text: str, where: str) -> datetime:
    """Parse a stored time; tolerant of ISO variants an operator may type (``T``, fractions, offsets)."""
    try:
        parsed = datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise BadRow(f"{where} holds {text!r}, which is not a time 'YYYY-MM-DD HH:MM:SS'") from None
    aware = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0)


def whole_seconds(moment: datetime) -> datetime:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0)


class SupervisorStore:
    """Row-level access to the supervisor tables over a connection someone else may own and commit."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        # One statement at a time: executescript() would first commit whatever the owner has pending.
        for statement in SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)

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
        return cursor.lastrowid if sql.lstrip().upper().startswith("INSERT") else cursor.rowcount

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
        return [self._job(row) for row in self._rows(f"SELECT {_JOB_COLUMNS} FROM SCHEDULED_JOBS ORDER BY id")]

    def job(self, job_id: int) -> ScheduledJob | None:
        rows = self._rows(f"SELECT {_JOB_COLUMNS} FROM SCHEDULED_JOBS WHERE id = ?", (job_id,))
        return self._job(rows[0]) if rows else None

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

    @staticmethod
    def _job(row: tuple[Any, ...]) -> ScheduledJob:
        job_id, name, task_type, start, interval, enabled, remote, until = row
        where = f"SCHEDULED_JOBS id {job_id}"
        return ScheduledJob(
            id=job_id,
            name=name,
            task_type=task_type,
            scheduled_start=from_text(start, f"{where} scheduled_start"),
            interval_seconds=max(1, int(interval)),
            enabled=bool(enabled),
            remote=bool(remote),
            until=None if until in (None, "") else from_text(until, f"{where} until"),
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
        rows = self._rows(f"SELECT {_RESULT_COLUMNS} FROM JOB_RESULTS WHERE id = ?", (run_id,))
        return self._with_partials([self._result(rows[0])])[0] if rows else None

    def running_runs(self) -> list[JobResult]:
        rows = self._rows(
            f"SELECT {_RESULT_COLUMNS} FROM JOB_RESULTS WHERE state = ? ORDER BY id", (JobState.RUNNING.value,)
        )
        return self._with_partials([self._result(row) for row in rows])

    def recent_runs(self, limit: int) -> list[JobResult]:
        """Every running run plus the newest ``limit`` others, newest first."""
        rows = self._rows(
            f"SELECT {_RESULT_COLUMNS} FROM JOB_RESULTS WHERE state = ? OR id IN "
            "(SELECT id FROM JOB_RESULTS ORDER BY id DESC LIMIT ?) ORDER BY id DESC",
            (JobState.RUNNING.value, limit),
        )
        return self._with_partials([self._result(row) for row in rows])

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

    def _with_partials(self, results: list[JobResult]) -> list[JobResult]:
        if not results:
            return results
        by_id = {result.id: result for result in results}
        marks = ",".join("?" for _ in by_id)
        rows = self._rows(
            f"SELECT {_PARTIAL_COLUMNS} FROM PARTIAL_JOB_RESULTS WHERE job_result_id IN ({marks}) ORDER BY id",
            tuple(by_id),
        )
        for row in rows:
            by_id[row[1]].partials.append(self._partial(row))
        return results

    @staticmethod
    def _result(row: tuple[Any, ...]) -> JobResult:
        run_id, job_id, start, state, started, finished, result_code = row
        where = f"JOB_RESULTS id {run_id}"
        return JobResult(
            id=run_id,
            job_id=job_id,
            scheduled_start=from_text(start, f"{where} scheduled_start"),
            state=_state(state, where),
            started=from_text(started, f"{where} started"),
            finished=None if finished in (None, "") else from_text(finished, f"{where} finished"),
            result_code=result_code,
        )

    @staticmethod
    def _partial(row: tuple[Any, ...]) -> PartialJobResult:
        partial_id, run_id, cluster, state, started, duration, result_code = row
        where = f"PARTIAL_JOB_RESULTS id {partial_id}"
        return PartialJobResult(
            id=partial_id,
            job_result_id=run_id,
            cluster=cluster,
            state=_state(state, where),
            started=from_text(started, f"{where} started"),
            duration=None if duration is None else int(duration),
            result_code=result_code,
        )


def _state(text: str, where: str) -> JobState:
    try:
        return JobState(str(text).strip().lower())
    except ValueError:
        allowed = ", ".join(state.value for state in JobState)
        raise BadRow(f"{where} has state {text!r}; expected one of {allowed}") from None


def running_partials(results: Iterable[JobResult]) -> list[PartialJobResult]:
    return [partial for result in results for partial in result.partials if partial.state is JobState.RUNNING]
