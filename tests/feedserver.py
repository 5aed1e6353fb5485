"""A small local HTTP server for fetcher tests and benchmarks.

``FeedServer`` is a stdlib ``ThreadingHTTPServer`` on 127.0.0.1 (random
port) serving in a daemon thread. Each path maps to a *route*, a small frozen
value saying what to answer:

``Static``     a body with optional ETag / Last-Modified, answering 304 to a
               matching conditional request; optional gzip (when accepted),
               extra headers, and ``before`` / ``during`` delays (a slow feed).
``Redirect``   301/302/303/307/308 to a (relative or absolute) location.
``Status``     any status with optional body and headers (410, 404, 500,
               429/503 with Retry-After, ...).
``Steps``      answers with its routes in turn, then repeats the last one
               ("429 then 200").
``Large``      ``size`` bytes generated on the fly, with or without a
               Content-Length (an oversized feed without holding it in memory).

It records every request (method, path, lower-cased headers, client port) and the peak
number of requests being handled at once. Registering a route is a dict
insert, so a benchmark can register thousands of synthetic feeds cheaply::

    with FeedServer() as server:
        server.add("/feed.xml", Static(b"<rss/>", etag='"v1"'))
        url = server.url("/feed.xml")
"""

from __future__ import annotations

import gzip
import hashlib
import socket
import threading
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterable, Mapping, Union


@dataclass(frozen=True)
class Static:
    """A body, served with validators and honouring conditional requests.

    ``before`` sleeps before the status line; ``during`` sleeps after the
    first half of the body has been sent (both in seconds).
    """

    body: bytes
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    gzip: bool = False
    before: float = 0.0
    during: float = 0.0

    @cached_property
    def gzipped(self) -> bytes:
        """The gzip-compressed body, computed on first use only."""
        return gzip.compress(self.body, compresslevel=6, mtime=0)


@dataclass(frozen=True)
class Redirect:
    location: str
    status: int = 301


@dataclass(frozen=True)
class Status:
    code: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Large:
    """``size`` bytes of filler, streamed in ``chunk``-sized writes."""

    size: int
    content_length: bool = True
    chunk: int = 64 * 1024
    content_type: str = "application/rss+xml"


@dataclass(frozen=True, eq=False)
class Steps:
    """Answers with ``routes[0]``, then ``routes[1]``, ... then the last forever."""

    routes: tuple
    _state: dict = field(default_factory=lambda: {"next": 0, "lock": threading.Lock()},
                         repr=False)

    def take(self) -> "Route":
        with self._state["lock"]:
            index = self._state["next"]
            self._state["next"] = index + 1
        return self.routes[min(index, len(self.routes) - 1)]


Route = Union[Static, Redirect, Status, Large, Steps]


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    headers: dict[str, str]
    client_port: int = 0    # one port per TCP connection: shows keep-alive reuse


def etag_matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 weak comparison of an If-None-Match list against an ETag."""
    def strip_weak(tag: str) -> str:
        return tag[2:] if tag.startswith("W/") else tag
    candidates = [t.strip() for t in if_none_match.split(",")]
    return "*" in candidates or strip_weak(etag) in {strip_weak(t) for t in candidates}


def not_modified_since(if_modified_since: str, last_modified: str) -> bool:
    """True when the resource's Last-Modified is not after If-Modified-Since."""
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False


def closed_port_url(path: str = "/") -> str:
    """A 127.0.0.1 URL on a port nothing listens on (for "connection refused")."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024       # the default 5 drops bursts of connects
    feed_server: "FeedServer"

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001
        # Clients that hang up (timeouts, size caps) are expected; stay quiet.
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive: benchmarks reuse connections
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return None

    def do_GET(self) -> None:
        self.server.feed_server._handle(self)

    do_HEAD = do_GET


class FeedServer:
    """The server; a context manager. Routes may be added while it runs."""

    def __init__(self, routes: Mapping[str, Route] | None = None) -> None:
        self._routes: dict[str, Route] = dict(routes or {})
        self._lock = threading.Lock()
        self._log: list[RequestRecord] = []
        self._active = 0
        self._peak = 0
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> "FeedServer":
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.feed_server = self
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="feedserver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()            # wakes sleeping slow routes
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "FeedServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- configuration -----------------------------------------------------

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, route: Route) -> str:
        """Serve ``route`` at ``path``; returns its full URL (the path before ``start()``)."""
        self._routes[path] = route
        return self.url(path) if self._httpd is not None else path

    def add_many(self, routes: Mapping[str, Route] | Iterable[tuple[str, Route]]) -> None:
        self._routes.update(routes)

    # -- observations ------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._log)

    def requests_for(self, path: str) -> list[RequestRecord]:
        return [r for r in self.requests if r.path == path]

    def hits(self, path: str) -> int:
        return len(self.requests_for(path))

    @property
    def peak_concurrency(self) -> int:
        return self._peak

    def reset(self) -> None:
        """Forget the request log and the peak (routes stay)."""
        with self._lock:
            self._log.clear()
            self._peak = self._active

    # -- serving -----------------------------------------------------------

    def _handle(self, h: _Handler) -> None:
        record = RequestRecord(h.command, h.path, {k.lower(): v for k, v in h.headers.items()},
                               h.client_address[1])
        with self._lock:
            self._log.append(record)
            self._active += 1
            self._peak = max(self._peak, self._active)
        try:
            route = self._routes.get(h.path) or self._routes.get(h.path.split("?", 1)[0])
            while isinstance(route, Steps):
                route = route.take()
            if route is None:
                self._send(h, 404, {"Content-Type": "text/plain"}, b"no route")
            elif isinstance(route, Static):
                self._static(h, route, record.headers)
            elif isinstance(route, Redirect):
                self._send(h, route.status, {"Location": route.location}, b"")
            elif isinstance(route, Status):
                self._send(h, route.code, {"Content-Type": route.content_type, **route.headers},
                           route.body)
            elif isinstance(route, Large):
                self._large(h, route)
        finally:
            with self._lock:
                self._active -= 1

    def _static(self, h: _Handler, route: Static, headers: dict[str, str]) -> None:
        if route.before and self._stopping.wait(route.before):
            return
        validators = {}
        if route.etag:
            validators["ETag"] = route.etag
        if route.last_modified:
            validators["Last-Modified"] = route.last_modified
        inm, ims = headers.get("if-none-match"), headers.get("if-modified-since")
        # If-None-Match wins over If-Modified-Since when both are sent (RFC 9110).
        if (inm is not None and route.etag and etag_matches(inm, route.etag)) or (
                inm is None and ims and route.last_modified
                and not_modified_since(ims, route.last_modified)):
            self._send(h, 304, validators, b"")
            return
        body = route.body
        extra = {"Content-Type": route.content_type, **validators, **route.headers}
        if route.gzip and "gzip" in headers.get("accept-encoding", ""):
            body = route.gzipped
            extra["Content-Encoding"] = "gzip"
        if not route.during:
            self._send(h, 200, extra, body)
            return
        half = len(body) // 2
        self._head(h, 200, extra, len(body))
        h.wfile.write(body[:half])
        h.wfile.flush()
        if self._stopping.wait(route.during):
            return
        h.wfile.write(body[half:])

    def _large(self, h: _Handler, route: Large) -> None:
        h.send_response(200)
        h.send_header("Content-Type", route.content_type)
        if route.content_length:
            h.send_header("Content-Length", str(route.size))
        else:
            # No length: the body ends when the connection closes.
            h.send_header("Connection", "close")
            h.close_connection = True
        h.end_headers()
        block = (b"<item>filler</item>\n" * (route.chunk // 20 + 1))[: route.chunk]
        left = route.size
        while left > 0:
            piece = block[: min(left, len(block))]
            h.wfile.write(piece)
            left -= len(piece)

    @staticmethod
    def _head(h: _Handler, code: int, headers: Mapping[str, str], length: int) -> None:
        h.send_response(code)
        for name, value in headers.items():
            h.send_header(name, value)
        if code != 304:
            h.send_header("Content-Length", str(length))
        h.end_headers()

    def _send(self, h: _Handler, code: int, headers: Mapping[str, str], body: bytes) -> None:
        self._head(h, code, headers, len(body))
        if body and h.command != "HEAD":
            h.wfile.write(body)


def synthetic_etag(body: bytes) -> str:
    """A strong ETag derived from the body (handy for benchmark feeds)."""
    return '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'
