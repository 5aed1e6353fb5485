"""Issue 14.3: the reader's category and tag edits reach the daily and weekly digests.

A category changed by hand in a note, a tag removed and a tag added: the next
sync (or the daemon's watcher) lists the article under the reader's category
in its day's and week's digests, with the reader's tags, and nowhere under
the old category. Notion pages take the same values (``edits.overlay``).
"""

from __future__ import annotations

import logging
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from sync.cli import main
from sync.config import load_config
from sync.edits.overlay import reader_scores
from sync.store import Store
from sync.targets.obsidian.edits import reconcile
from sync.targets.obsidian.yamlfm import dumps_note, loads_note

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "feeds"


def kbsync(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("synced")
    text = (ROOT / "config.toml").read_text("utf-8").replace('"examples/feeds/', f'"{EXAMPLES}/')
    (base / "config.toml").write_text(text, "utf-8")
    kbsync("sync", "--config", str(base / "config.toml"))
    return base


def edit_note(vault: Path) -> tuple[Path, dict, str, str]:
    """Change the category of a tagged note, remove its first tag and add one."""
    for note in sorted((vault / "Articles").rglob("*.md")):
        props, body = loads_note(note.read_text("utf-8"))
        if len(props.get("tags") or []) >= 2:
            break
    removed = props["tags"][0]
    edited = dict(props, category="Reader Picks", tags=props["tags"][1:] + ["my-own-tag"])
    note.write_text(dumps_note(edited, body), "utf-8")
    return note, props, removed, props["category"]


def section(page: str, title: str) -> str:
    """The lines under a ``## title`` heading of a digest."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", page, re.S | re.M)
    return match.group(1) if match else ""


def daily_page(vault: Path, props: dict) -> Path:
    return vault / "Daily" / f"{props['published']:%Y-%m-%d}.md"


def story(page: str, stem: str) -> str:
    """The lines of a daily page's story whose link goes to the note ``stem``."""
    for block in page.split("\n### ")[1:]:
        block = re.sub(r"^\d+\. ", "", block)     # stories are numbered
        if block.startswith(f"[[{stem}|") or block.startswith(f"[[{stem}]]"):
            return block.split("\n## ")[0]
    return ""


def check_digests(vault: Path, note: Path, props: dict, removed: str, old_category: str) -> None:
    daily = daily_page(vault, props).read_text("utf-8")
    mine, old = section(daily, "Reader Picks"), section(daily, old_category)
    assert f"[[{note.stem}|" in mine, "not listed under the reader's category"
    assert f"[[{note.stem}|" not in old, "still listed under the old category"
    tags = next(line for line in story(daily, note.stem).splitlines() if line.startswith("Tags:"))
    assert "#my-own-tag" in tags.split() and f"#{removed}" not in tags.split()
    weekly = next(p for p in (vault / "Weekly").glob("*.md")
                  if loads_note(p.read_text("utf-8"))[0]["start"] <= props["published"].date()
                  <= loads_note(p.read_text("utf-8"))[0]["end"]).read_text("utf-8")
    assert "**Reader Picks** — 1 article" in section(weekly, "By Category")


def test_edits_reach_the_digests_with_a_plain_sync(synced: Path, tmp_path: Path) -> None:
    shutil.copytree(synced, tmp_path, dirs_exist_ok=True)
    vault = tmp_path / "vault"
    note, props, removed, old = edit_note(vault)
    kbsync("sync", "--config", str(tmp_path / "config.toml"))
    check_digests(vault, note, props, removed, old)
    # the note keeps the reader's values
    kept = loads_note(note.read_text("utf-8"))[0]
    assert kept["category"] == "Reader Picks" and "my-own-tag" in kept["tags"] and removed not in kept["tags"]
    # and a second sync changes nothing
    before = {p: p.read_bytes() for p in vault.rglob("*.md")}
    kbsync("sync", "--config", str(tmp_path / "config.toml"))
    assert {p: p.read_bytes() for p in vault.rglob("*.md")} == before


def test_edits_reach_the_digests_through_the_watcher(synced: Path, tmp_path: Path) -> None:
    shutil.copytree(synced, tmp_path, dirs_exist_ok=True)
    vault = tmp_path / "vault"
    note, props, removed, old = edit_note(vault)
    cfg = load_config(tmp_path / "config.toml")
    with Store(cfg.store_path) as store:
        report = reconcile(cfg, store, [note.relative_to(vault).as_posix()], structural=False,
                           now=datetime.now(timezone.utc), log=logging.getLogger("test"))
        assert {c.property for c in report.changes} >= {"category", "tags"}
        assert report.rerendered >= 2
        score = reader_scores(store, store.scores([props["kb_id"]]))[props["kb_id"]]
        assert score.category == "Reader Picks" and "my-own-tag" in score.tags and removed not in score.tags
    check_digests(vault, note, props, removed, old)


def test_a_category_changed_in_the_vault_reaches_the_notion_page(tmp_path: Path) -> None:
    from tests.notion_emulator import NotionEmulator
    from tests.test_notion_target import TOKEN, notion_config, sync

    with NotionEmulator(token=TOKEN, rate=None) as emu:
        config = notion_config(tmp_path, emu)
        sync(config)
        note, props, removed, old = edit_note(tmp_path / "vault")
        result = sync(config)
        assert not result.failures, result.failures
        articles = next(ds for ds in emu.data_sources() if "".join(t["plain_text"] for t in ds["title"]) == "Articles")
        page = next(p for p in emu.pages(articles["id"])
                    if "".join(t["plain_text"] for t in p["properties"]["KB ID"]["rich_text"]) == props["kb_id"])
        assert page["properties"]["Category"]["select"]["name"] == "Reader Picks"
        # Tags holds the bounded vocabulary; a tag outside it travels in "More tags" (issue 15)
        more = "".join(t["plain_text"] for t in page["properties"].get("More tags", {}).get("rich_text", []))
        tags = {o["name"] for o in page["properties"]["Tags"]["multi_select"]} | {x.strip() for x in more.split(",")}
        assert "my-own-tag" in tags and removed not in tags
        check_digests(tmp_path / "vault", note, props, removed, old)
