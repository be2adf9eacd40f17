"""User settings from ``~/.config/schedtop/config.toml`` (or ``$SCHEDTOP_CONFIG``), overridden by CLI flags.

Example::

    refresh = 2.0            # seconds between refreshes (0.2 … 60)
    theme = "nord"           # any Textual theme name
    screen = 1               # 1 main, 2 tasks, 3 plot, 4 jobs, 5 nodes
    read_only = false

    [keys]                   # binding id = key (see `?` for the ids)
    abort = "A"
    halt = "ctrl+h"

    [clusters]               # named servers: `schedtop` watches them all (n switches), `--connect NAME` some
    scheduler-a = "http://10.0.0.1:9800"
    scheduler-b = { url = "http://10.0.0.2:9998", backend = "cubefs" }
    scylla-1 = { url = "http://10.0.1.1:10000", backend = "scylla", token = "…" }
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

MIN_REFRESH = 0.2
MAX_REFRESH = 60.0
SCREENS = ("main", "tasks", "plot", "jobs", "nodes")


class ConfigError(ValueError):
    """The config file is unreadable or has a bad value; the message names the file and the key."""


BACKENDS = ("schedtop", "cubefs", "scylla")


@dataclass(frozen=True)
class ClusterEntry:
    """One named server from ``[clusters]``; ``backend`` None means "what --backend says" (default schedtop)."""

    url: str
    backend: str | None = None
    token: str | None = None


@dataclass(frozen=True)
class Config:
    refresh: float = 1.0
    theme: str | None = None
    screen: int = 1
    read_only: bool = False
    keys: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    clusters: dict[str, ClusterEntry] = field(default_factory=dict)

    def with_overrides(self, **values: object) -> Config:
        """CLI flags win over the file; ``None`` means the flag was not given."""
        given = {key: value for key, value in values.items() if value is not None}
        config = replace(self, **given)  # type: ignore[arg-type]
        config.validate()
        return config

    @staticmethod
    def screen_number(name: str) -> int:
        return SCREENS.index(name) + 1

    @property
    def screen_name(self) -> str:
        return SCREENS[self.screen - 1]

    def validate(self) -> None:
        where = f" in {self.path}" if self.path else ""
        if not MIN_REFRESH <= self.refresh <= MAX_REFRESH:
            raise ConfigError(f"refresh must be between {MIN_REFRESH} and {MAX_REFRESH} seconds{where}")
        if not 1 <= self.screen <= len(SCREENS):
            raise ConfigError(f"screen must be 1…{len(SCREENS)}{where}")


def default_path() -> Path:
    override = os.environ.get("SCHEDTOP_CONFIG")
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "schedtop" / "config.toml"


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing file is the defaults, a broken one a :class:`ConfigError`."""
    path = path or default_path()
    if not path.exists():
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None
    known = {"refresh", "theme", "screen", "read_only", "keys", "clusters"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]!r} in {path} (known: {', '.join(sorted(known))})")
    refresh = data.get("refresh", 1.0)
    if isinstance(refresh, bool) or not isinstance(refresh, int | float):
        raise ConfigError(f"refresh must be a number of seconds in {path}")
    theme = data.get("theme")
    if theme is not None and not isinstance(theme, str):
        raise ConfigError(f"theme must be a theme name in {path}")
    screen = data.get("screen", 1)
    if isinstance(screen, str) and screen in SCREENS:
        screen = SCREENS.index(screen) + 1
    if isinstance(screen, bool) or not isinstance(screen, int):
        raise ConfigError(f"screen must be 1…5 or one of {', '.join(SCREENS)} in {path}")
    read_only = data.get("read_only", False)
    if not isinstance(read_only, bool):
        raise ConfigError(f"read_only must be true or false in {path}")
    keys = data.get("keys", {})
    if not isinstance(keys, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in keys.items()):
        raise ConfigError(f'[keys] must map binding ids to key names, e.g. abort = "A", in {path}')
    clusters = _clusters(data.get("clusters", {}), path)
    config = Config(float(refresh), theme, screen, read_only, dict(keys), path, clusters)
    config.validate()
    return config


def _clusters(table: object, path: Path) -> dict[str, ClusterEntry]:
    example = '[clusters] maps names to URLs, e.g. a = "http://10.0.0.1:9800" or a = { url = "…", backend = "cubefs" }'
    if not isinstance(table, dict):
        raise ConfigError(f"{example}, in {path}")
    clusters: dict[str, ClusterEntry] = {}
    for name, value in table.items():
        if isinstance(value, str):
            value = {"url": value}
        if not isinstance(value, dict) or not isinstance(value.get("url"), str):
            raise ConfigError(f"cluster {name!r}: {example}, in {path}")
        unknown = sorted(set(value) - {"url", "backend", "token"})
        if unknown:
            raise ConfigError(f"cluster {name!r}: unknown key {unknown[0]!r} (url, backend, token) in {path}")
        url, backend, token = value["url"], value.get("backend"), value.get("token")
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"cluster {name!r}: url must start with http:// or https://, got {url!r} in {path}")
        if backend is not None and backend not in BACKENDS:
            raise ConfigError(f"cluster {name!r}: backend must be one of {', '.join(BACKENDS)} in {path}")
        if token is not None and not isinstance(token, str):
            raise ConfigError(f"cluster {name!r}: token must be a string in {path}")
        clusters[str(name)] = ClusterEntry(url, backend, token)
    return clusters
