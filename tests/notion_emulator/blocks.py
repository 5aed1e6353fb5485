"""Block content: checking children (limits, nesting) and the block endpoints.

A request may carry at most 100 children per array, 1,000 blocks in all and
two levels of nesting (children of children may not have children); any
breach is refused whole with Notion's ``validation_error`` and nothing is
written. Content rules (known keys, code languages, web URLs for links and
media, children under toggle headings only) come from ``rules.py``. Blocks
are stored response-shaped (rich text with annotations,
``plain_text`` and ``href``); pages and databases live in their parent's
child list too, answering as ``child_page`` / ``child_database`` blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .common import BLOCK_LIMIT, URL_LIMIT, archived, invalid, missing, new_id, rejected, show, unsupported, wrong
from .rules import BLOCK_KEYS, checkpoint, CONTENT_KEYS, known_keys, language, media_url, not_present
from .state import Block, Database, Page, Workspace
from .validate import COLORS, as_dict, as_list, as_text, icon, rich_text

TEXT_BLOCKS = ("paragraph", "heading_1", "heading_2", "heading_3", "bulleted_list_item", "numbered_list_item",
               "quote", "to_do", "toggle", "callout", "code", "template")
MEDIA = ("image", "video", "pdf", "file", "audio")
OTHER = ("divider", "breadcrumb", "table_of_contents", "bookmark", "embed", "equation", "link_to_page",
         "table", "table_row", "column_list", "column") + MEDIA
UPDATE_KEYS = {"type", "in_trash", "archived"}   # beside the content in PATCH /v1/blocks/{id} (the SDK's pick list)
PARENTS = ("paragraph", "heading_1", "heading_2", "heading_3", "bulleted_list_item", "numbered_list_item",
           "quote", "to_do", "toggle", "callout", "template", "table", "column_list", "column")


@dataclass
class Tree:
    """A checked block and its checked children, not yet stored."""

    type: str
    content: dict
    children: list[Tree] = field(default_factory=list)

    def size(self) -> int:
        return 1 + sum(child.size() for child in self.children)


def trees(ws: Workspace, path: str, raw: Any, depth: int = 1) -> list[Tree]:
    """Checks a ``children`` array (this level and below) into trees."""
    return [_tree(ws, f"{path}[{i}]", item, depth) for i, item in enumerate(as_list(path, raw))]


def check_total(found: list[Tree]) -> None:
    total = sum(t.size() for t in found)
    if total > BLOCK_LIMIT:
        raise invalid(f"body should contain at most `{BLOCK_LIMIT}` blocks in one request, instead was `{total}`.")


def _tree(ws: Workspace, path: str, raw: Any, depth: int) -> Tree:
    raw = as_dict(path, raw)
    kind = raw.get("type") or next((k for k in raw if k in TEXT_BLOCKS + OTHER), None)
    if kind is None:
        raise wrong(path, "a block object", raw)
    if kind not in TEXT_BLOCKS + OTHER:
        raise unsupported(f"block type {kind!r}")
    known_keys(path, raw, BLOCK_KEYS | {kind})
    body = as_dict(f"{path}.{kind}", raw.get(kind))
    known_keys(f"{path}.{kind}", body, CONTENT_KEYS.get(kind, frozenset()))
    content = block_content(ws, f"{path}.{kind}", kind, body)
    children: list[Tree] = []
    if body.get("children") is not None:
        here = f"{path}.{kind}.children"
        if depth >= 2 or kind not in PARENTS:
            raise not_present(here, body["children"])
        # only a toggle heading holds blocks: the reference's is_toggleable ("if true, the heading has a
        # toggle and can support children"; a static heading cannot), and the 2022 changelog quoted in
        # lastorel/pytion#43 (children must be removed before a heading is un-toggled)
        if kind.startswith("heading_") and content.get("is_toggleable") is not True:
            raise invalid(f"{here} should be not present unless `{path}.{kind}.is_toggleable` is `true`, "
                          f"instead was `{show(body['children'])}`.")
        children = trees(ws, here, body["children"], depth + 1)
    return Tree(kind, content, children)


def _color(path: str, body: dict) -> str:
    color = body.get("color", "default")
    if color not in COLORS:
        raise wrong(f"{path}.color", "a valid color", color)
    return color


def block_content(ws: Workspace, path: str, kind: str, body: dict) -> dict:
    """One block's content in response shape, defaults filled in."""
    if kind in TEXT_BLOCKS:
        text = rich_text(ws, f"{path}.rich_text", body.get("rich_text"))
        if kind == "code":
            if "language" not in body:
                raise missing(f"{path}.language")
            return {"caption": rich_text(ws, f"{path}.caption", body.get("caption", [])), "rich_text": text,
                    "language": language(f"{path}.language", body["language"])}
        out: dict[str, Any] = {"rich_text": text}
        if kind == "paragraph":
            out["icon"] = None
        if kind.startswith("heading_"):
            out["is_toggleable"] = bool(body.get("is_toggleable", False))
        if kind == "to_do":
            out["checked"] = bool(body.get("checked", False))
        if kind == "callout":
            out["icon"] = icon(f"{path}.icon", body.get("icon", {"type": "emoji", "emoji": "💡"}))
        if kind != "template":
            out["color"] = _color(path, body)
        return out
    if kind in ("divider", "breadcrumb", "column_list"):
        return {}
    if kind == "column":
        return {"width_ratio": body["width_ratio"]} if "width_ratio" in body else {}
    if kind == "table_of_contents":
        return {"color": _color(path, body)}
    if kind in ("bookmark", "embed"):
        return {"caption": rich_text(ws, f"{path}.caption", body.get("caption", [])),
                "url": media_url(kind, as_text(f"{path}.url", body.get("url"), URL_LIMIT))}
    if kind == "equation":
        return {"expression": as_text(f"{path}.expression", body.get("expression"), 1000)}
    if kind in MEDIA:
        url = as_text(f"{path}.external.url", as_dict(f"{path}.external", body.get("external")).get("url"), URL_LIMIT)
        media_url(kind, url)
        out = {"caption": rich_text(ws, f"{path}.caption", body.get("caption", [])), "type": "external",
               "external": {"url": url}}
        return dict(out, name=body.get("name", "")) if kind == "file" else out
    if kind == "link_to_page":
        target = ws.page(body.get("page_id"), f"{path}.page_id")
        return {"type": "page_id", "page_id": target.id}
    if kind == "table":
        return {"table_width": body.get("table_width", 1), "has_column_header": bool(body.get("has_column_header")),
                "has_row_header": bool(body.get("has_row_header"))}
    cells = as_list(f"{path}.cells", body.get("cells"))
    return {"cells": [rich_text(ws, f"{path}.cells[{i}]", cell) for i, cell in enumerate(cells)]}


def store(ws: Workspace, parent: Block | Page, found: list[Tree], at: int | None = None) -> list[Block]:
    """Creates the trees under ``parent`` (at index ``at``, default the end)."""
    ref = {"type": "page_id", "page_id": parent.id} if isinstance(parent, Page) else \
        {"type": "block_id", "block_id": parent.id}
    made = []
    for tree in found:
        now = ws.clock.stamp()
        block = Block(id=new_id(), parent=dict(ref), type=tree.type, content=tree.content, created=now,
                      edited=now, created_by=ws.bot_id, edited_by=ws.bot_id)
        ws.blocks[block.id] = block
        store(ws, block, tree.children)
        made.append(block)
    ids = [b.id for b in made]
    index = len(parent.children) if at is None else at
    parent.children[index:index] = ids
    return made


def touch_up(ws: Workspace, node: Block | Page) -> None:
    """An edit shows on the block and on every block and page above it."""
    while node is not None:
        ws.touch(node)
        if isinstance(node, Page):
            return
        parent = node.parent
        node = ws.blocks.get(parent.get("block_id", "")) or ws.pages.get(parent.get("page_id", ""))


def _position(ws: Workspace, parent: Block | Page, body: dict) -> int | None:
    after = body.get("after")
    position = body.get("position")
    if position is not None:
        position = as_dict("body.position", position)
        kind = position.get("type")
        # ContentPositionSchema in the SDK's AppendBlockChildren request: after_block, start or end
        if kind == "start":
            return 0
        if kind == "end":
            return None
        if kind != "after_block":
            raise wrong("body.position.type", '`"after_block"`, `"start"` or `"end"`', kind)
        after = as_dict("body.position.after_block", position.get("after_block")).get("id")
    if after is None:
        return None
    sibling = ws.node(after, "body.after")
    if sibling.id not in parent.children:
        raise rejected(f"Block {sibling.id} is not a child of {parent.id}.")
    return parent.children.index(sibling.id) + 1


def append(ws: Workspace, parent: Block | Page | Database, body: dict) -> list[Block]:
    static = isinstance(parent, Block) and parent.type.startswith("heading_") and \
        not parent.content.get("is_toggleable")
    if isinstance(parent, Database) or (isinstance(parent, Block) and parent.type not in PARENTS) or static:
        raise rejected(f"Block type {getattr(parent, 'type', 'child_database')} does not support children.")
    if ws.trashed(parent):          # itself, or a page or database above it
        raise archived()
    found = trees(ws, "body.children", body.get("children"))
    check_total(found)
    at = _position(ws, parent, body)
    checkpoint()
    made = store(ws, parent, found, at)
    touch_up(ws, parent)
    return made


def update(ws: Workspace, node: Block | Page | Database, body: dict) -> Block | Page | Database:
    trash = next((body[k] for k in ("in_trash", "archived") if k in body), None)
    if trash is not None and not isinstance(trash, bool):
        raise wrong("body.in_trash", "a boolean", trash)
    known_keys("body", body, UPDATE_KEYS | set(TEXT_BLOCKS + OTHER))
    kinds = [k for k in body if k in TEXT_BLOCKS + OTHER]
    if node.in_trash and trash is not False and kinds:
        raise archived()
    if not node.in_trash and ws.trashed(node):
        raise archived()            # under a trashed page or database
    if kinds and not isinstance(node, Block):
        raise unsupported("editing a child_page or child_database block's content")
    content = None
    if kinds:
        kind = kinds[0]
        if len(kinds) > 1 or kind != node.type or body.get("type", kind) != kind:
            raise rejected(f"Block type {node.type} cannot be changed to {kind}.")
        raw = as_dict(f"body.{kind}", body[kind])
        known_keys(f"body.{kind}", raw, CONTENT_KEYS.get(kind, frozenset()) - {"children"})
        fresh = block_content(ws, f"body.{kind}", kind, raw)
        content = {key: (fresh[key] if key in raw else node.content.get(key, fresh[key])) for key in fresh}
    checkpoint()
    if content is not None:
        node.content = content
    if trash is not None:
        node.in_trash = trash
    if isinstance(node, Database):
        ws.touch(node)
    else:
        touch_up(ws, node)
    return node


def delete(ws: Workspace, node: Block | Page | Database) -> Block | Page | Database:
    """Moves to the trash (pages and databases too); something already there is refused."""
    if ws.trashed(node):
        raise archived()
    node.in_trash = True
    ws.touch(node)
    return node
