"""A page shows an article's text only when it says more than the title: scraped feeds give the
title again as the description, and the note and the Notion page showed it twice
(``pages.article.shown_content``)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from sync.models import Article, Score
from sync.pages.article import article_doc, shown_content
from sync.targets.notion.pages import article_blocks
from sync.targets.notion.pages import article_doc as notion_doc

WHEN = datetime(2026, 8, 14, 9, 30, tzinfo=timezone.utc)


def article(title: str, content: str) -> Article:
    return Article(kb_id="k1", url="https://www.anthropic.com/news/anthropic-bcg", title=title, source="Anthropic News",
                   published=WHEN, content=content)


SCORE = Score(kb_id="k1", content_hash="h", backend="heuristic", score=56, tier="skim", category="Industry & business",
              tags=("anthropic",), summary="")


@pytest.mark.parametrize("content", [
    "Anthropic partners with BCG",
    "**Anthropic partners with BCG**",
    "Anthropic partners with BCG.",
    "anthropic partners with bcg",
])
def test_a_text_that_only_repeats_the_title_is_not_shown(content):
    a = article("Anthropic partners with BCG", content)
    assert shown_content(a) == ""
    note = article_doc(a, SCORE, related=[], week="2026-W33", tz=timezone.utc)
    assert "## Article" not in note.region and note.region.count("Anthropic partners with BCG") == 0
    page = notion_doc(a, SCORE, related=[], tz=timezone.utc, owned=["Name"])
    blocks = article_blocks(json.loads(page.region))
    assert not any(b["type"].startswith("heading") for b in blocks)


@pytest.mark.parametrize("content", [
    "Anthropic partners with BCG to bring Claude to its consultants.",
    "Anthropic partners with BCG\n\nThe firm's 32,000 consultants get Claude.",
    "BCG",
])
def test_a_text_that_says_more_is_shown(content):
    a = article("Anthropic partners with BCG", content)
    assert shown_content(a) == content
    note = article_doc(a, SCORE, related=[], week="2026-W33", tz=timezone.utc)
    assert "## Article\n" in note.region
