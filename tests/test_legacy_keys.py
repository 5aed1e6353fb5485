"""Campaign tags added to the tracking parameters: clean URLs, and no article keyed twice.

heise's ``wt_mc=rss…``, the BBC's ``at_medium``/``at_campaign``, the New
York Times' ``partner=rss&emc=rss`` now leave the canonical URL. An article
an earlier kbsync stored under the URL that kept them keeps that key (its
note, its Notion page, its links): the entry carries the old key as an
alias, and the ingest adopts it when the store knows it.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from pathlib import Path

import pytest

from sync.config import load_config
from sync.models import Entry, stable_id
from sync.pipeline import run_sync
from sync.sources.parse import parse_feed
from sync.sources.urls import canonical_url, legacy_url, redirect_target
from sync.store import Store
from sync.store.ingest import adopt_legacy_keys, plan_ingest

NOW = datetime(2026, 12, 7, 12, tzinfo=timezone.utc)
HEISE = "https://www.heise.de/newsticker/meldung/Uebernahme-4205119.html?wt_mc=rss.ho.beitrag.rdf"
CLEAN = "https://www.heise.de/newsticker/meldung/Uebernahme-4205119.html"


@pytest.mark.parametrize("url,clean", [
    (HEISE, CLEAN),
    ("https://www.bbc.co.uk/news/world-1?at_medium=RSS&at_campaign=KARANGA", "https://www.bbc.co.uk/news/world-1"),
    ("https://www.nytimes.com/2024/a.html?partner=rss&emc=rss&smid=x", "https://www.nytimes.com/2024/a.html?smid=x"),
    ("https://example.com/a?src=rss-feed", "https://example.com/a"),
    ("https://example.com/search?src=twitter&q=1", "https://example.com/search?src=twitter&q=1"),   # not a feed's tag
])
def test_a_news_sites_campaign_tag_leaves_the_canonical_url(url: str, clean: str) -> None:
    assert canonical_url(url) == clean
    assert legacy_url(url) == (None if clean == url else canonical_url(url, legacy=True))


def test_an_entry_carries_the_key_its_link_had_before() -> None:
    feed = (f'<rss version="2.0"><channel><title>heise</title><item><title>Übernahme</title>'
            f'<link>{HEISE.replace("&", "&amp;")}</link></item><item><title>Plain</title>'
            f'<link>https://www.heise.de/x.html</link></item></channel></rss>').encode()
    tagged, plain = parse_feed(feed, feed_url="https://www.heise.de/rss", source="heise", now=NOW).entries
    assert tagged.url == CLEAN and tagged.kb_id == stable_id(CLEAN)
    assert tagged.aliases == (stable_id(canonical_url(HEISE, legacy=True)),)
    assert plain.aliases == ()


def entry(kb_id: str, url: str, aliases: tuple[str, ...] = ()) -> Entry:
    return Entry(kb_id=kb_id, url=url, title="Übernahme", source="heise", feed_url="https://www.heise.de/rss",
                 published=NOW, content="Text.", aliases=aliases)


def test_the_ingest_keeps_the_key_the_store_knows() -> None:
    old, new = stable_id(canonical_url(HEISE, legacy=True)), stable_id(CLEAN)
    fresh = entry(new, CLEAN, (old,))
    assert adopt_legacy_keys([fresh], {old}) == [dataclasses.replace(fresh, kb_id=old)]
    assert adopt_legacy_keys([fresh], set()) == [fresh]                # a new reader: the clean key
    assert adopt_legacy_keys([fresh], {old, new}) == [fresh]           # the clean key is stored already


def test_an_article_stored_by_an_earlier_version_is_not_written_twice(tmp_path: Path) -> None:
    legacy = canonical_url(HEISE, legacy=True)
    (tmp_path / "feed.xml").write_text(
        f'<rss version="2.0"><channel><title>heise</title><item><title>Übernahme von GitHub</title>'
        f'<link>{HEISE}</link><pubDate>Fri, 26 Oct 2018 12:00:00 +0000</pubDate>'
        f'<description>Microsofts Übernahme von GitHub ist abgeschlossen.</description></item></channel></rss>',
        "utf-8")
    (tmp_path / "config.toml").write_text('[vault]\npath = "vault"\n[scoring]\nbackend = "heuristic"\n'
                                          '[[feeds]]\nurl = "feed.xml"\nname = "heise"\n', "utf-8")
    cfg = load_config(tmp_path / "config.toml")
    # what an earlier version stored: the article keyed by the URL that kept wt_mc
    earlier = parse_feed((tmp_path / "feed.xml").read_bytes(), feed_url=str(tmp_path / "feed.xml"),
                         source="heise", now=NOW).entries[0]
    earlier = dataclasses.replace(earlier, kb_id=stable_id(legacy), url=legacy, aliases=())
    with Store.open_for(cfg.store_path) as store:
        merged, records = plan_ingest([earlier], {}, {}, NOW)
        store.save_articles(merged.values(), records, NOW)
    run_sync(cfg, env={}, now=NOW)
    with Store.open_for(cfg.store_path) as store:
        ids = store.all_ids()
        assert ids == [stable_id(legacy)]
        assert store.get_articles(ids)[ids[0]].url == CLEAN     # the next version took the clean URL
    notes = list((tmp_path / "vault" / "Articles").rglob("*.md"))
    assert len(notes) == 1 and f"url: {CLEAN}\n" in notes[0].read_text("utf-8")


def test_an_import_of_an_article_stored_under_its_tagged_url_keeps_its_key(tmp_path: Path) -> None:
    import json

    from sync.importer import run_import

    legacy = canonical_url(HEISE, legacy=True)
    (tmp_path / "config.toml").write_text('[vault]\npath = "vault"\n[scoring]\nbackend = "heuristic"\n', "utf-8")
    cfg = load_config(tmp_path / "config.toml")
    with Store.open_for(cfg.store_path) as store:
        merged, records = plan_ingest([entry(stable_id(legacy), legacy)], {}, {}, NOW)
        store.save_articles(merged.values(), records, NOW)
    (tmp_path / "articles.jsonl").write_text(json.dumps(
        {"url": HEISE, "title": "Übernahme", "content": "Text.", "score": 80}) + "\n", "utf-8")
    run_import(cfg, tmp_path / "articles.jsonl", env={})
    with Store.open_for(cfg.store_path) as store:
        assert store.all_ids() == [stable_id(legacy)]
        assert store.scores([stable_id(legacy)])[stable_id(legacy)].score == 80


PROXY = "http://feedproxy.google.com/~r/RockPaperShotgun/~3/YzgyCq5DQhs/the-sunday-papers-607"
ORIGINAL = "https://www.rockpapershotgun.com/the-sunday-papers-607"
FEEDBURNER = ('<rss version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"><channel>'
              '<title>Rock Paper Shotgun</title><item><title>The Sunday Papers</title>'
              f'<link>{PROXY}</link><feedburner:origLink>{ORIGINAL}</feedburner:origLink>'
              '<pubDate>Sun, 01 Mar 2026 12:00:00 +0000</pubDate>'
              '<description>&lt;p&gt;Sundays are for &lt;a href="/topics/x"&gt;reading&lt;/a&gt;.&lt;/p&gt;</description>'
              '</item></channel></rss>')


def test_a_feedburner_entry_is_the_article_at_its_own_address_not_the_redirect() -> None:
    (only,) = parse_feed(FEEDBURNER.encode(), feed_url="https://feeds.feedburner.com/rps", source="RPS",
                         now=NOW).entries
    assert only.url == ORIGINAL and only.kb_id == stable_id(ORIGINAL)
    assert only.aliases == (stable_id(canonical_url(PROXY)),)       # the key it had before
    assert "(https://www.rockpapershotgun.com/topics/x)" in only.content   # relative links against it too


def test_a_feedburner_article_stored_under_the_redirect_keeps_its_key(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_text(FEEDBURNER, "utf-8")
    (tmp_path / "config.toml").write_text('[vault]\npath = "vault"\n[scoring]\nbackend = "heuristic"\n'
                                          '[[feeds]]\nurl = "feed.xml"\nname = "RPS"\n', "utf-8")
    cfg = load_config(tmp_path / "config.toml")
    proxy = canonical_url(PROXY)
    with Store.open_for(cfg.store_path) as store:
        old = dataclasses.replace(entry(stable_id(proxy), proxy), title="The Sunday Papers", source="RPS",
                                  feed_url=str(tmp_path / "feed.xml"))
        merged, records = plan_ingest([old], {}, {}, NOW)
        store.save_articles(merged.values(), records, NOW)
    run_sync(cfg, env={}, now=NOW)
    with Store.open_for(cfg.store_path) as store:
        assert store.all_ids() == [stable_id(proxy)]
        assert store.get_articles([stable_id(proxy)])[stable_id(proxy)].url == ORIGINAL


REDIR = "https://redir.folha.com.br/redir/online/poder/eleicoes-2018/rss091/*https://www1.folha.uol.com.br/poder/2018/09/match.shtml"
FOLHA = "https://www1.folha.uol.com.br/poder/2018/09/match.shtml"


@pytest.mark.parametrize("url,target", [
    (REDIR, FOLHA),
    ("https://r.example/go/x/*https%3A//news.example/a?id=1", "https://news.example/a?id=1"),   # written encoded
    ("https://web.archive.org/web/2020/https://news.example/a", None),   # an address of its own, not a redirect
    ("https://news.example/a/*b", None),
    ("https://news.example/x?u=*https://other.example/", None),           # not in the path
    (None, None),
])
def test_a_redirectors_link_gives_the_address_it_carries(url: str | None, target: str | None) -> None:
    assert redirect_target(url) == target


def test_an_entry_behind_a_sites_redirector_is_the_article_at_its_own_address() -> None:
    # Folha (via UOL's feed) gives some stories twice: once at their address, once through its
    # redirector; they are one article, at the address, and the redirect's key is kept as an alias
    feed = ('<rss version="2.0"><channel><title>UOL</title>'
            f'<item><title>Match Eleitoral</title><link>{FOLHA}</link><description></description></item>'
            f'<item><title>Match Eleitoral</title><link>{REDIR}</link>'
            '<description>Mais de 500 mil testes completos no Match Eleitoral.</description></item>'
            f'<item><title>Only redirected</title><link>{REDIR.replace("match", "other")}</link></item>'
            '</channel></rss>').encode()
    parsed = parse_feed(feed, feed_url="https://rss.uol.com.br/feed/noticias.xml", source="UOL", now=NOW)
    first, other = parsed.entries
    assert first.url == FOLHA and [r.reason for r in parsed.rejects] == [
        "merged: same link as an earlier entry of the feed (the first one is kept)"]
    # the first one was bare: it takes the text the second gave (as a second feed fills an article's gaps)
    assert first.content == "Mais de 500 mil testes completos no Match Eleitoral."
    assert other.url == FOLHA.replace("match", "other")
    assert other.aliases == (stable_id(canonical_url(REDIR.replace("match", "other"))),)
