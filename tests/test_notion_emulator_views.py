"""Database views through the real client: create, list, retrieve, update, delete, and view queries.

Shapes are those of the ``test_views_*`` cassettes (replayed in ``..._cassettes.py``); the
request rules are the official SDK's request types (CreateViewRequest, UpdateViewRequest,
*ViewConfigRequest, ViewPositionRequest).
"""

from __future__ import annotations

import pytest
from notion_client.errors import APIResponseError

from tests.notion_emulator import NotionEmulator
from tests.notion_emulator.testkit import client, new_source, text

SCHEMA = {"Name": {"title": {}}, "Score": {"number": {}}, "KB ID": {"rich_text": {}},
          "Category": {"select": {"options": [{"name": "Research"}, {"name": "Tools"}]}},
          "Status": {"status": {}}, "Published": {"date": {}}}


@pytest.fixture
def world():
    with NotionEmulator() as emu:
        notion = client(emu)
        parent = emu.add_page("kbsync")
        ds = new_source(notion, parent, "Articles", SCHEMA)
        yield emu, notion, ds, ds["parent"]["database_id"]


def refusal(call) -> APIResponseError:
    with pytest.raises(APIResponseError) as refused:
        call()
    return refused.value


def pid(ds: dict, name: str) -> str:
    return ds["properties"][name]["id"]


def test_a_new_database_has_one_table_view_and_new_views_join_its_tabs(world):
    emu, notion, ds, db_id = world
    (default,) = notion.views.list(database_id=db_id)["results"]
    assert set(default) == {"object", "id"}
    assert notion.views.retrieve(default["id"])["type"] == "table"
    made = notion.views.create(database_id=db_id, data_source_id=ds["id"], name="Unread", type="table",
                               filter={"property": "Status", "status": {"does_not_equal": "Done"}},
                               sorts=[{"property": "Score", "direction": "descending"}])
    assert made["object"] == "view" and made["name"] == "Unread" and made["data_source_id"] == ds["id"]
    assert made["parent"] == {"type": "database_id", "database_id": db_id}
    assert made["configuration"] == {"type": "table"} and made["quick_filters"] is None
    assert made["sorts"] == [{"property": "Score", "direction": "descending"}]
    assert made["url"].endswith("?v=" + made["id"].replace("-", ""))
    first = notion.views.create(database_id=db_id, data_source_id=ds["id"], name="First", type="list",
                                position={"type": "start"})
    listed = notion.views.list(database_id=db_id)
    assert [v["id"] for v in listed["results"]] == [first["id"], default["id"], made["id"]]
    assert listed["type"] == "view" and listed["view"] == {}
    assert [v["name"] for v in emu.views(db_id)] == ["First", "Default view", "Unread"]
    assert [v["id"] for v in notion.views.list(data_source_id=ds["id"])["results"]] == \
        [default["id"], made["id"], first["id"]]
    again = notion.views.retrieve(made["id"])
    assert {k: v for k, v in again.items() if k != "request_id"} == {k: v for k, v in made.items() if k != "request_id"}


def test_update_changes_what_is_sent_and_clears_with_null(world):
    emu, notion, ds, db_id = world
    view = notion.views.create(database_id=db_id, data_source_id=ds["id"], name="V", type="table",
                               filter={"property": "Score", "number": {"greater_than": 50}})
    renamed = notion.views.update(view["id"], name="Must read")
    assert renamed["name"] == "Must read" and renamed["filter"] == view["filter"]
    assert renamed["last_edited_time"] >= view["last_edited_time"]
    hidden = notion.views.update(view["id"], configuration={
        "type": "table", "properties": [{"property_id": pid(ds, "KB ID"), "visible": False}]})
    assert hidden["configuration"]["properties"] == [
        {"property_id": pid(ds, "KB ID"), "visible": False, "property_name": "KB ID"}]
    cleared = notion.views.update(view["id"], filter=None, sorts=None)
    assert cleared["filter"] is None and cleared["sorts"] is None
    assert cleared["configuration"] == hidden["configuration"]
    # only property sorts on update (UpdateViewRequest), and only its keys
    error = refusal(lambda: notion.views.update(view["id"], sorts=[{"timestamp": "created_time",
                                                                    "direction": "ascending"}]))
    assert (error.status, str(error)) == (400, "body failed validation: body.sorts[0].property should be defined, "
                                               "instead was `undefined`.")
    error = refusal(lambda: notion.request(path=f"views/{view['id']}", method="PATCH", body={"type": "board"}))
    assert str(error) == 'body failed validation: body.type should be not present, instead was `"board"`.'


def test_delete_answers_the_partial_view_and_it_is_gone(world):
    emu, notion, ds, db_id = world
    view = notion.views.create(database_id=db_id, data_source_id=ds["id"], name="Gone", type="table")
    gone = notion.views.delete(view["id"])
    assert gone == {"object": "view", "id": view["id"], "parent": {"type": "database_id", "database_id": db_id},
                    "type": "table", "request_id": gone["request_id"]}
    assert refusal(lambda: notion.views.retrieve(view["id"])).status == 404
    assert view["id"] not in [v["id"] for v in notion.views.list(database_id=db_id)["results"]]


def test_a_board_groups_by_a_property_of_the_right_type(world):
    emu, notion, ds, db_id = world
    group = {"type": "select", "property_id": pid(ds, "Category"), "sort": {"type": "manual"}}
    board = notion.views.create(database_id=db_id, data_source_id=ds["id"], name="By category", type="board",
                                configuration={"type": "board", "group_by": group})
    assert board["configuration"] == {"type": "board", "group_by": dict(group, property_name="Category")}
    cases = [
        ({"type": "board"}, "body failed validation: body.configuration.group_by should be defined, instead was "
                            "`undefined`."),
        ({"type": "table"}, 'body failed validation: body.configuration.type should be `"board"` (the view\'s type), '
                            'instead was `"table"`.'),
        ({"type": "board", "group_by": dict(group, type="status")},
         'body failed validation: body.configuration.group_by.type should be `"select"` for property \'Category\', '
         'instead was `"status"`.'),
        ({"type": "board", "group_by": dict(group, property_id="nope")}, "Could not find property with id: nope"),
        ({"type": "board", "group_by": group, "colour": "red"},
         'body failed validation: body.configuration.colour should be not present, instead was `"red"`.'),
    ]
    for config, message in cases:
        error = refusal(lambda: notion.views.create(database_id=db_id, data_source_id=ds["id"], name="B",
                                                    type="board", configuration=config))
        assert (error.status, str(error)) == (400, message)
    assert len(emu.views(db_id)) == 2
    by_week = notion.views.create(database_id=db_id, data_source_id=ds["id"], name="By week", type="table",
                                  configuration={"type": "table", "group_by": {
                                      "type": "date", "property_id": pid(ds, "Published"), "group_by": "week",
                                      "sort": {"type": "descending"}}})
    assert by_week["configuration"]["group_by"]["property_name"] == "Published"


def test_views_are_checked_against_their_data_source_and_database(world):
    emu, notion, ds, db_id = world
    other = new_source(notion, ds["database_parent"]["page_id"], "Weekly", {"Name": {"title": {}}})
    error = refusal(lambda: notion.views.create(database_id=db_id, data_source_id=other["id"], name="X",
                                                type="table"))
    assert error.status == 400 and "does not belong to database" in str(error)
    error = refusal(lambda: notion.views.create(database_id=db_id, data_source_id=ds["id"], name="X",
                                                type="spreadsheet"))
    assert str(error).startswith('body failed validation: body.type should be `"table"`, `"board"`')
    error = refusal(lambda: notion.views.create(database_id=db_id, data_source_id=ds["id"], name="X", type="table",
                                                filter={"property": "Nope", "number": {"equals": 1}}))
    assert str(error) == "Could not find property with name or id: Nope"
    error = refusal(lambda: notion.views.list())
    assert error.status == 400
    assert len(emu.views(db_id)) == 1


def test_a_view_query_runs_the_views_filter_and_sorts(world):
    emu, notion, ds, db_id = world
    for name, score, category in (("a", 90, "Research"), ("b", 40, "Tools"), ("c", 95, "Tools"), ("d", 70, None)):
        props = {"Name": {"title": text(name)}, "Score": {"number": score}}
        if category:
            props["Category"] = {"select": {"name": category}}
        notion.pages.create(parent={"data_source_id": ds["id"]}, properties=props)
    titles = {p["id"]: p["properties"]["Name"]["title"][0]["plain_text"] for p in emu.pages(ds["id"])}
    view = notion.views.create(database_id=db_id, data_source_id=ds["id"], name="Good", type="table",
                               filter={"property": "Category", "select": {"equals": ["Research", "Tools"]}},
                               sorts=[{"property": "Score", "direction": "descending"}])
    result = notion.views.queries.create(view["id"], page_size=2)
    assert result["object"] == "view_query" and result["total_count"] == 3 and result["has_more"] is True
    assert [titles[r["id"]] for r in result["results"]] == ["c", "a"]
    rest = notion.views.queries.results(view["id"], result["id"], start_cursor=result["next_cursor"])
    assert [titles[r["id"]] for r in rest["results"]] == ["b"] and rest["type"] == "page"
    deleted = notion.views.queries.delete(view["id"], result["id"])
    assert deleted["deleted"] is True
    assert refusal(lambda: notion.views.queries.results(view["id"], result["id"])).status == 404
    assert emu.writes()[-1].path.endswith("/views")         # queries are reads


def test_views_survive_a_restart_with_a_state_file(tmp_path):
    state = tmp_path / "notion.json"
    with NotionEmulator(state_file=state) as emu:
        notion = client(emu)
        ds = new_source(notion, emu.add_page("kbsync"), "Articles", SCHEMA)
        db_id = ds["parent"]["database_id"]
        notion.views.create(database_id=db_id, data_source_id=ds["id"], name="Kept", type="table")
    with NotionEmulator(state_file=state) as again:
        assert [v["name"] for v in again.views(db_id)] == ["Default view", "Kept"]
