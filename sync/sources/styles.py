"""What only a ``style`` attribute says, kept before the sanitiser drops it.

Line breaks (``shown_as_blocks``):

Why: a page can set an inline element on a line of its own with CSS. HuffPost's
pull quote is ``<span class="quote">We're the second school …</span><span
class="attribution" style="display:block;">Nusaybah Mohamed</span>``: in a
browser, the name is on the next line. The sanitiser drops every ``style``,
and the note read "… super exciting.Nusaybah Mohamed", which also became a key
point.

Contract: ``shown_as_blocks(html)`` takes the feed's HTML as it came and puts
a ``<br>`` before each inline element whose own ``style`` says
``display: block`` (or ``flex``, ``grid``, ``table``, ``list-item``), and after
it when its end is found before any element of its kind opens again. Nothing
else changes. The converter drops a ``<br>`` that starts or ends a block, so
an element that already began its line gains nothing.

Commit messages (``commit_messages``): GitHub's commit feeds write each
commit's message, Markdown by convention, preformatted at a terminal's width:
``<pre style="white-space: pre-wrap; width: 81ex;">``. As a ``<pre>`` the note
showed it as a code block: no summary, no key points, its lists and links
as raw text. That exact style is GitHub's alone (a site's code block may
wrap too), so only it is read as the Markdown it is, with any HTML in it
shown as text.
"""

from __future__ import annotations

import html as _html
import re
from functools import lru_cache
from typing import Callable

# an inline element whose style shows it as a block of its own
_BLOCK_STYLED = re.compile(
    r"""<(span|a|em|strong|b|i|small|cite|label|time|font)\b[^>]*?\bstyle\s*=\s*(?:"[^"]*?|'[^']*?)"""
    r"""(?<![\w-])display\s*:\s*(?:block|flex|grid|table|list-item)\b[^>]*>""",
    re.IGNORECASE)


def shown_as_blocks(html: str) -> str:
    """``html`` with a ``<br>`` around each inline element styled as a block (see the module)."""
    if "display" not in html and "DISPLAY" not in html:
        return html   # no style shows anything as a block: the common case
    out: list[str] = []
    last = 0
    for tag in _BLOCK_STYLED.finditer(html):
        if tag.start() < last:
            continue
        name = tag.group(1).lower()
        out += [html[last:tag.start()], "<br>", tag.group()]
        last = tag.end()
        end = re.compile(rf"<(/?){name}\b[^>]*>", re.IGNORECASE).search(html, tag.end())
        if end is not None and end.group(1):
            # its end, with no element of its kind opened in it: the text after it starts a line too
            out += [html[last:end.end()], "<br>"]
            last = end.end()
    if not out:
        return html
    out.append(html[last:])
    return "".join(out)


_COMMIT_MESSAGE = re.compile(r"""<pre\s+style\s*=\s*(["'])\s*white-space:\s*pre-wrap;\s*width:\s*81ex;?\s*\1\s*>"""
                             r"(.*?)</pre\s*>", re.IGNORECASE | re.DOTALL)


def commit_messages(html: str) -> str:
    """``html`` with each of GitHub's preformatted commit messages as the HTML of its Markdown."""
    if "81ex" not in html:
        return html   # no commit message: the common case
    return _COMMIT_MESSAGE.sub(lambda m: _markdown()(_html.unescape(m.group(2))), html)


@lru_cache(maxsize=1)
def _markdown() -> Callable[[str], str]:
    import mistune   # only a commit feed needs it

    return mistune.create_markdown(escape=True)
