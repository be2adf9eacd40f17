"""Recording: the file keeps every snapshot a source delivers, and any tick's state comes back from it."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.cli import main
from app.client_model import ClientModel
from app.config import Config
from app.recording.clock import ReplayClock
from app.recording.reader import Recording
from app.recording.replay_source import ReplaySource
from app.recording.writer import recorded
from app.schedtop_app import SchedtopApp
from app.sources.base import SourceError
from app.sources.embedded import EmbeddedSource

from .app_support import fixed_clock, open_engine
from .fake_upstreams import ROOT, FakeScylla, ServedApp, cubefs_app
from .http_support import ServedEngine
from .recording_support import T0, record_engine


async def test_every_tick_state_comes_back_from_the_nearest_keyframe_and_the_deltas_since(tmp_path: Path) -> None:
    path = tmp_path / "rec.db"
    states = await record_engine(path, 14, keyframe_every=4)
    recording = Recording(path)
    keyframes = recording.db.execute("SELECT COUNT(*) FROM ticks WHERE keyframe IS NOT NULL").fetchone()[0]
    assert keyframes == 3
    assert [set(recording.state_at(0, seq).rows) for seq in range(14)] == states
    assert [set(recording.state_at(0, seq).rows) for seq in reversed(range(14))] == states[::-1]
    recording.close()


async def test_a_replayed_model_seeking_back_and_forth_holds_what_the_source_held(tmp_path: Path) -> None:
    path = tmp_path / "rec.db"
    states = await record_engine(path, 12, keyframe_every=4)
    recording = Recording(path)
    clock = ReplayClock(recording.start, recording.end, playing=False)
    source = ReplaySource(recording, recording.nodes[0], clock)
    model = ClientModel(keep_gone=False)
    for tick in (0, 1, 2, 7, 3, 11, 11, 10, 0, 5, 6):
        clock.seek(T0 + tick)
        model.apply(await source.snapshot(model.revision))
        assert set(model.rows) == states[tick], tick
    recording.close()


def _ticks(path: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return int(db.execute("SELECT COUNT(*) FROM ticks").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def test_a_recorder_killed_with_sigkill_leaves_a_recording_that_replays_to_its_last_tick(tmp_path: Path) -> None:
    path = tmp_path / "rec.db"
    recorder = subprocess.Popen(
        [sys.executable, "-m", "app", "record", "--out", str(path), "--refresh", "0.2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while _ticks(path) < 5:
            assert recorder.poll() is None, recorder.stderr.read() if recorder.stderr else ""
            assert time.monotonic() < deadline, "the recorder wrote no 5 ticks in 30 s"
            time.sleep(0.05)
    finally:
        os.kill(recorder.pid, signal.SIGKILL)
        recorder.wait()
    recording = Recording(path)
    last = recording.ticks(0) - 1
    assert last >= 4
    assert recording.state_at(0, last).latest is not None
    recording.close()


def test_schedtop_record_records_schedtop_serve(tmp_path: Path) -> None:
    path = tmp_path / "rec.db"
    with ServedEngine() as served:
        served.call(served.engine.advance(120.0))
        code = main(["record", "--out", str(path), "--connect", served.url, "--duration", "0.5", "--refresh", "0.2"])
    assert code == 0
    recording = Recording(path)
    assert recording.ticks(0) >= 2 and recording.nodes[0].name == served.url.removeprefix("http://")
    assert recording.state_at(0, recording.ticks(0) - 1).rows
    recording.close()


def test_schedtop_record_records_a_cubefs_scheduler(tmp_path: Path) -> None:
    path = tmp_path / "rec.db"
    with ServedApp(cubefs_app()) as served:
        code = main(["record", "--out", str(path), "--connect", served.url, "--backend", "cubefs", "--duration", "0.3"])
    assert code == 0
    recording = Recording(path)
    latest = recording.state_at(0, 0).latest
    assert latest is not None and [m.disk_id for m in latest.migrations] == [17]
    recording.close()


def test_schedtop_record_records_a_scylla_node(tmp_path: Path) -> None:
    path = tmp_path / "rec.db"
    with ServedApp(FakeScylla().app()) as served:
        code = main(["record", "--out", str(path), "--connect", served.url, "--backend", "scylla", "--duration", "0.3"])
    assert code == 0
    recording = Recording(path)
    assert ROOT in recording.state_at(0, 0).rows
    recording.close()


def test_a_node_that_does_not_answer_is_recorded_and_replayed_as_its_failures(tmp_path: Path) -> None:
    path = tmp_path / "rec.db"
    code = main(["record", "--out", str(path), "--connect", "http://127.0.0.1:9", "--duration", "0.3"])
    assert code == 0
    recording = Recording(path)
    assert recording.error(0, 0)
    source = ReplaySource(recording, recording.nodes[0], ReplayClock(recording.start, recording.end, playing=False))
    with pytest.raises(SourceError, match=recording.error(0, 0) or "?"):
        asyncio.run(source.snapshot())
    recording.close()


def test_record_refuses_to_overwrite_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "precious.txt"
    path.write_text("keep me")
    assert main(["record", "--out", str(path), "--duration", "1"]) == 2
    assert "exists already" in capsys.readouterr().err
    assert path.read_text() == "keep me"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"this is not a database at all, just some text" * 100, "not a schedtop recording"),
        (None, "no such recording"),
        (b"sqlite", "not a schedtop recording"),
    ],
    ids=["text", "missing", "truncated"],
)
def test_replaying_what_is_no_recording_exits_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, reason: str
) -> None:
    path = tmp_path / "file.db"
    if content is not None:
        path.write_bytes(content)
    assert main(["--replay", str(path)]) == 2
    assert reason in capsys.readouterr().err
    if content is not None:
        assert path.read_bytes() == content


def test_replaying_another_sqlite_database_exits_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    db.execute("INSERT INTO meta VALUES ('format', 'something else')")
    db.commit()
    db.close()
    assert main(["--replay", str(path)]) == 2
    assert "not a schedtop recording" in capsys.readouterr().err


async def test_the_live_dashboard_records_what_it_receives_while_one_watches(tmp_path: Path) -> None:
    path = tmp_path / "rec.db"
    engine = await open_engine()
    sources, writer = recorded(path, EmbeddedSource(engine=engine, label="watched"), refresh=1.0)
    app = SchedtopApp(sources, Config(), clock=fixed_clock, auto_refresh=False)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(3):
                await app.refresh_data()
                await engine.advance(30.0)
            await pilot.pause()
            shown = {task for task, row in app.model.rows.items() if not row.gone}
    finally:
        writer.close()
        await engine.close()
    recording = Recording(path)
    assert recording.ticks(0) == 3 and recording.nodes[0].description == "watched"
    assert set(recording.state_at(0, 2).rows) == shown
    recording.close()


def test_the_dashboard_refuses_to_record_over_an_existing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "precious.db"
    path.write_text("keep me")
    assert main(["--record", str(path), "--connect", "http://127.0.0.1:9"]) == 2
    assert "exists already" in capsys.readouterr().err
    assert path.read_text() == "keep me"
