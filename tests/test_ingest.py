"""Merging entries into articles: one story, many sources; stable dates."""

from datetime import datetime, timedelta, timezone

from sync.models import Entry, stable_id
from sync.store.ingest import entry_hash, merge_entry, plan_ingest

NOW = datetime(2026, 2, 27, 12, tzinfo=timezone.utc)
URL = "https://example.com/story"


def entry(source="A", **kw) -> Entry:
    base = dict(kb_id=stable_id(URL), url=URL, title="Story", source=source, feed_url=f"feed:{source}",
                published=NOW - timedelta(days=1), content="Body", summary="Sum")
    base.update(kw)
    return Entry(**base)


def test_same_url_from_two_feeds_is_one_article_with_both_sources():
    merged, records = plan_ingest([entry("A")], {}, {}, NOW)
    first = merged[stable_id(URL)]
    second = merge_entry(first, entry("B", title="Other title", content=""), NOW)
    assert second.sources == ("A", "B")
    assert second.source == "A" and second.title == "Story"   # the first feed owns the text
    assert second.content == "Body"


def test_secondary_feed_fills_gaps_only():
    first = merge_entry(None, entry("A", content="", author=None), NOW)
    second = merge_entry(first, entry("B", content="Longer body", author="Ann"), NOW)
    assert second.content == "Longer body" and second.author == "Ann"


def test_owner_update_replaces_text_and_keeps_sources():
    article = merge_entry(merge_entry(None, entry("A"), NOW), entry("B"), NOW)
    updated = merge_entry(article, entry("A", title="Story (updated)"), NOW)
    assert updated.title == "Story (updated)" and updated.sources == ("A", "B")
    assert updated.content_hash != article.content_hash


def test_dateless_entry_keeps_its_first_seen_date_on_later_runs():
    first = merge_entry(None, entry(published=NOW, published_from="first_seen"), NOW)
    later = NOW + timedelta(days=3)
    again = merge_entry(first, entry(published=later, published_from="first_seen"), later)
    assert again.published == NOW
    assert entry_hash(entry(published=NOW, published_from="first_seen")) == \
        entry_hash(entry(published=later, published_from="first_seen"))


def test_unchanged_entries_are_skipped():
    e = entry()
    merged, records = plan_ingest([e], {e.kb_id: entry_hash(e)}, {}, NOW)
    assert merged == {} and records == []
