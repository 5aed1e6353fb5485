"""Markdown -> Notion blocks, cut to the API's request limits (pure).

Contract: every block list this module returns can be sent as-is. A rich
text object holds at most ``TEXT_LIMIT`` characters (counted in UTF-16 code
units, as Notion counts them), a rich text array at most ``ARRAY_LIMIT``
items, a link URL at most ``URL_LIMIT`` characters (a longer or non-web link
becomes plain text), and nesting is at most two levels (one call may carry a
block and its children; deeper list items are lifted to the second level).
``request_chunks`` then cuts a page body into calls of at most 100 top-level
blocks, 1,000 blocks and ``BODY_BUDGET`` bytes each.

Links whose target is ``kbsync:<kb_id>`` are page mentions: the caller's
``resolve`` maps the kb_id to a Notion page id (None: plain text).

An image alone in its paragraph (a note's header image, a figure), linked or
not, is an image block of its web URL with its alt text as the caption (a
YouTube video written as an image, as Obsidian embeds one: a video block); an
image amid text, in a quote or with a URL Notion cannot show stays its alt
text, linked to it. ``plain_links`` turns image and video blocks back into such
text, for a page Notion refused (it refuses some image URLs: "Invalid image url.").

Markdown is parsed by mistune (a maintained CommonMark parser with an AST
mode); this module only maps its tokens to Notion block types.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import mistune

from ...sources.urls import youtube_video

TEXT_LIMIT = 2000
ARRAY_LIMIT = 100
URL_LIMIT = 2000
BLOCKS_PER_CALL = 100
BLOCKS_PER_REQUEST = 1000
BODY_BUDGET = 400_000          # bytes of JSON per call, well under the 500 KB limit
MENTION = "kbsync:"

Block = dict[str, Any]
Resolve = Callable[[str], str | None]

_parse = mistune.create_markdown(renderer=None, plugins=["strikethrough", "table", "url"])

# Notion's code block accepts only its own list of languages (notion-sdk-js's LanguageRequest);
# a fence's info string is looked up there, then among the usual other spellings
_NOTION_LANGUAGES = frozenset("""abap abc agda arduino assembly bash basic bnf c c# c++ clojure coffeescript coq
css dart dhall diff docker ebnf elixir elm erlang f# flow fortran gherkin glsl go graphql groovy haskell hcl
html idris java javascript json julia kotlin latex less lisp livescript lua makefile markdown markup matlab
mathematica mermaid nix objective-c ocaml pascal perl php powershell prolog protobuf purescript python r
racket reason ruby rust sass scala scheme scss shell smalltalk solidity sql swift toml typescript vb.net
verilog vhdl webassembly xml yaml""".split())
_LANGUAGE_ALIASES = {
    "py": "python", "python3": "python", "pycon": "python", "ipython": "python", "js": "javascript",
    "jsx": "javascript", "mjs": "javascript", "node": "javascript", "ts": "typescript", "tsx": "typescript",
    "sh": "shell", "zsh": "shell", "console": "shell", "shell-session": "shell", "shellsession": "shell",
    "terminal": "shell", "yml": "yaml", "cpp": "c++", "cxx": "c++", "cc": "c++", "h": "c", "cs": "c#",
    "csharp": "c#", "fsharp": "f#", "golang": "go", "rs": "rust", "rb": "ruby", "md": "markdown",
    "dockerfile": "docker", "objc": "objective-c", "objectivec": "objective-c", "kt": "kotlin",
    "terraform": "hcl", "tf": "hcl", "ps1": "powershell", "pwsh": "powershell", "proto": "protobuf",
    "wasm": "webassembly", "wat": "webassembly", "vb": "visual basic", "jsonc": "json", "json5": "json",
    "postgresql": "sql", "postgres": "sql", "mysql": "sql", "sqlite": "sql", "plpgsql": "sql",
    "svg": "xml", "xhtml": "html", "tex": "latex", "make": "makefile", "patch": "diff", "asm": "assembly",
    "nasm": "assembly", "llvm": "llvm ir", "ascii": "ascii art", "text": "plain text", "plaintext": "plain text",
    "txt": "plain text", "ml": "ocaml", "clj": "clojure", "ex": "elixir", "exs": "elixir", "erl": "erlang",
    "hs": "haskell", "jl": "julia", "pl": "perl", "sol": "solidity", "scm": "scheme", "rkt": "racket",
}


def code_language(info: str) -> str:
    """Notion's name for the language of a fence whose info string is ``info`` ("plain text" if none)."""
    name = info.split(" ")[0].lower()
    if name in _NOTION_LANGUAGES:
        return name
    return _LANGUAGE_ALIASES.get(name, "plain text")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """``text`` in pieces of at most ``limit`` UTF-16 units, never splitting a surrogate pair."""
    pieces, current, size = [], [], 0
    for ch in text:
        width = 2 if ord(ch) > 0xFFFF else 1
        if size + width > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(ch)
        size += width
    if current or not pieces:
        pieces.append("".join(current))
    return pieces


def _safe_url(url: str | None) -> str | None:
    # Notion accepts only web links in rich text (a mailto: or relative link is refused)
    if url and len(url) <= URL_LIMIT and url.startswith(("http://", "https://")) and " " not in url:
        return url
    return None


def text_item(content: str, *, link: str | None = None, **annotations: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "text", "text": {"content": content, "link": {"url": link} if link else None}}
    if annotations:
        item["annotations"] = annotations
    return item


def rich_text(text: str, *, link: str | None = None, **annotations: bool) -> list[dict[str, Any]]:
    """Plain ``text`` as rich text items of legal size (one item for short text)."""
    link = _safe_url(link)
    return [text_item(piece, link=link, **annotations) for piece in split_text(text) if piece]


# -- inline -------------------------------------------------------------------------------
def _inline(tokens: Iterable[dict[str, Any]], resolve: Resolve, marks: dict[str, bool],
            link: str | None = None) -> Iterator[dict[str, Any]]:
    tokens = list(tokens)
    for i, tok in enumerate(tokens):
        kind = tok["type"]
        if kind in ("text", "inline_html", "block_text"):
            if "children" in tok:
                yield from _inline(tok["children"], resolve, marks, link)
            else:
                yield from rich_text(tok.get("raw", ""), link=link, **marks)
        elif kind == "codespan":
            yield from rich_text(tok.get("raw", ""), link=link, **{**marks, "code": True})
        elif kind in ("softbreak", "linebreak"):
            yield text_item("\n", **marks) if marks else text_item("\n")
        elif kind in ("strong", "emphasis", "strikethrough"):
            mark = {"strong": "bold", "emphasis": "italic", "strikethrough": "strikethrough"}[kind]
            yield from _inline(tok["children"], resolve, {**marks, mark: True}, link)
        elif kind == "link":
            url = tok["attrs"].get("url", "")
            if url.startswith(MENTION):
                page = resolve(url[len(MENTION):])
                if page:
                    yield {"type": "mention", "mention": {"type": "page", "page": {"id": page}}}
                    continue
                url = ""
            yield from _inline(tok.get("children", []), resolve, marks, _safe_url(url) or link)
        elif kind == "image":
            # an image amid text is its alt text, linked: a word of its own, apart from a word it
            # touches in the Markdown (heise's "![](…)Die Katze" read "imageDie Katze")
            alt = _text_of(_inline(tok.get("children", []), resolve, {})) or "image"
            if i and _edge(tokens[i - 1], resolve, -1).isalnum():
                yield text_item(" ", **marks)
            yield from rich_text(alt, link=tok["attrs"].get("url"), **marks)
            if i + 1 < len(tokens) and _edge(tokens[i + 1], resolve, 0).isalnum():
                yield text_item(" ", **marks)
        elif "children" in tok:
            yield from _inline(tok["children"], resolve, marks, link)
        elif "raw" in tok:
            yield from rich_text(tok["raw"], link=link, **marks)


def _edge(tok: dict[str, Any], resolve: Resolve, at: int) -> str:
    """The first (``at`` 0) or last (-1) character a token shows, "" for none."""
    shown = tok["raw"] if tok["type"] == "text" and "raw" in tok else _text_of(_inline([tok], resolve, {}))
    return shown[at] if shown else ""


def _block(kind: str, items: list[dict[str, Any]], **extra: Any) -> list[Block]:
    """One block of ``kind`` per 100 rich text items (a long paragraph becomes several)."""
    items = items or []
    chunks = [items[i:i + ARRAY_LIMIT] for i in range(0, len(items), ARRAY_LIMIT)] or [[]]
    return [{"object": "block", "type": kind, kind: {"rich_text": chunk, **extra}} for chunk in chunks]


# -- blocks -------------------------------------------------------------------------------
def _blocks(tokens: Iterable[dict[str, Any]], resolve: Resolve, depth: int, *, images: bool = True) -> list[Block]:
    """``images``: whether an image alone in its paragraph becomes an image block (``_lone_image``)."""
    out: list[Block] = []
    for tok in tokens:
        kind = tok["type"]
        if kind == "blank_line":
            continue
        if kind == "heading":
            level = min(max(tok["attrs"]["level"], 1), 3)
            out += _block(f"heading_{level}", list(_inline(tok["children"], resolve, {})))
        elif kind in ("paragraph", "block_text", "block_html"):
            figure = _lone_image(tok.get("children", []), resolve) if images and kind == "paragraph" else None
            items = list(_inline(tok.get("children", []), resolve, {})) if "children" in tok \
                else rich_text(tok.get("raw", "").strip())
            if figure is not None:
                out.append(figure)
            elif items:
                out += _block("paragraph", items)
        elif kind == "list":
            out += _list(tok, resolve, depth)
        elif kind == "block_quote":
            # a quote is one block of text: an image in it stays text
            inner = _blocks(tok.get("children", []), resolve, depth, images=False)
            items: list[dict[str, Any]] = []
            for block in inner:
                body = block[block["type"]]
                if items and body.get("rich_text"):
                    items.append(text_item("\n"))
                items += body.get("rich_text", [])
            out += _block("quote", items)
        elif kind == "block_code":
            out += _block("code", rich_text(tok.get("raw", "").rstrip("\n")),
                          language=code_language(tok.get("attrs", {}).get("info") or ""))
        elif kind == "thematic_break":
            out.append({"object": "block", "type": "divider", "divider": {}})
        elif kind == "table":
            out += _table_as_text(tok, resolve)
        elif "children" in tok:
            out += _blocks(tok["children"], resolve, depth, images=images)
    return out


def _lone_image(children: list[dict[str, Any]], resolve: Resolve) -> Block | None:
    """The image block of a paragraph that holds one image and nothing else (white space aside),
    the image maybe inside a link (which its caption then carries); None for any other paragraph."""
    seen = [c for c in children if not (c["type"] in ("softbreak", "linebreak")
                                        or c["type"] == "text" and not c.get("raw", "").strip())]
    if len(seen) != 1:
        return None
    image, link = seen[0], None
    if image["type"] == "link" and len(image.get("children", [])) == 1:
        image, link = image["children"][0], _safe_url(image["attrs"].get("url", ""))
    url = _safe_url(image["attrs"].get("url", "")) if image["type"] == "image" else None
    if url is None:
        return None
    caption = _text_of(_inline(image.get("children", []), resolve, {})).strip()
    # a YouTube video written as an image (as Obsidian embeds one) is a video block in Notion
    return media_block("video" if youtube_video(url) else "image", url, rich_text(caption, link=link))


def media_block(kind: str, url: str, caption: list[dict[str, Any]] | None = None) -> Block:
    """An image or video block of a web address."""
    return {"object": "block", "type": kind,
            kind: {"type": "external", "external": {"url": url}, "caption": caption or []}}


def _text_of(items: Iterable[dict[str, Any]]) -> str:
    """The text of rich text items, joined (mentions left out)."""
    return "".join(item["text"]["content"] for item in items if item.get("type") == "text")


def _list(tok: dict[str, Any], resolve: Resolve, depth: int) -> list[Block]:
    kind = "numbered_list_item" if tok.get("attrs", {}).get("ordered") else "bulleted_list_item"
    out: list[Block] = []
    for item in tok.get("children", []):
        text_tokens = [c for c in item.get("children", []) if c["type"] in ("block_text", "paragraph")]
        nested = [c for c in item.get("children", []) if c["type"] not in ("block_text", "paragraph")]
        items = [i for t in text_tokens for i in _inline(t.get("children", []), resolve, {})]
        blocks = _block(kind, items)
        children = _blocks(nested, resolve, depth + 1)
        if children and depth == 0:
            blocks[-1][kind]["children"] = children[:ARRAY_LIMIT]
            out += blocks + children[ARRAY_LIMIT:]
        else:
            # a third level cannot be sent in one call: lift it to this level
            out += blocks + children
    return out


def _table_as_text(tok: dict[str, Any], resolve: Resolve) -> list[Block]:
    rows: list[Block] = []
    for part in tok.get("children", []):
        for row in part.get("children", []) if part["type"] == "table_body" else [part]:
            cells = [c for c in row.get("children", [])]
            items: list[dict[str, Any]] = []
            for i, cell in enumerate(cells):
                if i:
                    items.append(text_item(" | "))
                items += list(_inline(cell.get("children", []), resolve, {}))
            if items:
                rows += _block("paragraph", items)
    return rows


def markdown_blocks(text: str, resolve: Resolve = lambda _: None, depth: int = 0) -> list[Block]:
    """Markdown as legal Notion blocks (see the module contract); ``depth`` 1 when they will be
    the children of another block (then no block of theirs may have children)."""
    return _blocks(_parse(text or ""), resolve, depth)


def inline_markdown(text: str, resolve: Resolve = lambda _: None) -> list[dict[str, Any]]:
    """One line of Markdown as rich text: its marks and links kept, its escapes (``\\$``) gone."""
    items: list[dict[str, Any]] = []
    for block in markdown_blocks(text, resolve):
        body = block[block["type"]]
        if items and body.get("rich_text"):
            items.append(text_item(" "))
        items += body.get("rich_text", [])
    return items or rich_text(text)


def paragraph(text: str, *, link: str | None = None, **annotations: bool) -> list[Block]:
    return _block("paragraph", rich_text(text, link=link, **annotations))


def heading(text: str, level: int = 2) -> list[Block]:
    return _block(f"heading_{level}", rich_text(text))


def callout(items: list[dict[str, Any]], emoji: str, children: list[Block] | None = None) -> Block:
    block = _block("callout", items[:ARRAY_LIMIT], icon={"type": "emoji", "emoji": emoji}, color="gray_background")[0]
    if children:
        block["callout"]["children"] = children
    return block


def bullets(texts: Iterable[str], *, markdown: bool = False) -> list[Block]:
    """One bulleted item per text (``markdown``: the text is inline Markdown, not literal)."""
    return [b for t in texts for b in _block("bulleted_list_item", inline_markdown(t) if markdown else rich_text(t))]


# -- sending ------------------------------------------------------------------------------
def count_blocks(blocks: Iterable[Block]) -> int:
    return sum(1 + count_blocks(b[b["type"]].get("children", [])) for b in blocks)


def request_chunks(blocks: list[Block], first_budget: int = BODY_BUDGET) -> list[list[Block]]:
    """Cut top-level blocks into calls within the per-request limits.

    ``first_budget`` is the byte budget of the first call (a page create also
    carries the properties).
    """
    chunks: list[list[Block]] = []
    current: list[Block] = []
    size = total = 0
    budget = first_budget
    for block in blocks:
        weight = len(json.dumps(block, ensure_ascii=False).encode())
        n = count_blocks([block])
        if current and (len(current) >= BLOCKS_PER_CALL or total + n > BLOCKS_PER_REQUEST
                        or size + weight > budget):
            chunks.append(current)
            current, size, total, budget = [], 0, 0, BODY_BUDGET
        current.append(block)
        size += weight
        total += n
    if current:
        chunks.append(current)
    return chunks


def fingerprint_text(block: Block) -> str:
    """The text items of a block, joined: the same for a block as sent and as Notion lists it
    (mentions are left out: Notion reports them with the page's current title)."""
    body = block.get(block.get("type", ""), {}) or {}
    # an image has no text of its own: its address and caption tell it from another
    url = ((body.get("external") or {}).get("url") or "") if block.get("type") in ("image", "video") else ""
    return url + _text_of(body.get("rich_text", body.get("caption", [])))


def content_fingerprint(block: Block) -> str:
    """The whole block as sent, children and mentions included: any change shows.

    ``+`` at the end marks a block with children (it cannot be edited in place).
    """
    body = block[block["type"]]
    digest = hashlib.sha256(json.dumps(block, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
    return f"{block['type']}:{digest}" + ("+" if body.get("children") else "")


def plain_links(blocks: list[Block]) -> list[Block]:
    """The blocks with every link written out as text ("title (url)") instead of linked.

    For a page Notion refused a link or an image of: sent again this way it is accepted
    (an image or video block becomes a paragraph of its caption, or its kind, linked to it, then
    written out).
    """
    out = [_image_as_text(b) if b["type"] in ("image", "video") else b for b in copy.deepcopy(blocks)]
    for block in out:
        body = block[block["type"]]
        for item in body.get("rich_text", []):
            link = (item.get("text") or {}).get("link")
            if link:
                item["text"]["link"] = None
                extra = f" ({link.get('url', '')})"
                if utf16_len(item["text"]["content"] + extra) <= TEXT_LIMIT:
                    item["text"]["content"] += extra
        if body.get("children"):
            body["children"] = plain_links(body["children"])
    return out


def _image_as_text(block: Block) -> Block:
    """An image or video block as a paragraph: its caption (else its kind) linked to it."""
    image = block[block["type"]]
    return _block("paragraph", rich_text(_text_of(image.get("caption", [])) or block["type"],
                                         link=image["external"]["url"]))[0]
