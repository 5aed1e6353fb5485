"""Limits and refusals: the right status, code and message, and nothing changed.

Each limit of https://developers.notion.com/reference/request-limits is
broken once through the real client. A refused request must leave the
workspace exactly as it was -- no page, no block, no new select option
(every broken request also names a brand-new multi_select option).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from notion_client.errors import APIResponseError, HTTPResponseError

from tests.notion_emulator import NotionEmulator
from tests.notion_emulator.testkit import client, new_source, plain, text

SCHEMA = {"Name": {"title": {}}, "Summary": {"rich_text": {}}, "Score": {"number": {}}, "URL": {"url": {}},
          "Tags": {"multi_select": {}}, "Stage": {"status": {}}, "Tier": {"select": {}}}
FRESH = {"Tags": {"multi_select": [{"name": "brand-new"}]}}
OK = "body failed validation: "


@pytest.fixture
def world():
    with NotionEmulator() as emu:
        notion = client(emu)
        parent = emu.add_page("kbsync")
        ds = new_source(notion, parent, "Articles", dict(SCHEMA, Related={"rich_text": {}}))
        other = new_source(notion, parent, "Other", {"Name": {"title": {}}})
        notion.data_sources.update(ds["id"], properties={
            "Related": None, "Link": {"relation": {"data_source_id": ds["id"], "single_property": {}}}})
        stranger = notion.pages.create(parent={"data_source_id": other["id"]}, properties={})
        page = notion.pages.create(parent={"data_source_id": ds["id"]}, properties={})
        emu.clear_log()
        yield emu, notion, ds, page["id"], stranger["id"]


def paragraphs(n: int, size: int = 1) -> list[dict]:
    return [{"paragraph": {"rich_text": text("x" * size)}} for _ in range(n)]


def nested(depth: int) -> dict:
    block: dict = {"toggle": {"rich_text": text("leaf")}}
    for _ in range(depth - 1):
        block = {"toggle": {"rich_text": text("up"), "children": [block]}}
    return block


PAGE_CASES = {
    "text content over 2,000": ({"Summary": {"rich_text": text("x" * 2001)}},
                                OK + "body.properties.Summary.rich_text[0].text.content.length should be ≤ `2000`, instead was `2001`."),
    "rich text array over 100": ({"Summary": {"rich_text": text("x") * 101}},
                                 OK + "body.properties.Summary.rich_text.length should be ≤ `100`, instead was `101`."),
    "link url over 2,000": ({"Summary": {"rich_text": [{"text": {"content": "a", "link": {"url": "h" * 2001}}}]}},
                            OK + "body.properties.Summary.rich_text[0].text.link.url.length should be ≤ `2000`, instead was `2001`."),
    "url over 2,000": ({"URL": {"url": "https://x.test/" + "a" * 1990}},
                       OK + "body.properties.URL.url.length should be ≤ `2000`, instead was `2005`."),
    "multi_select over 100": ({"Tags": {"multi_select": [{"name": f"t{i}"} for i in range(101)]}},
                              OK + "body.properties.Tags.multi_select.length should be ≤ `100`, instead was `101`."),
    "relation over 100": ({"Link": {"relation": [{"id": "00000000-0000-4000-8000-%012d" % i} for i in range(101)]}},
                          OK + "body.properties.Link.relation.length should be ≤ `100`, instead was `101`."),
    "equation over 1,000": ({"Summary": {"rich_text": [{"equation": {"expression": "x" * 1001}}]}},
                            OK + "body.properties.Summary.rich_text[0].equation.expression.length should be ≤ `1000`, instead was `1001`."),
    "unknown property": ({"Nope": {"number": 1}}, "Nope is not a property that exists."),
    "wrong property type": ({"Score": {"rich_text": text("1")}}, "Score is expected to be number."),
    "not a number": ({"Score": {"number": "12"}},
                     OK + 'body.properties.Score.number should be a number or `null`, instead was `"12"`.'),
    "comma in an option": ({"Tier": {"select": {"name": "a,b"}}},
                           "Invalid select option, commas not allowed: a,b"),   # egordm/notionsci#13
    "unknown status": ({"Stage": {"status": {"name": "Someday"}}},
                       'Invalid status option. Status option "Someday" does not exist.'),
}


@pytest.mark.parametrize("case", sorted(PAGE_CASES))
@pytest.mark.parametrize("how", ["create", "update"])
def test_property_limits_refuse_the_whole_request(world, case, how):
    emu, notion, ds, page_id, _ = world
    props, message = PAGE_CASES[case]
    before = (emu.pages(ds["id"]), emu.data_sources())
    with pytest.raises(APIResponseError) as refused:
        if how == "create":
            notion.pages.create(parent={"data_source_id": ds["id"]}, properties=dict(FRESH, **props))
        else:
            notion.pages.update(page_id, properties=dict(FRESH, **props))
    assert (refused.value.status, refused.value.code, str(refused.value)) == (400, "validation_error", message)
    assert json.loads(refused.value.body)["object"] == "error" and refused.value.request_id
    assert (emu.pages(ds["id"]), emu.data_sources()) == before and emu.writes() == []


BLOCK_CASES = {
    "over 100 children": (paragraphs(150), OK + "body.children.length should be ≤ `100`, instead was `150`."),
    "text over 2,000 in a block": (paragraphs(1) + paragraphs(1, 2001),
                                   OK + "body.children[1].paragraph.rich_text[0].text.content.length should be ≤ `2000`, instead was `2001`."),
    "three levels of nesting": ([nested(3)],
                                OK + "body.children[0].toggle.children[0].toggle.children should be not present, "
                                     'instead was `[{"toggle":{"rich_text":[{"type":"text","text":{"content":"leaf"}}]}}]`.'),
    "over 1,000 blocks": ([{"toggle": {"rich_text": text("t"), "children": paragraphs(100)}} for _ in range(10)],
                          OK + "body should contain at most `1000` blocks in one request, instead was `1010`."),
}


@pytest.mark.parametrize("case", sorted(BLOCK_CASES))
@pytest.mark.parametrize("how", ["append", "create"])
def test_block_limits_refuse_the_whole_request(world, case, how):
    emu, notion, ds, page_id, _ = world
    children, message = BLOCK_CASES[case]
    before = (emu.pages(ds["id"]), emu.children(page_id), emu.data_sources())
    with pytest.raises(APIResponseError) as refused:
        if how == "append":
            notion.blocks.children.append(page_id, children=children)
        else:
            notion.pages.create(parent={"data_source_id": ds["id"]}, properties=FRESH, children=children)
    assert (refused.value.status, refused.value.code, str(refused.value)) == (400, "validation_error", message)
    assert (emu.pages(ds["id"]), emu.children(page_id), emu.data_sources()) == before and emu.writes() == []


def test_two_levels_of_nesting_are_accepted(world):
    emu, notion, _, page_id, _ = world
    (made,) = notion.blocks.children.append(page_id, children=[nested(2)])["results"]
    assert made["has_children"] is True and len(emu.children(made["id"])) == 1


def test_bodies_over_500_kb_are_refused(world):
    emu, notion, ds, page_id, _ = world
    big = [{"paragraph": {"rich_text": text("x" * 2000) * 3}} for _ in range(90)]
    with pytest.raises(APIResponseError) as refused:
        notion.blocks.children.append(page_id, children=big)
    assert refused.value.code == "validation_error"
    assert str(refused.value).startswith(OK + "body should be ≤ `500000` bytes, instead was `")
    assert emu.children(page_id) == [] and emu.writes() == []


def test_relation_targets_must_exist_and_belong_to_the_related_source(world):
    emu, notion, ds, page_id, stranger = world
    missing = "00000000-0000-4000-8000-000000000001"
    with pytest.raises(APIResponseError) as unknown:
        notion.pages.update(page_id, properties={"Link": {"relation": [{"id": missing}]}})
    assert (unknown.value.status, unknown.value.code) == (404, "object_not_found")
    with pytest.raises(APIResponseError) as foreign:
        notion.pages.update(page_id, properties={"Link": {"relation": [{"id": stranger}]}})
    assert (foreign.value.status, foreign.value.code) == (400, "validation_error")
    assert emu.writes() == []


def test_authentication_and_version_are_checked_first():
    with NotionEmulator(token="secret_test") as emu:
        for token in ("wrong", None):
            anyone = client(emu, token="") if token is None else client(emu, token=token)
            with pytest.raises(APIResponseError) as refused:
                anyone.users.me()
            assert (refused.value.status, refused.value.code, str(refused.value)) == \
                (401, "unauthorized", "API token is invalid.")
        versionless = client(emu)
        del versionless.client.headers["Notion-Version"]
        with pytest.raises(HTTPResponseError) as unversioned:
            versionless.users.me()
        body = json.loads(unversioned.value.body)
        assert (unversioned.value.status, body["code"]) == (400, "missing_version")
        assert body["message"] == ("Notion-Version header failed validation: Notion-Version header should be "
                                   "defined, instead was `undefined`.")


def test_unknown_ids_urls_and_bad_bodies(world):
    emu, notion, *_ = world
    missing = "00000000-0000-4000-8000-0000000000ff"
    for call, kind in ((notion.pages.retrieve, "page"), (notion.data_sources.retrieve, "data source"),
                       (notion.blocks.retrieve, "block"), (notion.databases.retrieve, "database")):
        with pytest.raises(APIResponseError) as refused:
            call(missing)
        assert (refused.value.status, refused.value.code) == (404, "object_not_found")
        assert str(refused.value).startswith(f"Could not find {kind} with ID: {missing}. Make sure")
        assert refused.value.additional_data == {"integration_id": notion.users.me()["id"]}
    with pytest.raises(APIResponseError) as bad_id:
        notion.pages.retrieve("nope")
    assert str(bad_id.value) == 'path failed validation: path.page_id should be a valid uuid, instead was `"nope"`.'
    with pytest.raises(APIResponseError) as bad_url:
        notion.request(path="nowhere", method="GET")
    assert (bad_url.value.code, str(bad_url.value)) == ("invalid_request_url", "Invalid request URL.")
    answer = notion.client.post("pages", content=b"{not json")
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_json"
    with pytest.raises(APIResponseError) as too_many:
        notion.blocks.children.list(world[3], page_size=101)
    assert str(too_many.value) == "query failed validation: query.page_size should be ≤ `100`, instead was `101`."


@pytest.fixture(scope="module")
def shared():
    with NotionEmulator() as emu:
        notion = client(emu)
        ds = new_source(notion, emu.add_page("kbsync"), "Articles", SCHEMA)
        page = notion.pages.create(parent={"data_source_id": ds["id"]}, properties={})
        yield notion, page["id"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=2100) | st.text(alphabet="a😀", min_size=990, max_size=1010))
def test_any_text_up_to_2000_characters_round_trips_and_longer_is_refused(shared, content):
    """Lengths count UTF-16 code units, as Notion's JavaScript does: 😀 counts two."""
    notion, page_id = shared
    units = len(content.encode("utf-16-le")) // 2
    if units <= 2000:
        got = notion.pages.update(page_id, properties={"Summary": {"rich_text": text(content)}})
        assert plain(got["properties"]["Summary"]["rich_text"]) == content
    else:
        with pytest.raises(APIResponseError) as refused:
            notion.pages.update(page_id, properties={"Summary": {"rich_text": text(content)}})
        assert str(refused.value).endswith(f"should be ≤ `2000`, instead was `{units}`.")
