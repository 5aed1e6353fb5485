"""Related articles: tokens, the same-story rule, top-k links, the labelled pairs, the SQLite index."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.config import LinksConfig
from sync.links import features as F
from sync.links import similarity as L
from sync.links.index import related, story_groups, update_links
from sync.models import Article, Score
from sync.sources.parse import parse_feed
from sync.sources.urls import canonical_url
from sync.store import Store

ROOT = Path(__file__).resolve().parent.parent
FEEDS = ROOT / "examples" / "feeds"
PAIRS = Path(__file__).resolve().parent / "data" / "related_pairs.json"
T0 = datetime(2026, 2, 21, 8, tzinfo=timezone.utc)


def art(kb: str, title: str, source: str, hours: float = 0, summary: str = "", content: str = "") -> Article:
    return Article(kb_id=kb, url=f"https://example.com/{kb}", title=title, source=source,
                   published=T0 + timedelta(hours=hours), summary=summary, content=content)


def score(kb: str, value: int = 80, tags: tuple[str, ...] = (), category: str = "AI/Tech") -> Score:
    return Score(kb_id=kb, content_hash="h", backend="test", score=value, tier="skim", category=category,
                 tags=tags)


# A small corpus in the spirit of the seed digests: two optimiser papers, one
# multi-agent story told by two outlets, one API-key story told by two outlets,
# and one unrelated post.
CORPUS = [
    art("opt1", "Adam/Muon退位！谷歌Magma：随机丢弃50%梯度却拿下LLM优化SOTA", "PaperAgent", 0,
        "谷歌提出Magma优化器：随机丢弃梯度，LLM训练优化取得新SOTA，挑战Adam与Muon。"),
    art("opt2", "Adam如何魔改Muon？融合正交与自适应，NAMO刷新LLM训练上限", "PaperWeekly", 20,
        "NAMO优化器融合Muon的正交化与Adam的自适应，刷新LLM训练上限。"),
    art("mas1", "DeepMind：智能体越多越乱，Agent天花板出现了？", "机器之心", 5,
        "DeepMind研究多智能体系统：智能体越多性能未必越好，Agent存在天花板。"),
    art("mas2", "多智能体系统的天花板：DeepMind新研究", "量子位", 30,
        "DeepMind发现智能体越多越乱，多智能体系统存在性能天花板。"),
    art("key1", "Google API Keys Weren't Secrets. But then Gemini Changed Everything", "Simon Willison", 2,
        "Google API keys were never meant to be secret, but Gemini changed the calculus of key exposure."),
    art("key2", "Gemini makes leaked Google API keys dangerous", "Hacker News", 9,
        "Google API keys, once harmless in public pages, now grant Gemini access: leaked keys are a risk."),
    art("misc", "Spotlighting The World Factbook as we bid farewell", "Simon Willison", 12,
        "The CIA World Factbook is shutting down; a look back at a reference work."),
]


def corpus_links(cfg: LinksConfig = LinksConfig(), items=CORPUS, scores=None) -> dict[str, list]:
    scores = scores or {}
    return L.compute_links((F.features(a, scores.get(a.kb_id)) for a in items), cfg)


# -- tokens and features --------------------------------------------------------------

def test_tokens_english_words_are_lowercased_stemmed_and_stop_words_dropped():
    got = F.tokens("The Agents and their Studies of GPT-5.3 models in 2026")
    assert {"agent", "study", "gpt-5.3", "model"} <= set(got)
    assert not {"the", "and", "of", "in", "2026"} & set(got)


def test_tokens_chinese_bigrams_skip_function_characters():
    got = F.tokens("大模型的训练是一个系统工程")
    assert {"大模", "模型", "训练", "系统", "工程"} <= set(got)
    assert not [g for g in got if "的" in g or "是" in g]


def test_tokens_mixed_text_keeps_both_scripts_and_versions():
    got = F.tokens("Opus 4.6 与 Codex 5.3：逻辑自检架构")
    assert {"opus", "4.6", "codex", "5.3", "逻辑", "自检", "架构"} <= set(got)


def test_features_weigh_title_over_content_and_add_tags():
    a = art("x", "Agent memory", "S", summary="", content="agent agents memory tools tools once")
    f = F.features(a, score("x", tags=("Agents", "#LLM")))
    assert f.terms["agent"] == F.TITLE_WEIGHT + 2
    assert f.terms["tool"] == 2
    assert "once" not in f.terms                     # a one-off word of the body does not count
    assert f.tags == ("agents", "llm") and f.terms["#agents"] == F.TAG_WEIGHT
    assert f.title == frozenset({"agent", "memory"})


def test_features_digest_changes_only_with_what_shapes_the_features():
    a = art("x", "Agent memory", "S", content="body")
    base = F.features(a, score("x", tags=("a",))).digest
    assert F.features(a, score("x", value=10, tags=("a",))).digest == base      # score value: no
    assert F.features(a, score("x", tags=("b",))).digest != base               # tags: yes
    assert F.features(replace(a, content="other"), score("x", tags=("a",))).digest != base


# -- the same-story rule ----------------------------------------------------------------

def _f(title: str, source: str, hours: float = 0) -> F.Features:
    return F.features(art("f" + source + str(hours), title, source, hours), None)


def test_same_story_needs_different_sources_and_three_days():
    a = _f("OpenAI releases GPT-5.5 with agents", "A")
    assert L.same_story(a, _f("OpenAI releases GPT-5.5 with agents", "B", 30), 0.9)
    assert not L.same_story(a, _f("OpenAI releases GPT-5.5 with agents", "a ", 1), 0.9)   # same outlet
    assert not L.same_story(a, _f("OpenAI releases GPT-5.5 with agents", "B", 80), 0.9)  # > 3 days


def test_same_story_by_title_needs_some_text_similarity_too():
    a = _f("OpenAI releases GPT-5.5", "A")
    b = _f("GPT-5.5 is out: OpenAI releases its model", "B", 2)
    assert L.same_story(a, b, 0.25)
    assert not L.same_story(a, b, 0.1)
    assert not L.same_story(a, _f("Anthropic ships Claude", "B", 2), 0.3)


# -- compute_links ------------------------------------------------------------------------

def _story_pairwise(docs: L.Docs, a: np.ndarray, b: np.ndarray, sim: np.ndarray) -> list[bool]:
    """The same-story rule pair by pair in plain Python, as same_story states it (the oracle)."""
    out = []
    for x, y, s in zip(a.tolist(), b.tolist(), sim.tolist()):
        tx, ty = docs.title(x), docs.title(y)
        dice = L.title_overlap(tx, ty)
        out.append(docs.sources[x].strip().lower() != docs.sources[y].strip().lower()
                   and abs(docs.pub[x] - docs.pub[y]) <= L.SAME_STORY_DAYS * L.DAY
                   and (s >= L.SAME_STORY_SIM or (s >= L.SAME_STORY_TITLE_SIM and dice >= L.SAME_STORY_TITLE
                                                  and len(tx & ty) >= L.SAME_STORY_TITLE_TERMS)))
    return out


_SIMS = st.sampled_from([0.0, 0.19999999, 0.2, 0.3, 0.49999997, 0.5, 0.9, 1.0]) | st.floats(0, 1, width=32)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Feed A", " feed a", "Feed B", "C"]), st.integers(0, 8 * 86400),
                          # short titles, and now and then a long one (a Chinese title: a term per character pair)
                          st.frozensets(st.integers(0, 9), max_size=6)
                          | st.frozensets(st.integers(0, 60), min_size=20, max_size=40)), min_size=2, max_size=12),
       st.data())
def test_story_flags_agree_with_the_rule_pair_by_pair(rows, data):
    n = len(rows)
    lens = [len(t) for _, _, t in rows]
    docs = L.Docs(ids=[str(i) for i in range(n)], pub=np.array([float(p) for _, p, _ in rows]),
                  sources=[s for s, _, _ in rows], tags=[() for _ in rows],
                  title_ptr=np.concatenate(([0], np.cumsum(lens))).astype(np.int64),
                  title_terms=np.array([t for _, _, ts in rows for t in sorted(ts)], dtype=np.int32))
    pairs = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), _SIMS), max_size=40))
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    sim = np.array([p[2] for p in pairs], dtype=np.float32)
    assert L.story_flags(docs, a, b, sim).tolist() == _story_pairwise(docs, a, b, sim)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.frozensets(st.integers(0, 9), max_size=6) | st.frozensets(st.integers(0, 60), min_size=20, max_size=40),
                min_size=1, max_size=12), st.data())
def test_shared_title_terms_are_counted_as_sets_count_them(titles, data):
    n = len(titles)
    lens = [len(t) for t in titles]
    docs = L.Docs(ids=[str(i) for i in range(n)], pub=np.zeros(n), sources=["s"] * n, tags=[() for _ in titles],
                  title_ptr=np.concatenate(([0], np.cumsum(lens))).astype(np.int64),
                  title_terms=np.array([t for ts in titles for t in sorted(ts)], dtype=np.int32))
    pairs = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=40))
    x = np.array([p[0] for p in pairs], dtype=np.int64)
    y = np.array([p[1] for p in pairs], dtype=np.int64)
    shared, sizes = L._shared_title_terms(docs, x, y)
    assert shared.tolist() == [len(titles[i] & titles[j]) for i, j in pairs]
    assert sizes.tolist() == [len(titles[i]) + len(titles[j]) for i, j in pairs]


def test_compute_links_finds_topics_and_same_stories():
    got = corpus_links()
    dst = {k: [x.dst for x in v] for k, v in got.items()}
    assert "opt2" in dst["opt1"] and "opt1" in dst["opt2"]
    assert dst["mas1"][0] == "mas2" and dst["key1"][0] == "key2"
    assert got["mas1"][0].same_story and got["mas1"][0].reason == "same story"
    assert got["key2"][0].same_story
    assert "misc" not in got                      # nothing like it
    assert not got["opt1"][0].same_story          # related, but two different papers
    assert got["opt1"][0].reason.startswith("similar (")


def test_hacker_news_posts_are_not_alike_by_what_the_feed_says_of_each():
    # hnrss.org writes each post's text as its facts: every two front-page posts were "similar" by
    # "url", "comment" and "point"; "Show HN"/"Ask HN" posts by "hn"
    def hn(kb: str, title: str, url: str, points: int) -> Article:
        content = (f"Article URL: <{url}>\n\nComments URL: <https://news.ycombinator.com/item?id={kb}>\n\n"
                   f"Points: {points}\n\n\\# Comments: {points // 2}")
        return art(kb, title, "Hacker News: Front Page", summary=f"Article URL: {url} Comments URL: "
                   f"https://news.ycombinator.com/item?id={kb} Points: {points} # Comments: {points // 2}",
                   content=content)

    posts = [hn("1", "Anthropic raises $30B at a $380B valuation", "https://anthropic.com/news/g", 512),
             hn("2", "Ask HN: How do you keep up with research papers?", "https://news.ycombinator.com/item?id=2", 88),
             hn("3", "Show HN: I built a tiny inference engine in Rust", "https://github.com/x/tiny", 310)]
    for post in posts:
        terms = set(F.features(post, None).terms)
        assert not terms & {"url", "comment", "point", "article", "hn"}, terms
    assert corpus_links(items=posts) == {}
    # news.ycombinator.com/rss and Lobsters give each post the summary "Comments", a link's label
    assert "comment" not in F.features(art("5", "A tiny inference engine", "HN", summary="Comments"), None).terms
    # a sentence with a colon stays words of the post
    assert "revenue" in F.features(art("4", "Q3", "S", summary="Revenue: up 4% on the year."), None).terms


def test_links_carry_shared_tags_in_reason():
    scores = {"opt1": score("opt1", tags=("llm", "optimizer")), "opt2": score("opt2", tags=("optimizer", "llm"))}
    link = corpus_links(scores=scores)["opt1"][0]
    assert link.shared_tags == ("llm", "optimizer")
    assert link.reason.endswith("shared tags: llm, optimizer")


def test_window_and_k_are_respected():
    far = [replace(a, published=a.published + timedelta(days=400)) if a.kb_id == "opt2" else a for a in CORPUS]
    got = corpus_links(items=far)
    assert "opt2" not in [x.dst for x in got.get("opt1", [])]
    one = corpus_links(LinksConfig(k=1))
    assert all(len(v) == 1 for v in one.values())
    assert corpus_links(LinksConfig(k=0)) == {}


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_result_does_not_depend_on_input_order(rnd: random.Random):
    items = list(CORPUS)
    rnd.shuffle(items)
    assert corpus_links(items=items) == corpus_links()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet="ab模型训练智能体 agent model GPT-5", min_size=1, max_size=30),
                min_size=1, max_size=12))
def test_any_texts_give_valid_links(titles: list[str]):
    items = [art(f"k{i}", t, f"S{i % 3}", i, summary=t) for i, t in enumerate(titles)]
    got = corpus_links(LinksConfig(k=3), items=items)
    ids = {a.kb_id for a in items}
    for src, lst in got.items():
        assert len(lst) <= 3 and all(x.src == src and x.dst in ids and x.dst != src for x in lst)
        ranks = [(not x.same_story, -x.weight) for x in lst]
        assert ranks == sorted(ranks)
        assert all(x.same_story or x.weight >= LinksConfig().min_similarity for x in lst)


# -- the hand-labelled pairs from the example feeds -------------------------------------------

def _example_articles() -> dict[str, Article]:
    out: dict[str, Article] = {}
    now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    for path in sorted(FEEDS.iterdir()):
        feed = parse_feed(path.read_bytes(), feed_url=path.as_uri(), source=path.stem, headers={}, now=now)
        for e in feed.entries:
            if e.url:
                out[e.url] = Article(kb_id=e.kb_id, url=e.url, title=e.title, source=feed.title or path.stem,
                                     published=e.published, content=e.content, summary=e.summary)
    return out


@pytest.mark.skipif(not PAIRS.exists() or not FEEDS.exists(), reason="example feeds or labelled pairs absent")
def test_labelled_pairs_precision_and_recall():
    articles = _example_articles()
    by_url = {**articles, **{canonical_url(u): a for u, a in articles.items()}}
    got = L.compute_links((F.features(a, None) for a in articles.values()), LinksConfig())
    edges = {(x.src, x.dst): x for v in got.values() for x in v}
    tp = fp = fn = story_tp = story_fp = 0
    for pair in json.loads(PAIRS.read_text("utf-8")):
        a = by_url.get(pair["a"]) or by_url[canonical_url(pair["a"])]
        b = by_url.get(pair["b"]) or by_url[canonical_url(pair["b"])]
        link = edges.get((a.kb_id, b.kb_id)) or edges.get((b.kb_id, a.kb_id))
        tp += bool(link) and pair["related"]
        fp += bool(link) and not pair["related"]
        fn += not link and pair["related"]
        story_tp += bool(link and link.same_story and pair["same_story"])
        story_fp += bool(link and link.same_story and not pair["same_story"])
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    print(f"\nlabelled pairs: precision {precision:.2f}, recall {recall:.2f} "
          f"({tp} found, {fp} wrong, {fn} missed); same story: {story_tp} right, {story_fp} wrong")
    assert precision >= 0.9
    assert recall >= 0.45
    assert story_fp <= 1


# -- the SQLite index -------------------------------------------------------------------------

@pytest.fixture()
def store(tmp_path):
    with Store(tmp_path / "state.db") as s:
        yield s


def _dsts(lists):
    return {k: [x.dst for x in v] for k, v in lists.items()}


def test_first_incremental_run_equals_from_scratch(store):
    changed = update_links(store, CORPUS, {}, LinksConfig())
    assert related(store) == corpus_links()
    assert changed == set(corpus_links())


def test_unchanged_articles_cost_nothing_and_change_nothing(store):
    update_links(store, CORPUS, {}, LinksConfig())
    assert update_links(store, CORPUS, {}, LinksConfig()) == set()


def test_a_new_report_enters_old_lists_and_only_changed_lists_are_returned(store):
    update_links(store, CORPUS[:-1], {}, LinksConfig())
    before = related(store)
    third = art("key3", "Leaked Google API keys now unlock Gemini", "The Register", 20,
                "Google API keys exposed on public pages now grant access to Gemini: a security risk.")
    changed = update_links(store, [third], {}, LinksConfig())
    after = related(store)
    assert "key3" in changed and "key3" in [x.dst for x in after["key1"]]
    assert "key1" in changed
    assert {k for k in after if after[k] != before.get(k, [])} == changed
    assert after["opt1"] == before["opt1"]          # untouched lists stay as they were


def test_an_edited_article_refreshes_the_lists_that_pointed_at_it(store):
    update_links(store, CORPUS, {}, LinksConfig())
    edited = replace(CORPUS[1], title="Cooking pasta at home", summary="A recipe for pasta with tomatoes.")
    changed = update_links(store, [edited], {}, LinksConfig())
    assert {"opt1", "opt2"} <= changed
    assert "opt2" not in [x.dst for x in related(store).get("opt1", [])]


def test_rebuild_equals_compute_links_and_reports_changes(store):
    store.save_articles(CORPUS, [], T0)
    update_links(store, CORPUS[:3], {}, LinksConfig())
    changed = update_links(store, [], {}, LinksConfig(), rebuild=True)
    assert related(store) == corpus_links()
    assert {"mas2", "key1", "key2"} <= changed
    assert update_links(store, [], {}, LinksConfig(), rebuild=True) == set()


def test_incremental_lists_stay_valid_over_many_batches(store):
    cfg = LinksConfig(k=2)
    rnd = random.Random(3)
    words = ["agent", "memory", "模型", "训练", "gemini", "keys", "推理", "benchmark", "robot", "世界"]
    items = [art(f"b{i}", " ".join(rnd.sample(words, 4)), f"S{i % 4}", i * 7,
                 summary=" ".join(rnd.sample(words, 5))) for i in range(40)]
    for i in range(0, 40, 8):
        update_links(store, items[i:i + 8], {}, cfg)
    lists = related(store)
    ids = {a.kb_id for a in items}
    for src, lst in lists.items():
        assert 0 < len(lst) <= 2 and all(x.dst in ids and x.dst != src for x in lst)
        ranks = [(not x.same_story, -x.weight, x.dst) for x in lst]
        assert ranks == sorted(ranks)


def test_story_groups_use_the_earliest_article_as_the_group(store):
    update_links(store, CORPUS, {}, LinksConfig())
    groups = story_groups(store, [a.kb_id for a in CORPUS])
    assert groups["mas1"] == groups["mas2"] == "mas1"
    assert groups["key1"] == groups["key2"] == "key1"
    assert groups["opt1"] == "opt1" and groups["opt2"] == "opt2"
    # only the asked-for articles are grouped
    assert story_groups(store, ["mas2"]) == {"mas2": "mas2"}


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="模型训练的是大系统工程 agentsAgent GPT-5.3 4.6，。", max_size=80), st.integers(1, 3))
def test_content_terms_agree_with_tokens(text: str, min_count: int):
    expected = {t: n for t, n in F.tokens(text).items() if n >= min_count}
    assert F.content_terms(text, min_count) == expected


def test_encoding_in_worker_processes_gives_the_same_result():
    pairs = [(a, score(a.kb_id, tags=("llm",))) for a in CORPUS]
    alone = F.encode_articles(pairs, processes=1, chunk=3)
    spread = F.encode_articles(pairs, processes=2, chunk=3)
    assert alone.vocab == spread.vocab and alone.ids == spread.ids
    assert (alone.terms == spread.terms).all() and (alone.raw == spread.raw).all()
    assert L.compute_links(spread, LinksConfig()) == corpus_links(scores={a.kb_id: s for a, s in pairs})


def test_terms_in_too_many_vectors_become_index_stop_words():
    # term 0 sits in 150 of 1,000 vectors (over the 1% cap, floor 100); term 1 in 80
    rows = [[0, 1, 2] if i < 80 else [0, 2] if i < 150 else [2] for i in range(1000)]
    vec = L.Vectors(F._ptr([len(r) for r in rows]), np.array([t for r in rows for t in r], dtype=np.int32),
                    np.ones(sum(map(len, rows)), dtype=np.float32))
    assert L.index_stop_words(vec, 3, 1000).tolist() == [True, False, True]
    assert L.index_cap(1000) == 100 and L.index_cap(100_000) == 1000


def test_editing_one_of_two_linked_articles_never_duplicates_a_link(store):
    update_links(store, CORPUS, {}, LinksConfig())
    # key2 is edited but stays the same story: key1 (dirty) is recomputed, mas* untouched
    update_links(store, [replace(CORPUS[5], summary=CORPUS[5].summary + " Rotate your keys.")], {}, LinksConfig())
    for src, lst in related(store).items():
        dsts = [x.dst for x in lst]
        assert len(dsts) == len(set(dsts)), src
    assert related(store)["key1"][0].dst == "key2"


def test_a_batch_as_big_as_the_index_is_rebuilt_with_the_same_result(store, monkeypatch):
    import sync.links.index as stored
    monkeypatch.setattr(stored, "_PARALLEL_FROM", 3)
    changed = update_links(store, CORPUS, {}, LinksConfig())          # empty index: rebuilt
    assert related(store) == corpus_links() and changed == set(corpus_links())
    assert store.conn.execute("SELECT value FROM link_meta WHERE key='n_docs'").fetchone()[0] == "7"
    extra = art("key3", "Leaked Google API keys now unlock Gemini", "The Register", 20,
                "Google API keys exposed on public pages now grant access to Gemini.")
    assert "key3" in update_links(store, [extra], {}, LinksConfig())    # small batch: incremental


def test_numpy_is_loaded_when_first_used_and_for_real_by_the_workers_fork_server():
    """(``links.lazy_numpy``) A run that links nothing (a no-op sync) does not import numpy;
    the first array loads it; the fork server's warm-up loads it for every worker."""
    import subprocess
    import sys

    def numpy_after(code: str) -> str:
        probe = code + "\nimport sys\nprint(type(sys.modules['numpy']).__name__)"
        return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                              check=True, cwd=Path(__file__).resolve().parents[1]).stdout.strip()

    assert numpy_after("import sync.pipeline, sync.targets.obsidian.view, sync.rollups.pages") == "_LazyModule"
    assert numpy_after("from sync.links.lazy_numpy import np\nassert np.zeros(2).sum() == 0") == "module"
    assert numpy_after("import sync.links.warm") == "module"


def _combine_by_sort(stored, enc, fvec, term_ids):
    """The window and the fresh batch sorted together and gathered: ``index._combine`` before it
    merged the fresh rows into the sorted window (kept as the oracle)."""
    from sync.links.index import F as F_

    ids = stored.ids + enc.ids
    pub = np.array(stored.pub + list(enc.pub), dtype=np.float64)
    order = np.lexsort((L.id_ranks(ids), pub))
    old_terms = np.frombuffer(b"".join(stored.terms), dtype=np.int64)
    old_w = np.frombuffer(b"".join(stored.weights), dtype=np.float32)
    old_title = np.frombuffer(b"".join(stored.titles), dtype=np.int64)
    vptr = F_._ptr([len(b) // 8 for b in stored.terms] + list(np.diff(fvec.ptr)))
    tptr = F_._ptr([len(b) // 8 for b in stored.titles] + list(np.diff(enc.title_ptr)))
    terms = np.concatenate((old_terms, term_ids[fvec.terms]))
    weights = np.concatenate((old_w, fvec.weights)).astype(np.float32)
    titles = np.concatenate((old_title, term_ids[enc.title_terms]))
    vptr2, terms, weights = L.take_rows(vptr, order, terms, weights)
    tptr2, titles = L.take_rows(tptr, order, titles)
    floors = np.array(stored.floors + [-1.0] * len(enc), dtype=np.float64)[order]
    sources, tags = stored.sources + enc.sources, stored.tags + enc.tags
    docs = L.Docs(ids=[ids[i] for i in order], pub=pub[order], sources=[sources[i] for i in order],
                  tags=[tags[i] for i in order], title_ptr=tptr2, title_terms=titles)
    return docs, L.Vectors(vptr2, terms, weights), floors


ROW = st.tuples(st.sampled_from([1.0, 2.0, 3.0, 5.0]),                       # published: ties on purpose
                st.lists(st.integers(0, 5), max_size=5), st.lists(st.integers(0, 5), max_size=3))


@settings(max_examples=150, deadline=None)
@given(stored_rows=st.lists(ROW, max_size=12), fresh_rows=st.lists(ROW, max_size=6), seed=st.integers(0, 9))
def test_the_fresh_batch_is_merged_into_the_window_as_a_sort_of_both_would_place_it(stored_rows, fresh_rows, seed):
    """(``index._combine``) The stored window comes sorted by (published, kb_id); the fresh rows,
    put in their places by binary search, give what sorting and gathering everything gave."""
    from sync.links.index import _combine, _Stored

    rng = random.Random(seed)
    names = rng.sample(range(100), len(stored_rows) + len(fresh_rows))   # distinct ids, shuffled order
    stored = sorted(((pub, f"kb-{names[i]:03d}", terms, title) for i, (pub, terms, title) in enumerate(stored_rows)))
    window = _Stored(
        ids=[s[1] for s in stored], pub=[s[0] for s in stored], sources=[f"src{len(s[2])}" for s in stored],
        tags=[tuple(f"t{t}" for t in s[3]) for s in stored], floors=[rng.random() for _ in stored],
        terms=[np.array([100 + t for t in s[2]], dtype=np.int64).tobytes() for s in stored],
        weights=[np.array([rng.random() for _ in s[2]], dtype=np.float32).tobytes() for s in stored],
        titles=[np.array([100 + t for t in s[3]], dtype=np.int64).tobytes() for s in stored])
    fresh = [(pub, f"kb-{names[len(stored_rows) + j]:03d}", terms, title) for j, (pub, terms, title) in enumerate(fresh_rows)]
    ptr = np.array([0] + list(np.cumsum([len(f[2]) for f in fresh])), dtype=np.int64)
    tptr = np.array([0] + list(np.cumsum([len(f[3]) for f in fresh])), dtype=np.int64)
    local = np.array([t for f in fresh for t in f[2]], dtype=np.int32)
    enc = F.Encoded(ids=[f[1] for f in fresh], pub=np.array([f[0] for f in fresh], dtype=np.float64),
                    sources=[f"new{len(f[2])}" for f in fresh], tags=[tuple(f"n{t}" for t in f[3]) for f in fresh],
                    digests=["d"] * len(fresh), ptr=ptr, terms=local, raw=np.ones(len(local), dtype=np.float32),
                    title_ptr=tptr, title_terms=np.array([t for f in fresh for t in f[3]], dtype=np.int32),
                    vocab=[f"w{i}" for i in range(6)])
    fvec = L.Vectors(ptr, local, np.array([rng.random() for _ in local], dtype=np.float64))
    term_ids = np.array([rng.randrange(90, 110) for _ in range(6)], dtype=np.int64)
    got, want = _combine(window, enc, fvec, term_ids), _combine_by_sort(window, enc, fvec, term_ids)
    (docs, vec, floors), (docs0, vec0, floors0) = got, want
    assert docs.ids == docs0.ids and docs.sources == docs0.sources and docs.tags == docs0.tags
    assert np.array_equal(docs.pub, docs0.pub) and np.array_equal(floors, floors0)
    assert np.array_equal(docs.title_ptr, docs0.title_ptr) and np.array_equal(docs.title_terms, docs0.title_terms)
    assert np.array_equal(vec.ptr, vec0.ptr) and np.array_equal(vec.terms, vec0.terms)
    assert vec.weights.dtype == np.float32 and np.array_equal(vec.weights, vec0.weights)
    assert vec.terms.dtype == vec0.terms.dtype and docs.title_terms.dtype == docs0.title_terms.dtype


HN_TITLES = ["Show HN: A 2 MB local LLM that runs in the browser", "The Rust compiler is now 20% faster on ARM",
             "Why SQLite uses B-trees instead of LSM trees", "A history of the Unix pipe",
             "Postgres 19 adds native vector search", "I built a mechanical keyboard from scratch",
             "The hidden cost of microservices", "NASA's new telescope finds water on an exoplanet",
             "Learning Haskell in 2026", "Europe passes a right-to-repair law for phones",
             "How Figma's multiplayer sync works", "Why we moved off Kubernetes"]


def _hn(i: int, title: str) -> Article:
    # hnrss.org's items: no text of their own, the same four lines around every link
    body = (f"Article URL: <https://example.com/a{i}>\n\nComments URL: <https://news.ycombinator.com/item?id={i}>"
            f"\n\nPoints: {100 + 7 * i}\n\n\\# Comments: {20 + 3 * i}")
    return art(f"hn{i}", title, "Hacker News: Front Page", i, content=body)


def test_a_feeds_template_lines_relate_none_of_its_items():
    items = [_hn(i, t) for i, t in enumerate(HN_TITLES)]
    links = corpus_links(items=items)
    assert sum(len(v) for v in links.values()) == 0      # was every item with every other (cosine 0.3-0.5)
    # another source's article that says the same words keeps them: the words are the feed's template only
    other = [art("c1", "Comments and points: how forums rank posts", "Blog", 1,
                 content="Comments URL points article comments points ranking forums."),
             art("c2", "Ranking comments by points on forums", "Other blog", 2,
                 content="Points and comments: ranking URL article forums points comments.")]
    links = corpus_links(items=items + other)
    assert [x.dst for x in links.get("c1", [])] == ["c2"]
    assert all(not v for k, v in links.items() if k.startswith("hn"))
