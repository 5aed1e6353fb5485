"""Markdown escaping for Obsidian: escape only what would change the rendering.

One rule for all text kbsync writes (article bodies from feed HTML, titles,
summaries and key points in notes and digests), so a note reads as a person
would have typed it: ``e-mail``, ``Opus 4.6``, ``C#``, ``a=b``, ``(2.0)``
and ``watch?v=x_y`` stay as they are. ``escape(text)`` puts a backslash
before:

* ``\\`` before ASCII punctuation (it would escape that character), a backtick;
* ``*`` and ``_`` that could open or close emphasis (not ``snake_case``,
  not `` * `` between spaces);
* ``[[`` (a wikilink or embed), ``]`` before ``(`` (a link); in link text
  every bracket;
* ``<`` before a letter, ``/``, ``!`` or ``?`` (an HTML tag), ``&`` before an
  entity name (``&lt;`` would show as ``<``);
* ``#`` at the start of a word followed by a tag that is not a number (an
  Obsidian tag; ``#123`` stays),
  a line-leading ``#``, ``>``, ``-``, ``+`` or ``1.`` (``line_start``);
* ``==`` (highlight), ``~~`` (strike-through), ``%%`` (a comment: ``%\\%``);
* ``$`` only when the text holds two of them (``$5-$10`` would be math;
  a lone ``$20,000`` is not); ``|`` only in tables (``table``).

Never inside a URL (``https://…``, ``www.…``): a backslash there breaks the
link. Code is the caller's to leave alone.
"""

from __future__ import annotations

import re

# as GitHub-flavoured Markdown extends an autolink: to white space or "<", less trailing punctuation
_URL = r"(?:https?://|www\.)[^\s<]*[^\s<?!.,:;*_~'\"()\[\]]"
_SPOTS = re.compile(
    _URL                              # kept as is
    # a backslash that would escape the next character, or the one after white space that ends the
    # text: the converter trims that ("<em>a\\ </em>" is "*a\\*", whose backslash escapes the "*")
    + r"|\\(?=[!-/:-@\[-`{-~]|\s*$)"
    + r"|`"
    + r"|\*+|_+"
    + r"|\[\[+|\](?=\()"
    + r"|<(?=[A-Za-z/!?])|&(?=#?\w+;)"
    # "#tag" at a word start; a number is no tag ("#123", a pull request): Obsidian's tags hold a
    # character that is not a digit
    + r"|(?<![^\s(\[{\"'])#(?=[\w/-]*[^\W\d]|[\w/-]*[/-])"
    + r"|={2,}|~{2,}|%(?=%)"
    + r"|\$|\|",
    re.UNICODE)
_LINK_SPOTS = re.compile(_SPOTS.pattern + r"|[\[\]]")
# the characters any spot starts with: text without them needs no work (most text)
_ANY_SPOT = re.compile(r"[\\`*_\[\]<&#=~%$|]")
# a quote, a heading, a list item, a thematic break ("---")
_LINE_START = re.compile(r"^(\s*)(>|#{1,6}(?=\s|$)|[+*-](?=\s|$)|-(?=[-\s]*$)|\d{1,9}[.)](?=\s|$))")


def escape(text: str, *, link_text: bool = False, dollars: bool | None = None, table: bool = False,
           line_start: bool = False, backslash: str = "\\") -> str:
    """``text`` with only the Markdown that would change its rendering escaped (see module).

    ``dollars``: whether ``$`` must be escaped (the caller counts them over a
    whole paragraph); by default, when ``text`` holds two or more.
    ``backslash``: the escape character to write (the HTML converter gets a
    stand-in it leaves alone, replaced by a backslash after conversion).
    """
    bs = backslash
    if _ANY_SPOT.search(text) is None and not (line_start and _LINE_START.match(text)):
        return text                                       # the common case: plain words
    if dollars is None:
        dollars = text.count("$") >= 2

    def one(m: re.Match[str]) -> str:
        spot = m.group()
        first = spot[0]
        if first in "hHwW" and len(spot) > 1:
            return spot                                   # a URL
        if first in "*_":
            return _emphasis(m, spot, bs)
        if first == "$":
            return bs + "$" if dollars else spot
        if first == "|":
            return bs + "|" if table else spot
        if first == "%":
            return "%" + bs
        if len(spot) > 1:
            return "".join(bs + c for c in spot)          # [[, ==, ~~
        return bs + spot

    out = (_LINK_SPOTS if link_text else _SPOTS).sub(one, text)
    if line_start:
        out = _LINE_START.sub(lambda m: f"{m[1]}{m[2][:-1]}{bs}{m[2][-1]}", out)
    return out


def _emphasis(m: re.Match[str], run: str, bs: str) -> str:
    """A run of ``*`` or ``_`` that cannot open or close emphasis stays as is."""
    text = m.string
    before = text[m.start() - 1] if m.start() else "\0"    # at the start: a list item, a rule
    after = text[m.end()] if m.end() < len(text) else " "
    if before.isspace() and after.isspace():
        return run                                        # "a * b"
    if run[0] == "_" and before.isalnum() and after.isalnum():
        return run                                        # snake_case: intraword, never emphasis
    return "".join(bs + c for c in run)
