"""Feed HTML -> safe Markdown (``to_markdown``) or plain text (``to_text``).

Feed bodies are untrusted HTML. ``to_markdown`` first sanitises them with
nh3 (Rust ammonia), then converts with html_to_markdown (Rust core); both
together cost ~0.3 ms per 1 kB entry, against ~2 ms for feedparser's own
sanitiser, which is why the parser calls feedparser with
``sanitize_html=False`` and leaves the cleaning to this module.

The output is then made safe for an Obsidian note that kbsync partly owns:

* no ``%%`` survives outside code (written ``%\\%``), so a feed can neither
  open an Obsidian comment that hides the rest of the note nor forge one of
  kbsync's region markers (``%% kbsync:end %%``);
* inside code blocks and spans ``%%`` is kept (``%%time`` is a Jupyter magic),
  except right before ``kbsync``, where a zero-width space splits it, so no
  line of the result can ever be read as a region marker;
* the text of the page is escaped by ``sync.escaping`` before conversion, so
  only what would change the rendering gets a backslash (``e-mail``,
  ``Opus 4.6``, ``C#`` stay as written; ``[[``, ``#tag``, ``==``, ``$5-$10``
  do not become links, tags, highlights or math); code, link targets and
  image sources are never escaped;
* image alt text loses its brackets (``alt="[Photo]"`` would write
  ``![[Photo]](url)``, an Obsidian embed of a note that does not exist)
  and its backticks (one would open a code span that swallows the image);
* KaTeX and MathML that carry their TeX (``<annotation
  encoding="application/x-tex">``) become ``$…$`` / ``$$…$$`` (``mathtex.py``)
  instead of the flattened glyphs;
* a code block keeps its language as the fence's info string (```` ```python ````),
  read from the markup highlighters leave (``codelang.py``);
* an embedded YouTube player (``<iframe src=".../embed/ID">``) becomes
  ``![](https://www.youtube.com/watch?v=ID)``, which Obsidian plays; any other
  iframe goes.
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Iterator

import html_to_markdown
import nh3

from ..escaping import _LINE_START, escape
from .codeblocks import monospace_blocks, unnumbered
from .codelang import as_fence_class, mark_languages
from .mathtex import extract_math, restore_math
from .styles import commit_messages, shown_as_blocks
from .urls import canonical_url, without_tracking, youtube_video

# Tags whose text goes with them: code, embedded documents and widgets whose
# "text" is never article prose. Other removed tags (form, noscript, font...)
# keep their text. nh3 never lets script/style/iframe/object/embed/form or
# on* attributes through.
_DROP_WITH_CONTENT = {
    "script", "style", "iframe", "object", "embed", "applet", "frame",
    "frameset", "noembed", "noframes", "template", "svg", "math", "title",
    "textarea", "select", "button",
}
# Link and image schemes kept; anything else (javascript:, data:, vbscript:)
# loses its href/src.
_ALLOWED_SCHEMES = {"http", "https", "mailto"}

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_MARKER_IN_CODE = re.compile(r"%(?=%\s*kbsync)", re.IGNORECASE)
_BLOCK_TAG = re.compile(
    r"<(?=/?(?:p|div|br|li|ul|ol|h[1-6]|tr|td|th|table|blockquote|pre|"
    r"section|article|header|footer|hr|dd|dt|figure|figcaption)\b)",
    re.IGNORECASE)
_PERCENT_RUN = re.compile(r"%(?=%)")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Nesting guard: html5ever (inside nh3) slows down quadratically with the
# depth of block elements (20,000 nested <div>s: 4 s), and html_to_markdown
# drops text nested too deep. Deeper than this, markup is flattened to text.
_MAX_DEPTH = 500
# Attribute guard: html5ever checks each new attribute against the tag's others, so one tag
# with 200,000 attributes (1.6 MB, within any size cap) cost 85 s to sanitise. A tag longer
# than this keeps its name and loses its attributes (no real href or src is this long; the
# data: URIs that are get dropped by the sanitiser anyway).
_MAX_TAG = 10_000
_LONG_TAG = re.compile(r"<(/?[A-Za-z][A-Za-z0-9-]*)[^<>]{%d,}(?:>|(?=<)|\Z)" % _MAX_TAG)
# "[^<>]" (not "[^>]") keeps every scan linear on "<a<a<a..." with no ">".
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*?(/?)>")
_NO_NESTING = frozenset({  # void or implicitly closed: never deepen the tree
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
    "param", "source", "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th",
    "option", "optgroup", "rb", "rt", "rp", "tbody", "thead", "tfoot",
})
# Opening tags of the dropped elements that have content (void ones excluded).
_DROPPED_OPEN = re.compile(
    r"<(" + "|".join(sorted(_DROP_WITH_CONTENT - {"embed", "frame"})) + r")\b", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[A-Za-z/!?][^<>]*>")
# an href/src/srcset whose value has no scheme (relative, or protocol-relative "//host"); possessive
# quantifiers: backing off the quote must not make "https:" look relative
# (written to start with a character class, which the regex engine scans for in C: 3x faster than
# "\b(?:href|src|srcset)" tried at every position)
_RELATIVE_LINK = re.compile(r"""[hs](?<=\b[hs])(?:(?<=h)ref|(?<=s)rc(?:set)?)\s*+=\s*+["']?+\s*+(?![a-zA-Z][a-zA-Z0-9+.-]*:)""")
# no escaping by the converter: the text is escaped beforehand (``_escape_text_nodes``)
_ESCAPES = {"escape_misc": False, "escape_asterisks": False, "escape_underscores": False}
_CONTROL = {c: " " for c in [*range(0, 32), 127, *range(128, 160)]}
# in Markdown, line breaks and tabs stay; every other C0/C1 control becomes a space (JSON
# Feeds can carry NUL, BEL or a terminal's ESC sequences, which no note should hold)
_MARKDOWN_CONTROL = {c: " " for c in _CONTROL if c not in (9, 10, 13)}
# str.translate is fast on ASCII text only; on Chinese text it looks up every character
# (75 us a 1.4 kB entry): there one regex finds the (rare) control characters instead
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")
_MARKDOWN_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _controls_to_spaces(text: str, table: dict[int, str], pattern: re.Pattern[str]) -> str:
    if text.isascii():
        return text.translate(table)
    return pattern.sub(" ", text) if pattern.search(text) else text


# Converter options are built once: html_to_markdown's Python wrapper rebuilds its Rust
# options on every call (25 us, more than converting a 1.5 kB entry), so the Rust binding
# is called directly with options made here (an entry with relative links gets its own,
# with its base URL; 3 us).
try:
    from html_to_markdown import _html_to_markdown as _rust

    def _options(base_url: str | None = None) -> object:
        return _rust.ConversionOptions(extract_metadata=False, base_url=base_url, **_ESCAPES)

    def _convert(html: str, options: object) -> str:
        return _rust.convert(html=html, options=options, visitor=None).content or ""
except (ImportError, AttributeError, TypeError):  # another html_to_markdown layout: its public API
    def _options(base_url: str | None = None) -> object:
        return html_to_markdown.ConversionOptions(extract_metadata=False, base_url=base_url, **_ESCAPES)

    def _convert(html: str, options: object) -> str:
        return html_to_markdown.convert(html, options).content or ""

_ABSOLUTE_OPTIONS = _options()


# Reusable, immutable sanitisers (building one per call costs ~30%).
_CONTENT_CLEANER = nh3.Cleaner(clean_content_tags=_DROP_WITH_CONTENT,
                               url_schemes=_ALLOWED_SCHEMES)
_TEXT_CLEANER = nh3.Cleaner(tags=set(), clean_content_tags=_DROP_WITH_CONTENT)


def to_markdown(html: str, base_url: str | None = None, *, text: bool = False,
                article_url: str | None = None) -> str:
    """Sanitised Markdown for feed HTML; ``""`` for empty input.

    Relative links and images are made absolute against ``base_url``. A line
    break in the page's text is a space, as a browser shows it; ``text``: the
    input is a plain-text body (escaped), whose line breaks are the author's
    and stay. ``article_url``: the entry's own address; a "read more" link to
    it that ends the text goes (the note links it already). Plain text comes
    out as the same text, with Markdown-active characters escaped. Never contains ``%%`` outside code nor a line that
    could be taken for a ``%% kbsync:... %%`` region marker, nor a control
    character other than tab and line breaks.
    """
    if not html or not html.strip():
        return ""
    html = _controls_to_spaces(_safe_input(html), _MARKDOWN_CONTROL, _MARKDOWN_CONTROL_RE)
    if "iframe" in html or "IFRAME" in html:
        html = _IFRAME.sub(_video_of_iframe, html)
    html, maths = extract_math(html)
    # one shared options object unless a relative link needs the base
    options = _options(base_url) if base_url and _RELATIVE_LINK.search(html) else _ABSOLUTE_OPTIONS
    # what only a style says (styles.py; a monospace div of code lines: codeblocks.py), read before
    # the sanitiser drops it
    html = monospace_blocks(shown_as_blocks(commit_messages(html)))
    # a code block's language rides through the sanitiser as <pre lang> (codelang.py); code a
    # highlighter laid out as a numbered table is one <pre> (codeblocks.py)
    html = as_fence_class(unnumbered(_CONTENT_CLEANER.clean(mark_languages(html))))
    markdown = _convert(_escape_text_nodes(html, unwrap=not text), options)
    if _ESCAPE_MARK + "\\" in markdown:
        # a bracket of a link's text that has no partner the converter escapes itself: one escape
        # ("[a\\]b](…)"), not two, which would be a backslash and the link's end
        markdown = markdown.replace(_ESCAPE_MARK + "\\[", "\\[").replace(_ESCAPE_MARK + "\\]", "\\]")
    markdown = markdown.replace(_ESCAPE_MARK, "\\").replace(_BACKSLASH_MARK, "\\")
    if _may_call_to_action(markdown):
        markdown = _drop_calls_to_action(markdown)
    markdown = markdown.rstrip()
    if article_url:
        markdown = _drop_read_more(markdown, article_url)
    return restore_math(_neutralise_obsidian(_drop_end_breaks(markdown)), maths).strip()


# what a newsletter, blog or podcast host adds to every item, each a paragraph of its own:
# Substack's "Thanks for reading X! Subscribe for free to receive new posts and support my work." and
# its buttons ("Subscribe now", "Share", "Leave a comment", "Give a gift subscription": links to its
# own subscribe, share or comment pages); WordPress's "The post X appeared first on Y."; Medium's
# "X was originally published in Y on Medium, where people are continuing the conversation…"; Omny's,
# Megaphone's and Acast's privacy and ad-choices lines
_HOSTED = r"\[?{0}\]?(?:\(<?https?://[^\s)]*>?\))?"          # an address, maybe as a link
_THANKS = r"Thanks for reading [^\n]{1,120}?! Subscribe for free to receive new posts(?: and support (?:my|our) work)?\."
_BUTTONS = (r"\[(?:Subscribe(?: now)?|Share(?: [^\]\n]{1,80})?|Leave a comment|Give a gift subscription)\]"
            r"\(<?https?://[^\s)]*(?:/subscribe|action=share|/comments|/gift)[^\s)]*>?\)")
_WORDPRESS = r"The post [^\n]{1,400}? appeared first on [^\n]{1,300}?\."
_MEDIUM = (r"[^\n]{1,600}? was originally published in [^\n]{1,300}? on Medium, where people are continuing the"
           r" conversation by highlighting and responding to this story\.")
_PODCAST_HOSTS = (
    r"See " + _HOSTED.format(r"omnystudio\.com/listener") + r" for privacy information\."
    r"|Learn more about your ad choices\. Visit " + _HOSTED.format(r"(?:podcastchoices\.com|megaphone\.fm)/adchoices")
    + r"\.?"
    r"|Hosted on Acast\. See " + _HOSTED.format(r"acast\.com/privacy") + r" for more information\.")
_CALL_TO_ACTION = re.compile("|".join((_THANKS, _BUTTONS, _WORDPRESS, _MEDIUM, _PODCAST_HOSTS)), re.IGNORECASE)
# the same footers where a feed's one-line summary ends with them (not Medium's, whose start is the
# post's title: in one line, nothing tells where it begins)
_FOOTER_IN_LINE = re.compile(r"\s*(?:" + "|".join((_THANKS, _WORDPRESS, _PODCAST_HOSTS)) + r")\s*", re.IGNORECASE)
# words one of those always has (compared lower-cased): the text that has none is let through
# without ``_CALL_TO_ACTION``. Lower-casing once and looking for each is 8x faster than one
# case-blind regex over text that is not ASCII (26 us against 200 for a 4 kB Chinese entry)
_CALL_TO_ACTION_WORDS = ("ubscribe", "action=share", "appeared first on", "privacy information", "ad choices",
                         "hosted on acast", "continuing the conversation")


def _may_call_to_action(markdown: str) -> bool:
    lowered = markdown.lower()
    return any(word in lowered for word in _CALL_TO_ACTION_WORDS)


def without_footers(text: str) -> str:
    """One line of plain text (a feed's summary) without a host's footer in it (``_FOOTER_IN_LINE``):
    Acast's "Hosted on Acast. See acast.com/privacy for more information." filed a comedy podcast
    under Safety & policy for its "privacy"."""
    if not _may_call_to_action(text):
        return text
    return _FOOTER_IN_LINE.sub(" ", text).strip()


def _drop_calls_to_action(markdown: str) -> str:
    """The text without paragraphs that are only a host's call to action or footer
    (``_CALL_TO_ACTION``), outside code: it tells a reader of the note nothing about the item."""
    lines = markdown.split("\n")
    out: list[str] = []
    dropped = False
    for line, code in zip(lines, _in_code(lines)):
        if not code and line.strip() and _CALL_TO_ACTION.fullmatch(line.strip()):
            dropped = True          # and the blank line after it: paragraphs stay one blank line apart
        elif not (dropped and not line.strip()):
            out.append(line)
            dropped = False
    # a footer set off by a rule (Medium's "<hr>"): the rule goes with it
    while dropped and out and (not out[-1].strip() or _RULE_LINE.fullmatch(out[-1].strip())):
        out.pop()
    return "\n".join(out)


_RULE_LINE = re.compile(r"(?:[-*_] *){3,}")


# A "read more" link to the article itself that ends an excerpt: the note links the article
# already (a "read more" to another page, a newsletter's source, stays). Its text, once brackets,
# arrows and dots are gone, opens with one of these (a title may follow: WordPress's "Continue
# reading <title>", Medium's "Continue reading on Medium »")
_READ_MORE = ("read more", "continue reading", "keep reading", "read the full", "read the rest", "read full",
              "full story", "full article", "view entire", "view full", "view the full", "view the entire",
              "lire la suite", "weiterlesen", "weiter lesen", "leer más", "seguir leyendo", "leia mais",
              "continue lendo", "continua a leggere", "lees verder", "czytaj dalej", "читать далее",
              "阅读全文", "阅读更多", "查看全文", "继续阅读", "続きを読む")
_LAST_LINK = re.compile(r"\[((?:[^\]\\\n]|\\.){1,160})\]\(<?(https?://[^\s)>]+)>?\)[\s.:»›→…)]*\Z")
_LINK_TEXT_TRIM = " \t.…»›→«‹←:()[]\\"


def _drop_read_more(markdown: str, article_url: str) -> str:
    """The text without a "read more" link to ``article_url`` at its very end (``_READ_MORE``),
    and without the paragraph, when that link was all of it. ``markdown`` ends with no white
    space."""
    if not markdown.endswith(")") or "](" not in markdown[-400:]:
        return markdown
    link = _LAST_LINK.search(markdown, max(0, len(markdown) - 400))
    if link is None or markdown[link.start() - 1:link.start()] == "!":
        return markdown   # no link there, or an image
    text = link.group(1).strip(_LINK_TEXT_TRIM).lower()
    if not (text.startswith(_READ_MORE) or text in ("more", "(more)")):
        return markdown
    if canonical_url(link.group(2)) != canonical_url(article_url):
        return markdown   # it leads elsewhere: the source of a newsletter's item, say
    kept = markdown[:link.start()].rstrip(" \t")
    if kept.endswith("\n") or not kept:
        # the link was a paragraph of its own; a rule that set it off (BuzzFeed's) goes with it
        kept = kept.rstrip()
        rule = kept.rfind("\n") + 1
        return kept[:rule].rstrip() if _RULE_LINE.fullmatch(kept[rule:].strip()) else kept
    return kept


# a YouTube player a post embeds, which the sanitiser drops with every iframe, becomes the video's
# link written as an image: Obsidian plays ``![](https://www.youtube.com/watch?v=ID)`` in the note
_IFRAME = re.compile(r"""<iframe\b[^<>]*?\bsrc\s*=\s*(?:"([^"<>]*)"|'([^'<>]*)'|([^\s"'<>]+))[^<>]*>"""
                     r"""(?:\s*</iframe\s*>)?""", re.IGNORECASE)


def _video_of_iframe(iframe: re.Match[str]) -> str:
    src = _html.unescape(iframe.group(1) or iframe.group(2) or iframe.group(3) or "")
    watch = youtube_video("https:" + src if src.startswith("//") else src)
    return f'<p><img src="{watch}" alt=""></p>' if watch else iframe.group(0)


# a tag of the sanitiser's output (attribute values are double-quoted, may hold ">")
_NODE = re.compile(r'(<[^>"]*(?:"[^"]*"[^>"]*)*>)')   # unrolled: "<" ([^>"] | "...")* ">", 3x faster
_NODE_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)")
_PARAGRAPH_TAGS = frozenset({"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
                             "td", "th", "table", "blockquote", "pre", "section", "article", "header",
                             "footer", "hr", "dd", "dt", "figure", "figcaption"})
_ALT = re.compile(r'(\balt=")([^"]*)(")')
# what alt text loses: brackets, which end it early or make an embed ("![[Photo]](…)"), and backticks,
# which start a code span that swallows the image ("![`](…) and `x`": code binds before brackets)
_ALT_GONE = str.maketrans("", "", "[]`")
_TITLE = re.compile(r'(\s+title=")([^"]*)(")')
_HREF = re.compile(r'(\b(?:href|src)=")([^"]*)(")')
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# the escapes' backslash while the converter runs: it would escape a real one before
# punctuation; a noncharacter it leaves alone (and no page may carry: removed from the text)
_ESCAPE_MARK = "\ufdd0"
# the text's own backslashes, hidden from the converter too (it would escape them again)
_BACKSLASH_MARK = "\ufdd1"
# text of the sanitiser's output that the escaping steps of ``_escape_text_nodes`` leave as is:
# none of the characters an escape starts with (``escaping._ANY_SPOT``), no entity, no
# non-breaking space, none of the two marks
_PLAIN_TEXT = re.compile(r"[^\\`*_\[\]<>&#=~%$|\xa0\ufdd0\ufdd1]*")


def _escape_text_nodes(html: str, *, unwrap: bool = True) -> str:
    """Escape the page's text (not code, not attributes) with ``sync.escaping``.

    ``$`` is escaped only in a paragraph that holds two of them; link text
    has its brackets escaped; alt text loses its brackets and backticks; a ``%`` in a link
    or image address that starts no escape becomes ``%25`` (so no ``%%``
    is left there for the comment guard to break). ``unwrap``: a line break
    in text outside code becomes what a browser shows (``_unwrapped``).
    """
    parts = _NODE.split(html)     # text, tag, text, ..., text: rewritten in place where they change
    code = link = cell = quote = 0
    opened = -1           # the part that opened the current link
    line_start = True     # the next text begins a line: a leading "-", "#", ">", "1." would be markup
    marked = False        # the converter has written a marker on this line ("**", "[", "~~", "#"): the
    #                       text after it does not begin its line ("**2.** Conifer" is no list item)
    opens: list[tuple[bool, int]] = []   # per open marker tag: ``marked`` before it, texts seen by then
    texts = 0
    tags = _TAGS
    last = len(parts) - 1
    for i in range(0, last + 1, 2):
        part = parts[i]
        if not part:
            pass
        elif code:
            if line_start and not part.isspace():
                line_start = False
        else:
            if quote and part.isspace() and part.isascii():
                # white space alone between tags in a quote: a line break, which the converter reads as
                # a space inline and as nothing between paragraphs, where a space made three empty
                # quote lines ("> A\n>\n>\n>\n> B"; outside a quote, a line break there would lose the
                # blank line before one)
                part = parts[i] = "\n"
            elif unwrap and "\n" in part:
                part = parts[i] = _unwrapped(part)
            if part.isspace():
                pass
            elif _PLAIN_TEXT.fullmatch(part) and not (line_start and (part[0].isspace() or _LINE_START.match(part))):
                # most text: nothing to decode, escape or strip, so the steps below give it back as is
                line_start = False
            else:
                parts[i] = _escape_part(part, link > 0, "$" in part and _dollars(parts, i) >= 2,
                                        line_start and not marked)
                line_start = False
            texts += not part.isspace()
        if i == last:
            break
        tag = parts[i + 1]
        info = tags.get(tag) or _tag_of(tag)
        if info[0]:
            # a heading's text follows its "#"s ("#### 1. Leitlinien" is no list item), a table cell's
            # its "|", and a cell is one line (a <br> in it starts none)
            line_start, marked = True, (info[4] and info[2] > 0) or cell > 0
            opens.clear()
        elif info[4]:
            if info[2] > 0:
                opens.append((marked, texts))
                marked = True
            elif opens:
                # closed with no text in it, the converter wrote no marker: as before it opened
                before, seen = opens.pop()
                if seen == texts:
                    marked = before
        kind = info[1]
        if kind:
            if kind == 1:
                code = max(0, code + info[2])
            elif kind == 2:
                link = max(0, link + info[2])
            elif kind == 4:
                cell = max(0, cell + info[2])
            elif kind == 5:
                quote = max(0, quote + info[2])
            if info[3] is not tag:
                parts[i + 1] = info[3]
            if kind == 2 and info[2]:
                opened = i + 1 if info[2] > 0 else _unlink_if_empty(parts, opened, i + 1)
    return "".join(parts)


# a line break in a page's text (not in <pre>): a browser shows a space, or nothing between two
# Chinese or Japanese characters (not Korean, which spaces its words: CSS Text's segment break
# rule); kept, it would be a line break in Obsidian (single line breaks show) and Notion
_CJK_BREAK = re.compile(r"(?<=[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef])[ \t]*\n\s*"
                        r"(?=[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef])")
_BREAK = re.compile(r"[ \t]*\n\s*")


def _unwrapped(text: str) -> str:
    """A text node of the page with its line breaks as the browser shows them (see above)."""
    return _BREAK.sub(" ", _CJK_BREAK.sub("", text))


def _unlink_if_empty(parts: list[str], opened: int, closing: int) -> int:
    """Drop the link opened at ``parts[opened]`` and closed at ``parts[closing]`` when nothing is
    in it (or only a tracking pixel, dropped): written out, it is a bare "[](url)" in the note."""
    if opened >= 0 and not any(parts[k].strip() for k in range(opened + 1, closing)):
        parts[opened] = parts[closing] = ""
    return -1


def _escape_part(part: str, link_text: bool, dollars: bool, line_start: bool) -> str:
    """One text part of the sanitiser's output, escaped (entities decoded first, encoded again)."""
    text = part.replace(_ESCAPE_MARK, "").replace(_BACKSLASH_MARK, "")
    if "&" in text:
        text = text.replace("&nbsp;", "\xa0").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    if line_start:
        text = text.lstrip()      # the converter drops leading white space of a block
    text = escape(text, link_text=link_text, dollars=dollars, backslash=_ESCAPE_MARK, line_start=line_start)
    text = text.replace("\\", _BACKSLASH_MARK)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\xa0", "&nbsp;")


def _dollars(parts: list[str], i: int) -> int:
    """How many "$" the paragraph of text part ``i`` holds (its text parts, code included, between
    the block tags around it); asked only for the rare text that holds one."""
    count = parts[i].count("$")
    for step in (-1, 1):
        k = i + step        # the tag next to the text, then every other part
        while 0 < k < len(parts) and not (_TAGS.get(parts[k]) or _tag_of(parts[k]))[0]:
            count += parts[k + step].count("$")
            k += 2 * step
    return count


# pages repeat the same few tags ("<p>", "</li>", ...): each is looked at once per run (a plain
# dict, bounded: looked up inline, cheaper than a call through lru_cache)
_TAGS: dict[str, tuple[bool, int, int, str, bool]] = {}
_TAGS_MAX = 1 << 12
_KIND = {"code": 1, "pre": 1, "kbd": 1, "samp": 1, "a": 2, "img": 3, "td": 4, "th": 4, "blockquote": 5}


# tracking pixels: an image of at most 1x1 pixels, or one from a feed or stats service's counter
# (FeedBurner's "~r/…/~4/…" pixel and "~ff/" share buttons, WordPress.com, Medium)
_PIXEL_SIZE = re.compile(r'\b(width|height)="\s*[01](?:\.0*)?\s*(?:px)?\s*"', re.IGNORECASE)
_TRACKER_SRC = re.compile(r'\bsrc="https?://(?:feeds\.feedburner\.com/~(?:r|ff)/|feedproxy\.google\.com/~r/'
                          r'|pixel\.wp\.com/|stats\.wordpress\.com/|medium\.com/_/stat\b'
                          r'|[^"/]*feedsportal\.com/[^"]*/(?:mf|~)\.gif)', re.IGNORECASE)


def tracking_pixel(img: str) -> bool:
    """Whether an ``<img>`` tag of the sanitiser's output is a tracking pixel (dropped: it shows
    nothing, and an image in a note is fetched each time the note is opened)."""
    if ('="0' in img or '="1' in img) and len({m.group(1).lower() for m in _PIXEL_SIZE.finditer(img)}) == 2:
        return True
    return "src=\"http" in img and _TRACKER_SRC.search(img) is not None


def _tag_of(part: str) -> tuple[bool, int, int, str, bool]:
    """A tag of the sanitiser's output: (whether it starts a block; its kind: 1 code, 2 link,
    3 image, 4 table cell, 5 quote, 0 other; nesting step; the tag as written out: an image's alt text
    without brackets and no title that repeats it, a link's address without campaign tags, a
    stray "%" in an address as %25, nothing for a tracking pixel, the very same string when
    unchanged; whether the converter writes a marker before its text: ``_MARKED``)."""
    name = _NODE_NAME.match(part)
    tag = name.group(1).lower() if name else ""
    step = -1 if part.startswith("</") else (0 if part.endswith("/>") else 1)
    out = part
    if tag == "img":
        if tracking_pixel(part):
            return _remember(part, (False, 3, step, "", False))
        out = _ALT.sub(lambda m: m[1] + m[2].translate(_ALT_GONE) + m[3], out)
        # a title that says the alt text again (WordPress, Reddit) is only noise in the note
        alt, title = _ALT.search(part), _TITLE.search(out)
        if alt and title and title[2].strip() == alt[2].strip():
            out = out[:title.start()] + out[title.end():]
    if tag == "a" and "?" in out:
        out = _HREF.sub(_untracked_href, out)
    if tag in ("a", "img"):
        out = _HREF.sub(lambda m: m[1] + _BAD_PERCENT.sub("%25", m[2]) + m[3], out)
    # (a link is written "[…](…)" only with an address: an anchor, <a name>, is its text alone)
    marked = tag in _MARKED and (tag != "a" or step < 0 or " href=" in part)
    return _remember(part, (tag in _PARAGRAPH_TAGS, _KIND.get(tag, 0), step, part if out == part else out, marked))


# tags html_to_markdown writes with a marker before their text: "**", "*", "[", "~~", "==", '"', "![",
# a heading's "#"s, a table cell's "|"
_MARKED = frozenset({"strong", "b", "em", "i", "a", "del", "s", "strike", "mark", "q", "img",
                     "h1", "h2", "h3", "h4", "h5", "h6", "td", "th"})


def _untracked_href(href: re.Match[str]) -> str:
    """A link's address without its campaign tags (``urls.without_tracking``: ``utm_*``, heise's
    ``wt_mc``, Medium's ``source=rss``): they tell the site where the reader came from, and make a
    note's source mode harder to read. (The address as the sanitiser wrote it: "&" is "&amp;".)"""
    url = href[2].replace("&amp;", "&")
    clean = without_tracking(url)
    return href[0] if clean == url else href[1] + clean.replace("&", "&amp;") + href[3]


def _remember(part: str, info: tuple[bool, int, int, str, bool]) -> tuple[bool, int, int, str, bool]:
    if len(_TAGS) >= _TAGS_MAX:
        _TAGS.clear()
    _TAGS[part] = info
    return info


def _in_code(lines: list[str]) -> Iterator[bool]:
    """Per line, whether it belongs to a fenced code block (its fences included)."""
    fence: str | None = None
    for line in lines:
        if fence is not None:
            # A closing fence is a run of the same character, at least as long.
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
            yield True
        elif opening := _FENCE.match(line):
            fence = opening.group(1)
            yield True
        else:
            yield False


def _neutralise_obsidian(markdown: str) -> str:
    """Escape ``%%`` outside code; break marker look-alikes inside it."""
    if "%" not in markdown:
        return markdown  # the common case: nothing to neutralise
    lines = markdown.split("\n")
    out: list[str] = []
    for line, code in zip(lines, _in_code(lines)):
        if code:
            out.append(_MARKER_IN_CODE.sub("%\u200b", line))
        elif "`" not in line:
            out.append(_escape_text(line))
        else:
            out.append(_escape_line(line))
    return "\n".join(out)


# a line that starts a list item: a hard break just before it breaks nothing
_ITEM_START = re.compile(r" *(?:[-*+]|\d{1,9}[.)])(?: |\Z)")


def _drop_end_breaks(markdown: str) -> str:
    """A hard line break that ends a paragraph or a list item ("end  " before a blank line or the
    next item: a feed's ``<br>`` before ``</p>`` or ``</li>``, or blogs' ``<br><br>`` between
    paragraphs) breaks nothing; in source mode it is trailing white space. Dropped, outside
    code; a break inside a paragraph or an item stays."""
    if " \n" not in markdown:
        return markdown   # the common case (the text's last line is stripped by the caller)
    lines = markdown.split("\n")
    last = len(lines) - 1
    for i, code in enumerate(_in_code(lines)):
        if not code and i < last and lines[i].endswith(" ") and (
                not lines[i + 1].strip() or _ITEM_START.match(lines[i + 1])):
            lines[i] = lines[i].rstrip(" ")
    return "\n".join(lines)


def _escape_line(line: str) -> str:
    """Escape the text of one Markdown line, leaving its code spans alone.

    A small scanner rather than a regex, because an escaped backtick
    (``\\` ``) opens no code span and must not shield a ``%%`` after it.
    """
    pieces: list[str] = []
    text_start = i = 0
    n = len(line)
    while i < n:
        ch = line[i]
        if ch == "\\":
            i += 2
            continue
        if ch != "`":
            i += 1
            continue
        run_end = i
        while run_end < n and line[run_end] == "`":
            run_end += 1
        ticks = line[i:run_end]
        close = _find_closing_ticks(line, run_end, ticks)
        if close < 0:
            # No closing run: the backticks are literal text.
            i = run_end
            continue
        pieces.append(_escape_text(line[text_start:i]))
        pieces.append(_MARKER_IN_CODE.sub("%\u200b", line[i:close + len(ticks)]))
        i = text_start = close + len(ticks)
    pieces.append(_escape_text(line[text_start:]))
    return "".join(pieces)


def _find_closing_ticks(line: str, start: int, ticks: str) -> int:
    """Index of a backtick run exactly ``len(ticks)`` long, or -1."""
    pos = line.find(ticks, start)
    while pos >= 0:
        end = pos + len(ticks)
        if end >= len(line) or line[end] != "`":
            return pos
        while end < len(line) and line[end] == "`":
            end += 1
        pos = line.find(ticks, end)
    return -1


def _escape_text(text: str) -> str:
    # Every '%' followed by another '%' gets the next one escaped, so no
    # "%%" substring is left at all ("%%%" -> "%\\%\\%"); the text escaping did
    # that already, this catches what the converter made up (alt text, titles).
    return _PERCENT_RUN.sub(r"%\\", text)


def to_text(html: str) -> str:
    """Plain one-line text for summaries and titles.

    Tags are stripped (script/style with their text), entities decoded,
    control characters removed and all white space (newlines included)
    collapsed to single spaces.
    """
    if not html:
        return ""
    safe = shown_as_blocks(_safe_input(html))
    # A space before block tags keeps "<p>a</p><p>b</p>" from becoming "ab".
    spaced = _BLOCK_TAG.sub(" <", safe)
    stripped = _TEXT_CLEANER.clean(spaced)
    return clean_line(_html.unescape(stripped))


def clean_line(text: str) -> str:
    """Collapse all white space to single spaces and drop control characters
    (lone surrogates, which JSON can carry and no file can store, become U+FFFD)."""
    return " ".join(_controls_to_spaces(_scrub_surrogates(text), _CONTROL, _CONTROL_RE).split())


def _scrub_surrogates(text: str) -> str:
    if text.isascii():
        return text
    return _SURROGATE.sub("\ufffd", text)


def _safe_input(html: str) -> str:
    """Valid UTF-8 text, without overlong tags, flattened to escaped plain text when nested too deep."""
    html = _scrub_surrogates(html)
    if len(html) > _MAX_TAG:
        html = _LONG_TAG.sub(r"<\1>", html)
    # Fewer tags than the limit cannot nest deeper than it: skip the scan.
    if html.count("<") <= _MAX_DEPTH or _max_depth(html) <= _MAX_DEPTH:
        return html
    text = _ANY_TAG.sub(" ", _drop_blocks(html))
    return _html.escape(_html.unescape(text), quote=False)


def _drop_blocks(html: str) -> str:
    """Remove ``_DROP_WITH_CONTENT`` elements with their text, in one pass
    (an unclosed one runs to the end, as in an HTML parser)."""
    out: list[str] = []
    pos = 0
    while (opening := _DROPPED_OPEN.search(html, pos)) is not None:
        out.append(html[pos:opening.start()])
        closing = re.compile(rf"</{opening.group(1)}[^<>]*>", re.IGNORECASE).search(html, opening.end())
        pos = closing.end() if closing else len(html)
    out.append(html[pos:])
    return " ".join(out)


def _max_depth(html: str) -> int:
    """Approximate element nesting depth (linear regex scan, no tree)."""
    depth = deepest = 0
    for closing, name, self_closing in _TAG.findall(html):
        if self_closing or name.lower() in _NO_NESTING:
            continue
        if closing:
            depth = max(depth - 1, 0)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest
