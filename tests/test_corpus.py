"""Robustness over the shared feed corpora (feedparser's and feed-rs's test feeds).

Every file goes through ``parse_feed`` without an exception, and every entry
ends as an ``Entry`` with sane fields or a ``Reject`` with a reason. Skipped
when ``../shared/feeds-corpus`` is absent.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from sync.sources.parse import ParsedFeed, parse_feed

pytestmark = pytest.mark.corpus

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "feeds-corpus"
if not CORPUS.is_dir():
    pytest.skip(f"feed corpus not found at {CORPUS}", allow_module_level=True)

NOW = datetime(2026, 2, 7, tzinfo=timezone.utc)
_COMMENT = re.compile(rb"<!--(.*?)-->", re.DOTALL)
_HEADER = re.compile(rb"^\s*Header:\s*([^:\r\n]+?)\s*:\s*(.*?)\s*$", re.MULTILINE)
_MARKER_LINE = re.compile(r"^\s*%%\s*kbsync", re.IGNORECASE | re.MULTILINE)


def comment_headers(body: bytes) -> dict[str, str]:
    """``Header: Name: value`` lines of the leading XML comment, names lower-cased."""
    match = _COMMENT.search(body[:4096])
    if not match:
        return {}
    return {name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in _HEADER.findall(match.group(1))}


def test_comment_headers_are_read_from_the_leading_comment():
    body = (b'<?xml version="1.0"?>\n<!--\nHeader:      Content-type: text/xml; charset=windows-1252\n'
            b"Header: Content-Location: http://example.com/\nDescription: x\n-->\n<rss/>")
    assert comment_headers(body) == {"content-type": "text/xml; charset=windows-1252",
                                     "content-location": "http://example.com/"}
    assert comment_headers(b"<rss/>") == {}


def _problems(path: Path, result: ParsedFeed) -> list[str]:
    problems: list[str] = []
    if result.error is not None and (not result.error.strip() or "\n" in result.error):
        problems.append(f"bad error text {result.error!r}")
    for entry in result.entries:
        if not entry.title or "\n" in entry.title or len(entry.title) > 300:
            problems.append(f"bad title {entry.title!r}")
        if entry.published.utcoffset() != timedelta(0) or entry.published.year < 1990:
            problems.append(f"bad published {entry.published!r}")
        if entry.url is not None and not entry.url.startswith(("http://", "https://")):
            problems.append(f"bad url {entry.url!r}")
        if not entry.kb_id.startswith("kb-") or _MARKER_LINE.search(entry.content):
            problems.append(f"bad kb_id/content in {entry.kb_id}")
    problems += [f"reject without reason: {r}" for r in result.rejects if not r.reason.strip()]
    return [f"{path.relative_to(CORPUS)}: {p}" for p in problems]


def test_every_corpus_file_parses_without_exception(capsys):
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file())
    assert len(files) > 2000
    totals: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    problems: list[str] = []
    results: dict[str, ParsedFeed] = {}
    for path in files:
        body = path.read_bytes()
        headers = comment_headers(body) if "feedparser" in path.relative_to(CORPUS).parts else {}
        try:
            result = parse_feed(body, feed_url=f"https://corpus.example/{path.name}",
                                source="corpus", headers=headers, now=NOW)
        except Exception as exc:  # the point of the test: report, do not stop
            problems.append(f"{path.relative_to(CORPUS)}: raised {type(exc).__name__}: {exc}")
            continue
        results[str(path.relative_to(CORPUS))] = result
        problems += _problems(path, result)
        totals["files"] += 1
        totals["entries"] += len(result.entries)
        totals["rejects"] += len(result.rejects)
        reasons.update(r.reason for r in result.rejects)
        if result.error:
            errors[result.error.split(":")[0]] += 1

    summary = (f"corpus: {totals['files']} files, {totals['entries']} entries, "
               f"{totals['rejects']} rejects {dict(reasons)}, feed errors {dict(errors)}")
    with capsys.disabled():
        print("\n" + summary)
    assert not problems, "\n".join(problems[:50])
    # Real feeds must read cleanly: every feed-rs RSS/Atom/JSON fixture except
    # the deliberately broken one gives entries and no error.
    real = {k: v for k, v in results.items()
            if k.startswith("feed-rs/") and k.endswith((".xml", ".json"))
            and not k.endswith(".serde.json") and "/xml/xml_sample" not in k and "invalid" not in k}
    assert len(real) > 60
    assert not {k: v.error for k, v in real.items() if v.error}
    assert sum(len(v.entries) for v in real.values()) > 60
