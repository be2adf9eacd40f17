"""Build the remote source a ``--connect URL --backend NAME`` asks for."""

from __future__ import annotations

from .http_cubefs import CubeFSSource
from .http_schedtop import SchedtopHttpSource
from .http_scylla import ScyllaSource

BACKENDS: dict[str, type[SchedtopHttpSource] | type[CubeFSSource] | type[ScyllaSource]] = {
    "schedtop": SchedtopHttpSource,
    "cubefs": CubeFSSource,
    "scylla": ScyllaSource,
}


def remote_source(
    url: str, backend: str = "schedtop", token: str | None = None, label: str = ""
) -> SchedtopHttpSource | CubeFSSource | ScyllaSource:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"--connect needs an http:// or https:// URL, got {url!r}")
    try:
        kind = BACKENDS[backend]
    except KeyError:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}") from None
    return kind(url, token=token, label=label)
