"""The base of the remote sources that spread optional reads over refreshes: an HTTP client on a request budget
and a plan of what to read now (see :mod:`app.sources.budget` and :mod:`app.sources.tree_plan`)."""

from __future__ import annotations

import time
from collections.abc import Callable

from .budget import DEFAULT_RATE, RequestBudget
from .http_client import HttpClient
from .partial import PartialSource
from .tree_plan import DEFAULT_MAX_AGE, TreePlan


class PoliteHttpSource(PartialSource):
    """``client`` spends ``budget`` on every request; ``plan`` picks which trees or disks to read this refresh."""

    def __init__(
        self,
        url: str,
        token: str | None = None,
        timeout: float = 5.0,
        label: str = "",
        *,
        max_rps: float = DEFAULT_RATE,
        max_age: float = DEFAULT_MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
        budget: RequestBudget | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.budget = budget if budget is not None else RequestBudget(max_rps, clock=clock)
        self.client = HttpClient(self.url, token=token, timeout=timeout, budget=self.budget)
        self.label = label
        self.plan = TreePlan(max_age)
        self._clock = clock
        self.revision = 0
        self._start_state()

    def _start_state(self) -> None:
        """Set up the subclass's own state (called at the end of ``__init__``, so the signature is written once)."""
