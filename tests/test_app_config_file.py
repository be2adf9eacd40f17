"""The config file's rules: what it accepts, what each mistake is called, and the JSON Schema it can print."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import config as config_module
from app.config import ClusterEntry, Config, ConfigError, load_config
from engine.model import AlertRules


def written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_a_missing_file_is_the_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "none.toml") == Config()


def test_every_setting_and_both_spellings_of_a_cluster(tmp_path: Path) -> None:
    path = written(
        tmp_path,
        'refresh = 3\ntheme = "nord"\nscreen = 4\nread_only = true\n[keys]\nhalt = "ctrl+h"\n'
        '[clusters]\na = "https://a:1"\nb = { url = "http://b:2", backend = "cubefs", token = "t" }\n',
    )
    assert load_config(path) == Config(
        refresh=3.0,
        theme="nord",
        screen=4,
        read_only=True,
        keys={"halt": "ctrl+h"},
        path=path,
        clusters={"a": ClusterEntry("https://a:1"), "b": ClusterEntry("http://b:2", "cubefs", "t")},
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("refresh = 61", "refresh must be between 0.2 and 60.0 seconds in {path}"),
        ("refresh = true", "refresh must be a number of seconds in {path}"),
        ("theme = 1", "theme must be a theme name in {path}"),
        ("screen = 0", "screen must be 1…5 in {path}"),
        ("screen = 'graphs'", "screen must be 1…5 or one of main, tasks, plot, jobs, nodes in {path}"),
        ("read_only = 1", "read_only must be true or false in {path}"),
        ("keys = 3", '[keys] must map binding ids to key names, e.g. abort = "A", in {path}'),
        (
            "colour = 1\nrefresh = 0",
            "unknown setting 'colour' in {path} (known: alerts, clusters, keys, read_only, refresh, screen, theme)",
        ),
        ("[clusters]\na = { url = 'http://x', token = 5 }", "cluster 'a': token must be a string in {path}"),
        (
            "[clusters]\na = 'ftp://x'",
            "cluster 'a': url must start with http:// or https://, got 'ftp://x' in {path}",
        ),
        ("[clusters]\na = { url = 'http://x', backend = 3 }", "cluster 'a': backend must be one of schedtop, cubefs"),
        (
            "[clusters]\na = { url = 'http://x', max_rps = 0 }",
            "cluster 'a': max_rps must be a number of requests a second, above 0 and at most 10000 in {path}",
        ),
        (
            "[clusters]\na = { url = 'http://x', max_rps = 'fast' }",
            "cluster 'a': max_rps must be a number of requests a second",
        ),
        ("[clusters]\na = { backend = 'cubefs' }", "cluster 'a': [clusters] maps names to URLs, e.g. a = "),
        ("clusters = 3", '[clusters] maps names to URLs, e.g. a = "http://10.0.0.1:9800" or a = { url = "…"'),
    ],
)
def test_each_mistake_names_the_key_and_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = written(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value).startswith(message.replace("{path}", str(path)))


def test_a_flag_out_of_range_is_refused_like_the_same_setting_in_the_file(tmp_path: Path) -> None:
    path = written(tmp_path, "refresh = 2\n")
    with pytest.raises(ConfigError, match=f"^screen must be 1…5 in {path}$"):
        load_config(path).with_overrides(screen=6)
    assert load_config(path).with_overrides(screen=5, refresh=None).screen == 5


def test_the_schema_describes_the_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert config_module.main(["--schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert set(schema["properties"]) == {"refresh", "theme", "screen", "read_only", "keys", "clusters", "alerts"}
    assert schema["additionalProperties"] is False
    assert (schema["properties"]["refresh"]["minimum"], schema["properties"]["refresh"]["maximum"]) == (0.2, 60.0)
    cluster = schema["properties"]["clusters"]["additionalProperties"]["anyOf"]
    assert {"pattern": "^https?://", "type": "string"} in cluster
    assert schema["$defs"]["ClusterTable"]["required"] == ["url"]
    alerts = schema["$defs"]["AlertsTable"]
    assert alerts["additionalProperties"] is False and "node_down_seconds" in alerts["properties"]


def test_the_alerts_table_sets_the_rules_thresholds(tmp_path: Path) -> None:
    path = written(
        tmp_path, '[alerts]\nnode_down_seconds = 5\nsupervisor_halted_seconds = 0.5\ndisabled = ["root_task_failed"]\n'
    )
    rules = load_config(path).alerts
    assert (rules.node_down_seconds, rules.supervisor_halted_seconds) == (5.0, 0.5)
    assert rules.disabled == ["root_task_failed"] and rules.repair_stalled_seconds == 1800.0  # the rest: defaults
    assert load_config(tmp_path / "none.toml").alerts == AlertRules()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[alerts]\nnode_down = 5", "[alerts]: unknown key 'node_down' (known: supervisor_halted_seconds, "),
        (
            "[alerts]\nnode_down_seconds = -1",
            "[alerts] node_down_seconds must be a number of seconds, at least 0 in {path}",
        ),
        (
            "[alerts]\nsupervisor_halted_seconds = '1m'",
            "[alerts] supervisor_halted_seconds must be a number of seconds",
        ),
        ("[alerts]\nerror_share = 2", "[alerts] error_share must be a fraction between 0 and 1 in {path}"),
        ("[alerts]\nerror_rate_minutes = 20", "[alerts] error_rate_minutes must be a whole number of minutes, 1 to 19"),
        ("[alerts]\nhistory = 1.5", "[alerts] history must be a whole number of alerts kept, 0 to 100000"),
        ("[alerts]\nerror_rate_per_minute = true", "[alerts] error_rate_per_minute must be a number of failures"),
        (
            "[alerts]\ndisabled = ['nope']",
            "[alerts] disabled must be a list of rule names out of supervisor_run_hanging,",
        ),
        ("alerts = 3", "[alerts] must be a table of rule thresholds, e.g. node_down_seconds = 60, in {path}"),
    ],
)
def test_each_alerts_mistake_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = written(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value).startswith(message.replace("{path}", str(path)))
