"""Note frontmatter (sync/render/yamlfm.py): round trip, Obsidian's format, errors."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

import frontmatter
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.targets.obsidian.yamlfm import (
    NoteParseError,
    ObsidianDumper,
    ObsidianLoader,
    dump_yaml,
    dumps_note,
    loads_note,
)

UTC = timezone.utc
ARTICLE: dict[str, Any] = {
    "title": "OpenAI ships GPT-5.5: what changes for agents",
    "url": "https://example.com/posts/gpt-5-5?ref=rss",
    "source": "Example Blog",
    "author": "Jane Doe",
    "published": datetime(2026, 2, 7, 12, 0, tzinfo=UTC),
    "score": 87,
    "tier": "must-read",
    "category": "AI/Tech",
    "tags": ["llm", "agents", "inference"],
    "summary": "A one-paragraph summary of the article.",
    "related": ["[[2026-02-06 Other note|Other note]]", "[[2026-02-05 Third]]"],
    "week": "[[2026-W06]]",
    "kb_id": "kb-0123456789abcdef",
    "status": "unread",
    "rating": None,
}
TRICKY_STRINGS = [
    "yes", "no", "on", "off", "y", "n", "Yes", "NO", "true", "False", "null", "~", "",
    "123", "-5", "0o17", "0x1F", "012", "1_000", "1:20", "1e3", ".5", "1.", ".inf", "-.inf",
    ".nan", "=", "<<", "2026-02-07", "2026-02-07T12:00:00+00:00", "2026-02-07 12:00:00",
    ":", "- x", "-", "? x", "#x", "a #b", "a# b", "@x", "`x`", "%x", "!x", "&x", "*x", "|", ">",
    "[[Note|Alias]]", "[[Note]]", "{a}", "a: b", "a:", "---", "...", "--- x", "'", '"', "a'b",
    'say "hi"', "back\\slash", "multi\nline\n", "\nleading break", "trailing break\n",
    "  leading spaces", "trailing spaces  ", " ", "tab\there", "cr\rlf\r\n", "nul\x00",
    "bell\x07", "del\x7f", "c1\x85", "ls\u2028ps\u2029", "bom\ufeff", "nbsp\xa0x",
    "🚀 launch", "🚀: launch", "emoji 👨\u200d👩\u200d👧 family", "مرحبا بالعالم",
    "עברית: שלום", "人工智能的未来", "AI、机器学习。", "\U0010ffff", "\ue000",
    "x" * 10_000, "long words " * 1000,
]


def same(a: Any, b: Any) -> bool:
    """Equal values of the same types (tuples are written as lists)."""
    if isinstance(a, tuple):
        a = list(a)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, datetime):
        return a == b and (a.tzinfo is None) == (b.tzinfo is None)
    return bool(a == b)


def yaml_part(note: str) -> str:
    return note.split("---\n", 2)[1]


# ---------------------------------------------------------------- strategies

offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes)))
scalars = st.one_of(
    st.text(),
    st.sampled_from(TRICKY_STRINGS),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.dates(),
    st.datetimes(),
    st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=offsets),
)
SAFE_KEY = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_- ",
                   min_size=1, max_size=30).filter(lambda k: k.strip() == k)
nested = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
flat_values = scalars | st.lists(scalars, max_size=5) | st.tuples(scalars, scalars)


# ------------------------------------------------------------------ round trip


# PyYAML's pure-Python emitter is slow on the 10 kB strings: no deadline.
@settings(deadline=None)
@given(st.dictionaries(SAFE_KEY, nested, max_size=8), st.text())
def test_round_trip_gives_equal_values_of_the_same_types(meta: dict[str, Any], body: str) -> None:
    note = dumps_note(meta, body)
    got, got_body = loads_note(note)
    assert got_body == body
    assert same(meta, got), (meta, got)


@settings(deadline=None)
@given(st.dictionaries(st.text(min_size=1), flat_values, max_size=8))
def test_any_key_round_trips(meta: dict[str, Any]) -> None:
    got, _ = loads_note(dumps_note(meta, ""))
    assert same(meta, got)


@settings(deadline=None)
@given(st.dictionaries(st.text(min_size=1), flat_values | nested, max_size=8))
def test_fast_writer_matches_obsidian_dumper_byte_for_byte(meta: dict[str, Any]) -> None:
    assert dump_yaml(meta) == (yaml.dump(meta, Dumper=ObsidianDumper) if meta else "")


@settings(deadline=None)
@given(st.dictionaries(SAFE_KEY, nested, max_size=8))
def test_yaml_1_1_and_1_2_readers_agree_on_what_we_write(meta: dict[str, Any]) -> None:
    text = dump_yaml(meta)
    assert same(yaml.safe_load(text) or {}, yaml.load(text, Loader=ObsidianLoader) or {})


@settings(deadline=None)
@given(st.dictionaries(SAFE_KEY, nested, max_size=8))
def test_no_frontmatter_line_can_close_the_block(meta: dict[str, Any]) -> None:
    for line in dump_yaml(meta).splitlines():
        assert not line.startswith(("---", "...")), line


@pytest.mark.parametrize("value", TRICKY_STRINGS)
def test_tricky_strings_read_back_as_the_same_strings(value: str) -> None:
    meta = {"v": value, "items": [value, value]}
    got, _ = loads_note(dumps_note(meta, "body\n"))
    assert same(meta, got)
    assert same(yaml.safe_load(dump_yaml(meta)), meta)


@pytest.mark.parametrize(
    "value",
    [
        0, -1, 2**64, 1.5, -0.0, 1e17, 1e-7, float("inf"), float("-inf"), True, False, None,
        date(2026, 2, 7), date(1, 1, 1),
        datetime(2026, 2, 7, 12, 0), datetime(2026, 2, 7, 12, 0, 0, 1),
        datetime(2026, 2, 7, 12, 0, tzinfo=UTC),
        datetime(2026, 2, 7, 12, 0, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
        datetime(2026, 2, 7, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=9))),
        ["a", 1, None, date(2026, 2, 7)], [], {}, {"nested": {"deeper": ["x"]}},
    ],
)
def test_other_types_round_trip(value: Any) -> None:
    got, _ = loads_note(dumps_note({"v": value}, ""))
    assert same({"v": value}, got)


def test_nan_round_trips() -> None:
    got, _ = loads_note(dumps_note({"v": float("nan")}, ""))
    assert got["v"] != got["v"]


def test_offset_with_seconds_keeps_the_instant() -> None:
    odd = datetime(2026, 2, 7, 12, 0, tzinfo=timezone(timedelta(hours=1, seconds=30)))
    got, _ = loads_note(dumps_note({"v": odd}, ""))
    assert got["v"] == odd
    assert got["v"].utcoffset() == timedelta(0)


def test_tuples_are_written_as_lists() -> None:
    assert loads_note(dumps_note({"tags": ("a", "b")}, ""))[0] == {"tags": ["a", "b"]}


def test_unknown_types_are_refused_not_stringified() -> None:
    with pytest.raises(yaml.representer.RepresenterError):
        dumps_note({"v": object()}, "")


# ---------------------------------------------------------- Obsidian's format


def test_article_note_looks_like_obsidian_writes_it() -> None:
    note = dumps_note(ARTICLE, "# Title\n\nBody.\n")
    assert note == (
        "---\n"
        'title: "OpenAI ships GPT-5.5: what changes for agents"\n'
        "url: https://example.com/posts/gpt-5-5?ref=rss\n"
        "source: Example Blog\n"
        "author: Jane Doe\n"
        "published: 2026-02-07T12:00:00+00:00\n"
        "score: 87\n"
        "tier: must-read\n"
        "category: AI/Tech\n"
        "tags:\n"
        "  - llm\n"
        "  - agents\n"
        "  - inference\n"
        "summary: A one-paragraph summary of the article.\n"
        "related:\n"
        '  - "[[2026-02-06 Other note|Other note]]"\n'
        '  - "[[2026-02-05 Third]]"\n'
        'week: "[[2026-W06]]"\n'
        "kb_id: kb-0123456789abcdef\n"
        "status: unread\n"
        "rating:\n"
        "---\n"
        "# Title\n\nBody.\n"
    )


def test_keys_keep_insertion_order() -> None:
    meta = {"z": 1, "a": 2, "m": {"k": 1, "b": 2}}
    assert dump_yaml(meta) == "z: 1\na: 2\nm:\n  k: 1\n  b: 2\n"
    assert yaml.dump(meta, Dumper=ObsidianDumper, sort_keys=True) == dump_yaml(meta)


def test_datetimes_have_a_t_and_dates_are_plain() -> None:
    text = dump_yaml({"a": datetime(2026, 2, 7, 12, 0), "b": date(2026, 2, 7)})
    assert text == "a: 2026-02-07T12:00:00\nb: 2026-02-07\n"


def test_strings_that_look_typed_are_quoted() -> None:
    text = dump_yaml({"a": "yes", "b": "1e3", "c": "2026-02-07", "d": "null", "e": "on"})
    assert text == 'a: "yes"\nb: "1e3"\nc: "2026-02-07"\nd: "null"\ne: "on"\n'


def test_unicode_is_written_as_is_and_long_strings_stay_on_one_line() -> None:
    text = dump_yaml({"a": "人工智能 🚀", "b": "🚀: go", "c": "word " * 2000 + "end"})
    lines = text.splitlines()
    assert lines[0] == "a: 人工智能 🚀"
    assert lines[1] == "b: '🚀: go'"
    assert len(lines) == 3


def test_line_breaks_are_escaped_on_one_line() -> None:
    assert dump_yaml({"a": "one\ntwo"}) == 'a: "one\\ntwo"\n'


def test_python_frontmatter_reads_our_notes() -> None:
    post = frontmatter.loads(dumps_note(ARTICLE, "Body\n"))
    assert same(ARTICLE, post.metadata)
    assert post.content == "Body"


# ------------------------------------------------------------------- reading


def test_reader_keys_named_like_post_arguments_work() -> None:
    meta = {"content": "mine", "handler": "also mine", "title": "x"}
    assert loads_note(dumps_note(meta, "b"))[0] == meta


def test_obsidian_typing_of_a_readers_hand_written_values() -> None:
    note = "---\nseen: yes\nflag: true\ncode: 012\ntime: 1:20\nbig: 1e3\neq: =\n---\n"
    assert loads_note(note)[0] == {
        "seen": "yes", "flag": True, "code": 12, "time": "1:20", "big": 1000.0, "eq": "=",
    }


def test_body_is_returned_byte_for_byte() -> None:
    body = "\n\n  indented\n---\nnot frontmatter\n---\n\n"
    assert loads_note(dumps_note({"a": 1}, body)) == ({"a": 1}, body)


def test_crlf_bom_and_empty_frontmatter() -> None:
    assert loads_note("\ufeff---\r\ntitle: x\r\n---\r\nbody\r\n") == ({"title": "x"}, "body\r\n")
    assert loads_note("---\n---\nbody") == ({}, "body")
    assert loads_note("---\ntitle: x\n---") == ({"title": "x"}, "")
    assert loads_note("---\nb: &b {k: 1}\nm:\n  <<: *b\n  k: 2\n---\n")[0]["m"] == {"k": 2}
    assert dumps_note({}, "body") == "---\n---\nbody"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("just a body\n", "no frontmatter"),
        ("\n---\na: 1\n---\n", "no frontmatter"),
        ("---\ntitle: x\nbody without a close\n", "not closed"),
        ("---\na: [unclosed\n---\n", "not valid YAML"),
        ("---\na: 1\n a: 2\n---\n", "not valid YAML"),
        ("---\na: !!python/object/apply:os.system [echo]\n---\n", "not valid YAML"),
        ("---\ntags: [a]\ntags: [b]\n---\n", "duplicate key 'tags'"),
        ("---\nm:\n  k: 1\n  k: 2\n---\n", "duplicate key 'k'"),
        ("---\n- a\n- b\n---\n", "not a mapping"),
        ("---\njust text\n---\n", "not a mapping"),
    ],
)
def test_unreadable_notes_raise_note_parse_error(text: str, reason: str) -> None:
    with pytest.raises(NoteParseError, match=re.escape(reason)):
        loads_note(text)
