"""A recorded node as a source: it answers each refresh with the recording's state at the replay clock's position.

Playing forward it answers deltas, the recorded ones merged since the revision the client model asks from; after a
seek back, a long jump or a model out of step it answers a full snapshot rebuilt from the nearest keyframe. A fetch
that failed when it was recorded fails again at that point of the replay (the node shows disconnected). It has only
the recorded data: every command is :class:`~app.sources.base.Unsupported`, and its capabilities are the data ones.
"""

from __future__ import annotations

from engine.model import Snapshot, TaskRow

from ..sources.base import JOBS, KEEPS_FINISHED, MIGRATIONS, STATS, TASKS, SourceError
from ..sources.partial import PartialSource
from .clock import ReplayClock
from .reader import RecordedNode, Recording
from .state import NodeState

DATA_CAPABILITIES = frozenset({STATS, TASKS, MIGRATIONS, JOBS, KEEPS_FINISHED})
MAX_MERGED_TICKS = 60
"""Beyond this many ticks ahead, rebuilding from a keyframe beats merging every delta."""


class ReplaySource(PartialSource):
    backend = "a recording"

    def __init__(self, recording: Recording, node: RecordedNode, clock: ReplayClock) -> None:
        self.recording = recording
        self.recorded = node
        self.clock = clock
        self.capabilities: frozenset[str] = node.capabilities & DATA_CAPABILITIES
        self.node_name = node.name
        self._state: NodeState | None = None
        self._seq: int | None = None
        """The tick whose state was answered last."""

    def describe(self) -> str:
        return f"replay of {self.recorded.description}"

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def snapshot(self, since: int = 0) -> Snapshot:
        node = self.recorded.node
        target = self.recording.tick_at(node, self.clock.position())
        if target is None:
            raise SourceError("not recorded yet at this point")
        good = self.recording.last_good(node, target)
        error = self.recording.error(node, target)
        in_step = self._state is not None and self._seq is not None and since != 0 and since == self._revision
        if good is None or (error is not None and in_step and self._seq == good):
            raise SourceError(error or "not recorded yet at this point")
        return self._answer(good, since if in_step else None)

    @property
    def _revision(self) -> int:
        latest = self._state.latest if self._state is not None else None
        return latest.revision if latest is not None else 0

    def _answer(self, seq: int, since: int | None) -> Snapshot:
        """The state at tick ``seq``: a delta when the model is at our last answer (``since``), else full."""
        state, last = self._state, self._seq
        if since is None or state is None or last is None or not last <= seq <= last + MAX_MERGED_TICKS:
            self._state = self.recording.state_at(self.recorded.node, seq)
            self._seq = seq
            return self._state.full()
        changed: dict[str, TaskRow] = {}
        removed: set[str] = set()
        full = False
        for snapshot in self.recording.snapshots(self.recorded.node, last, seq):
            state.apply(snapshot)
            full = full or snapshot.full
            for row in snapshot.changed_rows():
                changed[row.status.id] = row
                removed.discard(row.status.id)
            for task_id in snapshot.removed:
                changed.pop(task_id, None)
                removed.add(task_id)
        self._seq = seq
        if full:
            return state.full()
        assert state.latest is not None
        return state.latest.model_copy(
            update={"tasks": list(changed.values()), "task_rows": [], "removed": sorted(removed), "full": False}
        )
