"""The charset of a feed that does not name one and is not UTF-8: a legacy CJK or Cyrillic site.

feedparser decodes a body with the charset the HTTP header or the XML
declaration names, else as UTF-8, else as windows-1252. A feed in GB2312,
Big5, Shift_JIS, EUC-KR, KOI8-R or windows-1251 that names no charset came
out as mojibake ("ÈË¹¤ÖÇÄÜ" for 人工智能). ``transcode_undeclared`` asks
charset-normalizer in that case only, and hands feedparser the text as UTF-8.

Contract: a body that is ASCII, valid UTF-8, starts with a byte-order mark,
or names its charset (the XML declaration, or an HTTP ``Content-Type`` whose
charset the body decodes in: a server's default "utf-8" on a GBK file names
nothing) comes back as it is; so does one whose guess is a Latin single-byte charset: a detector
cannot tell French in cp1252 from cp1250 or cp1257 (it guessed both for
French text), and feedparser's windows-1252 fallback reads those feeds
right. Only a guess of a charset for another script is taken. The cost for
every other feed is one UTF-8 decode of a body that is not ASCII.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

# charsets of scripts other than Latin (Python's codec names, as charset-normalizer gives them)
_OTHER_SCRIPTS = frozenset("""
    big5 big5hkscs cp950 gb2312 gbk gb18030 hz euc_jp euc_jis_2004 euc_jisx0213 shift_jis shift_jis_2004
    shift_jisx0213 cp932 iso2022_jp iso2022_jp_2 iso2022_kr euc_kr cp949 johab
    koi8_r koi8_u koi8_t cp1251 iso8859_5 mac_cyrillic cp855 cp866 kz1048 ptcp154
    cp1253 iso8859_7 mac_greek cp1255 iso8859_8 cp424 cp862 cp1256 iso8859_6 cp864 cp720
    tis_620 cp874 iso8859_11
""".split())
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']\s*[\w.:-]+""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def transcode_undeclared(body: bytes, headers: Mapping[str, str]) -> bytes:
    """``body`` as UTF-8 when it names no charset and is in a non-Latin legacy one (see the
    module); otherwise ``body`` itself. ``headers``: the response's, keys lower-cased."""
    if body.isascii() or body.startswith(_BOMS) or _decodes(body, "utf-8") or _declared(body, headers):
        return body
    from charset_normalizer import from_bytes   # only for the rare feed that gets here

    best = from_bytes(body).best()
    if best is None or best.encoding not in _OTHER_SCRIPTS:
        return body
    return str(best).encode("utf-8")


def _declared(body: bytes, headers: Mapping[str, str]) -> bool:
    """Whether the XML declaration names a charset, or the HTTP header names one the body is in
    (servers send "charset=utf-8" by default whatever the file: that one names nothing)."""
    if _XML_ENCODING.match(body[:512]) is not None:
        return True
    charset = _HEADER_CHARSET.search(headers.get("content-type", ""))
    return charset is not None and _decodes(body, charset.group(1))


def _decodes(body: bytes, charset: str) -> bool:
    try:
        body.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return False
    return True
