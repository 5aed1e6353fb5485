"""Small text helpers shared by the scorer, the linker and the renderers.

They work on English and Chinese alike: sentence ends include 。！？ and
length is measured in "reading units" (a Latin word or two CJK characters),
so a Chinese article is not judged short just because it has no spaces.
"""

from __future__ import annotations

import re

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_AUTOLINK = re.compile(r"<(https?://[^>]+)>")
_MARKUP = re.compile(r"(^|\s)#{1,6}\s+|[*_`>~]+|^\s*[-+]\s+|^\s*\d+\\?\.\s+", re.M)
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")   # CommonMark: any ASCII punctuation may be escaped
_SPACE = re.compile(r"\s+")
_SENTENCE = re.compile(r"(?<=[。！？!?；])|(?<=[.;])(?=\s)")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.+)$", re.M)


def plain_text(markdown: str) -> str:
    """Markdown -> one line of plain text (links keep their text, markup dropped)."""
    text = _LINK.sub(r"\1", markdown)
    text = _AUTOLINK.sub(r"\1", text)
    text = _MARKUP.sub(" ", text)
    text = _ESCAPE.sub(r"\1", text)
    return _SPACE.sub(" ", text).strip()


def sentences(text: str) -> list[str]:
    """Split plain text into sentences (Latin and CJK punctuation)."""
    parts = (p.strip() for p in _SENTENCE.split(text))
    return [p for p in parts if p]


def list_items(markdown: str) -> list[str]:
    """The items of Markdown bullet or numbered lists, as plain text."""
    return [plain_text(m.group(1)) for m in _LIST_ITEM.finditer(markdown)]


def reading_units(text: str) -> int:
    """Latin words plus half the CJK characters: a length that is fair to both."""
    return len(_WORD.findall(text)) + len(_CJK.findall(text)) // 2


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def truncate(text: str, limit: int) -> str:
    """Cut at ``limit`` characters on a word boundary (any boundary for CJK), adding '…'."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    # Latin text: do not cut a word in half; CJK text has no spaces to respect
    if space > limit * 0.6 and not has_cjk(cut[space:]):
        cut = cut[:space]
    return cut.rstrip(" ,;:，、；：") + "…"
