"""The SAX driver kbsync gives feedparser: expat with its text buffered.

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
"""

from __future__ import annotations

from xml.sax.expatreader import ExpatParser

# expat hands over the buffer when it is full: a longer text comes in 1 MB pieces (still joined)
_BUFFER = 1 << 20


class BufferedExpatParser(ExpatParser):
    def reset(self) -> None:
        super().reset()
        self._parser.buffer_size = _BUFFER     # set first: the buffer is allocated once, at this size
        self._parser.buffer_text = True


def create_parser() -> BufferedExpatParser:
    return BufferedExpatParser()
