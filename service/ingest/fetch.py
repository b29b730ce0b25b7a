"""Polite HTTP for feeds and pages (aiohttp): conditional GET, gzip, recorded redirects, size and
time limits, per-host concurrency and spacing, robots.txt for pages.

Every failure is a :class:`FetchError` with a short ``reason`` (``timeout``, ``too_large``,
``not_found``, ``gone``, ``rate_limited``, ``server_error``, ``http_<code>``, ``too_many_redirects``,
``connection``, ``robots``) that goes into the source's health and the dead letters as it is.
"""

from __future__ import annotations

import asyncio
import time
import urllib.robotparser
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, urlsplit

import aiohttp

from schemas.source import Limits
from service.ingest.schedule import parse_retry_after


class FetchError(Exception):
    def __init__(self, reason: str, message: str, *, status: int | None = None,
                 retry_after: float | None = None) -> None:
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        super().__init__(message)


def split_url(url: str) -> SplitResult:
    """``urlsplit``, with an address it cannot read ("http://[::1/", a port "abc") as a
    FetchError (``bad_url``): no request is made for it."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises for a port that is no number
    except ValueError as exc:
        raise FetchError("bad_url", f"{url[:200]}: {exc}") from None
    return parts


@dataclass(slots=True)
class Response:
    status: int  # 200, or 304 (not modified: body empty)
    url: str     # after redirects
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    redirects: list[str] = field(default_factory=list)  # the URLs that redirected, in order

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


def _status_error(status: int, url: str, headers: Any) -> FetchError:
    retry = parse_retry_after(headers.get("Retry-After"), time.time())
    if status == 404:
        return FetchError("not_found", f"{url}: HTTP 404", status=status)
    if status == 410:
        return FetchError("gone", f"{url}: HTTP 410 (removed for good)", status=status)
    if status == 429 or (status == 503 and retry is not None):
        return FetchError("rate_limited", f"{url}: HTTP {status}", status=status, retry_after=retry)
    if status >= 500:
        return FetchError("server_error", f"{url}: HTTP {status}", status=status, retry_after=retry)
    return FetchError(f"http_{status}", f"{url}: HTTP {status}", status=status)


class HostGate:
    """At most ``concurrency`` requests to a host at once, and ``interval`` seconds between starts."""

    def __init__(self, concurrency: int, interval: float) -> None:
        self._sem: defaultdict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(concurrency))
        self._next: dict[str, float] = {}
        self._interval = interval

    async def __call__(self, host: str) -> asyncio.Semaphore:
        sem = self._sem[host]
        await sem.acquire()
        wait = self._next.get(host, 0.0) - time.monotonic()
        self._next[host] = max(time.monotonic(), self._next.get(host, 0.0)) + self._interval
        if wait > 0:
            await asyncio.sleep(wait)
        return sem


class Fetcher:
    """One aiohttp session for the ingester; ``get`` is the only way out to the network."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._gate = HostGate(limits.per_host_concurrency, limits.per_host_interval_seconds)
        self._session: aiohttp.ClientSession | None = None
        self._robots: dict[str, tuple[float, urllib.robotparser.RobotFileParser | None]] = {}

    async def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                headers={"User-Agent": self.limits.user_agent, "Accept-Encoding": "gzip, deflate"},
                timeout=aiohttp.ClientTimeout(total=self.limits.timeout_seconds),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(self, url: str, *, max_bytes: int, etag: str | None = None,
                  last_modified: str | None = None, accept: str = "*/*") -> Response:
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        session = await self._open()
        sem = await self._gate(split_url(url).hostname or "")
        try:
            return await self._get(session, url, headers, max_bytes)
        except FetchError:
            raise
        except aiohttp.TooManyRedirects:
            raise FetchError("too_many_redirects", f"{url}: more than {self.limits.max_redirects} redirects") from None
        except TimeoutError:
            raise FetchError("timeout", f"{url}: no complete answer within {self.limits.timeout_seconds:g} s") from None
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            raise FetchError("connection", f"{url}: {type(exc).__name__}: {exc}"[:300]) from None
        finally:
            sem.release()

    async def _get(self, session: aiohttp.ClientSession, url: str, headers: dict[str, str],
                   max_bytes: int) -> Response:
        async with session.get(url, headers=headers, max_redirects=self.limits.max_redirects) as resp:
            redirects = [str(r.url) for r in resp.history]
            hdrs = {k.lower(): v for k, v in resp.headers.items()}
            if resp.status == 304:
                return Response(304, str(resp.url), b"", hdrs, redirects)
            if resp.status != 200:
                raise _status_error(resp.status, url, resp.headers)
            declared = resp.content_length
            if declared is not None and declared > max_bytes:
                raise FetchError("too_large", f"{url}: {declared} bytes declared, limit {max_bytes}")
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.content.iter_chunked(65536):
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError("too_large", f"{url}: more than {max_bytes} bytes")
                chunks.append(chunk)
            return Response(200, str(resp.url), b"".join(chunks), hdrs, redirects)

    async def allowed(self, url: str) -> bool:
        """robots.txt (RFC 9309) for a page: 4xx means no rules, 5xx or unreachable means keep out
        for now; the answer is cached per host for an hour."""
        if not self.limits.respect_robots:
            return True
        parts = split_url(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        cached = self._robots.get(origin)
        if cached is None or cached[0] < time.monotonic():
            cached = (time.monotonic() + 3600, await self._load_robots(origin))
            self._robots[origin] = cached
        parser = cached[1]
        if parser is None:
            return False
        return parser.can_fetch(self.limits.user_agent, url)

    async def _load_robots(self, origin: str) -> urllib.robotparser.RobotFileParser | None:
        parser = urllib.robotparser.RobotFileParser()
        try:
            resp = await self.get(origin + "/robots.txt", max_bytes=512_000, accept="text/plain")
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                parser.parse([])
                return parser
            return None
        parser.parse(resp.body.decode("utf-8", errors="replace").splitlines())
        return parser
