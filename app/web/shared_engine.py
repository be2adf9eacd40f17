"""The one engine every browser session of ``schedtop web`` watches: ``schedtop serve`` as a child process.

It listens on a free loopback port (``--port 0``) and says where on stderr; the sessions connect there. It lives
as long as ``schedtop web``: stopped with it, and on Linux told to stop even when ``web`` is killed outright.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import sys
from collections.abc import Sequence

LISTENING = re.compile(r"listening on (http://\S+)")
STOP_GRACE = 10.0
"""Seconds the engine gets to close its store after SIGTERM before it is killed."""


class EngineStartError(Exception):
    """The engine exited before it listened; the message carries what it said, ``status`` its exit status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the parent dies (Linux' PR_SET_PDEATHSIG; elsewhere nothing)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class SharedEngine:
    """A running ``schedtop serve`` child; :meth:`start` returns once it listens (its URL in :attr:`url`)."""

    def __init__(self, process: asyncio.subprocess.Process, url: str) -> None:
        self.process = process
        self.url = url
        self._relay: asyncio.Task[None] | None = None

    @classmethod
    async def start(cls, serve_args: Sequence[str]) -> SharedEngine:
        """Run ``schedtop serve --host 127.0.0.1 --port 0 <serve_args>``; the token, if any, goes by environment."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            *serve_args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        assert process.stderr is not None
        said: list[str] = []
        while line := await process.stderr.readline():
            text = line.decode("utf-8", "replace").rstrip()
            if match := LISTENING.search(text):
                engine = cls(process, match.group(1))
                engine._relay = asyncio.create_task(engine._relay_stderr())
                return engine
            said.append(text)
        status = await process.wait()
        raise EngineStartError("\n".join(said[-20:]) or f"exit status {status}", status)

    async def _relay_stderr(self) -> None:
        """Pass on what the engine says later (warnings, a crash) instead of letting its pipe fill up."""
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            sys.stderr.write(line.decode("utf-8", "replace"))
            sys.stderr.flush()

    async def wait(self) -> int:
        """Until the engine exits; its exit status."""
        return await self.process.wait()

    async def stop(self) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), STOP_GRACE)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
                await self.process.wait()
        if self._relay is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._relay
