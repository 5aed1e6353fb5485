"""The offline summary and key points of an article (pure): sentences a person would pick.

Contract:
* ``summary`` is the first real sentence of prose: from the feed's own
  summary, else from the article. Never a heading, an image, a bare URL, a
  byline ("By Jane Doe"), a date line or feed boilerplate ("The post … appeared
  first on …", "Continue reading"), and never the title itself (a summary
  that only repeats the title is skipped for the next sentence); a label the
  paragraph opens with ("Abstract:", arXiv's "arXiv:… Announce Type: new")
  is left out. Empty when the text has no such sentence.
* ``key_points`` are at most ``limit`` distinct sentences that add to the
  summary: the article's own list items when it has a list of real
  sentences, else its sentences after the summary. They hold no Markdown
  (links keep their text, images go), no boilerplate and no URL (a sentence
  with its URL cut out, or cut inside it, reads worse than none), and none
  repeats the summary, the title or another point, also in other words (a
  sentence whose words are mostly, ``NEAR_SAME``, the summary's or a point's).
  A sentence of the text (not a list item) is a point only with ``POINT_WORDS``
  words or more and no question mark: "I know, I know." is no point.
Sentences come from ``text.sentences``: abbreviation-aware for English,
split at 。！？ for Chinese.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from ..text import IMAGE as _IMAGE
from ..text import LINK as _LINK
from ..text import cjk_chars, has_cjk, plain_text, sentences, truncate

# Markdown blocks that are not prose
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}#{1,6}(?:\s|$)")
_TABLE = re.compile(r"^\s*\|")
_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+(.*)$")
_QUOTE_MARKS = re.compile(r"[ \t]*>(?:[ \t]*>)*[ \t]?")   # a quote's markers at a line's start, nested ones too
_EMPTY_LINK = re.compile(r"\[\s*\]\([^)]*\)")
_URL = re.compile(r"<?(?:https?://|www\.)\S+>?")
# an address without its scheme, as a link's text or typed: a domain and a path ("omnystudio.com/listener");
# the common top-level domains only, so "Node.js/Deno" is not one. Found by its ".tld/" alone (the
# question is whether a sentence holds one, not where it starts)
_TLDS = r"(?:com|org|net|io|fm|co|ai|dev|app|gg|ly|me|tv|so|sh|xyz|info|edu|gov|de|uk|fr|cn|jp)"
_BARE_URL = re.compile(r"\." + _TLDS + "/", re.IGNORECASE)
_URL_MARK = "\ufdd2"   # where a URL stood: plain_text must not take it apart (it drops "_" and "*")
_SPACE = re.compile(r"\s+")
_WORDS = re.compile(r"[^\W_]+", re.ASCII)
NEAR_SAME = 0.8   # share of a sentence's words already said that makes it a repeat
# feed boilerplate: WordPress, Substack, Medium, podcasts, aggregators
# (one search for the phrase that may stand anywhere, one match at the start for the others:
# a single pattern mixing the two was tried at every position of every sentence)
# (podcast hosts' footers: Omny "See … for privacy information", Megaphone and others "Learn
# more about your ad choices", Acast "See acast.com/privacy for more information")
_BOILERPLATE_ANYWHERE = re.compile(r"\bappeared first on\b|\bfor privacy information\b|\byour ad choices\b",
                                   re.IGNORECASE)
_BOILERPLATE = re.compile(
    r"the post\b.*\bappeared first on\b|continue reading|read (?:more|the full|the rest)"
    r"|view (?:the )?(?:entire|full) (?:post|article|story)"
    # the same in the languages feeds come in: "Leia mais (09/24/2018 - 19h22)" (Folha), "Lire la suite"
    r"|leia mais|continue lendo|saiba mais|leer más|seguir leyendo|lire la suite|weiter ?lesen"
    r"|continua a leggere|lees verder|czytaj dalej|читать далее|阅读(?:全文|更多|原文)|查看全文|继续阅读|続きを読む"
    r"|submitted by|hosted on acast\b"
    r"|(?:click|tap) here|subscribe\b|thanks for reading|share this|like this post|leave a comment"
    r"|listen (?:on|to)\b|watch (?:on|the video)|this (?:article|post|story) (?:was )?(?:originally )?"
    r"(?:appeared|published|first appeared)|originally (?:published|posted)|(?:\[?\s*)?(?:…|\.\.\.)\s*\]?$"
    r"|comments?\b|photo(?:graph)?s?\s*(?:by|:|credit)|image\s*(?:by|:|credit)|credit:|source:"
    r"|(?:posted|written|published|filed) (?:by|in|on|under)\b|tags?:|categor(?:y|ies):"
    # a show's credits: "Recorded and edited by Ben Williams for Plosive.", "Artwork by …", "Theme music by …"
    r"|(?:(?:recorded|edited|produced|mixed|mastered|engineered|hosted|presented|directed)(?:,? (?:and )?"
    r"(?:recorded|edited|produced|mixed|mastered|engineered|hosted|presented|directed))*"
    r"|(?:cover |theme |original )?(?:artwork|art|music|illustrations?)) by\b"
    r"|(?:\S+\s+){0,3}(?:min(?:ute)?s?|分钟) read$|本文(?:转载|来源|首发)|原文(?:链接|地址)|点击|关注"
    # Medium's paywall notes: "This story is currently available to Medium Members…", "… now unlocked",
    # "The story will be unlocked and available to all of our readers after 30 days."
    r"|(?:this|the) (?:story|article|post) (?:is|will be) (?:currently |now )?(?:available|unlocked)"
    r"|previously available only to"
    # an embedded post's attribution, a quote's last line: "— Netflix Is A Joke (@NetflixIsAJoke) April 4, 2022"
    r"|[—–]\s*[^.!?]{0,80}\(@\w",
    re.IGNORECASE)
# the end of a sentence a feed cut short: "… O termo de renovaç...", "… spacious [...]", "(…)": an
# ellipsis right after a Latin letter, or in brackets. A writer's own "She paused…" goes with them
# (as a key point only); one after a space, and Chinese "……", which trails off, stay
_CUT_OFF = re.compile(r"(?:[A-Za-z\u00c0-\u024f](?:\.\.\.|…)|[\[(]\s*(?:\.\.\.|…)\s*[\])])[\s\"'”’»)\]]*$")
# a label a paragraph opens with, not part of its first sentence: arXiv's listing line
# ("arXiv:2612.01234v1 Announce Type: new Abstract: We propose …"), "Abstract:", "Summary:", "TL;DR:"
_LEAD_IN = re.compile(r"^(?:arXiv:\S+\s+Announce Type:\s*[\w-]+\s*)?(?:(?:Abstract|Summary|TL;?DR)\s*[:：]\s*)?",
                      re.IGNORECASE)
# a byline, plain ("By Jane Doe") or with the kind of piece first: Golem's "Ein Bericht von X (Tag,
# Tag)", "An analysis by X", "Une analyse par X"
_BYLINE = re.compile(r"^(?:(?:an?|ein|eine|un|une|una|uma)\s+\S+\s+)?(?:by|von|par|por|作者[:：]?)\s+\S+(?:\s+\S+){0,4}$",
                     re.IGNORECASE)
_DATE_LINE = re.compile(r"^[\w ,./:-]*\b(?:19|20)\d\d\b[\w ,./:-]*$")
_LETTER = re.compile(r"[^\W\d_]")
# what ``_key`` drops: every character ``str.isalnum`` rejects (``\w`` is isalnum plus "_")
_NOT_ALNUM = re.compile(r"[\W_]+")
_ASCII_NOT_ALNUM = str.maketrans("", "", "".join(c for c in map(chr, range(128)) if not c.isalnum()))


_NOTHING: frozenset[str] = frozenset()


def summary(feed_summary: str, content: str, title: str, limit: int, *, skip: frozenset[str] = _NOTHING) -> str:
    """The first real sentence of prose (see the module contract), at most ``limit`` chars.
    ``skip``: keys (``paragraph_key``) of paragraphs that are no candidates: the lines the feed
    repeats in every post (``repeats``)."""
    # the feed's summary is one flattened line: when it is the article's own opening, the
    # article's paragraphs tell a byline or a source line from the first sentence. It may be the
    # whole article flattened, headings and captions run into its first sentence (feedparser
    # copies the content into the summary of an item that has none: Medium's subtitle and
    # figure caption read "… NOT for everyone GROW, you bastards, GROW!")
    opening = _opening_key(feed_summary, 60)
    if opening and (_cleaned(content).holds(opening) or opening in _head_key(content)):
        feed_summary = ""
    for sentence in _candidates(feed_summary, plain=True, skip=skip):
        if not _same(sentence, title):
            return truncate(sentence, limit)
    for sentence in _candidates(content, skip=skip):
        if not _same(sentence, title):
            return truncate(sentence, limit)
    return ""


def key_points(content: str, summary_text: str, title: str, *, limit: int, chars: int,
               skip: frozenset[str] = _NOTHING) -> tuple[str, ...]:
    """Distinct sentences that add to the summary (see the module contract); ``skip`` as for ``summary``."""
    taken = [_key(summary_text), _key(title)]
    said = [_units(summary_text)]
    # the list's items when it has two of prose, else the sentences; lazy: at most `limit` are kept
    # (an item that is only a link is a reference, not a point: show notes' "people and places")
    items = (s for s in map(_clean, _list_items(content)) if _is_prose(s) and not (skip and _key(s) in skip))
    first = list(itertools.islice(items, 2))
    # the article's sentences, when it has no such list: not the slight ones ("Of course they are.",
    # "It's been a while.", "Which one is better?"), which a list item may be ("Fix the lock file")
    pool = itertools.chain(first, items) if len(first) == 2 else filter(_weighty, _candidates(content, skip=skip))
    points: list[str] = []
    for found in pool:
        sentence = _SPACE.sub(" ", found).strip(" -–—:;,")
        # every sentence of the pool is prose as found; tidied into another, it is asked again
        if sentence != found and not _is_prose(sentence):
            continue
        if _CUT_OFF.search(sentence):
            continue                      # where a feed cut its excerpt: half a sentence
        key = _key(sentence)
        # the same as the summary, the title or a point, or one of them inside the other
        if not key or any(key == t or (len(t) >= 20 and t in key) or (len(key) >= 20 and key in t) for t in taken):
            continue
        # the summary or a point again in other words ("affected" for "impacted"): it adds nothing
        units = _units(sentence)
        if len(units) >= 6 and any(len(units & u) >= NEAR_SAME * len(units) for u in said):
            continue
        taken.append(key)
        said.append(units)
        points.append(truncate(sentence, chars))
        if len(points) == limit:
            break
    return tuple(points)


POINT_WORDS = 6   # a sentence of the text shorter than this says too little to be a key point


def _weighty(sentence: str) -> bool:
    """A sentence of the article that can be a key point: no question, and ``POINT_WORDS`` words or
    more (twice as many characters in a Chinese or Japanese one, which has no spaces), or fewer with
    a fact in them, a number, a name or a long word: "It opens in May.", "The KeySmart Pro is
    rechargeable.", "This was not a cyberattack."."""
    text = sentence.strip()
    if text.endswith(("?", "？", "؟")):
        return False
    if has_cjk(text):
        return len(text) >= 2 * POINT_WORDS or _DIGIT.search(text) is not None
    words = text.split()
    return len(words) >= POINT_WORDS or any(_FACT.match(word) for word in words[1:])


_DIGIT = re.compile(r"\d")
# a word that carries a fact: a number, a name (a capital not at the sentence's start, not "I"), or a
# word of nine letters or more ("cyberattack", "rechargeable"), which everyday chat has few of
_FACT = re.compile(r"\W*(?:\d|(?!I\b|I['’])[A-Z]|[^\W\d_]{9})")


def _candidates(markdown: str, *, plain: bool = False, skip: frozenset[str] = _NOTHING) -> Iterator[str]:
    """The prose sentences of a Markdown text (or of plain text), in order; a paragraph's
    first one without the label it may open with (``_LEAD_IN``); none of a paragraph whose key
    is in ``skip``."""
    for paragraph in [_clean(markdown)] if plain else _cleaned(markdown):
        if skip and _key(paragraph) in skip:
            continue
        for i, sentence in enumerate(sentences(paragraph)):
            if skip and _key(sentence) in skip:
                continue                  # a sentence the feed opens or closes every post with
            if i == 0 and sentence[:1] in "aAsStT":
                sentence = _LEAD_IN.sub("", sentence, count=1)
            if _is_prose(sentence):
                yield sentence


# the summary and the key points of an article read the same paragraphs, one call after the
# other: each is cleaned once, and only as far as it is read (a few recent texts are kept; the
# cleaning is pure)
@lru_cache(maxsize=8)
def _cleaned(markdown: str) -> _Cleaned:
    """The paragraphs of a Markdown text (``_paragraphs``) as plain text (``_clean``), lazily."""
    return _Cleaned(markdown)


class _Cleaned:
    """A text's paragraphs, each cleaned (``_clean``) when it is first read, and kept.

    Why lazy: the summary often stops at the first paragraph and the key points at the fifth
    sentence, and asking whether the feed's summary opens the article (``holds``) needs only
    each paragraph's key, which is cheaper than its clean text. Cleaning every paragraph of a
    long article up front was most of the scorer's time.
    """

    def __init__(self, markdown: str):
        self._source = _paragraphs(markdown)
        self._raw: list[str] = []
        self._clean: list[str] = []
        self._read: list[bool] = []     # per paragraph: read as prose (a line of links is not)

    def _raw_at(self, i: int) -> str | None:
        while i >= len(self._raw):
            paragraph = next(self._source, None)
            if paragraph is None:
                return None
            self._raw.append(paragraph)
        return self._raw[i]

    def __iter__(self) -> Iterator[str]:
        """The paragraphs read as prose. A line of links is left out (``_links_only``), but it is
        text a feed's flattened summary holds: ``holds`` reads it."""
        i = 0
        while (raw := self._raw_at(i)) is not None:
            if i == len(self._clean):
                self._clean.append(_clean(raw))
                self._read.append("](" not in raw or not _links_only(raw))
            if self._read[i]:
                yield self._clean[i]
            i += 1

    def holds(self, key: str) -> bool:
        """``key in _key(" ".join(paragraphs))``, read paragraph by paragraph, stopping where it
        is found. The key of a join is the join of the keys (``_key`` drops the space and maps
        each character alone), so an occurrence that ends in a paragraph starts at most
        ``len(key) - 1`` characters before it."""
        tail, i = "", 0
        while (raw := self._raw_at(i)) is not None:
            window = tail + (_key(self._clean[i]) if i < len(self._clean) else paragraph_key(raw))
            if key in window:
                return True
            tail = window[len(window) - len(key) + 1:] if len(window) >= len(key) else window
            i += 1
        return False


# how far into an article its flattened text is compared with the feed's summary (``_head_key``)
_HEAD = 1000


def _head_key(markdown: str) -> str:
    """``_key`` of an article's start as a feed flattens it into a summary: every block (headings,
    captions), links as their text, no images. (Not ``plain_text``, which takes 4x as long: it
    drops no letter or digit that matters here; a list's number it keeps makes a miss, which
    leaves the summary as it was.)"""
    head = markdown[:_HEAD]
    if "](" in head:
        head = _LINK.sub(r"\1", _IMAGE.sub(" ", head))
    return _key(head)


def _paragraphs(markdown: str) -> Iterator[str]:
    """Paragraphs and list items of prose: no code, headings, tables, rules, image-only lines,
    list items that are only a link, or an image's caption: a paragraph in emphasis only, right
    after a paragraph of images only (a ``<figcaption>``, "*Photo: Reuters*"). Said of the
    picture, it is no summary and no key point of the article."""
    fence: str | None = None
    block: list[str] = []
    broken = 0                            # lines of the block that end in a hard break
    after_image = False
    depth = 0                             # how deep in quotes the block's lines are
    for line in markdown.split("\n"):
        # a quote's lines are read without their markers, nested ones too: its paragraphs, lists and
        # headings are what they are outside one ("> >" was left on a key point, and an empty quote
        # line, ">", joined a quote's paragraphs into one)
        level = 0
        if ">" in line[:4] and (quote := _QUOTE_MARKS.match(line)):
            line, level = line[quote.end():], quote.group().count(">")
        opening = _FENCE.match(line)
        if fence is not None:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
        ends = opening or not line.strip() or _HEADING.match(line) or _TABLE.match(line) or _RULE.match(line) \
            or _LIST_ITEM.match(line)
        if block and (ends or level != depth):
            # (a quote that starts or ends without a blank line still ends the paragraph before it)
            yield from _prose_of(block, broken, after_image)
            after_image = block[0].startswith(("![", "[![")) and _images_only(" ".join(block))
            block, broken = [], 0
        depth = level
        if ends:
            if line.strip():
                after_image = False       # a heading, rule, table, code or list item comes between
            item = _LIST_ITEM.match(line)
            if item and not opening and not _reference(item.group(1)):
                yield item.group(1)
            continue
        broken += line.endswith(("  ", "\\"))
        block.append(line.strip())
    if block:
        yield from _prose_of(block, broken, after_image)


_BULLET = re.compile(r"\\?[-*+•·]\s+")   # a line's bullet, escaped as the converter writes it at a line's start
# a line's label: "Description: ", "**Product Dimensions:** "
_LABEL = re.compile(r"[*_]{0,3}[^\W\d][\w’'-]*(?: [\w’'-]+){0,2}\s*[:：][*_]{0,3}\s*")
LONG_LINE_WORDS = 8   # a line of a list written as lines that is this long is a sentence without its full stop
# what ends a sentence, at the end of a line (a closing quote or bracket may follow)
_SENTENCE_END = re.compile(r"[.!?…۔؟。！？．][\"'”’)\]]*\\?$")


def _prose_of(lines: list[str], broken: int, after_image: bool) -> Iterator[str]:
    """A paragraph's lines (``broken`` of them end in a hard break, ``<br>``) joined, or nothing
    for an image's caption (``after_image``: it follows a paragraph of images only). When the
    lines are a list written as lines (three or more, at most one ending a sentence: "There's a
    Developer site / There's a font creator: Caps / …", a listing's "Developer: X / Language: Y /
    Description: …"), each of them that ends a sentence or is long enough to be one, on its own:
    joined, such lines read as one run-on sentence."""
    paragraph = " ".join(lines)
    if after_image and _EMPHASIS_ONLY.match(paragraph):
        return
    if broken < 2 or len(lines) < 3 or sum(bool(_SENTENCE_END.search(line)) for line in lines) > 1:
        yield paragraph
        return
    for line in _whole_links(lines):
        if (bullet := _BULLET.match(line)) is not None:
            line = line[bullet.end():]
        label = _LABEL.match(line)                 # "Description: …" is as long as what follows its label
        said = line[label.end():] if label else line
        if _SENTENCE_END.search(line) or len(said.split()) >= LONG_LINE_WORDS or \
                len(said) >= 2 * LONG_LINE_WORDS and has_cjk(said):
            yield line


# what may stand between the links of a line of links: a label ("Transcript:"), a separator ("|", "·")
_BETWEEN_LINKS = re.compile(r"[^\w\s]*|[\w’'-]+[:：]", re.UNICODE)


def _links_only(paragraph: str) -> bool:
    """A line of links, two or more with at most labels and separators between them ("[slides] /
    Transcript: [English] [Español]", "[Code] | [Paper] | [Demo]"): a reference, read as prose it
    is a list of names ("slides Transcript: English Español"). "[OpenAI] released [GPT-5]" is prose."""
    rest, links = _LINK.subn(" ", paragraph)
    return links >= 2 and all(_BETWEEN_LINKS.fullmatch(word) for word in rest.split())


def _whole_links(lines: list[str]) -> Iterator[str]:
    """The lines, a line that opens a link's text joined with the ones up to where it closes."""
    held = ""
    for line in lines:
        held = f"{held} {line}" if held else line
        if held.count("[") <= held.count("]"):
            yield held
            held = ""
    if held:
        yield held


def _images_only(paragraph: str) -> bool:
    return not _EMPTY_LINK.sub("", _IMAGE.sub("", paragraph)).strip()


# a paragraph all in one emphasis: "*…*", "**…**", "_…_" (the same markers at each end and none
# between: "**Mangaluru:** Corporation Bank … **Award.**" is a paragraph with two bold parts)
_EMPHASIS_ONLY = re.compile(r"^([*_]{1,3})(?![*_\s])(?:(?!\1).)*(?<![*_\s\\])\1$")


def _list_items(markdown: str) -> Iterable[str]:
    """The list items outside code, but those that are only a link."""
    fence = False
    for line in markdown.split("\n"):
        if _FENCE.match(line):
            fence = not fence
        elif not fence and (item := _LIST_ITEM.match(line)) and not _reference(item.group(1)):
            yield item.group(1)


_LINK_ONLY = re.compile(_LINK.pattern + r"[\s.,;:!?]*")


def _reference(item: str) -> bool:
    """A list item that is only a link: a reference (show notes' "people and places mentioned",
    related stories), not prose."""
    return _LINK_ONLY.fullmatch(item.strip()) is not None


# a list item is a paragraph (``_cleaned``) and a key point candidate (``_list_items``): cleaned once
@lru_cache(maxsize=1024)
def _clean(markdown: str) -> str:
    """Markdown of one paragraph -> plain text: images gone, links keep their text."""
    return plain_text(_unlinked(markdown))


def _unlinked(markdown: str) -> str:
    """Markdown with its images gone, its links' text kept and each URL a mark."""
    text = markdown
    if "](" in text:                      # every image and link has one
        text = _IMAGE.sub(" ", text)
        text = _EMPTY_LINK.sub(" ", text)
        text = _LINK.sub(_link_text, text)
    if _has_url(text):
        text = _URL.sub(_URL_MARK, text)
    return text


# a link whose text is an address: a host of three parts or more ("theomnishow.omnigroup.com"),
# or a host and a path ("example.com/listen"), ending in a common top-level domain (``_BARE_URL``'s);
# "Amazon.com", "Node.js", "v1.2.3" and "model_4.15.zip" are names
_ADDRESS = re.compile(r"(?:https?://)?(?:[a-z0-9-]+\.){2,}" + _TLDS + r"/?"
                      r"|(?:https?://)?(?:[a-z0-9-]+\.)+" + _TLDS + r"/\S*", re.IGNORECASE)


def _link_text(link: re.Match[str]) -> str:
    """A link's text, or the URL mark when its text is an address: "Show notes at
    [theomnishow.omnigroup.com](…)" is a sentence built around a URL, as one with it written out."""
    return _URL_MARK if _ADDRESS.fullmatch(link[1]) else link[1]


# what ``plain_text`` takes of a line's letters and digits: an ordered list's number at its start
_NUMBER_MARK = re.compile(r"^[ \t]*\d+\.(?=\s)")


def paragraph_key(paragraph: str) -> str:
    """The key of one line of Markdown as the summary and the key points read it (what ``skip``
    holds: ``repeats``): ``_key(_clean(paragraph))``, without ``plain_text`` where it would
    take no letter or digit away: it drops markup characters only, except a leading list number,
    the target of what still looks like a link and a code fence's language (a property test holds
    the two equal)."""
    text = _unlinked(paragraph)
    if "](" in text or "\n" in text or "```" in text or "~~~" in text:
        return _key(plain_text(text))
    return _key(_NUMBER_MARK.sub("", text, count=1))


EDGE_SENTENCES = 3      # a post's opening and closing sentences read for a feed's banner (``repeats``)
_EDGE_CHARS = 600       # of its first and last line: a whole essay can be one line


def edge_sentence_keys(markdown: str) -> set[str]:
    """The keys (``_key``) of the first ``EDGE_SENTENCES`` sentences of a text's first line and
    the last ones of its last line, as the summary and the key points split them: where a site
    runs its banner or sign-off into a paragraph of the post ("Want to start a startup? Get
    funded by Y Combinator. October 2006 …")."""
    text = markdown.strip()
    first, last = text.split("\n", 1)[0], text.rsplit("\n", 1)[-1]
    opening = sentences(_clean(first[:_EDGE_CHARS]))[:EDGE_SENTENCES]
    closing = sentences(_clean(last[-_EDGE_CHARS:]))[-EDGE_SENTENCES:]
    return {key for key in map(_key, opening + closing) if key}


def _has_url(text: str) -> bool:
    """Whether ``text`` holds an address (``_URL``, ``_BARE_URL``), answered without the regexes
    for the text that has none (most)."""
    if ("://" in text or "www." in text) and _URL.search(text) is not None:
        return True
    return "/" in text and _BARE_URL.search(text) is not None


def _is_prose(sentence: str) -> bool:
    """A sentence a reader would take for text: words, not a URL, byline, date or boilerplate."""
    text = sentence.strip()
    if not _LETTER.search(text) or _URL_MARK in text or _has_url(text):
        return False                      # a sentence built around a URL reads badly without it
    if _BOILERPLATE.match(text) or _BOILERPLATE_ANYWHERE.search(text) or _BYLINE.match(text) \
            or len(text.split()) <= 6 and _DATE_LINE.match(text):
        return False
    if "](" in text or text.startswith(("![", "[!")):
        return False                      # Markdown a cleaner could not take apart
    if text.endswith((":", "：")):
        return False                      # a lead-in ("Here is a thing:"): what it says comes after it
    if text[:1] in "(（" and text[-1:] in ")）" and text[-2:-1] not in ".!?…。！？．":
        return False                      # an aside without a sentence in it: Golem's "(Tesla Model 3, Technologie)"
    if has_cjk(text):
        return len(text) >= 8
    return len(text.split()) >= 4


def _units(text: str) -> set[str]:
    """The words of a sentence (Latin, case-folded) and its CJK character pairs, for likeness."""
    folded = text.casefold()
    units = set(_WORDS.findall(folded))
    if not folded.isascii():
        cjk = cjk_chars(folded)
        units.update(map(str.__add__, cjk, cjk[1:]))   # the pairs joined in C, not in a loop
    return units


def _opening_key(text: str, size: int) -> str:
    """``_key(_URL.sub("", text))[:size]``, read from the start of a long text only.

    Cut at white space, the text's start holds exactly the URLs it holds in the
    whole text (a URL is one run of non-space characters), so its key is a prefix
    of the whole text's key; when it is long enough, that is the answer.
    """
    cut = text.rfind(" ", 0, 8 * size)
    if cut > 0:
        key = _key(_URL.sub("", text[:cut]))
        if len(key) >= size:
            return key[:size]
    return _key(_URL.sub("", text))[:size]


def word_keys(text: str, limit: int) -> list[tuple[str, int]]:
    """The first ``limit`` words of a text's first line that have a letter or a digit, each as its
    key (``_key``) and the offset in ``text`` where it ends: the words a feed opens its posts with
    (``repeats``), compared as the summary compares text, and cut off where they end."""
    out: list[tuple[str, int]] = []
    end = 0
    for match in _WORD.finditer(text):
        if out and "\n" in text[end:match.start()]:
            break                         # the first line ends
        end = match.end()
        if key := _key(match.group()):
            out.append((key, match.end()))
            if len(out) == limit:
                break
    return out


_WORD = re.compile(r"\S+")


def _key(text: str) -> str:
    """Text compared for sameness: letters and digits only, case-folded."""
    folded = text.casefold()
    # ASCII (most sentences): the same characters dropped by a table, 4-5x faster than the regex
    return folded.translate(_ASCII_NOT_ALNUM) if folded.isascii() else _NOT_ALNUM.sub("", folded)


def _same(sentence: str, title: str) -> bool:
    """A sentence that says no more than the title."""
    a, b = _key(sentence), _key(title)
    return bool(a) and (a == b or (a in b))
