"""Robustness over the shared feed corpora (feedparser's and feed-rs's test feeds).

Every file goes through ``parse_feed`` without an exception, and every entry
ends as an ``Entry`` with sane fields or a ``Reject`` with a reason. Then every
file is served over local HTTP with its ``Header:`` lines as the response
(status, Content-Type with its charset, Content-Location, Content-Encoding
...; ``tests/hostile/corpus.py``) and goes through one whole ``run_sync``:
fetched, parsed, stored, scored, written; the counts are printed. Skipped
when ``../shared/feeds-corpus`` is absent.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from sync.sources.parse import ParsedFeed, parse_feed
from sync.targets.obsidian.yamlfm import loads_note
from tests.feedserver import FeedServer
from tests.notecheck import note_problems
from tests.hostile.corpus import CORPUS, comment_headers, corpus_files, ingest_corpus, serve_corpus, url_path

pytestmark = pytest.mark.corpus

if not CORPUS.is_dir():
    pytest.skip(f"feed corpus not found at {CORPUS}", allow_module_level=True)

NOW = datetime(2026, 2, 7, tzinfo=timezone.utc)
_MARKER_LINE = re.compile(r"^\s*%%\s*kbsync", re.IGNORECASE | re.MULTILINE)


def test_comment_headers_are_read_from_the_leading_comment():
    body = (b'<?xml version="1.0"?>\n<!--\nHeader:      Content-type: text/xml; charset=windows-1252\n'
            b"Header: Content-Location: http://example.com/\nDescription: x\n-->\n<rss/>")
    assert comment_headers(body) == {"content-type": "text/xml; charset=windows-1252",
                                     "content-location": "http://example.com/"}
    assert comment_headers(b"<rss/>") == {}


def _problems(path: Path, result: ParsedFeed) -> list[str]:
    problems: list[str] = []
    if result.error is not None and (not result.error.strip() or "\n" in result.error):
        problems.append(f"bad error text {result.error!r}")
    for entry in result.entries:
        if not entry.title or "\n" in entry.title or len(entry.title) > 300:
            problems.append(f"bad title {entry.title!r}")
        if entry.published.utcoffset() != timedelta(0) or entry.published.year < 1990:
            problems.append(f"bad published {entry.published!r}")
        if entry.url is not None and not entry.url.startswith(("http://", "https://")):
            problems.append(f"bad url {entry.url!r}")
        if not entry.kb_id.startswith("kb-") or _MARKER_LINE.search(entry.content):
            problems.append(f"bad kb_id/content in {entry.kb_id}")
    problems += [f"reject without reason: {r}" for r in result.rejects if not r.reason.strip()]
    return [f"{path.relative_to(CORPUS)}: {p}" for p in problems]


def test_every_corpus_file_parses_without_exception(capsys):
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file())
    assert len(files) > 2000
    totals: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    problems: list[str] = []
    results: dict[str, ParsedFeed] = {}
    for path in files:
        body = path.read_bytes()
        headers = comment_headers(body) if "feedparser" in path.relative_to(CORPUS).parts else {}
        try:
            result = parse_feed(body, feed_url=f"https://corpus.example/{path.name}",
                                source="corpus", headers=headers, now=NOW)
        except Exception as exc:  # the point of the test: report, do not stop
            problems.append(f"{path.relative_to(CORPUS)}: raised {type(exc).__name__}: {exc}")
            continue
        results[str(path.relative_to(CORPUS))] = result
        problems += _problems(path, result)
        totals["files"] += 1
        totals["entries"] += len(result.entries)
        totals["rejects"] += len(result.rejects)
        reasons.update(r.reason for r in result.rejects)
        if result.error:
            errors[result.error.split(":")[0]] += 1

    summary = (f"corpus: {totals['files']} files, {totals['entries']} entries, "
               f"{totals['rejects']} rejects {dict(reasons)}, feed errors {dict(errors)}")
    with capsys.disabled():
        print("\n" + summary)
    assert not problems, "\n".join(problems[:50])
    # Real feeds must read cleanly: every feed-rs RSS/Atom/JSON fixture except
    # the deliberately broken one gives entries and no error.
    real = {k: v for k, v in results.items()
            if k.startswith("feed-rs/") and k.endswith((".xml", ".json"))
            and not k.endswith(".serde.json") and "/xml/xml_sample" not in k and "invalid" not in k}
    assert len(real) > 60
    assert not {k: v.error for k, v in real.items() if v.error}
    assert sum(len(v.entries) for v in real.values()) > 60


def test_every_corpus_file_served_over_http_goes_through_a_whole_sync(tmp_path, capsys):
    files = corpus_files()
    with FeedServer() as server:
        feeds = serve_corpus(server, files)
        counts = ingest_corpus(tmp_path, feeds)
        served = {r.path for r in server.requests}
    with capsys.disabled():
        print(f"\ncorpus over HTTP: {counts}")
    assert counts["files"] == len(files) > 2000
    assert {url_path(p) for p in files} <= served                      # every file really went over HTTP
    assert sum(counts["feeds by status"].values()) == len(files)        # each one read or reported
    assert counts["problems"] == []                                    # no note failed to write
    assert counts["articles stored"] == counts["notes"] > 300
    assert counts["rejected"] > 0 and all(counts["rejected by reason"])
    with sqlite3.connect(tmp_path / ".kbsync" / "state.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # issue 12: no note has a needless escape, a backslash in a URL, or link/image syntax in its key points
    written = sorted((tmp_path / "vault" / "Articles").rglob("*.md"))
    bad = [f"{p.name}: {problem}" for p in written for problem in note_problems(p.read_text("utf-8"))]
    assert bad == [], "\n".join(bad[:30])


@pytest.mark.parametrize("name", ["http_text_xml_charset_2.xml", "http_text_xml_charset_overrides_encoding_2.xml"])
def test_the_http_charset_wins_over_the_xml_declaration(tmp_path, name):
    """Served with ``charset=windows-1252`` over a body that declares (or implies) another
    encoding: the smart quotes only come out right if the response header reached the parser."""
    path = CORPUS / "feedparser" / "encoding" / name
    with FeedServer() as server:
        counts = ingest_corpus(tmp_path, serve_corpus(server, [path]))
        assert server.requests[0].path == url_path(path)
    assert counts["notes"] == 1
    note = next((tmp_path / "vault" / "Articles").rglob("*.md"))
    assert "This is a £“test.”" in loads_note(note.read_text("utf-8"))[1]


@pytest.mark.parametrize("name", ["feed-rs/rss1/rss_1.0_iso8859.xml", "feed-rs/atom/atom_example_3.xml",
                                  "feed-rs/rss2/rss_2.0_rps.xml"])
def test_real_feeds_tracking_pixels_do_not_reach_the_note(name: str) -> None:
    # Golem's 1x1 counter, FeedBurner's "~r/…/~4/" pixel and "~ff/" share buttons
    body = (CORPUS / name).read_bytes()
    result = parse_feed(body, feed_url="http://example.com/feed", source="S", now=NOW)
    assert result.entries and (b"cpx.golem.de" in body or b"feedburner.com/~" in body)
    for entry in result.entries:
        assert "feedburner.com/~" not in entry.content and "cpx.golem.de" not in entry.content
        assert not re.search(r"(?<!!)\[\]\(", entry.content)     # no empty link left behind
