"""The shared feed corpora, served the way users meet feeds: over HTTP, with their headers.

``/work/shared/feeds-corpus`` (feedparser's and feed-rs's test feeds; see its
README) is read in place, never copied. feedparser's files open with an XML
comment whose ``Header: Name: value`` lines stand for the HTTP response
headers the file was served with (``Content-type`` with a charset that
contradicts the XML declaration, ``Content-Location``, ``Content-Language``,
``ETag``, ``Status: 302`` + ``Location``); ``route_for`` turns them into a
real response of ``tests.feedserver``: status, headers and body, so the
charset rules are exercised through httpx and the fetcher, not handed to the
parser directly. ``compression/`` files are served with the Content-Encoding
their extension names.

``ingest_corpus`` runs one ``run_sync`` over every file and returns the counts
(used by tests/test_corpus.py and bench/bench_corpus.py).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tests.feedserver import FeedServer, Redirect, Route, Static, Status

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "feeds-corpus"
_COMMENT = re.compile(rb"<!--(.*?)-->", re.DOTALL)
_HEADER = re.compile(rb"^\s*Header:\s*([^:\r\n]+?)\s*:\s*(.*?)\s*$", re.MULTILINE)
_ORIGIN = "http://localhost:8097"          # where feedparser's own test server lived
_ENCODINGS = {".gz": "gzip", ".z": "deflate"}
_TYPES = {".xml": "application/xml", ".json": "application/json", ".rdf": "application/rdf+xml",
          ".atom": "application/atom+xml", ".rss": "application/rss+xml"}


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name not in ("README.md",)
                  and not p.name.startswith("LICENSE"))


def comment_headers(body: bytes) -> dict[str, str]:
    """``Header: Name: value`` lines of the leading XML comment, names lower-cased."""
    match = _COMMENT.search(body[:4096])
    if not match:
        return {}
    return {name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in _HEADER.findall(match.group(1))}


def url_path(path: Path) -> str:
    return "/" + quote(path.relative_to(CORPUS).as_posix())


def route_for(path: Path, body: bytes) -> Route:
    """The response a file stands for: its ``Header:`` lines, else a type from its extension."""
    headers = comment_headers(body) if "feedparser" in path.relative_to(CORPUS).parts else {}
    status = headers.pop("status", None)
    location = headers.pop("location", None)
    if location:
        location = location.replace(_ORIGIN, "")    # the redirect stays on this server
    if status and int(status) in (301, 302, 303, 307, 308) and location:
        return Redirect(location, int(status))
    if status:
        return Status(int(status), body, headers={"Location": location} if location else {})
    content_type = headers.pop("content-type", _TYPES.get(path.suffix, "application/octet-stream"))
    extra = {name.title(): value for name, value in headers.items()}
    if path.suffix in _ENCODINGS:
        extra["Content-Encoding"] = _ENCODINGS[path.suffix]
    return Static(body, content_type=content_type, headers=extra)


def serve_corpus(server: FeedServer, files: list[Path]) -> list[tuple[str, str]]:
    """Register every file (plus the targets its redirects name); returns (url, name) per file."""
    feeds = []
    for path in files:
        server.add(url_path(path), route_for(path, path.read_bytes()))
        feeds.append((server.url(url_path(path)), path.relative_to(CORPUS).as_posix()))
    target = CORPUS / "feedparser" / "http" / "target.xml"
    server.add("/tests/http/target.xml", Static(target.read_bytes(), content_type="application/xml"))
    server.add("/-/return-304.xml", Status(304))
    return feeds


def ingest_corpus(tmp: Path, feeds: list[tuple[str, str]], *, env: Mapping[str, str] | None = None
                  ) -> dict[str, Any]:
    """One ``run_sync`` over ``feeds`` into ``tmp``; the counts of what happened."""
    from sync.config import load_config
    from sync.pipeline import run_sync

    lines = ['[vault]', 'path = "vault"', '[scoring]', 'backend = "heuristic"', '[fetch]', 'retries = 0']
    for url, name in feeds:
        lines += ["[[feeds]]", f"url = {json.dumps(url)}", f"name = {json.dumps(name)}"]
    (tmp / "config.toml").write_text("\n".join(lines) + "\n", "utf-8")
    cfg = load_config(tmp / "config.toml")
    result = run_sync(cfg, env=dict(env or {}))
    statuses = Counter(f.status for f in result.feeds)
    errors = Counter(f.message.split(":")[0] for f in result.feeds if f.status == "error")
    with sqlite3.connect(cfg.store_path) as conn:
        stored = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        rejects = dict(conn.execute("SELECT reason, COUNT(*) FROM rejects GROUP BY reason ORDER BY 2 DESC"))
    notes = sum(1 for _ in (tmp / "vault" / "Articles").rglob("*.md")) if (tmp / "vault" / "Articles").exists() else 0
    return {"files": len(feeds), "feeds by status": dict(statuses), "feed errors": dict(errors),
            "entries read": sum(f.entries for f in result.feeds), "articles stored": stored,
            "notes": notes, "rejected": sum(rejects.values()), "rejected by reason": rejects,
            "problems": list(result.problems), "timings": result.timings}
