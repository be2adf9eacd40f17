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

    [alerts]                 # thresholds of the alert rules (see engine.model.AlertRules for every key)
    supervisor_halted_seconds = 900
    node_down_seconds = 60
    disabled = ["root_task_failed"]

:class:`ConfigFile` is the file's schema (a pydantic model; ``python -m app.config --schema`` prints it as JSON
Schema); :func:`load_config` validates the file against it and hands the app a :class:`Config`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import ErrorDetails

from engine.model import AlertRules
from engine.model.alerts import RULE_NAMES

from .sources.remote import BACKEND_NAMES

MIN_REFRESH = 0.2
MAX_REFRESH = 60.0
MAX_RPS = 10_000.0
"""The most requests a second a cluster's ``max_rps`` may allow."""
ScreenName = Literal["main", "tasks", "plot", "jobs", "nodes"]
SCREENS: tuple[str, ...] = get_args(ScreenName)


class ConfigError(ValueError):
    """The config file is unreadable or has a bad value; the message names the file and the key."""


@dataclass(frozen=True)
class ClusterEntry:
    """One named server from ``[clusters]``; ``backend`` None means "what --backend says" (default schedtop)."""

    url: str
    backend: str | None = None
    token: str | None = None
    max_rps: float | None = None
    """Requests a second schedtop may send this server; None means ``--max-rps`` (default 20)."""


@dataclass(frozen=True)
class Config:
    refresh: float = 1.0
    theme: str | None = None
    screen: int = 1
    read_only: bool = False
    keys: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    clusters: dict[str, ClusterEntry] = field(default_factory=dict)
    alerts: AlertRules = field(default_factory=AlertRules)

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
        """The settings the file could hold obey the file's rules; a :class:`ConfigError` says which does not."""
        settings = {"refresh": self.refresh, "screen": self.screen, "read_only": self.read_only, "keys": self.keys}
        _validated({**settings, **({"theme": self.theme} if self.theme is not None else {})}, self.path)


def _url_alone(value: object) -> object:
    """``name = "http://…"`` is short for ``name = { url = "http://…" }``."""
    return {"url": value} if isinstance(value, str) else value


Url = Annotated[str, StringConstraints(pattern=r"^https?://")]


def _known_backend(name: str) -> str:
    if name not in BACKEND_NAMES:
        raise ValueError(f"not one of {', '.join(BACKEND_NAMES)}")
    return name


# one of the registry's names (app.sources.remote.BACKENDS), shown to editors as the enum it is
BackendName = Annotated[
    str, AfterValidator(_known_backend), WithJsonSchema({"enum": list(BACKEND_NAMES), "type": "string"})
]


class ClusterTable(BaseModel):
    """One ``[clusters]`` entry written out as a table."""

    # strict: TOML already gives the right types, so a string where a number belongs is a mistake, not coercible;
    # built when a file is first read, not at import (most runs have no file: ~5 ms of the start-up for all three)
    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)

    url: Url
    backend: BackendName | None = Field(default=None, description="what --backend says when left out")
    token: str | None = None
    max_rps: Annotated[float, Field(gt=0, le=MAX_RPS)] | None = Field(
        default=None, description="requests a second schedtop may send this server (--max-rps when left out)"
    )


# the schema shows both spellings; validation sees the table the short one stands for
Cluster = Annotated[ClusterTable, BeforeValidator(_url_alone, json_schema_input_type=Url | ClusterTable)]


class AlertsTable(AlertRules):
    """The ``[alerts]`` table: the engine's :class:`~engine.model.AlertRules`, with a misspelt key refused rather
    than silently ignored (a threshold that never applies is worse than an error)."""

    model_config = ConfigDict(extra="forbid", strict=True, title="AlertsTable", defer_build=True)


class ConfigFile(BaseModel):
    """The settings file as TOML reads it (see the module docstring for an example)."""

    model_config = ConfigDict(extra="forbid", strict=True, title="schedtop config.toml", defer_build=True)

    refresh: Annotated[float, Field(ge=MIN_REFRESH, le=MAX_REFRESH, description="seconds between refreshes")] = 1.0
    theme: str | None = Field(default=None, description="a Textual theme name")
    screen: Annotated[int, Field(ge=1, le=len(SCREENS))] | ScreenName = Field(
        default=1, description="the first screen, by number or name"
    )
    read_only: bool = False
    keys: dict[str, str] = Field(default_factory=dict, description="binding id = key (`?` lists the ids)")
    clusters: dict[str, Cluster] = Field(
        default_factory=dict, description="named servers: a URL, or a table of url, backend and token"
    )
    alerts: AlertsTable = Field(
        default_factory=lambda: AlertsTable(), description="thresholds of the alert rules, and rules switched off"
    )

    def to_config(self, path: Path | None) -> Config:
        """The app's settings from the file at ``path``: screen names become numbers, short clusters tables."""
        return Config(
            refresh=self.refresh,
            theme=self.theme,
            screen=self.screen if isinstance(self.screen, int) else Config.screen_number(self.screen),
            read_only=self.read_only,
            keys=dict(self.keys),
            path=path,
            clusters={name: ClusterEntry(c.url, c.backend, c.token, c.max_rps) for name, c in self.clusters.items()},
            alerts=AlertRules.model_validate(self.alerts.model_dump()),
        )


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
    return _validated(data, path).to_config(path)


def _validated(data: Mapping[str, object], path: Path | None) -> ConfigFile:
    try:
        return ConfigFile.model_validate(data)
    except ValidationError as error:
        # an unknown key first, as a typo there is the likelier cause of whatever else looks wrong
        errors = sorted(error.errors(), key=lambda e: e["type"] != "extra_forbidden")
        raise ConfigError(_message(errors[0], f" in {path}" if path else "")) from None


_CLUSTERS_EXAMPLE = (
    '[clusters] maps names to URLs, e.g. a = "http://10.0.0.1:9800" or a = { url = "…", backend = "cubefs" }'
)


def _message(error: ErrorDetails, where: str) -> str:
    """One sentence for pydantic's complaint that names the key and says what would be right, as the docs do."""
    kind = error["type"]
    out_of_range = kind in ("greater_than_equal", "less_than_equal")
    match error["loc"]:
        case (str(key),) if kind == "extra_forbidden":
            return f"unknown setting {key!r}{where} (known: {', '.join(sorted(ConfigFile.model_fields))})"
        case ("refresh",) if out_of_range:
            return f"refresh must be between {MIN_REFRESH} and {MAX_REFRESH} seconds{where}"
        case ("refresh", *_):
            return f"refresh must be a number of seconds{where}"
        case ("theme", *_):
            return f"theme must be a theme name{where}"
        case ("screen", *_) if out_of_range:
            return f"screen must be 1…{len(SCREENS)}{where}"
        case ("screen", *_):
            return f"screen must be 1…{len(SCREENS)} or one of {', '.join(SCREENS)}{where}"
        case ("read_only", *_):
            return f"read_only must be true or false{where}"
        case ("keys", *_):
            return f'[keys] must map binding ids to key names, e.g. abort = "A",{where}'
        case ("clusters", name, str(key)) if kind == "extra_forbidden":
            return f"cluster {name!r}: unknown key {key!r} (url, backend, token, max_rps){where}"
        case ("clusters", name, "url") if kind == "string_pattern_mismatch":
            return f"cluster {name!r}: url must start with http:// or https://, got {error['input']!r}{where}"
        case ("clusters", name, "backend"):
            return f"cluster {name!r}: backend must be one of {', '.join(BACKEND_NAMES)}{where}"
        case ("clusters", name, "token"):
            return f"cluster {name!r}: token must be a string{where}"
        case ("clusters", name, "max_rps", *_):
            return f"cluster {name!r}: max_rps must be a number of requests a second, above 0 and at most {MAX_RPS:g}{where}"
        case ("clusters", name, *_):
            return f"cluster {name!r}: {_CLUSTERS_EXAMPLE},{where}"
        case ("clusters",):
            return f"{_CLUSTERS_EXAMPLE},{where}"
        case ("alerts", str(key), *_) if kind == "extra_forbidden":
            known = ", ".join(name for name in AlertRules.model_fields)
            return f"[alerts]: unknown key {key!r} (known: {known}){where}"
        case ("alerts", "disabled", *_):
            return f"[alerts] disabled must be a list of rule names out of {', '.join(RULE_NAMES)}{where}"
        case ("alerts", "error_share", *_):
            return f"[alerts] error_share must be a fraction between 0 and 1{where}"
        case ("alerts", "error_rate_minutes", *_):
            return f"[alerts] error_rate_minutes must be a whole number of minutes, 1 to 19{where}"
        case ("alerts", "history", *_):
            return f"[alerts] history must be a whole number of alerts kept, 0 to 100000{where}"
        case ("alerts", "error_rate_per_minute", *_):
            return f"[alerts] error_rate_per_minute must be a number of failures a minute, at least 0{where}"
        case ("alerts", str(key), *_):
            return f"[alerts] {key} must be a number of seconds, at least 0{where}"
        case ("alerts",):
            return f"[alerts] must be a table of rule thresholds, e.g. node_down_seconds = 60,{where}"
    # every key is covered above; this keeps a future one readable until it gets its own sentence
    place = ".".join(str(part) for part in error["loc"])
    return f"{place}: {error['msg']}{where}"


def json_schema() -> dict[str, Any]:
    """The config file's JSON Schema, for editors that check TOML against one (e.g. Taplo, Even Better TOML)."""
    return ConfigFile.model_json_schema()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m app.config --schema``: print the JSON Schema of the config file."""
    parser = argparse.ArgumentParser(prog="python -m app.config", description="The schedtop config file's schema.")
    parser.add_argument("--schema", action="store_true", required=True, help="print the config file's JSON Schema")
    parser.parse_args(argv)
    print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
