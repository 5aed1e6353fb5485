"""What a feed says in every post: lines it repeats word for word are no summary or key point,
and the words it opens every post with are not read.

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
- ``repeated_openings(contents)`` are the words (as ``extract.word_keys``)
  that at least ``REPEATS`` of the contents open their first line with, run
  into the post's own first sentence: a scraped page's chrome before the
  article ("Your browser does not support the audio element. Listen to
  article … Voice Speed 0.75X 1X 1.5X 2X" on Google's blog, "Key takeaways"
  on Amazon's news, "News Highlights" on AMD's press releases), which no line
  or sentence rule finds because the post's text follows it without a break.
  An opening is where the posts that share it part ways, in at least half of
  the posts read (or ``OPENING_LONG`` words long: an audio player's labels
  stand only before the posts that have audio), two words or more with
  ``OPENING_CHARS`` letters and digits; it ends in no comma and no stop word
  (the post's own sentence goes on: "Earlier this year,", "We show that"),
  is followed by what starts a sentence (not a lower-case letter), and the
  posts do not go on alike one word after it (a sentence with a slot: "We'd
  like to announce the availability of the QEMU 10.1.0 release"). Of a post's
  shared beginnings, the longest such;
- ``without_opening(text, openings)`` is ``text`` after the longest of
  ``openings`` it begins with (unchanged when it begins with none);
- ``for_sources(store, sources)`` gives each source's ``Boilerplate`` (its
  lines and its openings) from its ``RECENT`` latest articles in the store,
  the ones being scored included (they are stored before they are scored), so
  a post's boilerplate is known on the day it comes, not only in a first
  sync's batch.

The scorer leaves a paragraph or a sentence whose key is in its source's set
out of the summary and the key points, and reads the summary, the key points
and the topics of each article without its feed's opening (its category and
score weigh the whole text); the note's article text keeps both.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from ..links.features import STOP_WORDS
from .extract import edge_sentence_keys, paragraph_key, word_keys

REPEATS = 3          # posts of one feed a line must stand in to be the feed's boilerplate
RECENT = 30          # a feed's latest posts read for it
OPENING_WORDS = 60   # words of a post's first line read for the feed's opening
OPENING_CHARS = 10   # letters and digits an opening has at least ("Key takeaways": 13)
OPENING_LONG = 8     # words of an opening that fewer than half the posts have (an audio player's)

Opening = tuple[str, ...]    # the keys of an opening's words, in order


class Boilerplate(NamedTuple):
    """What one feed repeats: its lines' and edge sentences' keys, and its openings (longest first)."""

    lines: frozenset[str]
    openings: tuple[Opening, ...] = ()


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


def repeated_openings(contents: Sequence[str], repeats: int = REPEATS) -> tuple[Opening, ...]:
    """The openings of ``contents`` (see the module), longest first."""
    # only posts whose first two words ``repeats`` posts share can be in an opening: the rest
    # (most posts of most feeds) are not read further
    pairs = [tuple(key for key, _ in word_keys(content, 2)) for content in contents]
    shared_pair = Counter(pairs)
    posts = [(content, word_keys(content, OPENING_WORDS))
             for content, pair in zip(contents, pairs) if len(pair) == 2 and shared_pair[pair] >= repeats]
    posts = [(content, words) for content, words in posts if len(words) > 2]
    # how many posts begin with each sequence of words: a trie, one node per distinct beginning
    node_of: dict[tuple[int, str], int] = {}
    shared: list[int] = [0]
    paths = []
    for _, words in posts:
        node, path = 0, []
        for key, _end in words:
            node = node_of.setdefault((node, key), len(shared))
            if node == len(shared):
                shared.append(0)
            shared[node] += 1
            path.append(node)
        paths.append(path)
    openings: set[Opening] = set()
    words_of = [words for _, words in posts]
    for (content, words), path in zip(posts, paths):
        # the longest beginning other posts share that reads as an opening (n words, n >= 2)
        for n in range(len(words) - 1, 1, -1):
            posts_with = shared[path[n - 1]]
            if posts_with < repeats or shared[path[n]] == posts_with:
                continue                  # too few posts, or all of them go on alike: not where they part
            if (2 * posts_with >= len(contents) or n >= OPENING_LONG) and _is_opening(content, words, n) \
                    and not _slotted([w for w, p in zip(words_of, paths) if len(p) >= n and p[n - 1] == path[n - 1]], n):
                openings.add(tuple(key for key, _ in words[:n]))
                break
    return tuple(sorted(openings, key=len, reverse=True))


# what follows an opening: a sentence's first letter or digit, after any quote, bracket or mark
_NEXT = re.compile(r"[\W_]*(\w)")


def _is_opening(content: str, words: Sequence[tuple[str, int]], n: int) -> bool:
    """Whether the first ``n`` of ``words`` (``extract.word_keys`` of ``content``, which has more
    than ``n``) can be a feed's opening: long enough, no lead-in of the post's own sentence, and
    followed by what begins one."""
    if sum(len(key) for key, _ in words[:n]) < OPENING_CHARS:
        return False
    end = words[n - 1][1]
    if content[end - 1] in ",，、;；" or words[n - 1][0] in STOP_WORDS:
        return False                      # "Earlier this year," "We show that": the post's sentence goes on
    following = _NEXT.match(content, end)
    return following is not None and not following.group(1).islower()


def _slotted(group: Sequence[Sequence[tuple[str, int]]], n: int) -> bool:
    """Whether the posts of ``group``, which open with the same ``n`` words, go on alike after one
    word of their own: a sentence with a slot ("We'd like to announce the availability of the QEMU
    10.1.0 release"), which is the post's own sentence, not a page's chrome before it."""
    after = Counter(words[n + 1][0] for words in group if len(words) > n + 1)
    return bool(after) and 2 * after.most_common(1)[0][1] >= len(group)


def without_opening(text: str, openings: Sequence[Opening]) -> str:
    """``text`` after the longest of ``openings`` it begins with (its words compared by their keys),
    without the space or dash between; ``text`` itself when it begins with none."""
    if not openings or not text:
        return text
    words = word_keys(text, len(openings[0]))
    keys = tuple(key for key, _ in words)
    for opening in openings:
        if keys[:len(opening)] == opening:
            return text[words[len(opening) - 1][1]:].lstrip(" \t-–—|:·•")
    return text


def for_sources(store, sources: Iterable[str]) -> Mapping[str, Boilerplate]:
    """Each source's repeated lines (``repeated_lines``) and openings (``repeated_openings``) over its
    ``RECENT`` latest stored articles; sources that repeat nothing are left out."""
    found = {source: Boilerplate(repeated_lines(contents), repeated_openings(contents))
             for source, contents in store.recent_contents(sources, RECENT).items()}
    return {source: found for source, found in found.items() if found.lines or found.openings}
