"""The offline scorer: deterministic, explainable, no network.

Score (0-100) = base 46
  + interests   up to 30  (12 per configured interest in the title, 6 per one only in the text;
                           with no ``interests`` configured, the lexicon's topics stand for them:
                           10 per key-phrase topic in the title, 5 per one only in the feed's summary)
  + source      up to 15  (the feed's weight: 1.0 -> 10)
  + coverage    up to 16  (8 per extra source that carried the same story)
  + depth       up to 15  (log of the length in reading units, counted in steps of 25; Chinese counts fairly)
A score depends only on the article and the config: the same article scores
the same alone, in a backlog, in any order, on any day, and after a typo fix
(length is counted in steps, so one word more or less does not move it).
There is no recency term: freshness is what the daily and weekly digests are
for, and an age measured from the batch (or the clock) changed tiers by itself.

Category (``scoring/taxonomy.py``): the category whose keywords hit most (a
hit in the title or in the feed's own categories counts double; ties go to
the category listed first). Keywords are
the configured ``category_keywords``, else the words of the category's name
and of the concepts it names; with no categories configured, the default
AI/tech taxonomy. When the reader has filed articles (``learned``), the
nearest of their categories wins over the keywords. No hit at all: ``Other``.
Tags: the feed's own categories (not the ones naming a section of the site,
"News", "Blog", "Press Release", or the feed itself), the interests that matched and the key
phrases found (``phrases``), folded to one spelling (``tags.fold_tag``), at
most ``TAGS`` (or ``max_tags`` when lower). Summary and key points:
``extract.py`` (the first real sentence of prose; then distinct sentences
that add to it, at most five).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import cached_property
from typing import TypeVar

from ..config import ScoringConfig
from ..models import Article, Score
from ..parallel import map_maybe_parallel
from ..tags import MAX_TAG_CHARS, fold_tags
from ..text import TermMatcher, plain_text, reading_units
from . import extract
from .learned import MIN_SIMILARITY, CategoryLearner
from ..phrases import AMBIGUOUS_NAMES, NAMES, TECH_CONTEXT, topic_matcher
from .everyday import EVERYDAY
from .repeats import Boilerplate, without_opening
from .taxonomy import AI_CONTEXT, HEADLINE_ONLY, OTHER, category_contexts, category_rules

T = TypeVar("T")
_NO_BOILERPLATE = Boilerplate(frozenset())
PARALLEL_MIN = 2000   # articles; below this, worker start-up costs more than it saves
CHUNK = 500
SUMMARY_CHARS = 220
POINT_CHARS = 200
MAX_POINTS = 5
BASE = 46
DEPTH_STEP = 25   # reading units: length counts in steps, so a typo fix never moves a score
TAGS = 5          # a few telling tags per note, not a list
LEARNED_WEIGHT = 4.0   # a cosine of 0.25 to the reader's filed articles weighs as much as the best keyword score


def tier_for(score: int, cfg: ScoringConfig) -> str:
    if score >= cfg.must_read:
        return "must-read"
    if score >= cfg.worth_reading:
        return "worth-reading"
    return "skim"


class NameFinder:
    """The tags of the names (``phrases.NAMES``) a text gives, in the order it first gives them.

    Unlike a ``TermMatcher`` term, a name counts only as written: its case, and a whole word
    ("Meta" is not in "Metaverse", "meta-analysis" or "Meta-learning"; "GPT" is in "GPT-4o" and
    not in "ChatGPT"). A name in Chinese, which has no word breaks, counts anywhere.
    """

    def __init__(self, names: Mapping[str, Sequence[str]]):
        self._tag = {name: tag for tag, written in names.items() for name in written}
        # the longest name first: "Google DeepMind" is DeepMind's, not Google's
        longest = sorted(self._tag, key=len, reverse=True)
        latin = "|".join(re.escape(n) for n in longest if n.isascii())
        other = "|".join(re.escape(n) for n in longest if not n.isascii())
        self._pattern = re.compile("|".join(filter(None, (
            latin and rf"(?<![\w-])(?:{latin})(?!\w|-[^\W\d_])", other and f"(?:{other})"))))

    def found(self, text: str) -> list[str]:
        return list(dict.fromkeys(self._tag[m.group()] for m in self._pattern.finditer(text)))


def _score_chunk(job: tuple[HeuristicScorer, Sequence[Article], Callable[..., T] | None]) -> tuple[list[Score], T | None]:
    scorer, articles, then = job
    scores = [scorer.score_one(a) for a in articles]
    return scores, (then(articles, scores) if then is not None else None)


class HeuristicScorer:
    name = "heuristic"

    def __init__(self, cfg: ScoringConfig, source_weights: Mapping[str, float] | None = None,
                 learner: CategoryLearner | None = None, repeats: Mapping[str, Boilerplate] | None = None):
        """``repeats``: per source, what it repeats in every post (``repeats.for_sources``): its
        lines are no summary and no key point, and its opening is not read at all."""
        self.cfg = cfg
        self.source_weights = dict(source_weights or {})
        self.learner = learner or None
        self.repeats = dict(repeats or {})

    @property
    def _phrases(self) -> tuple[TermMatcher, dict[str, str]]:
        return topic_matcher()

    @cached_property
    def _names(self) -> tuple[NameFinder, TermMatcher]:
        # an ambiguous name needs a word about AI or technology beside it, not the name itself
        # ("claude" is an AI word: Claude Monet's article has it)
        own = {name.casefold() for written in NAMES.values() for name in written}
        return NameFinder(NAMES), TermMatcher([w for w in (*AI_CONTEXT, *TECH_CONTEXT) if w not in own])

    @cached_property
    def _interests(self) -> TermMatcher:
        return TermMatcher(self.cfg.interests)

    @cached_property
    def _needs_ai(self) -> frozenset[str]:
        # categories whose keywords count only beside a word about AI (taxonomy.AI_CONTEXT)
        return category_contexts(self.cfg.categories, dict(self.cfg.category_keywords))

    @cached_property
    def _ai(self) -> TermMatcher:
        return TermMatcher(AI_CONTEXT)

    @cached_property
    def _chosen(self) -> frozenset[str]:
        # the keywords the reader configured: the taxonomy's special cases below never apply to them
        return frozenset(word.casefold() for words in dict(self.cfg.category_keywords).values() for word in words)

    @cached_property
    def _everyday(self) -> frozenset[str]:
        # the lexicon's everyday words (everyday.py), but not a keyword the reader configured
        return EVERYDAY - self._chosen

    @cached_property
    def _headline_only(self) -> frozenset[str]:
        # the taxonomy's title-only keywords (taxonomy.HEADLINE_ONLY), but not one the reader configured
        return HEADLINE_ONLY - self._chosen

    @cached_property
    def _rules(self) -> tuple[TermMatcher, list[tuple[str, tuple[str, ...]]], dict[str, list[str]]]:
        # configured order breaks ties; categories without keywords get their name's (taxonomy.py)
        rules = category_rules(self.cfg.categories, dict(self.cfg.category_keywords))
        keywords = [w for _, words in rules for w in words]
        owners: dict[str, list[str]] = {}
        for category, words in rules:
            for word in words:   # a word listed twice for a category counts twice, as it always did
                owners.setdefault(word, []).append(category)
        return TermMatcher(keywords), rules, owners

    def score(self, articles: Sequence[Article]) -> list[Score]:
        return self.score_and(articles)[0]

    def score_and(self, articles: Sequence[Article],
                  then: Callable[[Sequence[Article], list[Score]], T] | None = None,
                  each: Callable[[list[Score]], object] | None = None) -> tuple[list[Score], list[T]]:
        """The scores, in order, and ``then(chunk, its scores)`` for each chunk of articles, in
        order: work that needs the article and its score is done in the worker that has both
        (``then`` must be picklable: a module-level function), so the article crosses once.
        ``each(scores)`` is called in this process with each chunk's scores as they come, in
        order, while the workers score the next chunks (the caller saves them meanwhile)."""
        if not articles:
            return [], []
        # a big batch (a first sync) is scored on every core, in order-keeping chunks
        chunks = [(self, articles[i:i + CHUNK], then) for i in range(0, len(articles), CHUNK)]
        parts = []
        for part in map_maybe_parallel(_score_chunk, chunks, parallel=len(articles) >= PARALLEL_MIN):
            if each is not None:
                each(part[0])
            parts.append(part)
        return [score for scores, _ in parts for score in scores], [extra for _, extra in parts if then is not None]

    def score_one(self, article: Article, as_of: datetime | None = None) -> Score:
        """One article's score; ``as_of`` is accepted for old callers and ignored (no recency)."""
        title = article.title.casefold()
        body_text = plain_text(article.content) or article.summary
        body = (article.summary + " " + body_text).casefold()
        # what the article says itself (its summary, key points and topics) is read without the page
        # chrome its feed opens every post with; the category and the score weigh the whole text, as
        # words the feed says of every post ("The Batch AI News and Insights:") tell what it is about
        repeated = self.repeats.get(article.source, _NO_BOILERPLATE)
        lead, content = article.summary, article.content
        if repeated.openings:
            lead, content = without_opening(lead, repeated.openings), without_opening(content, repeated.openings)

        title_hits = self._interests.found(title)
        body_hits = self._interests.found(body)
        matched = [t for t in self._interests.terms if t in title_hits or t in body_hits]
        in_title = len(title_hits)
        headline, in_lead = self._topics(title, lead)
        if self._interests.terms:
            interests = min(30, 12 * in_title + 6 * (len(matched) - in_title))
        else:
            # a feeds-only config: without this every article scored 56-71 (all "skim", no must-read),
            # as "everything is Other" was for categories; the lexicon is the default interest list
            interests = min(30, 10 * len(headline) + 5 * len(in_lead))
        weight = self.source_weights.get(article.source, 1.0)
        source = min(15.0, 10.0 * weight)
        coverage = min(16, 8 * max(0, len(article.sources) - 1))
        units = reading_units(body_text or article.title) // DEPTH_STEP * DEPTH_STEP
        depth = min(15, int(15.0 * math.log1p(units) / math.log1p(600)))
        total = max(0, min(100, int(round(BASE + interests + source + coverage + depth))))

        tags = self._tags(article, matched, headline + in_lead)
        skip = repeated.lines
        summary = extract.summary(lead, content, article.title, SUMMARY_CHARS, skip=skip)
        return Score(
            kb_id=article.kb_id, content_hash=article.content_hash, backend=self.name,
            score=total, tier=tier_for(total, self.cfg), category=self._category(article, title, body),
            tags=tags or fold_tags(self._named(article.title, lead, body), limit=self._limit),
            summary=summary, key_points=extract.key_points(content, summary, article.title,
                                                           limit=MAX_POINTS, chars=POINT_CHARS, skip=skip))

    def _category(self, article: Article, title: str, body: str) -> str:
        matcher, rules, owners = self._rules
        # the feed's own <category> elements ("Security", "Research", "Product") say what the
        # article is about as plainly as its title does: they count like title words
        in_title = matcher.found(title) | matcher.found(" ; ".join(article.categories).casefold())
        in_body = matcher.found(body) - self._headline_only
        hits = dict.fromkeys((c for c, _ in rules), 0)
        word_of: dict[str, str] = {}
        for word in in_title | in_body:
            for category in owners[word]:
                hits[category] += 2 * (word in in_title) + (word in in_body)
                word_of[category] = word
        # whether the article says anything about AI is asked once, and only when a category depends on it
        doubtful = [c for c in self._needs_ai if hits.get(c)]
        weak = [c for c, n in hits.items() if n == 1 and word_of[c] in self._everyday]
        if (doubtful or weak) and not (self._ai.found(title) or self._ai.found(body)):
            for category in doubtful:
                hits[category] = 0     # "video games", "music": everyday words, no AI around them
            if "```" not in article.content:
                # one everyday word of the text, and no block of code either: "training" in a baseball
                # column, "power" in a stats one, "product" in a pet-food review, a sponsor's "use code
                # ATP" in a podcast's notes
                for category in weak:
                    hits[category] = 0
        top = max(hits.values(), default=0)
        # keyword hits (relative to the best) plus the likeness to what the reader filed there
        sims = self.learner.similarities(article) if self.learner else {}
        value = {c: (h / top if top else 0.0) + LEARNED_WEIGHT * sims.get(c, 0.0) for c, h in hits.items()}
        value.update({c: LEARNED_WEIGHT * s for c, s in sims.items() if c not in value})
        best, best_value = OTHER, 0.0
        for category in [c for c, _ in rules] + sorted(c for c in sims if c not in hits):
            # the order of the rules breaks ties; a learned similarity alone counts above MIN_SIMILARITY
            enough = hits.get(category, 0) > 0 or sims.get(category, 0.0) >= MIN_SIMILARITY
            if enough and value[category] > best_value + 1e-9:
                best, best_value = category, value[category]
        return best

    def _topics(self, title: str, summary: str) -> tuple[list[str], list[str]]:
        """The lexicon's topics (``phrases.KEY_PHRASES``) named in the title, then those named only
        in the feed's summary, each once: the title and the summary say what an article is about;
        a body mentions everything."""
        matcher, owner = self._phrases
        in_title, in_lead = matcher.found(title), matcher.found(summary.casefold())
        headline = list(dict.fromkeys(owner[p] for p in matcher.terms if p in in_title))
        lead = [t for t in dict.fromkeys(owner[p] for p in matcher.terms if p in in_lead) if t not in headline]
        return headline, lead

    def _named(self, title: str, lead: str, body: str) -> list[str]:
        """The tags of the names the title gives, then those only the feed's summary gives (not the
        body: it names everything); an ambiguous name only in an article about technology (one
        that gives another name, or a word about AI or technology).

        Only an article with no other tag gets them (``score_one``), and those had no tag because
        they have little text to find one in, most of them a title alone (1,213 of 3,027 articles
        of 34 AI labs' and tools' feeds). Why not every article: a tag is also a term related
        articles are found by (``links.features``), and there the names linked a lab's posts to
        each other whatever they were about (public30's link precision fell from 83 % to 80 %,
        82 % to 77 % on its titles and summaries); the labelled sets, whose articles all have a
        tag, have the same links and trends as without names."""
        finder, context = self._names
        named = finder.found(title)
        named += [t for t in finder.found(lead) if t not in named]
        if any(t in AMBIGUOUS_NAMES for t in named) and not (
                any(t not in AMBIGUOUS_NAMES for t in named)
                or context.found(title.casefold()) or context.found(body)):
            named = [t for t in named if t not in AMBIGUOUS_NAMES]
        return named

    def _tags(self, article: Article, matched: Sequence[str], topics: Sequence[str]) -> tuple[str, ...]:
        """The feed's categories, matched interests, then the lexicon's topics (title first), folded."""
        # a category longer than a tag may be is a keyword list ("Warcraft Taverncast Mannoroth MMORPG RP
        # WoW World of Warcraft"), not a topic: cut to length, it ended mid-word ("…world-of-warcraf")
        feed = [c for c in map(category_leaf, article.categories)
                if c and len(c) <= MAX_TAG_CHARS and not section_name(c, article.source)
                and not _language_of(c, article.language)]
        if "jekyll" in feed and any(c.casefold() == "update" for c in article.categories):
            feed.remove("jekyll")     # "jekyll update": the categories of Jekyll's sample post, kept by its blogs
        return fold_tags([*feed, *matched, *topics], limit=self._limit)

    @property
    def _limit(self) -> int:
        return min(TAGS, self.cfg.max_tags)


# a site's own taxonomy in a category: a namespace ("topics:", "storytype:", three letters or more and
# no space: "re:Invent" is a name) and a path
_FIELD = re.compile(r"[a-z][a-z_]*\|")
_NAMESPACE = re.compile(r"[A-Za-z][\w.-]{2,}:(?=[^\s/])")
_KIND_NAMESPACES = frozenset({"storytype", "contenttype", "content-type", "pagetype", "articletype", "type",
                              "format", "template", "layout", "kind"})


def category_leaf(category: str) -> str:
    """What a feed category names, without the site's taxonomy around it: the Telegraph's
    "topics:place/bucha" is "bucha", DMOZ's "Computers/Software/Internet/Site Management/Content
    Management" is "Content Management" (as a nested tag it was cut at 60 characters, mid-word).
    A path of two parts without a namespace stays whole: "AI/ML" is one name. An address and a
    record's field (Engadget's "provider_name|Engadget", "region|US", "language|en-US") name
    nothing ("")."""
    if "://" in category or _FIELD.match(category):
        return ""
    namespace = _NAMESPACE.match(category)
    if namespace and namespace.group().rstrip(":").casefold() in _KIND_NAMESPACES:
        return ""     # the kind of item the site's system made it ("storytype:standard"), no topic
    rest = category[namespace.end():] if namespace else category
    parts = [part.strip() for part in rest.split("/") if part.strip()]
    if len(parts) >= 3 or (namespace and parts):
        return parts[-1]
    return rest


# A feed's <category> that names a section of the site, not a topic: "News", "Blog", "Press Release",
# WordPress's "Uncategorized". As a tag it says nothing and takes the place of one that does.
_SECTIONS = frozenset("""news blog blogs post posts article articles story stories press press-release
press-releases announcement announcements update updates company featured general misc miscellaneous
uncategorized uncategorised other others latest top-stories home main default all 新闻 资讯 博客 动态 文章
未分类 其他 公告""".split())


def _language_of(category: str, language: str | None) -> bool:
    """Whether a feed category is the article's language code ("en" of an English post: OCR-D's
    Jekyll site files every post under its language), which names no topic."""
    if not language:
        return False
    code = category.casefold().strip()
    folded = language.casefold()
    return code == folded or code == folded.split("-")[0]


def section_name(category: str, source: str) -> bool:
    """Whether a feed category names a site section or the feed itself ("The Official Microsoft Blog")."""
    folded = re.sub(r"[\s_]+", "-", category.casefold().strip())
    if folded in _SECTIONS or folded == re.sub(r"[\s_]+", "-", source.casefold().strip()):
        return True
    return bool(re.search(r"(?:^|-)(?:blog|newsroom|podcast)$", folded))

