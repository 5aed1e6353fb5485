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
    # an article is linked to from about five lists: its wikilink is made once
    made: dict[str, str | None] = {}

    def link_to(dst: str) -> str | None:
        if dst not in made:
            name = note_name(dst)
            made[dst] = None if name is None else wikilink(name, titles.get(dst, name))
        return made[dst]

    out: dict[str, list[RelatedItem]] = {}
    for kb_id, items in links.items():
        out[kb_id] = [RelatedItem(target, link.reason) for link in items if (target := link_to(link.dst)) is not None]
    return out

