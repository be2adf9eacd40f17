"""The web server of ``schedtop web``: textual-serve, with schedtop's own page and a guard in front.

textual-serve starts one dashboard process per browser session (``command``) and relays its terminal over a
WebSocket to xterm.js. Its stock page loads a font from a CDN and builds its URLs from the bind address (useless
for 0.0.0.0); schedtop's page (``templates/app_index.html``) takes everything from this server and the WebSocket
address from the browser's own location.

The guard answers what a browser makes possible even on loopback: a page of another site may open a WebSocket to
any address (WebSockets are not bound by CORS), which would start a dashboard session and type into it, so ``/ws``
refuses an ``Origin`` other than the page's own (403); and a name that resolves to 127.0.0.1 by DNS rebinding is
refused by its ``Host`` (421), as ``schedtop serve`` does.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from textual_serve.server import Server

from engine.http.security import LOCAL_NAMES, host_name, is_address

TEMPLATES = Path(__file__).parent / "templates"


def site_guard(allowed_hosts: Iterable[str]) -> Middleware:
    """aiohttp middleware: 421 for a ``Host`` name not ours, 403 for a WebSocket opened by another site's page."""
    allowed = LOCAL_NAMES | {host_name(name) for name in allowed_hosts if name.strip()}

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        authority = request.headers.get("Host", "")
        name = host_name(authority)
        if authority and not is_address(name) and name not in allowed:
            raise web.HTTPMisdirectedRequest(
                text=f"schedtop web does not answer to the name {name!r}; start it with --allow-host {name} "
                "to accept it (a guard against DNS rebinding)\n"
            )
        origin = request.headers.get("Origin")
        if request.path == "/ws" and origin is not None:
            own = {f"http://{authority.lower()}", f"https://{authority.lower()}"}
            if origin.strip().lower() not in own:
                raise web.HTTPForbidden(
                    text=f"a dashboard session for a page of another origin ({origin}) is refused\n"
                )
        return await handler(request)

    return guard


class DashboardSite(Server):
    """textual-serve's server with schedtop's page, its guard, a cap on sessions and no banner.

    Every session is a dashboard process; ``max_sessions`` keeps a page reloaded in a loop (or many visitors) from
    starting more than the machine can run: past it, 503.
    """

    def __init__(self, command: str, *, title: str, allowed_hosts: Iterable[str] = (), max_sessions: int = 20) -> None:
        # host and port only feed textual-serve's public_url, which schedtop's page does not use.
        super().__init__(command, title=title, templates_path=TEMPLATES)
        self.allowed_hosts = tuple(allowed_hosts)
        self.max_sessions = max_sessions
        self.sessions = 0

    async def make_app(self) -> web.Application:
        app = await self._make_app()
        app.middlewares.append(site_guard(self.allowed_hosts))
        return app

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        if self.sessions >= self.max_sessions:
            raise web.HTTPServiceUnavailable(
                text=f"schedtop web already runs {self.max_sessions} sessions (--max-sessions); close one\n"
            )
        self.sessions += 1
        try:
            return await super().handle_websocket(request)
        finally:
            self.sessions -= 1

    async def on_startup(self, app: web.Application) -> None:
        """No banner: textual-serve's would give its own, wrong, address."""

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        try:
            font_size = min(max(int(request.query.get("fontsize", "16")), 6), 64)
        except ValueError:
            font_size = 16
        return {"font_size": font_size, "title": self.title}
