"""Issue 12.1: every entry kept, and a re-sync that changed nothing writes nothing.

A feed's entries are told apart by guid, by a URL fragment that differs, by
title plus date when there is neither link nor guid; what is dropped or merged
is a reject with a reason that ``kbsync status`` shows. Over a server that
ignores conditional GET (always 200, no validators) a second sync writes 0
files.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timezone

from sync.sources.identity import settle
from sync.sources.parse import parse_feed
from tests.feedserver import FeedServer, Static
from tests.test_e2e import kbsync, make_config, notes, snapshot

NOW = datetime(2026, 2, 7, tzinfo=timezone.utc)


def rss(*items: str, title: str = "Quirks") -> bytes:
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
            f'<link>https://x.test/</link>{"".join(items)}</channel></rss>').encode()


def item(title: str, link: str | None = None, guid: str | None = None, date: str | None = None,
         body: str = "") -> str:
    parts = [f"<title>{title}</title>"]
    if link:
        parts.append(f"<link>{link}</link>")
    if guid:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if date:
        parts.append(f"<pubDate>{date}</pubDate>")
    if body:
        parts.append(f"<description>{body}</description>")
    return "<item>" + "".join(parts) + "</item>"


FRAGMENTS = rss(item("Section A", "https://x.test/page#a", date="Fri, 06 Feb 2026 10:00:00 GMT"),
                item("Section B", "https://x.test/page#b", date="Fri, 06 Feb 2026 11:00:00 GMT"))
# a changelog: no links, no guids, one title repeated on different days
CHANGELOG = rss(*[item("Weekly update", date=f"Mon, {d:02d} Feb 2026 09:00:00 GMT", body=f"Changes of day {d}.")
                  for d in (2, 3, 4)], item("Weekly update", date="Mon, 02 Feb 2026 09:00:00 GMT",
                                            body="Changes of day 2."))
# the same guid twice (a duplicate), one link with two guids (two entries)
DUPLICATES = rss(item("Launch", "https://x.test/launch", guid="g-1", date="Thu, 05 Feb 2026 09:00:00 GMT"),
                 item("Launch", "https://x.test/launch", guid="g-1", date="Thu, 05 Feb 2026 09:00:00 GMT"),
                 item("Home news one", "https://x.test/", guid="n-1", date="Thu, 05 Feb 2026 10:00:00 GMT"),
                 item("Home news two", "https://x.test/", guid="n-2", date="Thu, 05 Feb 2026 11:00:00 GMT"),
                 item("Launch (edited)", "https://x.test/launch", guid="g-1",
                      date="Thu, 05 Feb 2026 09:00:00 GMT"))


def parse(body: bytes):
    return parse_feed(body, feed_url="https://x.test/feed", source="Quirks", now=NOW)


def test_entries_that_differ_only_by_fragment_are_two_entries_with_their_fragment():
    result = parse(FRAGMENTS)
    assert sorted(e.url for e in result.entries) == ["https://x.test/page#a", "https://x.test/page#b"]
    assert len({e.kb_id for e in result.entries}) == 2 and result.rejects == []


def test_a_fragment_alone_does_not_split_an_entry_from_another_feed():
    one = parse(rss(item("Post", "https://x.test/post#comments", date="Fri, 06 Feb 2026 10:00:00 GMT")))
    two = parse_feed(rss(item("Post", "https://x.test/post")), feed_url="https://y.test/feed", source="Y", now=NOW)
    assert one.entries[0].kb_id == two.entries[0].kb_id   # the same story from two feeds is one article


def test_linkless_guidless_entries_are_keyed_by_title_and_date():
    result = parse(CHANGELOG)
    assert len(result.entries) == 3 and len({e.kb_id for e in result.entries}) == 3
    (dup,) = result.rejects
    assert dup.reason.startswith("duplicate: same title and date") and "entry #4" in dup.ref


def test_duplicates_and_merges_are_rejects_with_a_reason_and_distinct_guids_are_kept():
    result = parse(DUPLICATES)
    assert sorted(e.title for e in result.entries) == ["Home news one", "Home news two", "Launch"]
    reasons = sorted(r.reason for r in result.rejects)
    assert reasons == ["duplicate: same guid and text as an earlier entry of the feed",
                       "merged: same guid as an earlier entry of the feed (the first one is kept)"]


def test_settle_is_independent_of_entry_order():
    result = parse(DUPLICATES + b"")
    forward = {e.kb_id: e.title for e in result.entries}
    backward_body = rss(*reversed([item("Home news one", "https://x.test/", guid="n-1"),
                                   item("Home news two", "https://x.test/", guid="n-2")]))
    backward = {e.kb_id: e.title for e in parse(backward_body).entries}
    assert all(forward[k] == v for k, v in backward.items())
    assert settle([], [], []) == ([], [])


def _titles(tmp_path) -> dict[str, str]:
    with sqlite3.connect(tmp_path / ".kbsync" / "state.db") as conn:
        return dict(conn.execute("SELECT url, title FROM articles WHERE url LIKE '%page#%'"))


def test_a_touched_local_feed_keeps_both_fragment_entries_and_rewrites_nothing(tmp_path, monkeypatch):
    """The issue's reproduction: two items whose links differ after '#', the file touched between syncs."""
    monkeypatch.chdir(tmp_path)
    feed = tmp_path / "local.xml"
    feed.write_bytes(FRAGMENTS)
    config = make_config(tmp_path, [(str(feed), "Local")])
    kbsync("sync", "--config", str(config))
    first = _titles(tmp_path)
    assert first == {"https://x.test/page#a": "Section A", "https://x.test/page#b": "Section B"}
    before = snapshot(tmp_path / "vault")
    for _ in range(2):
        os.utime(feed)
        kbsync("sync", "--config", str(config))
        assert _titles(tmp_path) == first
    assert snapshot(tmp_path / "vault") == before


def test_a_server_that_ignores_conditional_get_gets_a_second_sync_that_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with FeedServer() as server:
        for path, body in {"/fragments.xml": FRAGMENTS, "/changelog.xml": CHANGELOG,
                           "/duplicates.xml": DUPLICATES}.items():
            server.add(path, Static(body))      # no ETag, no Last-Modified: every fetch is a 200
        config = make_config(tmp_path, [(server.url(p), p.strip("/").split(".")[0])
                                        for p in ("/fragments.xml", "/changelog.xml", "/duplicates.xml")])
        kbsync("sync", "--config", str(config))
        assert len(notes(tmp_path / "vault")) == 2 + 3 + 3
        before = snapshot(tmp_path / "vault")
        result = kbsync("sync", "--config", str(config))
        assert server.hits("/fragments.xml") == 2 and server.hits("/changelog.xml") == 2
    assert snapshot(tmp_path / "vault") == before
    assert "notes: none to write; rollups: none to write" in result.output
    status = kbsync("status", "--config", str(config)).output
    assert "duplicates: last ok" in status and "2 entries dropped or merged" in status
    assert "changelog: last ok" in status and "1 entries dropped or merged (duplicate: same title and date" in status
    assert "entries dropped or merged: 3 (" in status
