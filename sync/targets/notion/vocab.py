"""The bounded option lists of the Notion schema (pure).

Contract: ``bounded(cfg)`` returns the tags and sources that may become
options of the Articles data source: at most ``MAX_OPTIONS`` each.

- Tags: the configured vocabulary (``[scoring.tags]`` vocabulary and the
  aliases' canonical tags), then the scoring interests (the heuristic
  scorer's tags), in that order. A tag is matched by its spelling-blind key
  (``scoring.vocabulary.tag_key``), so "agents" shows as the configured
  "agent". Any other tag goes into the text property "More tags".
- Sources: the names of the configured feeds as the sync calls them
  (``sources.names``: a feed without a ``name`` by its own title). Any other
  source (an import, a feed removed from the config) goes into the text
  property "Other source".

Why: Notion refuses a data source whose schema grows past its size limit
("Database schema has exceeded the maximum size"); a select that gains an
option per article (194 Tags options from 78 example articles) gets there.
A bounded list also keeps the board and filter menus usable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ...config import Config
from ...scoring.vocabulary import Vocabulary, canonical_tag, tag_key
from .pages import option

MAX_OPTIONS = 100


@dataclass(frozen=True)
class Bounded:
    tags: dict[str, str] = field(default_factory=dict)       # tag key -> the option it shows as
    sources: frozenset[str] = frozenset()                      # source option names

    def split_tags(self, tags: Iterable[str]) -> tuple[list[str], list[str]]:
        """(options for Tags, the rest for "More tags"), each once, in order."""
        inside: list[str] = []
        outside: list[str] = []
        for tag in tags:
            key = tag_key(tag)
            shown = self.tags.get(key) if key else None
            if shown is not None:
                inside.append(shown)
            elif tag.strip():
                outside.append(tag.strip())
        return list(dict.fromkeys(inside)), list(dict.fromkeys(outside))

    def split_source(self, source: str | None) -> tuple[str | None, str]:
        """(the Source option, or None; the source as text when it is not an option)."""
        name = option(source)
        return (name, "") if name in self.sources else (None, (source or "").strip())


def bounded(cfg: Config, feed_names: Iterable[str] | None = None) -> Bounded:
    """``feed_names``: the configured feeds' names as the sync calls them (default: as configured)."""
    vocab = Vocabulary.from_config(cfg.scoring.tags)
    tags: dict[str, str] = {}
    shown: list[str] = []
    pairs: list[tuple[str | None, str | None]] = list(vocab.canonical.items())
    pairs += [(tag_key(term), canonical_tag(term)) for term in cfg.scoring.interests]
    for key, tag in pairs:
        name = option(tag)
        if not key or not name or key in tags:
            continue
        if name not in shown:
            if len(shown) >= MAX_OPTIONS:
                continue
            shown.append(name)
        tags[key] = name
    names = [f.name for f in cfg.feeds] if feed_names is None else feed_names
    return Bounded(tags, frozenset(_first(option(name) for name in names)))


def _first(names: Iterable[str | None], limit: int = MAX_OPTIONS) -> Sequence[str]:
    return list(dict.fromkeys(n for n in names if n))[:limit]
