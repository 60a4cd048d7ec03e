"""Fetch feeds and pages politely over HTTP with httpx.

Conditional GET (ETag / Last-Modified), robots.txt, a per-host minimum interval, timeouts and
retries with exponential backoff. The fetcher knows nothing of the store: the caller passes the
validators it stored last time and stores the ones it gets back.
"""

from __future__ import annotations

import email.utils
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from crosswire import __version__

USER_AGENT = f"crosswire/{__version__} (+monitoring)"
ROBOTS_AGENT = "crosswire"
RETRY_STATUSES = {429, 500, 502, 503, 504}


@dataclass(frozen=True)
class FetchPolicy:
    """How politely and how persistently to fetch."""

    timeout: float = 15.0  # seconds for connecting, and between bytes read
    retries: int = 3  # further attempts after a failed one
    backoff_base: float = 1.0  # seconds before the first retry, doubled for each next one
    backoff_cap: float = 60.0  # longest wait between attempts (also caps Retry-After)
    min_interval: float = 1.0  # seconds between two requests to one host
    max_bytes: int = 20 * 1024 * 1024  # larger answers are refused
    respect_robots: bool = True


@dataclass
class FetchResult:
    """One answered request: the body, or ``not_modified`` for a 304."""

    url: str
    status: int
    content: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class FetchError(RuntimeError):
    """A URL could not be fetched; the message says why (shown to the user and stored)."""

    def __init__(self, url: str, reason: str, status: int | None = None):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


class RobotsRefusal(FetchError):
    """robots.txt does not let crosswire fetch this URL."""


def backoff_delays(retries: int, base: float, cap: float) -> list[float]:
    """Return the waits before each retry: base, 2·base, 4·base, … each at most ``cap``."""
    return [min(cap, base * 2**attempt) for attempt in range(max(0, retries))]


def retry_after_seconds(value: str | None, cap: float) -> float | None:
    """Read a Retry-After header (seconds or an HTTP date) as a wait of at most ``cap``."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(cap, float(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return min(cap, max(0.0, when.timestamp() - time.time()))


class Fetcher:
    """Fetch URLs with one httpx client, remembering robots.txt and request times per host."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.policy = policy or FetchPolicy()
        self.sleep = sleep
        self.clock = clock
        self.client = httpx.Client(
            headers={"User-Agent": USER_AGENT},
            timeout=httpx.Timeout(self.policy.timeout),
            follow_redirects=True,
        )
        self.robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self.last_request: dict[str, float] = {}
        self.requests = 0

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """Fetch ``url``, conditionally when validators are given; retry what may pass.

        Raises ``RobotsRefusal`` when robots.txt forbids the URL and ``FetchError`` when every
        attempt failed or the answer is a client error.
        """
        if self.policy.respect_robots and not self.allowed(url):
            raise RobotsRefusal(url, "refused by robots.txt")
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        delays = backoff_delays(
            self.policy.retries, self.policy.backoff_base, self.policy.backoff_cap
        )
        for attempt, delay in enumerate([*delays, None], start=1):
            try:
                return self._attempt(url, headers)
            except _Retryable as failure:
                if delay is None:
                    reason = f"{failure.reason} (after {attempt} attempts)"
                    raise FetchError(url, reason, failure.status) from None
                self.sleep(max(delay, failure.retry_after or 0.0))
        raise AssertionError("the loop returns or raises")

    def allowed(self, url: str) -> bool:
        """Say whether robots.txt of the URL's host lets crosswire fetch it (fetched once per host).

        As RFC 9309 says: a missing robots.txt (4xx) allows everything, 401/403 and an
        unreachable one (5xx, network error) allow nothing for now.
        """
        parts = urlsplit(url)
        host = f"{parts.scheme}://{parts.netloc}"
        if host not in self.robots:
            self.robots[host] = self._read_robots(host)
        return self.robots[host].can_fetch(ROBOTS_AGENT, url)

    def _read_robots(self, host: str) -> urllib.robotparser.RobotFileParser:
        parser = urllib.robotparser.RobotFileParser(f"{host}/robots.txt")
        try:
            self._wait_for_host(host)
            response = self.client.get(f"{host}/robots.txt")
            self.requests += 1
        except httpx.HTTPError:
            parser.disallow_all = True
            return parser
        if response.status_code in (401, 403) or response.status_code >= 500:
            parser.disallow_all = True
        elif response.status_code >= 400:
            parser.allow_all = True
        else:
            parser.parse(response.text.splitlines())
        return parser

    def _wait_for_host(self, host: str) -> None:
        interval = self.policy.min_interval
        robots = self.robots.get(host)
        if robots is not None:
            interval = max(interval, float(robots.crawl_delay(ROBOTS_AGENT) or 0))
        last = self.last_request.get(host)
        if last is not None:
            remaining = last + interval - self.clock()
            if remaining > 0:
                self.sleep(remaining)
        self.last_request[host] = self.clock()

    def _attempt(self, url: str, headers: dict[str, str]) -> FetchResult:
        parts = urlsplit(url)
        self._wait_for_host(f"{parts.scheme}://{parts.netloc}")
        self.requests += 1
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                if status in RETRY_STATUSES:
                    retry_after = retry_after_seconds(
                        response.headers.get("Retry-After"), self.policy.backoff_cap
                    )
                    raise _Retryable(f"HTTP {status}", status, retry_after)
                if status >= 400:
                    raise FetchError(url, f"HTTP {status}", status)
                content = b"" if status == 304 else self._read_bounded(url, response)
                return FetchResult(
                    url=str(response.url),
                    status=status,
                    content=content,
                    content_type=response.headers.get("Content-Type", ""),
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                )
        except httpx.TimeoutException as error:
            raise _Retryable(f"timed out ({type(error).__name__})", None, None) from error
        except httpx.TransportError as error:
            raise _Retryable(
                f"network error ({type(error).__name__}: {error})", None, None
            ) from error

    def _read_bounded(self, url: str, response: httpx.Response) -> bytes:
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.policy.max_bytes:
                raise FetchError(url, f"answer larger than {self.policy.max_bytes:,} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


class _Retryable(Exception):
    def __init__(self, reason: str, status: int | None, retry_after: float | None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
