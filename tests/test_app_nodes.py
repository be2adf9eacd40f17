"""Several nodes: named URLs from the command line or the config, a node switcher, and the nodes screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult

from app.cli import remote_targets
from app.config import ClusterEntry, Config, ConfigError, load_config
from app.schedtop_app import SchedtopApp
from app.screens.main import MainScreen
from app.screens.nodes import NodesScreen
from app.sources.base import SourceError
from app.sources.embedded import EmbeddedSource
from engine.model import Snapshot
from tests.app_support import fixed_clock, open_engine, screen_text
from widgets.status_bar import StatusBar, StatusInfo
from widgets.task_view import TaskView


class SwitchableSource(EmbeddedSource):
    """An embedded engine that can be made to fail like a server that went away."""

    down = False

    async def snapshot(self, since: int = 0) -> Snapshot:
        if self.down:
            raise SourceError("connection refused")
        return await super().snapshot(since)


def test_connect_takes_urls_named_urls_and_cluster_names() -> None:
    clusters = {"prod": ClusterEntry("http://10.0.0.1:9800", backend="cubefs")}
    targets = remote_targets(["http://127.0.0.1:9800", "b=http://127.0.0.2:9800", "prod"], clusters)
    assert [name for name, _ in targets] == ["127.0.0.1:9800", "b", "prod"]
    assert targets[2][1].backend == "cubefs"
    assert remote_targets([], clusters) == [("prod", clusters["prod"])]


def test_connect_refuses_what_is_neither_a_url_nor_a_known_name() -> None:
    with pytest.raises(SystemExit, match="known clusters: prod"):
        remote_targets(["nowhere"], {"prod": ClusterEntry("http://10.0.0.1:9800")})


def test_two_urls_with_the_same_host_get_distinct_names() -> None:
    targets = remote_targets(["http://h:1", "http://h:1"], {})
    assert [name for name, _ in targets] == ["h:1", "h:1#2"]


def test_config_clusters_table_names_servers(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[clusters]\na = "http://10.0.0.1:9800"\nb = { url = "http://10.0.0.2:10000", backend = "scylla" }\n'
    )
    config = load_config(path)
    assert config.clusters == {
        "a": ClusterEntry("http://10.0.0.1:9800"),
        "b": ClusterEntry("http://10.0.0.2:10000", backend="scylla"),
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[clusters]\na = "ftp://x"', "must start with http"),
        ('[clusters]\na = { url = "http://x", backend = "oracle" }', "backend must be one of"),
        ('[clusters]\na = { url = "http://x", colour = 1 }', "unknown key 'colour'"),
        ("[clusters]\na = 3", "maps names to URLs"),
    ],
)
def test_a_bad_clusters_table_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(path)


async def test_n_switches_nodes_and_screen_5_shows_them_side_by_side() -> None:
    first, second = await open_engine(seed=1), await open_engine(seed=4)
    down = SwitchableSource(engine=first)
    down.down = True
    sources = [
        ("alpha", EmbeddedSource(engine=first)),
        ("beta", EmbeddedSource(engine=second)),
        ("gamma", down),
    ]
    app = SchedtopApp(sources, Config(), clock=fixed_clock, auto_refresh=False)
    try:
        async with app.run_test(size=(150, 40)) as pilot:
            for node in app.nodes:
                await app.refresh_node(node)
            await app.refresh_data()
            await pilot.pause()
            text = screen_text(app)
            assert "sim-1 · node alpha (1/3)" in text and "1 other node down" in text
            alpha_tasks = set(app.model.rows)
            await pilot.press("n")
            await pilot.pause()
            assert "sim-4 · node beta (2/3)" in screen_text(app)
            assert isinstance(app.screen, MainScreen)
            view = app.screen.query_one(TaskView)
            assert {key for key in view.line_keys() if isinstance(key, str)} <= set(app.model.rows)  # str: a task id
            assert set(app.model.rows) != alpha_tasks  # the tree now shows the other engine's tasks
            await pilot.press("5")
            await pilot.pause()
            assert isinstance(app.screen, NodesScreen)
            table = screen_text(app)
            assert "alpha" in table and "beta" in table and "gamma" in table
            assert "leader" in table and "● connected" in table and "✖ down" in table
            assert "connection refused" in table
            await pilot.press("down", "down", "enter")  # gamma: the down node can be shown, it says so
            await pilot.pause()
            assert app.node.name == "gamma" and "disconnected" in screen_text(app)
    finally:
        await first.close()
        await second.close()


async def test_a_node_going_down_does_not_touch_the_node_shown() -> None:
    first, second = await open_engine(seed=1), await open_engine(seed=2)
    flaky = SwitchableSource(engine=second)
    app = SchedtopApp(
        [("a", EmbeddedSource(engine=first)), ("b", flaky)], Config(), clock=fixed_clock, auto_refresh=False
    )
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            assert await app.refresh_data()
            flaky.down = True
            await app.refresh_node(app.nodes[1])
            assert await app.refresh_data()
            await pilot.pause()
            assert app.connection == "connected" and app.nodes[1].connection == "disconnected"
            assert "● connected" in screen_text(app) and "1 other node down" in screen_text(app)
    finally:
        await first.close()
        await second.close()


async def test_one_node_has_no_node_keys() -> None:
    engine = await open_engine(advance=0)
    app = SchedtopApp(EmbeddedSource(engine=engine), Config(), clock=fixed_clock, auto_refresh=False)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            bound = {active.binding.id for active in app.screen.active_bindings.values()}
            assert {"next_node", "screen_nodes", "leader_node"}.isdisjoint(bound)
            await pilot.press("n")
            assert app.node_index == 0
    finally:
        await engine.close()


async def test_screen_5_never_shows_a_down_nodes_last_supervisor_state_as_current() -> None:
    first, second = await open_engine(seed=1), await open_engine(seed=2)
    await second.add_job("sweep", "balance", 60)
    flaky = SwitchableSource(engine=second)
    app = SchedtopApp(
        [("a", EmbeddedSource(engine=first)), ("b", flaky)], Config(), clock=fixed_clock, auto_refresh=False
    )
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            assert await app.refresh_data()
            await app.refresh_node(app.nodes[1])
            await pilot.press("5")
            await pilot.pause()
            row_b = next(line for line in screen_text(app).splitlines() if " b " in line and "sim-2" in line)
            assert "RUNNING" in row_b and "was RUNNING" not in row_b
            flaky.down = True
            await app.refresh_node(app.nodes[1])
            await app.refresh_data()
            await pilot.pause()
            row_b = next(line for line in screen_text(app).splitlines() if " b " in line and "sim-2" in line)
            assert "✖ down" in row_b and "was RUNNING" in row_b
    finally:
        await first.close()
        await second.close()


async def test_the_header_says_leader_of_the_node_shown_before_the_other_nodes_down() -> None:
    bar = StatusBar()
    async with HeaderApp(bar).run_test(size=(160, 3)) as pilot:
        bar.show(StatusInfo(cluster="c", node="alpha", node_position=(1, 3), nodes_down=1, is_leader=True))
        await pilot.pause()
        text = bar.render().plain
    assert text.index("leader") < text.index("1 other node down")


class HeaderApp(App[None]):
    def __init__(self, bar: StatusBar) -> None:
        super().__init__()
        self.bar = bar

    def compose(self) -> ComposeResult:
        yield self.bar
