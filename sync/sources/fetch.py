"""Feed fetching: a feed URL (+ stored validators) in, bytes + headers out.

This module never parses a feed (parsing lives elsewhere, as in
lemon24/reader); it only decides how to get the bytes politely and reports
what happened as a ``FetchResult`` whose ``status`` is one of:

``"ok"``            a body was read (``body``, ``headers``, new validators);
``"not_modified"``  the server (or the local file's mtime/size) says nothing
                    changed since the stored validators; no body;
``"gone"``          HTTP 410: the caller disables the feed;
``"retry_later"``   HTTP 429/503 the fetcher would not (or could no longer)
                    wait for; ``retry_after`` says when, if the server said;
``"error"``         anything else, with a one-line human reason in ``error``.

``fetch()`` and ``fetch_all()`` never raise for a feed: timeouts, refused
connections, oversized bodies, redirect loops and unexpected exceptions all
become ``"error"`` results, so one bad feed never aborts a run.

Layout: pure functions decide (which headers to send, how long a Retry-After
asks to wait, whether to retry, what a redirect chain means, how to describe
a failure); ``Fetcher`` is the thin imperative shell around one shared
``httpx.Client`` and the file system.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Callable, Sequence
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpx

from .bounded import ACCEPT_ENCODING, DeadlineBackend, Deadlines, Undecodable, decode_body
from .discovery import named_feed

REMOTE_SCHEMES = ("http", "https")
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECT_CODES = frozenset({301, 308})
THROTTLE_CODES = frozenset({429, 503})
# A Retry-After further out than this is treated as this (a nonsense value
# such as 10**20 seconds must not overflow datetime arithmetic).
MAX_RETRY_AFTER = timedelta(days=30)
# Redirect bodies up to this size are drained so the connection is reused.
_DRAIN_LIMIT = 64 * 1024
ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, "
          "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5")


@dataclass(frozen=True)
class FeedRequest:
    """What to fetch: a URL or local path, plus validators from the last 200."""

    url: str                        # http(s) URL, or a local file path / file:// URL
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FetchResult:
    """What happened to one ``FeedRequest`` (see the module docstring).

    ``final_url`` is where the body really came from (the base for relative
    links; a ``file://`` URI for local files). ``permanent_url`` is set only
    when the chain began with 301/308 *and* ended in ``ok``/``not_modified``:
    it is the last URL of the permanent part of the chain, which the store
    adopts as the feed's new URL (a feed is never moved to a broken place).
    ``etag``/``last_modified`` are what to store for next time: fresh ones on
    ``ok``, the stored ones (or fresher ones from the 304) on
    ``not_modified``. For local files ``last_modified`` is "<mtime_ns>-<size>".
    ``retry_after`` is aware UTC, or None when the server gave no usable
    Retry-After. ``elapsed`` covers every attempt, waits included.
    """

    request: FeedRequest
    status: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict, hash=False)
    final_url: str | None = None
    permanent_url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    http_status: int | None = None
    retry_after: datetime | None = None
    error: str | None = None
    elapsed: float = 0.0


@dataclass(frozen=True)
class RetryPolicy:
    """How many extra attempts a feed gets and how long we agree to wait."""

    retries: int = 2
    max_retry_wait: float = 30.0
    backoff: float = 0.5


# --------------------------------------------------------------------------
# Pure core
# --------------------------------------------------------------------------

def is_remote(url: str) -> bool:
    """True for http(s) URLs; everything else is read from the file system."""
    return urlsplit(url).scheme.lower() in REMOTE_SCHEMES


def local_path(url: str) -> Path:
    """The file a non-http(s) feed URL names: a ``file://`` URL or a plain path."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file":
        return Path(url)
    path = url2pathname(parts.path)
    # file://host/share/x is a network path; localhost means this machine.
    if parts.netloc and parts.netloc.lower() != "localhost":
        return Path(f"//{parts.netloc}{path}")
    return Path(path)


def local_validator(st: os.stat_result) -> str:
    """The stand-in Last-Modified of a local file: changes when the file does."""
    return f"{st.st_mtime_ns}-{st.st_size}"


def conditional_headers(request: FeedRequest) -> dict[str, str]:
    """The If-None-Match / If-Modified-Since headers the stored validators allow."""
    headers: dict[str, str] = {}
    if request.etag:
        headers["If-None-Match"] = request.etag
    if request.last_modified:
        headers["If-Modified-Since"] = request.last_modified
    return headers


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """When a Retry-After header (delta-seconds or HTTP-date) allows the next try.

    Returns aware UTC, never earlier than ``now`` and never later than
    ``now + MAX_RETRY_AFTER``; None when the header is absent or unreadable.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        # delta-seconds; cap before building the timedelta (overflow).
        seconds = min(int(text), int(MAX_RETRY_AFTER.total_seconds()))
        return now + timedelta(seconds=seconds)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        # "-0000" (or no zone) means UTC per RFC 5322 / HTTP-date.
        when = when.replace(tzinfo=timezone.utc)
    when = when.astimezone(timezone.utc)
    return min(max(when, now), now + MAX_RETRY_AFTER)


def retry_wait(http_status: int | None, retry_after: datetime | None, attempt: int,
               policy: RetryPolicy, now: datetime) -> float | None:
    """Seconds to sleep before attempt ``attempt + 1``, or None to stop now.

    ``attempt`` counts the attempts already made (1 after the first).
    429/503 with a Retry-After: wait as asked if that is within
    ``max_retry_wait``, else stop (the result says ``retry_later``). 429/503
    without one, and other 5xx: exponential backoff capped at
    ``max_retry_wait``. Everything else is final.
    """
    if http_status is None or attempt > policy.retries:
        return None
    backoff = min(policy.backoff * 2 ** (attempt - 1), policy.max_retry_wait)
    if http_status in THROTTLE_CODES:
        if retry_after is None:
            return backoff
        wait = max(0.0, (retry_after - now).total_seconds())
        # A longer wait than we accept is the caller's job (retry_later).
        return wait if wait <= policy.max_retry_wait else None
    if 500 <= http_status <= 599:
        return backoff
    return None


def permanent_destination(hops: Sequence[tuple[int, str]]) -> str | None:
    """The last URL of the leading run of permanent (301/308) redirects.

    ``hops`` is ``(status, target_url)`` per redirect followed, in order. A
    chain that starts with a temporary redirect moves nothing: the publisher
    may point elsewhere tomorrow.
    """
    target = None
    for code, url in hops:
        if code not in PERMANENT_REDIRECT_CODES:
            break
        target = url
    return target


def redirect_problem(hops: Sequence[tuple[int, str]], start_url: str,
                     max_redirects: int) -> str | None:
    """Why the redirect chain must stop here, or None to keep following it.

    Counting rather than refusing the first repeated URL lets the odd
    set-a-cookie-and-redirect-to-self page work; a chain that repeats a URL
    and runs out of budget is then reported as the loop it is.
    """
    if not hops:
        return None
    target = hops[-1][1]
    if urlsplit(target).scheme.lower() not in REMOTE_SCHEMES:
        return f"redirect to unsupported URL {one_line(target, 120)}"
    if len(hops) <= max_redirects:
        return None
    seen = [start_url] + [url for _, url in hops[:-1]]
    if target in seen:
        return f"redirect loop at {one_line(target, 120)}"
    return f"too many redirects (more than {max_redirects})"


def classify(http_status: int) -> str:
    """The result status a final (non-redirect) HTTP status code maps to."""
    if http_status == 304:
        return "not_modified"
    if 200 <= http_status <= 299:
        return "ok"
    if http_status == 410:
        return "gone"
    if http_status in THROTTLE_CODES:
        return "retry_later"
    return "error"


def human_size(n: int) -> str:
    """``10_000_000`` -> ``"10 MB"``; sizes that are not round stay in bytes."""
    if n >= 1_000_000 and n % 100_000 == 0:
        return f"{n / 1_000_000:g} MB"
    if n >= 1_000 and n % 100 == 0:
        return f"{n / 1_000:g} kB"
    return f"{n} bytes"


def one_line(text: str, limit: int = 300) -> str:
    """Collapse white space and cut to ``limit`` characters (log/CLI friendly)."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def describe_error(exc: BaseException, connect_timeout: float, read_timeout: float) -> str:
    """One human line for an exception raised while fetching."""
    detail = one_line(str(exc)) or type(exc).__name__
    lowered = detail.lower()
    if isinstance(exc, httpx.ConnectTimeout):
        return f"timed out connecting after {connect_timeout:g}s"
    if isinstance(exc, httpx.ReadTimeout):
        return f"timed out reading after {read_timeout:g}s"
    if isinstance(exc, httpx.WriteTimeout):
        return "timed out sending the request"
    if isinstance(exc, httpx.PoolTimeout):
        return "timed out waiting for a free connection"
    if isinstance(exc, httpx.ConnectError):
        # The OS message varies by platform; name the common cases plainly.
        if "refused" in lowered:
            return "connection refused"
        if any(s in lowered for s in ("name or service", "nodename", "getaddrinfo",
                                      "name resolution", "no address")):
            return "could not resolve host"
        if "ssl" in lowered or "certificate" in lowered:
            return f"TLS error: {detail}"
        return f"could not connect: {detail}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"protocol error: {detail}"
    if isinstance(exc, httpx.DecodingError):
        return f"could not decode the response body: {detail}"
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return f"invalid URL: {detail}"
    if isinstance(exc, httpx.HTTPError):
        return f"{type(exc).__name__}: {detail}"
    return one_line(f"unexpected {type(exc).__name__}: {detail}")


# --------------------------------------------------------------------------
# Imperative shell
# --------------------------------------------------------------------------

class _TooLarge(Exception):
    """The body passed ``max_bytes``; raised from the streaming loop."""


class _Deadline(Exception):
    """The request (its whole redirect chain) took longer than ``total_timeout``."""


class Fetcher:
    """Fetches feeds over one shared ``httpx.Client`` (or from local files).

    Use as a context manager (or call ``close()``). ``sleep`` and ``now`` are
    injected so retry waits are observable and fast in tests. The read
    timeout bounds each socket read; ``total_timeout`` additionally bounds
    each attempt as a whole, connect, headers, redirects and body, so a
    server that trickles bytes forever cannot hold a run (None disables it;
    see ``bounded.py``). Bodies are decoded here, in bounded pieces, so the
    size cap holds for compressed bodies too.
    ``backoff`` is the first wait of the 5xx exponential backoff.
    """

    def __init__(self, *, connect_timeout: float = 10.0, read_timeout: float = 30.0,
                 max_bytes: int = 10_000_000, concurrency: int = 8, max_redirects: int = 5,
                 retries: int = 2, max_retry_wait: float = 30.0,
                 user_agent: str = "kbsync/0.1 (+https://github.com/kbsync)",
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 backoff: float = 0.5, total_timeout: float | None = 120.0) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if max_bytes < 0 or max_redirects < 0 or retries < 0:
            raise ValueError("max_bytes, max_redirects and retries must not be negative")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_bytes = max_bytes
        self.concurrency = concurrency
        self.max_redirects = max_redirects
        self.policy = RetryPolicy(retries=retries, max_retry_wait=max_retry_wait,
                                  backoff=backoff)
        self.total_timeout = total_timeout
        self._sleep = sleep
        self._now = now
        deadlines = Deadlines()
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=max(concurrency, 10))
        if transport is None:
            transport = httpx.HTTPTransport(limits=limits)
            _clamp_to_deadlines(transport, deadlines)
        self._client = httpx.Client(
            timeout=httpx.Timeout(connect=connect_timeout, read=read_timeout,
                                  write=read_timeout, pool=connect_timeout),
            limits=limits,
            headers={"User-Agent": user_agent, "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING},
            follow_redirects=False,   # followed by hand: hops decide permanent_url
            transport=transport,
        )
        self._closed = threading.Event()
        self._deadlines = deadlines

    # -- lifecycle ---------------------------------------------------------

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the shared client (idempotent)."""
        if not self._closed.is_set():
            self._closed.set()
            self._client.close()

    # -- public API --------------------------------------------------------

    def fetch(self, request: FeedRequest) -> FetchResult:
        """Fetch one feed; never raises (failures are ``"error"`` results)."""
        started = time.perf_counter()
        try:
            if is_remote(request.url):
                result = self._fetch_remote(request)
            else:
                result = self._fetch_local(request)
        except Exception as exc:  # the contract: one bad feed never escapes
            result = FetchResult(request, "error", error=describe_error(
                exc, self.connect_timeout, self.read_timeout))
        return replace(result, elapsed=time.perf_counter() - started)

    def fetch_all(self, requests: Sequence[FeedRequest],
                  each: Callable[[FetchResult], object] | None = None) -> list[FetchResult]:
        """Fetch many feeds concurrently (``concurrency`` threads, one client).

        Results come back in input order, one per request, never raising.
        ``each(result)`` is called in the calling thread with each result, in input
        order, as soon as it and those before it are fetched.
        """
        if not requests:
            return []
        workers = min(self.concurrency, len(requests))
        results = []
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kbsync-fetch") as pool:
            for result in pool.map(self.fetch, requests):
                if each is not None:
                    each(result)
                results.append(result)
        return results

    # -- local files -------------------------------------------------------

    def _fetch_local(self, request: FeedRequest) -> FetchResult:
        path = local_path(request.url)
        final_url = _file_uri(path)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            # A "scheme://" that is not a file path is a typo'd or unsupported URL.
            scheme = urlsplit(request.url).scheme
            if "://" in request.url and scheme.lower() != "file":
                return _error(request, f"unsupported URL scheme: {scheme}")
            return _error(request, f"no such file: {path}")
        except IsADirectoryError:
            return _error(request, f"not a file: {path}")
        except OSError as exc:
            return _error(request, f"cannot read {path}: {exc.strerror or exc}")
        with handle:
            st = os.fstat(handle.fileno())
            if not stat.S_ISREG(st.st_mode):
                return _error(request, f"not a file: {path}")
            validator = local_validator(st)
            headers = {"content-length": str(st.st_size),
                       "last-modified": format_datetime(
                           datetime.fromtimestamp(st.st_mtime, timezone.utc), usegmt=True)}
            if request.last_modified == validator:
                # Same mtime and size as last time: skip reading the file.
                return FetchResult(request, "not_modified", headers=headers,
                                   final_url=final_url, etag=request.etag,
                                   last_modified=validator)
            body = handle.read(self.max_bytes + 1)
        if len(body) > self.max_bytes:
            return _error(request, f"file larger than {human_size(self.max_bytes)}")
        return FetchResult(request, "ok", body=body, headers=headers, final_url=final_url,
                           last_modified=validator)

    # -- HTTP --------------------------------------------------------------

    def _fetch_remote(self, request: FeedRequest) -> FetchResult:
        attempt = 0
        while True:
            attempt += 1
            result = self._attempt(request)
            if result.status not in ("retry_later", "error"):
                return result
            wait = retry_wait(result.http_status, result.retry_after, attempt,
                              self.policy, self._now())
            if wait is None:
                return result
            self._sleep(wait)

    def _attempt(self, request: FeedRequest) -> FetchResult:
        """One walk of the redirect chain, ending in one classified response.

        A site's page that names its feed (``discovery.named_feed``: the reader wrote the site's
        address) is followed once, as a permanent redirect: the store then fetches the feed."""
        url = request.url
        hops: list[tuple[int, str]] = []
        headers = conditional_headers(request)
        discovered = False
        self._deadlines.start(self.total_timeout)
        try:
            while True:
                with self._client.stream("GET", url, headers=headers) as response:
                    if response.status_code in REDIRECT_CODES and response.has_redirect_location:
                        target = str(response.url.join(response.headers["location"]))
                        hops.append((response.status_code, target))
                        _drain(response)
                    else:
                        result = self._finish(request, response, hops)
                        feed = None if discovered or result.body is None else named_feed(result.body, result.final_url)
                        if feed is None or feed == result.final_url:
                            return result
                        target, discovered = feed, True
                        hops.append((301, target))
                        headers = {}      # the page's validators are no feed's
                problem = redirect_problem(hops, request.url, self.max_redirects)
                if problem:
                    return _error(request, problem, http_status=hops[-1][0])
                url = target
        except _TooLarge:
            return _error(request, f"response larger than {human_size(self.max_bytes)}")
        except Undecodable as exc:
            return _error(request, f"could not decode the response body: {one_line(str(exc))}")
        except (_Deadline, httpx.HTTPError) as exc:
            if isinstance(exc, (_Deadline, httpx.TimeoutException)) and self._deadlines.passed():
                # the socket timed out because the attempt's time was up, not one slow read
                return _error(request, f"timed out after {self.total_timeout:g}s in total")
            return _error(request, describe_error(exc, self.connect_timeout, self.read_timeout))
        finally:
            self._deadlines.clear()

    def _finish(self, request: FeedRequest, response: httpx.Response,
                hops: list[tuple[int, str]]) -> FetchResult:
        code = response.status_code
        status = classify(code)
        headers = {k.lower(): v for k, v in response.headers.items()}
        final_url = str(response.url)
        base = dict(headers=headers, final_url=final_url, http_status=code)
        if status == "ok":
            body = self._read_capped(response)
            return FetchResult(request, "ok", body=body,
                               permanent_url=_moved(request, hops),
                               etag=headers.get("etag"),
                               last_modified=headers.get("last-modified"), **base)
        _drain(response)   # every other outcome has no body we want
        if status == "not_modified":
            # Keep the stored validators unless the 304 carries fresher ones.
            return FetchResult(request, "not_modified", permanent_url=_moved(request, hops),
                               etag=headers.get("etag") or request.etag,
                               last_modified=headers.get("last-modified") or request.last_modified,
                               **base)
        if status == "gone":
            return FetchResult(request, "gone", error=f"HTTP {code}", **base)
        if status == "retry_later":
            retry_after = parse_retry_after(headers.get("retry-after"), self._now())
            return FetchResult(request, "retry_later", retry_after=retry_after,
                               error=f"HTTP {code}", **base)
        if 300 <= code <= 399 and code != 304:
            # A redirect status without a usable Location, or 300/305.
            return FetchResult(request, "error", error=f"HTTP {code} without a usable Location",
                               **base)
        return FetchResult(request, "error", error=f"HTTP {code}", **base)

    def _read_capped(self, response: httpx.Response) -> bytes:
        """The decoded body, or ``_TooLarge`` as soon as it passes ``max_bytes``."""
        declared = response.headers.get("content-length", "")
        if ("content-encoding" not in response.headers and declared.isdigit()
                and int(declared) > self.max_bytes):
            # Declared too big and not compressed: refuse without reading.
            raise _TooLarge
        chunks: list[bytes] = []
        total = 0
        # decoded here, piece by piece, so the cap sees every byte before the next is inflated
        for chunk in decode_body(response.iter_raw(), response.headers.get("content-encoding", "")):
            total += len(chunk)
            if total > self.max_bytes:
                raise _TooLarge
            chunks.append(chunk)
            if self._deadlines.passed():
                raise _Deadline   # a custom transport's reads are not clamped: check here too
        return b"".join(chunks)


def _clamp_to_deadlines(transport: httpx.HTTPTransport, deadlines: Deadlines) -> None:
    """Give the transport's connection pool the deadline-clamping socket backend.

    httpx has no public option for httpcore's network backend, so it is set on
    the pool it built; should a later httpx build the pool differently, this
    does nothing and only the per-piece deadline check in ``_read_capped``
    remains (tests/test_hostile_http.py notices: the header-trickle test fails).
    """
    pool = getattr(transport, "_pool", None)
    if pool is not None and hasattr(pool, "_network_backend"):
        pool._network_backend = DeadlineBackend(deadlines)


def _error(request: FeedRequest, reason: str, *, http_status: int | None = None) -> FetchResult:
    return FetchResult(request, "error", error=reason, http_status=http_status)


def _moved(request: FeedRequest, hops: list[tuple[int, str]]) -> str | None:
    target = permanent_destination(hops)
    return target if target and target != request.url else None


def _file_uri(path: Path) -> str | None:
    try:
        return path.absolute().as_uri()
    except ValueError:
        return None


def _drain(response: httpx.Response) -> None:
    """Read a small leftover body (redirect, 304, error page) and discard it.

    httpcore returns a connection to the pool only when the response was
    read to its end; without this every 304 would cost a new connection.
    A large or broken body is abandoned instead (the connection is closed).
    """
    total = 0
    try:
        for chunk in response.iter_raw():
            total += len(chunk)
            if total > _DRAIN_LIMIT:
                return
    except httpx.HTTPError:
        return
