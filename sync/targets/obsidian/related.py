"""Related links as note content: each stored link becomes a wikilink with its reason.

Contract: only links whose target has a note (``note_name`` returns a name)
are shown, so every link in a note resolves; the order is the linker's
(best first).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ...links.index import related
from ...models import Article
from ...pages.doc import RelatedItem
from ...store import Store
from .paths import wikilink


def related_items(store: Store, articles: Mapping[str, Article],
                  note_name: Callable[[str], str | None]) -> dict[str, list[RelatedItem]]:
    links = related(store, list(articles))
    targets = {link.dst for items in links.values() for link in items}
    titles = store.titles(targets - set(articles))
    titles.update({k: a.title for k, a in articles.items()})
    out: dict[str, list[RelatedItem]] = {}
    for kb_id, items in links.items():
        shown = []
        for link in items:
            name = note_name(link.dst)
            if name is not None:
                shown.append(RelatedItem(wikilink(name, titles.get(link.dst, name)), link.reason))
        out[kb_id] = shown
    return out

