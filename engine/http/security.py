"""Who may change things and how much they may send: the site guard, a bearer token on changes and a body limit.

All are plain ASGI middleware so they guard every route, including ones added later.

- :class:`SiteGuard` refuses a request whose ``Host`` is not a name this server answers to (421: DNS rebinding)
  and a change sent by a web page of another origin (403: ``Origin`` or ``Sec-Fetch-Site`` say so). curl, httpx,
  the dashboard and the upstream clients send neither header and are unaffected.
- :class:`TokenGuard` asks for the bearer token on every change: every method but GET/HEAD/OPTIONS, and the GETs
  that unregister finished tasks (ScyllaDB's ``task_status``, ``task_status_recursive`` and ``wait_task``).
  The token is compared in constant time and never logged or echoed.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Iterable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_body

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_MAX_BODY_BYTES = 1 << 20
UNREGISTERING_GETS = (
    "/task_manager/task_status/",
    "/task_manager/task_status_recursive/",
    "/task_manager/wait_task/",
)
"""GETs that change state: upstream unregisters a finished task when its status is read or waited for."""
LOCAL_NAMES = frozenset({"localhost"})


def changes_state(method: str, path: str) -> bool:
    """True for every request that may change the engine's state, read-once GETs included."""
    if method not in READ_ONLY_METHODS:
        return True
    return method != "OPTIONS" and path.startswith(UNREGISTERING_GETS)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``; anything else (including 0.0.0.0) is exposed."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


async def _send_json(send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class TokenGuard:
    """Mutating requests need ``Authorization: Bearer <token>`` when a token is configured: 401 without, 403 wrong."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self._token = token.encode() if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if self._token is None or scope["type"] != "http" or not changes_state(scope["method"], path):
            await self.app(scope, receive, send)
            return
        given = _bearer(scope)
        if given is None:
            body = error_body(path, 401, "this server needs a bearer token for changes (Authorization: Bearer …)")
            await _send_json(send, 401, body, [(b"www-authenticate", b'Bearer realm="schedtop"')])
            return
        if not hmac.compare_digest(given, self._token):
            body = error_body(path, 403, "the bearer token is not valid for this server")
            await _send_json(send, 403, body, [(b"www-authenticate", b'Bearer error="invalid_token"')])
            return
        await self.app(scope, receive, send)


def _header(scope: Scope, wanted: bytes) -> bytes | None:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return value
    return None


def host_name(authority: str) -> str:
    """``host[:port]`` or ``[v6]:port`` to the bare, lower-case name or address, without a trailing dot."""
    text = authority.strip().lower()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else text
    elif text.count(":") == 1:
        text = text.rsplit(":", 1)[0]
    return text.rstrip(".")


def is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class SiteGuard:
    """Refuse requests that a web page made: a foreign ``Host`` (421) or a cross-origin change (403).

    A ``Host`` that is an IP address is always accepted: DNS rebinding needs a name the attacker controls, so only
    names are checked, against ``localhost``, the bind address and ``allowed_hosts``.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str] = ()) -> None:
        self.app = app
        self.allowed = LOCAL_NAMES | {host_name(name) for name in allowed_hosts if name.strip()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        host = _header(scope, b"host")
        authority = host.decode("latin-1") if host is not None else ""
        if authority:
            name = host_name(authority)
            if not is_address(name) and name not in self.allowed:
                message = (
                    f"this server does not answer to the name {name!r}; "
                    "start it with --allow-host NAME to accept it (a guard against DNS rebinding)"
                )
                await _send_json(send, 421, error_body(path, 421, message), [(b"connection", b"close")])
                return
        if changes_state(scope["method"], path):
            refusal = self._cross_site(scope, authority)
            if refusal:
                await _send_json(send, 403, error_body(path, 403, refusal), [])
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _cross_site(scope: Scope, authority: str) -> str | None:
        origin = _header(scope, b"origin")
        if origin is not None:
            text = origin.decode("latin-1").strip().lower()
            own = {f"http://{authority.lower()}", f"https://{authority.lower()}"} if authority else set()
            if text not in own:
                return f"changes from a web page of another origin ({text or 'null'}) are refused"
            return None
        fetch_site = _header(scope, b"sec-fetch-site")
        if fetch_site is not None and fetch_site.strip().lower() in (b"cross-site", b"same-site"):
            return "changes from a web page of another site are refused (Sec-Fetch-Site)"
        return None


def _bearer(scope: Scope) -> bytes | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, credential = value.partition(b" ")
            if scheme.lower() == b"bearer" and credential.strip():
                return credential.strip()
            return None
    return None


class BodyLimit:
    """Refuse request bodies above ``max_bytes`` with 413: by Content-Length up front, or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = f"the request body is larger than {self.max_bytes} bytes"
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _send_json(send, 400, error_body(scope["path"], 400, "bad Content-Length header"), [])
                    return
                if declared > self.max_bytes:
                    await _send_json(send, 413, error_body(scope["path"], 413, too_large), [])
                    return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # Raised inside the app, so the app's own handler turns it into a 413 in the right shape.
                    raise HTTPException(413, too_large)
            return message

        await self.app(scope, receive if scope["method"] in READ_ONLY_METHODS else counted, send)
