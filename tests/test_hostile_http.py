"""Hostile servers end to end: bombs and feeds that never end, over real local HTTP.

One ``run_sync`` over the example feeds (served over HTTP) plus a gzip bomb
(1 MB on the wire, 1 GB decoded), a nested gzip bomb (2.5 kB -> 1 GB), a
body that never ends (fast: the size cap stops it), one that trickles forever
(slow: the total timeout stops it), a status line whose headers never end,
a declared 50 MB body and a billion-laughs feed. Each is contained (cap or
timeout), reported (RunResult and ``kbsync status``) and costs nothing else:
every example article is there. The decoder that makes the cap hold for
compressed bodies (``sync.sources.bounded``) is checked as a unit too.
"""

from __future__ import annotations

import gzip
import threading
import zlib
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.config import load_config
from sync.pipeline import run_sync
from sync.sources.bounded import PIECE, Undecodable, decode_body
from sync.sources.fetch import FeedRequest, Fetcher
from sync.sources.parse import parse_feed
from sync.status import status_lines
from sync.targets.obsidian.yamlfm import loads_note
from tests.feedserver import Large, Static
from tests.hostile.feeds import billion_laughs
from tests.hostile.servers import Endless, HeaderDrip, HostileServer, bomb

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples" / "feeds").iterdir())
GB = 1 << 30
HANG_GUARD = 300   # seconds; only to fail instead of hanging forever if a guard breaks


@pytest.fixture(scope="module")
def server():
    with HostileServer() as srv:
        for path in EXAMPLES:
            srv.add(f"/good/{path.name}", Static(path.read_bytes(), etag=f'"{path.stem}"'))
        srv.add("/bomb.xml", Static(bomb(GB), headers={"Content-Encoding": "gzip"}))
        srv.add("/bomb2.xml", Static(bomb(GB, layers=2), headers={"Content-Encoding": "gzip, gzip"}))
        srv.add("/endless.xml", Endless())
        srv.add("/trickle.xml", Endless(every=0.05))
        srv.add("/drip.xml", HeaderDrip(every=0.2))
        srv.add("/declared.xml", Large(50_000_000))
        srv.add("/laughs.xml", Static(billion_laughs()))
        yield srv


BAD = {   # feed -> what the run must report for it
    "bomb.xml": "response larger than 10 MB", "bomb2.xml": "response larger than 10 MB",
    "endless.xml": "response larger than 10 MB", "declared.xml": "response larger than 10 MB",
    "trickle.xml": "timed out after 3s in total", "drip.xml": "timed out after 3s in total",
}


def test_bombs_and_endless_feeds_are_contained_reported_and_cost_nothing_else(server, tmp_path):
    feeds = [(server.url(f"/good/{p.name}"), p.name) for p in EXAMPLES]
    feeds += [(server.url(f"/{name}"), name) for name in [*BAD, "laughs.xml"]]
    lines = ['[vault]', 'path = "vault"', '[scoring]', 'backend = "heuristic"',
             '[fetch]', 'total_timeout = 3', 'read_timeout = 2', 'retries = 0']
    for url, name in feeds:
        lines += ["[[feeds]]", f'url = "{url}"', f'name = "{name}"']
    (tmp_path / "config.toml").write_text("\n".join(lines) + "\n", "utf-8")
    cfg = load_config(tmp_path / "config.toml")

    done: dict = {}
    runner = threading.Thread(target=lambda: done.setdefault("result", run_sync(cfg, env={})), daemon=True)
    runner.start()
    runner.join(HANG_GUARD)
    assert "result" in done, "a hostile feed held the run"
    reports = {f.name: f for f in done["result"].feeds}

    for name, reason in BAD.items():
        assert (reports[name].status, reports[name].message) == ("error", reason), name
    assert reports["laughs.xml"].status == "ok"             # read, with the entity left unexpanded
    # nothing else lost: every example entry has its note
    notes = [loads_note(p.read_text("utf-8"))[0] for p in (tmp_path / "vault" / "Articles").rglob("*.md")]
    ids = {n["kb_id"] for n in notes}
    for path in EXAMPLES:
        assert reports[path.name].status == "ok"
        parsed = parse_feed(path.read_bytes(), feed_url="x", source=path.name, now=datetime.now(timezone.utc))
        assert {e.kb_id for e in parsed.entries} <= ids, path.name
    assert not any("lol" * 100 in n["title"] for n in notes)
    status = "\n".join(status_lines(cfg))
    for name, reason in BAD.items():
        line = next(line for line in status.splitlines() if line.strip().startswith(f"{name}:"))
        assert "last ok never" in line and reason in line, line


def test_a_server_that_never_finishes_its_headers_times_out(server):
    with Fetcher(read_timeout=5, total_timeout=1, retries=0) as fetcher:
        result = fetcher.fetch(FeedRequest(server.url("/drip.xml")))
    assert (result.status, result.error) == ("error", "timed out after 1s in total")


def test_a_nested_gzip_bomb_is_never_inflated_past_one_piece():
    pieces = decode_body([bomb(64 << 20, layers=2)], "gzip, gzip")
    total = 0
    for piece in pieces:
        assert len(piece) <= PIECE
        total += len(piece)
        if total > 1_000_000:
            break            # the fetcher's cap stops here; the rest is never inflated
    assert total > 1_000_000


@given(st.binary(max_size=5000), st.sampled_from(["gzip", "deflate", "raw-deflate", "x-gzip", "identity", ""]),
       st.integers(min_value=1, max_value=700))
def test_decoding_in_pieces_gives_the_body_back(body: bytes, encoding: str, cut: int):
    if encoding in ("gzip", "x-gzip"):
        wire = gzip.compress(body)
    elif encoding == "deflate":
        wire = zlib.compress(body)
    elif encoding == "raw-deflate":
        c = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        wire, encoding = c.compress(body) + c.flush(), "deflate"
    else:
        wire = body
    chunks = [wire[i:i + cut] for i in range(0, len(wire), cut)]
    assert b"".join(decode_body(chunks, encoding)) == body


@pytest.mark.parametrize("header, data, message", [
    ("br", b"x", "unsupported Content-Encoding: br"),
    ("gzip, gzip, gzip, gzip", b"x", "more than 3 Content-Encoding layers"),
    ("gzip", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\xff\xff", "corrupt gzip data"),
    ("deflate", b"not deflate at all", "corrupt deflate data"),
    ("gzip", gzip.compress(b"<rss>" * 1000)[:-20], "truncated gzip data"),
])
def test_undecodable_bodies_are_one_clear_error(header, data, message):
    with pytest.raises(Undecodable, match=message):
        b"".join(decode_body([data], header))
