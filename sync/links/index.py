"""Related-article links in SQLite: the index, daily incremental updates, and queries.

Contract:

- ``update_links(store, changed, scores, cfg)`` indexes the new or changed
  articles and updates every related list they affect; it returns the kb_ids
  whose related list changed (what a reader would see: targets, reasons, order),
  which are exactly the notes to rewrite. An article whose features did not
  change (same digest) costs nothing.
- Incremental means: the new articles' vectors are weighed with the stored
  document frequencies and compared against the stored vectors of the articles
  inside their time window only. Their own lists are computed in full; an old
  article's list changes only if a new article enters its top k (its stored
  ``floor`` makes that check cheap), or if it pointed at an article whose
  content changed (then its list is recomputed).
- Approximations, all undone by ``rebuild=True``: IDF is frozen per vector
  (old vectors keep the weights of the day they were indexed), and an edited
  article's terms are not recounted in the document frequencies.
- ``related`` reads lists best first; ``story_groups`` turns same-story links
  into groups named by a stable representative (the earliest article).
"""

from __future__ import annotations

import json
import os
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter

from ..config import LinksConfig
from ..models import Article, Link, Score
from . import background
from . import features as F
from . import similarity as L
from .lazy_numpy import np

_CHUNK = 500  # SQLite host parameters per IN (...)
_PARALLEL_FROM = 5000  # articles; below this worker processes cost more than they save


def rebuilds(store, changed: int, *, encoded: bool = False) -> bool:
    """Whether ``update_links`` of this many articles rebuilds the index from scratch: a batch
    at least as big as the index (a first sync, a big import) that is large, or comes with its
    features ``encoded`` (then a rebuild is only the search, and it is exact: no frozen IDF)."""
    return (encoded or changed >= _PARALLEL_FROM) and changed >= int(_get_meta(store, "n_docs", 0))


def update_links(store, changed: Sequence[Article], scores: Mapping[str, Score], cfg: LinksConfig,
                 *, rebuild: bool = False, encoded: F.Encoded | None = None) -> set[str]:
    """Index ``changed`` and update the related lists; return the kb_ids whose list changed.

    ``rebuild=True`` recomputes everything from the store's articles and scores
    (``changed`` and ``scores`` override what the store holds). A batch that is
    large and at least as big as the index (a first sync, a big import) is
    rebuilt too: from scratch each pair is visited once and tokenising runs on
    all cores, so it is faster, and the result is the same set of changes.
    ``encoded``: the features of ``changed``, in its order, encoded where they were scored
    (``features.encode_scored``); a rebuild that needs no other article uses them as they are.
    """
    if encoded is not None and encoded.ids != [a.kb_id for a in changed]:
        encoded = None   # features of other articles (or in another order) are of no use here
    if changed or rebuild:
        # the word tables weights need, as the last run kept them; features encoded by the
        # workers mean they are up, and have the tables
        background.load_from(store, from_workers=encoded is not None)
    if rebuild or rebuilds(store, len(changed), encoded=encoded is not None):
        return _rebuild(store, changed, scores, cfg, encoded)
    return _incremental(store, changed, scores, cfg)


def related(store, kb_ids: Iterable[str] | None = None) -> dict[str, list[Link]]:
    """kb_id -> its related links, best first (articles without links are absent)."""
    out: dict[str, list[Link]] = {}
    if kb_ids is None:
        rows = store.conn.execute("SELECT * FROM links ORDER BY src, rank").fetchall()
    else:
        rows = store.select_in("SELECT * FROM links WHERE src IN ({marks}) ORDER BY src, rank", sorted(set(kb_ids)))
    for r in rows:
        out.setdefault(r["src"], []).append(_link(r))
    return out


def story_groups(store, kb_ids: Iterable[str], published: Mapping[str, float] | None = None) -> dict[str, str]:
    """kb_id -> group id for every given article; same-story articles share one.

    Groups are the connected components of same-story links among the given
    articles; the group id is the earliest published member (ties: smallest
    kb_id), so it does not move when a later report joins. An article with no
    same-story partner is its own group. ``published``: the articles' publication
    times (epoch seconds, as the index keeps them) when the caller has them (a
    digest has its articles in memory); else they are read from the index.
    """
    ids = sorted(set(kb_ids))
    parent = {k: k for k in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    published = _published(store, ids) if published is None else published
    wanted = set(ids)
    for src, dst in store.select_in("SELECT src, dst FROM links WHERE same_story=1 AND src IN ({marks})", ids):
        if dst in wanted:
            a, b = find(src), find(dst)
            if a != b:
                parent[max(a, b)] = min(a, b)
    members: dict[str, list[str]] = {}
    for k in ids:
        members.setdefault(find(k), []).append(k)
    out: dict[str, str] = {}
    for group in members.values():
        head = min(group, key=lambda k: (published.get(k, float("inf")), k))
        out.update(dict.fromkeys(group, head))
    return out


# -- rebuild -----------------------------------------------------------------------

def _rebuild(store, changed: Sequence[Article], scores: Mapping[str, Score], cfg: LinksConfig,
             encoded: F.Encoded | None = None) -> set[str]:
    overrides = {a.kb_id: a for a in changed}

    # a first sync (or a big import) holds every stored article in memory: none is read back
    read_back = not overrides.keys() >= set(store.all_ids())

    def articles() -> Iterator[Article]:
        for a in store.iter_articles() if read_back else ():
            if a.kb_id not in overrides:
                yield a
        yield from overrides.values()

    # tokenising is most of a rebuild: spread it over the cores when there is enough of it
    processes = min(os.cpu_count() or 1, 4) if store.count_articles() >= _PARALLEL_FROM else 1
    if encoded is not None and not read_back:
        enc = encoded   # every article is one of ``changed``: their features came with their scores
    else:
        # the scores are read only here: features encoded with their scores need none
        all_scores = {**store.scores(), **scores}
        enc = F.encode_articles(((a, all_scores.get(a.kb_id)) for a in articles()), processes=processes)
    docs, vec, order, stop = L.index_from_scratch(enc)
    pairs = L.search(np.arange(len(docs)), vec, docs.pub, cfg.window_days * L.DAY, L.search_floor(cfg),
                     earlier_only=True)
    lists = L.make_links(docs, *L.choose(docs, pairs, cfg, both_ways=True))
    before = _signatures(store, None)
    # a list that did not exist before has changed; only the others need comparing
    changed_ids = {k for k in lists if k not in before}
    changed_ids |= {k for k, old in before.items() if old != [_sig(x) for x in lists.get(k, [])]}
    df = enc.df()
    digests = [enc.digests[i] for i in order]
    # ids in term order: the vocabulary is then written as one append-only b-tree
    by_term = sorted(range(len(enc.vocab)), key=enc.vocab.__getitem__)
    new_id = np.empty(len(enc.vocab), dtype=np.int64)
    new_id[by_term] = np.arange(len(enc.vocab))
    docs.title_terms = new_id[docs.title_terms]
    docs, vec = _as_stored(docs, L.Vectors(vec.ptr, new_id[vec.terms], vec.weights))
    with store.conn:
        store.conn.execute("DELETE FROM links")
        store.conn.execute("DELETE FROM link_docs")
        store.conn.execute("DELETE FROM link_terms")
        # secondary indexes are built once after the bulk insert, not row by row (same SQL
        # as the "links" migration)
        store.conn.execute("DROP INDEX IF EXISTS links_dst")
        store.conn.execute("DROP INDEX IF EXISTS link_docs_published")
        store.conn.executemany("INSERT INTO link_terms (term, id, df, stop) VALUES (?,?,?,?)",
                               ((enc.vocab[i], n, int(df[i]), int(stop[i])) for n, i in enumerate(by_term)))
        _set_meta(store, "next_term_id", len(enc.vocab))
        # rows in (published, kb_id) order, as ``docs`` has them: the table is then laid out in
        # time, and a daily run's window (the articles of the last months, ``_load_docs``) is
        # read from neighbouring pages, not from all over the file (100,000 articles: 0.31 ->
        # 0.22 s every daily run; the rebuild pays about 1.5 s once, its kb_id index filled
        # out of order)
        store.conn.executemany(
            "INSERT INTO link_docs (kb_id, published, source, tags, digest, terms, weights, title, floor)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            (_doc_row(docs, vec, i, digests[i], _floor(lists.get(docs.ids[i], []), cfg.k))
             for i in range(len(docs))))
        _write_lists(store, lists, replace=())
        store.conn.execute("CREATE INDEX links_dst ON links(dst)")
        store.conn.execute("CREATE INDEX link_docs_published ON link_docs(published)")
        _set_meta(store, "n_docs", len(docs))
    return changed_ids


# -- incremental -------------------------------------------------------------------

@dataclass
class _Stored:
    """Rows of link_docs loaded as columns, sorted by (published, kb_id) (``_load_docs``)."""

    ids: list[str]
    pub: list[float]
    sources: list[str]
    tags: list[tuple[str, ...]]
    floors: list[float]
    terms: list[bytes]
    weights: list[bytes]
    titles: list[bytes]


def _incremental(store, changed: Sequence[Article], scores: Mapping[str, Score], cfg: LinksConfig) -> set[str]:
    feats = {a.kb_id: F.features(a, scores.get(a.kb_id)) for a in changed}
    old_digest = _digests(store, feats)
    fresh = [feats[k] for k in sorted(feats) if old_digest.get(k) != feats[k].digest]
    if not fresh:
        return set()
    edited = {f.kb_id for f in fresh if f.kb_id in old_digest}
    enc = F.encode(fresh)
    term_ids, df, stop, n_docs, next_id = _vocabulary(store, enc, [f.kb_id not in edited for f in fresh])
    fvec = L.weigh(enc, df, n_docs, stop=stop)
    fresh_ids = {f.kb_id for f in fresh}
    # lists that pointed at an edited article are stale: recompute them in full
    dirty = sorted(linking_to(store, edited) - fresh_ids)
    window = cfg.window_days * L.DAY
    query_pubs = list(enc.pub) + list(_published(store, dirty).values())
    stored = _load_docs(store, min(query_pubs) - window, max(query_pubs) + window, exclude=fresh_ids)
    docs, vec, floors = _combine(stored, enc, fvec, term_ids)
    index = {k: i for i, k in enumerate(docs.ids)}
    queries = np.array(sorted(index[k] for k in fresh_ids | set(dirty) if k in index), dtype=np.int64)
    pairs = L.search(queries, vec, docs.pub, window, L.search_floor(cfg), earlier_only=False)
    story = L.story_flags(docs, pairs.q, pairs.d, pairs.sim)
    keep = (pairs.sim >= cfg.min_similarity) | story
    q, d, sim, story = pairs.q[keep], pairs.d[keep], pairs.sim[keep], story[keep]
    # the queries' own lists, in full
    pick = L.top_k(q, sim, story, cfg.k)
    new_lists = {docs.ids[i]: [] for i in queries.tolist()}
    new_lists.update(L.make_links(docs, q[pick], d[pick], sim[pick], story[pick]))
    # other articles: a new or edited article enters their list only if it beats their k-th
    # link (a recomputed "dirty" list changes nobody else's)
    is_query = np.zeros(len(docs), dtype=bool)
    is_query[queries] = True
    is_fresh = np.zeros(len(docs), dtype=bool)
    is_fresh[[index[k] for k in fresh_ids]] = True
    enters = is_fresh[q] & ~is_query[d] & ((sim + 2.0 * story) >= floors[d])
    offers = L.make_links(docs, d[enters], q[enters], sim[enters], story[enters])
    current = related(store, list(offers))
    for src, extra in offers.items():
        best: dict[str, Link] = {}
        for x in current.get(src, []) + extra:
            best.setdefault(x.dst, x)
        merged = sorted(best.values(), key=lambda x: (not x.same_story, -x.weight, x.dst))
        new_lists[src] = merged[:cfg.k]
    before = _signatures(store, list(new_lists))
    changed_ids = {k for k, v in new_lists.items() if before.get(k, []) != [_sig(x) for x in v]}
    docs, vec = _as_stored(docs, vec)
    rows = [_doc_row(docs, vec, index[f.kb_id], f.digest, _floor(new_lists.get(f.kb_id, []), cfg.k))
            for f in fresh]
    with store.conn:
        _save_vocabulary(store, enc, term_ids, df)
        store.conn.executemany(
            "INSERT OR REPLACE INTO link_docs (kb_id, published, source, tags, digest, terms, weights, title,"
            " floor) VALUES (?,?,?,?,?,?,?,?,?)", rows)
        lists = {k: new_lists[k] for k in changed_ids}
        _write_lists(store, lists, replace=lists)
        store.conn.executemany("UPDATE link_docs SET floor=? WHERE kb_id=?",
                               [(_floor(v, cfg.k), k) for k, v in lists.items() if k not in fresh_ids])
        _set_meta(store, "n_docs", n_docs)
        _set_meta(store, "next_term_id", next_id)
    return changed_ids


def _vocabulary(store, enc: F.Encoded,
                counted: list[bool]) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Stable term ids and document frequencies for the batch's vocabulary.

    Returns (id per local term, df per local term including this batch's
    new articles, index stop words, number of documents counted, next free
    id). Unknown terms get fresh ids.
    """
    known: dict[str, tuple[int, int]] = {}
    stop = np.zeros(len(enc.vocab), dtype=bool)
    position = {t: i for i, t in enumerate(enc.vocab)}
    for term, tid, df, is_stop in store.select_in(
            "SELECT term, id, df, stop FROM link_terms WHERE term IN ({marks})", enc.vocab):
        known[term] = (tid, df)
        stop[position[term]] = bool(is_stop)
    next_id = int(_get_meta(store, "next_term_id", 0))
    ids = np.empty(len(enc.vocab), dtype=np.int64)
    df = np.zeros(len(enc.vocab), dtype=np.int64)
    for i, term in enumerate(enc.vocab):
        if term in known:
            ids[i], df[i] = known[term]
        else:
            ids[i], next_id = next_id, next_id + 1
    rows = np.repeat(np.arange(len(enc)), np.diff(enc.ptr))
    new_rows = np.asarray(counted, dtype=bool)[rows] if len(rows) else np.zeros(0, dtype=bool)
    df += np.bincount(enc.terms[new_rows], minlength=len(enc.vocab))
    n_docs = int(_get_meta(store, "n_docs", 0)) + sum(counted)
    return ids, df, stop, n_docs, next_id


def _save_vocabulary(store, enc: F.Encoded, ids: np.ndarray, df: np.ndarray) -> None:
    store.conn.executemany(
        "INSERT INTO link_terms (term, id, df) VALUES (?,?,?) ON CONFLICT(term) DO UPDATE SET df=excluded.df",
        zip(enc.vocab, ids.tolist(), df.tolist()))


def _combine(stored: _Stored, enc: F.Encoded, fvec: L.Vectors,
             term_ids: np.ndarray) -> tuple[L.Docs, L.Vectors, np.ndarray]:
    """Stored rows + the fresh batch -> one set of Docs/Vectors sorted by (published, kb_id).

    The stored rows come in that order (``_load_docs``); the fresh ones are sorted and each
    is put in its place, found by binary search. Why: sorting and gathering the whole
    window (48,000 rows in a daily run of a 100,000-note vault) to place 200 cost 0.1-0.2 s.
    """
    fresh = np.lexsort((L.id_ranks(enc.ids), enc.pub)) if len(enc) else np.zeros(0, dtype=np.int64)
    order = fresh.tolist()
    # where each fresh row goes: before the stored rows that sort after it (ids never repeat)
    at = np.array([bisect_left(range(len(stored.ids)), (float(enc.pub[j]), enc.ids[j]),
                               key=lambda k: (stored.pub[k], stored.ids[k])) for j in order], dtype=np.int64)
    positions = at.tolist()

    def placed(rows: list, column: list) -> list:
        return _insert(rows, positions, [column[j] for j in order])

    f_vptr, f_terms, f_weights = L.take_rows(fvec.ptr, fresh, term_ids[fvec.terms], fvec.weights)
    f_tptr, f_titles = L.take_rows(enc.title_ptr, fresh, term_ids[enc.title_terms])
    vptr, terms, weights = _insert_rows([len(b) // 8 for b in stored.terms], at, f_vptr,
                                        (b"".join(stored.terms), np.int64, f_terms),
                                        (b"".join(stored.weights), np.float32, f_weights))
    tptr, titles = _insert_rows([len(b) // 8 for b in stored.titles], at, f_tptr,
                                (b"".join(stored.titles), np.int64, f_titles))
    pub = np.insert(np.array(stored.pub, dtype=np.float64), at, enc.pub[fresh])
    docs = L.Docs(ids=placed(stored.ids, enc.ids), pub=pub, sources=placed(stored.sources, enc.sources),
                  tags=placed(stored.tags, enc.tags), title_ptr=tptr, title_terms=titles)
    floors = np.insert(np.array(stored.floors, dtype=np.float64), at, -1.0)
    return docs, L.Vectors(vptr, terms, weights), floors


def _insert_rows(lengths: list[int], at: np.ndarray, f_ptr: np.ndarray,
                 *columns: tuple[bytes, type, np.ndarray]) -> tuple[np.ndarray, ...]:
    """CSR rows (their ``lengths``) with fresh rows (``f_ptr``, in order) inserted before the
    rows at ``at`` (``similarity.take_rows``' counterpart): the new ptr, then each column's
    entries. A column is (the stored entries packed, their dtype, the fresh entries)."""
    f_lengths = np.diff(f_ptr)
    where = np.repeat(F._ptr(lengths)[at], f_lengths)
    merged = F._ptr(np.insert(np.asarray(lengths, dtype=np.int64), at, f_lengths))
    return (merged, *(np.insert(np.frombuffer(flat, dtype=dtype), where, fresh.astype(dtype, copy=False))
                      for flat, dtype, fresh in columns))


def _insert(rows: list, at: list[int], fresh: list) -> list:
    """``rows`` with each of ``fresh`` put before the row at its position (positions ascending)."""
    out: list = []
    done = 0
    for position, item in zip(at, fresh):
        out += rows[done:position]
        out.append(item)
        done = position
    out += rows[done:]
    return out


def _load_docs(store, since: float, until: float, *, exclude: set[str]) -> _Stored:
    """The stored vectors published in [since, until], minus ``exclude``, as columns, sorted by
    (published, kb_id)."""
    cur = store.conn.execute("SELECT kb_id, published, source, tags, floor, terms, weights, title"
                             " FROM link_docs WHERE published BETWEEN ? AND ? ORDER BY published",
                             (since, until))
    cur.row_factory = None  # plain tuples: transposed in C below
    rows = [r for r in cur.fetchall() if r[0] not in exclude]
    # the published index gives that order; the ties are put in kb_id order here, where sorting
    # rows nearly in order is one pass (6 ms for 48,000, where SQLite's took 25)
    rows.sort(key=itemgetter(1, 0))
    if not rows:
        return _Stored([], [], [], [], [], [], [], [])
    ids, pub, sources, tags, floors, terms, weights, titles = map(list, zip(*rows))
    return _Stored(ids, pub, sources, list(map(_tags_from_json, tags)), floors, terms, weights, titles)


@lru_cache(maxsize=4096)
def _tags_from_json(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


# -- small helpers -------------------------------------------------------------------

def _doc_row(docs: L.Docs, vec: L.Vectors, i: int, digest: str, floor: float) -> tuple:
    """One link_docs row; ``vec``/``docs`` arrays must already be int64 / float32."""
    a, b = vec.ptr[i], vec.ptr[i + 1]
    title = docs.title_terms[docs.title_ptr[i]:docs.title_ptr[i + 1]]
    return (docs.ids[i], float(docs.pub[i]), docs.sources[i], _tags_json(tuple(docs.tags[i])),
            digest, vec.terms[a:b].tobytes(), vec.weights[a:b].tobytes(), title.tobytes(), floor)


def _as_stored(docs: L.Docs, vec: L.Vectors) -> tuple[L.Docs, L.Vectors]:
    docs.title_terms = docs.title_terms.astype(np.int64)
    return docs, L.Vectors(vec.ptr, vec.terms.astype(np.int64), vec.weights.astype(np.float32))


def _floor(lst: Sequence[Link], k: int) -> float:
    """The rank value a newcomer must reach to enter a list (-1 while the list has room)."""
    if k <= 0:
        return float("inf")
    if len(lst) < k:
        return -1.0
    last = lst[k - 1]
    return last.weight + (2.0 if last.same_story else 0.0)


def _write_lists(store, lists: Mapping[str, Sequence[Link]], replace: Iterable[str]) -> None:
    replace = sorted(replace)
    for chunk in _chunks(replace):
        store.conn.execute(f"DELETE FROM links WHERE src IN ({_marks(chunk)})", chunk)
    # rows in key order: the primary-key b-tree is then appended to, not split all over
    store.conn.executemany(
        "INSERT INTO links (src, rank, dst, weight, reason, shared_tags, same_story) VALUES (?,?,?,?,?,?,?)",
        ((x.src, rank, x.dst, x.weight, x.reason, _tags_json(x.shared_tags), int(x.same_story))
         for src in sorted(lists) for rank, x in enumerate(lists[src])))


@lru_cache(maxsize=4096)
def _tags_json(tags: tuple[str, ...]) -> str:
    return json.dumps(list(tags), ensure_ascii=False)


def _link(r) -> Link:
    return Link(src=r["src"], dst=r["dst"], weight=r["weight"], reason=r["reason"],
                shared_tags=tuple(json.loads(r["shared_tags"])), same_story=bool(r["same_story"]))


def _sig(x: Link) -> tuple:
    """What a reader sees of a link: a change here means the note must be rewritten.

    The same tuple as a stored row gives (see ``_signatures``), without building Links.
    """
    return (x.dst, x.reason, _tags_json(tuple(x.shared_tags)), int(x.same_story))


def _signatures(store, kb_ids: list[str] | None) -> dict[str, list[tuple]]:
    sql = "SELECT src, dst, reason, shared_tags, same_story FROM links"
    if kb_ids is None:
        rows = store.conn.execute(sql + " ORDER BY src, rank").fetchall()
    else:
        rows = store.select_in(sql + " WHERE src IN ({marks}) ORDER BY src, rank", sorted(set(kb_ids)))
    out: dict[str, list[tuple]] = {}
    for r in rows:
        out.setdefault(r[0], []).append((r[1], r[2], r[3], r[4]))
    return out


def _doc_column(store, column: str, kb_ids: Iterable[str]) -> dict[str, object]:
    """kb_id -> one column of link_docs (digest, published)."""
    return dict(store.select_in(f"SELECT kb_id, {column} FROM link_docs WHERE kb_id IN ({{marks}})", kb_ids))


def _digests(store, kb_ids: Iterable[str]) -> dict[str, str]:
    return _doc_column(store, "digest", kb_ids)


def _published(store, kb_ids: Iterable[str]) -> dict[str, float]:
    return _doc_column(store, "published", kb_ids)


def linking_to(store, dsts: Iterable[str]) -> set[str]:
    """The articles whose related list points at any of ``dsts``."""
    return {r[0] for r in store.select_in("SELECT DISTINCT src FROM links WHERE dst IN ({marks})", sorted(dsts))}


def _get_meta(store, key: str, default: object) -> object:
    row = store.conn.execute("SELECT value FROM link_meta WHERE key=?", (key,)).fetchone()
    return json.loads(row[0]) if row else default


def _set_meta(store, key: str, value: object) -> None:
    store.conn.execute("INSERT INTO link_meta (key, value) VALUES (?,?) ON CONFLICT(key) DO UPDATE SET"
                       " value=excluded.value", (key, json.dumps(value)))


def _chunks(items: Sequence[str]) -> Iterator[list[str]]:
    items = list(items)
    for i in range(0, len(items), _CHUNK):
        yield items[i:i + _CHUNK]


def _marks(chunk: Sequence[object]) -> str:
    return ",".join("?" * len(chunk))


def neighbours(store, kb_ids: Iterable[str]) -> dict[str, set[str]]:
    """kb_id -> the articles linked to it in either direction (its list, and lists naming it)."""
    ids = sorted(set(kb_ids))
    out: dict[str, set[str]] = {k: set() for k in ids}
    for r in store.select_in("SELECT src, dst FROM links WHERE src IN ({marks})", ids):
        out[r[0]].add(r[1])
    for r in store.select_in("SELECT src, dst FROM links WHERE dst IN ({marks})", ids):
        out[r[1]].add(r[0])
    return out
