"""Content rules: what real Notion refuses beyond sizes, refused the same way, and nothing written.

Each case names its source (the rule's docstring in ``tests/notion_emulator/rules.py`` has the
quote): public issue threads quoting Notion's answers, and the enumerations of Notion's OpenAPI
schema as the official SDK types spell them.
"""

from __future__ import annotations

import json

import pytest
from notion_client.errors import APIResponseError

from tests.notion_emulator import NotionEmulator
from tests.notion_emulator.rules import CODE_LANGUAGES, NUMBER_FORMATS, enum_text
from tests.notion_emulator.testkit import client, new_source, plain, text

OK = "body failed validation: "
BAD_LINK = "Content creation Failed. Fix the following: \nInvalid URL for link."


@pytest.fixture
def world():
    with NotionEmulator() as emu:
        notion = client(emu)
        parent = emu.add_page("kbsync")
        ds = new_source(notion, parent, "Articles", {"Name": {"title": {}}, "Summary": {"rich_text": {}},
                                                     "Published": {"date": {}}, "Tags": {"multi_select": {}}})
        page = notion.pages.create(parent={"data_source_id": ds["id"]}, properties={})
        emu.clear_log()
        yield emu, notion, ds, page["id"]


def refusal(call) -> APIResponseError:
    with pytest.raises(APIResponseError) as refused:
        call()
    assert (refused.value.status, refused.value.code) == (400, "validation_error")
    return refused.value


def append_refused(emu, notion, page_id: str, children: list[dict]) -> str:
    """Appends ``children``; asserts Notion's refusal and that nothing was written; returns the message."""
    before = emu.children(page_id)
    error = refusal(lambda: notion.blocks.children.append(page_id, children=children))
    assert emu.children(page_id) == before and emu.writes() == []
    return str(error)


def linked(url: str) -> list[dict]:
    return [{"type": "text", "text": {"content": "read", "link": {"url": url}}}]


# -- links: http(s) only (dvanoni/notero#458/#459, brittonhayes/notionmd#12; wording: tryfabric/martian#41)

@pytest.mark.parametrize("url", ["javascript:alert(1)", "mailto:someone@example.com", "/articles/a1",
                                 "not a url", "zotero://select/items/1", "https://", "example.com/a"])
def test_a_link_that_is_not_http_is_refused_in_blocks_and_properties(world, url):
    emu, notion, ds, page_id = world
    assert append_refused(emu, notion, page_id, [{"paragraph": {"rich_text": linked(url)}}]) == BAD_LINK
    error = refusal(lambda: notion.pages.update(page_id, properties={"Summary": {"rich_text": linked(url)}}))
    assert str(error) == BAD_LINK
    assert emu.page(page_id)["properties"]["Summary"]["rich_text"] == []


def test_every_bad_link_of_a_request_is_one_line_and_good_links_pass(world):
    emu, notion, ds, page_id = world
    message = append_refused(emu, notion, page_id, [
        {"paragraph": {"rich_text": linked("mailto:a@b.c") + linked("https://ok.example/")}},
        {"bulleted_list_item": {"rich_text": linked("javascript:void(0)")}}])
    assert message == BAD_LINK + "\nInvalid URL for link."
    made = notion.blocks.children.append(page_id, children=[
        {"paragraph": {"rich_text": linked("https://example.com/a?b=c#d") + linked("http://x.test")}}])
    assert made["results"][0]["paragraph"]["rich_text"][0]["href"] == "https://example.com/a?b=c#d"


def test_a_bad_link_in_a_new_page_creates_no_page(world):
    emu, notion, ds, page_id = world
    error = refusal(lambda: notion.pages.create(parent={"data_source_id": ds["id"]}, properties={},
                                                children=[{"paragraph": {"rich_text": linked("ftp://x")}}]))
    assert str(error) == BAD_LINK
    assert len(emu.pages(ds["id"])) == 1 and emu.writes() == []


# -- enumerations from Notion's OpenAPI schema (makenotion/notion-sdk-js request types) ---------

def test_a_code_language_outside_notions_enum_is_refused_with_the_list(world):
    emu, notion, ds, page_id = world
    message = append_refused(emu, notion, page_id, [{"code": {"rich_text": text("x"), "language": "klingon"}}])
    assert message == (OK + "body.children[0].code.language should be " + enum_text(CODE_LANGUAGES)
                       + ', instead was `"klingon"`.')
    # the list begins as the real refusal quoted in public code does
    assert message.startswith(OK + 'body.children[0].code.language should be `"abap"`, `"abc"`, `"agda"`')
    made = notion.blocks.children.append(page_id, children=[
        {"code": {"rich_text": text("print(1)"), "language": "python"}},
        {"code": {"rich_text": text("x"), "language": "plain text"}}])
    assert [b["code"]["language"] for b in made["results"]] == ["python", "plain text"]


def test_a_callout_emoji_that_is_not_an_emoji_is_refused(world):
    emu, notion, ds, page_id = world
    message = append_refused(emu, notion, page_id, [
        {"callout": {"rich_text": text("x"), "icon": {"type": "emoji", "emoji": "abc"}}}])
    assert message.startswith(OK + 'body.children[0].callout.icon.emoji should be `"😀"`, `"😃"`')
    assert message.endswith(', instead was `"abc"`.')
    error = refusal(lambda: notion.pages.update(page_id, icon={"type": "emoji", "emoji": "abc"}))
    assert str(error).startswith(OK + 'body.icon.emoji should be `"😀"`')
    made = notion.blocks.children.append(page_id, children=[
        {"callout": {"rich_text": text("x"), "icon": {"type": "emoji", "emoji": e}}} for e in ("💡", "📰", "⚙️")])
    assert [b["callout"]["icon"]["emoji"] for b in made["results"]] == ["💡", "📰", "⚙️"]


def test_a_number_format_outside_notions_enum_is_refused(world):
    emu, notion, ds, page_id = world
    error = refusal(lambda: notion.data_sources.update(ds["id"], properties={
        "Score": {"number": {"format": "bogus"}}}))
    assert str(error) == (OK + "body.properties.Score.number.format should be " + enum_text(NUMBER_FORMATS)
                          + ', instead was `"bogus"`.')
    assert "Score" not in notion.data_sources.retrieve(ds["id"])["properties"]
    refusal(lambda: notion.databases.create(parent={"page_id": ds["database_parent"]["page_id"]}, title=text("X"),
                                            initial_data_source={"properties": {
                                                "Name": {"title": {}}, "N": {"number": {"format": "bogus"}}}}))
    made = notion.data_sources.update(ds["id"], properties={"Price": {"number": {"format": "euro"}},
                                                            "Share": {"number": {"format": "percent"}}})
    assert made["properties"]["Price"]["number"] == {"format": "euro"}


def test_a_time_zone_outside_notions_list_is_refused(world):
    emu, notion, ds, page_id = world
    error = refusal(lambda: notion.pages.update(page_id, properties={
        "Published": {"date": {"start": "2026-03-01T10:00:00", "time_zone": "Mars/Base"}}}))
    assert str(error).startswith(OK + 'body.properties.Published.date.time_zone should be `"Africa/Abidjan"`')
    assert str(error).endswith(', instead was `"Mars/Base"`.')
    assert emu.page(page_id)["properties"]["Published"]["date"] is None
    done = notion.pages.update(page_id, properties={
        "Published": {"date": {"start": "2026-03-01T10:00:00", "time_zone": "Europe/Paris"}}})
    assert done["properties"]["Published"]["date"]["time_zone"] == "Europe/Paris"


# -- unknown keys: "should be not present" (markomanninen/md2notion#15 quotes the real answer) ----

@pytest.mark.parametrize("block,where,value", [
    ({"paragraph": {"rich_text": [], "bogus": 1}}, "body.children[0].paragraph.bogus", "`1`"),
    ({"paragraph": {"rich_text": []}, "extra": True}, "body.children[0].extra", "`true`"),
    ({"paragraph": {"rich_text": [{"type": "text", "text": {"content": "a"}, "link": {"url": "https://x.test"}}]}},
     "body.children[0].paragraph.rich_text[0].link", '`{"url":"https://x.test"}`'),
    ({"paragraph": {"rich_text": [{"text": {"content": "a", "bold": True}}]}},
     "body.children[0].paragraph.rich_text[0].text.bold", "`true`"),
    ({"toggle": {"rich_text": [], "children": [{"divider": {"x": 1}}]}},
     "body.children[0].toggle.children[0].divider.x", "`1`"),
    ({"code": {"rich_text": [], "language": "python", "color": "red"}}, "body.children[0].code.color", '`"red"`'),
])
def test_unknown_keys_inside_and_beside_a_block_are_refused(world, block, where, value):
    emu, notion, ds, page_id = world
    assert append_refused(emu, notion, page_id, [block]) == f"{OK}{where} should be not present, instead was {value}."


def test_unknown_keys_in_a_block_update_are_refused_and_known_ones_edit_in_place(world):
    emu, notion, ds, page_id = world
    (block,) = notion.blocks.children.append(page_id, children=[{"paragraph": {"rich_text": text("a")}}])["results"]
    for body, where in ((dict(paragraph={"rich_text": text("b"), "bogus": 1}), "body.paragraph.bogus"),
                        (dict(paragraph={"rich_text": text("b"), "children": []}), "body.paragraph.children")):
        error = refusal(lambda: notion.request(path=f"blocks/{block['id']}", method="PATCH", body=body))
        assert str(error).startswith(f"{OK}{where} should be not present")
    assert plain(emu.children(page_id)[0]["paragraph"]["rich_text"]) == "a"
    # a block read back from Notion can be sent again: plain_text and href are ignored
    echoed = notion.blocks.update(block["id"], paragraph={"rich_text": block["paragraph"]["rich_text"]})
    assert echoed["paragraph"]["rich_text"] == block["paragraph"]["rich_text"]


# -- headings hold children only as toggles (reference: is_toggleable; lastorel/pytion#43) -------

def test_children_under_a_heading_need_is_toggleable(world):
    emu, notion, ds, page_id = world
    inner = [{"paragraph": {"rich_text": text("inside")}}]
    for flag in ({}, {"is_toggleable": False}):
        message = append_refused(emu, notion, page_id, [
            {"heading_2": dict({"rich_text": text("H"), "children": inner}, **flag)}])
        assert message.startswith(OK + "body.children[0].heading_2.children should be not present unless "
                                       "`body.children[0].heading_2.is_toggleable` is `true`")
    (toggle, static) = notion.blocks.children.append(page_id, children=[
        {"heading_2": {"rich_text": text("T"), "is_toggleable": True, "children": inner}},
        {"heading_3": {"rich_text": text("S")}}])["results"]
    assert toggle["has_children"] is True and toggle["heading_2"]["is_toggleable"] is True
    assert [plain(b["paragraph"]["rich_text"]) for b in emu.children(toggle["id"])] == ["inside"]
    error = refusal(lambda: notion.blocks.children.append(static["id"], children=inner))
    assert str(error) == "Block type heading_3 does not support children."
    assert emu.children(static["id"]) == []


# -- media URLs (makenotion/notion-sdk-js#211 for the image wording) -----------------------------

def test_bookmark_and_image_urls_must_be_web_urls(world):
    emu, notion, ds, page_id = world
    bad = "Content creation Failed. Fix the following: \n"
    assert append_refused(emu, notion, page_id, [{"bookmark": {"url": "foo"}}]) == bad + "Invalid bookmark url."
    assert append_refused(emu, notion, page_id, [
        {"image": {"type": "external", "external": {"url": "foo"}}}]) == bad + "Invalid image url."
    assert append_refused(emu, notion, page_id, [
        {"bookmark": {"url": "foo"}}, {"paragraph": {"rich_text": linked("foo")}}]) == \
        bad + "Invalid bookmark url.\nInvalid URL for link."
    made = notion.blocks.children.append(page_id, children=[
        {"bookmark": {"url": "https://example.com/"}},
        {"image": {"type": "external", "external": {"url": "https://example.com/a.png"}}}])
    assert [b["type"] for b in made["results"]] == ["bookmark", "image"]
    error = refusal(lambda: notion.pages.update(page_id, cover={"type": "external", "external": {"url": "foo"}}))
    assert str(error) == "Invalid page cover URL."      # Kenshin/simpread#7109


# -- select options ------------------------------------------------------------------------------

def test_option_names_with_commas_are_refused_in_notions_words(world):
    emu, notion, ds, page_id = world
    # egordm/notionsci#13 quotes the real answer to a page write
    error = refusal(lambda: notion.pages.update(page_id, properties={"Tags": {"multi_select": [{"name": "a, b"}]}}))
    assert str(error) == "Invalid select option, commas not allowed: a, b"
    error = refusal(lambda: notion.data_sources.update(ds["id"], properties={
        "Tags": {"multi_select": {"options": [{"name": "ok"}, {"name": "x,y"}]}}}))
    assert str(error) == "Invalid select option, commas not allowed: x,y"
    assert notion.data_sources.retrieve(ds["id"])["properties"]["Tags"]["multi_select"]["options"] == []


def test_a_schema_request_names_at_most_100_options_per_property(world):
    """Any array in a request holds at most 100 items (reference: request limits); an option list
    past it is refused whole (makenotion/lore#645: a PATCH naming more than 100 options fails)."""
    emu, notion, ds, page_id = world
    many = [{"name": f"t{i}"} for i in range(101)]
    error = refusal(lambda: notion.data_sources.update(ds["id"], properties={"Tags": {"multi_select": {"options": many}}}))
    assert str(error) == OK + "body.properties.Tags.multi_select.options.length should be ≤ `100`, instead was `101`."
    error = refusal(lambda: notion.data_sources.update(ds["id"], properties={"Kind": {"select": {"options": many}}}))
    assert str(error) == OK + "body.properties.Kind.select.options.length should be ≤ `100`, instead was `101`."
    done = notion.data_sources.update(ds["id"], properties={"Tags": {"multi_select": {"options": many[:100]}}})
    assert len(done["properties"]["Tags"]["multi_select"]["options"]) == 100


# -- the schema-size limit (reference: "maximum schema size of 50KB"; dvanoni/notero#725) ---------

def schema_size(notion, ds_id: str) -> int:
    props = notion.data_sources.retrieve(ds_id)["properties"]
    return len(json.dumps(props, ensure_ascii=False, separators=(",", ":")).encode())


def test_options_created_per_item_meet_the_schema_size_limit(world):
    emu, notion, ds, page_id = world
    created = 0
    with pytest.raises(APIResponseError) as full:
        for batch in range(20):
            tags = [{"name": f"tag-{batch:02d}-{i:02d}-{'x' * 12}"} for i in range(100)]
            notion.pages.create(parent={"data_source_id": ds["id"]}, properties={"Tags": {"multi_select": tags}})
            created += 1
    assert (full.value.status, full.value.code, str(full.value)) == (
        400, "validation_error", "Database schema has exceeded the maximum size")
    size = schema_size(notion, ds["id"])
    assert 4 <= created < 20 and size <= 50 * 1024 < size + 100 * 100      # the next 100 options did not fit
    options = notion.data_sources.retrieve(ds["id"])["properties"]["Tags"]["multi_select"]["options"]
    assert len(options) == created * 100 and len(emu.pages(ds["id"])) == 1 + created
    # existing options still go on pages; a schema update adding more is refused the same way
    notion.pages.update(page_id, properties={"Tags": {"multi_select": [{"name": options[0]["name"]}]}})
    with pytest.raises(APIResponseError) as grow:
        notion.data_sources.update(ds["id"], properties={
            "Kind": {"select": {"options": [{"name": f"kind-{i}-{'y' * 40}"} for i in range(100)]}}})
    assert str(grow.value) == "Database schema has exceeded the maximum size"
    assert "Kind" not in notion.data_sources.retrieve(ds["id"])["properties"]


def test_a_schema_over_a_lowered_limit_may_shrink_but_not_grow(world):
    emu, notion, ds, page_id = world
    notion.data_sources.update(ds["id"], properties={"Notes": {"rich_text": {}}, "Extra": {"url": {}}})
    emu.set_schema_limit(100)
    with pytest.raises(APIResponseError):
        notion.data_sources.update(ds["id"], properties={"More": {"checkbox": {}}})
    with pytest.raises(APIResponseError):
        notion.pages.update(page_id, properties={"Tags": {"multi_select": [{"name": "new"}]}})
    shrunk = notion.data_sources.update(ds["id"], properties={"Extra": None})
    assert "Extra" not in shrunk["properties"]
    assert notion.pages.update(page_id, properties={"Summary": {"rich_text": text("ok")}})["object"] == "page"
