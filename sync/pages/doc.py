"""A page as a target should hold it: what kbsync owns in it, and nothing else.

Contract: a ``Doc`` is target-neutral. ``props`` are the owned properties in
page order, ``region`` the Markdown of the owned body block (a target wraps it
in its markers, or turns it into blocks), ``owned`` the property names kbsync
may write; every other property and every other line is the reader's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..edits.rules import OWNED_KEYS


@dataclass(frozen=True)
class RelatedItem:
    link: str          # a ready wikilink, "[[name|shown]]"
    reason: str = ""


@dataclass(frozen=True)
class Doc:
    """One page as a target should hold it: owned properties + owned body block."""

    key: str
    props: dict[str, Any]
    region: str
    path: str | None = None                  # where a new page goes (vault-relative), decided before rendering
    owned: tuple[str, ...] = OWNED_KEYS      # the property names kbsync owns in this page
    adopt: bool = False                      # a page at ``path`` without our kb_id is taken over, not avoided
