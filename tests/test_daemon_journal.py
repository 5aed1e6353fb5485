"""The reader-edit journal (reader_changes) and the pure edit rules behind the watcher."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from sync.edits import journal
from sync.edits.journal import Change
from sync.edits.rules import apply_edit, diff, reader_view, tag_edit
from sync.store import Store

T0 = datetime(2026, 2, 7, 8, 0, tzinfo=timezone.utc)
log = logging.getLogger("test.journal")


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


class RecordingSink:
    """An EditSink that keeps what it was given (stands in for a target's page store)."""

    def __init__(self, name: str, fail: set[str] = frozenset()):
        self.name, self.fail = name, fail
        self.shown: dict[tuple[str, str], object] = {}

    def push_edits(self, changes):
        failed = [c for c in changes if c.kb_id in self.fail]
        for c in changes:
            if c not in failed:
                self.shown[c.key] = c.value
        return failed


def test_reader_view_is_the_readers_keys_and_their_tag_edit():
    base = {"title": "T", "tags": ["llm", "agents"], "kb_id": "k1"}
    note = {"title": "My own title", "tags": ["llm", "mine"], "kb_id": "k1", "status": "read", "rating": 4,
            "empty": None}
    assert reader_view(note, base) == {"status": "read", "rating": 4,
                                       "tags": {"added": ["mine"], "removed": ["agents"]}}
    # kbsync re-tagging (base and note move together) is not a reader edit
    assert reader_view({"tags": ["x", "y"], "kb_id": "k1"}, {"tags": ["x", "y"]}) == {}


def test_diff_lists_changes_and_clearings():
    old = {"status": "unread", "rating": 3, "tags": {"added": ["a"], "removed": []}}
    new = {"status": "read", "tags": {"added": ["a"], "removed": []}, "mine": [1, 2]}
    assert diff(old, new) == [("mine", [1, 2]), ("rating", None), ("status", "read")]
    assert diff(new, new) == []


tags = st.lists(st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=6), max_size=6, unique=True)


@given(base=tags, note=tags)
def test_applying_a_tag_edit_gives_back_the_same_edit(base, note):
    edit = tag_edit(note, base)
    props = apply_edit({"tags": base, "status": "x"}, {"tags": base}, "tags", edit)
    assert tag_edit(props["tags"], base) == edit
    assert set(props["tags"]) == set(note)
    assert props["status"] == "x"


def test_apply_edit_sets_clears_and_refuses_kbsyncs_keys():
    props = {"title": "T", "kb_id": "k", "rating": 2}
    assert apply_edit(props, {}, "status", "read") == {"title": "T", "kb_id": "k", "rating": 2, "status": "read"}
    assert apply_edit(props, {}, "rating", None) == {"title": "T", "kb_id": "k"}
    try:
        apply_edit(props, {}, "score", 100)
    except ValueError as exc:
        assert "kbsync's property" in str(exc)
    else:
        raise AssertionError("an owned key was written")


def test_record_skips_what_is_already_the_value(tmp_path):
    with Store(tmp_path / "s.db") as store:
        first = journal.record(store, [Change("k1", "status", "read", at(0), "obsidian")])
        assert [c.id for c in first] == [1]
        # the same value again, from anywhere, is not an edit; clearing an unset key neither
        assert journal.record(store, [Change("k1", "status", "read", at(5), "notion"),
                                      Change("k1", "rating", None, at(5), "notion")]) == []
        assert len(journal.record(store, [Change("k1", "status", "done", at(6), "notion")])) == 1
        assert [(c.property, c.value, c.origin) for c in journal.entries(store)] == [
            ("status", "read", "obsidian"), ("status", "done", "notion")]


def test_delivery_takes_edits_made_elsewhere_once_in_order(tmp_path):
    with Store(tmp_path / "s.db") as store:
        notion = RecordingSink("notion")
        journal.record(store, [Change("k1", "status", "read", at(0), "obsidian"),
                               Change("k1", "rating", 4, at(0), "obsidian"),
                               Change("k2", "status", "later", at(1), "obsidian")])
        journal.record(store, [Change("k1", "status", "done", at(2), "obsidian")])
        journal.deliver(store, notion, log)
        # one winning (latest) edit per property
        assert notion.shown == {("k1", "status"): "done", ("k1", "rating"): 4, ("k2", "status"): "later"}
        assert journal.cursor(store, "notion") == 4
        assert journal.deliver(store, notion, log).push == []          # nothing twice
        # an edit made in Notion is not sent back to Notion, but is pending for the vault
        journal.record(store, [Change("k2", "status", "read", at(3), "notion")])
        assert journal.pending(store, "notion").push == []
        # (the vault made the other edits itself: they are not sent back to it either)
        assert [(c.kb_id, c.value) for c in journal.pending(store, "obsidian").push] == [("k2", "read")]


def test_conflict_later_edit_wins_and_is_logged_once(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="test.journal")
    with Store(tmp_path / "s.db") as store:
        vault, notion = RecordingSink("obsidian"), RecordingSink("notion")
        journal.record(store, [Change("k1", "status", "read", at(0), "obsidian")])
        journal.deliver(store, notion, log)
        journal.deliver(store, vault, log)
        # both sides edit before they hear of each other: the vault at 10, Notion at 20
        journal.record(store, [Change("k1", "status", "vault-says", at(10), "obsidian")], log)
        journal.record(store, [Change("k1", "status", "notion-says", at(20), "notion")], log)
        to_notion = journal.deliver(store, notion, log)
        to_vault = journal.deliver(store, vault, log)
        assert to_notion.push == [] and [c.value for c in to_vault.push] == ["notion-says"]
        assert vault.shown[("k1", "status")] == "notion-says"
        lines = [r.getMessage() for r in caplog.records if "conflict" in r.getMessage()]
        assert len(lines) == 1 and "obsidian edit" in lines[0] and "later notion edit" in lines[0]
        assert journal.visible(store, "obsidian", ["k1"])[("k1", "status")].value == "notion-says"
        # a Notion edit older than the vault's (pulled late) loses, and the vault keeps its value
        journal.record(store, [Change("k1", "rating", 5, at(40), "obsidian")], log)
        journal.record(store, [Change("k1", "rating", 1, at(30), "notion")], log)
        assert journal.deliver(store, vault, log).push == []
        assert [c.value for c in journal.deliver(store, notion, log).push] == [5]
        lines = [r.getMessage() for r in caplog.records if "conflict" in r.getMessage()]
        assert len(lines) == 2 and "the notion edit" in lines[1] and "later obsidian edit" in lines[1]


def test_a_failed_push_is_offered_again(tmp_path):
    with Store(tmp_path / "s.db") as store:
        journal.record(store, [Change("k1", "status", "a", at(0), "obsidian"),
                               Change("k2", "status", "b", at(0), "obsidian")])
        flaky = RecordingSink("notion", fail={"k2"})
        done = journal.deliver(store, flaky, log)
        assert [c.kb_id for c in done.failed] == ["k2"] and journal.cursor(store, "notion") == 1
        flaky.fail = set()
        assert [c.kb_id for c in journal.deliver(store, flaky, log).push] == ["k2"]
        assert flaky.shown == {("k1", "status"): "a", ("k2", "status"): "b"}
        assert journal.counts(store, ["notion"]) == {"recorded": 2, "notion": 0}
