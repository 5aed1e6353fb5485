"""Dates in the feed's own language ("Seg, 24 Set 2018 19:22:00 -0300"): read, not replaced by
the day the entry was first seen (``sync/sources/dates.py``)."""

from __future__ import annotations

import calendar
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.sources.dates import localized_date
from sync.sources.month_names import MONTHS
from sync.sources.parse import parse_feed

ROOT = Path(__file__).resolve().parents[1]


def utc(text: str, language: str | None = None) -> str | None:
    parsed = localized_date(text, language)
    return None if parsed is None else time.strftime("%Y-%m-%d %H:%M:%S", parsed)


@pytest.mark.parametrize(("text", "language", "expected"), [
    ("Seg, 24 Set 2018 19:22:00 -0300", "pt-br", "2018-09-24 22:22:00"),      # UOL, Folha
    ("Do, 31 Okt 2019 23:52:59 -0400", "de", "2019-11-01 03:52:59"),          # SimplePie's report
    ("Di, 12 Mrz 2019 08:00:00 +0100", "de-de", "2019-03-12 07:00:00"),       # DIN "Mrz", not in CLDR
    ("Ke, 30 Lok 2013 11:34:37 +0000", "fi", "2013-10-30 11:34:37"),          # feedjira's report
    ("mer., 14 nov. 2012 10:00:00 +0100", "fr", "2012-11-14 09:00:00"),
    ("jue, 05 dic 2024 18:30:00 GMT", "es", "2024-12-05 18:30:00"),
    ("ven, 13 giu 2025 07:15:00 +0200", "it", "2025-06-13 05:15:00"),
    ("вт, 24 марта 2020 10:00:00 +0300", "ru", "2020-03-24 07:00:00"),        # the genitive
    ("sob, 7 lis 2020 10:00:00 +0100", "pl", "2020-11-07 09:00:00"),          # November in Polish
    ("sub, 7 lis 2020 10:00:00 +0100", "hr", "2020-10-07 09:00:00"),          # October in Croatian
    ("Seg, 24 Set 2018 19:22:00 -0300", None, "2018-09-24 22:22:00"),         # no language: every one's
    ("Sat, 7 Nov 2020 10:00:00 GMT", "en", "2020-11-07 10:00:00"),            # English, from the merged table
])
def test_a_date_in_the_feeds_language_is_read(text, language, expected):
    assert utc(text, language) == expected


@pytest.mark.parametrize("text", [
    "Lun, 30 Feb 2019 10:00:00 GMT",      # no such day
    "Seg, 24 Xyz 2018 19:22:00 -0300",    # no such month
    "24 Set",                              # no year
    "yesterday", "", None, 1234,
])
def test_what_is_no_date_stays_none(text):
    assert localized_date(text, "pt") is None


def test_a_spelling_two_languages_read_differently_counts_as_most_of_them_read_it():
    # Finnish "mar(raskuu)" is November; the others' "mar" is March; a tie names no month
    assert utc("ti, 3 mar 2020 10:00:00 +0000", "fi") == "2020-11-03 10:00:00"
    assert utc("ti, 3 mar 2020 10:00:00 +0000") == "2020-03-03 10:00:00"
    assert utc("ti, 3 mar 2020 10:00:00 +0000", "xx") == "2020-03-03 10:00:00"


@given(st.sampled_from(sorted(MONTHS)), st.integers(1, 12), st.integers(1970, 2037), st.data())
def test_every_month_name_of_every_language_reads_as_its_month(language, month, year, data):
    names = sorted(s for s, m in MONTHS[language].items() if m == month)
    name = data.draw(st.sampled_from(names))
    day = data.draw(st.integers(1, calendar.monthrange(year, month)[1]))
    written = data.draw(st.sampled_from([name, name.title(), name.upper(), name + "."]))
    assert utc(f"Xx, {day} {written} {year} 12:00:00 +0000", language) == f"{year}-{month:02d}-{day:02d} 12:00:00"


def test_an_entry_dated_in_portuguese_is_dated_so_not_first_seen():
    body = """<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel>
    <title>Notícias</title><link>https://noticias.example/</link><language>pt-br</language>
    <item><title>Câmara aprova orçamento</title><link>https://noticias.example/1</link>
    <pubDate>Seg, 24 Set 2018 19:22:00 -0300</pubDate><description>Texto.</description></item>
    <item><title>Sem data legível</title><link>https://noticias.example/2</link>
    <pubDate>ontem à tarde</pubDate></item>
    </channel></rss>""".encode("iso-8859-1")
    now = datetime(2026, 12, 7, tzinfo=timezone.utc)
    first, second = parse_feed(body, feed_url="https://noticias.example/rss", source="N", now=now).entries
    assert (first.published, first.published_from) == (datetime(2018, 9, 24, 22, 22, tzinfo=timezone.utc), "published")
    assert (second.published, second.published_from) == (now, "first_seen")


def test_the_month_table_is_what_its_generator_writes():
    pytest.importorskip("babel", reason="the generator reads CLDR through Babel, which kbsync does not need")
    written = subprocess.run([sys.executable, str(ROOT / "contrib" / "data" / "month_names.py")],
                             capture_output=True, text=True, check=True).stdout
    assert written.split('"""', 2)[2] == (ROOT / "sync" / "sources" / "month_names.py").read_text("utf-8").split('"""', 2)[2]
