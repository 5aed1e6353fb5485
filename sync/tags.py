"""Tags cleaned to Obsidian's rules (the project's shared OBSIDIAN.md, "Tags"), and their spelling-blind keys.

A clean tag is NFC and made only of Unicode letters and combining marks
(CJK included), Unicode digits, ``_``, ``-`` and ``/`` for nesting:

* a leading ``#`` is dropped (YAML tags are written without it);
* CJK and fullwidth punctuation (、。「」，：！ ・ …) is deleted, because
  Obsidian's parser would keep it inside the tag;
* format characters (zero-width joiners, bidi marks) are deleted;
* every other character (spaces, ASCII punctuation, symbols, emoji) becomes
  ``-``; runs of ``-`` collapse to one and each nesting segment is trimmed of
  ``-``, so "Large Language Models!" -> "large-language-models";
* empty nesting segments vanish: "a//b" -> "a/b", no leading/trailing "/";
* ASCII letters are lower-cased (tags are case-insensitive; other scripts
  are kept as written);
* the tag is cut to ``MAX_TAG_CHARS`` characters;
* a tag with no letter at all ("2026", "3-4", "🚀") has no valid form and
  gives ``None``.  This is stricter than Obsidian, which only asks for one
  non-digit, so that "_" or "-" alone never become tags.

``clean_tag`` is idempotent: ``clean_tag(t) == t`` for every tag it returns.

``tag_key`` folds case, separators and an ASCII plural, so ``coding-agent``
and ``Coding Agents`` are one tag; ``alias_conflict`` checks a configured
vocabulary against it (``config`` refuses a conflict at load time).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import TagsConfig

MAX_TAG_CHARS = 60

# Blocks whose punctuation and symbols are deleted rather than turned into "-".
_CJK_PUNCT_BLOCKS = (
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x30A0, 0x30A0),  # katakana-hiragana double hyphen
    (0x30FB, 0x30FB),  # katakana middle dot
    (0xFE10, 0xFE1F),  # vertical forms
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFE50, 0xFE6F),  # small form variants
    (0xFF00, 0xFFEF),  # halfwidth and fullwidth forms
)
_ASCII_UPPER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_DASHES = re.compile(r"-{2,}")


def _is_cjk_punct(ch: str, category: str) -> bool:
    if category[0] not in "PS":
        return False
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _CJK_PUNCT_BLOCKS)


def _map_char(ch: str) -> str:
    """What one character becomes in a tag: itself, "-" or nothing."""
    if ch in "_-/":
        return ch
    category = unicodedata.category(ch)
    if category[0] in "LMN":
        return ch
    if category == "Cf" or _is_cjk_punct(ch, category):
        return ""
    return "-"


def _tidy(text: str) -> str:
    """Collapse dashes, trim each nesting segment, drop empty segments."""
    segments = (_DASHES.sub("-", seg).strip("-") for seg in text.split("/"))
    return "/".join(seg for seg in segments if seg)


def clean_tag(raw: str) -> str | None:
    """``raw`` as a valid Obsidian tag, or None when nothing valid is left."""
    text = unicodedata.normalize("NFC", raw).strip().lstrip("#")
    mapped = "".join(_map_char(ch) for ch in text).translate(_ASCII_UPPER)
    # Deleting a character may bring a letter and a mark together: NFC again.
    text = _tidy(unicodedata.normalize("NFC", mapped))
    if len(text) > MAX_TAG_CHARS:
        # A cut may leave a trailing "-" or "/" or a dangling mark; tidy again.
        text = _tidy(unicodedata.normalize("NFC", text[:MAX_TAG_CHARS]))
    if not any(unicodedata.category(ch)[0] == "L" for ch in text):
        return None
    return text


def clean_tags(raws: Iterable[str], limit: int = 10) -> tuple[str, ...]:
    """Cleaned tags, invalid ones dropped, deduplicated case-insensitively
    (first spelling wins), order kept, at most ``limit``."""
    return _distinct((clean_tag(raw) for raw in raws), str.casefold, limit)


def _distinct(tags: Iterable[str | None], key: Callable[[str], str], limit: int) -> tuple[str, ...]:
    """The first ``limit`` tags that are not None, one per ``key``, in order."""
    seen: set[str] = set()
    kept: list[str] = []
    for tag in tags:
        if len(kept) >= limit:
            break
        if tag is not None and key(tag) not in seen:
            seen.add(key(tag))
            kept.append(tag)
    return tuple(kept)


_SEPARATORS = re.compile(r"[-_\s]+")


def _singular(word: str) -> str:
    """A plural's key form, for ASCII words only (other scripts have no such plural).

    Only consistency matters (a key is never shown): "gpus" ~ "gpu",
    "classes" ~ "class", "policies" ~ "policy"; a singular ending in "s"
    ("analysis") just loses it on both sides of the comparison.
    """
    if not word.isascii():
        return word
    if word.endswith("sses"):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    # "policies" -> "policie" -> "policy", and "policy" stays "policy"
    return word[:-2] + "y" if len(word) > 2 and word.endswith("ie") else word


def tag_key(tag: str) -> str | None:
    """The spelling-blind key of a tag (None: no valid tag form)."""
    cleaned = clean_tag(unicodedata.normalize("NFKC", tag))
    if cleaned is None:
        return None
    segments = []
    for segment in cleaned.casefold().split("/"):
        # separators dropped first, so "multi agent" == "multiagent"; a compound's plural is on its end
        segments.append(_singular(_SEPARATORS.sub("", segment)))
    return "/".join(segments)


def alias_conflict(cfg: TagsConfig) -> str | None:
    """A problem with the configured vocabulary and aliases, in a few words, or None."""
    owner: dict[str, str] = {}
    for term in [*cfg.vocabulary, *(t for t, _ in cfg.aliases)]:
        if tag_key(term) is None:
            return f"{term!r} has no valid tag form"
        owner.setdefault(tag_key(term), term)  # type: ignore[arg-type]
    for term, variants in cfg.aliases:
        for variant in variants:
            key = tag_key(variant)
            if key is None:
                return f"{variant!r} (alias of {term!r}) has no valid tag form"
            other = owner.setdefault(key, term)
            if tag_key(other) != tag_key(term):
                return f"{variant!r} is an alias of both {other!r} and {term!r}"
    return None


# -- folding: one spelling per tag ------------------------------------------------------

# words ending in "s" that are not plurals (kept as they are)
_NOT_PLURAL = frozenset("news series species diffusers transformers kubernetes aws ios macos windows campus corpus "
                        "christmas xmas rails".split())


# nouns in "-ie", whose plural is no "-y" word's ("movies" is no "movy")
_IE_NOUNS = tuple("movie cookie zombie rookie selfie hoodie goalie calorie brownie freebie indie newbie "
                  "techie foodie smoothie sortie prairie pixie genie auntie".split())


def _singular_word(word: str) -> str:
    """An English plural as its singular, for display ("agents" -> "agent", "policies" -> "policy").

    A word in "-ics" names a field ("genetics", "electronics") and one in "-news" a section
    ("worldnews"): kept as they are, as are the words of ``_NOT_PLURAL``."""
    if not word.isascii() or len(word) <= 3 or word in _NOT_PLURAL or not word.endswith("s") \
            or word.endswith(("ics", "news")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-1] if word[:-1].endswith(_IE_NOUNS) else word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes")) or word.endswith("oes") and len(word) > 6:
        return word[:-2]              # "tornadoes", "embargoes"; "shoes", "canoes" lose the "s" alone
    if word.endswith(("ss", "us", "is")) and not word.endswith("pus"):   # gpus, tpus are plurals
        return word
    return word[:-1]


@lru_cache(maxsize=16384)   # pure, and a feed repeats its categories on every entry
def fold_tag(raw: str) -> str | None:
    """One spelling for the variants of a tag: NFKC (fullwidth forms), Obsidian's rules, lower
    case, spaces and underscores as hyphens, and the last word singular; so "Coding Agents",
    "coding_agent" and "ｃｏｄｉｎｇ-agents" are all ``coding-agent``."""
    tag = clean_tag(unicodedata.normalize("NFKC", raw).replace("_", "-"))
    if tag is None:
        return None
    segments = []
    for segment in tag.casefold().split("/"):
        words = segment.split("-")
        singular = _singular_word(words[-1])
        # a name's last word is no plural ("tiger-woods", "united-states", "star-wars", "nadine-dorries"):
        # in a tag of several words, only a word the lexicon knows is made singular ("coding-agents")
        if len(words) == 1 or singular in _lexicon_words():
            words[-1] = singular
        segments.append("-".join(words))
    return "/".join(segments)


@lru_cache(maxsize=1)
def _lexicon_words() -> frozenset[str]:
    """The words of the key-phrase lexicon and its topic labels (``sync.phrases``), singular."""
    from .phrases import KEY_PHRASES, TOPIC_LABELS

    phrases = [*KEY_PHRASES, *(p for ps in KEY_PHRASES.values() for p in ps), *TOPIC_LABELS]
    return frozenset(_singular_word(w) for p in phrases for w in re.split(r"[-\s/_]+", p.casefold()) if w)


def fold_tags(raws: Iterable[str], limit: int = 10) -> tuple[str, ...]:
    """Folded tags, duplicates (after folding, and ignoring hyphens) dropped, order kept, at most ``limit``."""
    return _distinct((fold_tag(raw) for raw in raws), lambda tag: tag.replace("-", ""), limit)
