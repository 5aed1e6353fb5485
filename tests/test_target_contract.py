"""The contract every note target passes (vdirsyncer's StorageTests idea).

Run against the vault on disk and its in-memory twin: idempotency, the
reader's edits, moves, deletions and restores behave the same on both.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from sync.pages.doc import Doc
from sync.targets.base import plan
from sync.targets.obsidian.files import LocalFiles, MemoryFiles
from sync.targets.obsidian.merge import BEGIN, END
from sync.targets.obsidian.vault import NoteTarget
from sync.targets.obsidian.yamlfm import loads_note

NOW = datetime(2026, 2, 27, tzinfo=timezone.utc)
TEMPLATE = "Articles/{published:%Y}/{published:%m}/{published:%Y-%m-%d} {title}.md"


@pytest.fixture(params=["local", "memory"])
def files(request, tmp_path):
    return LocalFiles(tmp_path) if request.param == "local" else MemoryFiles()


def doc(key="kb-1", title="Hello", tags=("ai",), region="Summary line\n", score=80, path=None) -> Doc:
    return Doc(key=key, props={"title": title, "score": score, "tags": list(tags), "kb_id": key},
               region=region, path=path or f"Articles/2026/02/2026-02-01 {title}.md",
               owned=("title", "score", "tags", "kb_id"))


class Harness:
    """Runs plan + apply like the pipeline does, keeping the sync records."""

    def __init__(self, files):
        self.files = files
        self.target = NoteTarget(files, TEMPLATE)
        self.records = {}

    def sync(self, *docs, restore=False):
        self.target = NoteTarget(self.files, TEMPLATE)  # a new run: fresh caches
        todo = plan(list(docs), self.records, restore=restore)
        outcomes = self.target.apply(todo.intents)
        for o in outcomes:
            if o.record is not None:
                self.records[o.key] = o.record
        return {o.key: o.status for o in outcomes}, todo.skipped

    def text(self, key="kb-1"):
        return self.files.read(self.records[key].path)

    def edit(self, key, fn):
        path = self.records[key].path
        self.files.write(path, fn(self.files.read(path)))


def test_create_then_second_sync_writes_nothing(files):
    h = Harness(files)
    status, _ = h.sync(doc())
    assert status == {"kb-1": "created"}
    before = h.text()
    status, skipped = h.sync(doc())
    assert status == {} and skipped["unchanged"] == 1
    assert h.text() == before


def test_update_rewrites_only_kbsync_part(files):
    h = Harness(files)
    h.sync(doc())
    h.edit("kb-1", lambda t: t.replace("score: 80", "score: 80\nstatus: read\nrating: 4")
           + "My own thoughts.\n")
    status, _ = h.sync(doc(score=91, region="New summary\n"))
    assert status == {"kb-1": "updated"}
    props, body = loads_note(h.text())
    assert props["score"] == 91 and props["status"] == "read" and props["rating"] == 4
    assert "New summary" in body and "My own thoughts." in body and "Summary line" not in body


def test_reader_tags_survive_and_removed_tags_stay_removed(files):
    h = Harness(files)
    h.sync(doc(tags=("ai", "llm")))
    h.edit("kb-1", lambda t: t.replace("  - llm\n", "  - mine\n"))
    h.sync(doc(tags=("ai", "llm", "agents")))
    props, _ = loads_note(h.text())
    assert props["tags"] == ["ai", "agents", "mine"]


def test_reader_edited_property_is_kept(files):
    h = Harness(files)
    h.sync(doc(title="Hello"))
    h.edit("kb-1", lambda t: t.replace("title: Hello", "title: My title"))
    status, _ = h.sync(doc(title="Hello", score=95))
    props, _ = loads_note(h.text())
    assert props["title"] == "My title" and props["score"] == 95
    assert status["kb-1"] == "conflict"


def test_moved_note_is_found_by_kb_id_and_updated_in_place(files):
    h = Harness(files)
    h.sync(doc())
    old = h.records["kb-1"].path
    text = files.read(old)
    files.write("Elsewhere/renamed.md", text)
    if isinstance(files, MemoryFiles):
        del files.files[old]
    else:
        (files.root / old).unlink()
    status, _ = h.sync(doc(score=99))
    assert status == {"kb-1": "updated"}
    assert h.records["kb-1"].path == "Elsewhere/renamed.md"
    assert not files.exists(old)
    assert "score: 99" in files.read("Elsewhere/renamed.md")


def _delete(files, path):
    if isinstance(files, MemoryFiles):
        del files.files[path]
    else:
        (files.root / path).unlink()


def test_deleted_note_is_not_recreated_unless_restore(files):
    h = Harness(files)
    h.sync(doc())
    path = h.records["kb-1"].path
    _delete(files, path)
    status, _ = h.sync(doc(score=99))
    assert status == {"kb-1": "deleted"} and not files.exists(path)
    status, skipped = h.sync(doc(score=100))
    assert status == {} and skipped["deleted"] == 1
    status, _ = h.sync(doc(score=100), restore=True)
    assert status == {"kb-1": "restored"} and files.exists(path)


def test_restore_recreates_a_note_deleted_since_the_last_write(files):
    h = Harness(files)
    h.sync(doc())
    _delete(files, h.records["kb-1"].path)
    status, _ = h.sync(doc(), restore=True)
    assert status == {"kb-1": "restored"}


def test_block_edited_by_reader_is_kept(files):
    h = Harness(files)
    h.sync(doc())
    h.edit("kb-1", lambda t: t.replace("Summary line", "Summary line, annotated by me"))
    status, _ = h.sync(doc(region="Changed summary\n"))
    assert status == {"kb-1": "conflict"}
    assert "annotated by me" in h.text() and "Changed summary" not in h.text()


def test_block_removed_by_reader_leaves_body_alone(files):
    h = Harness(files)
    h.sync(doc())
    h.edit("kb-1", lambda t: t.replace(BEGIN, "").replace(END, ""))
    h.sync(doc(region="Changed\n", score=1))
    props, body = loads_note(h.text())
    assert props["score"] == 1 and "Changed" not in body and "Summary line" in body


def test_renamed_link_targets_do_not_freeze_the_block(files):
    """Obsidian rewrites [[old|shown]] on rename; that is not a reader edit."""
    h = Harness(files)
    h.sync(doc(region="- [[Old name|Shown]]\n"))
    h.edit("kb-1", lambda t: t.replace("[[Old name|", "[[New name|"))
    status, _ = h.sync(doc(region="- [[Old name|Shown]]\n- more\n"))
    assert status == {"kb-1": "updated"}


def test_collisions_get_a_suffix_and_never_overwrite(files):
    h = Harness(files)
    files.write("Articles/2026/02/2026-02-01 Hello.md", "the reader's own note\n")
    status, _ = h.sync(doc())
    assert status == {"kb-1": "created"}
    assert files.read("Articles/2026/02/2026-02-01 Hello.md") == "the reader's own note\n"
    assert h.records["kb-1"].path == "Articles/2026/02/2026-02-01 Hello (2).md"


def test_adopting_a_page_without_frontmatter_keeps_its_text(files):
    h = Harness(files)
    files.write("Daily/2026-02-07.md", "written by the Daily notes plugin\n")
    d = Doc(key="daily-2026-02-07", props={"title": "Day", "kb_id": "daily-2026-02-07"}, region="Digest\n",
            path="Daily/2026-02-07.md", owned=("title", "kb_id"), adopt=True)
    status, _ = h.sync(d)
    text = files.read("Daily/2026-02-07.md")
    assert "written by the Daily notes plugin" in text and "Digest" in text
    assert h.sync(d)[0] == {}


def test_hostile_values_round_trip(files):
    h = Harness(files)
    title = "---\nkey: value\n%% kbsync:end %% [[x]] | #tag"
    h.sync(doc(title=title, path="Articles/x.md"))
    props, _ = loads_note(h.text())
    assert props["title"] == title
