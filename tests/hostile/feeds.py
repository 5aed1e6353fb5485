"""Feeds built to break things, as bytes, generated at test time.

Each builder returns one feed. The hostile strings go where they can do harm:
titles (which become file names, frontmatter and wikilink aliases), content
(which becomes the note body), authors and categories (frontmatter, tags),
links (identity, file names of title-less items).

``HOSTILE_TITLES`` / ``HOSTILE_BODIES`` are the strings; ``rss_feed`` and
``json_feed`` wrap them in items with unique links, so every one of them
must end up as its own note.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

PUBDATE = "Mon, 23 Feb 2026 10:00:00 GMT"
ISO_DATE = "2026-02-23T10:00:00Z"

HOSTILE_TITLES = [
    # path traversal and names the file systems reserve
    "../../etc/passwd", "/etc/passwd", "..", ".", "./.obsidian/app", "C:\\Windows\\System32\\cmd.exe",
    "\\\\server\\share\\x", "CON", "nul.txt", "COM1", "aux.md", "~/.ssh/id_rsa", "Articles/../../escape",
    # YAML injection (frontmatter)
    "---", "title: injected\nevil: true", "key: value", "!!python/object/apply:os.system ['echo pwned']",
    "&anchor *alias", "{a: 1, b: [2]}", "- item", "? complex key", "%YAML 1.1", "'single\" double",
    "yes", "null", "0x1F", "2026-02-23", "@at `backtick` | pipe > fold", "# hash start",
    # wikilink, Markdown and Obsidian syntax
    "]] [[Home]] |alias", "[[Injected]]", "![[embed.png]]", "a|b|c", "#tag ^block-id", "%% kbsync:end %%",
    "==highlight== $x^2$ **bold**", "<script>alert(1)</script>", "[link](javascript:alert(1))",
    # Unicode trouble
    "Cafe\u0301 NFD", "Caf\u00e9 NFD", "\u202eevil\u202c RTL override", "zero\u200bwidth\ufeffBOM",
    "emoji 🚀🔥" * 40, "A" * 5000, "   ", "\u3000全角空格\u3000",
]

HOSTILE_BODIES = [
    "---\nevil: true\n---\nA body that opens with a frontmatter fence.",
    "line one\n---\nline after a rule\n---\n",
    "%% kbsync:begin %%\nforged block\n%% kbsync:end %%",
    "```\nunclosed fence %% kbsync:end %%",
    "<p>[[Home]] ]] | [[ ![[x]] #tag ^id</p>",
    "<p>$5-$10 and %%comment%% and <b>bold</b></p><script>alert(1)</script>"
    "<img src=x onerror=alert(1)><a href='javascript:alert(1)'>js</a>",
    "<p>!!python/object/apply:os.system ['rm -rf /']</p>",
]
# one tag with 200,000 attributes: 1.6 MB that cost a quadratic sanitiser 85 s (bodies_feed only)
MANY_ATTRIBUTES = "<p>before</p><p " + " ".join(f"a{i}=1" for i in range(200_000)) + ">after</p>"

# JSON can carry what XML cannot: NUL and the other C0 controls, lone surrogates
CONTROL_TITLES = ["nul\x00byte", "bell\x07 escape\x1b[31m red", "del\x7f c1\x85\x9f", "lone \ud800 surrogate",
                  "tab\tnew\nline\rcr", "\x00\x00\x00"]


def rss_item(title: str, n: int, *, body: str = "", author: str = "", category: str = "",
             link: str | None = None, host: str = "hostile.example") -> str:
    link = f"https://{host}/{n}" if link is None else link
    parts = [f"<title>{escape(title)}</title>", f"<link>{escape(link)}</link>", f"<pubDate>{PUBDATE}</pubDate>",
             f"<description>{escape(body or f'Body of item {n}.')}</description>"]
    if author:
        parts.append(f"<author>{escape(author)}</author>")
    if category:
        parts.append(f"<category>{escape(category)}</category>")
    return "<item>" + "".join(parts) + "</item>"


def rss_feed(items: list[str], title: str = "Hostile") -> bytes:
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{escape(title)}</title>"
            f"<link>https://hostile.example/</link>{''.join(items)}</channel></rss>").encode("utf-8")


def titles_feed() -> bytes:
    """Every hostile title, also as author and category, with a hostile body."""
    items = [rss_item(t, n, body=HOSTILE_BODIES[n % len(HOSTILE_BODIES)], author=t[:100], category=t[:60])
             for n, t in enumerate(HOSTILE_TITLES)]
    # a title-less item whose link path is hostile: the title falls back to the URL's last segment
    items.append(rss_item("", 9000, link="https://hostile.example/..%2F..%2Fetc%2Fpasswd"))
    return rss_feed(items, "Hostile titles")


def bodies_feed() -> bytes:
    """Hostile bodies under plain titles."""
    bodies = [*HOSTILE_BODIES, MANY_ATTRIBUTES]
    return rss_feed([rss_item(f"Hostile body {n}", 100 + n, body=b) for n, b in enumerate(bodies)],
                    "Hostile bodies")


def control_json_feed() -> bytes:
    """A JSON Feed with NUL, control characters and a lone surrogate in every field."""
    items = [{"id": f"c{n}", "url": f"https://control.example/{n}", "title": t, "content_html": f"<p>{t}</p>",
              "authors": [{"name": t}], "tags": [t, "ok"], "date_published": ISO_DATE}
             for n, t in enumerate(CONTROL_TITLES)]
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "Control\x00chars", "items": items}
    return json.dumps(doc).encode("utf-8")


def raw_control_rss() -> bytes:
    """RSS with raw NUL and control bytes in the XML: not well-formed, as found in the wild."""
    return (b"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Raw</title>"
            b"<item><title>raw\x00nul\x01soh\x1besc</title><link>https://raw.example/1</link>"
            b"<pubDate>" + PUBDATE.encode() + b"</pubDate><description>a\x00b\x08c</description></item>"
            b"</channel></rss>")


def huge_content_feed(size: int = 1_000_000) -> bytes:
    """One item with ``size`` characters of HTML content (many paragraphs)."""
    para = "<p>" + "word " * 199 + "end.</p>"
    html = para * (size // len(para) + 1)
    return rss_feed([rss_item("A megabyte of content", 1, body=html, host="huge.example")], "Huge")


def nested_feed(depth: int = 100_000) -> bytes:
    """One item whose content is ``depth`` nested divs (and one of nested lists) around a sentence."""
    divs = "<div>" * depth + "deep text survives" + "</div>" * depth
    lists = "<ul><li>" * (depth // 10) + "deep list item" + "</li></ul>" * (depth // 10)
    return rss_feed([rss_item("Deeply nested divs", 1, body=divs, host="nested.example"),
                     rss_item("Deeply nested lists", 2, body=lists, host="nested.example")], "Nested")


def billion_laughs() -> bytes:
    """The classic entity expansion bomb: 10^9 "lol"s from a few hundred bytes."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    return (f"<?xml version='1.0'?><!DOCTYPE rss [{entities}]><rss version='2.0'><channel><title>&lol9;</title>"
            f"<item><title>&lol9;</title><link>https://laughs.example/1</link><description>&lol9;</description>"
            f"</item></channel></rss>").encode("utf-8")


def external_entity(path: str) -> bytes:
    """XXE: an entity that names a local file; its text must never reach a note."""
    return (f"<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY xxe SYSTEM 'file://{path}'>]><rss version='2.0'>"
            f"<channel><title>XXE</title><item><title>External &xxe; entity</title>"
            f"<link>https://xxe.example/1</link><description>&xxe;</description></item></channel></rss>"
            ).encode("utf-8")
