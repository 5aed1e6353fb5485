"""A feed in a legacy charset it does not name is read as its text, not as mojibake.

feedparser falls back to windows-1252, which turns a GB2312 or windows-1251
feed into "ÈË¹¤ÖÇÄÜ"; ``sources.charset`` finds the charset first (only for
a body that is not UTF-8 and names none).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from sync.sources.charset import transcode_undeclared
from sync.sources.parse import parse_feed

NOW = datetime(2026, 12, 7, tzinfo=timezone.utc)
CHARDET = Path(__file__).resolve().parents[2] / "shared" / "feeds-corpus" / "feedparser" / "illformed" / "chardet"


def feed(titles: list[str], *, declaration: str = '<?xml version="1.0"?>') -> str:
    items = "".join(f"<item><title>{t}</title><link>http://e.com/{i}</link><description>{t}</description></item>"
                    for i, t in enumerate(titles))
    return f'{declaration}<rss version="2.0"><channel><title>News</title>{items}</channel></rss>'


def titles(body: bytes, headers: dict[str, str] | None = None) -> list[str]:
    parsed = parse_feed(body, feed_url="http://e.com/feed", source="News", headers=headers, now=NOW)
    assert parsed.error is None, parsed.error
    return [e.title for e in parsed.entries]


CHINESE = ["人工智能新闻：大模型推理成本下降", "开源模型在基准测试中领先", "智能体框架发布新版本"]
RUSSIAN = ["Новая языковая модель показала рекорд", "Исследователи представили открытый набор данных",
           "Как работают агенты искусственного интеллекта"]


@pytest.mark.parametrize("charset,texts", [
    ("gb2312", CHINESE), ("gbk", CHINESE), ("big5", ["開源模型在基準測試中領先", "智慧體框架發布新版本"]),
    ("shift_jis", ["人工知能のニュース", "オープンモデルが首位に"]), ("euc-kr", ["인공지능 뉴스", "오픈 모델이 벤치마크 1위"]),
    ("cp1251", RUSSIAN), ("koi8-r", RUSSIAN),
])
def test_a_legacy_feed_that_names_no_charset_reads_as_its_text(charset: str, texts: list[str]) -> None:
    assert titles(feed(texts).encode(charset)) == texts


def test_a_servers_default_charset_the_body_is_not_in_names_nothing() -> None:
    # a GBK file served as "charset=utf-8" (a web server's default)
    body = feed(CHINESE).encode("gbk")
    assert titles(body, {"content-type": "application/rss+xml; charset=utf-8"}) == CHINESE


def test_a_latin_feed_in_windows_1252_that_names_none_still_reads_right() -> None:
    # the detector guessed cp1250 and cp1257 for French: a Latin guess is left to feedparser
    texts = ["Perturbateurs endocriniens : quels effets sur le cerveau ?", "Café, déjà vu – « l'été »"]
    assert titles(feed(texts).encode("cp1252")) == texts


@pytest.mark.parametrize("body,headers", [
    (feed(CHINESE).encode("utf-8"), {}),                                            # UTF-8
    (feed(["plain"]).encode("ascii"), {}),                                           # ASCII
    (feed(CHINESE, declaration='<?xml version="1.0" encoding="GB2312"?>').encode("gb2312"), {}),
    (feed(CHINESE).encode("gb2312"), {"content-type": "text/xml; charset=gb2312"}),
    (feed(CHINESE).encode("gb2312"), {"content-type": "text/xml; charset=GBK"}),
    (b"\xef\xbb\xbf" + feed(CHINESE).encode("utf-8"), {}),                           # a BOM
])
def test_a_feed_that_is_utf8_or_names_its_charset_is_handed_over_as_it_is(body: bytes, headers: dict[str, str]) -> None:
    assert transcode_undeclared(body, headers) is body
    assert titles(body, headers) == (["plain"] if b"plain" in body else CHINESE)


@pytest.mark.skipif(not CHARDET.is_dir(), reason="needs ../shared/feeds-corpus")
@pytest.mark.parametrize("name", sorted(p.name for p in CHARDET.glob("*.xml")) if CHARDET.is_dir() else [])
def test_feedparsers_charset_corpus_reads_as_the_charset_it_expects(name: str) -> None:
    raw = (CHARDET / name).read_bytes()
    expected = re.search(rb"encoding == '([\w-]+)'", raw).group(1).decode()
    assert transcode_undeclared(raw, {}).decode("utf-8") == raw.decode(expected)
    parsed = parse_feed(raw, feed_url="http://e.com/feed", source="x", now=NOW)
    first = re.search(rb"<title>(.*?)</title>", raw, re.S)
    if first is not None:   # two of them have an entry with no title and no link: rejected
        assert " ".join(first.group(1).decode(expected).split()) in [parsed.title, *(e.title for e in parsed.entries)]
