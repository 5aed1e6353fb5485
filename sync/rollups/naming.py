"""Trend names and descriptions a person would write, from the titles and tags of a cluster.

Contract (pure; deterministic; every tie broken by the text, never by input order):

- ``name_trend(stories, ...)`` gives ``(name, description)``. The name is the
  topic most of the stories are tagged with ("Coding agents", "世界模型";
  ``phrases.TOPIC_LABELS``) with the most distinctive phrase their titles
  share ("Coding agents: Gemini CLI"); without such a tag, that phrase alone
  ("Qwen3", "A and B" for two). The description says what the group covers:
  the topic, each story's telling name, how many articles and from whom.
  Both are in the language most of the titles are in (Chinese, Japanese,
  else English).
- ``distinct_name(name, stories, ...)``: a name no other trend of the week
  has: ``name``, or with a telling name of its stories after it.
- ``title_phrases(title)``: a title's candidate phrases: Latin words and word
  pairs, and CJK pieces of 2-8 characters made of whole words (a cut through
  two words, "准复杂系统工", is never a name).
- ``entities(title)``: the names a title gives (digits, acronyms, words rare
  in English).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Container, Mapping, Sequence
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from ..links.features import STOP_WORDS
from ..pages.markdown import SUMMARY_CHARS
from ..phrases import BROAD_TAGS, KEY_PHRASES, NAMES, TOPIC_LABELS, topic_matcher
from ..text import has_cjk, titles_language, truncate

if TYPE_CHECKING:   # digest.py builds the stories and imports this module
    from .digest import Story

_CJK_SPAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]+")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+#.\-]*[A-Za-z0-9+#]|[A-Za-z]")
_LATIN_RUN = re.compile(r"[A-Za-z0-9+#.\-]+(?:[ \t]+[A-Za-z0-9+#.\-]+)*")
_NAME_STOP = frozenset("""a an and are as at be by for from how in into is it its new of on or the to vs
what when why with your you this that we our can will not more most about after over just
introducing introduces announcing announces launch launches launching release releases released
update updates gets major first now here""".split())
# a month or a weekday, with or without a day's number, is a date and names no trend ("Jul", "Jul 24": a
# research feed that prints each post's date before its title)
_CALENDAR = frozenset("""january february march april may june july august september october november
december jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
saturday sunday mon tue tues wed thu thur thurs fri sat sun""".split())
_DAY_NUMBER = re.compile(r"\d{1,4}(?:st|nd|rd|th)?")
_KNOWN_NAMES = frozenset(spelling for spellings in NAMES.values() for spelling in spellings)


def _calendar(phrase: str) -> bool:
    """Whether ``phrase`` is only a date's words: month and weekday names and numbers ("Jul 24")."""
    words = phrase.casefold().replace(",", " ").replace(".", " ").split()
    return any(w in _CALENDAR for w in words) and all(w in _CALENDAR or _DAY_NUMBER.fullmatch(w) for w in words)


EVERYDAY = 1e-3   # per-token frequency in English from which a word alone is no trend name ("need": 1.2e-3)
_CJK_NAME_STOP = frozenset("的了是在和与及或等也都就而但被把这那个之其为以于从我你他她它们吗呢吧啊着过很并")



def trend_name(titles: list[str], week_phrases: Mapping[str, int], week_size: int, parts: int = 2) -> str:
    """The most distinctive phrases the cluster's titles share, in their own script and casing.

    ``week_phrases`` counts, per phrase, the week's titles containing it: a
    phrase common to the whole week ("AI", "模型") names no particular trend.
    """
    cluster = [title_phrases(t) for t in titles]
    # a phrase is shared whatever its case: "Auto mode" opens one title and "auto mode" is inside
    # the other (counted apart, the two titles shared only "mode"); it is shown as a title
    # capitalises it, else as the first title writes it
    display: dict[str, str] = {}
    for ps in cluster:
        for p in sorted(ps):
            shown = display.setdefault(p.casefold(), p)
            if p[:1].isupper() and not shown[:1].isupper():
                display[p.casefold()] = p
    counts = Counter(f for ps in cluster for f in {p.casefold() for p in ps})
    # a word of everyday English ("need", "help", "home") names no trend by itself
    shared = {p: n for p, n in counts.items() if n >= 2 and not _everyday(p) and not _calendar(p)}
    if not shared:
        return ""
    folded = folded_counts(week_phrases)

    def value(p: str) -> tuple:
        idf = math.log((1 + week_size) / (1 + folded.get(p, 0)))
        length = len(p) if has_cjk(p) else 2 * len(p.split())
        return (-(shared[p] * (1 + idf) * math.log(1 + length)), p)

    chosen: list[str] = []
    for p in sorted(shared, key=value):
        # a phrase inside (or containing) one already chosen says nothing new
        if any(p in c or c in p for c in chosen):
            continue
        chosen.append(p)
        if len(chosen) == parts:
            break
    shown = [display[c] for c in chosen]
    # a name starts with a capital: "Hackathon", not "hackathon" (a word of lower-case letters alone:
    # "gpt-oss" and "iPhone" are written so)
    if shown and shown[0].replace(" ", "").isalpha() and shown[0].islower() and shown[0].isascii():
        shown[0] = shown[0][:1].upper() + shown[0][1:]
    return " · ".join(shown)


def _everyday(phrase: str) -> bool:
    """A single Latin word among the most frequent of English (``EVERYDAY``)."""
    if " " in phrase or has_cjk(phrase) or any(ch.isdigit() for ch in phrase):
        return False
    from ..links.background import word_frequency
    return word_frequency(phrase) >= EVERYDAY


def _topic(stories: Sequence[Story], week_tags: Mapping[str, int]) -> str | None:
    """The topic most of the stories are about (specific before broad), or None: a tag of theirs
    that names one, or one the lexicon finds in their titles (a note has five tags at most, and a
    feed's own categories come first: TechCrunch's "Startups", "Fundraising" and names had left no
    room for ``funding`` under "X raises $350M", and the trend was called "Raises")."""
    need = max(2, math.ceil(len(stories) / 2))
    counts = Counter(t for st in stories for t in {*st.tags, *_title_topics(st.title)} if t in TOPIC_LABELS)
    ranked = sorted((t for t, n in counts.items() if n >= need),
                    key=lambda t: (t in BROAD_TAGS, -counts[t], week_tags.get(t, 0), t))
    return ranked[0] if ranked else None


@lru_cache(maxsize=4096)
def _title_topics(title: str) -> frozenset[str]:
    """The lexicon's topics a title names, as the scorer finds them (``phrases.topic_matcher``)."""
    matcher, owner = topic_matcher()
    return frozenset(owner[phrase] for phrase in matcher.found(title.casefold()))


def name_trend(stories: Sequence[Story], per_story: list[list[str]], week_phrases: Mapping[str, int],
               week_tags: Mapping[str, int], week_size: int) -> tuple[str, str]:
    """(name, description) of a trend group, offline (see the module docstring).

    ``per_story`` holds each story's titles (its lead's and its other sources').
    """
    titles = [t for group in per_story for t in group]
    # Chinese titles get the Chinese labels and sentences; Japanese ones Japanese sentences around the
    # English labels (the Chinese "编程智能体" is no Japanese); Korean ones English
    lang = titles_language(titles)
    cjk = lang in ("zh", "ja")
    topic = _topic(stories, week_tags)
    # a name two titles give ("Waymo World Model", "Gemini CLI") says most; else the shared phrases
    context = " ".join(st.summary for st in stories)
    named = Counter(e for group in per_story
                    for e in {x.casefold(): x for t in group for x in entities(t, context=context)}.values())
    shared = sorted((e for e, n in named.items() if n >= 2), key=lambda e: (-named[e], -len(e), e))
    phrase = trend_name(titles, week_phrases, week_size, parts=2 if topic is None else 1)
    parts = shared[:1] or [p for p in phrase.split(" · ") if p]
    if topic is not None:
        label = TOPIC_LABELS[topic][1 if lang == "zh" else 0]
        # "Open Source" says nothing after "Open-source releases": compare with hyphens as spaces
        fold = lambda x: x.casefold().replace("-", " ")   # noqa: E731
        extra = [p for p in parts if fold(p) not in fold(label) and fold(label) not in fold(p)]
        # after a topic, a Latin phrase must start with a name some title gives ("Codex app",
        # "MCP"), not with a common word ("Robotics: Generalist", "Coding agents: AI Adoption")
        starts = {e.split()[0].casefold() for t in titles for e in entities(t, context=context)}
        extra = [p for p in extra if has_cjk(p) or p.split()[0].casefold() in starts]
        name = f"{label}{'：' if cjk else ': '}{extra[0]}" if extra else label
    elif parts:
        label = name = {"zh": "与", "ja": "と"}.get(lang, " and ").join(parts)
    else:
        # nothing shared: a name the stories give, the lead's first ("Claude Opus 4.6"), else its title
        names = [e for st in stories for e in entities(st.title, context=context)]
        label = name = names[0] if names else truncate(stories[0].title, 60)
        if not names:
            return name, _describe(stories, label, titles, week_phrases, week_size, lang, titled=True)
    return name, _describe(stories, label, titles, week_phrases, week_size, lang)


def distinct_name(name: str, stories: Sequence[Story], week_phrases: Mapping[str, int], week_size: int,
                  used: Container[str]) -> str:
    """``name``, or, when another trend of the week is called so already (``used``, case-folded),
    ``name`` and what sets its stories apart: the phrase their titles share ("Security: forum
    plugin"), else the first telling name one of them gives ("Security: Oracle"); ``name`` itself
    when nothing makes a new name."""
    if name.casefold() not in used:
        return name
    shared = trend_name([st.title for st in stories], week_phrases, week_size, parts=1)
    tellings = [_telling_phrase(st.title, week_phrases, week_size, name, st.summary) for st in stories]
    for telling in [shared, *tellings]:
        if not telling or telling.casefold() in name.casefold():
            continue
        candidate = f"{name}{'：' if has_cjk(name) else ': '}{telling}"
        if candidate.casefold() not in used:
            return candidate
    return name


def _describe(stories: Sequence[Story], label: str, titles: list[str], week_phrases: Mapping[str, int],
              week_size: int, lang: str, *, titled: bool = False) -> str:
    """One sentence on what the group covers: the topic, each story's telling name, the sources
    (``titled``: the group is named after its lead's title, which it is not "on"), in Chinese,
    Japanese or English (``lang``: ``text.titles_language``)."""
    names: list[str] = []
    for st in stories:
        best = _telling_phrase(st.title, week_phrases, week_size, label, st.summary)
        if best and all(best.casefold() not in n.casefold() and n.casefold() not in best.casefold() for n in names):
            names.append(best)
    sources = list(dict.fromkeys(s for st in stories for s in (st.source, *(x.source for x in st.also))))
    count = len(titles)
    shown = names[:4]
    if lang == "ja":
        src = "、".join(sources[:3]) + ("など" if len(sources) > 3 else "")
        head = f"今週の関連記事{count}件（筆頭は「{label}」）" if titled else f"今週は{label}の記事が{count}件"
        return truncate(head + (f"：{'、'.join(shown)}" if shown else "") + f"。出典：{src}。", SUMMARY_CHARS)
    if lang == "zh":
        what = "、".join(shown[:-1]) + ("和" if len(shown) > 1 else "") + shown[-1] if shown else ""
        src = "、".join(sources[:3]) + ("等" if len(sources) > 3 else "")
        head = f"本周{count}篇相关文章，以《{label}》为首" if titled else f"本周{count}篇文章关注{label}"
        return truncate(head + (f"：{what}" if what else "") + f"，来自{src}。", SUMMARY_CHARS)
    what = (", ".join(shown[:-1]) + " and " + shown[-1]) if len(shown) > 1 else "".join(shown)
    more = len(sources) - 3
    src = ", ".join(sources[:3]) + (f" and {more} more" if more > 0 else "")
    # "Coding agents" reads "coding agents" mid-sentence; "AI chips" and "Model Context Protocol" stay
    # only a topic label is a common noun; a name keeps its capital ("on Anthropic", not "on anthropic"),
    # and so does a label that is one, which its Chinese twin writes alike ("on Rust", not "on rust")
    words = label.split()
    common = words and words[0][1:].islower() and not any(w[:1].isupper() for w in words[1:]) \
        and any(label == en and not zh.startswith(en) for en, zh in TOPIC_LABELS.values())
    topic = label[:1].lower() + label[1:] if common else label
    head = f"{count} related articles this week, led by \u201c{label}\u201d" if titled \
        else f"{count} articles on {topic} this week"
    return truncate(head + (f", covering {what}" if what else "")
                    + f", from {src}.", SUMMARY_CHARS)


_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9+#.\-]*[A-Za-z0-9+#]|[A-Za-z0-9]")
RARE = 1e-5   # per-token frequency in English under which a word is a name ("Qwen", "Stargate")
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th|s)", re.IGNORECASE)   # an ordinal or a decade: no name
# a year glued to a word: a page's date and title run together by a scraper ("Jul 24, 2026Frontier Red
# Team…"), no name
_GLUED_YEAR = re.compile(r"(?:19|20)\d\d[A-Z][a-z]")


def _name_like(token: str, title_case: bool = False, context: str = "") -> bool:
    """A token that names something: has a digit, is an acronym, or is a rare capitalised word.

    In a Title Case title every word is capitalised, so there a rare word
    ("Generalist", "Embracing") is a name only when the text around it
    (``context``: the stories' summaries) never writes it in lower case and
    either writes it capitalised or no dictionary knows it ("Qwen", "Valkey").
    """
    if any(ch.isdigit() for ch in token):
        # "Qwen3", "GPT-5", "2026"; not "2nd", "1990s", "2026Frontier"
        return _ORDINAL.fullmatch(token) is None and _GLUED_YEAR.match(token) is None
    if (len(token) > 1 and token.isupper()) or _camel(token):
        return True
    if not token[:1].isupper():
        return False
    from ..links.background import word_frequency
    parts = [p for p in token.split("-") if p]
    freq = min((word_frequency(p.casefold()) for p in parts), default=0.0)
    if freq >= RARE:
        return False
    if not title_case or any(ch.isupper() for ch in token[1:]):
        return True   # capitalised mid-sentence, or written CamelCase ("OpenAI", "GPT-5")
    if re.search(rf"(?<![\w-]){re.escape(token.lower())}(?![\w-])", context):
        return False  # the text writes it in lower case: a word, not a name
    # the text writes it capitalised; else only a word no dictionary knows ("Qwen", "Valkey")
    return freq == 0.0 or re.search(rf"(?<![\w-]){re.escape(token)}(?![\w-])", context) is not None


def _camel(token: str) -> bool:
    """A brand written in lower camel case ("iPhone", "macOS", "eBay", "gRPC"): a name wherever it is."""
    return token[:1].islower() and any(ch.isupper() for ch in token[1:])


def _title_case(text: str) -> bool:
    """Whether (nearly) every word of a Latin title is capitalised, so capitals say nothing about names.

    In a Chinese title the Latin words are the names ("Claude Code、Codex CLI"): never Title Case.
    """
    if has_cjk(text):
        return False
    words = [w for w in _WORD.findall(text) if w.isalpha() and w.casefold() not in _NAME_STOP and len(w) > 3]
    return len(words) >= 2 and sum(w[:1].isupper() for w in words) >= 0.75 * len(words)


def entities(title: str, limit: int = 3, context: str = "") -> list[str]:
    """Names in a title ("Gemini CLI", "Qwen3", "Claude Code", "Veo 3"), at most ``limit`` words each.

    A name starts at a name-like token and goes on over capitalised words
    and numbers ("Claude" + "Code", "Veo" + "3"); a possessive is dropped.
    ``context`` (summaries) tells names from common words in a Title Case title.
    """
    out: list[str] = []
    run: list[str] = []
    end = 0
    text = title.replace("'s ", " ").replace("’s ", " ")
    title_case = _title_case(text)
    for m in [*_TOKEN.finditer(text), None]:
        token = m.group(0) if m else ""
        # a name goes on only over a single space: punctuation or CJK text ends it
        joined = m is not None and text[end:m.start()] == " "
        # in a Title Case title a capital says nothing: a name goes on only over names and numbers
        goes_on = token[:1].isdigit() or _camel(token) or (token[:1].isupper() and (
            not title_case or _name_like(token, title_case, context)))
        if run and joined and goes_on and len(run) < limit and token.casefold() not in _NAME_STOP:
            run.append(token)
            end = m.end()
            continue
        if run and any(ch.isalpha() for ch in run[0]) and not _calendar(" ".join(run)):
            out.append(" ".join(run))
        run = []
        # the title's first word is capitalised wherever it stands: judged as in a Title Case title
        # ("Updating our Model Spec", "Evaluating large language models": no names), unless it is
        # a name of AI and tech news as written ("Claude can now use tools", with no summary) or a
        # word a number follows ("Opus 4.5 is here")
        first = m is not None and not text[:m.start()].strip() and token not in _KNOWN_NAMES \
            and not text[m.end():m.end() + 2].lstrip(" ")[:1].isdigit()
        if token and token != "AI" and _name_like(token, title_case or first, context) \
                and token.casefold() not in _NAME_STOP:
            run = [token]
        end = m.end() if m else end
    return list(dict.fromkeys(out))


class WeekPhrases(Counter):
    """``title_phrases`` counted over the week's titles, and the same counts case-folded (``folded``,
    built once a week: looking a name up by scanning every phrase made naming a big week's trends
    quadratic, 1.7 s for a week of 10,000 articles)."""

    @cached_property
    def folded(self) -> Counter[str]:
        return _fold(self)


def folded_counts(phrases: Mapping[str, int]) -> Mapping[str, int]:
    """The counts case-folded: a week's own (``WeekPhrases.folded``, built once), else built here."""
    return phrases.folded if isinstance(phrases, WeekPhrases) else _fold(phrases)


def _fold(phrases: Mapping[str, int]) -> Counter[str]:
    folded: Counter[str] = Counter()
    for phrase, n in phrases.items():
        folded[phrase.casefold()] += n
    return folded


def _telling_phrase(title: str, week_phrases: Mapping[str, int], week_size: int, label: str,
                    context: str = "") -> str:
    """The title's most telling name: a name it gives ("Gemini CLI"), else its rarest CJK phrase."""
    folded = folded_counts(week_phrases)

    def rarity(p: str) -> tuple:
        seen = folded.get(p.casefold(), 0) if " " not in p else 0
        return (seen, -len(p), p)

    names = [e for e in entities(title, context=context) if e.casefold() not in label.casefold()]
    if names:
        return min(names, key=rarity)
    cjk = [p for p in title_phrases(title) if has_cjk(p) and 2 <= len(p) <= 6 and p not in label]
    if not cjk:
        return ""
    return min(cjk, key=lambda p: (week_phrases.get(p, 0), -len(p), p))


@lru_cache(maxsize=1 << 16)
def _cjk_pieces(span: str) -> tuple[str, ...]:
    """The pieces (2-8 characters) of a CJK run that are made of whole words, so "复杂系统工程"
    is a name and "准复杂系统工" (a cut through "瞄准" and "工程") is not. Words: those the
    background knows and the lexicon's phrases. Names no dictionary has ("月之暗面") pass where
    the title bounds them: a piece that starts where the run starts may open with an unknown
    run, and the run itself is one piece. Without a word list (no ``wordfreq``) every piece
    passes, as before."""
    known = _cjk_vocabulary()
    size = len(span)
    if not known:
        return tuple(sorted({span[i:j] for i in range(size) for j in range(i + 2, min(size, i + 8) + 1)}))
    # words[i]: the ends of the words that start at i
    words = [[j for j in range(i + 2, min(size, i + 6) + 1) if span[i:j] in known] for i in range(size)]
    ending = {j for ends in words for j in ends}
    kept = {span} if 2 <= size <= 8 else set()
    # a piece at the run's start: an unknown opening, then a word that ends the piece
    kept |= {span[:j] for j in ending if j <= 8}
    # a piece inside the run: words end to end from where it starts. reach[i]: where a chain of
    # words from i can end, at most 8 characters on (filled from the right: a chain from i is a
    # word from i, then a chain from where it ends)
    reach: list[tuple[int, ...]] = [()] * size + [(size,)]
    for i in range(size - 1, 0, -1):
        ends = {i}
        for j in words[i]:
            ends.update(n for n in reach[j] if n <= i + 8)
        reach[i] = tuple(ends)
        kept.update(span[i:j] for j in ends if j >= i + 2)
    return tuple(sorted(kept))


@lru_cache(maxsize=1)
def _cjk_vocabulary() -> frozenset[str]:
    """The words ``_cjk_pieces`` knows: the background's and the lexicon's, in one set (one lookup
    a piece); empty without ``wordfreq``."""
    from ..links.background import cjk_words

    known = cjk_words()
    return known | _lexicon_phrases() if known else frozenset()


@lru_cache(maxsize=1)
def _lexicon_phrases() -> frozenset[str]:
    return frozenset(p for phrases in (*KEY_PHRASES.values(), *TOPIC_LABELS.values()) for p in phrases if has_cjk(p))


def title_phrases(title: str) -> set[str]:
    """Candidate name phrases of a title: CJK pieces (2-8, whole words) and Latin words and word pairs."""
    out: set[str] = set()
    for span in _CJK_SPAN.findall(title):
        out.update(p for p in _cjk_pieces(span) if p[0] not in _CJK_NAME_STOP and p[-1] not in _CJK_NAME_STOP)
    for run in _LATIN_RUN.findall(title):
        # word pairs only where the title has them side by side
        keep = [w if w.lower() not in _NAME_STOP and w.lower() not in STOP_WORDS and len(w) > 1 else None
                for w in _WORD.findall(run)]
        out.update(w for w in keep if w)
        out.update(f"{a} {b}" for a, b in zip(keep, keep[1:]) if a and b)
    return {p for p in out if p}
