"""A demo's temporary faults do not outlive it: restarted without ``--demo``, a node the demo silenced answers again
(the demo would have brought it back; nothing else would), so its tasks finish."""

from __future__ import annotations

from pathlib import Path

from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig


async def test_a_node_the_demo_silenced_answers_again_after_a_restart_without_the_demo(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    clock = ManualClock()
    demo = await Engine.open(EngineConfig(db_path=db, seed=3, demo=True, clock=clock, autorun=False))
    try:
        for _ in range(600):
            await demo.advance(5)
            silenced = [e.text for e in demo.events if "stopped reporting" in e.text]
            back = [e.text for e in demo.events if "is back" in e.text]
            if len(silenced) > len(back):
                break
        assert len(silenced) > len(back), "the demo silenced a node"
    finally:
        await demo.close()

    engine = await Engine.open(EngineConfig(db_path=db, seed=3, clock=clock, autorun=False, failure_rate=0.0))
    try:
        assert not any(host.silent for host in engine.cluster.hosts.values())
        assert any("is back" in event.text for event in engine.events)
    finally:
        await engine.close()
