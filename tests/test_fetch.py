"""The feed fetcher against a real local HTTP server (tests/feedserver.py).

Every HTTP test drives the real httpx client over 127.0.0.1; retry waits go
through an injected fake ``sleep`` that records them, so nothing really
waits and nothing is timed.
"""

from __future__ import annotations

import gzip
import os
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.sources.fetch import (
    MAX_RETRY_AFTER,
    FeedRequest,
    Fetcher,
    RetryPolicy,
    conditional_headers,
    local_path,
    parse_retry_after,
    permanent_destination,
    redirect_problem,
    retry_wait,
)
from tests.feedserver import (
    FeedServer,
    Large,
    Redirect,
    Static,
    Status,
    Steps,
    closed_port_url,
)

RSS = b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title></channel></rss>'
NOW = datetime(2026, 2, 7, 8, 0, 0, tzinfo=timezone.utc)
LAST_MODIFIED = "Sat, 07 Feb 2026 06:00:00 GMT"


class Sleeps:
    """A fake ``sleep`` that records the waits it was asked for."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def server():
    with FeedServer() as srv:
        yield srv


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def fetcher(sleeps):
    with Fetcher(sleep=sleeps, now=lambda: NOW) as f:
        yield f


# -- conditional GET ---------------------------------------------------------

def test_etag_200_then_304_keeps_validators(server, fetcher):
    url = server.add("/feed", Static(RSS, etag='"v1"'))
    first = fetcher.fetch(FeedRequest(url))
    assert (first.status, first.body, first.etag, first.http_status) == ("ok", RSS, '"v1"', 200)
    assert first.headers["content-type"].startswith("application/rss+xml")
    assert first.final_url == url and first.permanent_url is None

    second = fetcher.fetch(FeedRequest(url, etag=first.etag))
    assert second.status == "not_modified" and second.body is None
    assert second.etag == '"v1"' and second.http_status == 304
    assert server.requests_for("/feed")[-1].headers["if-none-match"] == '"v1"'


def test_last_modified_200_then_304(server, fetcher):
    url = server.add("/lm", Static(RSS, last_modified=LAST_MODIFIED))
    first = fetcher.fetch(FeedRequest(url))
    assert first.status == "ok" and first.last_modified == LAST_MODIFIED and first.etag is None

    second = fetcher.fetch(FeedRequest(url, last_modified=first.last_modified))
    assert second.status == "not_modified"
    assert second.last_modified == LAST_MODIFIED
    assert server.requests_for("/lm")[-1].headers["if-modified-since"] == LAST_MODIFIED


def test_changed_feed_returns_new_body_and_validators(server, fetcher):
    url = server.add("/feed", Static(RSS + b"<!-- v2 -->", etag='"v2"'))
    result = fetcher.fetch(FeedRequest(url, etag='"v1"'))
    assert result.status == "ok" and result.etag == '"v2"' and result.body.endswith(b"v2 -->")


def test_connection_is_reused_after_304_and_errors(server, fetcher):
    url = server.add("/feed", Static(RSS, etag='"v1"'))
    server.add("/old", Redirect("/feed", 302))
    missing = server.url("/missing")
    for request in (FeedRequest(url), FeedRequest(url, etag='"v1"'), FeedRequest(missing),
                    FeedRequest(server.url("/old"), etag='"v1"'), FeedRequest(url, etag='"v1"')):
        fetcher.fetch(request)
    # Leftover bodies (304, 404, redirect) are drained, so one connection serves all.
    assert len({r.client_port for r in server.requests}) == 1


def test_sends_user_agent_and_accept(server, fetcher):
    url = server.add("/feed", Static(RSS))
    fetcher.fetch(FeedRequest(url))
    headers = server.requests_for("/feed")[0].headers
    assert headers["user-agent"].startswith("kbsync/")
    assert "application/rss+xml" in headers["accept"]


# -- redirects ---------------------------------------------------------------

def test_301_sets_permanent_url(server, fetcher):
    server.add("/old", Redirect("/new", 301))
    new = server.add("/new", Static(RSS))
    result = fetcher.fetch(FeedRequest(server.url("/old")))
    assert result.status == "ok" and result.body == RSS
    assert result.final_url == new and result.permanent_url == new


def test_302_does_not_set_permanent_url(server, fetcher):
    server.add("/tmp", Redirect("/new", 302))
    new = server.add("/new", Static(RSS))
    result = fetcher.fetch(FeedRequest(server.url("/tmp")))
    assert result.status == "ok" and result.final_url == new and result.permanent_url is None


def test_permanent_part_of_a_mixed_chain(server, fetcher):
    server.add("/a", Redirect("/b", 308))
    server.add("/b", Redirect(server.url("/c"), 301))
    server.add("/c", Redirect("/d", 307))
    final = server.add("/d", Static(RSS, etag='"x"'))
    result = fetcher.fetch(FeedRequest(server.url("/a")))
    assert result.status == "ok"
    assert result.permanent_url == server.url("/c") and result.final_url == final


def test_301_to_a_broken_place_moves_nothing(server, fetcher):
    server.add("/old", Redirect("/missing", 301))
    result = fetcher.fetch(FeedRequest(server.url("/old")))
    assert result.status == "error" and result.error == "HTTP 404"
    assert result.permanent_url is None


def test_redirect_loop(server, fetcher):
    server.add("/loop-a", Redirect("/loop-b", 302))
    server.add("/loop-b", Redirect("/loop-a", 302))
    result = fetcher.fetch(FeedRequest(server.url("/loop-a")))
    assert result.status == "error" and "redirect loop" in result.error
    assert server.hits("/loop-a") + server.hits("/loop-b") == 6   # max_redirects + 1


def test_too_many_redirects(server, sleeps):
    for i in range(4):
        server.add(f"/r{i}", Redirect(f"/r{i + 1}", 302))
    server.add("/r4", Static(RSS))
    with Fetcher(max_redirects=3, sleep=sleeps) as f:
        result = f.fetch(FeedRequest(server.url("/r0")))
    assert result.status == "error" and result.error.startswith("too many redirects")
    assert server.hits("/r4") == 0


# -- status codes ------------------------------------------------------------

def test_410_is_gone(server, fetcher):
    url = server.add("/gone", Status(410))
    result = fetcher.fetch(FeedRequest(url))
    assert result.status == "gone" and result.http_status == 410 and result.body is None


def test_404_is_an_error(server, fetcher, sleeps):
    url = server.add("/nope", Status(404, b"not here"))
    result = fetcher.fetch(FeedRequest(url))
    assert result.status == "error" and result.error == "HTTP 404"
    assert sleeps.waits == [] and server.hits("/nope") == 1


def test_429_with_short_retry_after_is_retried(server, fetcher, sleeps):
    url = server.add("/busy", Steps((Status(429, headers={"Retry-After": "1"}), Static(RSS))))
    result = fetcher.fetch(FeedRequest(url))
    assert result.status == "ok" and result.body == RSS
    assert sleeps.waits == [1.0]
    assert server.hits("/busy") == 2


def test_429_far_future_is_retry_later_without_waiting(server, fetcher, sleeps):
    url = server.add("/busy", Status(429, headers={"Retry-After": "7200"}))
    result = fetcher.fetch(FeedRequest(url))
    assert result.status == "retry_later" and result.http_status == 429
    assert result.retry_after == NOW + timedelta(hours=2)
    assert sleeps.waits == [] and server.hits("/busy") == 1


def test_429_retries_exhausted_is_retry_later(server, fetcher, sleeps):
    url = server.add("/busy", Status(429, headers={"Retry-After": "2"}))
    result = fetcher.fetch(FeedRequest(url))
    assert result.status == "retry_later" and result.retry_after == NOW + timedelta(seconds=2)
    assert sleeps.waits == [2.0, 2.0] and server.hits("/busy") == 3


def test_503_with_http_date_retry_after(server, fetcher, sleeps):
    when = NOW + timedelta(days=1)
    url = server.add("/down", Status(503, headers={"Retry-After": format_datetime(when, usegmt=True)}))
    result = fetcher.fetch(FeedRequest(url))
    assert result.status == "retry_later" and result.retry_after == when
    assert sleeps.waits == []


def test_503_with_near_http_date_is_waited_for(server, fetcher, sleeps):
    when = NOW + timedelta(seconds=12)
    retry = Status(503, headers={"Retry-After": format_datetime(when, usegmt=True)})
    url = server.add("/down", Steps((retry, Static(RSS))))
    result = fetcher.fetch(FeedRequest(url))
    assert result.status == "ok" and sleeps.waits == [12.0]


def test_500_is_retried_with_backoff_then_error(server, fetcher, sleeps):
    url = server.add("/broken", Status(500))
    result = fetcher.fetch(FeedRequest(url))
    assert result.status == "error" and result.error == "HTTP 500" and result.http_status == 500
    assert sleeps.waits == [0.5, 1.0] and server.hits("/broken") == 3


def test_502_then_200_recovers(server, fetcher, sleeps):
    url = server.add("/flaky", Steps((Status(502), Static(RSS))))
    result = fetcher.fetch(FeedRequest(url))
    assert result.status == "ok" and sleeps.waits == [0.5]


# -- transport failures ------------------------------------------------------

def test_slow_response_times_out(server, sleeps):
    url = server.add("/slow", Static(RSS, before=3.0))
    with Fetcher(read_timeout=0.3, sleep=sleeps) as f:
        result = f.fetch(FeedRequest(url))
    assert result.status == "error" and "timed out reading after 0.3s" == result.error
    assert sleeps.waits == []


def test_stall_mid_body_times_out(server, sleeps):
    url = server.add("/stall", Static(RSS * 50, during=3.0))
    with Fetcher(read_timeout=0.3, sleep=sleeps) as f:
        result = f.fetch(FeedRequest(url))
    assert result.status == "error" and "timed out" in result.error


def test_connection_refused(fetcher):
    result = fetcher.fetch(FeedRequest(closed_port_url("/feed")))
    assert result.status == "error" and result.error == "connection refused"


def test_oversized_body_with_content_length(server, sleeps):
    url = server.add("/big", Large(50_000))
    with Fetcher(max_bytes=10_000, sleep=sleeps) as f:
        result = f.fetch(FeedRequest(url))
    assert result.status == "error" and result.error == "response larger than 10 kB"
    assert result.body is None


def test_oversized_body_without_content_length_is_cut_while_streaming(server, sleeps):
    url = server.add("/big", Large(5_000_000, content_length=False))
    with Fetcher(max_bytes=100_000, sleep=sleeps) as f:
        result = f.fetch(FeedRequest(url))
    assert result.status == "error" and "larger than" in result.error


def test_size_cap_counts_decoded_bytes(server, sleeps):
    url = server.add("/bomb", Static(b"\0" * 200_000, gzip=True))
    with Fetcher(max_bytes=50_000, sleep=sleeps) as f:
        result = f.fetch(FeedRequest(url))
    assert result.status == "error" and "larger than" in result.error


def test_body_exactly_at_the_cap_is_fine(server, sleeps):
    url = server.add("/exact", Large(10_000))
    with Fetcher(max_bytes=10_000, sleep=sleeps) as f:
        result = f.fetch(FeedRequest(url))
    assert result.status == "ok" and len(result.body) == 10_000


def test_gzip_body_is_decoded(server, fetcher):
    body = RSS * 100
    url = server.add("/gz", Static(body, gzip=True))
    result = fetcher.fetch(FeedRequest(url))
    assert result.status == "ok" and result.body == body
    assert result.headers["content-encoding"] == "gzip"
    assert int(result.headers["content-length"]) == len(gzip.compress(body, mtime=0))
    assert "gzip" in server.requests_for("/gz")[0].headers["accept-encoding"]


def test_invalid_url_is_an_error_not_an_exception(fetcher):
    result = fetcher.fetch(FeedRequest("http://"))
    assert result.status == "error" and result.error


def test_unexpected_exception_becomes_an_error(sleeps):
    def explode(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("boom\nsecond line")

    with Fetcher(transport=httpx.MockTransport(explode), sleep=sleeps) as f:
        result = f.fetch(FeedRequest("https://example.invalid/feed"))
    assert result.status == "error"
    assert result.error == "unexpected RuntimeError: boom second line"


# -- local files -------------------------------------------------------------

def test_local_file_then_unchanged_then_changed(tmp_path, fetcher):
    path = tmp_path / "feed.xml"
    path.write_bytes(RSS)
    first = fetcher.fetch(FeedRequest(str(path)))
    st = os.stat(path)
    assert first.status == "ok" and first.body == RSS
    assert first.last_modified == f"{st.st_mtime_ns}-{st.st_size}"
    assert first.final_url == path.as_uri() and first.http_status is None

    second = fetcher.fetch(FeedRequest(str(path), last_modified=first.last_modified))
    assert second.status == "not_modified" and second.body is None
    assert second.last_modified == first.last_modified

    path.write_bytes(RSS + b"\n<!-- more -->")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    third = fetcher.fetch(FeedRequest(str(path), last_modified=first.last_modified))
    assert third.status == "ok" and third.body.endswith(b"more -->")


def test_file_url(tmp_path, fetcher):
    path = tmp_path / "with space.xml"
    path.write_bytes(RSS)
    result = fetcher.fetch(FeedRequest(path.as_uri()))
    assert result.status == "ok" and result.body == RSS


def test_relative_local_path(tmp_path, fetcher, monkeypatch):
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "a.xml").write_bytes(RSS)
    monkeypatch.chdir(tmp_path)
    result = fetcher.fetch(FeedRequest("feeds/a.xml"))
    assert result.status == "ok" and result.body == RSS


def test_missing_local_file(tmp_path, fetcher):
    result = fetcher.fetch(FeedRequest(str(tmp_path / "nope.xml")))
    assert result.status == "error" and result.error == f"no such file: {tmp_path / 'nope.xml'}"


def test_directory_is_not_a_feed(tmp_path, fetcher):
    result = fetcher.fetch(FeedRequest(str(tmp_path)))
    assert result.status == "error" and result.error.startswith("not a file")


def test_oversized_local_file(tmp_path, sleeps):
    path = tmp_path / "big.xml"
    path.write_bytes(b"x" * 2_000)
    with Fetcher(max_bytes=1_000, sleep=sleeps) as f:
        result = f.fetch(FeedRequest(str(path)))
    assert result.status == "error" and "larger than 1 kB" in result.error


# -- many feeds --------------------------------------------------------------

def test_fetch_all_preserves_order_and_runs_concurrently(server, tmp_path, sleeps):
    requests = []
    for i in range(6):
        # A short server-side delay makes the overlap observable; nothing is timed.
        requests.append(FeedRequest(server.add(f"/f{i}", Static(f"<rss>{i}</rss>".encode(), before=0.2))))
    requests.insert(3, FeedRequest(str(tmp_path / "missing.xml")))
    requests.append(FeedRequest(server.add("/gone", Status(410))))
    seen = []
    with Fetcher(concurrency=4, sleep=sleeps) as f:
        results = f.fetch_all(requests, each=seen.append)
    assert [r.request for r in results] == requests
    assert seen == results   # each result handed over once, in input order
    bodies = [r.body for r in results if r.status == "ok"]
    assert bodies == [f"<rss>{i}</rss>".encode() for i in range(6)]
    assert results[3].status == "error" and results[-1].status == "gone"
    assert server.peak_concurrency >= 2


def test_fetch_all_empty(fetcher):
    assert fetcher.fetch_all([]) == []


# -- pure decisions (open-ended inputs) ---------------------------------------

aware = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1),
                     timezones=st.just(timezone.utc))


@given(now=aware, seconds=st.integers(min_value=0, max_value=10**30))
def test_retry_after_delta_seconds(now, seconds):
    when = parse_retry_after(str(seconds), now)
    assert when == now + min(timedelta(seconds=min(seconds, 10**9)), MAX_RETRY_AFTER)


@given(now=aware, delta=st.integers(min_value=-10**7, max_value=10**7))
def test_retry_after_http_date_round_trips(now, delta):
    target = (now + timedelta(seconds=delta)).replace(microsecond=0)
    when = parse_retry_after(format_datetime(target, usegmt=True), now)
    assert when == min(max(target, now), now + MAX_RETRY_AFTER)
    assert when.tzinfo is not None


@given(now=aware, junk=st.text(max_size=40))
def test_retry_after_never_raises(now, junk):
    when = parse_retry_after(junk, now)
    assert when is None or now <= when <= now + MAX_RETRY_AFTER


@given(code=st.integers(min_value=100, max_value=599), attempt=st.integers(min_value=1, max_value=6),
       retries=st.integers(min_value=0, max_value=4), limit=st.floats(min_value=0, max_value=60),
       ahead=st.one_of(st.none(), st.floats(min_value=-100, max_value=100)))
def test_retry_wait_is_bounded(code, attempt, retries, limit, ahead):
    policy = RetryPolicy(retries=retries, max_retry_wait=limit, backoff=0.5)
    retry_after = None if ahead is None else NOW + timedelta(seconds=ahead)
    wait = retry_wait(code, retry_after, attempt, policy, NOW)
    if attempt > retries or code < 500 and code != 429:
        assert wait is None
    if wait is not None:
        assert 0 <= wait <= limit


codes = st.sampled_from([301, 302, 303, 307, 308])
urls = st.integers(min_value=0, max_value=20).map(lambda i: f"http://h/{i}")


@given(st.lists(st.tuples(codes, urls), max_size=8))
def test_permanent_destination_is_end_of_leading_permanent_run(hops):
    target = permanent_destination(hops)
    leading = 0
    while leading < len(hops) and hops[leading][0] in (301, 308):
        leading += 1
    assert target == (hops[leading - 1][1] if leading else None)


@given(st.lists(st.tuples(codes, urls), min_size=1, max_size=10), st.integers(min_value=0, max_value=6))
def test_redirect_problem_only_past_the_budget(hops, budget):
    problem = redirect_problem(hops, "http://h/start", budget)
    assert (problem is not None) == (len(hops) > budget)


def test_redirect_to_other_scheme_is_refused():
    assert "unsupported" in redirect_problem([(302, "file:///etc/passwd")], "http://h/", 5)


def test_conditional_headers():
    assert conditional_headers(FeedRequest("http://h/")) == {}
    assert conditional_headers(FeedRequest("http://h/", etag='W/"1"', last_modified=LAST_MODIFIED)) == {
        "If-None-Match": 'W/"1"', "If-Modified-Since": LAST_MODIFIED}


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\0/"),
               min_size=1, max_size=20))
def test_file_url_and_path_name_the_same_file(name):
    from pathlib import Path
    path = Path("/tmp/kb") / name
    assert local_path(path.as_uri()) == path
    assert local_path(str(path)) == path


# -- a site's page instead of its feed (autodiscovery) -------------------------------------

PAGE = (b'<!DOCTYPE html><html><head><title>Blog</title><link rel="stylesheet" href="/s.css">'
        b'<link rel="alternate" type="application/rss+xml" title="Feed" href="/feed.xml"></head>'
        b"<body><p>Posts</p></body></html>")


def test_a_sites_page_that_names_its_feed_is_followed_to_it_once(server, fetcher):
    # the reader wrote the blog's address: the page's <link rel="alternate"> is followed as a
    # permanent redirect, so the store fetches the feed itself from then on
    page = server.add("/", Static(PAGE, content_type="text/html; charset=utf-8", etag='"page"'))
    feed = server.add("/feed.xml", Static(RSS, etag='"feed"'))
    result = fetcher.fetch(FeedRequest(page))
    assert result.status == "ok" and result.body == RSS
    assert result.final_url == feed and result.permanent_url == feed
    assert result.etag == '"feed"'                        # the feed's validators, not the page's
    # a page that names itself, or a page reached from such a link, is not followed again
    server.add("/self", Static(PAGE.replace(b"/feed.xml", b"/self")))
    assert fetcher.fetch(FeedRequest(server.url("/self"))).body.startswith(b"<!DOCTYPE html>")
    server.add("/a", Static(PAGE.replace(b"/feed.xml", b"/b")))
    server.add("/b", Static(PAGE.replace(b"/feed.xml", b"/a")))
    result = fetcher.fetch(FeedRequest(server.url("/a")))
    assert result.final_url == server.url("/b") and result.body.startswith(b"<!DOCTYPE html>")
    assert server.hits("/a") == 1
    # a feed that opens with a stray <!DOCTYPE html> line is read, whatever its links name
    stray = b"<!DOCTYPE html>\n" + RSS.replace(b"<channel>", b'<channel><link rel="alternate" '
                                                 b'type="application/atom+xml" href="/other.xml"/>')
    server.add("/stray", Static(stray))
    assert fetcher.fetch(FeedRequest(server.url("/stray"))).body == stray
