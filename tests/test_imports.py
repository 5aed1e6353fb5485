"""Tests for sync.sources.imports (``kbsync import FILE``) and schemas/article.schema.json."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync.models import stable_id
from sync.sources.imports import (
    SCHEMA_PATH,
    FeedSpec,
    ImportError_,
    PreScore,
    detect_kind,
    read_articles_json,
    read_articles_jsonl,
    read_import,
    read_opml,
)
from sync.sources.urls import canonical_url

NOW = datetime(2026, 2, 7, 9, 30, tzinfo=timezone.utc)


def as_json(records: object) -> bytes:
    return json.dumps(records, ensure_ascii=False).encode("utf-8")


def as_jsonl(*lines: object) -> bytes:
    return "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)
                     for x in lines).encode("utf-8")


# ---------------------------------------------------------------- OPML

OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="AI" title="AI &amp;amp; ML">
      <outline text="Research">
        <outline type="rss" text="Simon Willison&amp;#39;s Weblog" xmlUrl="https://simonwillison.net/atom/everything/"/>
      </outline>
      <outline type="rss" text="Caf&eacute;&nbsp;Lab" xmlUrl="https://Lab.Example.com/feed.xml?utm_source=opml"/>
      <outline type="rss" text="Lab again" xmlUrl="https://lab.example.com/feed.xml"/>
      <outline text="A folder with no feeds"/>
    </outline>
    <outline type="rss" xmlURL="http://noname.example.org/rss"/>
    <outline type="rss" text="not a feed URL" xmlUrl="javascript:alert(1)"/>
    <outline type="link" text="a plain link" url="https://example.com/"/>
  </body>
</opml>"""


def test_opml_nested_categories_duplicates_entities_and_missing_xmlurl():
    result = read_opml(OPML, origin="subs.opml")
    assert result.articles == []
    assert result.feeds == [
        # the nearest enclosing outline is the category
        FeedSpec("https://simonwillison.net/atom/everything/", "Simon Willison's Weblog", "Research"),
        # HTML named entities and double-escaped ones decode; the URL is kept as written
        FeedSpec("https://Lab.Example.com/feed.xml?utm_source=opml", "Café Lab", "AI & ML"),
        # no title/text: the host names it; xmlURL spelled in another case still counts
        FeedSpec("http://noname.example.org/rss", "noname.example.org", None),
    ]
    # "Lab again" has the same canonical URL as "Café Lab": listed once, the first time
    assert [r.ref for r in result.rejects] == ["outline 5"]
    (reject,) = result.rejects
    assert reject.feed_url == "import:subs.opml"
    assert "xmlUrl is not an http(s) URL" in reject.reason and "javascript:alert(1)" in reject.reason
    assert reject.reason.startswith("outline 5 ('not a feed URL'): ")


def test_opml_utf16_reads_like_utf8():
    text = OPML.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    text = text.replace("&eacute;&nbsp;", "&#233;&#160;")  # HTML names are fixed up only in 8-bit files
    assert read_opml(text.encode("utf-16"), origin="subs.opml") == read_opml(OPML, origin="subs.opml")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<opml version="2.0"><body><outline text="&lol9;" xmlUrl="https://a.example/feed"/></body></opml>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body><outline text="&xxe;" xmlUrl="https://a.example/feed"/></body></opml>"""


@pytest.mark.parametrize("data", [
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    BILLION_LAUGHS.replace(b'"1.0"?>', b'"1.0" encoding="UTF-16"?>').decode().encode("utf-16"),
    b'<!DOCTYPE opml><opml version="2.0"><body/></opml>',
], ids=["billion-laughs", "external-entity", "utf16-bomb", "bare-doctype"])
def test_opml_with_a_doctype_is_refused_before_expansion(data):
    with pytest.raises(ImportError_) as caught:
        read_opml(data, origin="evil.opml")
    assert str(caught.value) == "evil.opml: OPML with a DOCTYPE is not accepted"


def test_opml_doctype_is_refused_through_read_import(tmp_path):
    path = tmp_path / "evil.xml"
    path.write_bytes(BILLION_LAUGHS)
    with pytest.raises(ImportError_, match="OPML with a DOCTYPE is not accepted"):
        read_import(path, now=NOW)


@pytest.mark.parametrize("data, message", [
    (b"<opml><body><outline</body></opml>", "bad.opml: invalid XML: not well-formed"),
    (b"<opml><body/></opml><x/>", "bad.opml: invalid XML: junk after document element"),
    (b'<rss version="2.0"><channel/></rss>', "bad.opml: this is a feed (<rss>), not an OPML feed list"),
    (b"<html><body/></html>", "bad.opml: not OPML (the root element is <html>)"),
])
def test_unusable_xml_raises_one_line(data, message):
    with pytest.raises(ImportError_) as caught:
        read_opml(data, origin="bad.opml")
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_opml_without_body_or_with_deep_nesting():
    assert read_opml(b"<opml version='2.0'><head/></opml>", origin="a.opml").feeds == []
    deep = (b"<opml><body>" + b"<outline text='f'>" * 5000
            + b"<outline xmlUrl='https://deep.example/rss'/>" + b"</outline>" * 5000 + b"</body></opml>")
    assert read_opml(deep, origin="a.opml").feeds == [FeedSpec("https://deep.example/rss", "deep.example", "f")]


# ---------------------------------------------------------------- JSON / JSONL

RECORDS = [
    {"url": "https://example.com/a?utm_source=rss#top", "title": "First", "source": "Example",
     "published": "2026-02-06T10:00:00+08:00", "content": "Plain *Markdown* body", "categories": ["AI"]},
    {"title": "Second, no URL", "summary": "A summary."},
]


def test_json_array_and_articles_wrapper_are_the_same():
    plain = read_articles_json(as_json(RECORDS), origin="a.json", now=NOW)
    wrapped = read_articles_json(as_json({"version": 1, "articles": RECORDS}), origin="a.json", now=NOW)
    assert plain == wrapped
    assert plain.rejects == [] and plain.feeds == []
    first, second = (a.entry for a in plain.articles)
    assert first.url == "https://example.com/a"
    assert first.kb_id == stable_id(canonical_url(RECORDS[0]["url"]))
    assert (first.title, first.source, first.content, first.categories) == (
        "First", "Example", "Plain *Markdown* body", ("AI",))
    assert first.published == datetime(2026, 2, 6, 2, 0, tzinfo=timezone.utc)
    assert first.published_from == "published"
    assert first.feed_url == "import:a.json"
    # no URL: the id comes from the file name and the title; no date: now, "first_seen"
    assert second.url is None
    assert second.kb_id == stable_id("import:a.json", "Second, no URL")
    assert second.source == "a.json"
    assert (second.published, second.published_from) == (NOW, "first_seen")
    assert second.summary == "A summary."
    assert all(a.prescore is None for a in plain.articles)


@pytest.mark.parametrize("data, message", [
    (b'[{"title": "x"},', "a.json: invalid JSON: Expecting value (line 1, column 17)"),
    (b'{"title": "x"}', 'a.json: JSON must be an array of article records or an object with an "articles" array'),
    (b'"just a string"', 'a.json: JSON must be an array'),
    (b"[" * 100_000, "a.json: invalid JSON"),
])
def test_json_unusable_as_a_whole_raises_one_line(data, message):
    with pytest.raises(ImportError_) as caught:
        read_articles_json(data, origin="a.json", now=NOW)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_jsonl_broken_line_and_unknown_key_reject_only_those_lines():
    data = as_jsonl(
        {"title": "one", "url": "https://example.com/1"},
        "",
        '{"title": "two" "url": "https://example.com/2"}',
        {"title": "three", "url": "https://example.com/3", "scroe": 80},
        "   ",
        {"title": "four"},
    ) + b"\n\xff\xfe not utf-8\n"
    result = read_articles_jsonl(data, origin="feed.jsonl", now=NOW)
    assert [a.entry.title for a in result.articles] == ["one", "four"]
    assert [(r.ref, r.reason) for r in result.rejects] == [
        ("line 3", "line 3: invalid JSON: Expecting ',' delimiter (column 17)"),
        ("line 4", "line 4: unknown key 'scroe'"),
        ("line 7", "line 7: not UTF-8 text (byte 0xff at column 1)"),
    ]
    assert {r.feed_url for r in result.rejects} == {"import:feed.jsonl"}


def test_jsonl_with_bom_and_crlf():
    data = b"\xef\xbb\xbf" + b'{"title": "a"}\r\n{"title": "b"}\r\n'
    result = read_articles_jsonl(data, origin="x.jsonl", now=NOW)
    assert [a.entry.title for a in result.articles] == ["a", "b"] and result.rejects == []


def test_prescored_record_produces_prescore():
    record = {"url": "https://example.com/p", "title": "Pre", "summary": "<p>The <b>feed</b> summary</p>",
              "score": 88, "tier": "must-read", "category": "AI/Tech", "tags": ["LLM", " agents ", "LLM", ""],
              "summary_line": "One\nline.", "key_points": ["a", "b"]}
    (article,) = read_articles_json(as_json([record]), origin="p.json", now=NOW).articles
    assert article.prescore == PreScore(score=88, tier="must-read", category="AI/Tech",
                                        tags=("LLM", "agents"), summary="One line.", key_points=("a", "b"))
    assert article.entry.summary == "The feed summary"
    assert article.entry.categories == ()  # scored tags stay the scorer's


def test_prescore_defaults_and_unscored_tags():
    scored = {"title": "s", "score": 70.0, "summary": "Feed summary."}
    unscored = {"title": "u", "categories": ["AI"], "tags": ["rl", "AI"]}
    s, u = read_articles_json(as_json([scored, unscored]), origin="p.json", now=NOW).articles
    assert s.prescore == PreScore(score=70, tier=None, category=None, tags=(), summary="Feed summary.",
                                  key_points=())
    assert u.prescore is None
    assert u.entry.categories == ("AI", "rl")  # the reader's tags kept as categories


@pytest.mark.parametrize("record, reason", [
    ({"title": "x", "score": 150}, "record 1: 'score': 150 is greater than the maximum of 100"),
    ({"title": "x", "score": -1}, "record 1: 'score': -1 is less than the minimum of 0"),
    ({"title": "x", "score": True}, "record 1: 'score': expected integer, got boolean"),
    ({"title": "x", "score": 7.5}, "record 1: 'score': expected integer, got number"),
    ({"title": "x", "score": 50, "tier": "great"},
     "record 1: 'tier': 'great' is not one of must-read, worth-reading, skim"),
    ({"title": "x", "tier": "skim"}, "record 1: 'tier' requires 'score' (pre-scored fields come with a score)"),
    ({"title": "x", "score": 50, "key_points": list("abcdef")},
     "record 1: 'key_points': 6 items, at most 5 allowed"),
    ({"title": "x", "tags": ["ok", 3]}, "record 1: 'tags'[1]: expected string, got number"),
    ({}, "record 1: needs a 'title' or a 'url'"),
    ({"source": "only a source", "author": "me"}, "record 1: needs a 'title' or a 'url'"),
    ({"title": "  \n "}, "record 1: needs a non-empty 'title' or a 'url'"),
    ({"title": ""}, "record 1: 'title': must not be empty"),
    ({"url": "ftp://example.com/x"}, "record 1: 'url': 'ftp://example.com/x' is not an http(s) URL"),
    ({"url": "https://"}, "record 1: 'url': 'https://' is not an http(s) URL"),
    ({"title": "x", "published": "yesterday"},
     "record 1: 'published': 'yesterday' is not an ISO 8601 date or date-time"),
    ({"title": "x", "published": "2026-02-30"},
     "record 1: 'published': '2026-02-30' is not a valid date or date-time"),
    ({"title": "x", "content_format": "rst"}, "record 1: 'content_format': 'rst' is not one of html, markdown"),
    ({"title": "x", "Title": "y", "extra": 1}, "record 1: unknown key 'Title'; unknown key 'extra'"),
    ("a string", "record 1: a record must be a JSON object, not string"),
])
def test_invalid_records_are_rejected_with_one_line_naming_the_key(record, reason):
    good = {"title": "fine"}
    result = read_articles_json(as_json([record, good]), origin="r.json", now=NOW)
    assert [(r.ref, r.reason) for r in result.rejects] == [("record 1", reason)]
    assert [a.entry.title for a in result.articles] == ["fine"]


def test_html_content_becomes_markdown_and_markdown_stays():
    records = [
        {"url": "https://blog.example.com/post/1", "title": "guessed",
         "content": '<p>Hello <strong>world</strong>, see <a href="/docs">the docs</a>.</p>'},
        {"title": "explicit", "content_format": "html", "content": "caf&eacute; says hi"},
        {"title": "markdown", "content": "# Heading\n\n- one\n- two <br> kept\n"},
        {"title": "forced markdown", "content_format": "markdown", "content": "<p>kept as is</p>"},
    ]
    guessed, explicit, markdown, forced = (
        a.entry.content for a in read_articles_json(as_json(records), origin="h.json", now=NOW).articles)
    assert "**world**" in guessed and "<p>" not in guessed
    assert "[the docs](https://blog.example.com/docs)" in guessed  # relative link made absolute
    assert explicit == "café says hi"
    assert markdown == "# Heading\n\n- one\n- two <br> kept"
    assert forced == "<p>kept as is</p>"


def test_markdown_content_cannot_forge_a_kbsync_region_marker():
    record = {"title": "sneaky", "content": "text\n%% kbsync:end %%\nmore %%KBSYNC:begin %%"}
    (article,) = read_articles_json(as_json([record]), origin="m.json", now=NOW).articles
    assert "%%" not in article.entry.content.replace("%%\n", "").replace(" %%", "")
    assert "kbsync:end" in article.entry.content  # the text itself is kept


def test_chinese_record():
    record = {"title": "Adam/Muon退位！谷歌Magma：随机丢弃50%梯度却拿下LLM优化SOTA",
              "source": "PaperAgent", "author": "张三", "published": "2026-02-07 12:00",
              "language": "zh-CN", "content": "<p>深度网络依赖<b>LayerNorm</b>。</p>",
              "score": 95, "tier": "must-read", "category": "AI/Tech", "tags": ["优化器", "LLM训练"],
              "summary_line": "谷歌提出 Magma 优化器。", "key_points": ["随机丢弃 50% 梯度"]}
    (article,) = read_articles_jsonl(as_jsonl(record), origin="日报.jsonl", now=NOW).articles
    entry = article.entry
    assert entry.title == record["title"]
    assert entry.kb_id == stable_id("import:日报.jsonl", record["title"])
    assert entry.published == datetime(2026, 2, 7, 12, 0, tzinfo=timezone.utc)  # naive -> UTC
    assert (entry.author, entry.language, entry.source) == ("张三", "zh-CN", "PaperAgent")
    assert entry.content == "深度网络依赖**LayerNorm**。"
    assert article.prescore.tags == ("优化器", "LLM训练")
    assert article.prescore.summary == "谷歌提出 Magma 优化器。"


@pytest.mark.parametrize("text, expected", [
    ("2026-02-07", datetime(2026, 2, 7, tzinfo=timezone.utc)),
    ("2026-02-07T12:00:00Z", datetime(2026, 2, 7, 12, tzinfo=timezone.utc)),
    ("2026-02-07t12:00:00z", datetime(2026, 2, 7, 12, tzinfo=timezone.utc)),
    ("2026-02-07T12:00:00.5-0500", datetime(2026, 2, 7, 17, 0, 0, 500000, tzinfo=timezone.utc)),
    (" 2026-02-07 12:00 ", datetime(2026, 2, 7, 12, tzinfo=timezone.utc)),
])
def test_published_is_aware_utc(text, expected):
    (article,) = read_articles_json(as_json([{"title": "d", "published": text}]), origin="d.json",
                                    now=NOW).articles
    assert article.entry.published == expected
    assert article.entry.published.utcoffset() == timedelta(0)


def test_naive_now_is_taken_as_utc():
    (article,) = read_articles_json(as_json([{"title": "n"}]), origin="n.json",
                                    now=datetime(2026, 2, 7, 9, 30)).articles
    assert article.entry.published == NOW


def test_same_canonical_url_twice_the_later_record_wins():
    records = [{"url": "https://example.com/x?utm_medium=a", "title": "old"},
               {"title": "other"},
               {"url": "https://EXAMPLE.com/x#frag", "title": "new", "score": 60}]
    result = read_articles_json(as_json(records), origin="d.json", now=NOW)
    assert [a.entry.title for a in result.articles] == ["new", "other"]
    assert result.articles[0].prescore.score == 60
    assert result.rejects == []


# ---------------------------------------------------------------- detect_kind / read_import

@pytest.mark.parametrize("name, head, kind", [
    ("subs.txt", OPML, "opml"),
    ("subs.json", b"\xef\xbb\xbf\n  <?xml version='1.0'?><opml/>", "opml"),
    ("a.opml", b'  [{"title": "x"}]', "json"),
    ("a.jsonl", b'{\n  "articles": []\n}\n', "json"),           # pretty-printed: one document
    ("a.txt", b'{"articles": [{"title": "x"}]}\n', "json"),     # the wrapper on one line
    ("a.json", b'{"title": "x"}\n{"title": "y"}\n', "jsonl"),   # content beats the extension
    ("a", b'{"title": "only one record"}', "jsonl"),
    ("a.json", b"[]", "json"),
    ("a.xml", "<opml/>".encode("utf-16"), "opml"),
])
def test_detect_kind_by_content(name, head, kind):
    assert detect_kind(Path(name), head) == kind


def test_detect_kind_asks_the_extension_only_when_the_first_line_is_cut():
    head = b'{"title": "' + b"x" * 70_000
    assert detect_kind(Path("big.json"), head[:65536]) == "json"
    assert detect_kind(Path("big.ndjson"), head[:65536]) == "jsonl"
    assert detect_kind(Path("big"), b'{ "articles" : [' + head[:65000]) == "json"


@pytest.mark.parametrize("content, message", [
    (b"title,url\nx,https://example.com\n", "list.json: not an OPML, JSON or JSONL file (it starts with 'title,url\\n"),
    (b"  \n\t ", "list.json: the file is empty"),
    (b"", "list.json: the file is empty"),
])
def test_a_file_that_is_none_of_the_kinds_raises_one_line(tmp_path, content, message):
    path = tmp_path / "list.json"
    path.write_bytes(content)
    with pytest.raises(ImportError_) as caught:
        read_import(path, now=NOW)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_unreadable_file_raises_one_line(tmp_path):
    for path in (tmp_path / "missing.opml", tmp_path):
        with pytest.raises(ImportError_, match=r"^cannot read .*: ") as caught:
            read_import(path, now=NOW)
        assert "\n" not in str(caught.value)


def test_read_import_dispatches_every_kind(tmp_path):
    (tmp_path / "subs.xml").write_bytes(OPML)
    (tmp_path / "a.data").write_bytes(as_json(RECORDS))
    (tmp_path / "b.data").write_bytes(as_jsonl(*RECORDS))
    assert len(read_import(tmp_path / "subs.xml", now=NOW).feeds) == 3
    from_json = read_import(tmp_path / "a.data", now=NOW)
    from_jsonl = read_import(tmp_path / "b.data", now=NOW)
    assert [a.entry.title for a in from_json.articles] == [a.entry.title for a in from_jsonl.articles]
    assert from_json.articles[1].entry.kb_id == stable_id("import:a.data", "Second, no URL")


# ---------------------------------------------------------------- the schema itself

def test_schema_is_valid_draft_2020_12_and_documented():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] and schema["title"] and schema["additionalProperties"] is False
    assert all(prop.get("description") for prop in schema["properties"].values())
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid(RECORDS[0]) and not validator.is_valid({"author": "x"})


# ---------------------------------------------------------------- properties

SCHEMA_KEYS = sorted(json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["properties"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False)
    | st.text(max_size=30) | st.sampled_from(["https://example.com/a", "2026-02-07", "skim", "<p>x</p>"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=6,
)
records = st.one_of(
    json_values,
    st.dictionaries(st.sampled_from(SCHEMA_KEYS) | st.text(max_size=6), json_values, max_size=6),
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records, max_size=4))
def test_any_records_import_or_reject_never_raise(items):
    result = read_articles_json(as_json(items), origin="h.json", now=NOW)
    refs = [r.ref for r in result.rejects]
    assert len(set(refs)) == len(refs)
    assert len(result.articles) + len(result.rejects) <= len(items)
    for reject in result.rejects:
        assert reject.reason.startswith(reject.ref + ": ") and "\n" not in reject.reason
        assert len(reject.reason) < 1000
    for article in result.articles:
        assert article.entry.title and article.entry.published.tzinfo is not None
        assert article.prescore is None or 0 <= article.prescore.score <= 100


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.binary(max_size=40) | records.map(lambda r: json.dumps(r).encode()), max_size=6))
def test_any_jsonl_lines_never_raise(lines):
    data = b"\n".join(line.replace(b"\n", b" ") for line in lines)
    result = read_articles_jsonl(data, origin="h.jsonl", now=NOW)
    for reject in result.rejects:
        assert reject.ref.startswith("line ") and reject.reason.startswith(reject.ref + ": ")
        assert "\n" not in reject.reason


@settings(max_examples=300)
@given(st.binary(max_size=200) | st.text(max_size=100).map(lambda t: ("<opml><body>" + t).encode()))
def test_any_bytes_are_a_kind_or_one_line_import_error(data):
    for call in (lambda: detect_kind(Path("x"), data), lambda: read_opml(data, origin="x")):
        try:
            call()
        except ImportError_ as exc:
            assert "\n" not in str(exc) and str(exc)
