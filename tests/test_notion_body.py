"""body.diff: the fewest edits from kbsync's blocks in a page to the new ones (pure)."""

from __future__ import annotations

from sync.targets.notion.body import Delete, Insert, Keep, Patch, cost, diff


def test_an_unchanged_body_is_all_keeps_and_costs_nothing():
    edits = diff(["paragraph:a", "heading_2:b"], ["paragraph:a", "heading_2:b"])
    assert edits == [Keep(0, 0), Keep(1, 1)] and cost(edits) == 0


def test_one_changed_paragraph_is_one_patch_in_place():
    edits = diff(["callout:s", "paragraph:a", "paragraph:b"], ["callout:s", "paragraph:A", "paragraph:b"])
    assert edits == [Keep(0, 0), Patch(1, 1), Keep(2, 2)] and cost(edits) == 1


def test_a_changed_block_with_children_or_another_type_is_replaced_where_it_was():
    edits = diff(["heading_2:t", "bulleted_list_item:x+", "paragraph:z"],
                 ["heading_2:t", "bulleted_list_item:y+", "paragraph:z"])
    assert edits == [Keep(0, 0), Delete(1), Insert((1,), ("old", 0)), Keep(2, 2)]
    edits = diff(["paragraph:a"], ["quote:a"])
    assert edits == [Delete(0), Insert((0,), None)]


def test_inserts_go_after_their_predecessor_and_runs_are_one_call():
    edits = diff(["paragraph:a", "paragraph:d"], ["paragraph:a", "paragraph:b", "paragraph:c", "paragraph:d",
                                                  "paragraph:e"])
    assert edits == [Keep(0, 0), Insert((1, 2), ("old", 0)), Keep(1, 3), Insert((4,), ("old", 1))]
    assert cost(edits) == 2
    assert diff([], ["paragraph:a"]) == [Insert((0,), None)]


def test_only_what_is_gone_is_deleted_and_unknown_fingerprints_never_match():
    assert diff(["paragraph:a", "paragraph:b", "paragraph:c"], ["paragraph:a", "paragraph:c"]) == \
        [Keep(0, 0), Delete(1), Keep(2, 1)]
    # fingerprints unknown (None) never match and cannot be patched: replaced where they were
    assert diff([None, None], ["paragraph:a", "heading_2:b"]) == [Delete(0), Delete(1), Insert((0, 1), None)]
    edits = diff(["paragraph:x", None], ["paragraph:x", "paragraph:y"])
    assert edits == [Keep(0, 0), Delete(1), Insert((1,), ("old", 0))]
    # a placeholder from a listing (type known, content not) is edited in place
    assert diff(["paragraph:?id1", "heading_2:?id2"], ["paragraph:a", "heading_2:b"]) == [Patch(0, 0), Patch(1, 1)]
