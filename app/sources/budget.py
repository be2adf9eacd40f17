"""A request budget for remote sources: at most so many requests a second to one node, on average.

A production node serves real work; a dashboard refreshing every second must not become its busiest client. Every
request a remote source sends takes a token from its node's bucket; the bucket refills at ``rate`` tokens a second
up to ``burst``. Planning code asks :meth:`RequestBudget.available` how much it may spend on optional work (tree
refreshes) and spreads the rest over later refreshes; :meth:`RequestBudget.take` waits when the bucket is empty, so
even required requests never exceed the rate.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

DEFAULT_RATE = 20.0
"""Requests a second a source may send to one node unless the cluster's config says otherwise."""


class RequestBudget:
    """A token bucket: ``rate`` requests a second on average, at most ``burst`` at once."""

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if not rate > 0:
            raise ValueError(f"a request budget needs a rate above 0 requests a second, got {rate!r}")
        self.rate = float(rate)
        self.burst = float(burst) if burst is not None else max(1.0, self.rate)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.burst
        self._at = clock()
        self.sent = 0
        """Requests taken so far (for the status line and the benchmarks)."""

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now

    def available(self) -> int:
        """Whole requests that may be sent now without waiting."""
        self._refill()
        return max(0, int(self._tokens))

    async def take(self) -> None:
        """Spend one request, waiting until the bucket has one.

        The token is taken before the wait (the bucket may go below zero): concurrent takers then queue one behind
        the other instead of all waiting for, and all spending, the same next token.
        """
        self._refill()
        self._tokens -= 1.0
        self.sent += 1
        if self._tokens < 0.0:
            # one sleep for the whole shortfall: refilling in a loop could chase a rounding error for ever
            await self._sleep(-self._tokens / self.rate)
