"""A trashed database and what happens to its data source and pages, in Notion's words.

Sources: the ``test_views_*`` cassettes (a database trashed with ``DELETE /v1/blocks/{id}``,
a data source with ``PATCH ... {"archived": true}`` answering ``in_trash: true``), and the
refusals quoted in dvanoni/notero#377/#74 (pages) and #704/#525 (blocks).
"""

from __future__ import annotations

import pytest
from notion_client.errors import APIResponseError

from tests.notion_emulator import NotionEmulator
from tests.notion_emulator.testkit import client, new_source, text

PAGE_REFUSED = "Can't update a page that is archived. You must unarchive the page before updating."
BLOCK_REFUSED = "Can't edit block that is archived. You must unarchive the block before editing."


@pytest.fixture
def world():
    with NotionEmulator() as emu:
        notion = client(emu)
        parent = emu.add_page("kbsync")
        ds = new_source(notion, parent, "Articles", {"Name": {"title": {}}, "Score": {"number": {}}})
        page = notion.pages.create(parent={"data_source_id": ds["id"]}, properties={"Name": {"title": text("A")}},
                                   children=[{"paragraph": {"rich_text": text("body")}}])
        yield emu, notion, ds, page


def refused(call, message: str) -> None:
    with pytest.raises(APIResponseError) as error:
        call()
    assert (error.value.status, error.value.code, str(error.value)) == (400, "validation_error", message)


@pytest.mark.parametrize("how", ["block delete", "database update"])
def test_a_trashed_database_trashes_its_data_source_and_freezes_its_pages(world, how):
    emu, notion, ds, page = world
    db_id = ds["parent"]["database_id"]
    if how == "block delete":      # the reader deleting the database from its parent page
        notion.blocks.delete(db_id)
    else:
        notion.databases.update(db_id, in_trash=True)
    source = notion.data_sources.retrieve(ds["id"])
    assert (source["in_trash"], source["archived"]) == (True, True)
    assert notion.databases.retrieve(db_id)["in_trash"] is True
    assert [d["in_trash"] for d in emu.data_sources()] == [True]
    emu.clear_log()
    refused(lambda: notion.pages.update(page["id"], properties={"Score": {"number": 1}}), PAGE_REFUSED)
    refused(lambda: notion.pages.update(page["id"], in_trash=False), PAGE_REFUSED)
    refused(lambda: notion.blocks.children.append(page["id"], children=[{"divider": {}}]), BLOCK_REFUSED)
    (para,) = emu.children(page["id"])
    refused(lambda: notion.blocks.update(para["id"], paragraph={"rich_text": text("x")}), BLOCK_REFUSED)
    refused(lambda: notion.blocks.delete(para["id"]), BLOCK_REFUSED)
    refused(lambda: notion.pages.create(parent={"data_source_id": ds["id"]}, properties={}), BLOCK_REFUSED)
    assert emu.writes() == []
    assert notion.search(query="Articles", filter={"property": "object", "value": "data_source"})["results"] == []
    # restored, everything can be edited again
    notion.databases.update(db_id, in_trash=False)
    assert notion.data_sources.retrieve(ds["id"])["in_trash"] is False
    assert notion.pages.update(page["id"], properties={"Score": {"number": 2}})["properties"]["Score"]["number"] == 2


def test_a_trashed_page_answers_the_page_wording_and_can_be_restored(world):
    emu, notion, ds, page = world
    notion.pages.update(page["id"], in_trash=True)
    refused(lambda: notion.pages.update(page["id"], properties={"Score": {"number": 1}}), PAGE_REFUSED)
    refused(lambda: notion.blocks.children.append(page["id"], children=[{"divider": {}}]), BLOCK_REFUSED)
    back = notion.pages.update(page["id"], in_trash=False)
    assert back["in_trash"] is False and back["archived"] is False


def test_only_the_trashed_data_source_reports_in_trash(world):
    emu, notion, ds, page = world
    other = notion.data_sources.create(parent={"type": "database_id", "database_id": ds["parent"]["database_id"]},
                                       title=text("Archive"), properties={"Name": {"title": {}}})
    notion.data_sources.update(other["id"], archived=True)       # as the views cassettes do
    assert notion.data_sources.retrieve(other["id"])["in_trash"] is True
    assert notion.data_sources.retrieve(ds["id"])["in_trash"] is False
    assert notion.pages.update(page["id"], properties={"Score": {"number": 3}})["properties"]["Score"]["number"] == 3
