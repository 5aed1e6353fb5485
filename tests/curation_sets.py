"""Labelled dev sets for the offline curation, and the figures measured on them.

Sets (each a list of articles with a ``topic`` label and, where known, a
``category`` label; ``categories`` are the category names a new user would
configure, without keywords):

- ``public30`` (tests/data/curation/public30.json): 30 reports of public AI news
  from 2025, English and Chinese, six topics; written for this project.
- ``heldout`` (tests/data/curation/heldout.json): 40 public tech and AI news
  items from 2024-2025 (six topics and six singletons; English, Chinese,
  German, Portuguese), written AFTER the curation code and never used to tune
  it: the honest measure of how the curation holds on data nobody tuned on.
- ``seed000``: seed 000's weekly digest (../shared/seeds): its "Trends This
  Week" is a labelled grouping of real articles (titles only); the Top 10
  articles outside a trend are singletons.
- ``seed003``: seed 003's daily report: 15 Chinese articles with their
  one-line summaries and bodies; topics and categories labelled here from
  the report's own tags.
- ``seed004``: seed 004's daily index: 12 entries (title + lead); the eight
  "AI Tech Daily" issues are one topic, the two recommender-system essays
  another.
- ``examples``: the bundled example feeds (examples/feeds), no labels: link
  coverage, trends and batch stability only.

The seed sets are read from ../shared/seeds when it is there (``None``
otherwise); the figures are computed by :func:`measure` (used by
``bench/bench_curation.py`` and the tests).
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from math import comb
from pathlib import Path

from sync.config import LinksConfig, RollupConfig, ScoringConfig
from sync.links.features import features
from sync.links.similarity import compute_links
from sync.models import Article, Score, stable_id
from sync.rollups.digest import weekly_rollup
from sync.scoring.heuristic import HeuristicScorer
from sync.scoring.learned import CategoryLearner

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "curation"
SEEDS = ROOT.parent.parent / "shared" / "seeds" if (ROOT.parent.parent / "shared").is_dir() else ROOT.parent / "shared" / "seeds"


@dataclass
class DevSet:
    name: str
    articles: list[Article]
    topic: dict[str, str] = field(default_factory=dict)        # kb_id -> label
    category: dict[str, str] = field(default_factory=dict)     # kb_id -> label
    categories: tuple[str, ...] | None = None                  # names only; None: default taxonomy


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def load_json_set(path: Path) -> DevSet:
    raw = json.loads(path.read_text("utf-8"))
    out = DevSet(raw["name"], [], categories=tuple(raw["categories"]) if raw.get("categories") else None)
    for r in raw["articles"]:
        kb = stable_id(r["url"])
        out.articles.append(Article(kb_id=kb, url=r["url"], title=r["title"], source=r["source"],
                                    published=_utc(r["published"]), sources=(r["source"],),
                                    content=r.get("content", ""), summary=r.get("summary", ""),
                                    categories=tuple(r.get("categories", ()))))
        out.topic[kb] = r["topic"]
        if r.get("category"):
            out.category[kb] = r["category"]
    return out


def public30() -> DevSet:
    return load_json_set(DATA / "public30.json")


def public30_short(keep_summary: bool) -> DevSet:
    """public30 as a feed that carries no body (title + summary), or only titles."""
    ds = public30()
    ds.name = "public30, titles + summaries" if keep_summary else "public30, titles only"
    ds.articles = [replace(a, content="", summary=a.summary if keep_summary else "") for a in ds.articles]
    return ds


def heldout() -> DevSet:
    return load_json_set(DATA / "heldout.json")


def _seed(prefix: str) -> str | None:
    found = sorted(SEEDS.glob(f"{prefix}_*.txt")) if SEEDS.is_dir() else []
    return found[0].read_text("utf-8") if found else None


def seed000() -> DevSet | None:
    text = _seed("000")
    if text is None:
        return None
    start = datetime(2026, 2, 23, 1, tzinfo=timezone.utc)   # one ISO week (the seed week is Sat-Fri)
    out = DevSet("seed000", [], categories=("AI/Tech", "AI 使用", "Builder 实践", "YouTube"))
    trends = text.split("## Trends This Week")[1].split("## Top 10")[0]
    seen: dict[str, str] = {}
    for block in trends.split("### ")[1:]:
        name, *lines = block.strip().split("\n")
        for line in lines:
            if line.startswith("- "):
                seen[line[2:].strip()] = name.strip()
    sources: dict[str, str] = {}
    for m in re.finditer(r"^\d+\. \*\*\d+\*\* \[(.+?)\]\((\S+?)\) — (.+)$", text, re.M):
        sources[m[1]] = m[3]
        seen.setdefault(m[1], "")
    for i, (title, label) in enumerate(seen.items()):
        kb = stable_id("seed000", title)
        out.articles.append(Article(kb_id=kb, url=None, title=title, source=sources.get(title, f"feed{i % 4}"),
                                    published=start + timedelta(hours=13 * i), sources=()))
        out.topic[kb] = label or f"single-{i}"
    return out


SEED003_TOPICS = {3: "world-model", 4: "world-model", 5: "world-model", 6: "agents", 7: "agents", 13: "agents",
                  11: "digital-twin", 12: "digital-twin", 9: "efficient-model", 2: "efficient-model"}
SEED003_CATEGORIES = {1: "研究与方法", 2: "研究与方法", 3: "研究与方法", 4: "模型发布", 5: "研究与方法", 6: "模型发布",
                      7: "智能体", 8: "研究与方法", 9: "研究与方法", 10: "算力与基础设施", 11: "行业与应用",
                      12: "行业与应用", 13: "智能体", 14: "模型发布", 15: "行业与应用"}


def seed003() -> DevSet | None:
    text = _seed("003")
    if text is None:
        return None
    out = DevSet("seed003", [], categories=("研究与方法", "模型发布", "智能体", "算力与基础设施", "行业与应用"))
    for block in re.split(r"^### (?=\d+\. )", text, flags=re.M)[1:]:
        head, _, body = block.partition("\n")
        n, title = head.split(". ", 1)
        n = int(n)
        source = re.search(r"\*\*来源\*\*: (.+?) \|", body)[1]
        when = re.search(r"\*\*时间\*\*: (\S+ \S+)", body)[1]
        link = re.search(r"\*\*链接\*\*: (\S+)", body)[1]
        summary = re.search(r"一句话摘要\*\*：(.+)", body)
        content = body.split("\n\n", 1)[1] if "\n\n" in body else ""
        content = re.sub(r"^> 🎯.*$", "", content, flags=re.M).split("\n---")[0]
        kb = stable_id(link)
        out.articles.append(Article(kb_id=kb, url=link, title=re.sub(r"^\[[^\]]+\] ", "", title), source=source,
                                    published=datetime.fromisoformat(when).replace(tzinfo=timezone(timedelta(hours=8))),
                                    sources=(source,), summary=summary[1] if summary else "", content=content))
        out.topic[kb] = SEED003_TOPICS.get(n, f"single-{n}")
        out.category[kb] = SEED003_CATEGORIES[n]
    return out


def seed004() -> DevSet | None:
    text = _seed("004")
    if text is None:
        return None
    out = DevSet("seed004", [], categories=None)
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    start = datetime(2026, 5, 5, 6, tzinfo=timezone.utc)
    for i in range(0, len(paragraphs) - 1, 2):
        title, lead = paragraphs[i], paragraphs[i + 1]
        kb = stable_id("seed004", title)
        topic = ("daily-report" if title.startswith("AI Tech Daily") else
                 "recommender" if "推荐" in title else f"single-{i}")
        source = "AI Tech Daily" if topic == "daily-report" else f"feed{i % 3}"
        out.articles.append(Article(kb_id=kb, url=None, title=title, source=source,
                                    published=start + timedelta(hours=9 * i // 2), sources=(),
                                    summary=lead, content=lead))
        out.topic[kb] = topic
    return out


def examples() -> DevSet:
    """The bundled example feeds, parsed as a sync would (no labels)."""
    from sync.sources.parse import parse_feed

    out = DevSet("examples", [], categories=("AI/Tech", "AI 使用", "Builder 实践", "YouTube"))
    seen: dict[str, Article] = {}
    for path in sorted((ROOT / "examples" / "feeds").iterdir()):
        result = parse_feed(path.read_bytes(), feed_url=str(path), source=path.stem,
                            now=datetime(2026, 3, 1, tzinfo=timezone.utc))
        for e in result.entries:
            if e.kb_id not in seen:
                seen[e.kb_id] = Article(kb_id=e.kb_id, url=e.url, title=e.title, source=e.source,
                                        published=e.published, sources=(e.source,), content=e.content,
                                        summary=e.summary, categories=e.categories)
    out.articles = sorted(seen.values(), key=lambda a: (a.published, a.kb_id))
    return out


def all_sets() -> list[DevSet]:
    return [s for s in (public30(), public30_short(True), public30_short(False), heldout(), seed000(), seed003(), seed004(),
                        examples()) if s is not None]


# -- figures ---------------------------------------------------------------------------

def adjusted_rand(a: dict[str, str], b: dict[str, str]) -> float:
    """Adjusted Rand index of two labelings of the same items (1 = identical, ~0 = chance)."""
    keys = sorted(a)
    pairs = Counter((a[k], b[k]) for k in keys)
    rows, cols = Counter(a[k] for k in keys), Counter(b[k] for k in keys)
    index = sum(comb(n, 2) for n in pairs.values())
    ra, cb = sum(comb(n, 2) for n in rows.values()), sum(comb(n, 2) for n in cols.values())
    expected = ra * cb / comb(len(keys), 2) if len(keys) > 1 else 0.0
    top = (ra + cb) / 2
    return 1.0 if top == expected else (index - expected) / (top - expected)


def scoring_config(ds: DevSet) -> ScoringConfig:
    return ScoringConfig(categories=ds.categories) if ds.categories else ScoringConfig(categories=())


@dataclass
class Figures:
    name: str
    articles: int
    link_coverage: float
    link_precision: float | None
    trends: int
    trend_share: float
    ari: float | None
    other_share: float
    category_accuracy: float | None
    corrected_accuracy: float | None
    score_changes: int
    trend_names: list[str] = field(default_factory=list)
    weeks: dict[str, tuple[int, int]] = field(default_factory=dict)   # week -> (articles, trends)


def score_all(ds: DevSet, cfg: ScoringConfig, learner: CategoryLearner | None = None) -> dict[str, Score]:
    scorer = HeuristicScorer(cfg, learner=learner)
    return {s.kb_id: s for s in scorer.score(ds.articles)}


def batch_changes(ds: DevSet, cfg: ScoringConfig) -> int:
    """Scores that differ between: the whole batch, reversed, shuffled, each alone, after a typo fix."""
    scorer = HeuristicScorer(cfg)
    base = {s.kb_id: (s.score, s.tier, s.category, s.tags) for s in scorer.score(ds.articles)}
    runs = [list(reversed(ds.articles)), random.Random(7).sample(ds.articles, len(ds.articles))]
    runs += [[a] for a in ds.articles]
    changed: set[str] = set()
    for batch in runs:
        for s in scorer.score(batch):
            if (s.score, s.tier, s.category, s.tags) != base[s.kb_id]:
                changed.add(s.kb_id)
    for a in ds.articles:
        # a typo fixed in the body: a misspelled little word, or a stray character in Chinese text
        field_name = "content" if a.content else "summary"
        text = getattr(a, field_name)
        typo = (text.replace(" the ", " teh ", 1) if " the " in text
                else text.replace("，", "，的", 1) if "，" in text else None)
        if typo is None:
            continue   # nothing a typo fix would plausibly touch
        fixed = replace(a, **{field_name: typo})
        s = scorer.score([fixed, *ds.articles[:3]])[0]
        if s.score != base[a.kb_id][0] or s.tier != base[a.kb_id][1]:
            changed.add(a.kb_id)
    return len(changed)


def corrections(ds: DevSet, per_category: int = 2) -> dict[str, str]:
    """The reader files ``per_category`` articles of each labelled category (the first published)."""
    filed: dict[str, str] = {}
    by_cat: dict[str, list[Article]] = {}
    for a in sorted(ds.articles, key=lambda a: (a.published, a.kb_id)):
        if a.kb_id in ds.category:
            by_cat.setdefault(ds.category[a.kb_id], []).append(a)
    for cat, members in by_cat.items():
        for a in members[:per_category]:
            filed[a.kb_id] = cat
    return filed


def measure(ds: DevSet, links_cfg: LinksConfig | None = None) -> Figures:
    cfg = scoring_config(ds)
    scores = score_all(ds, cfg)
    links = compute_links([features(a, scores[a.kb_id]) for a in ds.articles], links_cfg or LinksConfig())
    ids = [a.kb_id for a in ds.articles]
    coverage = sum(1 for k in ids if links.get(k)) / len(ids)
    labelled = [x for lst in links.values() for x in lst if x.src in ds.topic and x.dst in ds.topic]
    precision = (sum(1 for x in labelled if ds.topic[x.src] == ds.topic[x.dst]) / len(labelled)
                 if labelled and ds.topic else None)
    groups = story_groups(ds.articles, links)
    rollups = RollupConfig(week_ends_on="sunday")
    weeks = sorted({week_of(a.published) for a in ds.articles})
    found, in_trend, per_week = [], {}, {}
    for label in weeks:
        week = weekly_rollup(label, ds.articles, scores, links, groups, rollups, must_read=85, worth_reading=70)
        per_week[label] = (week.scanned, len(week.trends))
        for i, t in enumerate(week.trends):
            found.append(t.name)
            for s in t.stories:
                for k in (s.kb_id, *(x.kb_id for x in s.also)):
                    in_trend[k] = f"{label}-{i}"
    ari = None
    if ds.topic:
        got = {k: in_trend.get(k, f"none-{k}") for k in ds.topic}
        ari = adjusted_rand(dict(ds.topic), got)
    other = sum(1 for s in scores.values() if s.category == "Other") / len(scores)
    accuracy = corrected = None
    if ds.category:
        accuracy = _accuracy(ds, scores, set())
        filed = corrections(ds)
        learner = CategoryLearner.from_filed(ds.articles, filed)
        corrected = _accuracy(ds, score_all(ds, cfg, learner), set(filed))
    return Figures(ds.name, len(ids), coverage, precision, len(found), len(in_trend) / len(ids), ari, other,
                   accuracy, corrected, batch_changes(ds, cfg), found, per_week)


def _accuracy(ds: DevSet, scores: dict[str, Score], skip: set[str]) -> float:
    keys = [k for k in ds.category if k not in skip]
    return sum(1 for k in keys if scores[k].category == ds.category[k]) / len(keys)


def week_of(moment: datetime) -> str:
    year, week, _ = moment.astimezone(timezone.utc).isocalendar()
    return f"{year}-W{week:02d}"


def story_groups(articles: list[Article], links: dict) -> dict[str, str]:
    """Same-story components (as ``links.index.story_groups``, in memory)."""
    parent = {a.kb_id: a.kb_id for a in articles}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for lst in links.values():
        for x in lst:
            if x.same_story and x.src in parent and x.dst in parent:
                a, b = find(x.src), find(x.dst)
                parent[max(a, b)] = min(a, b)
    first = {a.kb_id: (a.published, a.kb_id) for a in articles}
    members: dict[str, list[str]] = {}
    for k in parent:
        members.setdefault(find(k), []).append(k)
    out = {}
    for group in members.values():
        head = min(group, key=first.__getitem__)
        out.update(dict.fromkeys(group, head))
    return out
