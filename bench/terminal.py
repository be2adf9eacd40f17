"""Measure a terminal app the way a person runs it: in tmux, at a fixed size, reading CPU time from /proc.

Start-up is process start → the first frame that shows a marker text; live cost is the CPU share of one core the
process (and its children) used over a window after warm-up.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
import uuid
from dataclasses import dataclass

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class TmuxApp:
    """One app running in its own detached tmux session."""

    session: str
    pid: int

    @classmethod
    def start(
        cls, command: list[str], width: int = 160, height: int = 48, env: dict[str, str] | None = None
    ) -> TmuxApp:
        session = f"bench-{uuid.uuid4().hex[:8]}"
        env_prefix = " ".join(f"{key}={shlex.quote(value)}" for key, value in (env or {}).items())
        shell_command = f"exec env {env_prefix} {shlex.join(command)}"
        new_session = ["tmux", "new-session", "-d", "-s", session, "-x", str(width), "-y", str(height), shell_command]
        for attempt in range(3):  # the tmux server is shared with other users and may be restarting right now
            if subprocess.run(new_session, capture_output=True, check=False).returncode == 0:
                break
            time.sleep(0.5 * (attempt + 1))
        else:
            subprocess.run(new_session, check=True)
        pid = int(
            subprocess.run(
                ["tmux", "display-message", "-p", "-t", session, "#{pane_pid}"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
        )
        return cls(session, pid)

    def screen(self) -> str:
        result = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.session], capture_output=True, text=True, check=False
        )
        return result.stdout

    def wait_for(self, marker: str | tuple[str, ...], timeout: float = 30.0) -> float | None:
        """Seconds until ``marker`` (or every one of a tuple of markers) is on screen, or None on timeout."""
        markers = (marker,) if isinstance(marker, str) else marker
        began = time.perf_counter()
        while time.perf_counter() - began < timeout:
            screen = self.screen()
            if all(text in screen for text in markers):
                return time.perf_counter() - began
            time.sleep(0.005)
        return None

    def cpu_seconds(self) -> float:
        return process_tree_cpu(self.pid)

    def stop(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.session], capture_output=True, check=False)


def process_tree_cpu(pid: int) -> float:
    """User+system CPU seconds of ``pid`` and its live descendants."""
    total = 0.0
    for child in [pid, *descendants(pid)]:
        try:
            with open(f"/proc/{child}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields[11], fields[12] are utime and stime (14th and 15th of the full line)
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


def descendants(pid: int) -> list[int]:
    children: list[int] = []
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            direct = [int(item) for item in handle.read().split()]
    except OSError:
        return children
    for child in direct:
        children.append(child)
        children.extend(descendants(child))
    return children


def rss_mib(pid: int) -> float:
    total = 0
    for child in [pid, *descendants(pid)]:
        try:
            with open(f"/proc/{child}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def startup_seconds(
    command: list[str], marker: str | tuple[str, ...], env: dict[str, str] | None = None
) -> float | None:
    """Process start → first frame showing ``marker`` (every one of a tuple); tmux's start counts on both sides."""
    began = time.perf_counter()
    app = TmuxApp.start(command, env=env)
    try:
        seen = app.wait_for(marker)
        return None if seen is None else time.perf_counter() - began
    finally:
        app.stop()


def live_cpu_percent(
    command: list[str], marker: str | tuple[str, ...], warmup: float, window: float, env: dict[str, str] | None = None
) -> tuple[float | None, float | None]:
    """(CPU % of one core over ``window`` seconds after ``warmup``, RSS MiB at the end)."""
    app = TmuxApp.start(command, env=env)
    try:
        if app.wait_for(marker) is None:
            return None, None
        time.sleep(warmup)
        before_cpu, before = app.cpu_seconds(), time.perf_counter()
        time.sleep(window)
        used, elapsed = app.cpu_seconds() - before_cpu, time.perf_counter() - before
        return 100.0 * used / elapsed, rss_mib(app.pid)
    finally:
        app.stop()
