"""Every capability a source declares is backed by the methods of its protocol, and none is left undeclared.

A source that claims a capability but inherits the :class:`~app.sources.partial.PartialSource` stub (which raises
Unsupported), or whose method's signature drifted from the protocol's, fails here; so does one that implements a
capability's methods without declaring it (the UI would hide a working feature).
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable

import pytest

from app.sources.base import (
    ALL_CAPABILITIES,
    KEEPS_FINISHED,
    PROTOCOLS,
    USER_TTL,
    CubeFSAdmin,
    Source,
    TaskManagerSource,
    protocol_methods,
)
from app.sources.embedded import EmbeddedSource
from app.sources.partial import PartialSource
from app.sources.remote import BACKENDS, remote_source
from engine.engine import EngineConfig

MAY_GAIN = {"scylla": {USER_TTL}}
"""Capabilities a backend adds once it has seen the server (ScyllaDB 6.2.0 has no user_ttl, later nodes do)."""


@pytest.fixture
async def sources() -> AsyncIterator[dict[str, Source]]:
    """One unopened source of every kind, with every capability it can have."""
    made: dict[str, Source] = {name: remote_source("http://127.0.0.1:9", name) for name in BACKENDS}
    made["embedded"] = EmbeddedSource(EngineConfig(), threaded=False)
    for name, gained in MAY_GAIN.items():
        made[name].capabilities = made[name].capabilities | gained
    yield made
    for source in made.values():
        await source.close()


def test_every_capability_names_its_protocol_and_the_protocols_make_up_the_source() -> None:
    assert set(PROTOCOLS) == ALL_CAPABILITIES | {KEEPS_FINISHED}
    declared = {name for protocol in PROTOCOLS.values() if protocol is not None for name in protocol_methods(protocol)}
    lifecycle = {"describe", "open", "close", "snapshot"}
    assert declared | lifecycle == set(protocol_methods(Source))
    assert set(protocol_methods(TaskManagerSource)) == {
        "abort",
        "wait",
        "get_ttl",
        "set_ttl",
        "get_user_ttl",
        "set_user_ttl",
    }
    assert set(protocol_methods(CubeFSAdmin)) == {"task_detail", "add_manual_migrate", "set_enabled"}


def _signature(function: Callable[..., object]) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


async def test_a_declared_capability_has_its_protocols_methods_with_the_same_signatures(
    sources: dict[str, Source],
) -> None:
    for name, source in sources.items():
        assert isinstance(source, Source), name
        for capability in source.capabilities:
            protocol = PROTOCOLS[capability]
            for method in protocol_methods(protocol) if protocol is not None else ():
                implemented = getattr(type(source), method)
                assert implemented is not getattr(PartialSource, method, None), (name, capability, method)
                assert _signature(implemented) == _signature(getattr(protocol, method)), (name, method)


async def test_a_partial_source_declares_every_capability_it_implements(sources: dict[str, Source]) -> None:
    for name, source in sources.items():
        if not isinstance(source, PartialSource):
            continue
        for capability, protocol in PROTOCOLS.items():
            if protocol is None or capability in source.capabilities:
                continue
            for method in protocol_methods(protocol):
                assert getattr(type(source), method) is getattr(PartialSource, method), (name, capability, method)
