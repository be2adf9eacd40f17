"""The exporter's ``/metrics``: every source's families of ``schedtop serve``'s ``/metrics`` (task counts by
module/type/state, CubeFS queues and per-minute rates, supervisor state, disk migration progress, alerts by rule),
each sample labelled with the source's ``cluster`` and ``node``, plus three families of its own:

- ``schedtop_up{cluster,node}``: 1 when the last poll of the source answered, else 0;
- ``schedtop_data_age_seconds{cluster,node}``: seconds since the source last answered;
- ``schedtop_source_requests_total{cluster,node}``: requests sent to it so far (its polite request budget).

A source that is down exports only these and ``schedtop_alerts`` (its node_down alert): its last data would be
stale, and Prometheus should see a gap rather than old values.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from engine.http.metrics import CONTENT_TYPE, AlertsCollector, SnapshotCollector

from .fleet import Fleet, Watched

__all__ = ["CONTENT_TYPE", "FleetCollector", "render"]

_SERVER_ONLY = {"schedtop_http_open_waits"}
"""Families of a server's own that say nothing of a source watched from outside."""


class FleetCollector(Collector):
    """All sources' families merged by name (a family's HELP and TYPE once, its samples from every source)."""

    def __init__(self, fleet: Fleet, now: datetime) -> None:
        self.fleet = fleet
        self.now = now

    def collect(self) -> Iterator[Metric]:
        merged: dict[str, Metric] = {}
        for family in self._own():
            merged[family.name] = family
        for source in self.fleet.sources:
            for family in _source_families(source):
                if family.name in _SERVER_ONLY:
                    continue
                into = merged.get(family.name)
                if into is None:
                    into = merged[family.name] = Metric(family.name, family.documentation, family.type, family.unit)
                for sample in family.samples:
                    into.add_sample(sample.name, {**source.labels, **sample.labels}, sample.value)
        yield from merged.values()

    def _own(self) -> Iterator[Metric]:
        names = ["cluster", "node"]
        up = GaugeMetricFamily("schedtop_up", "1 when the source answered its last poll, else 0", labels=names)
        age = GaugeMetricFamily("schedtop_data_age_seconds", "seconds since the source last answered", labels=names)
        sent = CounterMetricFamily(
            "schedtop_source_requests", "requests sent to the source (within its request budget)", labels=names
        )
        for source in self.fleet.sources:
            values = [source.cluster, source.node.name]
            up.add_metric(values, 1.0 if source.up else 0.0)
            seconds = source.node.age(self.now)
            if seconds is not None:
                age.add_metric(values, seconds)
            requests = source.requests_sent()
            if requests is not None:
                sent.add_metric(values, requests)
        yield from (up, age, sent)


def _source_families(source: Watched) -> Iterator[Metric]:
    snapshot = source.snapshot()
    firing = source.node.alerts.book.firing()
    if snapshot is None:
        yield from AlertsCollector(firing).collect()
    else:
        yield from SnapshotCollector(snapshot, alerts=firing).collect()


def render(fleet: Fleet, now: datetime) -> str:
    registry = CollectorRegistry()
    registry.register(FleetCollector(fleet, now))
    return generate_latest(registry).decode("utf-8")
