"""What a reader would object to in a written note (issue 12.4/12.5), as one checker.

``note_problems(text)`` lists: a needless escape (a backslash before a
character that would render the same without it, in that place: ``e\\-mail``,
``4\\.6``, ``C\\#``, ``a\\=b``, ``\\(``), a backslash inside a URL (a link
target or a bare ``https://``), and Markdown link or image syntax, a URL cut
short or feed boilerplate in a key point or the summary. Code (fenced blocks
and spans) is skipped: a backslash there is the author's.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")   # only ASCII punctuation can be escaped
# always worth escaping somewhere (context-dependent): emphasis, code, links, HTML, math, tables
_CONTEXTUAL = set("\\`*_[]<>&$|")
_DESTINATION = re.compile(r"\]\((<[^>]*>|[^)\s]*)")
_BARE_URL = re.compile(r"https?://[^\s)>\]]*")
_BOILERPLATE = re.compile(r"appeared first on|^continue reading|^subscribe|thanks for reading", re.I)


def _needed(line: str, i: int, ch: str) -> bool:
    """Whether the backslash at ``line[i]`` escaping ``ch`` changes the rendering."""
    if ch in _CONTEXTUAL:
        return True
    before, after = line[:i], line[i + 2:]
    lead = re.fullmatch(r"[ >]*(?:[-*+] )?[ >]*", before) is not None   # nothing but indentation/quote/bullet
    if ch in "-+>" and lead:
        return True                                           # a list item, a quote
    if ch == "#" and (lead or re.match(r"[\w/-]", after) and (not before or before[-1] in " \t([{\"'")):
        return True                                           # a heading, a #tag
    if ch in ".)" and re.fullmatch(r"[ >]*(?:[-*+] )?\d{1,9}", before):
        return True                                           # an ordered list item
    if ch == "=" and (after.startswith(("=", "\\=")) or before.endswith("=")):
        return True                                           # ==highlight==
    if ch == "~" and (after.startswith(("~", "\\~")) or before.endswith("~")):
        return True                                           # ~~strike~~
    if ch == "%" and before.endswith("%"):
        return True                                           # %%comment%%
    if ch == "-" and re.fullmatch(r"[ >]*", before) and re.fullmatch(r"[-\s]*", after):
        return True                                           # a thematic break
    return False


def note_problems(text: str) -> list[str]:
    problems: list[str] = []
    fence = None
    section = ""
    for line in text.split("\n"):
        opening = _FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)
            continue
        if fence is not None:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
            continue
        if line.startswith("## "):
            section = line[3:].strip()
        bare = _CODE_SPAN.sub(lambda m: "\x00" * len(m.group()), line)
        for m in _ESCAPED.finditer(bare):
            if not _needed(bare, m.start(), m.group(1)):
                problems.append(f"needless escape {m.group()!r} in {line.strip()[:100]!r}")
        for url in [*_DESTINATION.findall(bare), *_BARE_URL.findall(bare)]:
            if "\\" in url:
                problems.append(f"backslash in URL {url!r}")
        if section == "Key points" and line.startswith("- ") or line.startswith("> [!abstract]"):
            point = line.split(" ", 2)[-1] if line.startswith(">") else line[2:]
            if "![" in point or "](" in point:
                problems.append(f"link or image syntax in {point!r}")
            if _BOILERPLATE.search(point) or re.search(r"https?://\S*…", point):
                problems.append(f"boilerplate or cut URL in {point!r}")
    return problems
