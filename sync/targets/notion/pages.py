"""What kbsync owns in a Notion page, as plain values (pure).

Contract: ``article_doc`` / ``weekly_doc`` return a ``Doc`` whose ``props``
are the owned property values in a canonical, JSON-able form (title/text as
``str``, select as ``str | None``, multi_select as ``list[str]``, date as
``{"start", "end"}``, relations as lists of kb_ids) already cut to Notion's
limits, so the hash ``targets.base.plan`` compares is the hash of what is
sent; ``region`` is the owned page body as canonical JSON (rendered into
blocks by ``body_blocks`` when sent). ``payload`` maps one value to Notion's
property value shape; relations are resolved to page ids only then.

Why values and not payloads: a payload holds page ids that exist only after
the pages are created, and a diff of values is what lets an update send
only the properties that changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, tzinfo
from typing import Any

from ...models import Article, Score, canonical_json, dated_only, in_zone
from ...pages.article import shown_content
from ...pages.doc import Doc
from ...sources.urls import youtube_video
from .blocks import (
    ARRAY_LIMIT,
    TEXT_LIMIT,
    URL_LIMIT,
    Block,
    Resolve,
    bullets,
    callout,
    heading,
    markdown_blocks,
    media_block,
    paragraph,
    rich_text,
    split_text,
)

MAX_CONTENT_BLOCKS = 300      # longer articles end with a pointer to the original
OPTION_LIMIT = 100            # characters in a select option name
WEEKLY_ARTICLES = ARRAY_LIMIT  # a relation takes at most 100 pages per request: the week's best 100
# an icon per tier, so a list of pages shows its best at a glance; one for the weekly pages
TIER_ICONS = {"must-read": "🔥", "worth-reading": "⭐", "skim": "📄"}
WEEKLY_ICON = "🗓️"


def option(name: str | None) -> str | None:
    """A legal select option name: no commas (Notion refuses them), one line, at most 100 characters."""
    if not name:
        return None
    text = re.sub(r"\s+", " ", name.replace(",", " ")).strip()[:OPTION_LIMIT].strip()
    return text or None


def options(names: Iterable[str]) -> list[str]:
    out = list(dict.fromkeys(o for o in map(option, names) if o))
    return out[:ARRAY_LIMIT]


def one_line(text: str | None, limit: int = TEXT_LIMIT) -> str:
    return split_text(re.sub(r"\s+", " ", text or "").strip(), limit)[0]


# -- articles -----------------------------------------------------------------------------
def article_doc(article: Article, score: Score, *, related: Sequence[str], tz: tzinfo, owned: Sequence[str],
                tags: Sequence[str] | None = None, split_tags: Callable[[Sequence[str]], tuple[list[str], list[str]]]
                = lambda t: (list(t), []), split_source: Callable[[str], tuple[str | None, str]]
                = lambda s: (option(s), "")) -> Doc:
    """The Articles page of one article. ``related``: kb_ids of its related articles (Related is
    one column that shows the same on both pages, so each page holds all of its own);
    ``tags``: the score's tags with the reader's edits applied (default: the score's);
    ``split_tags``/``split_source``: the bounded options and the rest as text (``vocab.Bounded``)."""
    url = article.url or ""       # an entry may have no link (RSS 2.0 allows a title and a description alone)
    url_ok = len(url) <= URL_LIMIT
    shown, more = split_tags(score.tags if tags is None else tags)
    source, other_source = split_source(article.source)
    props = {
        "Name": one_line(article.title) or url[:TEXT_LIMIT],
        "URL": url if url and url_ok else None,
        "Score": score.score,
        "Tier": option(score.tier),
        "Category": option(score.category),
        "Tags": options(shown),
        "More tags": one_line(", ".join(more)),
        "Source": source,
        "Other source": one_line(other_source),
        # a date without its time is a date in Notion (``models.in_zone``)
        "Published": {"start": (in_zone(article.published, tz).date() if dated_only(article.published)
                                else article.published.astimezone(tz)).isoformat(), "end": None},
        "Summary": (score.summary or "").strip()[:TEXT_LIMIT * 10],
        "KB ID": article.kb_id,
        "Related": list(related)[:ARRAY_LIMIT],
    }
    body = {"summary": (score.summary or "").strip(), "points": list(score.key_points),
            "content": shown_content(article), "url": url, "url_ok": url_ok}
    if video := youtube_video(url):
        body["video"] = video   # only then: every other page's body stays as it was
    return Doc(key=article.kb_id, props=props, region=canonical_json(body), owned=tuple(owned))


def article_blocks(body: Mapping[str, Any]) -> list[Block]:
    blocks: list[Block] = []
    if body["summary"]:
        blocks.append(callout(rich_text(body["summary"]), "💡"))
    if body["points"]:
        # key points are Markdown (as in the note): shown with their marks, without escapes
        blocks += heading("Key points") + bullets(body["points"], markdown=True)
    if not body["url_ok"]:
        # too long for the URL property: kept as text so nothing is lost
        blocks += paragraph("Link: " + body["url"])
    content = markdown_blocks(body["content"])
    if body.get("video"):
        # a YouTube video's page: its player first (Notion shows a YouTube link as one)
        content.insert(0, media_block("video", body["video"]))
    if content:
        blocks += heading("Article")
        if len(content) > MAX_CONTENT_BLOCKS:
            link = body["url"] if body["url_ok"] and body["url"] else None
            # (an entry without a link has no original to point to: the page says why it stops)
            content = content[:MAX_CONTENT_BLOCKS] + paragraph(
                "… the rest is in the original article." if body["url"] else
                "… the rest is not shown: the article is longer than a Notion page holds.", link=link, italic=True)
        blocks += content
    return blocks


# -- weekly pages -------------------------------------------------------------------------
def weekly_doc(label: str, first: date, last: date, counts: Mapping[str, int], articles: Sequence[str],
               markdown: str, *, owned: Sequence[str]) -> Doc:
    """The Weekly page of one week; ``articles``: kb_ids best first; ``markdown`` links articles as
    ``[title](kbsync:<kb_id>)``."""
    props = {
        "Name": f"AI Weekly Digest — {label}",
        "Dates": {"start": first.isoformat(), "end": last.isoformat()},
        "Scanned": counts.get("scanned", 0),
        "Must read": counts.get("must_read", 0),
        "Worth reading": counts.get("worth_reading", 0),
        "KB ID": f"weekly-{label}",
        "Articles": list(articles)[:WEEKLY_ARTICLES],
    }
    return Doc(key=f"weekly-{label}", props=props, region=canonical_json({"markdown": markdown}), owned=tuple(owned))


def weekly_blocks(body: Mapping[str, Any], resolve: Resolve) -> list[Block]:
    """The digest as a page a person would write: the date range and counts, then headings for
    the trends, the Top 10 (page mentions), By Category and Top Sources. The page title already
    says the week, so the Markdown's own title line is left out."""
    text = re.sub(r"\A# [^\n]*\n", "", body["markdown"].lstrip())
    return markdown_blocks(text, resolve)


def page_icon(doc: Doc) -> str | None:
    """The emoji of a page: its tier's, or the weekly pages' one."""
    if doc.key.startswith("weekly-"):
        return WEEKLY_ICON
    return TIER_ICONS.get(doc.props.get("Tier") or "")


def body_blocks(doc: Doc, resolve: Resolve) -> list[Block]:
    body = json.loads(doc.region)
    return weekly_blocks(body, resolve) if "markdown" in body else article_blocks(body)


# -- values -> Notion payloads ----------------------------------------------------------------
def payload(kind: str, value: Any, resolve: Callable[[str], str | None]) -> tuple[dict[str, Any], Any]:
    """(Notion property value, the value actually sent) for one owned property.

    The value sent differs from ``value`` only for relations whose pages do
    not exist (yet): they are left out, and the record keeps what was sent, so
    the next run sees the difference and completes the relation.
    """
    if kind == "title":
        return {"title": rich_text(value)[:1]}, value
    if kind == "rich_text":
        return {"rich_text": rich_text(value)[:ARRAY_LIMIT]}, value
    if kind == "url":
        return {"url": value or None}, value
    if kind == "number":
        return {"number": value}, value
    if kind == "select":
        return {"select": {"name": value} if value else None}, value
    if kind == "multi_select":
        return {"multi_select": [{"name": v} for v in value]}, value
    if kind == "date":
        return {"date": value}, value
    if kind == "relation":
        sent = [k for k in value if resolve(k)]
        return {"relation": [{"id": resolve(k)} for k in sent]}, sent
    raise ValueError(f"unsupported property type {kind!r}")


def changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Owned properties whose value differs from what was last sent."""
    return [name for name, value in new.items()
            if name not in old or canonical_json(old[name]) != canonical_json(value)]
