"""Categories learned from the reader's corrections: nearest centroid over the articles they filed.

When the reader changes an article's ``category`` (in a note, or in Notion),
that choice is a label. Later articles like it should follow it, without the
reader writing keyword lists.

Contract (pure; deterministic):

- ``CategoryLearner.from_filed(articles, filed)`` takes the articles and
  ``filed`` (kb_id -> the category the reader chose) and builds one centroid
  per category: the mean of the filed articles' unit term vectors (title
  terms 3x, summary 1.5x, the lead of the body 1x; the linker's terms, so
  English and Chinese alike), each term weighed by its background IDF
  (``links.background``), so the weights never depend on a batch.
- ``suggest(article)`` is ``(category, similarity)`` of the nearest centroid,
  or None when no centroid reaches ``MIN_SIMILARITY``: an article unlike
  anything the reader filed keeps the keyword rules' category.
- ``from_store(store)`` reads the reader's latest ``category`` edit per article
  from the edits journal (``edits.overlay.reader_categories``), so a
  correction made in Obsidian or Notion teaches every later run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..edits.overlay import reader_categories
from ..links import background
from ..links.features import tokens
from ..models import Article
from ..text import plain_text

MIN_SIMILARITY = 0.08
BODY_CHARS = 1500


def vector(article: Article) -> dict[str, float]:
    """The article's unit term vector with background IDF (see the module docstring)."""
    bag: dict[str, float] = {}
    body = plain_text(article.content)[:BODY_CHARS]
    for text, weight in ((article.title, 3.0), (article.summary, 1.5), (body, 1.0)):
        for term, n in tokens(text).items():
            bag[term] = bag.get(term, 0.0) + weight * n
    terms = sorted(bag)
    prob = background.doc_probability(terms)
    out = {}
    for term, p in zip(terms, prob.tolist()):
        # background IDF with a floor: a word in half of all text says little about a category
        idf = -math.log(min(max(p, 1e-4), 0.999))
        if idf > 0.7:
            out[term] = (1.0 + math.log(bag[term])) * idf
    norm = math.sqrt(sum(w * w for w in out.values())) or 1.0
    return {t: w / norm for t, w in out.items()}


@dataclass(frozen=True)
class CategoryLearner:
    centroids: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]   # category -> sorted (term, weight)

    @staticmethod
    def from_filed(articles: Iterable[Article], filed: Mapping[str, str]) -> CategoryLearner:
        sums: dict[str, dict[str, float]] = {}
        counts: dict[str, int] = {}
        for a in sorted((a for a in articles if a.kb_id in filed), key=lambda a: a.kb_id):
            category = filed[a.kb_id]
            acc = sums.setdefault(category, {})
            for term, w in vector(a).items():
                acc[term] = acc.get(term, 0.0) + w
            counts[category] = counts.get(category, 0) + 1
        centroids = []
        for category in sorted(sums):
            norm = math.sqrt(sum(w * w for w in sums[category].values())) or 1.0
            centroids.append((category, tuple(sorted((t, w / norm) for t, w in sums[category].items()))))
        return CategoryLearner(tuple(centroids))

    @staticmethod
    def from_store(store) -> CategoryLearner | None:
        """The learner for the reader's category edits in ``store`` (None when there are none)."""
        filed = reader_categories(store)
        if not filed:
            return None
        background.load_from(store)   # the word tables, as the last run kept them
        return CategoryLearner.from_filed(store.get_articles(sorted(filed)).values(), filed)

    def __bool__(self) -> bool:
        return bool(self.centroids)

    def similarities(self, article: Article) -> dict[str, float]:
        """category -> cosine of the article to the reader's filed articles of it."""
        vec = vector(article)
        return {category: sum(w * vec.get(t, 0.0) for t, w in weights) for category, weights in self.centroids}

    def suggest(self, article: Article) -> tuple[str, float] | None:
        best: tuple[str, float] | None = None
        for category, sim in self.similarities(article).items():
            if sim >= MIN_SIMILARITY and (best is None or sim > best[1] + 1e-9):
                best = (category, sim)
        return best
