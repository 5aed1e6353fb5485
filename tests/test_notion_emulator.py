"""The Notion emulator through the real notion-client: objects, schema, pages, blocks, search.

Limits and errors are in ``test_notion_emulator_limits.py``; queries in
``..._query.py``; relations in ``..._relations.py``; rate limit, faults and
lost answers in ``..._faults.py``; conformance to the recorded real API in
``..._cassettes.py``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from notion_client.errors import APIResponseError

from tests.notion_emulator import EmulatorError, NotionEmulator
from tests.notion_emulator.testkit import ALL_TYPES, client, new_source, plain, text

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def emu():
    with NotionEmulator(token="secret_test") as emulator:
        yield emulator


@pytest.fixture
def notion(emu):
    return client(emu)


@pytest.fixture
def parent(emu):
    return emu.add_page("kbsync")


def test_database_with_initial_data_source_answers_the_2025_09_03_shape(emu, notion, parent):
    db = notion.databases.create(parent={"type": "page_id", "page_id": parent}, title=text("Articles"),
                                 initial_data_source={"properties": ALL_TYPES})
    assert db["object"] == "database" and db["parent"] == {"type": "page_id", "page_id": parent}
    assert [s["name"] for s in db["data_sources"]] == ["Articles"]
    ds = notion.data_sources.retrieve(db["data_sources"][0]["id"])
    assert ds["parent"] == {"type": "database_id", "database_id": db["id"]}
    assert ds["database_parent"] == {"type": "page_id", "page_id": parent}
    assert set(ds["properties"]) == set(ALL_TYPES)
    assert ds["properties"]["Name"]["id"] == "title"
    assert [o["name"] for o in ds["properties"]["Tier"]["select"]["options"]] == ["must-read", "skim"]
    assert ds["properties"]["Tier"]["select"]["options"][0]["color"] == "red"
    assert [o["name"] for o in ds["properties"]["Stage"]["status"]["options"]] == ["Not started", "In progress", "Done"]
    assert notion.databases.retrieve(db["id"])["data_sources"] == db["data_sources"]
    # the database shows in its parent page as a child_database block
    (block,) = notion.blocks.children.list(parent)["results"]
    assert block["type"] == "child_database" and block["child_database"] == {"title": "Articles"}
    assert emu.data_sources()[0]["id"] == ds["id"]


def test_a_second_data_source_joins_its_database(notion, parent):
    first = new_source(notion, parent, "Articles", {"Name": {"title": {}}})
    second = notion.data_sources.create(parent={"type": "database_id", "database_id": first["parent"]["database_id"]},
                                        title=text("Archive"), properties={"Title": {"title": {}}})
    db = notion.databases.retrieve(first["parent"]["database_id"])
    assert [s["id"] for s in db["data_sources"]] == [first["id"], second["id"]]
    assert second["properties"]["Title"]["type"] == "title"


def test_page_with_every_property_type_round_trips(emu, notion, parent):
    ds = new_source(notion, parent, "Articles", ALL_TYPES)
    props = {
        "Name": {"title": text("Hello")},
        "Summary": {"rich_text": [{"text": {"content": "bold", "link": {"url": "https://x.test"}},
                                   "annotations": {"bold": True}}]},
        "Score": {"number": 87.5},
        "Tier": {"select": {"name": "must-read"}},
        "Tags": {"multi_select": [{"name": "agents"}, {"name": "LLM"}]},
        "Stage": {"status": {"name": "In progress"}},
        "Published": {"date": {"start": "2026-02-07T10:00:00.000+00:00"}},
        "URL": {"url": "https://example.com/a"},
        "Contact": {"email": "a@example.com"},
        "Phone": {"phone_number": "+33 1 23"},
        "Done": {"checkbox": True},
        "Owner": {"people": [{"object": "user", "id": notion.users.me()["id"]}]},
    }
    page = notion.pages.create(parent={"data_source_id": ds["id"]}, properties=props)
    got = notion.pages.retrieve(page["id"])["properties"]
    assert page["parent"] == {"type": "data_source_id", "data_source_id": ds["id"],
                              "database_id": ds["parent"]["database_id"]}
    assert plain(got["Name"]["title"]) == "Hello"
    summary = got["Summary"]["rich_text"][0]
    assert summary["annotations"]["bold"] is True and summary["href"] == "https://x.test"
    assert summary["text"] == {"content": "bold", "link": {"url": "https://x.test"}}
    assert got["Score"] == {"id": ds["properties"]["Score"]["id"], "type": "number", "number": 87.5}
    assert got["Tier"]["select"]["name"] == "must-read"
    assert [t["name"] for t in got["Tags"]["multi_select"]] == ["agents", "LLM"]
    assert got["Stage"]["status"]["name"] == "In progress"
    assert got["Published"]["date"] == {"start": "2026-02-07T10:00:00.000+00:00", "end": None, "time_zone": None}
    assert (got["URL"]["url"], got["Contact"]["email"], got["Phone"]["phone_number"]) == \
        ("https://example.com/a", "a@example.com", "+33 1 23")
    assert got["Done"]["checkbox"] is True
    assert got["Owner"]["people"][0]["id"] == notion.users.me()["id"]
    assert got["Created"]["created_time"] == page["created_time"]
    # options named on the fly joined the schema
    schema = notion.data_sources.retrieve(ds["id"])["properties"]
    assert [o["name"] for o in schema["Tags"]["multi_select"]["options"]] == ["agents", "LLM"]


def test_missing_values_answer_empty_and_status_defaults(notion, parent):
    ds = new_source(notion, parent, "Articles", ALL_TYPES)
    got = notion.pages.create(parent={"data_source_id": ds["id"]}, properties={})["properties"]
    assert got["Name"]["title"] == [] and got["Summary"]["rich_text"] == []
    assert got["Score"]["number"] is None and got["Tier"]["select"] is None and got["Tags"]["multi_select"] == []
    assert got["Published"]["date"] is None and got["URL"]["url"] is None and got["Done"]["checkbox"] is False
    assert got["Stage"]["status"]["name"] == "Not started"


def test_update_changes_only_what_is_sent_and_bumps_last_edited(notion, parent):
    ds = new_source(notion, parent, "Articles", ALL_TYPES)
    page = notion.pages.create(parent={"data_source_id": ds["id"]},
                               properties={"Name": {"title": text("A")}, "Score": {"number": 1}})
    after = notion.pages.update(page["id"], properties={"Score": {"number": 2}}, icon={"emoji": "🔥"})
    assert after["properties"]["Score"]["number"] == 2 and plain(after["properties"]["Name"]["title"]) == "A"
    assert after["icon"] == {"type": "emoji", "emoji": "🔥"}
    assert after["last_edited_time"] > page["last_edited_time"]
    cleared = notion.pages.update(page["id"], properties={"Score": {"number": None}}, icon=None)
    assert cleared["properties"]["Score"]["number"] is None and cleared["icon"] is None


def test_schema_update_adds_renames_removes_and_adds_options(notion, parent):
    ds = new_source(notion, parent, "Articles", {"Name": {"title": {}}, "Old": {"rich_text": {}},
                                                  "Tier": {"select": {"options": [{"name": "a"}]}}})
    page = notion.pages.create(parent={"data_source_id": ds["id"]}, properties={"Old": {"rich_text": text("kept")}})
    old_id = ds["properties"]["Old"]["id"]
    updated = notion.data_sources.update(ds["id"], title=text("Articles v2"), properties={
        "Old": {"name": "New"}, "Extra": {"number": {}}, "Tier": {"select": {"options": [{"name": "b", "color": "blue"}]}}})
    assert set(updated["properties"]) == {"Name", "New", "Extra", "Tier"}
    assert updated["properties"]["New"]["id"] == old_id
    assert [o["name"] for o in updated["properties"]["Tier"]["select"]["options"]] == ["a", "b"]
    assert plain(updated["title"]) == "Articles v2"
    assert plain(notion.pages.retrieve(page["id"])["properties"]["New"]["rich_text"]) == "kept"
    removed = notion.data_sources.update(ds["id"], properties={"Extra": None})
    assert "Extra" not in removed["properties"]
    with pytest.raises(APIResponseError) as refused:
        notion.data_sources.update(ds["id"], properties={"Name": None})
    assert refused.value.status == 400 and refused.value.code == "validation_error"


def test_pages_under_pages_and_their_content(emu, notion, parent):
    child = notion.pages.create(parent={"page_id": parent}, properties={"title": text("Notes")},
                                children=[{"heading_2": {"rich_text": text("Top")}},
                                          {"toggle": {"rich_text": text("More"),
                                                      "children": [{"paragraph": {"rich_text": text("inside")}}]}}])
    assert child["parent"] == {"type": "page_id", "page_id": parent}
    assert plain(child["properties"]["title"]["title"]) == "Notes"
    listed = notion.blocks.children.list(child["id"])["results"]
    assert [b["type"] for b in listed] == ["heading_2", "toggle"]
    assert listed[1]["has_children"] is True and listed[0]["heading_2"]["is_toggleable"] is False
    inner = notion.blocks.children.list(listed[1]["id"])["results"]
    assert plain(inner[0]["paragraph"]["rich_text"]) == "inside"
    assert inner[0]["parent"] == {"type": "block_id", "block_id": listed[1]["id"]}
    assert [b["type"] for b in emu.children(parent)] == ["child_page"]
    assert [b["type"] for b in emu.children(listed[1]["id"])] == ["paragraph"]


def test_children_append_list_position_pagination_and_delete(emu, notion, parent):
    page = notion.pages.create(parent={"page_id": parent}, properties={"title": text("P")})
    first = notion.blocks.children.append(page["id"], children=[
        {"paragraph": {"rich_text": text(f"p{i}")}} for i in range(5)])["results"]
    notion.blocks.children.append(page["id"], children=[{"divider": {}}], after=first[0]["id"])
    notion.blocks.children.append(page["id"], children=[{"quote": {"rich_text": text("q")}}],
                                  position={"type": "start"})
    listed = notion.blocks.children.list(page["id"], page_size=3)
    assert [b["type"] for b in listed["results"]] == ["quote", "paragraph", "divider"]
    assert listed["has_more"] is True and listed["next_cursor"] == first[1]["id"]
    rest = notion.blocks.children.list(page["id"], start_cursor=listed["next_cursor"], page_size=3)
    assert [plain(b["paragraph"]["rich_text"]) for b in rest["results"]] == ["p1", "p2", "p3"]
    gone = notion.blocks.delete(first[2]["id"])
    assert gone["in_trash"] is True and gone["archived"] is True
    assert notion.blocks.retrieve(first[2]["id"])["in_trash"] is True
    assert len(emu.children(page["id"])) == 6
    with pytest.raises(APIResponseError) as twice:
        notion.blocks.delete(first[2]["id"])
    assert str(twice.value) == "Can't edit block that is archived. You must unarchive the block before editing."
    edited = notion.blocks.update(first[0]["id"], paragraph={"rich_text": text("changed")})
    assert plain(edited["paragraph"]["rich_text"]) == "changed"


def test_trashed_page_cannot_be_edited_until_restored(notion, parent):
    ds = new_source(notion, parent, "Articles", {"Name": {"title": {}}, "Score": {"number": {}}})
    page = notion.pages.create(parent={"data_source_id": ds["id"]}, properties={})
    trashed = notion.blocks.delete(page["id"])
    assert trashed["type"] == "child_page" and trashed["in_trash"] is True
    assert notion.pages.retrieve(page["id"])["in_trash"] is True
    assert notion.data_sources.query(ds["id"])["results"] == []
    with pytest.raises(APIResponseError) as refused:
        notion.pages.update(page["id"], properties={"Score": {"number": 1}})
    assert refused.value.status == 400 and refused.value.code == "validation_error"
    restored = notion.pages.update(page["id"], in_trash=False, properties={"Score": {"number": 1}})
    assert restored["in_trash"] is False and restored["properties"]["Score"]["number"] == 1
    assert [p["id"] for p in notion.data_sources.query(ds["id"])["results"]] == [page["id"]]


def test_search_finds_data_sources_and_pages_by_title(notion, parent):
    articles = new_source(notion, parent, "Articles", {"Name": {"title": {}}})
    new_source(notion, parent, "Weekly", {"Name": {"title": {}}})
    notion.pages.create(parent={"data_source_id": articles["id"]}, properties={"Name": {"title": text("Articles of faith")}})
    found = notion.search(query="articles", filter={"property": "object", "value": "data_source"})
    assert [r["id"] for r in found["results"]] == [articles["id"]]
    assert found["results"][0]["object"] == "data_source" and found["type"] == "page_or_data_source"
    pages = notion.search(query="articles", filter={"property": "object", "value": "page"})["results"]
    assert [plain(p["properties"]["Name"]["title"]) for p in pages] == ["Articles of faith"]
    assert len(notion.search()["results"]) == 4     # parent page, two data sources, one page
    with pytest.raises(APIResponseError) as refused:
        notion.search(filter={"property": "object", "value": "database"})
    assert refused.value.code == "validation_error"


def test_users_me_and_parent_page_answer_like_doctor_expects(notion, parent):
    me = notion.users.me()
    assert me["type"] == "bot" and me["bot"]["owner"] == {"type": "workspace", "workspace": True}
    page = notion.pages.retrieve(parent)
    assert page["parent"] == {"type": "workspace", "workspace": True} and plain(page["properties"]["title"]["title"]) == "kbsync"


def test_a_human_edit_is_validated_bumps_last_edited_and_is_not_logged(emu, notion, parent):
    ds = new_source(notion, parent, "Articles", {"Name": {"title": {}}, "Status": {"select": {}}})
    page = notion.pages.create(parent={"data_source_id": ds["id"]}, properties={})
    emu.clear_log()
    edited = emu.edit_page(page["id"], {"Status": {"select": {"name": "read"}}})
    assert edited["properties"]["Status"]["select"]["name"] == "read"
    assert edited["last_edited_time"] > page["last_edited_time"]
    assert edited["last_edited_by"]["id"] != notion.users.me()["id"]
    assert [r.path for r in emu.requests] == ["/v1/users/me"] and emu.writes() == []
    with pytest.raises(EmulatorError) as refused:
        emu.edit_page(page["id"], {"Nope": {"number": 1}})
    assert refused.value.code == "validation_error" and refused.value.message == "Nope is not a property that exists."
    assert emu.page(page["id"])["properties"]["Status"]["select"]["name"] == "read"
    assert [p["id"] for p in emu.pages(ds["id"])] == [page["id"]]


def test_writes_lists_only_successful_state_changes(emu, notion, parent):
    ds = new_source(notion, parent, "Articles", {"Name": {"title": {}}})
    emu.clear_log()
    notion.data_sources.query(ds["id"])
    notion.search(query="x")
    page = notion.pages.create(parent={"data_source_id": ds["id"]}, properties={})
    notion.pages.update(page["id"], properties={})
    with pytest.raises(APIResponseError):
        notion.pages.create(parent={"data_source_id": ds["id"]}, properties={"Nope": {"number": 1}})
    assert [(r.method, r.path) for r in emu.writes()] == [("POST", "/v1/pages"), ("PATCH", f"/v1/pages/{page['id']}")]
    assert emu.writes()[0].body["parent"] == {"data_source_id": ds["id"]}
    assert [r.status for r in emu.requests] == [200, 200, 200, 200, 400]


def test_state_file_keeps_the_workspace_between_runs(tmp_path):
    state = tmp_path / "notion.json"
    with NotionEmulator(state_file=state) as first:
        parent = first.add_page("kbsync")
        ds = new_source(client(first), parent, "Articles", {"Name": {"title": {}}, "Tags": {"multi_select": {}}})
        page = client(first).pages.create(parent={"data_source_id": ds["id"]},
                                          properties={"Tags": {"multi_select": [{"name": "x"}]}})
    with NotionEmulator(state_file=state) as second:
        again = client(second).pages.retrieve(page["id"])
        assert again["properties"]["Tags"]["multi_select"][0]["name"] == "x"
        assert client(second).data_sources.retrieve(ds["id"])["properties"]["Tags"]["type"] == "multi_select"
        later = client(second).pages.update(page["id"], properties={})
        assert later["last_edited_time"] > again["last_edited_time"]


def test_command_line_prints_what_to_paste_and_serves():
    proc = subprocess.Popen([sys.executable, "-m", "tests.notion_emulator", "--port", "0", "--token", "secret_x",
                             "--rate", "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line.strip())
            if line.startswith("Ctrl-C"):
                break
        conf = dict(line.split(" = ") for line in lines if " = " in line)
        base_url, parent = conf["base_url"].strip('"'), conf["parent_page"].strip('"')
        assert "export NOTION_TOKEN=secret_x" in lines and "[notion]" in lines
        from notion_client import Client
        remote = Client(auth="secret_x", base_url=base_url)
        assert remote.pages.retrieve(parent)["id"] == parent
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_append_after_a_block_and_edit_a_blocks_text_in_place(emu, notion, parent):
    """The 2025-09-03 append ``position`` (ContentPositionSchema: after_block, start, end) and
    ``PATCH /v1/blocks/{id}`` (makenotion/notion-sdk-js request types)."""
    page = notion.pages.create(parent={"page_id": parent}, properties={"title": text("P")})
    first = notion.blocks.children.append(page["id"], children=[
        {"paragraph": {"rich_text": text(f"p{i}")}} for i in range(4)])["results"]
    made = notion.blocks.children.append(page["id"], position={"type": "after_block", "after_block": {"id": first[1]["id"]}},
                                         children=[{"paragraph": {"rich_text": text("x")}},
                                                   {"heading_3": {"rich_text": text("y"), "color": "red"}}])["results"]
    assert [plain(b["paragraph"]["rich_text"]) for b in made[:1]] == ["x"]
    order = [b["id"] for b in emu.children(page["id"])]
    assert order == [first[0]["id"], first[1]["id"], made[0]["id"], made[1]["id"], first[2]["id"], first[3]["id"]]
    notion.blocks.children.append(page["id"], position={"type": "end"}, children=[{"divider": {}}])
    assert emu.children(page["id"])[-1]["type"] == "divider"
    # edit in place: same id, same place, new text; what is not sent stays
    edited = notion.blocks.update(made[1]["id"], heading_3={"rich_text": text("y2")})
    assert edited["id"] == made[1]["id"] and plain(edited["heading_3"]["rich_text"]) == "y2"
    assert edited["heading_3"]["color"] == "red" and edited["last_edited_time"] >= made[1]["last_edited_time"]
    assert [b["id"] for b in emu.children(page["id"])][:6] == order
    with pytest.raises(APIResponseError) as bad:
        notion.blocks.children.append(page["id"], position={"type": "page_start"}, children=[{"divider": {}}])
    assert str(bad.value).startswith('body failed validation: body.position.type should be')
    other = notion.pages.create(parent={"page_id": parent}, properties={"title": text("Q")})
    with pytest.raises(APIResponseError) as elsewhere:
        notion.blocks.children.append(other["id"], children=[{"divider": {}}],
                                      position={"type": "after_block", "after_block": {"id": first[0]["id"]}})
    assert elsewhere.value.status == 400 and emu.children(other["id"]) == []


def test_status_properties_can_be_created_with_defaults_or_options_and_grow_in_to_do(notion, parent):
    """Creating a ``status`` property: StatusPropertyConfigRequest ("If not provided, defaults are
    created") and StatusPropertyConfigUpdateRequest ("New options are assigned to the To-do group"),
    in the SDK since makenotion/notion-sdk-js#686 (Notion API changelog, March 2026)."""
    ds = new_source(notion, parent, "Articles", {"Name": {"title": {}}})
    added = notion.data_sources.update(ds["id"], properties={"Reading": {"status": {}}})["properties"]["Reading"]
    assert [o["name"] for o in added["status"]["options"]] == ["Not started", "In progress", "Done"]
    assert [g["name"] for g in added["status"]["groups"]] == ["To-do", "In progress", "Complete"]
    custom = notion.data_sources.update(ds["id"], properties={"Stage": {"status": {"options": [
        {"name": "Unread", "color": "gray"}, {"name": "Read", "color": "green"}]}}})["properties"]["Stage"]
    assert [(o["name"], o["color"]) for o in custom["status"]["options"]] == [("Unread", "gray"), ("Read", "green")]
    grown = notion.data_sources.update(ds["id"], properties={"Stage": {"status": {"options": [
        {"name": "Skipped"}]}}})["properties"]["Stage"]["status"]
    skipped = next(o["id"] for o in grown["options"] if o["name"] == "Skipped")
    assert skipped in grown["groups"][0]["option_ids"] and grown["groups"][0]["name"] == "To-do"
    page = notion.pages.create(parent={"data_source_id": ds["id"]}, properties={"Stage": {"status": {"name": "Read"}}})
    assert page["properties"]["Stage"]["status"]["name"] == "Read"
    assert page["properties"]["Reading"]["status"]["name"] == "Not started"
