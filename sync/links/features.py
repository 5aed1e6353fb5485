"""What an article is about, as terms: the input of the related-article search.

Contract (pure: no I/O):

- ``features(article, score)`` turns an article into a bag of terms that works
  for English and Chinese alike without a segmenter: lower-cased Latin words
  (stop words dropped, a plural ``-s`` stripped) plus CJK character bigrams.
  Title terms count 3x, summaries 1.5x, content 1x (only its first
  ``CONTENT_CHARS`` characters, a third of that for CJK text, and only terms
  it repeats: the lead of an article says what it is about, the tail and
  one-off words cost time and add noise). Tags become pseudo-terms ``#tag``.
- ``encode``/``encode_articles`` pack many articles' features into flat numpy
  arrays (``Encoded``) with one shared term vocabulary; large batches are
  encoded in worker processes, in order.
"""


from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import re
from array import array
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache

from ..models import Article, Score
from ..parallel import PRELOAD
from .lazy_numpy import np

FEATURES_VERSION = "3"       # bump when tokenising changes: stored digests then no longer match
CONTENT_CHARS = 3000
TOP_TERMS = 40
CONTENT_MIN_COUNT = 2
TITLE_COMMON = 0.03          # background doc probability from which a title word tells no story apart
TITLE_WEIGHT, SUMMARY_WEIGHT, TAG_WEIGHT = 3.0, 1.5, 3.0   # content terms count 1 each

_STOP = frozenset("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having
he her here hers him his how i if in into is it its itself just let me more most my new no nor not now of
off on once only or other our ours out over own per same she should so some such than that the their them
then there these they this those through to too under until up upon very via vs was we were what when where
which while who whom why will with would you your yours yet one two also may might must shall get got
says said say make made use used using like just how s t re ve ll d m don isn aren wasn weren won didn
http https www com html amp nbsp
""".split())
STOP_WORDS = _STOP   # the linker's English stop words, which name no trend either (rollups.naming)
# Very frequent Chinese function characters: a bigram containing one is noise.
_CJK_STOP = frozenset("的了是在和与及或等也都就而但被把这那个之其为以于从我你他她它们吗呢吧啊着过很并")
_CJK_STOP_RE = re.compile("[" + "".join(sorted(_CJK_STOP)) + "]")
_NOISE = re.compile(r"\]\([^)]*\)|https?://\S+|<[^>]*>|&[a-z]+;")  # link targets, bare URLs, tags
# a link aggregator's facts about a post, not words of it: hnrss.org writes "Article URL: <…>",
# "Comments URL: <…>", "Points: 512", "# Comments: 389" as the post's text, which made every pair
# of Hacker News posts "similar" by "url", "comment" and "point". A line that is only a label and
# an address or a number (the note keeps it); in a one-line summary, each such label and value
_FACT_LINE = re.compile(r"^[ \t]*\\?#?[ \t]*[A-Za-z][A-Za-z ]{0,24}:[ \t]*(?:<?https?://[^\s>]*>?|\d[\d,.]*)[ \t]*$",
                        re.MULTILINE)
# the end of such a line, found first: a pattern that opens with ":" is a fast scan, and most texts
# have no line that ends in an address or a number after a colon (4x faster than _FACT_LINE alone)
_FACT_END = re.compile(r":[ \t]*(?:<?https?://[^\s>]*>?|\d[\d,.]*)[ \t]*$", re.MULTILINE)
# Hacker News's kinds of post ("Show HN: …", "Ask HN: …"): a genre, which made every two of them alike
_HN_KIND = re.compile(r"^(?:Show|Ask|Tell|Launch) HN:\s*")
_FACT = re.compile(r"(?:#\s*)?\b[A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*)?:\s*(?:https?://\S+|\d[\d,.]*)(?!\S)")
_LATIN = re.compile(r"[a-z0-9][a-z0-9+#]*(?:[-.'][a-z0-9+#]+)*")

@lru_cache(maxsize=1)
def _cjk_table() -> np.ndarray:
    """BMP code point -> is a CJK character that can start or end a bigram (made when first
    needed: numpy is loaded when first used, ``lazy_numpy``)."""
    table = np.zeros(0x10000, dtype=bool)
    for lo, hi in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x3040, 0x30FF), (0xAC00, 0xD7AF)):
        table[lo:hi + 1] = True
    table[[ord(c) for c in _CJK_STOP]] = False
    return table


_CJK_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]{2,}")
_NUMBER = re.compile(r"[\d\-']+")   # bare integers; versions such as 4.6 stay terms


# -- features ------------------------------------------------------------------

@dataclass(frozen=True)
class Features:
    """What the linker knows about one article.

    ``terms`` are weighted counts before IDF; ``title`` the title's terms (for
    same-story detection); ``digest`` changes whenever any input that shapes
    the features changes, so an unchanged article costs nothing on a daily run.
    """

    kb_id: str
    published: datetime
    source: str
    terms: Mapping[str, float]
    title: frozenset[str]
    tags: tuple[str, ...]
    digest: str


@lru_cache(maxsize=200_000)
def _latin_term(word: str) -> str | None:
    """A Latin token as a term, or None for stop words and bare numbers."""
    word = word.strip("'-.")
    if len(word) < 2 or word in _STOP or _NUMBER.fullmatch(word):
        return None
    # light stemming: plural -s only (agents -> agent, studies -> study), never -ss/-us/-is
    if len(word) > 3 and word.endswith("s") and word[-2] not in "su'i" and word[-2].isalpha():
        word = word[:-3] + "y" if word.endswith("ies") and len(word) > 4 else word[:-1]
    return word


def tokens(text: str) -> Counter[str]:
    """Latin terms and CJK bigrams of ``text``, with their counts (the loops run in C)."""
    out = Counter(map(_latin_term, _LATIN.findall(text.lower())))
    out.pop(None, None)
    if text.isascii():
        return out   # no CJK run to look for
    # function characters split the CJK runs: a bigram with one ("的模", "是一") carries no topic
    runs = _CJK_RUN.findall(_CJK_STOP_RE.sub(" ", text))
    if runs:
        joined = " ".join(runs)
        out.update(map(str.__add__, joined, joined[1:]))
        for a, b in zip(runs, runs[1:]):
            # the two pseudo-bigrams around each joining space
            out.pop(a[-1] + " ", None)
            out.pop(" " + b[0], None)
    return out


def content_terms(text: str, min_count: int) -> dict[str, int]:
    """``tokens(text)`` restricted to terms seen at least ``min_count`` times, for long texts.

    The same terms as ``tokens``, but CJK bigrams are counted in numpy as
    integer codes and only the frequent ones become strings: a Chinese body
    has hundreds of bigrams, few of them repeated, and building a Python
    string for each was most of the cost of a from-scratch run.
    """
    latin = Counter(map(_latin_term, _LATIN.findall(text.lower())))
    latin.pop(None, None)
    out = {t: n for t, n in latin.items() if n >= min_count}
    if not _CJK_CHAR.search(text):
        return out
    cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    ok = _cjk_table()[np.minimum(cp, 0xFFFF)]   # every CJK range is inside the BMP
    pair = ok[:-1] & ok[1:]
    codes = (cp[:-1][pair].astype(np.int64) << 21) | cp[1:][pair]
    if len(codes):
        codes.sort()
        edge = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1], [True])))
        counts = np.diff(edge)
        keep = counts >= min_count
        for code, n in zip(codes[edge[:-1]][keep].tolist(), counts[keep].tolist()):
            gram = chr(code >> 21) + chr(code & 0x1FFFFF)
            out[gram] = out.get(gram, 0) + n
    return out


def normalise_tag(tag: str) -> str:
    return tag.strip().lstrip("#").lower().replace(" ", "-")


def features(article: Article, score: Score | None) -> Features:
    """The article's terms (title 3x, summary 1.5x, content lead 1x), tags and title terms."""
    summary = article.summary
    if ":" in summary:
        summary = _NOISE.sub(" ", _FACT.sub(" ", summary))
    if summary.isascii() and len(summary.split()) == 1:
        summary = ""      # one Latin word is a link's label ("Comments": Hacker News, Lobsters), no summary
    if score is not None and score.summary and score.summary != summary:
        summary = f"{summary} {score.summary}"
    # link targets and URLs are not words of the article; other markup is skipped by the tokeniser
    content = article.content[:CONTENT_CHARS + 500]
    if _FACT_END.search(content) is not None:
        content = _FACT_LINE.sub(" ", content)
    content = _NOISE.sub(" ", content)[:CONTENT_CHARS]
    head = content[:600]
    if len(head.encode("utf-8")) - len(head) > 400:
        # mostly CJK (3 bytes a character): it carries about three times the meaning per character
        content = content[:CONTENT_CHARS // 3]
    title = tokens(_HN_KIND.sub("", article.title) if "HN:" in article.title else article.title)
    # a content term must occur twice to count (title and summary terms always do): one-off
    # words of the body rarely say what an article is about, and they are most of its terms
    terms: dict[str, float] = content_terms(content, CONTENT_MIN_COUNT)
    for bag, weight in ((title, TITLE_WEIGHT), (tokens(summary), SUMMARY_WEIGHT)):
        for term, n in bag.items():
            terms[term] = terms.get(term, 0.0) + n * weight
    tags = tuple(sorted({t for t in map(normalise_tag, score.tags if score else ()) if t}))
    for tag in tags:
        terms["#" + tag] = TAG_WEIGHT
    published = _aware(article.published)
    digest = hashlib.blake2b("\x1f".join(
        (FEATURES_VERSION, article.title, summary, article.content[:CONTENT_CHARS + 500],
         published.isoformat(), article.source, *tags)).encode("utf-8"), digest_size=12).hexdigest()
    return Features(kb_id=article.kb_id, published=published, source=article.source,
                    terms=terms, title=story_terms(title), tags=tags, digest=digest)


def story_terms(title: Mapping[str, int] | Iterable[str]) -> frozenset[str]:
    """The title terms that can tell one story from another: not the words common in any text.

    Two titles that share only "open", "source" and "again" ("Redis is open
    source again", "Elasticsearch is Open Source. Again!") are two stories;
    the same-story rule counts shared names ("operator", "gemini", "cli").
    """
    from .background import doc_probability

    terms = sorted(title)
    common = doc_probability(terms) >= TITLE_COMMON
    return frozenset(t for t, c in zip(terms, common) if not c)


@dataclass
class Encoded:
    """Many Features as flat arrays (CSR rows), in the order given.

    ``terms``/``title_terms`` hold local ids into ``vocab``; ``df`` counts, per
    local id, the documents of this batch that contain the term.
    """

    ids: list[str]
    pub: np.ndarray          # float64 epoch seconds
    sources: list[str]
    tags: list[tuple[str, ...]]
    digests: list[str]
    ptr: np.ndarray          # int64, len n+1
    terms: np.ndarray        # int32 local term ids
    raw: np.ndarray          # float32 weighted counts
    title_ptr: np.ndarray
    title_terms: np.ndarray  # int32 local term ids
    vocab: list[str]

    def __len__(self) -> int:
        return len(self.ids)

    def df(self) -> np.ndarray:
        return np.bincount(self.terms, minlength=len(self.vocab)).astype(np.int64)


def encode(items: Iterable[Features]) -> Encoded:
    """Features -> flat arrays; consumes a generator lazily, so 100,000 articles fit in memory."""
    vocab: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    lookup = vocab.__getitem__
    ids, pub, sources, tags, digests = [], [], [], [], []
    lens, tlens = array("q"), array("q")
    terms, raw, tterms = array("i"), array("f"), array("i")
    for f in items:
        ids.append(f.kb_id)
        pub.append(f.published.timestamp())
        sources.append(f.source)
        tags.append(f.tags)
        digests.append(f.digest)
        terms.extend(map(lookup, f.terms))
        raw.extend(f.terms.values())
        lens.append(len(f.terms))
        tterms.extend(sorted(map(lookup, f.title)))
        tlens.append(len(f.title))
    return Encoded(ids=ids, pub=np.array(pub, dtype=np.float64), sources=sources, tags=tags,
                   digests=digests, ptr=_ptr(lens), terms=np.frombuffer(terms, dtype=np.int32).copy(),
                   raw=np.frombuffer(raw, dtype=np.float32).copy(), title_ptr=_ptr(tlens),
                   title_terms=np.frombuffer(tterms, dtype=np.int32).copy(), vocab=list(vocab))


def encode_scored(articles: Sequence[Article], scores: Sequence[Score | None]) -> Encoded:
    """``encode`` of the articles with their scores, pair by pair (run where they were scored)."""
    return encode(features(a, s) for a, s in zip(articles, scores))


def _encode_chunk(chunk: list[tuple[Article, Score | None]]) -> Encoded:
    return encode(features(a, s) for a, s in chunk)


def merge(parts: Iterable[Encoded]) -> Encoded:
    """Concatenate encoded batches into one, with one vocabulary (ids in order of first use)."""
    vocab: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    ids, pub, sources, tags, digests = [], [], [], [], []
    ptrs, terms, raw, tptrs, tterms = [], [], [], [], []
    for part in parts:
        remap = np.fromiter(map(vocab.__getitem__, part.vocab), dtype=np.int32, count=len(part.vocab))
        ids += part.ids
        pub.append(part.pub)
        sources += part.sources
        tags += part.tags
        digests += part.digests
        ptrs.append(np.diff(part.ptr))
        terms.append(remap[part.terms])
        raw.append(part.raw)
        tptrs.append(np.diff(part.title_ptr))
        tterms.append(remap[part.title_terms])

    def cat(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(arrays).astype(dtype) if arrays else np.zeros(0, dtype=dtype)

    return Encoded(ids=ids, pub=cat(pub, np.float64), sources=sources, tags=tags, digests=digests,
                   ptr=_ptr(cat(ptrs, np.int64)), terms=cat(terms, np.int32), raw=cat(raw, np.float32),
                   title_ptr=_ptr(cat(tptrs, np.int64)), title_terms=cat(tterms, np.int32),
                   vocab=list(vocab))


def encode_articles(articles: Iterable[tuple[Article, Score | None]], *, processes: int = 1,
                    chunk: int = 5000) -> Encoded:
    """(article, score) pairs -> Encoded, tokenising in ``processes`` worker processes.

    Tokenising is most of a from-scratch run and every article is independent,
    so it is the one step worth spreading over the machine's cores. Chunks are
    streamed to the workers and merged in input order: the result is the same
    for any number of processes.
    """
    batches = _batched(articles, chunk)
    if processes <= 1:
        return merge(map(_encode_chunk, batches))
    # forkserver, not fork: the sync process may have had fetcher threads (see sync.parallel)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    with context.Pool(processes) as pool:
        return merge(_in_order(pool, batches, 2 * processes))


def _in_order(pool, batches: Iterator[list], window: int) -> Iterator[Encoded]:
    """Results in input order, reading the input in this thread (a SQLite cursor must stay here)."""
    pending: deque = deque()
    for batch in batches:
        pending.append(pool.apply_async(_encode_chunk, (batch,)))
        if len(pending) >= window:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


def _batched(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


def _ptr(lengths: Sequence[int]) -> np.ndarray:
    ptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(np.asarray(lengths, dtype=np.int64), out=ptr[1:])
    return ptr


def _aware(moment: datetime) -> datetime:
    # naive datetimes are UTC by the store's convention
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
