"""Limits a hostile server cannot talk its way past: decoded size and wall-clock time.

Two guards for the fetcher, each closing a hole that httpx leaves open:

* ``decode_body`` undoes ``Content-Encoding`` (gzip, deflate; at most
  ``MAX_ENCODINGS`` layers) in pieces of at most ``PIECE`` bytes. httpx's
  own decoders inflate a whole network read in one call, so 2 kB of gzip
  inside gzip becomes 1 GB in memory before any size cap can look at it
  (measured: 2 GB peak RSS for a 1,827-byte body). Here the caller's cap
  stops the stream after at most one piece per layer.
* ``Deadlines`` + ``DeadlineBackend`` give every socket operation of a
  request no more time than is left until that request's deadline. httpx
  has only per-read timeouts, so a server that sends a header byte every
  few seconds (or a body byte, forever) keeps a request, and a sync run,
  alive indefinitely. The backend wraps httpcore's own ``SyncBackend``; the
  deadline is per thread, because each request runs in one fetch thread.
"""

from __future__ import annotations

import itertools
import threading
import time
import zlib
from collections.abc import Iterable, Iterator

import httpcore

PIECE = 64 * 1024
MAX_ENCODINGS = 3
ACCEPT_ENCODING = "gzip, deflate"     # what decode_body can undo; nothing else is asked for
_GZIP = ("gzip", "x-gzip")


class Undecodable(Exception):
    """The body's Content-Encoding is unsupported or its data is corrupt (one line)."""


def encodings(header: str) -> list[str]:
    """The layers of a Content-Encoding header, in the order they were applied.

    Raises ``Undecodable`` for an encoding this module cannot undo, and for
    more than ``MAX_ENCODINGS`` layers (no real server stacks more).
    """
    layers = [e.strip().lower() for e in header.split(",") if e.strip() and e.strip().lower() != "identity"]
    unknown = [e for e in layers if e not in (*_GZIP, "deflate")]
    if unknown:
        raise Undecodable(f"unsupported Content-Encoding: {unknown[0][:40]}")
    if len(layers) > MAX_ENCODINGS:
        raise Undecodable(f"more than {MAX_ENCODINGS} Content-Encoding layers")
    return layers


def decode_body(chunks: Iterable[bytes], header: str) -> Iterator[bytes]:
    """The decoded body of raw ``chunks``, yielded in pieces of at most ``PIECE`` bytes."""
    for layer in reversed(encodings(header)):
        chunks = _inflate(chunks, layer)
    return iter(chunks)


def _inflate(chunks: Iterable[bytes], encoding: str) -> Iterator[bytes]:
    """One gzip or deflate layer, never more than ``PIECE`` bytes out per step."""
    chunks = iter(chunks)
    head = b""
    if encoding in _GZIP:
        decoder = zlib.decompressobj(zlib.MAX_WBITS | 16)
    else:
        # "deflate" is zlib-wrapped by the RFC and raw deflate from some servers: the first two bytes tell
        for chunk in chunks:
            head += chunk
            if len(head) >= 2:
                break
        wrapped = len(head) >= 2 and head[0] & 0x0F == 8 and int.from_bytes(head[:2], "big") % 31 == 0
        decoder = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
    started = False
    for chunk in itertools.chain([head], chunks):
        data = chunk
        started = started or bool(chunk)
        while True:
            try:
                out = decoder.decompress(data, PIECE)
            except zlib.error as exc:
                raise Undecodable(f"corrupt {encoding} data: {exc}") from None
            data = decoder.unconsumed_tail
            if out:
                yield out
            # input used up and less than a full piece out: nothing is pending in the decoder
            if not data and len(out) < PIECE:
                break
        if decoder.eof:
            return   # trailing bytes after the end of the stream are ignored, as httpx does
    if started:
        # the body ended before the compressed stream did: what came out is a fragment
        raise Undecodable(f"truncated {encoding} data")


class Deadlines(threading.local):
    """The current thread's request deadline (``time.monotonic()`` value, or None)."""

    def __init__(self) -> None:
        self.at: float | None = None

    def start(self, seconds: float | None) -> None:
        self.at = None if seconds is None else time.monotonic() + seconds

    def clear(self) -> None:
        self.at = None

    def passed(self) -> bool:
        return self.at is not None and time.monotonic() >= self.at

    def clamp(self, timeout: float | None) -> float | None:
        """``timeout`` cut to the time left (a tiny positive value once it has passed)."""
        if self.at is None:
            return timeout
        left = max(self.at - time.monotonic(), 0.001)
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadlines: Deadlines) -> None:
        self._inner, self._deadlines = inner, deadlines

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadlines.clamp(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadlines.clamp(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):  # noqa: ANN001 - httpcore's signature
        inner = self._inner.start_tls(ssl_context, server_hostname, self._deadlines.clamp(timeout))
        return _DeadlineStream(inner, self._deadlines)

    def get_extra_info(self, info: str):  # noqa: ANN201 - httpcore's signature
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's socket backend with every connect, read and write clamped to ``deadlines``."""

    def __init__(self, deadlines: Deadlines) -> None:
        self._inner = httpcore.SyncBackend()
        self._deadlines = deadlines

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):  # noqa: ANN001
        stream = self._inner.connect_tcp(host, port, self._deadlines.clamp(timeout), local_address, socket_options)
        return _DeadlineStream(stream, self._deadlines)

    def connect_unix_socket(self, path, timeout=None, socket_options=None):  # noqa: ANN001
        stream = self._inner.connect_unix_socket(path, self._deadlines.clamp(timeout), socket_options)
        return _DeadlineStream(stream, self._deadlines)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)
