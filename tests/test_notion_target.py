"""The Notion target end to end: the real pipeline and notion-client against the local emulator.

What a team reading in Notion would check: two data sources under the parent
page, one page per article with its relations, weekly pages, a second sync
that sends no write, the reader's Notion edits kept, no duplicate page after
faults, lost answers or a lost store, and oversized content sent within the
API limits instead of being refused.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from sync.cli import main
from sync.config import load_config
from sync.links.index import neighbours
from sync.models import Article, Score
from sync.pipeline import RunResult, configured_targets, run_sync, run_targets
from sync.store import Store
from sync.targets.notion.target import fingerprint
from tests.notion_emulator import NotionEmulator
from tests.test_e2e import example_config

TOKEN = "secret_test"


@pytest.fixture
def emu():
    with NotionEmulator(token=TOKEN, rate=None) as emulator:
        yield emulator


def notion_config(tmp_path: Path, emu: NotionEmulator, *, vault: bool = True) -> Path:
    parent = emu.add_page("kbsync")
    path = example_config(tmp_path)
    text = path.read_text("utf-8")
    if not vault:
        text = re.sub(r"\[vault\]\n(.+\n)+", "", text)
    text += f'\n[notion]\nparent_page = "{parent}"\nbase_url = "{emu.base_url}"\nrequests_per_second = 1000\nretry_wait = 0.02\n'
    path.write_text(text, "utf-8")
    return path


def sync(config: Path, **kw):
    return run_sync(load_config(config), env={"NOTION_TOKEN": TOKEN}, **kw)


def data_sources(emu):
    return {"".join(t["plain_text"] for t in ds["title"]): ds for ds in emu.data_sources()}


def kb_ids(pages):
    return Counter("".join(t["plain_text"] for t in p["properties"]["KB ID"]["rich_text"]) for p in pages)


def plain(rich):
    return "".join(t["plain_text"] for t in rich)


def relation_ids(page, name):
    return {r["id"] for r in page["properties"].get(name, {}).get("relation", [])}


def test_example_feeds_make_two_databases_one_page_per_article_and_weekly_pages(tmp_path, emu):
    config = notion_config(tmp_path, emu)
    result = sync(config)
    assert not [p for p in result.problems if p.startswith("notion")], result.problems
    sources = data_sources(emu)
    assert set(sources) == {"Articles", "Weekly"}
    articles = emu.pages(sources["Articles"]["id"])
    with Store(tmp_path / ".kbsync" / "state.db") as store:
        ids = set(store.all_ids())
        edges = neighbours(store, ids)
    counts = kb_ids(articles)
    assert set(counts) == ids and set(counts.values()) == {1}
    # every related pair shows on both pages: set once, mirrored by the dual relation
    page_of = {next(iter(kb_ids([p]))): p for p in articles}
    id_of = {k: p["id"] for k, p in page_of.items()}
    for kb_id, page in page_of.items():
        # one Related column, the same on both pages of a pair
        assert relation_ids(page, "Related") == {id_of[n] for n in edges[kb_id]}, kb_id
        assert "Related from" not in page["properties"]
    weekly = emu.pages(sources["Weekly"]["id"])
    assert sorted(kb_ids(weekly)) == ["weekly-2026-W06", "weekly-2026-W07", "weekly-2026-W08", "weekly-2026-W09"]
    for page in weekly:
        linked = relation_ids(page, "Articles")
        assert linked and linked <= set(id_of.values())
        # the digest reads like a page a person wrote: headings and lists, not one grey box
        body = emu.children(page["id"])
        headings = [plain(b[b["type"]]["rich_text"]) for b in body if b["type"].startswith("heading_")]
        assert headings[0] == "Trends This Week" and {"Top 10", "By Category", "Top Sources"} <= set(headings)
        assert not [b for b in body if b["type"] == "callout"]
    # the Obsidian target ran beside it
    assert len(list((tmp_path / "vault" / "Articles").rglob("*.md"))) == len(ids)


def test_a_second_sync_sends_no_write_request(tmp_path, emu):
    config = notion_config(tmp_path, emu)
    sync(config)
    emu.clear_log()
    result = sync(config)
    assert emu.writes() == []
    assert result.notion.get("created", 0) == 0 and result.notion.get("updated", 0) == 0


def test_faults_and_lost_answers_leave_exactly_one_page_per_article(tmp_path, emu):
    config = notion_config(tmp_path, emu)
    # one in five requests fails (500/502/503/504), one in twenty is applied but its answer lost
    emu.set_faults(error_rate=0.2, lost_rate=0.05, seed=7)
    result = sync(config)
    assert not [p for p in result.problems if p.startswith("notion")], result.problems
    assert sum(r.fault == "lost" for r in emu.requests) > 0 and sum(r.fault == "error" for r in emu.requests) > 5
    sources = data_sources(emu)
    assert len(emu.data_sources()) == 2
    with Store(tmp_path / ".kbsync" / "state.db") as store:
        ids = set(store.all_ids())
    counts = kb_ids(emu.pages(sources["Articles"]["id"]))
    assert set(counts) == ids and set(counts.values()) == {1}
    assert len(emu.pages(sources["Weekly"]["id"])) == 4
    with Store(tmp_path / ".kbsync" / "state.db") as store:
        records = store.sync_records("notion")
    for page in emu.pages(sources["Articles"]["id"]) + emu.pages(sources["Weekly"]["id"]):
        record = records[next(iter(kb_ids([page])))]
        # exactly the blocks kbsync meant to write: no block twice after a retried append
        assert [fingerprint(b) for b in emu.children(page["id"])] == record.base()["body"]
    # nothing was left unfinished: a clean sync has nothing to send
    emu.set_faults()
    emu.clear_log()
    sync(config)
    assert emu.writes() == []


def test_readers_notion_edits_are_never_overwritten(tmp_path, emu):
    config = notion_config(tmp_path, emu)
    sync(config)
    ds = data_sources(emu)["Articles"]
    client_pages = emu.pages(ds["id"])
    page = client_pages[0]
    emu.edit_page(page["id"], {"Status": {"status": {"name": "read"}}, "Rating": {"number": 5},
                               "Tier": {"select": {"name": "skim"}}})
    # kbsync changes its own properties (another time zone moves every Published) ...
    text = config.read_text("utf-8").replace('timezone = "Asia/Shanghai"', 'timezone = "UTC"')
    config.write_text(text, "utf-8")
    emu.clear_log()
    sync(config)
    assert emu.writes(), "the change was not sent"
    after = emu.page(page["id"])
    # ... and the reader's Status and Rating survive; only changed owned properties were sent
    assert after["properties"]["Status"]["status"]["name"] == "read"
    assert after["properties"]["Rating"]["number"] == 5
    for request in emu.writes():
        assert not {"Status", "Rating"} & set((request.body or {}).get("properties", {}))


def test_a_lost_store_finds_the_databases_and_pages_again(tmp_path, emu):
    config = notion_config(tmp_path, emu)
    sync(config)
    shutil.rmtree(tmp_path / ".kbsync")
    shutil.rmtree(tmp_path / "vault")
    sync(config)
    assert len(emu.data_sources()) == 2
    sources = data_sources(emu)
    counts = kb_ids(emu.pages(sources["Articles"]["id"]))
    assert set(counts.values()) == {1}
    assert len(emu.pages(sources["Weekly"]["id"])) == 4


def test_a_page_trashed_in_notion_stays_deleted_unless_restore(tmp_path, emu):
    config = notion_config(tmp_path, emu)
    sync(config)
    ds = data_sources(emu)["Articles"]["id"]
    victim = emu.pages(ds)[0]
    victim_id = next(iter(kb_ids([victim])))
    emu.edit_page(victim["id"], in_trash=True)
    # every page changes (another time zone): the trashed one is noticed and left alone
    text = config.read_text("utf-8").replace('timezone = "Asia/Shanghai"', 'timezone = "UTC"')
    config.write_text(text, "utf-8")
    sync(config)
    sync(config)
    assert victim_id not in kb_ids(emu.pages(ds))
    with Store(tmp_path / ".kbsync" / "state.db") as store:
        assert store.sync_records("notion")[victim_id].state == "deleted"
    sync(config, restore=True)
    assert kb_ids(emu.pages(ds))[victim_id] == 1


def push(config: Path, article: Article, score: Score) -> RunResult:
    """One article and its score put in the store directly (values the importer and the scorers
    would refuse), then the Notion target alone run on it."""
    cfg = load_config(config)
    now = datetime.now(timezone.utc)
    result = RunResult()
    with Store(cfg.store_path) as store:
        store.save_articles([article], [], now)
        store.save_scores([score], now)
        targets = [t for t in configured_targets(cfg, store, {"NOTION_TOKEN": TOKEN}, now, result, dry_run=False)
                   if t.name == "notion"]
        run_targets(store, targets, {article.kb_id}, result)
    return result


def page_body(config: Path, emu, article: Article) -> list[dict]:
    """The body of the only page, ``article``'s, pushed alone (``push``) with a plain score."""
    score = Score(kb_id=article.kb_id, content_hash=article.content_hash, backend="test", score=60, tier="skim",
                  category="Other", summary="A post.")
    result = push(config, article, score)
    assert not result.problems, result.problems
    return emu.children(emu.pages(data_sources(emu)["Articles"]["id"])[0]["id"])


def test_oversized_content_is_chunked_or_trimmed_never_refused(tmp_path, emu):
    # the import schema and the scorers would refuse these values: put them in the store directly
    config = notion_config(tmp_path, emu, vault=False)
    article = Article(kb_id="big-1", url="https://example.com/" + "long/" * 600, title="An enormous article",
                      source="Big Feed", published=datetime(2026, 2, 10, 9, tzinfo=timezone.utc),
                      content="\n\n".join(("word " * 200).strip() for _ in range(10)) + "\n\n" + "x" * 10_000)
    score = Score(kb_id="big-1", content_hash=article.content_hash, backend="test", score=91, tier="must-read",
                  category="AI/Tech", tags=tuple(f"tag-{i}" for i in range(120)), summary="S" * 2500,
                  key_points=tuple(f"point {i}" for i in range(150)))
    result = push(config, article, score)
    assert not result.problems, result.problems
    assert not [r for r in emu.requests if r.status == 400], [r.body for r in emu.requests if r.status == 400][:1]
    ds = data_sources(emu)["Articles"]["id"]
    page = emu.pages(ds)[0]
    assert page["properties"]["URL"]["url"] is None
    # tags outside the configured vocabulary are kept as text, not 120 new options
    assert page["properties"]["Tags"]["multi_select"] == []
    more = "".join(t["plain_text"] for t in page["properties"]["More tags"]["rich_text"])
    assert more.startswith("tag-0, tag-1, ") and "tag-99" in more
    summary = "".join(t["plain_text"] for t in page["properties"]["Summary"]["rich_text"])
    assert summary == "S" * 2500
    body = emu.children(page["id"])
    assert sum(b["type"] == "bulleted_list_item" for b in body) == 150
    text = "".join(t["plain_text"] for b in body if b["type"] == "paragraph" for t in b["paragraph"]["rich_text"])
    assert "https://example.com/long/" in text and "word word" in text and "x" * 10_000 in text
    emu.clear_log()
    push(config, article, score)
    assert emu.writes() == []


def test_without_a_token_notion_is_skipped_and_the_vault_still_written(tmp_path, emu):
    config = notion_config(tmp_path, emu)
    result = run_sync(load_config(config), env={})
    assert "notion: NOTION_TOKEN is not set; the Notion target was skipped" in result.problems
    assert emu.data_sources() == []
    assert list((tmp_path / "vault" / "Articles").rglob("*.md"))


def test_a_notion_outage_does_not_stop_the_vault(tmp_path, emu):
    config = notion_config(tmp_path, emu)
    emu.set_faults(error_rate=1.0, statuses=(503,), seed=1)
    result = sync(config)
    assert [f for f in result.failures if f.startswith("notion:")] == result.failures != []
    assert len(list((tmp_path / "vault" / "Articles").rglob("*.md"))) == 78
    # the CLI says so in one line and exits non-zero; the vault is complete all the same
    emu.set_faults(error_rate=1.0, statuses=(503,), seed=2)
    out = CliRunner().invoke(main, ["sync", "--config", str(config)], env={"NOTION_TOKEN": TOKEN})
    assert out.exit_code == 1 and "kbsync: error: notion: " in out.output


def test_a_vault_that_cannot_be_written_does_not_stop_notion(tmp_path, emu):
    config = notion_config(tmp_path, emu)
    vault = tmp_path / "vault"
    vault.write_text("a file where the vault folder should be", "utf-8")
    result = sync(config)
    # every note write failed, each reported; Notion got every page all the same
    assert result.notes["error"] == 78 and "Not a directory" in result.problems[0]
    sources = data_sources(emu)
    assert len(emu.pages(sources["Articles"]["id"])) == 78
    vault.unlink()
    result = sync(config)
    assert not result.failures and result.notes["created"] == 78
    assert len(list((vault / "Articles").rglob("*.md"))) == 78


def test_doctor_says_whether_the_token_reaches_the_parent_page(tmp_path, emu):
    config = notion_config(tmp_path, emu)
    runner = CliRunner()
    ok = runner.invoke(main, ["doctor", "--config", str(config)], env={"NOTION_TOKEN": TOKEN})
    assert "ok    notion: token of" in ok.output and "reaches parent page 'kbsync'" in ok.output
    bad = runner.invoke(main, ["doctor", "--config", str(config)], env={"NOTION_TOKEN": "wrong"})
    assert bad.exit_code == 1 and "FAIL  notion: the token was refused (401)" in bad.output
    text = config.read_text("utf-8").replace(load_config(config).notion.parent_page, "0" * 32)
    config.write_text(text, "utf-8")
    unshared = runner.invoke(main, ["doctor", "--config", str(config)], env={"NOTION_TOKEN": TOKEN})
    assert unshared.exit_code == 1 and "is not visible to the integration" in unshared.output


def test_closing_line_reports_notion(tmp_path, emu):
    config = notion_config(tmp_path, emu)
    result = CliRunner().invoke(main, ["sync", "--config", str(config)], env={"NOTION_TOKEN": TOKEN})
    assert result.exit_code == 0, result.output
    assert "notion: 78 created, 4 created" not in result.output
    assert "notion: 82 created (" in result.output
    status = CliRunner().invoke(main, ["status", "--config", str(config)]).output
    assert "notion: 78 article pages, 4 weekly pages, 0 deleted by the reader" in status


def _note_of(tmp_path: Path, kb_id: str) -> Path:
    for path in (tmp_path / "vault" / "Articles").rglob("*.md"):
        if f"kb_id: {kb_id}" in path.read_text("utf-8"):
            return path
    raise AssertionError(kb_id)


def test_status_round_trip_obsidian_store_notion_and_back(tmp_path, emu):
    import logging

    from sync.targets.obsidian.edits import reconcile
    from sync.targets.obsidian.yamlfm import loads_note

    config = notion_config(tmp_path, emu)
    sync(config)
    cfg = load_config(config)
    ds = data_sources(emu)["Articles"]["id"]
    page = emu.pages(ds)[0]
    kb_id = next(iter(kb_ids([page])))
    note = _note_of(tmp_path, kb_id)
    # 1. the reader marks the note read in Obsidian; the watcher's reconcile records it
    text = note.read_text("utf-8").replace(f"kb_id: {kb_id}\n", f"kb_id: {kb_id}\nstatus: read\nrating: 4\n")
    note.write_text(text, "utf-8")
    with Store(cfg.store_path) as store:
        rel = str(note.relative_to(tmp_path / "vault"))
        report = reconcile(cfg, store, [rel], structural=False, now=datetime.now(timezone.utc),
                           log=logging.getLogger("test"))
    assert {(c.property, c.value) for c in report.changes} == {("status", "read"), ("rating", 4)}
    # 2. the next sync shows it in Notion, and sends nothing else
    emu.clear_log()
    sync(config)
    after = emu.page(page["id"])["properties"]
    assert after["Status"]["status"]["name"] == "read" and after["Rating"]["number"] == 4
    assert len(emu.writes()) == 1
    # 3. the reader changes it in Notion; the next sync writes it into the note
    emu.edit_page(page["id"], {"Status": {"status": {"name": "archived"}}})
    sync(config)
    props, _ = loads_note(note.read_text("utf-8"))
    assert props["status"] == "archived" and props["rating"] == 4
    # 4. and then everything is quiet: no write either way
    emu.clear_log()
    before = note.read_bytes()
    sync(config)
    assert emu.writes() == [] and note.read_bytes() == before


def test_a_note_marked_after_a_killed_run_created_its_page_keeps_the_mark_on_both_sides(tmp_path, emu):
    """A run killed right after Notion created a page leaves its record "creating" (the page
    unrecorded, with Notion's default Status); the reader marks the note before the next run.
    That run finds the page and must show the mark on it, as a create would have: else the
    next pull takes the default for the reader's edit in Notion and undoes the mark (seen as
    a rare failure of test_crash_safety's Notion kills)."""
    from sync.targets.obsidian.yamlfm import dumps_note, loads_note

    config = notion_config(tmp_path, emu)
    sync(config)
    note = sorted((tmp_path / "vault" / "Articles").rglob("*.md"))[0]
    props, body = loads_note(note.read_text("utf-8"))
    kb_id = props["kb_id"]
    with Store(tmp_path / ".kbsync" / "state.db") as store, store.conn:
        # as the target journals it before the create (``NotionTarget._create``), and a run killed
        # after Notion's answer leaves it
        body = store.sync_records("notion", [kb_id])[kb_id].base().get("body")
        store.conn.execute("UPDATE sync_records SET state='creating', path=NULL, owned_hash='', owned=?"
                           " WHERE target='notion' AND key=?", (json.dumps({"props": {}, "body": body}), kb_id))
    note.write_text(dumps_note({**props, "status": "later", "rating": 4}, body), "utf-8")
    result = sync(config)
    assert not [p for p in result.problems if p.startswith("notion")], result.problems
    pages = [p for p in emu.pages(data_sources(emu)["Articles"]["id"])
             if plain(p["properties"]["KB ID"]["rich_text"]) == kb_id]
    assert len(pages) == 1                                    # found, not created again
    assert pages[0]["properties"]["Status"]["status"]["name"] == "later"
    assert pages[0]["properties"]["Rating"]["number"] == 4
    for _ in range(2):
        sync(config)
    props, _ = loads_note(note.read_text("utf-8"))
    assert (props.get("status"), props.get("rating")) == ("later", 4)
    with Store(tmp_path / ".kbsync" / "state.db") as store:
        assert store.conn.execute("SELECT COUNT(*) FROM reader_changes WHERE origin='notion'").fetchone()[0] == 0


def test_a_note_marked_before_its_notion_page_exists_keeps_the_mark_on_both_sides(tmp_path, emu):
    """The reader marks notes while Notion is not set up yet (or its pages failed): the pages
    created later carry the marks, and no later pull takes Notion's default for an edit."""
    from sync.targets.obsidian.yamlfm import dumps_note, loads_note

    config = notion_config(tmp_path, emu)
    vault_only = tmp_path / "vault-only.toml"
    vault_only.write_text(re.sub(r"\n\[notion\]\n(.+\n)+", "\n", config.read_text("utf-8")), "utf-8")
    sync(vault_only)
    notes = sorted((tmp_path / "vault" / "Articles").rglob("*.md"))
    marks = {notes[0]: {"status": "later", "rating": 4},
             notes[1]: {"status": "reading now"}}          # a status Notion does not offer
    for note, mark in marks.items():
        props, body = loads_note(note.read_text("utf-8"))
        note.write_text(dumps_note({**props, **mark}, body), "utf-8")
    result = sync(config)
    assert not [p for p in result.problems if p.startswith("notion")], result.problems
    pages = {plain(p["properties"]["KB ID"]["rich_text"]): p for p in emu.pages(data_sources(emu)["Articles"]["id"])}
    for note, mark in marks.items():
        kb_id = loads_note(note.read_text("utf-8"))[0]["kb_id"]
        shown = pages[kb_id]["properties"]
        assert shown["Status"]["status"]["name"] == mark["status"]
        assert shown["Rating"]["number"] == mark.get("rating")
    untouched = next(p for k, p in pages.items() if k not in {loads_note(n.read_text("utf-8"))[0]["kb_id"]
                                                               for n in marks})
    assert untouched["properties"]["Status"]["status"]["name"] == "unread"   # Notion's default
    # later runs: the marks stay in the notes, and no edit is taken from Notion
    for _ in range(2):
        sync(config)
    for note, mark in marks.items():
        props, _ = loads_note(note.read_text("utf-8"))
        assert {k: props.get(k) for k in mark} == mark
    with Store(tmp_path / ".kbsync" / "state.db") as store:
        assert store.conn.execute("SELECT COUNT(*) FROM reader_changes WHERE origin='notion'").fetchone()[0] == 0


@pytest.mark.parametrize("refused", [False, True])
def test_a_notes_lone_image_is_an_image_block_or_text_where_notion_refuses_it(tmp_path, emu, monkeypatch, refused):
    import tests.notion_emulator.blocks as emulated
    from tests.notion_emulator.rules import content_problem, media_url

    picture = "https://cdn.example.com/render?id=7"   # Notion refuses some such addresses (notion-sdk-js#211)

    def strict(kind: str, url: str) -> str:
        if refused and url == picture:
            content_problem("Invalid image url.")
        return media_url(kind, url)

    monkeypatch.setattr(emulated, "media_url", strict)
    config = notion_config(tmp_path, emu, vault=False)
    article = Article(kb_id="img-1", url="https://example.com/post", title="A post with a header image",
                      source="Feed", published=datetime(2026, 2, 10, 9, tzinfo=timezone.utc),
                      content=f"![]({picture})\n\nThe post's first paragraph.")
    body = page_body(config, emu, article)
    images = [b for b in body if b["type"] == "image"]
    texts = [t["plain_text"] for b in body if b["type"] == "paragraph" for t in b["paragraph"]["rich_text"]]
    if refused:
        assert images == [] and f"image ({picture})" in texts
    else:
        assert [b["image"]["external"]["url"] for b in images] == [picture]
        assert not any(picture in t for t in texts)
    emu.clear_log()
    page_body(config, emu, article)
    assert emu.writes() == []                                      # and a second sync sends nothing


def test_a_feed_without_a_name_is_a_source_option_by_its_title_not_other_source(tmp_path, emu):
    # most readers list feeds by URL alone: the feed is called by its own title, in Notion too
    config = notion_config(tmp_path, emu, vault=False)
    config.write_text(config.read_text("utf-8").replace('name = "Simon Willison"\n', ""), "utf-8")
    result = sync(config)
    assert not result.failures and not result.problems, result.problems
    pages = emu.pages(data_sources(emu)["Articles"]["id"])
    sources = Counter((p["properties"]["Source"]["select"] or {}).get("name") for p in pages)
    others = Counter(plain(p["properties"]["Other source"]["rich_text"]) for p in pages)
    assert sources["Simon Willison's Weblog"] > 0 and None not in sources
    assert set(others) == {""}


def test_a_youtube_videos_page_starts_its_article_with_the_video(tmp_path, emu):
    config = notion_config(tmp_path, emu, vault=False)
    video = Article(kb_id="yt-1", url="https://www.youtube.com/watch?v=0A1ouV7iD8o", title="Navigating with Quantum "
                    "Entanglement", source="PBS Space Time", published=datetime(2026, 2, 10, 9, tzinfo=timezone.utc),
                    content="Check out Weathered on PBS Terra.")
    body = page_body(config, emu, video)
    kinds = [b["type"] for b in body]
    assert kinds[kinds.index("heading_2") + 1] == "video"
    assert body[kinds.index("video")]["video"]["external"]["url"] == "https://www.youtube.com/watch?v=0A1ouV7iD8o"


def test_an_entry_without_a_link_has_its_page_and_stops_no_run(tmp_path, emu):
    # RSS 2.0 lets an item be a title and a description alone: its page crashed every Notion run
    # (a TypeError on the missing URL), so no page at all was written after it
    config = notion_config(tmp_path, emu)
    long_text = "".join(f"<p>Paragraph {i} of a long post without a link.</p>" for i in range(320))
    feed = tmp_path / "nolink.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Linkless</title><link>https://l.example/</link>'
        '<item><title>A note without a link</title><description>Only a title and a description.</description>'
        '<pubDate>Tue, 10 Feb 2026 09:00:00 GMT</pubDate></item>'
        f'<item><title>A long post without a link</title><description><![CDATA[{long_text}]]></description>'
        '<pubDate>Tue, 10 Feb 2026 10:00:00 GMT</pubDate></item></channel></rss>', "utf-8")
    config.write_text(config.read_text("utf-8") + f'\n[[feeds]]\nurl = "{feed.as_uri()}"\nname = "Linkless"\n', "utf-8")
    result = sync(config)
    assert not result.failures and not result.problems, result.problems
    every = emu.pages(data_sources(emu)["Articles"]["id"])
    assert len(every) == len(list((tmp_path / "vault" / "Articles").rglob("*.md")))   # every article has both
    pages = {plain(p["properties"]["Name"]["title"]): p for p in every}
    short, long_ = pages["A note without a link"], pages["A long post without a link"]
    assert short["properties"]["URL"]["url"] is None and long_["properties"]["URL"]["url"] is None
    body = emu.children(long_["id"])
    texts = [plain(b[b["type"]]["rich_text"]) for b in body if "rich_text" in b.get(b["type"], {})]
    assert not any(t.startswith("Link:") for t in texts)
    assert texts[-1] == "… the rest is not shown: the article is longer than a Notion page holds."
