"""What a feed says in every post: lines it repeats word for word are no summary or key point.

A podcast ends each episode's notes with "Follow Off Menu on Twitter and
Instagram", a newsletter each issue with "Thank you for reading via RSS", a
trade site each excerpt with "To read this article in full, please click
here", a show lists the same sponsor reads for weeks. Each is prose, so no
rule about boilerplate wording finds all of them; that the feed says it again
and again does.

Contract (pure, but ``for_sources``, which reads the store):

- ``repeated_lines(contents)`` is the set of paragraph keys
  (``extract.paragraph_key``: letters and digits, case-folded) of the lines
  (paragraphs, list items, quote lines of the Markdown) that stand in at least
  ``REPEATS`` of the contents, each content counted once, and the keys of the
  sentences that open or close that many of them (``extract.edge_sentence_keys``:
  a site's banner run into the post's first paragraph, Paul Graham's "Want to
  start a startup? Get funded by Y Combinator.");
- ``for_sources(store, sources)`` gives each source's set from its ``RECENT``
  latest articles in the store, the ones being scored included (they are
  stored before they are scored), so a post's boilerplate is known on the day
  it comes, not only in a first sync's batch.

The scorer leaves a paragraph or a sentence whose key is in its source's set
out of the summary and the key points; the note's article text keeps it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from .extract import edge_sentence_keys, paragraph_key

REPEATS = 3    # posts of one feed a line must stand in to be the feed's boilerplate
RECENT = 30    # a feed's latest posts read for it


def repeated_lines(contents: Iterable[str], repeats: int = REPEATS) -> frozenset[str]:
    """The keys of the lines that stand in ``repeats`` or more of ``contents``, and of the
    sentences that open or close that many of them (see the module)."""
    counts: Counter[str] = Counter()
    edges: Counter[str] = Counter()
    for content in contents:
        # exact lines first (a set per post: C-speed), then a key only for those that repeat
        counts.update({line.strip() for line in content.split("\n")})
        edges.update(edge_sentence_keys(content))
    keys = {paragraph_key(line) for line, n in counts.items() if n >= repeats and line}
    keys.update(key for key, n in edges.items() if n >= repeats)
    keys.discard("")
    return frozenset(keys)


def for_sources(store, sources: Iterable[str]) -> Mapping[str, frozenset[str]]:
    """Each source's repeated lines (``repeated_lines``) over its ``RECENT`` latest stored articles;
    sources that repeat nothing are left out."""
    found = {source: repeated_lines(contents) for source, contents in store.recent_contents(sources, RECENT).items()}
    return {source: keys for source, keys in found.items() if keys}
