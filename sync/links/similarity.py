"""Related articles: what makes two articles related, computed fast enough for 100,000.

Contract (pure: no I/O; numpy only). Input: the ``Encoded`` terms of
``links.features``.

- Vectors are TF-IDF: ``tf = 1 + ln(weighted count)``, ``idf = ln((1+N+B)/(1+df+B*p))``
  where ``B*p`` are background pseudo-documents (``links.background``: how
  common the term is in English or Chinese at large), so weights hold on a
  batch of 30 as on 100,000;
  terms found in more than ``max_df(N)`` documents (5%), or kept in more than
  ``index_cap(N)`` vectors (1%), are corpus stop words and dropped; a term
  in 80% of one feed's documents is that feed's template and dropped from its
  documents (``template_terms``); each
  vector keeps its ``TOP_TERMS`` heaviest terms and is L2-normalised.
  Similarity is the cosine of two such vectors.
- Link rule: ``b`` may be related to ``a`` when they were published at most
  ``window_days`` apart and their cosine is at least ``min_similarity``, or
  they are the same story (see :func:`same_story`). Each article keeps its ``k``
  best: same-story first, then by weight, then by the partner's (published,
  kb_id), so ties never depend on input order. ``Link.reason`` says why, in
  words a reader understands.

The pair search is an inverted index walked in numpy: every term of a query
document is looked up among the documents inside its time window, partial
dot products are summed by sorting packed keys in blocks of queries, and
only pairs above a floor survive. From scratch each pair is visited once (the
earlier document of a pair is found from the later one).
"""


from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..config import LinksConfig
from ..models import Link
from . import background
from .features import TOP_TERMS, Encoded, Features, encode
from .lazy_numpy import np

SAME_STORY_DAYS = 3.0
SAME_STORY_SIM = 0.5          # text cosine alone that makes a same story
SAME_STORY_TITLE = 0.5        # title overlap (Dice) that makes a same story ...
SAME_STORY_TITLE_SIM = 0.2    # ... together with at least this cosine
SAME_STORY_TITLE_TERMS = 2    # ... and at least this many shared title terms
DAY = 86400.0
# partial products summed per block of queries. Small: a block's ten or so arrays then stay a
# few MB, reused from the heap and the cache. At 4,000,000 each was ~30 MB of fresh pages: 200
# queries against a 48,000-article window took 0.5-1.3 s instead of 0.33 (bench_links' "+200")
_BLOCK_BUDGET = 250_000
_TITLE_BLOCK = 1_000_000   # title term comparisons per block of pairs (story_flags)

def same_story(a: Features, b: Features, sim: float) -> bool:
    """Whether ``a`` and ``b`` report the same event.

    The rule: different sources (one outlet's follow-up is not a second report),
    published at most ``SAME_STORY_DAYS`` apart, and either the texts are close
    (cosine >= ``SAME_STORY_SIM``) or the titles are (Dice overlap of title
    terms >= ``SAME_STORY_TITLE`` with >= ``SAME_STORY_TITLE_TERMS`` shared and a
    cosine of at least ``SAME_STORY_TITLE_SIM``). The title path catches the
    same news told in different words or partly in another language, where the
    shared names (``openai``, ``gpt-5``) carry the match.
    """
    return bool(_story_rule(a.source.strip().lower() == b.source.strip().lower(),
                            abs((a.published - b.published).total_seconds()), sim,
                            title_overlap(a.title, b.title), len(a.title & b.title)))


def title_overlap(a: frozenset, b: frozenset) -> float:
    """Dice coefficient of two title term sets (0 when either is empty)."""
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def describe(shared_tags: Sequence[str], sim: float, story: bool) -> str:
    """The reason shown to the reader: ``same story``, ``similar (0.42)``, ``shared tags: a, b``."""
    if story:
        return "same story"
    parts = [f"similar ({sim:.2f})"] if sim > 0 else []
    if shared_tags:
        parts.append("shared tags: " + ", ".join(shared_tags))
    return "; ".join(parts) or "similar"


# -- encoding and weighting ----------------------------------------------------

def max_df(n_docs: int) -> int:
    """Terms in more documents than this are corpus stop words (5%, never below 50)."""
    return max(50, n_docs // 20)


@dataclass
class Vectors:
    """L2-normalised sparse rows: ``ptr`` (n+1), ``terms``, ``weights`` (float32)."""

    ptr: np.ndarray
    terms: np.ndarray
    weights: np.ndarray


def weigh(enc: Encoded, df: np.ndarray, n_docs: int, top_terms: int = TOP_TERMS,
          stop: np.ndarray | None = None, template: np.ndarray | None = None) -> Vectors:
    """TF-IDF rows of ``enc`` given document frequencies ``df`` (per local id) among ``n_docs``.

    Each row keeps its ``top_terms`` heaviest terms; ties at the cut go by a
    checksum of the term text, so the result never depends on the order in
    which terms were first seen. Vectorised: one sort of packed keys. ``stop``
    (per local id) marks further terms to leave out (see ``index_stop_words``); ``template`` (per
    term entry) the feeds' template words, found here when not given (``template_terms``).
    """
    # the corpus's document frequencies blended with language at large: weights hold on 30 articles
    idf = background.blended_idf(df, n_docs, enc.vocab)
    idf[df > max_df(n_docs)] = 0.0
    if stop is not None:
        idf[stop] = 0.0
    w = ((1.0 + np.log(np.maximum(enc.raw, 1.0))) * idf[enc.terms]).astype(np.float32)
    n = len(enc)
    row = np.repeat(np.arange(n, dtype=np.int64), np.diff(enc.ptr))
    w[template_terms(enc, row) if template is None else template] = 0.0
    tie = np.fromiter((zlib.crc32(t.encode("utf-8")) & 0xFFFF for t in enc.vocab), dtype=np.uint64,
                      count=len(enc.vocab))
    keep = w > 0
    # best first within a row: (row, descending weight, tie) packed in 20 + 28 + 16 bits
    desc = np.uint64(0x0FFFFFFF) - (w.view(np.uint32) >> np.uint32(3)).astype(np.uint64)
    low = (desc << np.uint64(16)) | tie[enc.terms]
    thr = np.full(n, np.iinfo(np.uint64).max, dtype=np.uint64)
    for r0 in range(0, n, 1 << 20):
        in_block = keep & (row >= r0) & (row < r0 + (1 << 20))
        key = np.sort(((row[in_block] - r0).astype(np.uint64) << np.uint64(44)) | low[in_block])
        counts = np.bincount(row[in_block] - r0, minlength=min(n - r0, 1 << 20))
        starts = np.cumsum(counts) - counts
        full = np.flatnonzero(counts > top_terms)
        thr[r0 + full] = key[starts[full] + top_terms - 1] & np.uint64((1 << 44) - 1)
    chosen = keep & (low <= thr[row])
    r = row[chosen]
    x = w[chosen]
    norm = np.sqrt(np.bincount(r, weights=x.astype(np.float64) ** 2, minlength=n))
    x = x / np.maximum(norm[r], 1e-12)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=n), out=ptr[1:])
    return Vectors(ptr=ptr, terms=enc.terms[chosen], weights=x.astype(np.float32))


TEMPLATE_SHARE = 0.8   # a term in this share of one source's documents ...
TEMPLATE_DOCS = 8      # ... of at least this many is that feed's template, not its articles' words


def template_terms(enc: Encoded, row: np.ndarray) -> np.ndarray:
    """Per term entry of ``enc`` (``row``: its document), whether it is its source's template.

    A feed writes the same lines around every item: Hacker News's "Article URL / Comments
    URL / Points / # Comments", Reddit's "submitted by … [link] [comments]", a podcast's
    "Listen on …", WordPress's "The post … appeared first on …". In an item with little
    text of its own those words are most of its vector, and every item of the feed looked
    related to every other (20 front-page stories on unrelated topics, all linked, one
    "trend"). A term in ``TEMPLATE_SHARE`` of a source's documents (``TEMPLATE_DOCS`` or
    more of them in the batch) says nothing about one of them: left out of that source's
    vectors only (another source's article that says "comments" keeps the word).
    """
    if len(enc) < TEMPLATE_DOCS:
        return np.zeros(len(enc.terms), dtype=bool)
    names, source = np.unique(np.array(enc.sources, dtype=object), return_inverse=True)
    per_source = np.bincount(source, minlength=len(names))
    big = per_source >= TEMPLATE_DOCS
    if not big.any():
        return np.zeros(len(enc.terms), dtype=bool)
    entry_source = source[row]
    need = TEMPLATE_SHARE * per_source[entry_source]
    # only a term in that many documents of the whole batch can be: most entries are ruled out cheaply
    maybe = np.flatnonzero(big[entry_source] & (enc.df()[enc.terms] >= need))
    out = np.zeros(len(enc.terms), dtype=bool)
    if len(maybe):
        # a document holds each of its terms once: counting (source, term) pairs counts documents
        key = entry_source[maybe].astype(np.int64) * max(len(enc.vocab), 1) + enc.terms[maybe]
        _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        out[maybe] = counts[inverse] >= need[maybe]
    return out


# -- pair search ---------------------------------------------------------------

@dataclass
class Pairs:
    """Candidate pairs: query ``q`` and document ``d`` (indices) with their cosine."""

    q: np.ndarray
    d: np.ndarray
    sim: np.ndarray

    @staticmethod
    def empty() -> Pairs:
        return Pairs(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32))


def search(queries: np.ndarray, vec: Vectors, pub: np.ndarray, window: float, floor: float,
           *, earlier_only: bool) -> Pairs:
    """Pairs (q, d) with cosine >= ``floor`` and ``|pub[q] - pub[d]| <= window``.

    ``vec`` and ``pub`` describe all documents, sorted by publication time;
    ``queries`` are indices into them. With ``earlier_only`` each query looks
    only at documents before it (index < q), so a from-scratch run visits each
    pair once; otherwise at every other document in its window.
    """
    n = len(pub)
    queries = _unique(np.asarray(queries, dtype=np.int64))
    if n == 0 or len(queries) == 0:
        return Pairs.empty()
    # the query entries, grouped by query
    starts, ends = vec.ptr[queries], vec.ptr[queries + 1]
    qlen = ends - starts
    e_idx = np.repeat(starts - np.cumsum(qlen) + qlen, qlen) + np.arange(int(qlen.sum()))
    e_row = np.repeat(np.arange(len(queries), dtype=np.int64), qlen)
    e_q = queries[e_row]
    # postings only for terms some query has: dense ids by position among the query terms
    uq = _unique(vec.terms[e_idx])
    if len(uq) == 0:
        return Pairs.empty()
    dense = np.searchsorted(uq, vec.terms)
    dense[dense == len(uq)] = 0
    present = uq[dense] == vec.terms
    where = np.flatnonzero(present)
    doc_of = np.repeat(np.arange(n, dtype=np.int64), np.diff(vec.ptr))[where]
    pkey = dense[where].astype(np.int64) * n + doc_of
    order = np.argsort(pkey, kind="stable")
    pkey, pdoc, pw = pkey[order], doc_of[order], vec.weights[where][order]
    e_t, e_w = dense[e_idx].astype(np.int64), vec.weights[e_idx]
    lo_doc = np.searchsorted(pub, pub - window, side="left")
    if earlier_only:
        # up to the query's own posting: its position is known, no search needed; and the
        # window starts, taken in posting order, are sorted needles (a fast search)
        position = np.empty(len(vec.terms), dtype=np.int64)
        position[where[order]] = np.arange(len(order))
        hi = position[e_idx]
        lo = np.searchsorted(pkey, (pkey - pdoc) + lo_doc[pdoc], side="left")[hi]
    else:
        lo = np.searchsorted(pkey, e_t * n + lo_doc[e_q], side="left")
        hi_doc = np.searchsorted(pub, pub + window, side="right")
        hi = np.searchsorted(pkey, e_t * n + hi_doc[e_q], side="left")
    cnt = np.maximum(hi - lo, 0)
    ends = np.cumsum(np.bincount(e_row, weights=cnt, minlength=len(queries)).astype(np.int64))
    max_rows = max(1, (1 << 31) // max(n, 1))   # row * n + doc must fit in 32 bits
    out: list[Pairs] = []
    first, e_first, done = 0, 0, 0
    while first < len(queries):
        # a block: as many queries as fit the work budget (at least one)
        last = int(np.searchsorted(ends, done + _BLOCK_BUDGET, side="right"))
        last = min(max(last, first + 1), first + max_rows, len(queries))
        e_last = e_first + int(qlen[first:last].sum())
        out.append(_block(slice(e_first, e_last), e_row - first, queries[first:last], e_w, lo, cnt,
                          pdoc, pw, n, floor))
        done = int(ends[last - 1])
        first, e_first = last, e_last
    q, d = np.concatenate([p.q for p in out]), np.concatenate([p.d for p in out])
    sim = np.concatenate([p.sim for p in out])
    other = q != d  # a document is not related to itself
    return Pairs(q[other], d[other], sim[other])


_SCALE = float((1 << 32) - 1)   # partial products (<= 1) as 32-bit fixed point


def _block(span: slice, e_row: np.ndarray, block: np.ndarray, e_w: np.ndarray, lo: np.ndarray,
           cnt: np.ndarray, pdoc: np.ndarray, pw: np.ndarray, n: int, floor: float) -> Pairs:
    """Sum the partial products of one block of queries; keep pairs >= floor.

    Each product is packed with its (query row, document) key into one uint64
    and the lot sorted once: equal keys end up together and are summed with
    ``reduceat``. A plain integer sort is several times faster here than
    scattering with ``np.add.at``.
    """
    c = cnt[span]
    total = int(c.sum())
    if total == 0:
        return Pairs.empty()
    pos = np.repeat(lo[span] - (np.cumsum(c) - c), c) + np.arange(total)
    key = np.repeat(e_row[span].astype(np.uint64), c) * np.uint64(n) + pdoc[pos].astype(np.uint64)
    val = np.rint(pw[pos] * np.repeat(e_w[span], c) * _SCALE).astype(np.uint64)
    packed = (key << np.uint64(32)) | val
    packed.sort()
    keys = packed >> np.uint64(32)
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    sums = np.add.reduceat((packed & np.uint64(0xFFFFFFFF)).astype(np.float64), starts) / _SCALE
    keep = sums >= floor
    k = keys[starts][keep].astype(np.int64)
    return Pairs(block[k // n], k % n, sums[keep].astype(np.float32))


def _unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.sort is much faster than np.unique here)."""
    s = np.sort(values)
    return s[np.concatenate(([True], s[1:] != s[:-1]))] if len(s) else s


# -- from pairs to links -----------------------------------------------------------

@dataclass
class Docs:
    """The per-document facts the link rule needs, indexed like the vectors (by time)."""

    ids: list[str]
    pub: np.ndarray                 # float64 epoch seconds, ascending
    sources: list[str]
    tags: list[tuple[str, ...]]
    title_ptr: np.ndarray
    title_terms: np.ndarray         # sorted ids per row, same id space as the vectors' vocab

    def __len__(self) -> int:
        return len(self.ids)

    def title(self, i: int) -> frozenset[int]:
        return frozenset(self.title_terms[self.title_ptr[i]:self.title_ptr[i + 1]].tolist())


def _story_rule(same_source, seconds_apart, sim, dice, shared):
    """The one statement of the same-story rule (documented in ``same_story``), elementwise:
    each argument a scalar or an array of pairs."""
    return (np.logical_not(same_source) & (np.asarray(seconds_apart) <= SAME_STORY_DAYS * DAY)
            & ((sim >= SAME_STORY_SIM) | ((sim >= SAME_STORY_TITLE_SIM) & (dice >= SAME_STORY_TITLE)
                                          & (shared >= SAME_STORY_TITLE_TERMS))))


def story_flags(docs: Docs, a: np.ndarray, b: np.ndarray, sim: np.ndarray) -> np.ndarray:
    """same_story for many pairs, in numpy: the pairs close enough in time and text (a cheap
    pre-filter), then the rule on those, their title overlaps counted by ``_shared_title_terms``.
    (Pair by pair in Python, the 400,000 candidate pairs of 10,000 synthetic articles took
    0.24 s; this takes 0.05 s, with the same flags.)"""
    flags = np.zeros(len(a), dtype=bool)
    near = np.abs(docs.pub[a] - docs.pub[b]) <= SAME_STORY_DAYS * DAY
    maybe = np.flatnonzero(near & (sim >= min(SAME_STORY_SIM, SAME_STORY_TITLE_SIM)))
    if len(maybe) == 0:
        return flags
    source = _source_codes(docs)
    maybe = maybe[source[a[maybe]] != source[b[maybe]]]
    x, y, close = a[maybe], b[maybe], sim[maybe].astype(np.float64)
    # the titles matter only below the text's own threshold: their overlaps are counted there
    shared, dice = np.zeros(len(maybe), dtype=np.int64), np.zeros(len(maybe))
    by_title = np.flatnonzero(close < SAME_STORY_SIM)
    shared[by_title], sizes = _shared_title_terms(docs, x[by_title], y[by_title])
    # the Dice overlap as title_overlap computes it (0 when either title is empty)
    dice[by_title] = np.divide(2.0 * shared[by_title], sizes, out=np.zeros(len(by_title)), where=sizes > 0)
    flags[maybe] = _story_rule(False, np.abs(docs.pub[x] - docs.pub[y]), close, dice, shared)
    return flags


def _source_codes(docs: Docs) -> np.ndarray:
    """Per document, a number standing for its source as ``same_story`` compares them."""
    codes: dict[str, int] = {}
    return np.fromiter((codes.setdefault(s.strip().lower(), len(codes)) for s in docs.sources),
                       dtype=np.int64, count=len(docs.sources))


def _shared_title_terms(docs: Docs, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pair (x[i], y[i]): the number of title terms the two share, and the sum of their
    title sizes.

    The pairs go in groups by their longer title's size w. In a group, each title involved
    is a row of w terms padded with -1 (a row's terms are distinct), and every term of one
    row is compared with every term of the other, a block of pairs at a time (a few MB).
    So a pair costs its longer title's size squared: with one table as wide as the longest
    title of all, one 250-term title (titles are capped at 300 characters; a Chinese one has
    a term per character pair) among 10,000 short ones made 190,000 pairs take 7.4 s instead
    of 0.06; grouped, 0.07 either way. (A sort of (pair, term) keys took 0.12 s.)"""
    ptr, terms = docs.title_ptr, docs.title_terms
    lens = np.diff(ptr)
    shared = np.zeros(len(x), dtype=np.int64)
    longer = np.maximum(lens[x], lens[y])
    for width in np.unique(longer[longer > 0]).tolist():
        group = np.flatnonzero(longer == width)
        involved = np.zeros(len(lens), dtype=bool)
        involved[x[group]] = involved[y[group]] = True
        table = _title_table(ptr, terms, np.flatnonzero(involved), width)
        local = np.cumsum(involved) - 1   # a title's row in the table
        gx, gy = local[x[group]], local[y[group]]
        step = max(1, _TITLE_BLOCK // (width * width))
        for at in range(0, len(group), step):
            tx, ty = table[gx[at:at + step]], table[gy[at:at + step]]
            same = (tx[:, :, None] == ty[:, None, :]) & (tx >= 0)[:, :, None]
            shared[group[at:at + step]] = same.sum(axis=(1, 2))
    return shared, lens[x] + lens[y]


def _title_table(ptr: np.ndarray, terms: np.ndarray, rows: np.ndarray, width: int) -> np.ndarray:
    """The titles of ``rows`` (none longer than ``width``), one per row, padded with -1."""
    lens = ptr[rows + 1] - ptr[rows]
    row_of = np.repeat(np.arange(len(rows)), lens)
    column = np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens, lens)
    table = np.full((len(rows), width), -1, dtype=np.int32)
    table[row_of, column] = terms[np.repeat(ptr[rows], lens) + column]
    return table


def top_k(src: np.ndarray, sim: np.ndarray, story: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best candidates per ``src``: same story first, then weight.

    Ties (weights closer than 2e-6) keep the candidates' order, which callers
    give by the partner's (published, kb_id): deterministic whatever the input
    order. For the usual sizes the ranking is one ``np.sort`` of packed keys,
    several times faster than a lexsort of millions of pairs.
    """
    if len(src) == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64)
    if len(src) < (1 << 24) and int(src.max()) < (1 << 20):
        # 20 bits src | 1 bit not-story | 19 bits descending weight | 24 bits candidate index
        desc = np.round((1.0 - np.clip(sim, 0.0, 1.0)) * ((1 << 19) - 1)).astype(np.uint64)
        key = ((src.astype(np.uint64) << np.uint64(44)) | ((~story).astype(np.uint64) << np.uint64(43))
               | (desc << np.uint64(24)) | np.arange(len(src), dtype=np.uint64))
        key.sort()
        order = (key & np.uint64((1 << 24) - 1)).astype(np.int64)
    else:
        order = np.lexsort((np.arange(len(src)), -sim, ~story, src))
    s = src[order]
    seg = np.concatenate(([0], np.flatnonzero(np.diff(s)) + 1))
    rank = np.arange(len(s)) - np.repeat(seg, np.diff(np.concatenate((seg, [len(s)]))))
    return order[rank < k]


def make_links(docs: Docs, src: np.ndarray, dst: np.ndarray, sim: np.ndarray,
               story: np.ndarray) -> dict[str, list[Link]]:
    """Link records (already chosen and ordered best first per src) with their reasons."""
    out: dict[str, list[Link]] = {}
    tagsets: dict[int, frozenset[str]] = {}
    ids, tags = docs.ids, docs.tags
    for s, d, w, st in zip(src.tolist(), dst.tolist(), sim.tolist(), story.tolist()):
        shared: tuple[str, ...] = ()
        if tags[s] and tags[d]:
            a = tagsets.get(s) or tagsets.setdefault(s, frozenset(tags[s]))
            b = tagsets.get(d) or tagsets.setdefault(d, frozenset(tags[d]))
            shared = tuple(sorted(a & b))
        weight = round(w, 4)
        src_id = ids[s]
        lst = out.get(src_id)
        if lst is None:
            lst = out[src_id] = []
        lst.append(Link(src_id, ids[d], weight, describe(shared, weight, st), shared, st))
    return out


def choose(docs: Docs, pairs: Pairs, cfg: LinksConfig, *, both_ways: bool) -> tuple[np.ndarray, ...]:
    """Pairs -> the chosen directed links (src, dst, sim, story), best first per src.

    ``both_ways`` when each undirected pair appears once (from-scratch search).
    """
    q, d, sim = pairs.q, pairs.d, pairs.sim
    story = story_flags(docs, q, d, sim)
    keep = (sim >= cfg.min_similarity) | story
    q, d, sim, story = q[keep], d[keep], sim[keep], story[keep]
    if both_ways:
        q, d, sim, story = (np.concatenate((q, d)), np.concatenate((d, q)),
                            np.concatenate((sim, sim)), np.concatenate((story, story)))
    pick = top_k(q, sim, story, cfg.k)
    return q[pick], d[pick], sim[pick], story[pick]


def take_rows(ptr: np.ndarray, rows: np.ndarray, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """Reorder CSR rows: returns the new ptr followed by each array's entries in row order."""
    lens = np.diff(ptr)[rows]
    new_ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lens, out=new_ptr[1:])
    idx = np.repeat(ptr[rows] - new_ptr[:-1], lens) + np.arange(int(new_ptr[-1]))
    return (new_ptr, *(a[idx] for a in arrays))


def index_cap(n_docs: int) -> int:
    """A term kept in more vectors than this is an index stop word (1%, never below 100)."""
    return max(100, n_docs // 100)


def index_stop_words(vec: Vectors, vocab_size: int, n_docs: int) -> np.ndarray:
    """Terms that survive in more than ``index_cap`` vectors (per local id).

    Such a term says little about which articles belong together, yet every
    pair of its documents must be visited: at 100,000 articles the few
    hundred of them are half of all the work of the pair search.
    """
    return np.bincount(vec.terms, minlength=vocab_size) > index_cap(n_docs)


def index_from_scratch(enc: Encoded, top_terms: int = TOP_TERMS) -> tuple[Docs, Vectors, np.ndarray, np.ndarray]:
    """Sort an encoded batch by (published, kb_id) and weigh it by its own document frequencies.

    Returns the documents, their vectors (local term ids), ``order`` (the
    position in ``enc`` of each sorted document) and the index stop words.
    """
    order = np.lexsort((id_ranks(enc.ids), enc.pub))
    df = enc.df()
    template = template_terms(enc, np.repeat(np.arange(len(enc), dtype=np.int64), np.diff(enc.ptr)))
    vec = weigh(enc, df, len(enc), top_terms, template=template)
    stop = index_stop_words(vec, len(enc.vocab), len(enc))
    if stop.any():
        # weigh again without them, so their places go to terms that tell articles apart
        vec = weigh(enc, df, len(enc), top_terms, stop, template)
    vptr, vterms, vweights = take_rows(vec.ptr, order, vec.terms, vec.weights)
    tptr, tterms = take_rows(enc.title_ptr, order, enc.title_terms)
    docs = Docs(ids=[enc.ids[i] for i in order], pub=enc.pub[order],
                sources=[enc.sources[i] for i in order], tags=[enc.tags[i] for i in order],
                title_ptr=tptr, title_terms=tterms)
    return docs, Vectors(vptr, vterms, vweights), order, stop


def id_ranks(ids: list[str]) -> np.ndarray:
    """Position of each id in sorted order: a numpy sort key for strings."""
    rank = np.empty(len(ids), dtype=np.int64)
    rank[sorted(range(len(ids)), key=ids.__getitem__)] = np.arange(len(ids))
    return rank


def search_floor(cfg: LinksConfig) -> float:
    """Pairs below this cosine can be neither a link nor a same story."""
    return min(cfg.min_similarity, SAME_STORY_TITLE_SIM)


def compute_links(items: Iterable[Features] | Encoded, cfg: LinksConfig) -> dict[str, list[Link]]:
    """Related articles from scratch: kb_id -> its top-k links, best first.

    ``items`` are Features, or an already encoded batch (``encode_articles``).
    Articles with no related article are absent from the result.
    """
    docs, vec, _, _ = index_from_scratch(items if isinstance(items, Encoded) else encode(items))
    pairs = search(np.arange(len(docs)), vec, docs.pub, cfg.window_days * DAY, search_floor(cfg),
                   earlier_only=True)
    return make_links(docs, *choose(docs, pairs, cfg, both_ways=True))

