"""Data source queries through the real client: filters, sorts, pagination over 250 pages.

Every filter is checked against the same rule computed in Python over the
rows the test created, so a filter that matches too much or too little fails.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from notion_client.errors import APIResponseError
from notion_client.helpers import collect_paginated_api

from tests.notion_emulator import NotionEmulator
from tests.notion_emulator.testkit import client, new_source, plain, text

TIERS = ("must-read", "worth-reading", "skim")
START = date(2026, 1, 1)
SCHEMA = {"Name": {"title": {}}, "KB ID": {"rich_text": {}}, "Score": {"number": {}},
          "Tier": {"select": {"options": [{"name": t} for t in TIERS]}}, "Tags": {"multi_select": {}},
          "Published": {"date": {}}, "Done": {"checkbox": {}}}


def row(i: int) -> dict:
    return {"i": i, "name": f"Article {i:03d}", "kb": f"kb-{i}", "score": (i * 37) % 101, "tier": TIERS[i % 3],
            "tags": ["a"] + (["b"] if i % 4 == 0 else []), "day": START + timedelta(days=i), "done": i % 2 == 0,
            "link": i - 1 if i % 10 == 0 and i else None}


@pytest.fixture(scope="module")
def world():
    with NotionEmulator() as emu:
        notion = client(emu)
        ds = new_source(notion, emu.add_page("kbsync"), "Articles", SCHEMA)
        notion.data_sources.update(ds["id"], properties={
            "Link": {"relation": {"data_source_id": ds["id"], "single_property": {}}}})
        rows, ids = [row(i) for i in range(250)], []
        for r in rows:
            props = {"Name": {"title": text(r["name"])}, "KB ID": {"rich_text": text(r["kb"])},
                     "Score": {"number": r["score"]}, "Tier": {"select": {"name": r["tier"]}},
                     "Tags": {"multi_select": [{"name": t} for t in r["tags"]]},
                     "Published": {"date": {"start": r["day"].isoformat()}}, "Done": {"checkbox": r["done"]}}
            if r["link"] is not None:
                props["Link"] = {"relation": [{"id": ids[r["link"]]}]}
            ids.append(notion.pages.create(parent={"data_source_id": ds["id"]}, properties=props)["id"])
        yield emu, notion, ds["id"], rows, ids


def query_all(notion, ds_id, **body) -> list[dict]:
    return collect_paginated_api(notion.data_sources.query, data_source_id=ds_id, **body)


def test_pagination_walks_250_pages_in_creation_order(world):
    emu, notion, ds_id, rows, ids = world
    first = notion.data_sources.query(ds_id)
    assert len(first["results"]) == 100 and first["has_more"] is True and first["next_cursor"] == ids[100]
    assert first["object"] == "list" and first["type"] == "page_or_data_source"
    small = notion.data_sources.query(ds_id, page_size=7, start_cursor=ids[245])
    assert [p["id"] for p in small["results"]] == ids[245:] and small["has_more"] is False
    assert small["next_cursor"] is None
    assert [p["id"] for p in query_all(notion, ds_id)] == ids
    emu.clear_log()
    assert len(query_all(notion, ds_id, page_size=100)) == 250
    assert len(emu.requests) == 3


def kb(i: int) -> dict:
    return {"property": "KB ID", "rich_text": {"equals": f"kb-{i}"}}


FILTERS = {
    "rich_text equals": (kb(42), lambda r: r["kb"] == "kb-42"),
    "rich_text contains": ({"property": "KB ID", "rich_text": {"contains": "-24"}}, lambda r: "-24" in r["kb"]),
    "title contains ignores case": ({"property": "Name", "title": {"contains": "ARTICLE 01"}},
                                    lambda r: r["name"].startswith("Article 01")),
    "title starts_with": ({"property": "Name", "title": {"starts_with": "article 2"}},
                          lambda r: r["name"].startswith("Article 2")),
    "number equals": ({"property": "Score", "number": {"equals": 37}}, lambda r: r["score"] == 37),
    "number greater_than": ({"property": "Score", "number": {"greater_than": 90}}, lambda r: r["score"] > 90),
    "number less_than": ({"property": "Score", "number": {"less_than": 5}}, lambda r: r["score"] < 5),
    "select equals": ({"property": "Tier", "select": {"equals": "skim"}}, lambda r: r["tier"] == "skim"),
    "multi_select contains": ({"property": "Tags", "multi_select": {"contains": "b"}}, lambda r: "b" in r["tags"]),
    "date on_or_after": ({"property": "Published", "date": {"on_or_after": "2026-08-01"}},
                         lambda r: r["day"] >= date(2026, 8, 1)),
    "date before": ({"property": "Published", "date": {"before": "2026-01-10"}}, lambda r: r["day"] < date(2026, 1, 10)),
    "checkbox equals": ({"property": "Done", "checkbox": {"equals": True}}, lambda r: r["done"]),
    "relation is_not_empty": ({"property": "Link", "relation": {"is_not_empty": True}}, lambda r: r["link"] is not None),
    "and": ({"and": [{"property": "Score", "number": {"greater_than": 50}},
                     {"property": "Tier", "select": {"equals": "must-read"}}]},
            lambda r: r["score"] > 50 and r["tier"] == "must-read"),
    "or": ({"or": [kb(1), kb(2), kb(249)]}, lambda r: r["i"] in (1, 2, 249)),
    "two levels": ({"and": [{"or": [kb(3), kb(4)]}, {"property": "Done", "checkbox": {"equals": True}}]},
                   lambda r: r["i"] == 4),
    "timestamp": ({"timestamp": "created_time", "created_time": {"on_or_after": "2020-01-01"}}, lambda r: True),
}


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_filters_match_exactly_the_rows_they_describe(world, name):
    _, notion, ds_id, rows, ids = world
    flt, rule = FILTERS[name]
    expected = [ids[r["i"]] for r in rows if rule(r)]
    assert expected, "a filter that matches nothing proves little"
    assert [p["id"] for p in query_all(notion, ds_id, filter=flt)] == expected


def test_relation_contains_finds_the_linking_page(world):
    _, notion, ds_id, _, ids = world
    found = query_all(notion, ds_id, filter={"property": "Link", "relation": {"contains": ids[19]}})
    assert [p["id"] for p in found] == [ids[20]]


def test_sorts_by_property_then_property(world):
    _, notion, ds_id, rows, ids = world
    got = query_all(notion, ds_id, sorts=[{"property": "Score", "direction": "descending"},
                                          {"property": "Name", "direction": "ascending"}])
    expected = sorted(rows, key=lambda r: (-r["score"], r["name"]))
    assert [p["id"] for p in got] == [ids[r["i"]] for r in expected]
    by_tier = query_all(notion, ds_id, sorts=[{"property": "Tier", "direction": "ascending"}])
    assert [p["properties"]["Tier"]["select"]["name"] for p in by_tier][::100] == ["must-read", "worth-reading", "skim"]


def test_sorts_by_timestamps(world):
    _, notion, ds_id, _, ids = world
    newest = query_all(notion, ds_id, sorts=[{"timestamp": "created_time", "direction": "descending"}])
    assert [p["id"] for p in newest] == ids[::-1]
    notion.pages.update(ids[7], properties={"Done": {"checkbox": False}})
    edited = notion.data_sources.query(ds_id, page_size=1,
                                       sorts=[{"timestamp": "last_edited_time", "direction": "descending"}])
    assert edited["results"][0]["id"] == ids[7]


def test_filter_properties_limits_what_comes_back(world):
    _, notion, ds_id, _, ids = world
    got = notion.data_sources.query(ds_id, page_size=1, filter_properties=["Score", "title"])
    assert set(got["results"][0]["properties"]) == {"Score", "Name"}
    page = notion.pages.retrieve(ids[0], filter_properties=["KB ID"])
    assert set(page["properties"]) == {"KB ID"}


@pytest.mark.parametrize("flt, message", [
    ({"property": "Nope", "number": {"equals": 1}}, "Could not find property with name or id: Nope"),
    ({"property": "Score", "rich_text": {"equals": "1"}},
     "body failed validation: body.filter.rich_text does not match the type of property 'Score' (number)."),
    ({"and": [{"or": [{"and": [kb(1)]}]}]},
     "body failed validation: body.filter.and[0].or[0].and should be not present: compound filters nest at most two levels."),
])
def test_bad_filters_are_refused(world, flt, message):
    _, notion, ds_id, _, _ = world
    with pytest.raises(APIResponseError) as refused:
        notion.data_sources.query(ds_id, filter=flt)
    assert (refused.value.status, refused.value.code, str(refused.value)) == (400, "validation_error", message)


def test_empty_values_sort_last_both_ways():
    with NotionEmulator() as emu:
        notion = client(emu)
        ds = new_source(notion, emu.add_page("p"), "S", {"Name": {"title": {}}, "Score": {"number": {}}})
        made = [notion.pages.create(parent={"data_source_id": ds["id"]},
                                    properties={} if s is None else {"Score": {"number": s}})["id"]
                for s in (2, None, 1, 3)]
        up = notion.data_sources.query(ds["id"], sorts=[{"property": "Score", "direction": "ascending"}])
        down = notion.data_sources.query(ds["id"], sorts=[{"property": "Score", "direction": "descending"}])
        assert [p["id"] for p in up["results"]] == [made[2], made[0], made[3], made[1]]
        assert [p["id"] for p in down["results"]] == [made[3], made[0], made[2], made[1]]


@pytest.fixture(scope="module")
def scratch():
    with NotionEmulator() as emu:
        yield client(emu), emu.add_page("scratch")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(titles=st.lists(st.text(min_size=0, max_size=12), min_size=1, max_size=6),
       needle=st.text(min_size=1, max_size=3))
def test_title_contains_is_a_case_insensitive_substring_test(scratch, titles, needle):
    notion, parent = scratch
    ds = new_source(notion, parent, "T", {"Name": {"title": {}}})
    made = [notion.pages.create(parent={"data_source_id": ds["id"]},
                                properties={"Name": {"title": text(t) if t else []}})["id"] for t in titles]
    got = notion.data_sources.query(ds["id"], filter={"property": "Name", "title": {"contains": needle}})
    assert [p["id"] for p in got["results"]] == [i for i, t in zip(made, titles) if needle.casefold() in t.casefold()]
    assert all(needle.casefold() in plain(p["properties"]["Name"]["title"]).casefold() for p in got["results"])
