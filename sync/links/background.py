"""How common a term is in language at large: document frequencies that do not depend on the batch.

Why: term weights from the corpus alone collapse on a small corpus. In 30
articles nearly every term is found in one document, so a term two articles
share weighs *less* than the one-off words around it, and related articles
fall under the similarity threshold. Background frequencies (``wordfreq``:
English and Chinese word frequencies from many sources, shipped inside the
package) say that "results" or "发布" are common and "Muon" or "稀疏" are not,
whatever the batch.

Contract (pure after the one-time load; deterministic):

- ``doc_probability(vocab)`` gives, per term of the linker's vocabulary
  (``links.features`` terms: stemmed Latin words, CJK character bigrams,
  ``#tags``), the probability that an article of ``DOC_TOKENS`` tokens
  contains it: ``1 - exp(-DOC_TOKENS * p)`` where ``p`` is the term's
  frequency per token in the background. A Latin term absent from the
  background is rare (0). A CJK bigram absent from the Chinese word list
  mostly straddles two words ("型发" in "模型发布"): ``UNSEEN_CJK``. Tags: 0.
- ``PSEUDO_DOCS`` is how many background documents are blended with the
  corpus: ``df_eff = df + PSEUDO_DOCS * p_doc`` among ``n + PSEUDO_DOCS``. On
  30 articles the background dominates; at 100,000 it is a rounding error, so
  the large-corpus behaviour (and the incremental index) is unchanged.
- Without ``wordfreq`` installed every probability is 0: the corpus alone decides.
- The tables are built once per process, or read from the store where an earlier run
  kept them (``load_from``): the same tables either way.
"""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .lazy_numpy import np

DOC_TOKENS = 300
DOC_TOKENS_CJK = 300
PSEUDO_DOCS = 300
UNSEEN_CJK = 0.1
_CJK = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]+$")


@dataclass(frozen=True)
class _Tables:
    latin: dict[str, float]     # Latin term -> frequency
    bigrams: dict[str, float]   # CJK bigram -> frequency
    words: frozenset[str]       # Chinese words of two or more characters (``cjk_words``)


_loaded: list[_Tables] = []   # this process's tables, once built or read (``load_from``)
_CACHE_NAME = "links.background"


def _tables() -> tuple[dict[str, float], dict[str, float]]:
    """(Latin term -> frequency, CJK bigram -> frequency), built once per process (~0.2 s)."""
    tables = _get()
    return tables.latin, tables.bigrams


def _get() -> _Tables:
    if not _loaded:
        _loaded.append(_build())
    return _loaded[0]


def _build() -> _Tables:
    try:
        from wordfreq import get_frequency_dict
    except ImportError:   # pragma: no cover - wordfreq is a dependency; kept usable without it
        return _Tables({}, {}, frozenset())
    from .features import _CJK_STOP, _latin_term

    latin: dict[str, float] = {}
    for word, freq in get_frequency_dict("en", wordlist="small").items():
        term = _latin_term(word) if word.isascii() else None
        if term is not None:
            latin[term] = latin.get(term, 0.0) + freq
    bigrams: dict[str, float] = {}
    words = []
    for word, freq in get_frequency_dict("zh", wordlist="small").items():
        if len(word) < 2 or not _CJK.match(word):
            continue
        words.append(word)
        for a, b in zip(word, word[1:]):
            if a not in _CJK_STOP and b not in _CJK_STOP:
                bigrams[a + b] = bigrams.get(a + b, 0.0) + freq
    return _Tables(latin, bigrams, frozenset(words))


def load() -> None:
    """Build the tables now (the worker processes' fork server does, so every worker forked
    from it starts with them instead of building its own: ~0.3-0.6 s of CPU each)."""
    _get()


def load_from(store, *, from_workers: bool = False) -> None:
    """The tables read from the store's copy (``Store.derived``), or built and kept there.

    Why: building them imports wordfreq and stems its word lists, 0.2-0.3 s, in every run
    that links or names a trend; a daily sync of a large vault has 2 s in all. Reading
    them back takes about 10 ms. The copy is used only while its key holds: the code
    that derives them (this module, ``features``' stemmer) and wordfreq's lists unchanged.

    ``from_workers``: the caller's worker processes are running (their fork server has
    the tables: ``links.warm``), so when there is no copy one of them hands its tables
    over (``packed``) instead of this process building them. A first sync waited on that
    build with one core idle.
    """
    if _loaded:
        return
    key = _derived_from()
    if key is None:
        _get()   # no wordfreq: nothing worth keeping
        return
    tables = _decode(store.derived(_CACHE_NAME, key))
    if tables is None:
        blob = _handed_over() if from_workers else None
        tables = _decode(blob)
        if tables is None:   # built here: no workers, or none could hand them over
            tables = _build()
            blob = _pack(tables)
        store.set_derived(_CACHE_NAME, key, blob)
    _loaded.append(tables)


def packed(_: object = None) -> bytes:
    """This process's tables as the store keeps them (run in a worker: ``load_from``)."""
    return _pack(_get())


def _pack(tables: _Tables) -> bytes:
    return zlib.compress(marshal.dumps((tables.latin, tables.bigrams, sorted(tables.words))), 1)


def _handed_over() -> bytes | None:
    from ..parallel import Background

    try:
        return Background(packed, None).result()
    except Exception:   # a worker that cannot start or died: the tables are built here instead
        return None


def _decode(blob: bytes | None) -> _Tables | None:
    if blob is None:
        return None
    try:
        latin, bigrams, words = marshal.loads(zlib.decompress(blob))
    except (ValueError, EOFError, TypeError, zlib.error):
        return None   # unreadable: built again, and the copy replaced
    return _Tables(latin, bigrams, frozenset(words))


def _derived_from() -> str | None:
    """A fingerprint of what the tables are derived from; None without wordfreq."""
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or spec.origin is None:
        return None
    package = Path(spec.origin).parent
    digest = hashlib.sha256()
    for source in (Path(__file__), Path(__file__).with_name("features.py")):
        digest.update(source.read_bytes())
    for path in (package / "__init__.py", package / "data" / "small_en.msgpack.gz",
                 package / "data" / "small_zh.msgpack.gz"):
        try:
            stat = path.stat()
        except OSError:
            return None
        digest.update(f"{path.name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _probability(term: str, latin: dict[str, float], bigrams: dict[str, float]) -> float:
    if term.startswith("#"):
        return 0.0
    if len(term) == 2 and _CJK.match(term):
        freq = bigrams.get(term)
        return UNSEEN_CJK if freq is None else 1.0 - math.exp(-DOC_TOKENS_CJK * freq)
    freq = latin.get(term, 0.0)
    return 1.0 - math.exp(-DOC_TOKENS * freq)


def doc_probability(vocab: Sequence[str]) -> np.ndarray:
    """Per term, the background probability that an article contains it (see the module docstring)."""
    latin, bigrams = _tables()
    if not latin and not bigrams:
        return np.zeros(len(vocab), dtype=np.float64)
    return np.fromiter((_probability(t, latin, bigrams) for t in vocab), dtype=np.float64, count=len(vocab))


def blended_idf(df: np.ndarray, n_docs: int, vocab: Sequence[str]) -> np.ndarray:
    """IDF from the corpus document frequencies blended with the background (float32)."""
    df_eff = df.astype(np.float64) + PSEUDO_DOCS * doc_probability(vocab)
    return np.log((1.0 + n_docs + PSEUDO_DOCS) / (1.0 + df_eff)).astype(np.float32)


def word_frequency(word: str) -> float:
    """The background frequency of one English word (stemmed like the linker's terms; 0 if unknown)."""
    from .features import _latin_term

    term = _latin_term(word.casefold())
    return _tables()[0].get(term, 0.0) if term else 1.0


def cjk_words() -> frozenset[str]:
    """The Chinese words of two or more characters the background knows (for telling a word,
    "系统工程", from a cut through two, "统工"); empty without ``wordfreq``."""
    return _get().words
