"""What a Notion user sees and pays for (issue 15, parts 2-6), against the emulator with the real client.

- a weekly digest changed after its first sync shows the change;
- one changed sentence costs at most 3 requests, and a note the reader added
  at the end of the page stays at the end;
- the schema stays bounded: every select and multi-select has at most 100
  options after the example feeds, and there is no Week select;
- a database the reader trashed is recreated in one run, cleanly;
- databases are found by listing the parent page, never by search;
- a 409 conflict is retried; a link Notion refuses is sent as plain text;
- views, icons, one Related column, native Status, key points without escapes.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from sync.config import load_config
from sync.models import Article, Score
from sync.targets.notion import blocks as notion_blocks
from sync.targets.notion.setup import definitions
from sync.pipeline import RunResult, sync_notion
from sync.rollups.digest import week_label
from sync.store import Store
from tests.notion_emulator import NotionEmulator
from tests.notion_emulator.testkit import client
from tests.test_notion_target import TOKEN, data_sources, kb_ids, notion_config, plain, relation_ids, sync


@pytest.fixture
def emu():
    with NotionEmulator(token=TOKEN, rate=None) as emulator:
        yield emulator


def push(config, touched: set[str]) -> RunResult:
    """One Notion pass for the articles in ``touched`` (as a sync does after they changed)."""
    cfg = load_config(config)
    result = RunResult()
    with Store(cfg.store_path) as store:
        sync_notion(store, cfg, {"NOTION_TOKEN": TOKEN}, touched, datetime.now(timezone.utc), result,
                    restore=False, dry_run=False, loaded=({}, {}))
    assert not result.failures, result.failures
    return result


def page_of(emu, ds_id: str, kb_id: str) -> dict:
    return next(p for p in emu.pages(ds_id) if next(iter(kb_ids([p]))) == kb_id)


def text_of(block: dict) -> str:
    return plain(block[block["type"]].get("rich_text", []))


def body_text(emu, page_id: str) -> str:
    """Every line of the page, children included."""
    lines = []
    for block in emu.children(page_id):
        lines.append(text_of(block))
        if block.get("has_children"):
            lines += [text_of(child) for child in emu.children(block["id"])]
    return "\n".join(lines)


# -- 2. digests that update ----------------------------------------------------------------------
def test_a_week_changed_after_its_first_sync_shows_the_change(tmp_path, emu):
    config = notion_config(tmp_path, emu, vault=False)
    sync(config)
    cfg = load_config(config)
    now = datetime.now(timezone.utc)
    with Store(cfg.store_path) as store:
        articles = store.get_articles(store.all_ids())
        scores = {k: s for k, s in store.scored_articles(articles)[1].items()}
        # the week with the most articles; its best article is retitled, and a new one scores 98
        weeks: dict[str, list[Article]] = {}
        for a in articles.values():
            weeks.setdefault(week_label(a.published, cfg.rollups), []).append(a)
        label, members = max(weeks.items(), key=lambda kv: len(kv[1]))
        best = max(members, key=lambda a: scores[a.kb_id].score)
        retitled = dataclasses.replace(best, title="Retitled: the week's best article")
        fresh = Article(kb_id="fresh-98", url="https://example.com/fresh-98", title="A new article that scores 98",
                        source="Simon Willison", published=best.published + timedelta(minutes=5),
                        content="Something worth reading this week.")
        store.save_articles([retitled, fresh], [], now)
        store.save_scores([dataclasses.replace(scores[best.kb_id], content_hash=retitled.content_hash),
                           Score(kb_id="fresh-98", content_hash=fresh.content_hash, backend="test", score=98,
                                 tier="must-read", category="AI/Tech", tags=("agents",), summary="New.",
                                 key_points=())], now)
    weekly_ds = data_sources(emu)["Weekly"]["id"]
    week_page = page_of(emu, weekly_ds, f"weekly-{label}")
    before = body_text(emu, week_page["id"])
    scanned = week_page["properties"]["Scanned"]["number"]
    assert "A new article that scores 98" not in before and f"{scanned} articles scanned" in before
    push(config, {best.kb_id, "fresh-98"})
    after = body_text(emu, week_page["id"])
    assert "Retitled: the week's best article" in after and "A new article that scores 98" in after
    assert f"{scanned + 1} articles scanned" in after
    # the counts are properties too; the new article heads the Top 10 as a page mention
    props = emu.page(week_page["id"])["properties"]
    assert props["Scanned"]["number"] == scanned + 1
    body = emu.children(week_page["id"])
    top = [b for b in body if b["type"] == "numbered_list_item"]
    first = top[0]["numbered_list_item"]["rich_text"]
    fresh_page = page_of(emu, data_sources(emu)["Articles"]["id"], "fresh-98")
    assert any(i["type"] == "mention" and i["mention"]["page"]["id"] == fresh_page["id"] for i in first)
    assert "98" in plain(first)


# -- 3. body updates that cost what changed ----------------------------------------------------------
def _article_with_content(store: Store) -> tuple[Article, Score]:
    articles = store.get_articles(store.all_ids())
    scores = store.scored_articles(articles)[1]
    for a in sorted(articles.values(), key=lambda a: a.kb_id):
        paragraphs = [p for p in (a.content or "").split("\n\n") if len(p) > 80 and not p.startswith(("#", "-", "*", ">", "|"))]
        if len(paragraphs) >= 2:
            return a, scores[a.kb_id]
    raise AssertionError("no article with two paragraphs")


def _change_sentence(config, article: Article, score: Score, old: str, new: str) -> None:
    cfg = load_config(config)
    changed = dataclasses.replace(article, content=article.content.replace(old, new, 1))
    with Store(cfg.store_path) as store:
        now = datetime.now(timezone.utc)
        store.save_articles([changed], [], now)
        store.save_scores([dataclasses.replace(score, content_hash=changed.content_hash)], now)


def test_one_changed_sentence_costs_at_most_three_requests_and_the_readers_note_stays_at_the_end(tmp_path, emu):
    config = notion_config(tmp_path, emu, vault=False)
    sync(config)
    cfg = load_config(config)
    with Store(cfg.store_path) as store:
        article, score = _article_with_content(store)
    ds = data_sources(emu)["Articles"]["id"]
    page_id = page_of(emu, ds, article.kb_id)["id"]
    # the reader adds a note at the end of the page
    notion = client(emu)
    notion.blocks.children.append(page_id, children=[{"type": "paragraph", "paragraph": {
        "rich_text": [{"type": "text", "text": {"content": "My note: follow up on this."}}]}}])
    blocks_before = emu.children(page_id)
    words = [w for w in article.content.split() if w.isalpha() and len(w) > 4]
    for round_, word in enumerate(words[:2]):  # first with block ids unknown, then known
        emu.clear_log()
        _change_sentence(config, article, score, word, word.upper())
        article = dataclasses.replace(article, content=article.content.replace(word, word.upper(), 1))
        push(config, {article.kb_id})
        page_requests = [r for r in emu.requests if "/blocks/" in r.path or "/pages/" in r.path]
        # the first time the block ids are read once (a page is created in one call); then one PATCH
        assert len(page_requests) <= (3 if round_ == 0 else 1), [(r.method, r.path) for r in page_requests]
        assert [r.method for r in page_requests if r.method != "GET"] == ["PATCH"]
        listed = emu.children(page_id)
        assert word.upper() in "\n".join(text_of(b) for b in listed)
        # the reader's note is still the last block, and no other block moved or was replaced
        assert text_of(listed[-1]) == "My note: follow up on this."
        assert [b["id"] for b in listed] == [b["id"] for b in blocks_before]


def test_an_edit_that_adds_and_removes_paragraphs_keeps_order_and_the_readers_blocks(tmp_path, emu):
    config = notion_config(tmp_path, emu, vault=False)
    sync(config)
    cfg = load_config(config)
    with Store(cfg.store_path) as store:
        article, score = _article_with_content(store)
    ds = data_sources(emu)["Articles"]["id"]
    page_id = page_of(emu, ds, article.kb_id)["id"]
    notion = client(emu)
    note = {"type": "paragraph", "paragraph": {"rich_text": [{"type": "text", "text": {"content": "Reader: top note"}}]}}
    first = emu.children(page_id)[0]["id"]
    # a note of the reader's between kbsync's first and second block, and one at the end
    notion.blocks.children.append(page_id, children=[note], position={"type": "after_block",
                                                                      "after_block": {"id": first}})
    end_note = {"type": "paragraph", "paragraph": {"rich_text": [{"type": "text", "text": {"content": "Reader: end"}}]}}
    notion.blocks.children.append(page_id, children=[end_note])
    paragraphs = article.content.split("\n\n")
    edited = dataclasses.replace(article, content="\n\n".join(
        [paragraphs[0], "A brand new paragraph in the middle."] + paragraphs[2:] + ["And a new last paragraph."]))
    with Store(cfg.store_path) as store:
        now = datetime.now(timezone.utc)
        store.save_articles([edited], [], now)
        store.save_scores([dataclasses.replace(score, content_hash=edited.content_hash)], now)
    push(config, {article.kb_id})
    texts = [text_of(b) for b in emu.children(page_id)]
    assert texts[1] == "Reader: top note" and texts[-1] == "Reader: end"
    ours = [t for t in texts if not t.startswith("Reader:")]
    assert ours.index("A brand new paragraph in the middle.") < ours.index("And a new last paragraph.")
    assert ours[-1] == "And a new last paragraph."
    assert not any(plain_text == paragraphs[1].strip() for plain_text in ours)
    # what Notion shows is what the record says: a second pass sends nothing
    emu.clear_log()
    push(config, {article.kb_id})
    assert emu.writes() == []


# -- 4. a schema that stays bounded ----------------------------------------------------------------
def test_after_the_example_feeds_every_select_has_at_most_100_options(tmp_path, emu):
    config = notion_config(tmp_path, emu)
    sync(config)
    sources = data_sources(emu)
    for ds in sources.values():
        for name, prop in ds["properties"].items():
            if prop["type"] in ("select", "multi_select", "status"):
                assert len(prop[prop["type"]]["options"]) <= 100, name
    articles = sources["Articles"]
    assert "Week" not in articles["properties"] and "Related from" not in articles["properties"]
    # Tags hold the configured vocabulary (here: the interests); the rest is text in "More tags"
    cfg = load_config(config)
    tag_options = {o["name"] for o in articles["properties"]["Tags"]["multi_select"]["options"]}
    assert tag_options and len(tag_options) <= len(cfg.scoring.interests)
    more = [plain(p["properties"]["More tags"]["rich_text"]) for p in emu.pages(articles["id"])]
    assert any(more)
    sources_options = {o["name"] for o in articles["properties"]["Source"]["select"]["options"]}
    assert sources_options <= {f.name for f in cfg.feeds}


# -- 5. recovery -----------------------------------------------------------------------------------
@pytest.mark.parametrize("victim", ["Weekly", "Articles"])
def test_a_trashed_database_is_recreated_cleanly_in_one_run(tmp_path, emu, victim):
    config = notion_config(tmp_path, emu, vault=False)
    sync(config)
    old = data_sources(emu)[victim]
    notion = client(emu)
    notion.databases.update(old["parent"]["database_id"], in_trash=True)
    result = sync(config)
    assert not result.failures, result.failures
    notices = [p for p in result.problems if "database was deleted" in p]
    assert notices == [f"notion: the {victim} database was deleted in Notion; created it again and sending "
                       "its pages anew"]
    alive = {"".join(t["plain_text"] for t in ds["title"]): ds for ds in emu.data_sources() if not ds["in_trash"]}
    assert set(alive) == {"Articles", "Weekly"} and alive[victim]["id"] != old["id"]
    articles, weekly = alive["Articles"], alive["Weekly"]
    # one relation each way, to the live data sources, under unique names
    relations = [n for n, p in articles["properties"].items() if p["type"] == "relation"]
    assert sorted(relations) == ["Related", "Weekly"]
    assert articles["properties"]["Weekly"]["relation"]["data_source_id"] == weekly["id"]
    assert weekly["properties"]["Articles"]["relation"]["data_source_id"] == articles["id"]
    assert len(emu.pages(articles["id"])) == 78 and len(emu.pages(weekly["id"])) == 4
    for page in emu.pages(weekly["id"]):
        assert relation_ids(page, "Articles")
    # and the run after that is quiet
    emu.clear_log()
    again = sync(config)
    assert emu.writes() == [] and not [p for p in again.problems if p.startswith("notion")]


def test_databases_are_found_by_listing_the_parent_page_never_by_search(tmp_path, emu):
    import shutil

    config = notion_config(tmp_path, emu, vault=False)
    emu.set_search_lag(3600)                     # search would not show the new databases for an hour
    # every database create's answer is lost (applied, no answer): found under the page, not sent again
    emu.set_faults(lost_rate=1.0, methods=("POST",), paths=("/v1/databases",), seed=1)
    sync(config)
    assert sum(r.fault == "lost" for r in emu.requests) == 2
    emu.set_faults()
    shutil.rmtree(tmp_path / ".kbsync")          # a lost store: the ids must be found again
    sync(config)
    assert len(emu.data_sources()) == 2
    assert not [r for r in emu.requests if r.path.rstrip("/") == "/v1/search"]
    assert [r for r in emu.requests if r.method == "GET" and r.path.endswith("/children")]


def test_conflicts_are_retried_and_leave_one_page_per_article(tmp_path, emu):
    config = notion_config(tmp_path, emu, vault=False)
    emu.set_faults(conflict_rate=0.15, seed=3)
    result = sync(config)
    assert not result.failures and not [p for p in result.problems if p.startswith("notion")], result.problems
    assert sum(r.status == 409 for r in emu.requests) > 5
    ds = data_sources(emu)
    assert set(kb_ids(emu.pages(ds["Articles"]["id"])).values()) == {1}
    assert len(emu.data_sources()) == 2


def test_a_link_notion_refuses_is_sent_as_plain_text(tmp_path, emu, monkeypatch):
    # kbsync keeps such links out; suppose one got through and Notion refused it
    monkeypatch.setattr(notion_blocks, "_safe_url", lambda url: url or None)
    config = notion_config(tmp_path, emu, vault=False)
    cfg = load_config(config)
    now = datetime.now(timezone.utc)
    article = Article(kb_id="bad-link", url="https://example.com/a", title="A page with a bad link", source="X",
                      published=datetime(2026, 2, 10, 9, tzinfo=timezone.utc),
                      content="See [this](javascript:alert(1)) and [that](https://example.com/ok).")
    with Store(cfg.store_path) as store:
        store.save_articles([article], [], now)
        store.save_scores([Score(kb_id="bad-link", content_hash=article.content_hash, backend="test", score=80,
                                 tier="worth-reading", category="AI/Tech", tags=(), summary="S.", key_points=())], now)
    result = push(config, {"bad-link"})
    assert not result.problems and not result.failures, result.problems
    assert any(r.status == 400 for r in emu.requests)
    page = page_of(emu, data_sources(emu)["Articles"]["id"], "bad-link")
    text = body_text(emu, page["id"])
    assert "this (javascript:alert(1))" in text and "that (https://example.com/ok)" in text
    # remembered: the next change is sent as text at once, with no refusal
    emu.clear_log()
    changed = dataclasses.replace(article, content=article.content + "\n\nMore.")
    with Store(cfg.store_path) as store:
        store.save_articles([changed], [], now)
        store.save_scores([Score(kb_id="bad-link", content_hash=changed.content_hash, backend="test", score=80,
                                 tier="worth-reading", category="AI/Tech", tags=(), summary="S.", key_points=())], now)
    push(config, {"bad-link"})
    assert not [r for r in emu.requests if r.status == 400] and "More." in body_text(emu, page["id"])


# -- 6. what a Notion user expects ---------------------------------------------------------------------
def test_icons_native_status_and_key_points_without_escapes(tmp_path, emu):
    config = notion_config(tmp_path, emu, vault=False)
    cfg = load_config(config)
    now = datetime.now(timezone.utc)
    article = Article(kb_id="dollars", url="https://example.com/d", title="Prices", source="X",
                      published=datetime(2026, 2, 10, 9, tzinfo=timezone.utc), content="Body.")
    with Store(cfg.store_path) as store:
        store.save_articles([article], [], now)
        store.save_scores([Score(kb_id="dollars", content_hash=article.content_hash, backend="test", score=90,
                                 tier="must-read", category="AI/Tech", tags=(), summary="S.",
                                 key_points=(r"It costs \$5 per **million** tokens",))], now)
    push(config, {"dollars"})
    sources = data_sources(emu)
    spec = definitions()
    notion = client(emu)
    for kind, title in (("articles", "Articles"), ("weekly", "Weekly")):
        database = notion.databases.retrieve(sources[title]["parent"]["database_id"])
        assert database["icon"] == {"type": "emoji", "emoji": spec[kind]["icon"]}
    assert sources["Articles"]["properties"]["Status"]["type"] == "status"
    assert sources["Articles"]["properties"]["Rating"]["type"] == "number"
    page = page_of(emu, sources["Articles"]["id"], "dollars")
    assert page["icon"] == {"type": "emoji", "emoji": "🔥"}
    point = next(b for b in emu.children(page["id"]) if b["type"] == "bulleted_list_item")
    items = point["bulleted_list_item"]["rich_text"]
    assert plain(items) == "It costs $5 per million tokens"
    assert any(i["plain_text"] == "million" and i["annotations"]["bold"] for i in items)
    week = page_of(emu, sources["Weekly"]["id"], "weekly-" + week_label(article.published, cfg.rollups))
    assert week["icon"]["emoji"] == "🗓️"


def test_the_views_exist_after_a_first_sync_and_kb_id_is_hidden(tmp_path, emu):
    config = notion_config(tmp_path, emu, vault=False)
    sync(config)
    notion = client(emu)
    sources = data_sources(emu)
    expected = {"Articles": ["Must read this week", "Unread", "By category", "By week"], "Weekly": ["By date"]}
    for title, names in expected.items():
        ds = sources[title]
        kb_id = ds["properties"]["KB ID"]["id"]
        listed = notion.views.list(database_id=ds["parent"]["database_id"])["results"]
        views = [notion.views.retrieve(v["id"]) for v in listed]
        # Notion's own default view first, then kbsync's, each once
        assert [v["name"] for v in views][1:] == names
        for view in views:
            shown = {p["property_id"]: p.get("visible", True) for p in view["configuration"].get("properties") or []}
            assert shown.get(kb_id) is False, (title, view["name"])
    board = next(v for v in views_of(notion, sources["Articles"]) if v["name"] == "By category")
    assert board["type"] == "board"
    assert board["configuration"]["group_by"]["property_id"] == sources["Articles"]["properties"]["Category"]["id"]
    by_week = next(v for v in views_of(notion, sources["Articles"]) if v["name"] == "By week")
    assert by_week["configuration"]["group_by"]["group_by"] == "week"
    unread = next(v for v in views_of(notion, sources["Articles"]) if v["name"] == "Unread")
    assert unread["sorts"] == [{"property": "Score", "direction": "descending"}]
    # created once: a second sync leaves the views (and anything the reader changed in them) alone
    emu.clear_log()
    sync(config)
    assert not [r for r in emu.requests if "/views" in r.path]


def views_of(notion, ds) -> list[dict]:
    return [notion.views.retrieve(v["id"]) for v in notion.views.list(database_id=ds["parent"]["database_id"])["results"]]


def test_the_readers_tag_edits_in_notion_reach_the_note_and_back(tmp_path, emu):
    from tests.test_notion_target import _note_of
    from sync.targets.obsidian.yamlfm import loads_note

    config = notion_config(tmp_path, emu)
    sync(config)
    ds = data_sources(emu)["Articles"]
    page = next(p for p in emu.pages(ds["id"]) if p["properties"]["Tags"]["multi_select"])
    kb_id = next(iter(kb_ids([page])))
    note = _note_of(tmp_path, kb_id)
    before = loads_note(note.read_text("utf-8"))[0]["tags"]
    dropped = page["properties"]["Tags"]["multi_select"][0]["name"]
    assert dropped in before
    kept = [{"name": o["name"]} for o in page["properties"]["Tags"]["multi_select"][1:]]
    # in Notion the reader removes a tag and writes one of their own into More tags
    more = plain(page["properties"]["More tags"]["rich_text"])
    emu.edit_page(page["id"], {"Tags": {"multi_select": kept},
                               "More tags": {"rich_text": [{"type": "text", "text": {
                                   "content": (more + ", " if more else "") + "my-notion-tag"}}]}})
    sync(config)
    after = loads_note(note.read_text("utf-8"))[0]["tags"]
    assert "my-notion-tag" in after and dropped not in after
    assert set(after) - {"my-notion-tag"} <= set(before)
    # settled: nothing echoes back and forth
    emu.clear_log()
    quiet = note.read_bytes()
    sync(config)
    assert emu.writes() == [] and note.read_bytes() == quiet


OLD_ARTICLES = {  # what kbsync created before issue 15 (schemas/notion_data_sources.json then)
    "Name": {"title": {}}, "URL": {"url": {}}, "Score": {"number": {"format": "number"}},
    "Tier": {"select": {"options": [{"name": "must-read"}, {"name": "worth-reading"}, {"name": "skim"}]}},
    "Category": {"select": {}}, "Tags": {"multi_select": {}}, "Source": {"select": {}}, "Published": {"date": {}},
    "Summary": {"rich_text": {}}, "Week": {"select": {}},
    "Status": {"select": {"options": [{"name": "unread"}, {"name": "reading"}, {"name": "read"}]}},
    "Rating": {"number": {"format": "number"}}, "KB ID": {"rich_text": {}}}
OLD_WEEKLY = {"Name": {"title": {}}, "Dates": {"date": {}}, "Scanned": {"number": {}}, "Must read": {"number": {}},
              "Worth reading": {"number": {}}, "KB ID": {"rich_text": {}}}


def test_databases_of_an_earlier_kbsync_are_brought_up_to_date(tmp_path, emu):
    from tests.notion_emulator.testkit import new_source

    config = notion_config(tmp_path, emu, vault=False)
    parent = load_config(config).notion.parent_page
    notion = client(emu)
    articles = new_source(notion, parent, "Articles", OLD_ARTICLES)
    weekly = new_source(notion, parent, "Weekly", OLD_WEEKLY)
    notion.data_sources.update(articles["id"], properties={"Related": {"relation": {
        "data_source_id": articles["id"], "type": "dual_property",
        "dual_property": {"synced_property_name": "Related from"}}}})
    notion.data_sources.update(weekly["id"], properties={"Articles": {"relation": {
        "data_source_id": articles["id"], "type": "dual_property",
        "dual_property": {"synced_property_name": "Weekly"}}}})
    result = sync(config)
    assert not result.failures and not [p for p in result.problems if p.startswith("notion")], result.problems
    assert len(emu.data_sources()) == 2
    props = notion.data_sources.retrieve(articles["id"])["properties"]
    assert "Week" not in props and "Related from" not in props
    assert props["Related"]["relation"]["type"] == "single_property"
    assert {"More tags", "Other source"} <= set(props)
    # the reader's Status keeps its type (the API cannot change it) and still works
    assert props["Status"]["type"] == "select"
    page = emu.pages(articles["id"])[0]
    emu.edit_page(page["id"], {"Status": {"select": {"name": "read"}}})
    sync(config)
    with Store(load_config(config).store_path) as store:
        from sync.edits.journal import entries
        kb_id = next(iter(kb_ids([page])))
        assert [(c.property, c.value, c.origin) for c in entries(store, [kb_id])] == [("status", "read", "notion")]
    assert [v["name"] for v in views_of(notion, articles)][-4:] == ["Must read this week", "Unread", "By category",
                                                                      "By week"]
    emu.clear_log()
    sync(config)
    assert emu.writes() == []


def test_a_trashed_page_is_recognised_by_in_trash_whatever_notion_calls_it(tmp_path, emu, monkeypatch):
    from tests.notion_emulator import pages as emulator_pages
    from tests.notion_emulator.common import rejected

    # a later API version words the refusal without "archived" (2026-03-11 renames it)
    monkeypatch.setattr(emulator_pages, "archived_page",
                        lambda: rejected("Can't update a page that is in the trash. Restore it first."))
    config = notion_config(tmp_path, emu, vault=False)
    sync(config)
    ds = data_sources(emu)["Articles"]["id"]
    victim = emu.pages(ds)[0]
    kb_id = next(iter(kb_ids([victim])))
    emu.edit_page(victim["id"], in_trash=True)
    text = config.read_text("utf-8").replace('timezone = "Asia/Shanghai"', 'timezone = "UTC"')
    config.write_text(text, "utf-8")
    emu.clear_log()
    result = sync(config)
    assert [r for r in emu.requests if r.status == 400 and victim["id"] in r.path]
    assert not [p for p in result.problems if kb_id in p], result.problems
    with Store(load_config(config).store_path) as store:
        assert store.sync_records("notion")[kb_id].state == "deleted"


def test_a_readers_property_named_like_the_synced_relation_keeps_its_name(tmp_path, emu):
    config = notion_config(tmp_path, emu, vault=False)
    sync(config)
    sources = data_sources(emu)
    notion = client(emu)
    # the reader renames kbsync's Weekly column away and makes a "Weekly" text property of their own,
    # then trashes the Weekly database: the new relation must not take their property's name
    notion.data_sources.update(sources["Articles"]["id"], properties={"Weekly": {"name": "Old weekly"}})
    notion.data_sources.update(sources["Articles"]["id"], properties={"Weekly": {"rich_text": {}}})
    notion.databases.update(sources["Weekly"]["parent"]["database_id"], in_trash=True)
    result = sync(config)
    assert not result.failures, result.failures
    props = notion.data_sources.retrieve(sources["Articles"]["id"])["properties"]
    assert props["Weekly"]["type"] == "rich_text"
    assert props["Weekly (kbsync)"]["type"] == "relation"
    assert "Old weekly" not in props        # the old relation (to the trashed database) was removed
