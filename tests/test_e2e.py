"""End to end through the CLI: example feeds -> a temporary vault.

These tests run the real commands (click's runner, in-process) on the bundled
example feeds and on feeds served by a local HTTP server, and check what a
reader would check in Obsidian: one note per article, every link resolves, a
second sync changes nothing, the reader's edits survive.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from sync.cli import main
from sync.targets.obsidian.yamlfm import loads_note
from tests.feedserver import FeedServer, Redirect, Static, Status

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "feeds"
WIKILINK = re.compile(r"\[\[([^\]|#]+)(?:#[^\]|]*)?(?:\\?\|[^\]]*)?\]\]")


def make_config(tmp_path: Path, feeds: list[tuple[str, str]], extra: str = "") -> Path:
    lines = ['[vault]', 'path = "vault"', '[scoring]', 'backend = "heuristic"',
             'categories = ["AI/Tech", "AI 使用", "Builder 实践", "YouTube"]',
             'interests = ["agents", "LLM training", "智能体", "大模型"]', '[rollups]',
             'timezone = "Asia/Shanghai"', extra]
    for url, name in feeds:
        lines += ["[[feeds]]", f'url = "{url}"', f'name = "{name}"']
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def example_config(tmp_path: Path) -> Path:
    text = (ROOT / "config.toml").read_text("utf-8").replace('"examples/feeds/', f'"{EXAMPLES}/')
    path = tmp_path / "config.toml"
    path.write_text(text, "utf-8")
    return path


def kbsync(*args: str, ok: bool = True):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def snapshot(vault: Path) -> dict[str, tuple[int, bytes]]:
    return {str(p.relative_to(vault)): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(vault.rglob("*")) if p.is_file()}


def notes(vault: Path) -> list[Path]:
    return sorted((vault / "Articles").rglob("*.md"))


def store_count(tmp_path: Path, sql: str) -> int:
    with sqlite3.connect(tmp_path / ".kbsync" / "state.db") as conn:
        return conn.execute(sql).fetchone()[0]


def broken_links(vault: Path) -> list[str]:
    names = {p.stem.casefold() for p in vault.rglob("*.md")} | \
            {str(p.relative_to(vault).with_suffix("")).casefold() for p in vault.rglob("*.md")} | \
            {p.name.casefold() for p in vault.rglob("*.base")}
    broken = []
    for page in vault.rglob("*.md"):
        if "Templates" in page.parts:
            continue
        for target in WIKILINK.findall(page.read_text("utf-8")):
            target = target.strip().removesuffix("\\")
            if target.casefold() not in names:
                broken.append(f"{page.relative_to(vault)} -> {target}")
    return broken


@pytest.fixture
def synced(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = example_config(tmp_path)
    kbsync("init", "vault")
    result = kbsync("sync", "--config", str(config))
    return tmp_path, tmp_path / "vault", config, result


def test_example_feeds_make_a_complete_vault(synced):
    tmp_path, vault, _, result = synced
    articles = store_count(tmp_path, "SELECT COUNT(*) FROM articles")
    assert articles >= 60
    assert len(notes(vault)) == articles
    assert (vault / "Home.md").exists() and (vault / "Articles.base").exists()
    assert (vault / ".obsidian" / "types.json").exists()
    assert re.search(rf"^{articles} articles scanned \| \d+ must read \| \d+ worth reading$", result.output, re.M)
    assert broken_links(vault) == []
    # same story from two feeds (same canonical URL) is one article with both sources
    assert store_count(tmp_path, "SELECT COUNT(*) FROM articles WHERE json_array_length(sources) > 1") >= 5


def test_note_properties_have_obsidian_types(synced):
    import json
    from datetime import datetime

    import jsonschema

    _, vault, _, _ = synced
    schema = json.loads((ROOT / "schemas" / "note.schema.json").read_text("utf-8"))
    for note in notes(vault):
        props, body = loads_note(note.read_text("utf-8"))
        assert isinstance(props["published"], datetime)
        jsonschema.validate({**props, "published": props["published"].isoformat()}, schema)
        assert isinstance(props["score"], int) and 0 <= props["score"] <= 100
        assert props["tier"] in ("must-read", "worth-reading", "skim")
        assert "T" in note.read_text("utf-8").split("published: ", 1)[1].split("\n", 1)[0]
        assert all(re.fullmatch(r"[^\s#]+", t) and not t.isdigit() for t in props["tags"])
        assert props["kb_id"].startswith("kb-")
        assert props["week"].startswith("[[") and "%% kbsync:begin %%" in body


def test_second_sync_writes_nothing(synced):
    _, vault, config, _ = synced
    before = snapshot(vault)
    result = kbsync("sync", "--config", str(config))
    assert snapshot(vault) == before
    assert "notes: none to write; rollups: none to write" in result.output


def test_rescore_with_unchanged_scores_writes_nothing(synced):
    _, vault, config, _ = synced
    before = snapshot(vault)
    kbsync("sync", "--config", str(config), "--rescore")
    assert snapshot(vault) == before


def test_dry_run_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = example_config(tmp_path)
    result = kbsync("sync", "--config", str(config), "--dry-run")
    assert "dry run" in result.output and "created" in result.output
    assert not (tmp_path / "vault").exists()
    assert not (tmp_path / ".kbsync" / "state.db").exists()


def test_readers_edits_survive_an_update(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    feed = tmp_path / "feed.xml"
    item = ("<item><title>{title}</title><link>https://example.com/{n}</link>"
            "<pubDate>Mon, 23 Feb 2026 10:00:00 GMT</pubDate><description>{body}</description>"
            "<category>agents</category></item>")

    def write_feed(title0: str, body0: str) -> None:
        items = item.format(title=title0, n=0, body=body0) + "".join(
            item.format(title=f"Other story {n}", n=n, body=f"Text {n} about agents.") for n in (1, 2))
        feed.write_text(f"<rss version='2.0'><channel><title>T</title>{items}</channel></rss>", "utf-8")

    write_feed("Agents everywhere", "First version of the story about agents.")
    config = make_config(tmp_path, [(str(feed), "Test Feed")])
    kbsync("sync", "--config", str(config))
    vault = tmp_path / "vault"
    edited = next(p for p in notes(vault) if "Agents everywhere" in p.name)
    text = edited.read_text("utf-8")
    text = text.replace("kb_id:", "status: read\nrating: 5\nmy_key: keep me\nkb_id:")
    text = text.replace("tags:\n", "tags:\n  - my-own-tag\n")
    text += "\nMy thoughts on this piece.\n"
    edited.write_text(text, "utf-8")
    moved = next(p for p in notes(vault) if "Other story 1" in p.name)
    moved.rename(vault / "Moved by reader.md")
    deleted = next(p for p in notes(vault) if "Other story 2" in p.name)
    deleted.unlink()

    write_feed("Agents everywhere", "Second version: much longer text about agents and more.")
    result = kbsync("sync", "--config", str(config))
    props, body = loads_note(edited.read_text("utf-8"))
    assert props["status"] == "read" and props["rating"] == 5 and props["my_key"] == "keep me"
    # the feed's <category>agents</category> and the interest "agents", folded to one tag (issue 13)
    assert "my-own-tag" in props["tags"] and "agent" in props["tags"] and "agents" not in props["tags"]
    assert "My thoughts on this piece." in body
    assert "Second version" in body and "First version" not in body
    assert (vault / "Moved by reader.md").exists()
    assert not any("Other story 1" in p.name for p in notes(vault))
    assert not any("Other story 2" in p.name for p in notes(vault))
    status = kbsync("status", "--config", str(config)).output
    assert "1 deleted by the reader" in status and "reader status: read 1" in status
    assert "error" not in result.output.lower()

    kbsync("sync", "--config", str(config), "--restore")
    assert any("Other story 2" in p.name for p in notes(vault))
    assert not any("Other story 1" in p.name for p in notes(vault))   # moved, not duplicated


HOSTILE = [
    "../../../etc/passwd", "CON", "title: x\n---\nevil: true", "[[Injected]] | #tag ^block %% kbsync:end %%",
    "A" * 10_000, "🚀" * 300, "مرحبا بالعالم — RTL", "?!?...", "<script>alert(1)</script>Script title",
]


def test_hostile_titles_stay_inside_the_vault_and_round_trip(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from xml.sax.saxutils import escape

    items = "".join(
        f"<item><title>{escape(t)}</title><link>https://example.com/h{n}</link>"
        f"<pubDate>Mon, 23 Feb 2026 10:00:00 GMT</pubDate><description>body {n}</description></item>"
        for n, t in enumerate(HOSTILE))
    feed = tmp_path / "hostile.xml"
    feed.write_text(f"<rss version='2.0'><channel><title>H</title>{items}</channel></rss>", "utf-8")
    config = make_config(tmp_path, [(str(feed), "Hostile")])
    kbsync("sync", "--config", str(config))
    vault = tmp_path / "vault"
    written = notes(vault)
    assert len(written) == len(HOSTILE)
    assert not (tmp_path / "etc").exists()
    for note in written:
        assert note.resolve().is_relative_to(vault.resolve())
        assert len(note.name.encode()) <= 255
        assert not re.search(r'[<>:"\\|?*#^\[\]]', note.name)
        props, body = loads_note(note.read_text("utf-8"))
        assert body.count("%% kbsync:end %%") == 1
        assert "<script>" not in note.read_text("utf-8")
    titles = {loads_note(n.read_text("utf-8"))[0]["title"] for n in written}
    assert "title: x --- evil: true" in titles
    assert broken_links(vault) == []


def test_bad_feeds_are_reported_and_skipped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bad = {
        "truncated.xml": b"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title><item><title>Cut",
        "html.xml": b"<!DOCTYPE html><html><head><title>Blog</title></head><body><p>Hi</p></body></html>",
        "empty.xml": b"",
        "latin1.xml": "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Caf\xe9</title>"
                      "<item><title>Caf\xe9 na\xefve</title><link>https://example.com/cafe</link></item>"
                      "</channel></rss>".encode("latin-1"),
    }
    feeds = []
    for name, body in bad.items():
        (tmp_path / name).write_bytes(body)
        feeds.append((str(tmp_path / name), name))
    feeds.append((str(EXAMPLES / "xinzhiyuan.xml"), "新智元"))
    feeds.append((str(tmp_path / "missing.xml"), "missing"))
    config = make_config(tmp_path, feeds)
    result = kbsync("sync", "--config", str(config))
    assert "feed html.xml: error: not a feed" in result.output
    assert "feed empty.xml: error" in result.output
    assert "feed missing: error: no such file" in result.output
    assert len(notes(tmp_path / "vault")) >= 5   # the good feed still landed


def test_http_feeds_conditional_get_redirect_gone_and_timeout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    body = (EXAMPLES / "xinzhiyuan.xml").read_bytes()
    with FeedServer() as server:
        server.add("/feed.xml", Static(body, etag='"v1"'))
        server.add("/old.xml", Redirect("/new.xml", 301))
        server.add("/new.xml", Static((EXAMPLES / "qbitai.xml").read_bytes(), last_modified="Mon, 23 Feb 2026 10:00:00 GMT"))
        server.add("/gone.xml", Status(410))
        server.add("/slow.xml", Static(body, before=3.0))
        config = make_config(tmp_path, [(server.url("/feed.xml"), "etag"), (server.url("/old.xml"), "moved"),
                                        (server.url("/gone.xml"), "gone"), (server.url("/slow.xml"), "slow")],
                             extra="[fetch]\nread_timeout = 0.5\nretries = 0")
        first = kbsync("sync", "--config", str(config))
        assert "feed gone: gone" in first.output
        assert "feed slow: error: timed out" in first.output
        written = len(notes(tmp_path / "vault"))
        assert written >= 10
        server.reset()
        second = kbsync("sync", "--config", str(config))
        assert server.hits("/old.xml") == 0 and server.hits("/new.xml") == 1   # permanent redirect remembered
        assert server.hits("/gone.xml") == 0                                     # disabled after 410
        assert server.requests_for("/feed.xml")[0].headers.get("if-none-match") == '"v1"'
        assert "0 articles scanned" in second.output or "notes: none to write" in second.output
        status = kbsync("status", "--config", str(config)).output
        assert "DISABLED (410 Gone)" in status


def test_config_error_is_one_line_and_nonzero(tmp_path):
    bad = tmp_path / "config.toml"
    bad.write_text("[scoring]\nmust_read = 'high'\n", "utf-8")
    result = CliRunner().invoke(main, ["sync", "--config", str(bad)])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == ["kbsync: error: config.toml: scoring.must_read: 'high' is not of type 'integer'"]


def test_import_opml_and_jsonl(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = make_config(tmp_path, [])
    opml = tmp_path / "feeds.opml"
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><body><outline text="AI">'
                    '<outline text="Simon" xmlUrl="https://simonwillison.net/atom/everything/"/>'
                    '</outline></body></opml>', "utf-8")
    out = kbsync("import", str(opml), "--config", str(config)).output
    assert "1 feeds added" in out
    assert "simonwillison.net/atom/everything" in config.read_text("utf-8")
    assert kbsync("import", str(opml), "--config", str(config)).output.startswith("0 feeds added")
    records = tmp_path / "articles.jsonl"
    records.write_text(
        '{"url": "https://example.com/a", "title": "Imported agents piece", "source": "Import", '
        '"published": "2026-02-23T10:00:00Z", "content": "<p>About agents.</p>", "score": 91, '
        '"category": "AI/Tech", "tags": ["agents"], "summary_line": "One line."}\n'
        '{"url": "https://example.com/b", "title": "Unscored piece", "published": "2026-02-24"}\n'
        '{"title": "bad", "scroe": 3}\n', "utf-8")
    out = kbsync("import", str(records), "--config", str(config)).output
    assert "scroe" in out and "2 articles imported" in out
    written = notes(tmp_path / "vault")
    assert len(written) == 2
    scored = next(p for p in written if "Imported agents piece" in p.name)
    props, _ = loads_note(scored.read_text("utf-8"))
    assert props["score"] == 91 and props["tier"] == "must-read" and props["summary"] == "One line."


def test_every_week_and_day_has_a_rollup_and_reader_notes_in_it_survive(synced):
    tmp_path, vault, config, _ = synced
    with sqlite3.connect(tmp_path / ".kbsync" / "state.db") as conn:
        published = [r[0] for r in conn.execute("SELECT published FROM articles")]
    from datetime import datetime
    from zoneinfo import ZoneInfo

    local = [datetime.fromisoformat(p).astimezone(ZoneInfo("Asia/Shanghai")) for p in published]
    days = {d.date().isoformat() for d in local}
    weeks = {f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in local}
    assert {p.stem for p in (vault / "Daily").glob("*.md")} == days
    assert {p.stem for p in (vault / "Weekly").glob("*.md")} == weeks
    week = vault / "Weekly" / "2026-W09.md"
    text = week.read_text("utf-8")
    assert "articles scanned |" in text and "## Top 10" in text and "## By Category" in text
    week.write_text(text + "\nMy weekly reflection.\n", "utf-8")
    out = kbsync("rollup", "--week", "2026-W09", "--config", str(config)).output
    assert "unchanged" in out
    assert "My weekly reflection." in week.read_text("utf-8")
    week.unlink()
    out = kbsync("rollup", "--week", "2026-W09", "--config", str(config)).output
    assert "restored" in out or "created" in out
    assert week.exists()
    assert "created" in kbsync("rollup", "--day", "2026-02-07", "--config", str(config)).output or \
        "unchanged" in kbsync("rollup", "--day", "2026-02-07", "--config", str(config)).output


def test_rollup_command_rejects_bad_arguments(synced):
    _, _, config, _ = synced
    result = CliRunner().invoke(main, ["rollup", "--config", str(config)])
    assert result.exit_code != 0 and "exactly one of" in result.output
    result = CliRunner().invoke(main, ["rollup", "--week", "2026-W60", "--config", str(config)])
    assert result.exit_code != 0 and result.output.startswith("kbsync: error: --week")


def test_a_lost_store_is_rebuilt_from_the_vault_without_duplicates(synced):
    tmp_path, vault, config, _ = synced
    note = notes(vault)[0]
    note.write_text(note.read_text("utf-8").replace("kb_id:", "status: read\nkb_id:") + "\nKeep me.\n", "utf-8")
    before = len(notes(vault))
    shutil.rmtree(tmp_path / ".kbsync")
    kbsync("sync", "--config", str(config))
    assert len(notes(vault)) == before
    props, body = loads_note(note.read_text("utf-8"))
    assert props["status"] == "read" and "Keep me." in body
    assert broken_links(vault) == []


def test_a_feed_without_validators_resent_unchanged_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with FeedServer() as server:
        server.add("/plain.xml", Static((EXAMPLES / "qbitai.xml").read_bytes()))   # no ETag, no Last-Modified
        config = make_config(tmp_path, [(server.url("/plain.xml"), "plain")])
        kbsync("sync", "--config", str(config))
        before = snapshot(tmp_path / "vault")
        result = kbsync("sync", "--config", str(config))
        assert server.hits("/plain.xml") == 2
        assert snapshot(tmp_path / "vault") == before
        assert "notes: none to write; rollups: none to write" in result.output
