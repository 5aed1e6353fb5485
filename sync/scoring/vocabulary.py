"""The controlled tag vocabulary: variants merged, new tags admitted only by rule.

LLM taggers left alone grow thousands of near-duplicate tags ("LLM", "LLMs",
"large-language-model", "ＬＬＭ"). Every tag therefore goes through
``tag_key``, a spelling-blind key: NFKC (fullwidth and compatibility forms,
so CJK variants of one character meet), Obsidian's tag rules (``clean_tag``),
case folded, separators (space, ``-``, ``_``) dropped, and a simple English
plural folded at the end ("agents" ~ "agent", "policies" ~ "policy",
"classes" ~ "class", "large language models" ~ "large-language-model"). Tags with the same key are the same tag.

Contract (pure): ``Vocabulary.from_config(cfg)`` maps the keys of the
configured tags and of their aliases to the canonical tag. ``resolve`` takes
the tags Claude proposed for each article, in order, and returns the tags
kept: a known key becomes its canonical tag (the configured one, else the
spelling first admitted); an unknown one is kept only under the admit rule:

* ``always``: admitted at once (and its spelling becomes canonical);
* ``never``: dropped;
* ``after_n_articles``: recorded as a candidate, admitted once ``admit_after``
  different articles have proposed it (the article that tips it over gets it;
  earlier ones are not re-tagged).

The store keeps admitted tags and candidates (``store/claude.py``), so the
rule counts across runs.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..config import TagsConfig
from ..tags import alias_conflict, clean_tag, tag_key  # noqa: F401  (alias_conflict: part of this module's contract)



def canonical_tag(tag: str) -> str | None:
    """How a configured tag is written on notes: Obsidian's clean form of it."""
    return clean_tag(unicodedata.normalize("NFKC", tag))


@dataclass(frozen=True)
class Vocabulary:
    canonical: Mapping[str, str] = field(default_factory=dict)   # key -> canonical tag
    admit: str = "always"
    admit_after: int = 3

    @classmethod
    def from_config(cls, cfg: TagsConfig) -> Vocabulary:
        canonical: dict[str, str] = {}
        for term in cfg.vocabulary:
            key, tag = tag_key(term), canonical_tag(term)
            if key and tag:
                canonical.setdefault(key, tag)
        for term, variants in cfg.aliases:
            key, tag = tag_key(term), canonical_tag(term)
            if not key or not tag:
                continue
            tag = canonical.setdefault(key, tag)
            for variant in variants:
                vkey = tag_key(variant)
                if vkey:
                    canonical.setdefault(vkey, tag)
        return cls(canonical=canonical, admit=cfg.admit, admit_after=cfg.admit_after)

    @property
    def terms(self) -> list[str]:
        """The canonical tags, each once, in configured order (for the prompt)."""
        return list(dict.fromkeys(self.canonical.values()))


@dataclass(frozen=True)
class TagDecision:
    tags: dict[str, tuple[str, ...]]                 # kb_id -> tags kept
    admitted: dict[str, str]                         # key -> tag admitted by this decision
    candidates: list[tuple[str, str, str]]           # (key, kb_id, tag) proposals still waiting


def resolve(proposals: Sequence[tuple[str, Sequence[str]]], vocab: Vocabulary, admitted: Mapping[str, str],
            candidates: Mapping[str, frozenset[str]], *, limit: int) -> TagDecision:
    """Apply the vocabulary and the admit rule to each article's proposed tags (see the module docstring).

    ``admitted``: key -> tag admitted on earlier runs; ``candidates``: key ->
    kb_ids that proposed it so far. Articles are handled in order, so a tag
    can be admitted halfway through and kept for the articles after.
    """
    known = dict(admitted)
    waiting = {k: set(v) for k, v in candidates.items()}
    new_admitted: dict[str, str] = {}
    new_candidates: list[tuple[str, str, str]] = []
    out: dict[str, tuple[str, ...]] = {}
    for kb_id, tags in proposals:
        kept: list[str] = []
        keys: set[str] = set()
        for raw in tags:
            key = tag_key(raw)
            if key is None:
                continue
            tag = vocab.canonical.get(key) or known.get(key)
            if tag is None:
                tag = _admit(key, kb_id, canonical_tag(raw) or raw, vocab, waiting, new_candidates)
                if tag is not None:
                    known[key] = new_admitted[key] = tag
            # two aliases of one tag give it once
            if tag is not None and tag_key(tag) not in keys and len(kept) < limit:
                keys.add(tag_key(tag))  # type: ignore[arg-type]
                kept.append(tag)
        out[kb_id] = tuple(kept)
    return TagDecision(out, new_admitted, [c for c in new_candidates if c[0] not in new_admitted])


def _admit(key: str, kb_id: str, tag: str, vocab: Vocabulary, waiting: dict[str, set[str]],
           new_candidates: list[tuple[str, str, str]]) -> str | None:
    """The admit rule for one unknown tag: the tag when admitted now, else None."""
    if vocab.admit == "always":
        return tag
    if vocab.admit == "never":
        return None
    # after_n_articles: count distinct proposing articles, this one included
    proposers = waiting.setdefault(key, set())
    if kb_id not in proposers:
        proposers.add(kb_id)
        new_candidates.append((key, kb_id, tag))
    return tag if len(proposers) >= vocab.admit_after else None
