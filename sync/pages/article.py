"""What kbsync owns in an article note: its properties and its body block.

Contract: ``article_doc`` is pure. It returns the owned properties (in the
order they appear in the note, Obsidian Properties types: ``published`` a
date & time in the configured zone, ``score`` a number, ``tags``/``sources``/
``related`` lists, ``week`` a quoted link) and the Markdown of the owned body
block, which the target wraps in ``%% kbsync:begin %%`` / ``%% kbsync:end %%``.
Everything else in a note belongs to the reader.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import jinja2

from ..models import Article, Score, dated_only, in_zone
from ..sources.urls import youtube_video
from ..text import plain_text
from . import templates
from .doc import Doc, RelatedItem
from .markdown import demote_headings, md, only_the_title, stars


def environment(folder: Path | None = None) -> jinja2.Environment:
    # Markdown, not HTML: no autoescape; values are made safe before they get here
    return templates.environment("article", folder)


def prop_text(text: str) -> str:
    """One line for a text property: Obsidian turns ``[[x]]`` in a property into a link,
    so a title that merely contains brackets must not (a zero-width space breaks the pair)."""
    text = re.sub(r"\s+", " ", text).strip()
    return text.replace("[[", "[\u200b[").replace("]]", "]\u200b]")


def md_link(text: str, url: str | None) -> str:
    """[text](url) with the text escaped and the URL in <> when it has spaces or parens."""
    label = md(text)
    if not url:
        return label
    target = f"<{url}>" if re.search(r"[\s()<>]", url) else url
    return f"[{label}]({target})"


def shown_content(article: Article) -> str:
    """The article's text as a page shows it (the note's Article section, the Notion page's):
    none when it only says the title again. Scraped feeds give the title as the description
    (Anthropic's news, Claude's blog, Pinecone's, Perplexity's: 871 of 7,065 entries with a text
    in the real feed sets), and the page showed the title a second time under "Article"."""
    content = article.content
    if content and len(content) <= 2 * len(article.title) + 40 and only_the_title(plain_text(content), article.title):
        return ""
    return content


def local_naive(moment: datetime, tz: tzinfo) -> datetime:
    """Obsidian's date & time property has no zone: write local time in the configured zone (a
    date without its time: midnight of that date, ``models.in_zone``)."""
    return in_zone(moment, tz).replace(tzinfo=None, microsecond=0)


def article_doc(article: Article, score: Score, *, related: Sequence[RelatedItem], week: str,
                tz: tzinfo, path: str | None = None, week_link: str | None = None,
                template_folder: Path | None = None) -> Doc:
    """``week_link``: the ``week`` property as the target resolves it (``[[2026-W09]]`` by default);
    ``template_folder``: the reader's templates (``pages.templates``)."""
    published = local_naive(article.published, tz)
    props: dict[str, Any] = {
        "title": prop_text(article.title),
        # the real title, for search and the quick switcher (the file name drops ' and the like)
        "aliases": [prop_text(article.title)],
        "url": article.url,
        "source": article.source,
        "sources": list(article.sources),
        "author": prop_text(article.author) if article.author else None,
        "published": published,
        "score": score.score,
        "tier": score.tier,
        "category": score.category,
        "tags": list(score.tags),
        "summary": prop_text(score.summary),
        "related": [item.link for item in related],
        "week": week_link or f"[[{week}]]",
        "kb_id": article.kb_id,
        # which Claude model and prompt made the score; a fallback says so (absent offline)
        "model": score.model,
        "prompt_version": score.prompt_version,
        "scored_by": score.backend if score.fallback else None,
    }
    props = {k: v for k, v in props.items() if v is not None}
    region = templates.render(
        environment(template_folder), "article.md.j2", template_folder,
        summary=md(score.summary), stars=stars(score.score), score=score.score, tier=score.tier,
        why=md(score.why_it_matters), fallback=md(score.backend) if score.fallback else "",
        category=score.category, source_link=md_link(article.source, article.url),
        published=published.strftime("%Y-%m-%d" if dated_only(article.published) else "%Y-%m-%d %H:%M"),
        also=[md(s) for s in article.sources[1:]],
        key_points=[md(p) for p in score.key_points],
        content=demote_headings(shown_content(article).strip()), related=related,
        video=youtube_video(article.url) or "")
    return Doc(key=article.kb_id, props=props, region=region.strip("\n") + "\n", path=path)


def path_values(article: Article, score: Score | None, tz: tzinfo) -> dict[str, Any]:
    """The fields a vault path template may use."""
    return {"title": article.title, "source": article.source, "kb_id": article.kb_id,
            "category": score.category if score else "Other", "tier": score.tier if score else "skim",
            "published": local_naive(article.published, tz)}
