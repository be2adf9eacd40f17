"""The one registry of remote backends, and the factory that builds the source a ``--connect URL --backend NAME``
asks for.

The CLI's ``--backend`` choices and the config file's ``backend`` validation read :data:`BACKEND_NAMES`; a backend's
module is imported only when a source of it is built, so reading the registry costs start-up nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from .budget import DEFAULT_RATE

if TYPE_CHECKING:
    from .http_cubefs import CubeFSSource
    from .http_schedtop import SchedtopHttpSource
    from .http_scylla import ScyllaSource

RemoteSource: TypeAlias = "SchedtopHttpSource | CubeFSSource | ScyllaSource"


def _schedtop(url: str, token: str | None, label: str, max_rps: float) -> RemoteSource:
    from .http_schedtop import SchedtopHttpSource

    return SchedtopHttpSource(url, token=token, label=label, max_rps=max_rps)


def _cubefs(url: str, token: str | None, label: str, max_rps: float) -> RemoteSource:
    from .http_cubefs import CubeFSSource

    return CubeFSSource(url, token=token, label=label, max_rps=max_rps)


def _scylla(url: str, token: str | None, label: str, max_rps: float) -> RemoteSource:
    from .http_scylla import ScyllaSource

    return ScyllaSource(url, token=token, label=label, max_rps=max_rps)


@dataclass(frozen=True)
class Backend:
    """One kind of server ``--connect`` can talk to."""

    name: str
    talks_to: str
    """What it is, for ``--help``: "a CubeFS scheduler"."""
    build: Callable[[str, str | None, str, float], RemoteSource]
    """``(url, token, label, max_rps)`` → an unopened source that sends at most ``max_rps`` requests a second."""


BACKENDS: dict[str, Backend] = {
    backend.name: backend
    for backend in (
        Backend("schedtop", "schedtop's own API", _schedtop),
        Backend("cubefs", "a CubeFS scheduler", _cubefs),
        Backend("scylla", "a ScyllaDB node", _scylla),
    )
}
BACKEND_NAMES: tuple[str, ...] = tuple(BACKENDS)
DEFAULT_BACKEND = "schedtop"


def remote_source(
    url: str,
    backend: str = DEFAULT_BACKEND,
    token: str | None = None,
    label: str = "",
    max_rps: float | None = None,
) -> RemoteSource:
    """An unopened source for the server at ``url``; ValueError for a URL that is not http(s) or an unknown backend."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"--connect needs an http:// or https:// URL, got {url!r}")
    try:
        kind = BACKENDS[backend]
    except KeyError:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}") from None
    return kind.build(url, token, label, DEFAULT_RATE if max_rps is None else max_rps)
