"""Issue 14.2: no kbsync link ever breaks or becomes ambiguous.

Every link kbsync writes (the ``week`` property, digest links, related links)
is resolved from its target's kb_id to the page's current path; a base name
two notes share gets a path-qualified link; a block the reader edited keeps
working links (targets only, never the prose); a removed block comes back
with ``--restore``. The property test moves and renames kbsync pages at random,
syncs after each step and finds 0 dangling and 0 ambiguous kbsync links.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync.cli import main
from sync.targets.obsidian.merge import BEGIN, END, split_body
from sync.targets.obsidian.yamlfm import loads_note

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "feeds"
LINK = re.compile(r"\[\[([^\[\]|#\n]+)(?:#[^\[\]|\n]*)?(?:\\?\|[^\[\]\n]*)?\]\]")


def kbsync(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _key(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def link_problems(vault: Path) -> list[str]:
    """Dangling or ambiguous links in kbsync's pages (properties and body)."""
    files = [p for p in vault.rglob("*.md") if not any(part.startswith(".") for part in p.relative_to(vault).parts)]
    names = Counter(_key(p.stem) for p in files)
    paths = {_key(p.relative_to(vault).with_suffix("").as_posix()) for p in files}
    problems = []
    for page in files:
        text = page.read_text("utf-8")
        if not text.startswith("---") or "\nkb_id:" not in text.split("\n---", 1)[0]:
            continue   # only kbsync's pages (they carry a kb_id property)
        for target in LINK.findall(text):
            target = target.strip().removesuffix("\\")
            if "/" in target:
                ok = _key(target) in paths
            else:
                ok = names[_key(target)] == 1
            if not ok:
                kind = "ambiguous" if names[_key(target)] > 1 else "dangling"
                problems.append(f"{kind}: {page.relative_to(vault)} -> {target}")
    return problems


def kb_id_at(vault: Path, target: str) -> str:
    """The kb_id of the one note a link target resolves to."""
    files = [p for p in vault.rglob("*.md")]
    if "/" in target:
        match = [p for p in files if _key(p.relative_to(vault).with_suffix("").as_posix()) == _key(target)]
    else:
        match = [p for p in files if _key(p.stem) == _key(target)]
    assert len(match) == 1, (target, match)
    return loads_note(match[0].read_text("utf-8"))[0]["kb_id"]


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> Path:
    """A vault synced once from the example feeds (copied by each test)."""
    base = tmp_path_factory.mktemp("synced")
    text = (ROOT / "config.toml").read_text("utf-8").replace('"examples/feeds/', f'"{EXAMPLES}/')
    (base / "config.toml").write_text(text, "utf-8")
    kbsync("sync", "--config", str(base / "config.toml"))
    assert link_problems(base / "vault") == []
    return base


def copy(synced: Path, to: Path) -> tuple[Path, Path]:
    shutil.copytree(synced, to, dirs_exist_ok=True)
    return to / "config.toml", to / "vault"


def props(path: Path) -> dict:
    return loads_note(path.read_text("utf-8"))[0]


def test_a_renamed_digest_keeps_every_link(synced: Path, tmp_path: Path) -> None:
    config, vault = copy(synced, tmp_path)
    weekly = sorted((vault / "Weekly").glob("*.md"))[0]
    label = weekly.stem
    renamed = vault / "Weekly" / "Week review.md"
    weekly.rename(renamed)
    kbsync("sync", "--config", str(config))
    assert link_problems(vault) == []
    weeks = [props(p)["week"] for p in vault.rglob("*.md") if p.parent.name != "Templates"
             and "kb_id" in props(p) and props(p).get("week", "").endswith(f"|{label}]]")]
    assert weeks and set(weeks) == {f"[[Week review|{label}]]"}
    assert props(renamed)["kb_id"] == f"weekly-{label}"
    # an article of that week written after the rename links to the renamed page too
    note = next(p for p in (vault / "Articles").rglob("*.md") if props(p)["week"] == f"[[Week review|{label}]]")
    kb = props(note)["kb_id"]
    note.unlink()
    kbsync("sync", "--config", str(config), "--restore")
    again = next(p for p in (vault / "Articles").rglob("*.md") if props(p)["kb_id"] == kb)
    assert props(again)["week"] == f"[[Week review|{label}]]"


def related_pair(vault: Path) -> tuple[Path, Path]:
    """A note and a note it links to in its related list."""
    for note in sorted((vault / "Articles").rglob("*.md")):
        related = props(note).get("related") or []
        if related:
            target = LINK.findall(related[0])[0]
            other = next(p for p in (vault / "Articles").rglob("*.md") if p.stem == target)
            return note, other
    raise AssertionError("no related links in the example vault")


def test_a_rename_that_makes_a_name_ambiguous_gets_path_qualified_links(synced: Path, tmp_path: Path) -> None:
    config, vault = copy(synced, tmp_path)
    note, other = related_pair(vault)
    other_kb = props(other)["kb_id"]
    # the reader gives a third note, in another folder, the same base name as ``other``
    third = next(p for p in sorted((vault / "Articles").rglob("*.md")) if p not in (note, other))
    third_kb = props(third)["kb_id"]
    (vault / "Notes").mkdir(exist_ok=True)
    moved = vault / "Notes" / other.name
    third.rename(moved)
    kbsync("sync", "--config", str(config))
    assert link_problems(vault) == []
    links = LINK.findall(note.read_text("utf-8"))
    qualified = [t for t in links if t.casefold().endswith(other.stem.casefold()) and "/" in t]
    assert qualified, links
    assert {kb_id_at(vault, t) for t in qualified} == {other_kb}
    # every kbsync link to the moved note names it by path and finds it
    pointing = [t for p in vault.rglob("*.md") for t in LINK.findall(p.read_text("utf-8"))
                if t.casefold() == f"notes/{other.stem}".casefold()]
    assert all(kb_id_at(vault, t) == third_kb for t in pointing)


def test_renames_under_a_frozen_block_mend_its_links_not_its_words(synced: Path, tmp_path: Path) -> None:
    config, vault = copy(synced, tmp_path)
    note, other = related_pair(vault)
    text = note.read_text("utf-8")
    mine = "My own sentence, written inside kbsync's block."
    note.write_text(text.replace(END, f"{mine}\n{END}"), "utf-8")
    kbsync("sync", "--config", str(config))
    frozen = note.read_text("utf-8")
    # two renames of the related note, a sync after each
    other.rename(other.with_name("Renamed once.md"))
    kbsync("sync", "--config", str(config))
    (vault / "Articles" / "Elsewhere").mkdir()
    next(vault.rglob("Renamed once.md")).rename(vault / "Articles" / "Elsewhere" / "Renamed twice.md")
    out = kbsync("sync", "--config", str(config))
    after = note.read_text("utf-8")
    assert link_problems(vault) == []
    _, block, _ = split_body(loads_note(after)[1])
    assert mine in block and "[[Renamed twice|" in block
    # only link targets changed: the text with targets removed is the same
    strip = lambda t: re.sub(r"\[\[[^\]|]*\|", "[[|", t.split("\n---\n", 1)[1])   # noqa: E731
    assert strip(after) == strip(frozen)
    assert "edited by the reader" in out or "kept" in out


def test_a_block_deleted_with_its_markers_comes_back_with_restore(synced: Path, tmp_path: Path) -> None:
    config, vault = copy(synced, tmp_path)
    note = sorted((vault / "Articles").rglob("*.md"))[0]
    text = note.read_text("utf-8")
    edited = text.replace(END, f"my edit\n{END}")
    note.write_text(edited, "utf-8")
    kbsync("sync", "--config", str(config))
    assert "my edit" in note.read_text("utf-8")        # frozen: kept as the reader has it
    # hand it back: delete the block with its markers, keep the rest
    props_part, body = edited.split("\n---\n", 1)
    before, block, after = split_body(body)
    note.write_text(f"{props_part}\n---\n{after.lstrip()}", "utf-8")
    kbsync("sync", "--config", str(config))
    assert BEGIN not in note.read_text("utf-8")        # a plain sync respects the deletion
    kbsync("sync", "--config", str(config), "--restore")
    restored = note.read_text("utf-8")
    assert BEGIN in restored and "my edit" not in restored and "## My notes" in restored
    kbsync("sync", "--config", str(config))
    assert note.read_text("utf-8") == restored         # and it is kbsync's again: updated, not frozen


MOVES = st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(["fresh", "clash", "folder"]),
                           st.integers(0, 10_000)), min_size=1, max_size=4)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=MOVES)
def test_any_sequence_of_renames_leaves_no_dangling_or_ambiguous_link(synced: Path, tmp_path: Path, moves) -> None:
    work = tmp_path / f"run{abs(hash(tuple(moves)))}"
    config, vault = copy(synced, work)
    for n, (pick, how, other) in enumerate(moves):
        pages = sorted(p for p in vault.rglob("*.md") if p.parent.name != "Templates" and p.name != "Home.md")
        # pages something links to (digests, related notes): their moves are the ones links feel
        linked = {_key(t.strip()) for p in pages for t in LINK.findall(p.read_text("utf-8"))}
        targets = [p for p in pages if _key(p.stem) in linked] or pages
        page = targets[pick % len(targets)]
        if how == "fresh":
            dest = page.with_name(f"renamed {n}.md")
        elif how == "clash":
            # the base name of another page, in a folder of its own
            dest = vault / f"Clash{n}" / targets[other % len(targets)].name
        else:
            dest = vault / "Moved" / f"{n}" / page.name
        if dest.exists():
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        page.rename(dest)
        kbsync("sync", "--config", str(config))
        assert link_problems(vault) == [], (n, page.relative_to(vault), dest.relative_to(vault))
