"""HTTP latency of ``schedtop serve``: p50/p99 of ``/stats`` and of a 10 000-task list, over a real socket.

The server runs in its own process (so the client does not share its interpreter) on a bigger simulated cluster
with 10 000 real manual-migration tasks queued (``add_manual_migrate`` per chunk); its clock is manual, so the
figures measure the HTTP path and serialisation, not a simulation racing in the background.
Run alone: ``python -m bench.http_latency --serve N`` starts such a server and prints ``PORT <n>``.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .report import Figure

ROOT = Path(__file__).resolve().parent.parent
TASKS = 10_000


async def _serve(task_count: int) -> None:
    import uvicorn

    from engine.clock import ManualClock
    from engine.engine import Engine, EngineConfig
    from engine.http import create_app
    from engine.model import CodeMode
    from engine.sim.cluster import ClusterShape

    shape = ClusterShape(hosts_per_idc=8, disks_per_host=8, volumes=1000, code_modes=(CodeMode.EC6P6,))
    engine = await Engine.open(EngineConfig(clock=ManualClock(), autorun=False, failure_rate=0, shape=shape))
    vuids = [vuid for volume in engine.cluster.volumes.values() for vuid, _ in volume.units][:task_count]
    for vuid in vuids:
        await engine.add_manual_migrate(vuid, True)
    server = uvicorn.Server(uvicorn.Config(create_app(engine), host="127.0.0.1", port=0, log_level="error"))
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn has no "started" event
        await asyncio.sleep(0.01)
    print("PORT", server.servers[0].sockets[0].getsockname()[1], flush=True)
    await serving
    await engine.close()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _measure(http: httpx.Client, path: str, repeats: int) -> list[float]:
    for _ in range(3):
        http.get(path).raise_for_status()
    timings = []
    for _ in range(repeats):
        began = time.perf_counter()
        http.get(path).raise_for_status()
        timings.append((time.perf_counter() - began) * 1000)
    return timings


def http_latency(quick: bool) -> list[Figure]:
    repeats = 30 if quick else 200
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.http_latency", "--serve", str(TASKS)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError("the benchmark server did not start")
        url = f"http://127.0.0.1:{line.split()[1]}"
        figures: list[Figure] = []
        with httpx.Client(base_url=url, timeout=30) as http:
            listed = len(http.get("/task_manager/list_module_tasks/manual_migrate").json())
            for name, path in (
                ("/stats", "/stats"),
                (f"task list, {listed} tasks", "/task_manager/list_module_tasks/manual_migrate"),
                (f"snapshot, {listed} tasks", "/api/snapshot?since=0"),
            ):
                timings = _measure(http, path, repeats)
                for label, share in (("p50", 0.5), ("p99", 0.99)):
                    figure = Figure(f"HTTP {name} {label}", _percentile(timings, share), "ms", runs=timings)
                    figure.note = f"{repeats} sequential requests, median {statistics.median(timings):.1f} ms"
                    figures.append(figure)
        return figures
    finally:
        process.terminate()
        process.wait(timeout=15)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        asyncio.run(_serve(int(sys.argv[2]) if len(sys.argv) > 2 else TASKS))
    else:
        for figure in http_latency(quick="--quick" in sys.argv):
            print(f"{figure.name}: {figure.value:.1f} {figure.unit}")
