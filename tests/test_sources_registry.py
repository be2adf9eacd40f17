"""One registry of remote backends: the CLI's choices, the config file's check and the factory all read it."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import build_parser
from app.config import ConfigError, load_config
from app.sources.http_cubefs import CubeFSSource
from app.sources.http_schedtop import SchedtopHttpSource
from app.sources.http_scylla import ScyllaSource
from app.sources.remote import BACKEND_NAMES, BACKENDS, DEFAULT_BACKEND, remote_source


def test_the_registry_builds_each_backends_source() -> None:
    kinds = {"schedtop": SchedtopHttpSource, "cubefs": CubeFSSource, "scylla": ScyllaSource}
    assert tuple(kinds) == BACKEND_NAMES and DEFAULT_BACKEND in BACKENDS
    for name, kind in kinds.items():
        assert type(remote_source("http://h:1", name, label=name)) is kind


def test_unknown_backends_and_urls_are_refused_naming_the_choices() -> None:
    with pytest.raises(ValueError, match="choose one of schedtop, cubefs, scylla"):
        remote_source("http://h:1", "ceph")
    with pytest.raises(ValueError, match="http:// or https://"):
        remote_source("h:1")


def test_the_cli_offers_the_registrys_backends() -> None:
    parser = build_parser()
    (action,) = [a for a in parser._actions if a.dest == "backend"]
    assert tuple(action.choices or ()) == BACKEND_NAMES and action.default == DEFAULT_BACKEND
    assert "a CubeFS scheduler, or a ScyllaDB node" in (action.help or "")


@pytest.mark.parametrize("name", BACKEND_NAMES)
def test_the_config_file_takes_every_registered_backend(tmp_path: Path, name: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[clusters]\na = {{ url = "http://a:1", backend = "{name}" }}\n')
    assert load_config(path).clusters["a"].backend == name


def test_the_config_file_refuses_a_backend_the_registry_lacks(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[clusters]\na = { url = "http://a:1", backend = "ceph" }\n')
    with pytest.raises(ConfigError, match="backend must be one of schedtop, cubefs, scylla"):
        load_config(path)
