"""Alerts over a real socket: ``GET /api/alerts`` (firing and resolved), ``schedtop_alerts`` in ``/metrics``, and
the example Prometheus rules file naming only metrics ``/metrics`` serves."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from engine.alerts import RULES
from engine.model import AlertsView

from .http_support import ServedEngine
from .metrics_support import sample

RULES_FILE = Path(__file__).resolve().parent.parent / "deploy" / "prometheus" / "schedtop-alerts.yml"


@pytest.fixture
def served() -> Iterator[ServedEngine]:
    with ServedEngine() as served:
        yield served


@pytest.fixture
def http(served: ServedEngine) -> Iterator[httpx.Client]:
    with served.client() as client:
        yield client


def hang_a_run(served: ServedEngine, http: httpx.Client) -> int:
    answer = http.post(
        "/api/supervisor/jobs",
        json={"name": "balance", "task_type": "balance", "interval_seconds": 120, "start": "2015-03-11 00:28:00"},
    )
    job_id: int = answer.json()["id"]

    async def lose() -> None:
        served.engine.supervisor.lose_next_completion()

    served.call(lose())
    served.advance(400)
    return job_id


def test_a_quiet_engine_has_no_alerts(http: httpx.Client) -> None:
    view = AlertsView.model_validate_json(http.get("/api/alerts").text)
    assert (view.firing, view.history) == ([], [])
    assert view.evaluated_at is not None and view.rules.node_down_seconds == 60


def test_a_hanging_run_is_listed_as_firing_with_how_to_clean_it_up(served: ServedEngine, http: httpx.Client) -> None:
    job_id = hang_a_run(served, http)
    [alert] = http.get("/api/alerts").json()["firing"]
    assert (alert["rule"], alert["severity"], alert["state"]) == ("supervisor_run_hanging", "critical", "firing")
    assert alert["id"] == f"supervisor_run_hanging:job/{job_id}/2015-03-11T00:28:00"
    assert "cleanup/delete-run" in alert["action"] and alert["node"] == served.engine.node_name


def test_a_cleaned_up_run_moves_to_the_history_as_resolved(served: ServedEngine, http: httpx.Client) -> None:
    job_id = hang_a_run(served, http)
    assert http.get("/api/alerts").json()["firing"]
    http.post("/api/supervisor/halt")
    http.post("/api/supervisor/cleanup/reschedule", json={"job_id": job_id})
    view = http.get("/api/alerts").json()
    assert [a["rule"] for a in view["firing"]] == []
    [resolved] = view["history"]
    assert (resolved["rule"], resolved["state"]) == ("supervisor_run_hanging", "resolved")
    assert resolved["resolved_at"] is not None


def test_acknowledging_a_firing_alert_marks_it_and_it_keeps_firing(served: ServedEngine, http: httpx.Client) -> None:
    hang_a_run(served, http)
    [alert] = http.get("/api/alerts").json()["firing"]
    answer = http.post("/api/alerts/ack", json={"id": alert["id"]})
    assert answer.status_code == 200 and answer.json()["acknowledged_at"] == "2015-03-11T00:34:40Z"
    [still] = http.get("/api/alerts").json()["firing"]
    assert still["acknowledged_at"] == "2015-03-11T00:34:40Z"
    assert sample(http.get("/metrics").text, "schedtop_alerts", rule=alert["rule"], severity="critical") == 1


def test_acknowledging_an_alert_that_does_not_fire_is_404(http: httpx.Client) -> None:
    answer = http.post("/api/alerts/ack", json={"id": "node_down:node/nowhere"})
    assert answer.status_code == 404 and "node_down:node/nowhere" in answer.text


def test_acknowledging_needs_the_token_when_one_is_set() -> None:
    with ServedEngine(token="s3cret-token-0123456789") as served, served.client() as http:
        assert http.post("/api/alerts/ack", json={"id": "x"}).status_code == 401


def test_metrics_count_firing_alerts_by_rule_and_severity(served: ServedEngine, http: httpx.Client) -> None:
    hang_a_run(served, http)
    text = http.get("/metrics").text
    assert sample(text, "schedtop_alerts", rule="supervisor_run_hanging", severity="critical") == 1


def test_metrics_list_every_rule_at_zero_when_nothing_fires(http: httpx.Client) -> None:
    text = http.get("/metrics").text
    for rule in RULES:
        assert sample(text, "schedtop_alerts", rule=rule.name, severity=rule.severity.value) == 0


def test_a_disabled_repair_with_a_broken_disk_shows_in_both(http: httpx.Client) -> None:
    disk = next(d for d in http.get("/api/disks").json() if d["status"] == "normal" and d["chunk_count"] > 0)
    http.post(f"/api/disks/{disk['disk_id']}/break")
    http.post("/api/task_types/disk_repair/disable")
    assert [a["subject"] for a in http.get("/api/alerts").json()["firing"]] == ["disk_repair"]
    text = http.get("/metrics").text
    assert sample(text, "schedtop_alerts", rule="task_type_disabled_with_broken_disks", severity="warning") == 1


def test_the_openapi_document_types_the_alerts_response(http: httpx.Client) -> None:
    schema = http.get("/openapi.json").json()["paths"]["/api/alerts"]["get"]["responses"]["200"]
    assert schema["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/AlertsView"}


# -- the example Prometheus rules file ----------------------------------------------------------------------------


def rules_file() -> list[dict[str, object]]:
    document = yaml.safe_load(RULES_FILE.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_the_example_rules_file_is_prometheus_rule_groups_with_an_alert_name_and_expression_each() -> None:
    rules = rules_file()
    assert rules and all(isinstance(rule["alert"], str) and isinstance(rule["expr"], str) for rule in rules)
    assert all(rule["labels"]["severity"] in ("info", "warning", "critical") for rule in rules)  # type: ignore[index]


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads: its identifiers once label matchers, groupings, function
    calls, keywords and durations are taken out."""
    expr = re.sub(r"\{[^}]*\}", " ", expr)  # label matchers
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    names = set(re.findall(r"\b([a-zA-Z_:][\w:]*)\b(?!\s*\()", expr))
    return names - {"and", "or", "unless", "bool", "offset"}


def test_metric_names_are_read_from_an_expression_without_its_labels_or_functions() -> None:
    assert metric_names('sum by (instance, rule) (schedtop_alerts{severity="critical"}) > 0') == {"schedtop_alerts"}


def test_every_metric_the_rules_file_names_is_served(served: ServedEngine, http: httpx.Client) -> None:
    hang_a_run(served, http)  # a schedule, so the supervisor families have samples
    served_names = {
        s.name for family in text_string_to_metric_families(http.get("/metrics").text) for s in family.samples
    }
    served_names.add("up")  # Prometheus's own, per scrape target
    named = set()
    for rule in rules_file():
        named |= metric_names(str(rule["expr"]))
    assert "schedtop_alerts" in named
    assert named <= served_names, named - served_names


def test_the_server_evaluates_the_rules_on_its_own_between_requests() -> None:
    with ServedEngine(alert_every=0.01) as served:
        revision = served.engine.snapshot().revision
        deadline = time.monotonic() + 10
        while served.app.state.alerts.revision < revision:  # no request was made: the server looked by itself
            assert time.monotonic() < deadline, "the rules were not evaluated without a request"
            time.sleep(0.02)
