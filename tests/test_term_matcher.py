"""``TermMatcher`` (text.py) against a plain reference: one regex per term.

The matcher files its terms by first word or first character so that a text
is checked only against the terms that can occur in it; these tests pin that
the shortcut finds exactly what a whole-word search per term finds.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.text import TermMatcher

WORDS = ["agent", "agents", "multi", "open", "source", "model", "c", "ai", "rag", "x86"]
CJK = ["智能体", "智能", "模型", "开源", "推理"]


def reference(terms: list[str], text: str) -> set[str]:
    hits = set()
    for term in terms:
        folded = term.casefold()
        if folded.isascii():
            words = re.findall(r"[a-z0-9]+", folded)
            # whole words, in order, with anything but a letter or digit between them
            pattern = r"(?<![a-z0-9])" + r"[^a-z0-9]+".join(map(re.escape, words)) + r"(?![a-z0-9])"
            if words and re.search(pattern, text):
                hits.add(term)
        elif folded in text:
            hits.add(term)
    return hits


terms = st.lists(st.one_of(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join),
    st.lists(st.sampled_from(WORDS), min_size=2, max_size=2).map("-".join),
    st.sampled_from(CJK), st.just("++")), max_size=12)
texts = st.lists(st.one_of(st.sampled_from(WORDS + CJK), st.sampled_from([" ", "-", ", ", "subagents", "/"])),
                 max_size=25).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(terms, texts)
def test_finds_what_a_whole_word_search_per_term_finds(terms, text):
    assert TermMatcher(terms).found(text) == reference(terms, text)


def test_examples():
    matcher = TermMatcher(["Agents", "multi-agent", "open source", "智能体", "++"])
    assert matcher.found("subagents and multi agent systems") == {"multi-agent"}
    assert matcher.found("open-source agents") == {"open source", "Agents"}
    assert matcher.found("source open") == set()
    assert matcher.found("多智能体系统") == {"智能体"}
    assert matcher.found("c++") == set()
