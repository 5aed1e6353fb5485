"""The test feed server plus routes that misbehave at the HTTP level.

``HostileServer`` is ``tests.feedserver.FeedServer`` (same routes, same
request log) with three more route kinds:

``Endless``    a 200 feed whose body never ends: an RSS head, then items
               forever, ``every`` seconds apart (0: as fast as the socket takes);
``HeaderDrip`` a status line, then one header byte every ``every`` seconds,
               forever: no read ever times out, the response never starts;
``bomb(n)``    (a helper, not a route) gzip of ``n`` zero bytes, optionally
               gzipped again: serve it with ``Static(..., headers={"Content-Encoding": ...})``.

Every endless route stops when the server stops or the client hangs up.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from dataclasses import dataclass

from tests.feedserver import FeedServer, _Handler


@dataclass(frozen=True)
class Endless:
    every: float = 0.0
    content_type: str = "application/rss+xml; charset=utf-8"


@dataclass(frozen=True)
class HeaderDrip:
    every: float = 0.2


def bomb(size: int, *, layers: int = 1) -> bytes:
    """gzip of ``size`` zero bytes (a whole number of MB; about 1,000:1), gzipped again ``layers - 1`` times.

    Built without compressing the whole size: one MB of zeros is deflated once,
    ending in a full flush (so it refers to nothing before it), and repeated.
    """
    mb = 1 << 20
    if size % mb:
        raise ValueError("bomb size must be a whole number of MB")
    block = bytes(mb)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    unit = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    final = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS).flush()   # an empty last block
    crc = 0
    for _ in range(size // mb):
        crc = zlib.crc32(block, crc)
    data = (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + unit * (size // mb) + final
            + struct.pack("<II", crc, size & 0xFFFFFFFF))
    for _ in range(layers - 1):
        data = gzip.compress(data, 9)
    return data


class HostileServer(FeedServer):
    def _handle(self, h: _Handler) -> None:
        route = self._routes.get(h.path)
        if isinstance(route, Endless):
            self._endless(h, route)
        elif isinstance(route, HeaderDrip):
            self._drip(h, route)
        else:
            super()._handle(h)

    def _endless(self, h: _Handler, route: Endless) -> None:
        h.send_response(200)
        h.send_header("Content-Type", route.content_type)
        h.send_header("Connection", "close")     # no length: the body ends when the connection does
        h.close_connection = True
        h.end_headers()
        n = 0
        try:
            h.wfile.write(b"<?xml version='1.0'?><rss version='2.0'><channel><title>Endless</title>")
            while not self._stopping.is_set():
                n += 1
                h.wfile.write(f"<item><title>Item {n}</title><link>https://endless.example/{n}</link>"
                              f"<description>{'more ' * 50}</description></item>".encode())
                if route.every:
                    h.wfile.flush()
                    if self._stopping.wait(route.every):
                        return
        except OSError:
            return   # the client gave up: exactly what it should do

    def _drip(self, h: _Handler, route: HeaderDrip) -> None:
        h.close_connection = True
        try:
            h.wfile.write(b"HTTP/1.1 200 OK\r\nX-Drip: ")
            while not self._stopping.wait(route.every):
                h.wfile.write(b"a")
                h.wfile.flush()
        except OSError:
            return
