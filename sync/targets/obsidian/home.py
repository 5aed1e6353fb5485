"""The "Top this week" block of the reader's ``Home.md``: the latest week with articles.

Why: a Bases filter on today's ISO week is empty on day one of a vault whose
articles are older (the bundled example feeds), on a Monday morning, and
whenever ``[rollups] week_ends_on`` is not Sunday. kbsync knows the latest
week that has articles and its digest page, so it fills a small block of
``Home.md`` with an embed of that digest's Top section: the same weeks
(``week_ends_on``) as every digest, on day one.

Contract (``fill`` is pure): only the text between the two markers changes,
and only in a ``Home.md`` that has them (the template's); a block the reader
edited (its hash is not the one kbsync last wrote) is left alone. The rest
of ``Home.md`` is the reader's.
"""

from __future__ import annotations

import hashlib

BEGIN = "%% kbsync:top-week:begin %%"
END = "%% kbsync:top-week:end %%"
HOME = "Home.md"


def digest(inner: str) -> str:
    return hashlib.sha256(inner.strip().encode("utf-8")).hexdigest()


def inner_of(text: str) -> str | None:
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start or text.count(BEGIN) != 1 or text.count(END) != 1:
        return None
    return text[start + len(BEGIN):end]


def fill(text: str, inner: str, last: str | None) -> str | None:
    """``text`` with the block holding ``inner``; None when there is nothing to do (no block,
    already so, or the reader edited it since kbsync wrote ``last``, a hash)."""
    current = inner_of(text)
    if current is None or current.strip() == inner.strip():
        return None
    if last is not None and digest(current) != last:
        return None     # the reader's now
    start, end = text.find(BEGIN) + len(BEGIN), text.find(END)
    return f"{text[:start]}\n{inner.strip()}\n{text[end:]}"


def top_week(label: str, first: str, last: str, target: str, top_n: int) -> str:
    return (f"The latest week with articles, **{label}** ({first} to {last}), from its digest:\n\n"
            f"![[{target}#Top {top_n}]]")
