"""Tag cleaning (sync/tags.py) against OBSIDIAN.md's tag rules."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.tags import MAX_TAG_CHARS, clean_tag, clean_tags


def assert_valid_tag(tag: str) -> None:
    for ch in tag:
        assert ch in "_-/" or unicodedata.category(ch)[0] in "LMN", (tag, ch)
    assert any(unicodedata.category(ch)[0] == "L" for ch in tag)
    assert not tag.startswith("/") and not tag.endswith("/") and "//" not in tag
    for segment in tag.split("/"):
        assert not segment.startswith("-") and not segment.endswith("-"), tag
    assert "--" not in tag
    assert not any("A" <= ch <= "Z" for ch in tag)
    assert len(tag) <= MAX_TAG_CHARS
    assert unicodedata.is_normalized("NFC", tag)


@given(st.text())
def test_clean_tag_obeys_the_rules_and_is_idempotent(raw: str) -> None:
    tag = clean_tag(raw)
    if tag is not None:
        assert_valid_tag(tag)
        assert clean_tag(tag) == tag


@given(st.text(alphabet="aZ9_-/ #、。「」，：！・\u3000", max_size=80))
def test_clean_tag_on_separator_heavy_input(raw: str) -> None:
    tag = clean_tag(raw)
    if tag is not None:
        assert_valid_tag(tag)
        assert clean_tag(tag) == tag


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("#AI", "ai"),
        ("##LLM", "llm"),
        ("Large Language Models!", "large-language-models"),
        ("  #machine learning  ", "machine-learning"),
        ("a - b", "a-b"),
        ("a--b", "a-b"),
        ("a//b", "a/b"),
        ("/AI/Agents/", "ai/agents"),
        ("ai/ -x- /", "ai/x"),
        ("人工智能", "人工智能"),
        ("AI、机器学习。", "ai机器学习"),
        ("「引用」", "引用"),
        ("ＡＩ！", "ＡＩ"),
        ("ソフト・バンク", "ソフトバンク"),
        ("AI 使用", "ai-使用"),
        ("Builder 实践", "builder-实践"),
        ("Ärger", "Ärger"),
        ("cafe\u0301", "caf\u00e9"),
        ("हिन्दी", "हिन्दी"),
        ("🚀 launch", "launch"),
        ("y2026", "y2026"),
        ("2026-w09", "2026-w09"),
        ("snake_case", "snake_case"),
        ("c++", "c"),
        ("zero\u200bwidth", "zerowidth"),
    ],
)
def test_clean_tag_examples(raw: str, expected: str) -> None:
    assert clean_tag(raw) == expected


@pytest.mark.parametrize("raw", ["", "#", "2026", "２０２６", "3-4", "1/2", "---", "_", "🚀", "。、"])
def test_tags_without_a_letter_have_no_place(raw: str) -> None:
    assert clean_tag(raw) is None


def test_long_tags_are_cut_cleanly() -> None:
    assert clean_tag("x" * 100) == "x" * MAX_TAG_CHARS
    tag = clean_tag("a" * (MAX_TAG_CHARS - 1) + " bcd")
    assert tag == "a" * (MAX_TAG_CHARS - 1)


def test_clean_tags_dedupes_keeps_order_and_limits() -> None:
    raws = ["#AI", "ai", "Agents", "2026", "AGENTS", "llm", "Ärger", "ärger", "x"]
    assert clean_tags(raws) == ("ai", "agents", "llm", "Ärger", "x")
    assert clean_tags(raws, limit=2) == ("ai", "agents")
    assert clean_tags(raws, limit=0) == ()
    assert clean_tags(iter(["a", "b"])) == ("a", "b")


@given(st.lists(st.text()), st.integers(min_value=0, max_value=12))
def test_clean_tags_output_is_clean_unique_and_bounded(raws: list[str], limit: int) -> None:
    tags = clean_tags(raws, limit)
    assert len(tags) <= limit
    assert len({t.casefold() for t in tags}) == len(tags)
    for tag in tags:
        assert_valid_tag(tag)
