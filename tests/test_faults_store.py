"""A damaged or read-only store: a clear StoreError at start, the file untouched; a failed write loses nothing.

We run as root, so file modes do not stop writes; "read-only" here is the immutable attribute (``chattr +i``),
which the kernel enforces for root too. Each such test first proves that a write really is refused, and is skipped
where the filesystem has no immutable attribute.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig
from engine.errors import StoreError

ROOT = Path(__file__).resolve().parent.parent
SCHEDTOP = Path(sys.executable).parent / "schedtop"
QUIET = {"balance": False, "shard_repair": False, "blob_delete": False, "volume_inspect": False}


def config(db: Path, clock: ManualClock | None = None) -> EngineConfig:
    return EngineConfig(db_path=db, clock=clock or ManualClock(), autorun=False, failure_rate=0.0, enabled=QUIET)


async def make_store(db: Path) -> None:
    engine = await Engine.open(config(db))
    await engine.break_disk(101)
    await engine.advance(5)
    await engine.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def damaged_in_the_middle(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes(range(256)) * 16 + data[middle + 4096 :]


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[None]:
    """``chattr +i`` for the duration; skips the test unless writes (as root) are then really refused."""
    if shutil.which("chattr") is None:
        pytest.skip("no chattr: cannot make a file read-only for root")
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False).returncode != 0:
        pytest.skip("this filesystem has no immutable attribute")
    try:
        probe = path / "probe" if path.is_dir() else path
        try:
            with open(probe, "ab") as handle:
                handle.write(b"")
        except PermissionError:
            pass
        else:
            pytest.skip("the immutable attribute does not stop writes here")
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True, check=False)


async def test_a_database_damaged_in_the_middle_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    await make_store(db)
    db.write_bytes(damaged_in_the_middle(db.read_bytes()))
    before = digest(db)
    with pytest.raises(StoreError, match=r"corrupt|not a valid SQLite database"):
        await Engine.open(config(db))
    assert digest(db) == before
    with pytest.raises(StoreError, match=r"corrupt|not a valid SQLite database"):  # and the lock was released
        await Engine.open(config(db))


async def test_a_truncated_database_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    await make_store(db)
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 3])
    before = digest(db)
    with pytest.raises(StoreError, match="not a valid SQLite database"):
        await Engine.open(config(db))
    assert digest(db) == before


async def test_a_read_only_store_file_is_refused_with_its_data_intact(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    await make_store(db)
    before = digest(db)
    with immutable(db), pytest.raises(StoreError, match=r"cannot (open|write) store .*(writ|read-?only)"):
        await Engine.open(config(db))
    assert digest(db) == before
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:  # and nothing in it was lost
        assert conn.execute("SELECT COUNT(*) FROM tasks WHERE module = 'disk_repair'").fetchone()[0] > 1


async def test_a_store_in_a_read_only_directory_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "engine.db"
    await make_store(db)
    before = digest(db)
    with immutable(folder), pytest.raises(StoreError, match="cannot open store"):
        await Engine.open(config(db))
    assert digest(db) == before


@pytest.mark.parametrize(
    ("command", "code"),
    [
        ([sys.executable, "-m", "engine", "--db"], 2),
        ([str(SCHEDTOP), "serve", "--port", "0", "--db"], 2),
        ([str(SCHEDTOP), "--db"], 1),
    ],
    ids=["python -m engine", "schedtop serve", "schedtop"],
)
def test_every_entry_point_refuses_a_corrupt_store_with_a_message(
    tmp_path: Path, command: list[str], code: int
) -> None:
    db = tmp_path / "engine.db"
    db.write_bytes(b"SQLite format 3\x00" + b"\x07" * 8000)
    before = digest(db)
    result = subprocess.run([*command, str(db)], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == code
    assert "not a valid SQLite database" in result.stderr or "corrupt" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert digest(db) == before


async def test_a_tick_that_cannot_commit_is_written_in_full_by_the_next_one(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    clock = ManualClock()
    engine = await Engine.open(config(db, clock))
    refuse_commit = True

    def authorizer(action: int, arg1: str | None, *_: object) -> int:
        if action == sqlite3.SQLITE_TRANSACTION and arg1 == "COMMIT" and refuse_commit:
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    try:
        await engine.break_disk(101)
        await engine.advance(20)  # migrations running, some finished and folded away (deleted rows)
        removed_before = set(engine.tm.removed_log)
        engine.store.connection.set_authorizer(authorizer)
        for tick in range(120):  # failing ticks until children have finished and gone (rows to delete later)
            with pytest.raises(StoreError, match="cannot write store"):
                await engine.advance(1)
            if tick >= 3 and set(engine.tm.removed_log) - removed_before:
                break
        assert set(engine.tm.removed_log) - removed_before, "the failed ticks removed tasks"
        refuse_commit = False
        await engine.advance(1)
        expected = {task_id: task.state.value for task_id, task in engine.tm.tasks.items()}
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            stored = {i: r for i, r in conn.execute("SELECT id, json_extract(record, '$.state') FROM tasks")}
        assert stored == expected, "no task of the failed tick is missing, stale or still there after it went"
    finally:
        engine.store.connection.set_authorizer(None)
        await engine.close()
    reopened = await Engine.open(config(db, clock))
    try:
        assert {i: t.state.value for i, t in reopened.tm.tasks.items()} == expected
    finally:
        await reopened.close()
