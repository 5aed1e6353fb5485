"""Relations: dual relations stay in step on both sides (self and cross data source).

The layout mirrors kbsync's: Articles has ``Related`` as a DUAL self relation
(synced property ``Related from``), Weekly has ``Articles`` as a DUAL relation
to Articles (synced property ``Weekly``). A single-property relation has no
other side.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from notion_client.errors import APIResponseError

from tests.notion_emulator import NotionEmulator
from tests.notion_emulator.testkit import client, new_source, text


@pytest.fixture
def world():
    with NotionEmulator() as emu:
        notion = client(emu)
        parent = emu.add_page("kbsync")
        articles = new_source(notion, parent, "Articles", {"Name": {"title": {}}})
        weekly = new_source(notion, parent, "Weekly", {"Name": {"title": {}}})
        notion.data_sources.update(articles["id"], properties={"Related": {"relation": {
            "data_source_id": articles["id"], "dual_property": {"synced_property_name": "Related from"}}}})
        notion.data_sources.update(weekly["id"], properties={"Articles": {"relation": {
            "data_source_id": articles["id"], "dual_property": {"synced_property_name": "Weekly"}}}})
        yield emu, notion, articles["id"], weekly["id"]


def related(emu, page_id: str, prop: str) -> list[str]:
    return [r["id"] for r in emu.page(page_id)["properties"][prop]["relation"]]


def new_page(notion, ds_id: str, name: str, **props) -> str:
    return notion.pages.create(parent={"data_source_id": ds_id},
                               properties=dict(props, Name={"title": text(name)}))["id"]


def test_schemas_show_both_sides_of_each_dual_relation(world):
    _, notion, articles, weekly = world
    a = notion.data_sources.retrieve(articles)["properties"]
    w = notion.data_sources.retrieve(weekly)["properties"]
    assert a["Related"]["relation"]["type"] == "dual_property"
    assert a["Related"]["relation"]["dual_property"] == {"synced_property_id": a["Related from"]["id"],
                                                         "synced_property_name": "Related from"}
    assert a["Related from"]["relation"]["dual_property"]["synced_property_name"] == "Related"
    assert w["Articles"]["relation"]["data_source_id"] == articles
    assert a["Weekly"]["relation"] == {"database_id": notion.data_sources.retrieve(weekly)["parent"]["database_id"],
                                       "data_source_id": weekly, "type": "dual_property",
                                       "dual_property": {"synced_property_id": w["Articles"]["id"],
                                                         "synced_property_name": "Articles"}}


def test_self_relation_keeps_both_properties_in_step(world):
    emu, notion, articles, _ = world
    a, b, c = (new_page(notion, articles, n) for n in "abc")
    before = emu.page(b)["last_edited_time"]
    notion.pages.update(a, properties={"Related": {"relation": [{"id": b}, {"id": c}]}})
    assert related(emu, b, "Related from") == [a] and related(emu, c, "Related from") == [a]
    assert emu.page(b)["last_edited_time"] > before
    notion.pages.update(a, properties={"Related": {"relation": [{"id": c}]}})
    assert related(emu, b, "Related from") == [] and related(emu, c, "Related from") == [a]
    # setting the other side moves the first side too
    notion.pages.update(c, properties={"Related from": {"relation": [{"id": b}]}})
    assert related(emu, a, "Related") == [] and related(emu, b, "Related") == [c]


def test_cross_source_relation_is_synced_from_either_side(world):
    emu, notion, articles, weekly = world
    a, b = new_page(notion, articles, "a"), new_page(notion, articles, "b")
    week = new_page(notion, weekly, "2026-W09", Articles={"relation": [{"id": a}, {"id": b}]})
    assert related(emu, a, "Weekly") == [week] and related(emu, b, "Weekly") == [week]
    notion.pages.update(a, properties={"Weekly": {"relation": []}})
    assert related(emu, week, "Articles") == [b]
    got = notion.pages.retrieve(b)["properties"]["Weekly"]
    assert got["relation"] == [{"id": week}] and got["has_more"] is False


def test_single_property_relation_has_no_other_side(world):
    emu, notion, articles, weekly = world
    notion.data_sources.update(weekly, properties={"Pinned": {"relation": {"data_source_id": articles,
                                                                           "single_property": {}}}})
    a = new_page(notion, articles, "a")
    week = new_page(notion, weekly, "w", Pinned={"relation": [{"id": a}]})
    assert related(emu, week, "Pinned") == [a]
    assert set(emu.page(a)["properties"]) == {"Name", "Related", "Related from", "Weekly"}
    assert notion.data_sources.retrieve(weekly)["properties"]["Pinned"]["relation"]["type"] == "single_property"


def test_page_objects_show_25_relations_and_the_property_endpoint_all(world):
    emu, notion, articles, weekly = world
    many = [new_page(notion, articles, f"a{i}") for i in range(30)]
    week = new_page(notion, weekly, "w", Articles={"relation": [{"id": i} for i in many]})
    shown = notion.pages.retrieve(week)["properties"]["Articles"]
    assert len(shown["relation"]) == 25 and shown["has_more"] is True
    prop_id = shown["id"]
    first = notion.pages.properties.retrieve(week, prop_id, page_size=20)
    rest = notion.pages.properties.retrieve(week, prop_id, start_cursor=first["next_cursor"])
    assert [r["relation"]["id"] for r in first["results"] + rest["results"]] == many
    assert related(emu, week, "Articles") == many      # the helper shows them all


def test_a_synced_name_already_taken_is_refused(world):
    emu, notion, articles, _ = world
    before = emu.data_sources()
    with pytest.raises(APIResponseError) as refused:
        notion.data_sources.update(articles, properties={"Again": {"relation": {
            "data_source_id": articles, "dual_property": {"synced_property_name": "Related from"}}}})
    assert (refused.value.status, refused.value.code) == (400, "validation_error")
    assert emu.data_sources() == before


def test_removing_one_side_leaves_the_other_one_way(world):
    _, notion, articles, weekly = world
    notion.data_sources.update(weekly, properties={"Articles": None})
    weekly_prop = notion.data_sources.retrieve(articles)["properties"]["Weekly"]["relation"]
    assert weekly_prop["type"] == "single_property"


@pytest.fixture(scope="module")
def scratch():
    with NotionEmulator() as emu:
        yield emu, client(emu), emu.add_page("p")


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 4), st.sets(st.integers(0, 4), max_size=5)), min_size=1, max_size=8))
def test_any_sequence_of_edits_leaves_both_sides_mirrored(scratch, edits):
    emu, notion, parent = scratch
    ds = new_source(notion, parent, "A", {"Name": {"title": {}}})
    notion.data_sources.update(ds["id"], properties={"R": {"relation": {
        "data_source_id": ds["id"], "dual_property": {"synced_property_name": "S"}}}})
    pages = [new_page(notion, ds["id"], str(i)) for i in range(5)]
    for who, targets in edits:
        notion.pages.update(pages[who], properties={"R": {"relation": [{"id": pages[t]} for t in sorted(targets)]}})
    forward = {(p, q) for p in pages for q in related(emu, p, "R")}
    backward = {(q, p) for p in pages for q in related(emu, p, "S")}
    assert forward == backward
    last = {who: targets for who, targets in edits}
    assert forward == {(pages[w], pages[t]) for w, ts in last.items() for t in ts}


def test_resending_an_existing_dual_relation_changes_nothing(world):
    emu, notion, articles, _ = world
    before = emu.data_sources()
    notion.data_sources.update(articles, properties={"Related": {"relation": {
        "data_source_id": articles, "dual_property": {"synced_property_name": "Related from"}}}})
    after = emu.data_sources()
    assert [d["properties"] for d in after] == [d["properties"] for d in before]
