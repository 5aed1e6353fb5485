"""Issue 14.1: nothing the reader saves during a sync is lost (check-and-swap writes).

Another process appends a line to a note (or a digest) in a tight loop, as an
editor's autosave does, while kbsync rewrites that note again and again. Every
line the writer reports written must be in the note afterwards, exactly once
and in order, and the note must hold kbsync's last version too.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from sync.pages.doc import Doc
from sync.rollups.pages import ROLLUP_KEYS
from sync.targets.base import plan
from sync.targets.obsidian.files import LocalFiles
from sync.targets.obsidian.merge import split_body
from sync.targets.obsidian.vault import NoteTarget
from sync.targets.obsidian.yamlfm import loads_note

WRITER = r"""
import os, sys, time
path, stop, pause = sys.argv[1], sys.argv[2], float(sys.argv[3])
n = 0
while not os.path.exists(stop):
    # an autosave: open, append one line, close (every save is a whole line)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"reader line {n}\n")
    n += 1
    if pause:
        time.sleep(pause)
print(n)
"""


def article(version: int) -> Doc:
    props = {"title": "A note", "score": 50 + version % 40, "tags": ["x", f"v{version % 3}"], "kb_id": "kb-1"}
    return Doc(key="kb-1", props=props, region=f"kbsync version {version}\n\nsome text\n",
               path="Articles/A note.md")


def digest(version: int) -> Doc:
    props = {"title": "AI Daily", "type": "daily", "articles": version, "kb_id": "daily-2026-02-07"}
    return Doc(key="daily-2026-02-07", props=props, region=f"# Digest {version}\n", path="Daily/2026-02-07.md",
               owned=ROLLUP_KEYS, adopt=True)


def run_trial(tmp_path: Path, make, rewrites: int, pause: float) -> tuple[int, str, int]:
    vault = tmp_path / "vault"
    files = LocalFiles(vault)
    target = NoteTarget(files, "Articles/{title}.md")
    records = {}
    for outcome in target.apply(plan([make(0)], records).intents):
        records[outcome.key] = outcome.record
    rel = make(0).path
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(vault / rel), str(stop), str(pause)],
                              stdout=subprocess.PIPE, text=True)
    swapped = 0
    try:
        while not (vault / rel).read_text("utf-8").count("reader line"):
            time.sleep(0.001)          # the writer is running
        for version in range(1, rewrites + 1):
            target = NoteTarget(files, "Articles/{title}.md")   # a fresh run each time
            for outcome in target.apply(plan([make(version)], records).intents):
                # a note saved faster than it can be merged is left as the reader has it (an error
                # outcome, retried next run); anything else is a write that kept every line
                assert outcome.status in ("updated", "conflict", "error"), outcome
                if outcome.status == "error":
                    assert "left as the reader has it" in outcome.message
                else:
                    swapped += 1
                    records[outcome.key] = outcome.record
    finally:
        stop.touch()
        out, _ = writer.communicate(timeout=60)
    # the writer has stopped: the next run writes kbsync's last version
    for outcome in NoteTarget(files, "Articles/{title}.md").apply(plan([make(rewrites)], records).intents):
        assert outcome.status in ("updated", "conflict"), outcome
    return int(out), (vault / rel).read_text("utf-8"), swapped


@pytest.mark.parametrize("make", [article, digest], ids=["article", "digest"])
def test_a_tight_loop_of_saves_during_rewrites_loses_no_line(tmp_path: Path, make) -> None:
    trials, rewrites = 6, 40
    total = swaps = 0
    for trial in range(trials):
        # a writer that saves every 0.2 ms, every 1 ms (Obsidian's autosave waits 2 s), every 5 ms
        pause = (0.0002, 0.001, 0.005)[trial % 3]
        written, text, swapped = run_trial(tmp_path / f"t{trial}", make, rewrites, pause)
        assert swapped > rewrites // 2, f"trial {trial}: only {swapped} of {rewrites} rewrites went through"
        swaps += swapped
        lines = [line for line in text.splitlines() if line.startswith("reader line")]
        assert lines == [f"reader line {n}" for n in range(written)], \
            f"trial {trial}: {written - len(set(lines))} of {written} lines lost"
        props, body = loads_note(text)
        _, block, _ = split_body(body)
        assert props["kb_id"] == make(0).key
        assert block is not None and block.strip() == make(rewrites).region.strip()
        total += written
    assert total > trials * rewrites   # the writer really raced the rewrites
    assert swaps > trials * rewrites // 2


def test_a_note_deleted_during_the_write_is_not_brought_back(tmp_path: Path) -> None:
    files = LocalFiles(tmp_path)
    target = NoteTarget(files, "Articles/{title}.md")
    records = {o.key: o.record for o in target.apply(plan([article(0)], {}).intents)}
    intents = plan([article(1)], records).intents
    outcome, write = target._apply_one(intents[0])
    (tmp_path / "Articles/A note.md").unlink()           # the reader deletes it before the swap
    skipped = files.write_many([write])
    assert "deleted by the reader" in skipped["Articles/A note.md"]
    assert not (tmp_path / "Articles/A note.md").exists()
    assert not list(tmp_path.rglob("*.kbsync-tmp"))


def test_a_file_saved_at_a_new_notes_name_after_it_was_allocated_is_merged_into_not_replaced(tmp_path: Path) -> None:
    # the name was free in the run's walk, so it is not looked up again before the note is
    # created; a page the reader saves there meanwhile keeps its text, kbsync's block joins it
    files = LocalFiles(tmp_path)
    target = NoteTarget(files, "Articles/{title}.md")
    paths = target.allocate({"kb-1": {"title": "A note"}}, {})
    assert paths == {"kb-1": "Articles/A note.md"}
    doc = article(0)
    (tmp_path / "Articles").mkdir()
    (tmp_path / "Articles/A note.md").write_text("the reader's own page\n", encoding="utf-8")
    target.apply(plan([doc], {}).intents)
    text = (tmp_path / "Articles/A note.md").read_text(encoding="utf-8")
    props, body = loads_note(text)
    assert "the reader's own page" in body
    assert "kbsync version 0" in split_body(body)[1]
    assert props["kb_id"] == "kb-1"
