"""Hostile feed content end to end: ``kbsync sync`` over feeds built to break things.

One run (module fixture) syncs the example feeds plus feeds whose titles,
bodies, authors and categories carry path traversal, reserved names, NUL and
control characters, YAML and wikilink injection, ``---`` and forged kbsync
markers in content, 1 MB of content, 100,000 nested divs, a billion-laughs
entity bomb and an external entity naming a local file
(``tests/hostile/feeds.py``). Each test checks one promise: every feed is
read or reported, nothing else is lost, nothing leaves the vault, no note can
be injected into, hidden or broken, the reader's edits survive, and a second
run writes nothing.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

import frontmatter
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from sync.cli import main
from sync.edits.rules import OWNED_KEYS
from sync.sources.parse import parse_feed
from sync.targets.obsidian.merge import BEGIN, END, split_body
from sync.targets.obsidian.paths import legal_name, wikilink
from sync.targets.obsidian.yamlfm import loads_note
from tests.hostile import feeds as H
from tests.test_e2e import broken_links, snapshot

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "feeds"
SECRET = "TOP-SECRET-XXE-CONTENT"
HOSTILE = {
    "titles.xml": H.titles_feed, "bodies.xml": H.bodies_feed, "control.json": H.control_json_feed,
    "raw-control.xml": H.raw_control_rss, "huge.xml": H.huge_content_feed, "nested.xml": H.nested_feed,
    "laughs.xml": H.billion_laughs,
}
RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[1-9¹²³]|LPT[1-9¹²³]|CONIN\$|CONOUT\$)(\.|$)", re.I)


def kbsync(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    (tmp / "secret.txt").write_text(SECRET, "utf-8")
    feeds = []
    for name, build in HOSTILE.items():
        (tmp / name).write_bytes(build())
        feeds.append((tmp / name, name))
    (tmp / "xxe.xml").write_bytes(H.external_entity(str(tmp / "secret.txt")))
    feeds.append((tmp / "xxe.xml", "xxe.xml"))
    feeds += [(p, p.name) for p in sorted(EXAMPLES.iterdir())]
    lines = ['[vault]', 'path = "vault"', '[scoring]', 'backend = "heuristic"']
    for path, name in feeds:
        lines += ["[[feeds]]", f'url = "{path}"', f'name = "{name}"']
    (tmp / "config.toml").write_text("\n".join(lines) + "\n", "utf-8")
    config = str(tmp / "config.toml")
    first = kbsync("sync", "--config", config)
    return tmp, tmp / "vault", config, first, feeds


def articles(vault: Path) -> dict[Path, tuple[dict, str]]:
    return {p: loads_note(p.read_text("utf-8")) for p in sorted((vault / "Articles").rglob("*.md"))}


def expected_ids(path: Path, name: str) -> set[str]:
    """The kb_ids a feed's entries get, read straight from the parser."""
    parsed = parse_feed(path.read_bytes(), feed_url=str(path), source=name, now=datetime.now(timezone.utc))
    return {e.kb_id for e in parsed.entries}


def test_every_hostile_feed_is_read_or_reported_and_nothing_else_is_lost(synced):
    tmp, vault, config, first, feeds = synced
    # every one of these feeds is readable (the bombs in it are defused, not refused) and no note failed
    assert not re.search(r"^(feed .*: error|note )", first, re.M), first
    notes = articles(vault)
    ids = [props["kb_id"] for props, _ in notes.values()]
    assert len(ids) == len(set(ids))                           # one note per article
    for path, name in feeds:
        wanted = expected_ids(path, name)
        assert wanted and wanted <= set(ids), f"{name}: {len(wanted - set(ids))} entries lost"
    with sqlite3.connect(tmp / ".kbsync" / "state.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == len(ids)
    status = kbsync("status", "--config", config)
    assert f"articles: {len(ids)}" in status


def test_nothing_is_written_outside_the_vault_and_every_name_is_legal(synced):
    tmp, vault, _, _, _ = synced
    outside = {p.name for p in tmp.iterdir()} - {"vault", ".kbsync", "config.toml", "secret.txt", "xxe.xml",
                                                 *HOSTILE}
    assert outside == set()
    for path in vault.rglob("*"):
        assert path.resolve().is_relative_to(vault.resolve())
        if path.suffix != ".md" or ".obsidian" in path.parts:
            continue
        name = path.name
        assert len(name.encode("utf-8")) <= 255 and unicodedata.is_normalized("NFC", name), name
        assert not re.search(r'[<>:"\\|?*#^\[\]\x00-\x1f\x7f]', name), name
        assert not name.startswith((".", " ")) and "%%" not in name, name
        assert not RESERVED.match(name), name


def test_frontmatter_cannot_be_injected(synced):
    _, vault, _, _, _ = synced
    titles = set()
    for path, (props, body) in articles(vault).items():
        text = path.read_text("utf-8")
        assert frontmatter.loads(text).metadata == props, path          # the reference reader agrees
        assert set(props) <= set(OWNED_KEYS), f"{path.name}: injected keys {set(props) - set(OWNED_KEYS)}"
        for value in [props["title"], props.get("author") or "", *props["tags"], props["summary"]]:
            assert isinstance(value, str) and not re.search(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]", value)
        titles.add(props["title"])
    # hostile titles come through as the text they are, one line, never as structure
    assert {"title: injected evil: true", "!!python/object/apply:os.system ['echo pwned']", "---",
            "&anchor *alias", "{a: 1, b: [2]}", "yes", "null", "0x1F", "2026-02-23"} <= titles
    assert "nul byte" in titles and "bell escape [31m red" in titles


def test_a_note_body_cannot_forge_or_hide_kbsync_regions(synced):
    _, vault, _, _, _ = synced
    for path in vault.rglob("*.md"):
        if ".obsidian" in path.parts or "Templates" in path.parts or path.name == "Home.md":
            continue
        props, body = loads_note(path.read_text("utf-8"))
        before, block, after = split_body(body)
        assert block is not None, f"{path.name}: kbsync block not found exactly once"
        lines = body.split("\n")
        assert [line.strip() for line in lines].count(BEGIN) == 1 and [line.strip() for line in lines].count(END) == 1
        # no "%%" outside code may open an Obsidian comment that hides the rest of the note
        for line in lines:
            if line.strip() not in (BEGIN, END):
                assert "%%" not in line.replace("%\\%", ""), f"{path.name}: {line[:120]}"
        # hostile markup arrives as text at most: no script, no handler, no javascript: link
        assert "<script" not in body and "onerror=" not in body
        assert not re.search(r"\]\(\s*<?\s*javascript:", body, re.I)
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", body), path.name
    assert broken_links(vault) == []


def test_size_depth_and_entity_bombs_are_contained(synced):
    tmp, vault, _, _, _ = synced
    notes = {props["title"]: (path, body) for path, (props, body) in articles(vault).items()}
    path, body = notes["A megabyte of content"]
    assert body.count("word") >= 150_000 and path.stat().st_size < 1_500_000
    assert "deep text survives" in notes["Deeply nested divs"][1]
    assert "deep list item" in notes["Deeply nested lists"][1]
    many = notes[f"Hostile body {len(H.HOSTILE_BODIES)}"][1]        # the tag with 200,000 attributes
    assert "before" in many and "after" in many and "a199999" not in many
    laughs = [(p, b) for t, (p, b) in notes.items() if p.parent.parent.parent.name == "Articles" and "lol" in t]
    assert laughs and all(p.stat().st_size < 20_000 for p, _ in laughs)        # 10^9 "lol"s never expanded
    everything = b"".join(p.read_bytes() for p in tmp.rglob("*") if p.is_file() and p.name != "secret.txt")
    assert SECRET.encode() not in everything                                  # the external entity stayed out


def test_second_sync_writes_nothing(synced):
    _, vault, config, _, _ = synced
    before = snapshot(vault)
    out = kbsync("sync", "--config", config)
    assert "notes: none to write; rollups: none to write" in out
    assert snapshot(vault) == before


def test_readers_edits_in_hostile_notes_survive_an_update(synced):
    tmp, vault, config, _, _ = synced
    edited = {}
    for path, (props, _) in articles(vault).items():
        if props["source"] == "titles.xml":
            text = path.read_text("utf-8").replace("\nkb_id:", "\nstatus: read\nkb_id:", 1)
            path.write_text(text + "\nMy note on a hostile title.\n", "utf-8")
            edited[props["kb_id"]] = path
    # the feed changes every body: every one of those notes is merged again
    (tmp / "titles.xml").write_bytes(H.titles_feed().replace(b"Body of item", b"New body of item")
                                     .replace(b"A body that", b"A new body that"))
    kbsync("sync", "--config", config)
    for kb_id, path in edited.items():
        props, body = loads_note(path.read_text("utf-8"))
        assert props["kb_id"] == kb_id and props["status"] == "read"
        assert body.rstrip().endswith("My note on a hostile title."), path.name


# -- the fixes, as properties ------------------------------------------------------------------
@given(st.text(alphabet=st.sampled_from("%ab :.'#[]|"), max_size=40))
def test_names_and_link_text_never_hold_an_obsidian_comment_mark(text: str) -> None:
    name = legal_name(text)
    assert "%%" not in name and legal_name(name) == name
    link = wikilink("Note", text)
    assert "%%" not in link and link.startswith("[[Note") and link.endswith("]]")


@given(st.text(alphabet=st.characters(max_codepoint=0x2FF), max_size=60), st.booleans())
def test_markdown_never_carries_control_characters(text: str, as_html: bool) -> None:
    from sync.sources.html import to_markdown

    out = to_markdown(f"<p>{text}</p>" if as_html else text)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", out), repr(out)


@given(st.integers(min_value=1, max_value=3000), st.booleans())
def test_an_overlong_tag_loses_its_attributes_not_its_text(attributes: int, closed: bool) -> None:
    from sync.sources.html import _MAX_TAG, _safe_input, to_text

    tag = "<p " + " ".join(f"a{i}=1" for i in range(attributes)) + (">" if closed else "")
    html = f"<b>before</b>{tag}after</p>"
    assert max(len(t) for t in re.findall(r"<[^<>]*>?", _safe_input(html))) <= _MAX_TAG + 2
    assert to_text(html).startswith("before") and (to_text(html).endswith("after") or not closed)
