"""The polite client's parts: a request budget that holds its rate, and a tree plan that reads every tree in time."""

from __future__ import annotations

import pytest

from app.sources.budget import RequestBudget
from app.sources.tree_plan import TreePlan
from tests.fake_time import FakeTime


async def test_the_budget_never_sends_more_than_its_rate_over_a_minute() -> None:
    time = FakeTime()
    budget = RequestBudget(20, clock=time.clock, sleep=time.sleep)
    for _ in range(20 * 60 + 20):
        await budget.take()
    # the first 20 (the burst) cost nothing, the next 1 200 take a minute
    assert time.now == pytest.approx(60.0)
    assert budget.sent == 1220


def test_the_budget_refills_with_time_up_to_its_burst() -> None:
    time = FakeTime()
    budget = RequestBudget(5, burst=10, clock=time.clock, sleep=time.sleep)
    assert budget.available() == 10
    time.now += 100
    assert budget.available() == 10


async def test_an_empty_budget_offers_nothing_until_time_passes() -> None:
    time = FakeTime()
    budget = RequestBudget(2, burst=2, clock=time.clock, sleep=time.sleep)
    await budget.take()
    await budget.take()
    assert budget.available() == 0
    time.now += 0.5
    assert budget.available() == 1


def test_a_budget_needs_a_positive_rate() -> None:
    with pytest.raises(ValueError, match="above 0"):
        RequestBudget(0)


def test_changed_and_new_roots_are_read_before_old_unchanged_ones() -> None:
    plan = TreePlan()
    plan.read("a", "running", now=0)
    plan.read("b", "running", now=1)
    picked = plan.plan({"a": "running", "b": "done", "c": "running"}, now=2, allowance=2)
    assert picked == ["b", "c"]


def test_unchanged_roots_are_read_oldest_first_within_the_allowance() -> None:
    plan = TreePlan()
    roots = {f"r{i}": "running" for i in range(5)}
    for i, root in enumerate(roots):
        plan.read(root, "running", now=i)
    assert plan.plan(roots, now=10, allowance=2) == ["r0", "r1"]


def test_a_thousand_roots_at_seventeen_reads_a_second_are_all_read_within_a_minute() -> None:
    plan = TreePlan(max_age=60)
    roots = {f"root-{i}": "running" for i in range(1000)}
    for second in range(120):
        for root in plan.plan(roots, now=second, allowance=17):
            plan.read(root, roots[root], now=second)
        if second >= 59:
            assert plan.oldest(second) <= 60, f"at {second}s a tree waited {plan.oldest(second)}s"
    assert plan.behind(119) == 0


def test_too_small_an_allowance_shows_the_view_behind() -> None:
    plan = TreePlan(max_age=60)
    roots = {f"root-{i}": "running" for i in range(1000)}
    for second in range(120):
        for root in plan.plan(roots, now=second, allowance=5):
            plan.read(root, roots[root], now=second)
    assert plan.behind(119) > 0


def test_roots_no_longer_listed_are_forgotten() -> None:
    plan = TreePlan()
    plan.plan({"a": 1, "b": 1}, now=0, allowance=0)
    plan.plan({"a": 1}, now=100, allowance=0)
    assert plan.behind(100) == 1
