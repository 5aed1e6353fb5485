"""The controlled tag vocabulary (sync/scoring/vocabulary.py): variants merge, the admit rule holds,
on any input (hypothesis), and the config rejects an alias claimed by two tags."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sync.config import ConfigError, TagsConfig, load_config
from sync.scoring.vocabulary import Vocabulary, alias_conflict, resolve, tag_key
from sync.tags import clean_tag

VOCAB = TagsConfig(vocabulary=("LLM", "KV cache", "智能体", "reinforcement learning"),
                   aliases=(("LLM", ("large language model", "大语言模型")), ("智能体", ("AI agent", "Agents"))),
                   admit="never")

words = st.text(st.characters(min_codepoint=ord("a"), max_codepoint=ord("z")), min_size=3, max_size=10)
cjk = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), min_size=1, max_size=6)
tags = st.lists(st.one_of(words, cjk, st.text(max_size=20)), max_size=12)


def variants(tag: str) -> st.SearchStrategy[str]:
    """Spellings of one tag: case, spacing and hyphens, fullwidth forms."""
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in tag)
    return st.sampled_from([tag, tag.upper(), tag.title(), tag.replace(" ", "-"), tag.replace(" ", "_"),
                            tag.replace(" ", ""), f" {tag} ", f"#{tag}", fullwidth])


@settings(max_examples=200, deadline=None)
@given(data=st.data(), first=words, second=words)
def test_case_spacing_and_width_variants_share_a_key(data: st.DataObject, first: str, second: str) -> None:
    tag = f"{first} {second}"
    assert tag_key(data.draw(variants(tag))) == tag_key(tag)


@settings(max_examples=200, deadline=None)
@given(word=words)
def test_a_plural_shares_its_singulars_key(word: str) -> None:
    assume(not word.endswith(("s", "sse")))
    assert tag_key(word + "s") == tag_key(word)
    if word.endswith("y") and len(word) > 3:
        assert tag_key(word[:-1] + "ies") == tag_key(word)


@settings(max_examples=200, deadline=None)
@given(tag=cjk)
def test_cjk_tags_keep_their_characters_and_merge_across_widths_and_spaces(tag: str) -> None:
    spaced = " ".join(tag)
    assert tag_key(spaced) == tag_key(tag) == tag_key(unicodedata.normalize("NFKD", tag))
    assert tag_key(tag) == clean_tag(tag)


@settings(max_examples=200, deadline=None)
@given(proposals=st.lists(tags, max_size=8), rule=st.sampled_from(["always", "never", "after_n_articles"]),
       n=st.integers(1, 4))
def test_resolve_keeps_only_what_the_rule_allows(proposals: list[list[str]], rule: str, n: int) -> None:
    vocab = Vocabulary.from_config(TagsConfig(vocabulary=VOCAB.vocabulary, aliases=VOCAB.aliases,
                                              admit=rule, admit_after=n))
    items = [(f"kb-{i}", t) for i, t in enumerate(proposals)]
    decision = resolve(items, vocab, {}, {}, limit=5)
    known = set(vocab.canonical.values())
    proposers: dict[str, set[str]] = {}
    for kb_id, raw in items:
        kept = decision.tags[kb_id]
        assert len(kept) <= 5 and len({tag_key(t) for t in kept}) == len(kept)      # no two variants
        assert all(clean_tag(t) == t for t in kept)                                     # valid Obsidian tags
        for t in raw:
            if tag_key(t):
                proposers.setdefault(tag_key(t), set()).add(kb_id)
        for t in kept:
            if t in known:
                continue
            # a new tag: never under "never", and under after_n only once n articles proposed it
            assert rule != "never"
            if rule == "after_n_articles":
                assert len(proposers[tag_key(t)]) >= n
    # resolving what was kept again changes nothing (idempotent), with what was admitted remembered
    again = resolve(list(decision.tags.items()), vocab, decision.admitted, {}, limit=5)
    assert again.tags == decision.tags


def test_aliases_merge_into_the_vocabulary_spelling() -> None:
    vocab = Vocabulary.from_config(VOCAB)
    decision = resolve([("a", ["Large Language Models", "大语言模型", "KV-Cache", "ai agents", "Crypto"])],
                       vocab, {}, {}, limit=8)
    assert decision.tags["a"] == ("llm", "kv-cache", "智能体")          # Crypto: not admitted under "never"


def test_after_n_articles_admits_on_the_nth_distinct_article_and_counts_across_runs() -> None:
    vocab = Vocabulary.from_config(TagsConfig(admit="after_n_articles", admit_after=3))
    first = resolve([("a", ["Muon optimizer"]), ("a", ["muon-optimizers"]), ("b", ["MUON OPTIMIZER"])],
                    vocab, {}, {}, limit=8)
    assert first.tags == {"a": (), "b": ()} and first.admitted == {}
    assert {(k, kb) for k, kb, _ in first.candidates} == {(tag_key("Muon optimizer"), "a"),
                                                         (tag_key("Muon optimizer"), "b")}
    seen = {tag_key("Muon optimizer"): frozenset({"a", "b"})}
    second = resolve([("c", ["Muon Optimizers"]), ("d", ["muon optimizer"])], vocab, {}, seen, limit=8)
    # the third article tips it over and gets the tag; the fourth finds it admitted
    assert second.tags == {"c": ("muon-optimizers",), "d": ("muon-optimizers",)}
    assert second.admitted == {tag_key("Muon optimizer"): "muon-optimizers"}


def test_always_makes_the_first_spelling_canonical() -> None:
    vocab = Vocabulary.from_config(TagsConfig())
    decision = resolve([("a", ["World Models"]), ("b", ["world-model", "世界模型"])], vocab, {}, {}, limit=8)
    assert decision.tags == {"a": ("world-models",), "b": ("world-models", "世界模型")}


def test_an_alias_of_two_tags_is_a_config_error(tmp_path: Path) -> None:
    assert alias_conflict(VOCAB) is None
    clash = TagsConfig(vocabulary=("LLM", "agents"), aliases=(("LLM", ("agent",)),))
    assert alias_conflict(clash) == "'agent' is an alias of both 'agents' and 'LLM'"
    config = tmp_path / "config.toml"
    config.write_text('[scoring.tags]\nvocabulary = ["LLM", "agents"]\naliases = { LLM = ["agent"] }\n', "utf-8")
    with pytest.raises(ConfigError, match=r"^config.toml: scoring.tags.aliases: 'agent' is an alias of both"):
        load_config(config)
    config.write_text('[scoring.tags]\nadmit = "sometimes"\n', "utf-8")
    with pytest.raises(ConfigError, match=r"^config.toml: scoring.tags.admit: "):
        load_config(config)
    config.write_text('[scoring]\nmodel = "my-proxy-model"\n[scoring.claude]\nbudget_usd = 5\n', "utf-8")
    with pytest.raises(ConfigError, match=r"scoring.claude.budget_usd: no known price for model 'my-proxy-model'"):
        load_config(config)
    config.write_text('[scoring]\nmodel = "my-proxy-model"\n[scoring.claude]\nbudget_usd = 5\n'
                      'price_per_mtok = [1.5, 7.5]\nconcurrency = 2\n', "utf-8")
    cfg = load_config(config)
    assert (cfg.scoring.claude.price_per_mtok, cfg.scoring.claude.concurrency) == ((1.5, 7.5), 2)
