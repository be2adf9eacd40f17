"""HTTP methods as RFC 9110 wants them: ``HEAD`` on every GET route, ``OPTIONS`` everywhere, a true ``Allow``.

FastAPI routes a path's GET and POST as two routes, so its 405 names only one of them; and it registers no HEAD.
This middleware answers ``OPTIONS`` with ``204`` and the path's methods, runs ``HEAD`` as a GET without the body,
and rewrites the ``Allow`` header of a 405 to list every method the path takes. CORS is deliberately absent: a
preflight gets no ``Access-Control-Allow-*`` header, so browsers keep cross-origin pages out.
"""

from __future__ import annotations

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_ALWAYS = ("OPTIONS",)
_CANDIDATES = ("GET", "POST", "PUT", "PATCH", "DELETE")


class MethodRoutes:
    def __init__(self, app: ASGIApp, routed: ASGIApp) -> None:
        self.app = app
        self.routed = routed  # the application whose routes say which methods each path takes

    def takes(self, path: str, method: str) -> bool:
        scope = {"type": "http", "path": path, "method": method, "root_path": "", "headers": [], "query_string": b""}
        return any(route.matches(scope)[0] is Match.FULL for route in getattr(self.routed, "routes", ()))

    def allowed(self, path: str) -> list[str]:
        """The methods ``path`` takes, HEAD and OPTIONS included; empty when no route has the path."""
        methods = {method for method in _CANDIDATES if self.takes(path, method)}
        if not methods:
            return []
        if "GET" in methods:
            methods.add("HEAD")
        methods.update(_ALWAYS)
        return sorted(methods)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        if method == "OPTIONS":
            allowed = self.allowed(path)
            if allowed:
                await send({"type": "http.response.start", "status": 204, "headers": [_allow(allowed)]})
                await send({"type": "http.response.body", "body": b""})
                return
        if method == "HEAD" and self.takes(path, "GET"):
            await self.app({**scope, "method": "GET"}, receive, _without_body(send))
            return

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                allowed = self.allowed(path)
                if allowed:
                    headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != b"allow"]
                    message = {**message, "headers": [*headers, _allow(allowed)]}
            await send(message)

        await self.app(scope, receive, send_with_allow)


def _allow(methods: list[str]) -> tuple[bytes, bytes]:
    return (b"allow", ", ".join(methods).encode())


def _without_body(send: Send) -> Send:
    async def head_send(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return head_send
