"""Line breaks that only a ``style`` attribute shows, kept before the sanitiser drops it.

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
"""

from __future__ import annotations

import re

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
