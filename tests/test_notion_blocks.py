"""Markdown -> Notion blocks and page values stay inside Notion's request limits."""

import json
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.models import Article, Score
from sync.targets.notion.blocks import (
    BLOCKS_PER_CALL,
    BODY_BUDGET,
    count_blocks,
    markdown_blocks,
    request_chunks,
    split_text,
    utf16_len,
)
from sync.targets.notion.pages import (
    article_blocks,
    article_doc,
    changed,
    option,
    options,
    payload,
)


def _walk(blocks, depth=1):
    for b in blocks:
        yield b, depth
        yield from _walk(b[b["type"]].get("children", []), depth + 1)


def assert_legal(blocks):
    for block, depth in _walk(blocks):
        assert depth <= 2, "more than two levels in one call"
        body = block[block["type"]]
        items = body.get("rich_text", [])
        assert len(items) <= 100
        assert len(body.get("children", [])) <= 100
        for item in items:
            if item["type"] == "text":
                assert utf16_len(item["text"]["content"]) <= 2000
                link = item["text"]["link"]
                assert link is None or len(link["url"]) <= 2000


@given(st.text(max_size=5000))
def test_split_text_keeps_every_character_and_the_limit(text):
    pieces = split_text(text, 100)
    assert "".join(pieces) == text
    assert all(utf16_len(p) <= 100 for p in pieces)


def test_astral_characters_are_counted_as_notion_counts_them():
    text = "😀" * 1500            # 3,000 UTF-16 units
    pieces = split_text(text)
    assert [utf16_len(p) for p in pieces] == [2000, 1000]


@settings(max_examples=60)
@given(st.lists(st.sampled_from(list("ab #-*>`[]()\n1.") + ["http://x.y/" + "p" * 50, "😀", "\x00", "x" * 700]),
                max_size=400).map("".join))
def test_any_markdown_gives_legal_blocks(text):
    blocks = markdown_blocks(text)
    assert_legal(blocks)
    for chunk in request_chunks(blocks):
        assert len(chunk) <= BLOCKS_PER_CALL and count_blocks(chunk) <= 1000


def test_markdown_maps_to_notion_block_types():
    text = "# Title\n\nSome **bold** and [a link](https://example.com).\n\n- one\n  - nested\n    - deeper\n\n" \
           "1. first\n\n> quoted\n\n```py\nx = 1\n```\n\n---\n"
    kinds = [b["type"] for b in markdown_blocks(text)]
    assert kinds == ["heading_1", "paragraph", "bulleted_list_item", "numbered_list_item", "quote", "code",
                     "divider"]
    para = markdown_blocks("Some **bold** and [a link](https://example.com).")[0]["paragraph"]["rich_text"]
    assert para[1]["annotations"] == {"bold": True}
    assert para[3]["text"]["link"] == {"url": "https://example.com"}
    # the third level is lifted to the second, so one call can carry it
    lists = markdown_blocks("- one\n  - nested\n    - deeper\n")
    assert [b["type"] for b in lists[0]["bulleted_list_item"]["children"]] == ["bulleted_list_item"] * 2


def test_long_paragraph_and_long_link_are_cut_not_refused():
    long_url = "https://example.com/" + "a" * 3000
    blocks = markdown_blocks("x" * 250_000 + f" [here]({long_url})")
    assert_legal(blocks)
    assert len(blocks) == 2          # 125 pieces of 2,000 -> two paragraphs of <= 100 items
    assert all(i["text"]["link"] is None for b in blocks for i in b["paragraph"]["rich_text"])


def test_request_chunks_respect_count_and_size():
    blocks = markdown_blocks("\n\n".join("p" * 1900 for _ in range(450)))
    chunks = request_chunks(blocks)
    assert sum(map(len, chunks)) == 450
    assert all(len(c) <= 100 for c in chunks)
    assert all(len(json.dumps(c).encode()) <= BODY_BUDGET for c in chunks)


def test_mentions_resolve_to_pages_or_fall_back_to_text():
    blocks = markdown_blocks("see [Other](kbsync:abc) and [Gone](kbsync:zzz)", {"abc": "page-1"}.get)
    items = blocks[0]["paragraph"]["rich_text"]
    assert items[1] == {"type": "mention", "mention": {"type": "page", "page": {"id": "page-1"}}}
    assert items[-1]["text"] == {"content": "Gone", "link": None}


@given(st.text(max_size=300))
def test_option_names_are_legal(name):
    value = option(name)
    assert value is None or ("," not in value and 0 < len(value) <= 100 and "\n" not in value)


def _article(**kw):
    base = dict(kb_id="k1", url="https://example.com/a", title="A title", source="Feed",
                published=datetime(2026, 2, 3, 8, tzinfo=timezone.utc), content="Body text")
    base.update(kw)
    return Article(**base)


def _score(**kw):
    base = dict(kb_id="k1", content_hash="h", backend="heuristic", score=80, tier="worth-reading",
                category="AI/Tech", tags=("llm",), summary="Sum", key_points=("one",))
    base.update(kw)
    return Score(**base)


def test_oversized_article_is_trimmed_or_chunked():
    article = _article(url="https://example.com/" + "u" * 3000, content="word " * 2000, title="T" * 3000)
    score = _score(tags=tuple(f"tag,{i}" for i in range(120)), key_points=tuple(f"point {i}" for i in range(150)))
    doc = article_doc(article, score, related=[], tz=timezone.utc, owned=["Name"])
    assert doc.props["URL"] is None and len(doc.props["Tags"]) == 100
    assert all("," not in t for t in doc.props["Tags"]) and len(doc.props["Name"]) == 2000
    blocks = article_blocks(json.loads(doc.region))
    assert_legal(blocks)
    assert any("Link: https://example.com/uuu" in i["text"]["content"]
               for b in blocks if b["type"] == "paragraph" for i in b["paragraph"]["rich_text"])
    assert sum(b["type"] == "bulleted_list_item" for b in blocks) == 150


def test_relations_send_only_pages_that_exist_and_say_so():
    sent_payload, sent = payload("relation", ["a", "b"], {"a": "page-a"}.get)
    assert sent_payload == {"relation": [{"id": "page-a"}]} and sent == ["a"]
    assert changed({"Score": 1, "Tags": ["x"]}, {"Score": 1, "Tags": ["x", "y"], "Name": "n"}) == ["Tags", "Name"]


def test_options_dedupe_after_legalising():
    assert options(["a,b", "a b", "", "c"]) == ["a b", "c"]


def test_an_image_alone_in_its_paragraph_is_an_image_block_and_amid_text_stays_text():
    from sync.targets.notion.blocks import fingerprint_text, plain_links
    blocks = markdown_blocks(
        "![](https://cdn.example.com/header.jpg)\n\n"
        "Text with ![a figure](https://e.com/i.png) inside.\n\n"
        "[![A chart](https://e.com/chart.png)](https://e.com/post)\n\n"
        "> ![quoted](https://e.com/q.png)\n\n"
        "![no web address](ftp://e.com/x.png)\n")
    assert [b["type"] for b in blocks] == ["image", "paragraph", "image", "quote", "paragraph"]
    assert blocks[0]["image"] == {"type": "external", "external": {"url": "https://cdn.example.com/header.jpg"},
                                  "caption": []}
    assert blocks[2]["image"]["caption"] == [{"type": "text", "text": {"content": "A chart",
                                                                       "link": {"url": "https://e.com/post"}}}]
    inline = blocks[1]["paragraph"]["rich_text"]
    assert [(i["text"]["content"], (i["text"]["link"] or {}).get("url")) for i in inline] == [
        ("Text with ", None), ("a figure", "https://e.com/i.png"), (" inside.", None)]
    assert blocks[3]["quote"]["rich_text"][0]["text"]["link"] == {"url": "https://e.com/q.png"}
    assert fingerprint_text(blocks[0]) != fingerprint_text(blocks[2])
    # a YouTube video written as an image (Obsidian's player) is a video block
    video = markdown_blocks("![](https://www.youtube.com/watch?v=0A1ouV7iD8o)")
    assert video == [{"object": "block", "type": "video", "video": {
        "type": "external", "external": {"url": "https://www.youtube.com/watch?v=0A1ouV7iD8o"}, "caption": []}}]
    assert plain_links(video)[0]["paragraph"]["rich_text"][0]["text"]["content"] == \
        "video (https://www.youtube.com/watch?v=0A1ouV7iD8o)"
    # a page Notion refused (some image addresses it will not take) goes again with images as text
    plain = plain_links(blocks)
    assert [b["type"] for b in plain] == ["paragraph"] * 3 + ["quote", "paragraph"]
    assert plain[0]["paragraph"]["rich_text"][0]["text"] == {
        "content": "image (https://cdn.example.com/header.jpg)", "link": None}
    assert plain[2]["paragraph"]["rich_text"][0]["text"]["content"] == "A chart (https://e.com/chart.png)"


@pytest.mark.parametrize(("markdown", "shown"), [
    # heise and Golem put an image right before the paragraph's first word: "imageDie Katze"
    ("Text ![](https://x.org/a.png)Die Katze", "Text image Die Katze"),
    ("![Alt](https://x.org/a.png)Die Katze schläft", "Alt Die Katze schläft"),
    ("Ein Bild![x](https://x.org/a.png) hier", "Ein Bild x hier"),
    ("Ein **Bild**![x](https://x.org/a.png)*hier*", "Ein Bild x hier"),
    # punctuation and white space are left as they are
    ("See ![chart](https://x.org/c.png).", "See chart."),
    ("(![chart](https://x.org/c.png))", "(chart)"),
    ("A [![](https://x.org/a.png)](https://x.org) link", "A image link"),
])
def test_an_image_amid_text_is_a_word_of_its_own(markdown: str, shown: str) -> None:
    items = markdown_blocks(markdown)[0]["paragraph"]["rich_text"]
    assert "".join(i["text"]["content"] for i in items) == shown
