"""Issue 14.4: a vault kbsync can move into.

Property types declared for every property kbsync writes (``week`` a link
everywhere); ``init`` into an existing vault merges types and never changes
the reader's; ``doctor`` reports missing or conflicting types and a Daily
notes plugin writing into kbsync's digest folder; a page kbsync did not
create keeps its properties; notes carry their real title in ``aliases``;
messages name notes by path; ``rollup --week`` writes one page; a time zone
change moves articles to their new day and removes emptied untouched days;
a hand-written date & time without seconds is a date & time.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from sync.cli import main
from sync.targets.obsidian.merge import merge_note
from sync.targets.obsidian.yamlfm import dumps_note, loads_note

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "feeds"
TYPES = json.loads((ROOT / "vault_template/.obsidian/types.json").read_text("utf-8"))["types"]


def kbsync(*args: str, ok: bool = True):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output + result.stderr
    return result


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("synced")
    text = (ROOT / "config.toml").read_text("utf-8").replace('"examples/feeds/', f'"{EXAMPLES}/')
    (base / "config.toml").write_text(text, "utf-8")
    kbsync("init", "--config", str(base / "config.toml"))
    kbsync("sync", "--config", str(base / "config.toml"))
    return base


def copy(synced: Path, to: Path) -> tuple[Path, Path]:
    shutil.copytree(synced, to, dirs_exist_ok=True)
    return to / "config.toml", to / "vault"


def kbsync_pages(vault: Path):
    for path in vault.rglob("*.md"):
        text = path.read_text("utf-8")
        if text.startswith("---"):
            props = loads_note(text)[0]
            if "kb_id" in props:
                yield path, props


def test_every_property_kbsync_writes_has_a_type_and_week_is_always_a_link(synced: Path) -> None:
    seen = Counter(key for _, props in kbsync_pages(synced / "vault") for key in props)
    assert {"type", "articles", "must_read", "worth_reading", "date", "start", "end", "aliases"} <= set(seen)
    assert sorted(set(seen) - set(TYPES)) == []
    weeks = [props["week"] for _, props in kbsync_pages(synced / "vault")]
    assert weeks and all(re.fullmatch(r"\[\[[^\]]+\]\]", w) for w in weeks)


def test_notes_carry_their_real_title_as_an_alias(synced: Path) -> None:
    titled = [(p, props) for p, props in kbsync_pages(synced / "vault") if "'" in props.get("title", "")]
    assert titled, "the example feeds have a title with an apostrophe"
    for path, props in titled:
        assert "'" not in path.stem and props["aliases"] == [props["title"]]


def test_init_into_an_existing_vault_merges_types_and_keeps_the_readers(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True)
    (vault / ".obsidian/types.json").write_text(json.dumps({"types": {"score": "text", "mood": "number"}}), "utf-8")
    (vault / ".obsidian/daily-notes.json").write_text(json.dumps({"folder": "Daily", "format": "YYYY-MM-DD"}))
    (vault / "Home.md").write_text("my own home\n", "utf-8")
    result = kbsync("init", str(vault), "--config", str(tmp_path / "none.toml"))
    types = json.loads((vault / ".obsidian/types.json").read_text("utf-8"))["types"]
    assert types["score"] == "text" and types["mood"] == "number"           # the reader's, untouched
    assert {k: v for k, v in types.items() if k not in ("score", "mood")} == \
        {k: v for k, v in TYPES.items() if k != "score"}                      # kbsync's added
    assert "property 'score' is 'text' in your vault, kbsync writes 'number'; your type is kept" in result.stderr
    assert "Daily notes plugin writes your journal into Daily/" in result.stderr
    assert (vault / "Home.md").read_text("utf-8") == "my own home\n"
    assert json.loads((vault / ".obsidian/daily-notes.json").read_text())["folder"] == "Daily"
    # doctor says the same
    config = tmp_path / "config.toml"
    config.write_text('[vault]\npath = "vault"\n[scoring]\nbackend = "heuristic"\n', "utf-8")
    doctor = kbsync("doctor", "--config", str(config), ok=False)
    assert doctor.exit_code == 1
    assert "FAIL  vault types: property 'score' is 'text'" in doctor.output
    assert "FAIL  vault: Obsidian's Daily notes plugin writes your journal into Daily/" in doctor.output
    (vault / ".obsidian/types.json").write_text(json.dumps({"types": {"mood": "number"}}), "utf-8")
    assert "FAIL  vault types: property 'score' has no type" in kbsync("doctor", "--config", str(config),
                                                                       ok=False).output


def test_the_template_keeps_the_readers_journal_apart_from_the_digests() -> None:
    daily = json.loads((ROOT / "vault_template/.obsidian/daily-notes.json").read_text("utf-8"))
    assert daily["folder"] != "Daily" and (ROOT / "vault_template" / daily["folder"]).is_dir()


def test_a_page_kbsync_did_not_create_keeps_its_properties(tmp_path: Path) -> None:
    """The reader's own note where a digest goes: their title stays, their words stay."""
    text = (ROOT / "config.toml").read_text("utf-8").replace('"examples/feeds/', f'"{EXAMPLES}/')
    (tmp_path / "config.toml").write_text(text, "utf-8")
    day = tmp_path / "vault" / "Daily" / "2026-02-06.md"
    day.parent.mkdir(parents=True)
    day.write_text(dumps_note({"title": "My day", "mood": 3}, "Went for a walk.\n"), "utf-8")
    result = kbsync("sync", "--config", str(tmp_path / "config.toml"))
    props, body = loads_note(day.read_text("utf-8"))
    assert props["title"] == "My day" and props["mood"] == 3
    assert props["kb_id"] == "daily-2026-02-06" and props["type"] == "daily"   # kbsync adds what is missing
    assert "Went for a walk." in body and "%% kbsync:begin %%" in body
    assert "Daily/2026-02-06.md: property 'title' was already on the page; kept" in result.stderr


def test_messages_name_notes_by_path(synced: Path, tmp_path: Path) -> None:
    config, vault = copy(synced, tmp_path)
    # a note with its block edited, and a note it links to renamed: the sync re-renders it
    note, props = next((p, props) for p, props in kbsync_pages(vault) if props.get("related"))
    note.write_text(note.read_text("utf-8").replace("%% kbsync:end %%", "mine\n%% kbsync:end %%"), "utf-8")
    target = re.findall(r"\[\[([^\]|]+)", props["related"][0])[0]
    linked = next(vault.rglob(f"{target}.md"))
    linked.rename(linked.with_name("Renamed by the reader.md"))
    result = kbsync("sync", "--config", str(config), "-v")
    rel = note.relative_to(vault).as_posix()
    assert f"note {rel}: kbsync block edited by the reader; kept" in result.stderr
    assert props["kb_id"] not in result.stderr


def test_rollup_week_rebuilds_that_page_only(synced: Path, tmp_path: Path) -> None:
    config, vault = copy(synced, tmp_path)
    weekly = sorted((vault / "Weekly").glob("*.md"))
    digests = [*weekly, *(vault / "Daily").glob("*.md")]
    for page in digests:
        page.unlink()
    result = kbsync("rollup", "--week", weekly[0].stem, "--config", str(config))
    assert [p for p in digests if p.exists()] == [weekly[0]], result.output
    assert result.output.strip() == f"restored: Weekly/{weekly[0].name}"


def test_a_time_zone_change_moves_articles_and_removes_emptied_days(synced: Path, tmp_path: Path) -> None:
    config, vault = copy(synced, tmp_path)
    days_before = {p.stem for p in (vault / "Daily").glob("*.md")}
    touched = sorted((vault / "Daily").glob("*.md"))[0]
    touched.write_text(touched.read_text("utf-8") + "My note on this day.\n", "utf-8")
    config.write_text(config.read_text("utf-8").replace('timezone = "Asia/Shanghai"',
                                                        'timezone = "America/Los_Angeles"'), "utf-8")
    kbsync("sync", "--config", str(config))
    listed: Counter[str] = Counter()
    for page in (vault / "Daily").glob("*.md"):
        props, body = loads_note(page.read_text("utf-8"))
        for target in re.findall(r"^### \d+\. \[\[([^\]|]+)", body, re.M):
            listed[target] += 1
            note = next(vault.rglob(f"{target}.md"))
            published = loads_note(note.read_text("utf-8"))[0]["published"]
            assert published.date().isoformat() == page.stem, (target, page.stem)   # its new day
    assert listed and max(listed.values()) == 1                                      # on one day only
    days_after = {p.stem for p in (vault / "Daily").glob("*.md")}
    assert touched.exists() and "My note on this day." in touched.read_text("utf-8")
    gone = days_before - days_after
    assert all(loads_note((vault / "Daily" / f"{d}.md").read_text("utf-8"))[0]["articles"] > 0
               for d in days_after if d != touched.stem)
    assert gone or days_before == days_after
    assert len(list((vault / "Daily").glob("*.md"))) == len(days_after)


def test_a_date_time_without_seconds_is_a_date_time() -> None:
    props, _ = loads_note("---\npublished: 2026-02-28T05:05\nseen: 2026-02-28 05:05\n---\n")
    assert props == {"published": datetime(2026, 2, 28, 5, 5), "seen": datetime(2026, 2, 28, 5, 5)}
    base = {"props": {"published": "2026-02-28T05:05:00"}, "region": ""}
    merged = merge_note("---\npublished: 2026-02-28T05:05\nkb_id: k\n---\n", {"published": datetime(2026, 2, 28, 5, 5),
                        "kb_id": "k"}, "x", base, ("published", "kb_id"))
    assert "edited by the reader" not in "; ".join(merged.conflicts)


def test_home_shows_the_latest_week_with_articles_on_day_one(synced: Path, tmp_path: Path) -> None:
    config, vault = copy(synced, tmp_path)
    home = (vault / "Home.md").read_text("utf-8")
    embed = re.search(r"!\[\[([^\]#]+)#(Top \d+)\]\]", home)
    assert embed, home
    weeks = sorted((vault / "Weekly").glob("*.md"))
    latest = weeks[-1]
    assert embed[1] == latest.stem and f"\n## {embed[2]}\n" in latest.read_text("utf-8")
    assert "![[Articles.base#Top this week]]" in home           # the rest of Home.md is as it was
    # the digest renamed: the block follows it
    latest.rename(latest.with_name("Last week.md"))
    kbsync("sync", "--config", str(config))
    assert "![[Last week#Top 10]]" in (vault / "Home.md").read_text("utf-8")
    # the reader writes in the block: it is theirs from then on
    edited = (vault / "Home.md").read_text("utf-8").replace("![[Last week#Top 10]]", "my own list")
    (vault / "Home.md").write_text(edited, "utf-8")
    (vault / "Weekly" / "Last week.md").rename(vault / "Weekly" / "Renamed again.md")
    kbsync("sync", "--config", str(config))
    assert (vault / "Home.md").read_text("utf-8") == edited
