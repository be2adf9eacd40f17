"""The command palette's providers: the same actions as the key bindings (from the registry), and the nodes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from .bindings import BindingSpec, display_key
from .dashboard import as_dashboard


class BindingCommands(Provider):
    """Every binding of this run that applies on the current screen, searchable by its description."""

    def _candidates(self) -> list[tuple[str, BindingSpec]]:
        app = as_dashboard(self.app)
        result = []
        for spec in app.specs:
            if spec.id == "help" or app.spec_applies(spec):
                result.append((f"{spec.description}: {spec.help} (key {display_key(spec)})", spec))
        return result

    def _runner(self, spec: BindingSpec) -> Callable[[], Awaitable[None]]:
        app = as_dashboard(self.app)
        return partial(app.run_registry_action, spec)

    async def discover(self) -> Hits:
        for text, spec in self._candidates():
            yield DiscoveryHit(text, self._runner(spec), help=spec.id)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, spec in self._candidates():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), self._runner(spec), help=spec.id)


class NodeCommands(Provider):
    """With several nodes: one command per node, "node: NAME", that shows it."""

    def _candidates(self) -> list[tuple[str, int]]:
        app = as_dashboard(self.app)
        if len(app.nodes) < 2:
            return []
        return [
            (f"node: {node.name} — show this node ({node.source.describe()}, {node.connection})", index)
            for index, node in enumerate(app.nodes)
        ]

    def _runner(self, index: int) -> Callable[[], None]:
        app = as_dashboard(self.app)
        return partial(app.switch_node, index)

    async def discover(self) -> Hits:
        for text, index in self._candidates():
            yield DiscoveryHit(Content(text), self._runner(index), help="switch node")  # names are not markup

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, index in self._candidates():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), self._runner(index), help="switch node")
