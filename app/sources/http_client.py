"""The async httpx client every remote source shares: timeouts, retries with backoff, error bodies, link state.

Both upstream error shapes are understood: CubeFS's ``{"error", "code"}`` and Seastar's ``{"message", "code"}``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from .budget import RequestBudget


class RemoteError(Exception):
    """The server answered with an error status; ``message`` is what it said."""

    def __init__(self, status: int, message: str, code: str | int | None = None) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message
        self.code = code


class RemoteUnavailable(Exception):
    """The server could not be reached (refused, timed out, reset) after the retries."""


@dataclass
class LinkState:
    """What the header shows about the connection."""

    url: str
    connected: bool = False
    last_ok: float | None = None
    last_error: str = ""
    failures: int = 0
    latencies: list[float] = field(default_factory=list)

    def record_ok(self, seconds: float) -> None:
        self.connected, self.last_ok, self.last_error, self.failures = True, time.monotonic(), "", 0
        self.latencies = [*self.latencies[-19:], seconds]

    def record_failure(self, error: str) -> None:
        self.connected, self.last_error = False, error
        self.failures += 1


def error_message(response: httpx.Response) -> tuple[str, str | int | None]:
    try:
        body = response.json()
    except ValueError:
        return (response.text.strip() or response.reason_phrase or "error"), None
    if isinstance(body, dict):
        message = body.get("message") or body.get("error") or body.get("detail") or str(body)
        return str(message), body.get("code")
    return str(body), None


class HttpClient:
    """A small wrapper over ``httpx.AsyncClient``; GETs are retried with exponential backoff, POSTs only when the
    request never reached the server (a refused connection), so a mutation is never sent twice."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.2,
        transport: httpx.AsyncBaseTransport | None = None,
        budget: RequestBudget | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self.state = LinkState(self.base_url)
        self.budget = budget
        """When set, every request sent (retries included) spends one of its tokens: the node's request-rate cap."""
        self._client = httpx.AsyncClient(
            base_url=self.base_url, headers=headers, timeout=timeout, transport=transport, follow_redirects=False
        )

    async def close(self) -> None:
        await self._client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        timeout: float | None = None,
        headers: dict[str, str] | None = None,
        ok_statuses: tuple[int, ...] = (),
    ) -> httpx.Response:
        """Send one request; raise RemoteError for an error status and RemoteUnavailable when unreachable."""
        idempotent = method.upper() == "GET"
        attempt = 0
        while True:
            if self.budget is not None:
                await self.budget.take()
            began = time.perf_counter()
            try:
                extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
                response = await self._client.request(method, path, params=params, json=json, headers=headers, **extra)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                if attempt < self.retries:
                    attempt += 1
                    await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
                    continue
                self.state.record_failure(_describe(error))
                raise RemoteUnavailable(f"{self.base_url} unreachable: {_describe(error)}") from error
            except httpx.TransportError as error:
                if idempotent and attempt < self.retries and not isinstance(error, httpx.ReadTimeout):
                    attempt += 1
                    await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
                    continue
                self.state.record_failure(_describe(error))
                raise RemoteUnavailable(f"{self.base_url}: {_describe(error)}") from error
            # httpx links a read response and its stream both ways: a cycle that only the cyclic collector frees,
            # which the app pauses and then freezes at start-up, so a 28 MB snapshot body stayed resident for good
            response.stream = httpx.ByteStream(b"")
            self.state.record_ok(time.perf_counter() - began)
            if response.status_code >= 400 and response.status_code not in ok_statuses:
                if idempotent and response.status_code in (502, 503, 504) and attempt < self.retries:
                    attempt += 1
                    await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
                    continue
                message, code = error_message(response)
                raise RemoteError(response.status_code, message, code)
            return response

    async def get_json(self, path: str, **kwargs: Any) -> Any:
        response = await self.request("GET", path, **kwargs)
        return response.json() if response.content else None

    async def post_json(self, path: str, **kwargs: Any) -> Any:
        response = await self.request("POST", path, **kwargs)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return response.text


def _describe(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return text.splitlines()[0][:200]
