"""An entry's date written in the feed's own language: "Seg, 24 Set 2018 19:22:00 -0300".

RSS dates are RFC 822, in English; some sites write the day and month in their own language
(UOL and Folha in Portuguese, German CMSs' "Do, 31 Okt 2019", Finnish "Ke, 30 Lok 2013",
French "mer., 14 nov. 2012"). feedparser reads none of them, and the entry would take the day
it was first seen: a 2018 story filed under today, in today's digest.

Contract (pure): ``localized_date(text, language)`` is the UTC time of such a date, or None.
The month is looked up in the month names of the feed's language (``month_names.py``, from
CLDR), else of every language there, where a spelling that names two months (Finnish "mar"
is November) counts as the month most of them mean; the day's name is not read (RFC 822
makes it optional, and the date says which day it was). The rest (time, zone) is RFC 822, read
by the standard library.
"""

from __future__ import annotations

import calendar
import re
import time
from collections import Counter
from email.utils import mktime_tz, parsedate_tz
from functools import lru_cache

from .month_names import MONTHS

_ENGLISH = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# [day name[.][,]] day[.] month[.][,] year [time] [zone]
_DATE = re.compile(r"^\s*(?:[^\W\d_]+\.?,?\s+)?(\d{1,2})\.?\s+([^\W\d_]+)\.?,?\s+(\d{4})\b(.*)$")


def localized_date(text: object, language: str | None) -> time.struct_time | None:
    """The UTC time of an RFC 822 date with the month in another language (see module)."""
    if not isinstance(text, str) or not (match := _DATE.match(text)):
        return None
    day, month_name, year, rest = match.groups()
    month = _months(_base(language)).get(month_name.casefold())
    if month is None or not 1 <= int(day) <= calendar.monthrange(int(year), month)[1]:
        return None                       # no month known by that name, or no such day in it
    parsed = parsedate_tz(f"{day} {_ENGLISH[month - 1]} {year}{rest}")
    if parsed is None:
        return None
    try:
        return time.gmtime(mktime_tz(parsed))
    except (OverflowError, ValueError, OSError):
        return None


def _base(language: str | None) -> str | None:
    """``pt-br`` -> ``pt``; Norwegian Bokmål written ``no`` is ``nb``."""
    if not language:
        return None
    base = language.split("-", 1)[0]
    return "nb" if base == "no" else base


@lru_cache(maxsize=None)
def _months(language: str | None) -> dict[str, int]:
    """The month spellings of ``language``, or of every language when it has none here."""
    if language in MONTHS:
        return MONTHS[language]
    votes: dict[str, Counter[int]] = {}
    for spellings in MONTHS.values():
        for spelling, month in spellings.items():
            votes.setdefault(spelling, Counter())[month] += 1
    merged = {}
    for spelling, counts in votes.items():
        (month, n), *others = counts.most_common()
        if not others or others[0][1] < n:     # a tie names no month
            merged[spelling] = month
    return merged
