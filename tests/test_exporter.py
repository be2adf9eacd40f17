"""``schedtop exporter`` over real sockets: two clusters at once (a served schedtop engine and a ScyllaDB stand-in),
their series in one ``/metrics`` under their cluster and node labels, their alerts merged in ``/api/alerts``, each
source within its request budget, a down source as ``schedtop_up 0`` and a node_down alert, and a bad command line
refused with exit 2."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from app.cli import main as schedtop_main
from app.exporter.cli import build_parser, make_fleet
from app.exporter.server import Exporter

from .fake_upstreams import ROOT, FakeAlertmanager, FakeScylla, ServedApp, cubefs_app
from .http_support import ServedEngine
from .metrics_support import sample
from .test_http_alerts import metric_names

RATE = 5.0
EXPORTER_RULES = Path(__file__).resolve().parent.parent / "deploy" / "prometheus" / "schedtop-exporter-alerts.yml"


def eventually(condition: Callable[[], bool], within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the condition did not hold in time"
        time.sleep(0.05)


class RunningExporter:
    """The exporter of a command line, on an ephemeral loopback port, in a thread with its own loop."""

    def __init__(self, argv: list[str]) -> None:
        self.created = time.monotonic()  # the sources' request budgets start full now
        self.fleet = make_fleet(build_parser().parse_args([*argv, "--port", "0"]))
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="exporter", daemon=True)

    def __enter__(self) -> RunningExporter:
        self.thread.start()
        self.exporter = Exporter(self.fleet, "127.0.0.1", 0)
        self.running = asyncio.run_coroutine_threadsafe(self.exporter.run(), self.loop)
        eventually(lambda: self.exporter.server.started or self.running.done(), 10)
        self.http = httpx.Client(base_url=self.exporter.url, timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()
        self.exporter.server.should_exit = True
        self.running.result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()

    def metrics(self) -> str:
        return self.http.get("/metrics").text


def down_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def up(text: str, cluster: str) -> bool:
    try:
        return any(
            s.value == 1
            for family in text_string_to_metric_families(text)
            for s in family.samples
            if s.name == "schedtop_up" and s.labels["cluster"] == cluster
        )
    except ValueError:
        return False


def series(text: str, name: str, **labels: str) -> list[dict[str, str]]:
    """The label sets of every ``name`` sample that has at least ``labels``."""
    return [
        s.labels
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name and labels.items() <= s.labels.items()
    ]


@pytest.fixture
def no_config(tmp_path: Path) -> list[str]:
    return ["--config", str(tmp_path / "absent.toml")]


@pytest.fixture
def scylla() -> Iterator[tuple[FakeScylla, str]]:
    fake = FakeScylla()
    fake.tasks[ROOT].update(state="failed", error="repair failed: node down", is_abortable=False)
    with ServedApp(fake.app()) as served:
        yield fake, served.url


@pytest.fixture
def engine() -> Iterator[ServedEngine]:
    with ServedEngine() as served, served.client() as http:
        disk = next(d for d in http.get("/api/disks").json() if d["status"] == "normal" and d["chunk_count"] > 0)
        http.post(f"/api/disks/{disk['disk_id']}/break")
        served.advance(3)  # its repair has begun (a migration in progress) when it is switched off
        http.post("/api/task_types/disk_repair/disable")
        yield served


def two_clusters(tmp_path: Path, engine: ServedEngine, scylla_url: str, alerts: str = "") -> list[str]:
    """A config file naming both clusters (each with its own backend); the exporter watches every [clusters] entry."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[clusters]\nalpha = "{engine.url}"\nbeta = {{ url = "{scylla_url}", backend = "scylla" }}\n{alerts}'
    )
    return ["--config", str(config)]


def test_the_exporter_serves_two_clusters_metrics_under_their_labels(
    engine: ServedEngine, scylla: tuple[FakeScylla, str], tmp_path: Path
) -> None:
    _, scylla_url = scylla
    with RunningExporter([*two_clusters(tmp_path, engine, scylla_url), "--refresh", "0.2"]) as running:
        eventually(lambda: up(running.metrics(), "alpha") and up(running.metrics(), "beta"))
        text = running.metrics()
    alpha_node, beta_node = engine.url.removeprefix("http://"), scylla_url.removeprefix("http://")
    assert sample(text, "schedtop_up", cluster="alpha", node=alpha_node) == 1
    assert sample(text, "schedtop_up", cluster="beta", node=beta_node) == 1
    assert series(
        text, "schedtop_tasks", cluster="alpha", node=alpha_node, type="disk_repair", state="suspended"
    )  # switched off: suspended
    assert series(text, "schedtop_tasks", cluster="beta", node=beta_node, module="repair", state="failed")
    assert series(text, "schedtop_disk_migration_tasks_total", cluster="alpha", task_type="disk_repair")
    assert sample(text, "schedtop_supervisor_configured", cluster="alpha", node=alpha_node) == 0
    assert series(text, "schedtop_cubefs_enabled", cluster="alpha", task_type="disk_repair")
    rule = {"rule": "task_type_disabled_with_broken_disks", "severity": "warning"}
    assert sample(text, "schedtop_alerts", cluster="alpha", node=alpha_node, **rule) == 1
    assert sample(text, "schedtop_alerts", cluster="beta", node=beta_node, **rule) == 0
    assert "schedtop_http_open_waits" not in text


def test_the_exporter_merges_both_clusters_alerts_keyed_by_node_and_id(
    engine: ServedEngine, scylla: tuple[FakeScylla, str], tmp_path: Path
) -> None:
    _, scylla_url = scylla
    argv = ["--connect", "alpha", "--connect", "beta", *two_clusters(tmp_path, engine, scylla_url)]
    with RunningExporter([*argv, "--refresh", "0.2"]) as running:
        eventually(lambda: len(running.http.get("/api/alerts").json()["firing"]) == 2)
        firing = running.http.get("/api/alerts").json()["firing"]
    assert {(a["cluster"], a["rule"]) for a in firing} == {
        ("alpha", "task_type_disabled_with_broken_disks"),
        ("beta", "root_task_failed"),
    }
    assert len({(a["node"], a["id"]) for a in firing}) == 2


def test_each_source_stays_within_its_request_budget(
    engine: ServedEngine, scylla: tuple[FakeScylla, str], tmp_path: Path
) -> None:
    fake, scylla_url = scylla
    argv = [*two_clusters(tmp_path, engine, scylla_url), "--max-rps", f"{RATE:g}", "--refresh", "0.1"]
    with RunningExporter(argv) as running:
        eventually(lambda: len(fake.requests) >= 3 * RATE)  # well past the first burst
        text = running.metrics()
        elapsed = time.monotonic() - running.created
    times = [at for at, _ in fake.requests]
    # A token bucket: at most burst + rate × the time between any two requests; one more for the jitter between
    # the client taking a token and the request arriving here.
    for first in range(len(times)):
        for last in range(first, len(times)):
            assert last - first + 1 <= RATE + RATE * (times[last] - times[first]) + 1
    for cluster in ("alpha", "beta"):
        [labels] = series(text, "schedtop_source_requests_total", cluster=cluster)
        # one more: a request counts from when it takes its token, which may mean waiting for it
        assert 0 < sample(text, "schedtop_source_requests_total", **labels) <= RATE + RATE * elapsed + 1


def test_a_down_source_is_up_0_and_a_node_down_alert_while_the_other_is_served(
    engine: ServedEngine, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[alerts]\nnode_down_seconds = 0\n")
    nowhere = down_url()
    argv = ["--connect", f"alpha={engine.url}", "--connect", f"gone={nowhere}", "--config", str(config)]
    with RunningExporter([*argv, "--refresh", "0.2"]) as running:
        eventually(lambda: up(running.metrics(), "alpha"))
        eventually(lambda: any(a["rule"] == "node_down" for a in running.http.get("/api/alerts").json()["firing"]))
        text = running.metrics()
        [gone] = [s for s in running.http.get("/api/sources").json() if s["cluster"] == "gone"]
    node = nowhere.removeprefix("http://")
    assert sample(text, "schedtop_up", cluster="gone", node=node) == 0
    assert sample(text, "schedtop_alerts", cluster="gone", node=node, rule="node_down", severity="critical") == 1
    assert series(text, "schedtop_tasks", cluster="alpha") and not series(text, "schedtop_tasks", cluster="gone")
    assert gone["connection"] == "disconnected" and gone["error"]


def test_the_exporter_sends_its_alerts_to_the_alertmanager(
    engine: ServedEngine, scylla: tuple[FakeScylla, str], tmp_path: Path
) -> None:
    fake = FakeAlertmanager()
    _, scylla_url = scylla
    with ServedApp(fake.app()) as alertmanager:
        argv = [*two_clusters(tmp_path, engine, scylla_url), "--alertmanager", alertmanager.url]
        with RunningExporter([*argv, "--refresh", "0.2"]):
            eventually(lambda: {a["labels"]["cluster"] for a in fake.alerts()} == {"alpha", "beta"})
    alpha = next(a for a in fake.alerts() if a["labels"]["cluster"] == "alpha")
    assert alpha["labels"]["alertname"] == "task_type_disabled_with_broken_disks"
    assert alpha["labels"]["node"] == engine.url.removeprefix("http://") and alpha["generatorURL"] == engine.url


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "nothing to watch"),
        (["--connect", "not-a-url"], "--connect needs an http"),
        (["--connect", "http://127.0.0.1:1", "--port", "70000"], "--port must be 0…65535"),
        (["--connect", "http://127.0.0.1:1", "--max-rps", "0"], "--max-rps must be above 0"),
        (["--connect", "http://127.0.0.1:1", "--refresh", "soon"], "not a number of seconds"),
        (["--connect", "http://127.0.0.1:1", "--backend", "oracle"], "invalid choice"),
        (["--connect", "http://127.0.0.1:1", "--alertmanager", "am:9093"], "--alertmanager needs an http"),
    ],
)
def test_a_bad_command_line_exits_2_with_a_message(
    argv: list[str], message: str, no_config: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = schedtop_main(["exporter", *argv, *no_config])
    except SystemExit as exit:  # argparse's own refusals
        code = exit.code  # type: ignore[assignment]
    assert code == 2
    assert message in capsys.readouterr().err


def test_the_dashboard_refuses_an_alertmanager_url_that_is_not_http(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        schedtop_main(["--alertmanager", "alertmanager:9093"])
    assert exit.value.code == 2 and "--alertmanager needs an http" in capsys.readouterr().err


def test_every_metric_the_exporter_rules_file_names_is_served(engine: ServedEngine, tmp_path: Path) -> None:
    document = yaml.safe_load(EXPORTER_RULES.read_text())
    rules = [rule for group in document["groups"] for rule in group["rules"]]
    assert all(rule["labels"]["severity"] in ("warning", "critical") for rule in rules)
    named = set().union(*(metric_names(rule["expr"]) for rule in rules))
    with RunningExporter(["--connect", engine.url, "--config", str(tmp_path / "absent.toml")]) as running:
        eventually(lambda: up(running.metrics(), engine.url.removeprefix("http://")))
        text = running.metrics()
    served = {s.name for family in text_string_to_metric_families(text) for s in family.samples} | {"up"}
    assert {"schedtop_alerts", "schedtop_up"} <= named <= served, named - served


def test_the_exporter_watches_a_cubefs_scheduler_beside_a_schedtop_server(engine: ServedEngine, tmp_path: Path) -> None:
    with ServedApp(cubefs_app()) as cubefs:
        config = tmp_path / "config.toml"
        config.write_text(f'[clusters]\nalpha = "{engine.url}"\ncfs = {{ url = "{cubefs.url}", backend = "cubefs" }}\n')
        with RunningExporter(["--config", str(config), "--refresh", "0.2"]) as running:
            # the per-disk progress is read within the source's budget, maybe a refresh after the stats
            eventually(lambda: up(running.metrics(), "alpha") and 'disk_id="17"' in running.metrics())
            text = running.metrics()
    node = cubefs.url.removeprefix("http://")
    assert sample(text, "schedtop_cubefs_enabled", cluster="cfs", node=node, task_type="shard_repair") == 1
    assert series(text, "schedtop_cubefs_success_per_minute", cluster="cfs", task_type="blob_delete")
    assert series(text, "schedtop_cubefs_success_per_minute", cluster="alpha", task_type="blob_delete")
    assert (
        sample(
            text,
            "schedtop_disk_migration_tasks_migrated",
            cluster="cfs",
            node=node,
            disk_id="17",
            task_type="disk_repair",
        )
        == 12
    )
