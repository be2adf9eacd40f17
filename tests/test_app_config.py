"""Config file, binding registry, client model and the command line, without a terminal."""

from __future__ import annotations

import gc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app import cli
from app.bindings import REGISTRY, KeymapError, active_specs, normalize_key
from app.client_model import ClientModel
from app.config import Config, ConfigError, load_config
from app.sources.base import ALL_CAPABILITIES, STATS, TASKS
from engine.model import ClusterSummary, Snapshot, TaskRow, TasksStat, TaskState, TaskStatus

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def test_config_file_sets_refresh_theme_screen_and_keys(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('refresh = 2.5\ntheme = "nord"\nscreen = "plot"\n[keys]\nabort = "A"\n')
    config = load_config(path)
    assert (config.refresh, config.theme, config.screen, config.keys) == (2.5, "nord", 3, {"abort": "A"})


def test_cli_flags_override_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("refresh = 2.5\n")
    assert load_config(path).with_overrides(refresh=0.5, theme=None).refresh == 0.5


def test_schedtop_config_env_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "other.toml"
    path.write_text("refresh = 5\n")
    monkeypatch.setenv("SCHEDTOP_CONFIG", str(path))
    assert load_config().refresh == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("refresh = 0", "refresh must be between"),
        ("refresh = 'fast'", "refresh must be a number"),
        ("colour = 1", "unknown setting 'colour'"),
        ("screen = 9", "screen must be 1"),
        ("[keys]\nabort = 1", "[keys] must map"),
        ("refresh = ", "cannot read"),
    ],
)
def test_a_bad_config_file_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_config(path)


def test_read_only_leaves_out_every_mutating_binding() -> None:
    specs = active_specs(ALL_CAPABILITIES, read_only=True)
    assert not [spec for spec in specs if spec.mutating]
    assert {spec.id for spec in specs} >= {"quit", "help", "pause", "filter", "wait"}


def test_bindings_of_missing_capabilities_are_left_out() -> None:
    ids = {spec.id for spec in active_specs({STATS, TASKS}, read_only=False)}
    assert "abort" not in ids and "halt" not in ids and "internal" in ids


def test_keymap_remaps_by_id_and_rejects_unknown_ids_and_clashes() -> None:
    specs = {spec.id: spec for spec in active_specs(ALL_CAPABILITIES, False, {"abort": "?", "help": "f1"})}
    assert specs["abort"].key == "question_mark" and specs["help"].key == "f1"
    with pytest.raises(KeymapError, match="unknown binding id 'explode'"):
        active_specs(ALL_CAPABILITIES, False, {"explode": "x"})
    with pytest.raises(KeymapError, match="bound to both"):
        active_specs(ALL_CAPABILITIES, False, {"abort": "q"})


def test_every_binding_has_a_unique_id_and_key() -> None:
    assert len({spec.id for spec in REGISTRY}) == len(REGISTRY)
    assert normalize_key("+") == "plus" and normalize_key(":") == "colon" and normalize_key("/") == "slash"


def _snapshot(revision: int, rows: list[TaskRow], full: bool = False, removed: list[str] | None = None) -> Snapshot:
    return Snapshot(
        revision=revision,
        full=full,
        taken_at=T0,
        cluster=ClusterSummary(name="c", node="n"),
        stats=TasksStat(),
        modules=["m"],
        tasks=rows,
        removed=removed or [],
    )


def _row(task_id: str, state: TaskState = TaskState.RUNNING) -> TaskRow:
    return TaskRow(module="m", status=TaskStatus(id=task_id, type="t", state=state))


def test_client_model_applies_deltas_and_reports_what_changed() -> None:
    model = ClientModel(keep_gone=False)
    changes = model.apply(_snapshot(1, [_row("a"), _row("b")], full=True))
    assert changes.full and set(model.rows) == {"a", "b"} and model.revision == 1
    changes = model.apply(_snapshot(2, [_row("a", TaskState.DONE)], removed=["b"]))
    assert changes.changed == {"a"} and changes.removed == {"b"} and set(model.rows) == {"a"}
    changes = model.apply(_snapshot(3, [_row("a", TaskState.DONE), _row("c")], full=True))
    assert changes.full and changes.changed == {"c"}  # a resync names what differs from the model


def test_client_model_keeps_finished_tasks_the_server_forgot() -> None:
    model = ClientModel()
    model.apply(_snapshot(1, [_row("a", TaskState.DONE), _row("b")], full=True))
    model.apply(_snapshot(2, [], removed=["a", "b"]))
    assert model.rows["a"].gone and "b" not in model.rows


def test_help_documents_every_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for flag in ("--db", "--seed", "--speed", "--refresh", "--read-only", "--theme", "--ansi", "--screen", "--connect"):
        assert flag in out


def test_bad_flags_and_config_are_refused_before_the_screen_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--refresh", "0"])
    assert "refresh must be between" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text("refresh = [")
    assert cli.main(["--config", str(bad)]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_a_corrupt_store_is_a_clear_error_at_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "broken.db"
    db.write_bytes(b"this is not a sqlite file" * 100)
    assert cli.main(["--db", str(db), "--config", str(tmp_path / "none.toml")]) == 1
    assert "cannot open the engine" in capsys.readouterr().err


def test_connect_needs_an_http_url(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit, match="http:// or https://"):
        cli.main(["--connect", "ftp://example", "--config", "/nonexistent/config.toml"])


def test_config_defaults() -> None:
    assert Config().refresh == 1.0 and Config().screen_name == "main"


def test_a_refused_start_leaves_the_garbage_collector_as_it_was(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("refresh = 'often'\n")
    assert gc.isenabled()
    assert cli.main(["--config", str(bad)]) == 2
    assert gc.isenabled()
