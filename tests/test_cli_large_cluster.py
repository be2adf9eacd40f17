"""``--disks N --tasks N`` on ``schedtop`` and ``schedtop serve``: a big cluster and a failure wave at start-up.

The flags parse and bad values are refused with a message and exit code 2 (never a traceback); a small wave
really creates that many tasks of the promised kinds, through the engine's public API and over HTTP.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import pytest

from app.cli import build_parser
from app.cli import main as cli_main
from engine.clock import ManualClock
from engine.config import wave_disks
from engine.engine import Engine, EngineConfig
from engine.errors import InvalidArgument
from engine.http.serve import build_parser as serve_parser
from engine.http.serve import main as serve_main
from engine.sim.cluster import ClusterShape
from tests.test_faults_shutdown import start_server

ROOT = Path(__file__).resolve().parent.parent
SCHEDTOP = Path(sys.executable).parent / "schedtop"
WAVE_MODULES = {"disk_repair", "disk_drop", "balance", "manual_migrate"}


def test_both_commands_parse_disks_and_tasks() -> None:
    args = build_parser().parse_args(["--disks", "10000", "--tasks", "100_000"])
    assert (args.disks, args.tasks) == (10_000, 100_000)
    served = serve_parser().parse_args(["--disks", "200", "--tasks", "2000"])
    assert (served.disks, served.tasks) == (200, 2000)
    assert build_parser().parse_args([]).disks is None


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--disks", "0"], "argument --disks: must be between 1 and 200 000, got 0"),
        (["--disks", "200001"], "between 1 and 200 000"),
        (["--disks", "many"], "argument --disks: a whole number is needed, got 'many'"),
        (["--tasks", "-5"], "argument --tasks: must be between 1 and 2 000 000"),
        (["--tasks", "2000001"], "between 1 and 2 000 000"),
        (["--tasks", "1.5"], "a whole number is needed"),
    ],
)
@pytest.mark.parametrize("serve", [False, True], ids=["schedtop", "serve"])
def test_bad_values_are_refused_with_a_message_and_exit_code_2(
    flags: list[str], message: str, serve: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        if serve:
            serve_main(flags)
        else:
            cli_main(flags)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("command", [[], ["serve", "--port", "0"]], ids=["schedtop", "serve"])
def test_more_tasks_than_the_cluster_has_chunks_for_is_a_clear_error(command: list[str]) -> None:
    done = subprocess.run(
        [str(SCHEDTOP), *command, "--disks", "10", "--tasks", "5000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert "cannot start 5000 tasks: the cluster has chunks for at most" in done.stderr
    assert "more --disks" in done.stderr and "Traceback" not in done.stderr


def test_the_flags_are_for_the_embedded_engine_not_for_connect(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["--connect", "http://127.0.0.1:9", "--tasks", "10"]) == 2
    assert "schedtop serve" in capsys.readouterr().err


def test_for_disks_gives_exactly_that_many_disks_and_large_is_ten_thousand() -> None:
    assert ClusterShape.for_disks(10_000) == ClusterShape.large()
    for disks in (1, 5, 47, 200, 1_999):
        assert ClusterShape.for_disks(disks).disk_count == disks
    assert wave_disks(100) == 48 and wave_disks(100_000) == 10_000


async def test_a_wave_of_2000_tasks_on_200_disks_has_every_promised_kind() -> None:
    engine = await Engine.open(
        EngineConfig(clock=ManualClock(), autorun=False, failure_rate=0.0, disks=200, wave_tasks=2000)
    )
    try:
        assert len(engine.cluster.disks) == 200
        snapshot = engine.snapshot()
        kinds = Counter(row.module for row in snapshot.tasks if row.module in WAVE_MODULES)
        assert sum(kinds.values()) == 2000
        assert set(kinds) == WAVE_MODULES, kinds
        assert kinds["disk_repair"] > kinds["disk_drop"] > kinds["balance"] > 0
        repairs = await engine.list_module_tasks("disk_repair")
        children = await engine.list_module_tasks("disk_repair", internal=True)
        assert repairs and len(children) > len(repairs), "each repair root has its chunk children"
        assert len(await engine.list_module_tasks("manual_migrate")) == kinds["manual_migrate"]
    finally:
        await engine.close()


async def test_the_wave_needs_an_empty_store_and_a_reopened_store_keeps_its_tasks(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    config = EngineConfig(db_path=db, clock=ManualClock(), autorun=False, disks=200, wave_tasks=500)
    engine = await Engine.open(config)
    before = {row.id for row in engine.snapshot().tasks}
    await engine.close()
    engine = await Engine.open(EngineConfig(db_path=db, clock=ManualClock(), autorun=False, disks=5, wave_tasks=900))
    try:
        assert len(engine.cluster.disks) == 200, "the stored cluster is kept"
        assert {row.id for row in engine.snapshot().tasks} == before, "no second wave on a store with tasks"
    finally:
        await engine.close()


async def test_a_wave_too_big_for_the_cluster_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="chunks for at most"):
        await Engine.open(EngineConfig(clock=ManualClock(), autorun=False, disks=3, wave_tasks=1000))


def test_schedtop_serve_answers_the_wave_over_http(tmp_path: Path) -> None:
    process, url = start_server(tmp_path / "engine.db", "--speed", "0.01", "--disks", "200", "--tasks", "2000")
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            rows = http.get("/api/snapshot", params={"since": 0}).json()["tasks"]
            kinds = Counter(row["module"] for row in rows if row["module"] in WAVE_MODULES)
            assert sum(kinds.values()) >= 1990, kinds  # a few may have finished at this speed
            assert set(kinds) == WAVE_MODULES
            roots = http.get("/task_manager/list_module_tasks/disk_repair").json()
            chunks = http.get("/task_manager/list_module_tasks/disk_repair", params={"internal": "true"}).json()
            assert roots and len(chunks) > len(roots)
            assert len(http.get("/api/disks").json()) == 200
    finally:
        process.terminate()
        process.wait(timeout=30)
