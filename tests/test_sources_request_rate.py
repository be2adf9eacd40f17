"""How fast a remote source may ask: 20 requests a second by default, ``--max-rps`` or a cluster's ``max_rps``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.cli import build_parser
from app.config import load_config
from app.sources.budget import DEFAULT_RATE, RequestBudget
from app.sources.remote import BACKEND_NAMES, remote_source


@pytest.mark.parametrize("backend", BACKEND_NAMES)
def test_every_remote_source_has_a_budget_of_twenty_requests_a_second_by_default(backend: str) -> None:
    source = remote_source("http://10.0.0.1:1", backend=backend)
    assert source.client.budget is not None
    assert source.client.budget.rate == DEFAULT_RATE == 20


def test_a_cluster_s_max_rps_reaches_its_source(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[clusters]\nbig = { url = "http://10.0.0.1:10000", backend = "scylla", max_rps = 5 }\n')
    entry = load_config(path).clusters["big"]
    source = remote_source(entry.url, backend=entry.backend or "schedtop", max_rps=entry.max_rps)
    assert source.client.budget is not None and source.client.budget.rate == 5


@pytest.mark.parametrize("value", ["0", "-1", "fast", "100000"])
def test_a_bad_max_rps_flag_is_refused_with_its_reason(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--connect", "http://x", "--max-rps", value])
    assert "--max-rps" in capsys.readouterr().err


class OverlappingSleeps:
    """A fake clock whose sleeps overlap, as real ones do: a sleeper wakes at its own deadline, not after the others'."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake = self.now + seconds
        await asyncio.sleep(0)  # let the other takers run (and start their own sleeps) first
        self.now = max(self.now, wake)


async def test_concurrent_requests_share_the_budget_instead_of_each_spending_the_same_token() -> None:
    time = OverlappingSleeps()
    budget = RequestBudget(5, clock=time.clock, sleep=time.sleep)
    await asyncio.gather(*(budget.take() for _ in range(10)))  # a burst of 5, then 5 more at 5 a second
    assert time.now == pytest.approx(1.0)
    assert budget.available() == 0
