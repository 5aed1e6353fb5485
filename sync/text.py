"""Small text helpers shared by the scorer, the linker and the renderers.

They work on English and Chinese alike: sentence ends include 。！？ and
length is measured in "reading units" (a Latin word or two CJK characters),
so a Chinese article is not judged short just because it has no spaces.
"""

from __future__ import annotations

import re

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_AUTOLINK = re.compile(r"<(https?://[^>]+)>")
# What is markup and what is text (CommonMark): "*" is emphasis unless white space stands on
# both sides ("2 * 3"); "_" only at a word's edge ("snake_case", "/u/Ok_Relative" keep theirs);
# ">" only as a quote marker at a line's start ("latency > 100 ms" keeps it); "~" only doubled
# (strikethrough: "~5%" keeps it); backticks always; an escaped character never ("2024\. The").
# Every marker goes, the white space around it stays: "**bold**," is "bold,", "## Title" " Title".
# ``_MARKUP`` says it in one pattern, the reference; ``_markup_gone`` finds the same matches faster.
_MARKUP = re.compile(
    r"(?=[\s#*_`>~+\-\d])(?:(?:^|(?<=\s))#{1,6}(?=\s)|^[ \t]*[-+*](?=\s)|^[ \t]*>(?:[ \t]*>)*|^[ \t]*\d+\.(?=\s)"
    r"|(?<!\s)\*+|\*+(?!\s)|`+|~~+|(?<![^\W_])_+|_+(?![^\W_]))", re.M)
# The same, in two passes over the text. First the markers at a line's start (a list's, a
# quote's); then the others, each of which starts with one of # * ` ~ _. That pattern opens by
# taking that character, so the regex engine skips to the next one in a tight loop instead of
# trying the pattern at every position (a space, a digit: 4x faster on a long article). Each
# alternative then checks, looking back, the character it took and the one before it, as the
# reference does before it.
_LINE_MARK = re.compile(r"^[ \t]*(?:[-+*](?=\s)|(>)(?:[ \t]*>)*|\d+\.(?=\s))", re.M)
_INLINE_MARK = re.compile(
    r"[#*`~_](?:(?<=#)(?:(?<=^#)|(?<=\s#))#{0,5}(?=\s)|(?<=\*)(?<!\s\*)\**|(?<=\*)\**(?!\s)"
    r"|(?<=`)`*|(?<=~)~+|(?<=_)(?<![^\W_]_)_*|(?<=_)_*(?![^\W_]))", re.M)
# What a quote's markers leave until the second pass is done: the character after them still
# follows a character that is neither a space nor a word's (as ">" is: ">#  x", ">*x*" read the same)
_QUOTED = "\ufdd4"
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")   # CommonMark: any ASCII punctuation may be escaped
# an escaped character is text, never markup: hidden as a private-use character while the markup goes
# (found again by a regex, not ``str.translate``: a mapping table costs a lookup per character).
# The stand-ins are U+E021-E07E, or the same offsets in the next 256 of the private use area that the
# text does not use itself: an icon font's glyph in a feed's text must not come back as a letter
_HIDE_BASES = range(0xE000, 0xF900, 0x100)
_HIDDEN = {base: re.compile(f"[{chr(base + 0x21)}-{chr(base + 0x7E)}]") for base in _HIDE_BASES}
# a possible sentence end: Latin . ! ? … (then white space), or CJK 。！？ (then anything);
# closing quotes and brackets stay with the sentence they close. (Said plainly, that is
# ``[.!?…]+[closers]*(?=\s)|[。！？]+[closers]*``; written to open with the end mark itself, so
# the regex engine skips to the next one in a tight loop: 2.4x faster over an article.)
_END = re.compile(r"[.!?…。！？](?:(?<=[.!?…])[.!?…]*[\"'”’»)\]]*(?=\s)|(?<=[。！？])[。！？]*[”’」』）)\"']*)")
# words after which a period ends no sentence (compared lower-cased, without the period)
ABBREVIATIONS = frozenset("""
    mr mrs ms mx dr prof sr jr st mt ft vs etc e.g i.e eg ie cf al viz approx ca inc ltd co corp llc plc
    dept univ assn bros no nos vol vols ch fig figs eq eqs ed eds pp op rev gen gov sen rep col capt lt sgt
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    u.s u.k u.n e.u a.m p.m ph.d b.a m.a m.s d.c n.y l.a u.s.a est min max
""".split())
# month names written after an ordinal day ("2. Februar"): German, Dutch, Danish/Norwegian, Swedish
_MONTHS = frozenset("""
    januar jänner februar märz april mai juni juli august september oktober november dezember
    januari februari maart mei augustus december januar februar mars juni juli oktober desember
""".split())
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.+)$", re.M)


def plain_text(markdown: str) -> str:
    """Markdown -> one line of plain text (links keep their text, markup dropped)."""
    # each pattern only where it can match (a link needs "](", an autolink "<http", an escape "\\")
    text = _LINK.sub(r"\1", markdown) if "](" in markdown else markdown
    if "<http" in text:
        text = _AUTOLINK.sub(r"\1", text)
    text = _markup_gone(text) if "\\" not in text else _escapes_kept(text)
    return " ".join(text.split())   # white space collapsed, ends stripped


def _escapes_kept(text: str) -> str:
    """``_markup_gone`` of a text with escapes: each escaped character stays, as text."""
    base = 0xE000 if text.isascii() else next((b for b, used in _HIDDEN.items() if used.search(text) is None), None)
    if base is None:
        return _markup_gone(text)   # every block of stand-ins is the text's own: escapes count as markup
    hide, unhide = (_hide, _unhide) if base == 0xE000 else (
        lambda m: chr(base + ord(m.group(1))), lambda m: chr(ord(m.group()) - base))
    return _HIDDEN[base].sub(unhide, _markup_gone(_ESCAPE.sub(hide, text)))


def _markup_gone(text: str) -> str:
    """``_MARKUP.sub("", text)``, in two faster passes (see ``_INLINE_MARK``)."""
    if _QUOTED in text:
        return _MARKUP.sub("", text)   # the stand-in is the text's own: the reference pass
    text = _INLINE_MARK.sub("", _LINE_MARK.sub(_line_mark, text))
    return text.replace(_QUOTED, "") if _QUOTED in text else text


def _line_mark(marker: re.Match[str]) -> str:
    return _QUOTED if marker.group(1) else ""


def _hide(escape: re.Match[str]) -> str:
    return chr(0xE000 + ord(escape.group(1)))


def _unhide(hidden: re.Match[str]) -> str:
    return chr(ord(hidden.group()) - 0xE000)


def sentences(text: str) -> list[str]:
    """Split plain text into sentences (Latin and CJK punctuation).

    A period ends no sentence after a common abbreviation (``Dr.``,
    ``Rev.``, ``e.g.``, ``U.S.``), an initial (``J. Smith``), a day before
    its month (``2. Februar``) or before a lower-case word; ``?`` and ``.`` inside a URL end nothing (they are not
    followed by white space). Chinese and Japanese sentences end at 。！？.
    """
    out: list[str] = []
    start = 0
    for m in _END.finditer(text):
        if m.group()[0] == "." and not _ends_sentence(text, m.start(), m.end()):
            continue
        part = text[start:m.end()].strip()
        if part:
            out.append(part)
        start = m.end()
    rest = text[start:].strip()
    return out + [rest] if rest else out


def _ends_sentence(text: str, dot: int, end: int) -> bool:
    """Whether the period at ``dot`` closes a sentence (see ``sentences``)."""
    word = text[:dot].rsplit(None, 1)[-1] if text[:dot].strip() else ""
    word = word.lstrip("\"'“‘(«[").lower()
    if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
        return False
    after = text[end:].lstrip()
    # "am 2. Februar", "19. Juli 2024": a German (Dutch, Nordic) date's day is an ordinal, not an end
    if word.isdigit() and len(word) <= 2 and after.split(None, 1)[:1] and \
            after.split(None, 1)[0].strip(",;:").lower() in _MONTHS:
        return False
    # "... approx. twice", "Opus 4. the": a lower-case word goes on with the same sentence
    return not (after[:1].islower())


def list_items(markdown: str) -> list[str]:
    """The items of Markdown bullet or numbered lists, as plain text."""
    return [plain_text(m.group(1)) for m in _LIST_ITEM.finditer(markdown)]


def reading_units(text: str) -> int:
    """Latin words plus half the CJK characters: a length that is fair to both."""
    return len(_WORD.findall(text)) + len(_CJK.findall(text)) // 2


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def cjk_chars(text: str) -> list[str]:
    """The CJK characters of ``text``, in order (one regex pass, not a test per character)."""
    return _CJK.findall(text)


def truncate(text: str, limit: int) -> str:
    """Cut at ``limit`` characters on a word boundary (any boundary for CJK), adding '…'."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    # Latin text: do not cut a word in half; CJK text has no spaces to respect
    if space > limit * 0.6 and not has_cjk(cut[space:]):
        cut = cut[:space]
    return cut.rstrip(" ,;:，、；：") + "…"
