"""Who may change things and how much they may send: a bearer token on mutating requests and a body size limit.

Both are plain ASGI middleware so they guard every route, including ones added later. Read-only methods (GET,
HEAD, OPTIONS) stay open. The token is compared in constant time and never logged or echoed.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_body

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_MAX_BODY_BYTES = 1 << 20


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
        if self._token is None or scope["type"] != "http" or scope["method"] in READ_ONLY_METHODS:
            await self.app(scope, receive, send)
            return
        given = _bearer(scope)
        path = scope.get("path", "")
        if given is None:
            body = error_body(path, 401, "this server needs a bearer token for changes (Authorization: Bearer …)")
            await _send_json(send, 401, body, [(b"www-authenticate", b'Bearer realm="schedtop"')])
            return
        if not hmac.compare_digest(given, self._token):
            body = error_body(path, 403, "the bearer token is not valid for this server")
            await _send_json(send, 403, body, [(b"www-authenticate", b'Bearer error="invalid_token"')])
            return
        await self.app(scope, receive, send)


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
