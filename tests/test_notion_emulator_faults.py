"""Rate limiting, injected server errors, slow and lost answers, with the real client.

No assertion looks at the clock: the rate limit is shown by a fast loop
meeting 429s, and the faults come from a seeded RNG, so the same seed gives
the same statuses in the same order.
"""

from __future__ import annotations

import httpx
import pytest
from notion_client import RetryOptions
from notion_client.errors import APIResponseError, HTTPResponseError, RequestTimeoutError

from tests.notion_emulator import NotionEmulator
from tests.notion_emulator.testkit import client, new_source, text

FAST_RETRY = RetryOptions(max_retries=2, initial_retry_delay_ms=1, max_retry_delay_ms=2)


@pytest.fixture
def emu():
    with NotionEmulator() as emulator:
        yield emulator


@pytest.fixture
def source(emu):
    made = new_source(client(emu), emu.add_page("kbsync"), "Articles", {"Name": {"title": {}}})["id"]
    emu.clear_log()
    return made


def statuses(call, n: int) -> list[int]:
    out = []
    for _ in range(n):
        try:
            call()
            out.append(200)
        except HTTPResponseError as error:
            out.append(error.status)
    return out


def test_a_fast_loop_past_the_burst_is_rate_limited_with_retry_after(emu):
    notion = client(emu)
    emu.set_rate(rate=0.5, burst=2)
    seen = []
    for _ in range(8):
        try:
            notion.users.me()
            seen.append(200)
        except APIResponseError as error:
            seen.append(error.status)
            assert (error.code, str(error)) == ("rate_limited",
                                                "You have been rate limited. Please try again in a few minutes.")
            assert int(error.headers["retry-after"]) >= 1
    assert seen[:2] == [200, 200] and 429 in seen
    assert [r.fault for r in emu.requests if r.status == 429] == ["rate_limited"] * seen.count(429)
    emu.set_rate(None)
    assert statuses(notion.users.me, 20) == [200] * 20


def test_the_client_waits_out_a_429_and_succeeds(emu):
    emu.set_rate(rate=50.0, burst=1)
    notion = client(emu, retry=RetryOptions(max_retries=2))
    notion.users.me()
    assert notion.users.me()["object"] == "user"
    assert [r.status for r in emu.requests] == [200, 429, 200]


def run_with_seed(seed: int) -> list[int]:
    with NotionEmulator() as emu:
        notion = client(emu)
        parent = emu.add_page("kbsync")
        emu.set_faults(error_rate=0.4, seed=seed, methods=("GET",))
        return statuses(lambda: notion.pages.retrieve(parent), 30)


def test_injected_errors_are_reproducible_from_the_seed():
    first, again, other = run_with_seed(7), run_with_seed(7), run_with_seed(8)
    assert first == again and first != other
    assert set(first) - {200} and set(first) <= {200, 500, 502, 503, 504}
    assert 200 in first


def test_faults_keep_to_their_methods_and_paths(emu, source):
    notion = client(emu)
    emu.set_faults(error_rate=1.0, statuses=(500,), methods=("POST",), paths=(r"^/v1/pages$",))
    assert statuses(lambda: notion.data_sources.query(source), 3) == [200] * 3
    assert statuses(lambda: notion.pages.create(parent={"data_source_id": source}, properties={}), 3) == [500] * 3
    assert emu.pages(source) == []
    emu.set_faults()
    assert statuses(lambda: notion.pages.create(parent={"data_source_id": source}, properties={}), 1) == [200]


def test_error_bodies_are_notions(emu, source):
    notion = client(emu)
    for status, code in ((500, "internal_server_error"), (502, "bad_gateway"), (503, "service_unavailable"),
                         (504, "gateway_timeout")):
        emu.set_faults(error_rate=1.0, statuses=(status,), seed=1)
        with pytest.raises(HTTPResponseError) as failed:
            notion.data_sources.retrieve(source)
        assert failed.value.status == status and f'"code": "{code}"' in failed.value.body


def test_the_client_retries_idempotent_calls_only(emu, source):
    notion = client(emu, retry=FAST_RETRY)
    emu.set_faults(error_rate=1.0, statuses=(503,), seed=3)
    emu.clear_log()
    with pytest.raises(APIResponseError):
        notion.data_sources.retrieve(source)
    with pytest.raises(APIResponseError):
        notion.pages.create(parent={"data_source_id": source}, properties={})
    assert [(r.method, r.status) for r in emu.requests] == [("GET", 503)] * 3 + [("POST", 503)]
    assert [r.fault for r in emu.requests] == ["error"] * 4 and emu.writes() == []


def test_a_lost_answer_still_created_the_page(emu, source):
    notion = client(emu)
    emu.set_faults(lost_rate=1.0, methods=("POST",), paths=(r"^/v1/pages$",), seed=1)
    with pytest.raises(httpx.HTTPError):
        notion.pages.create(parent={"data_source_id": source}, properties={"Name": {"title": text("ghost")}})
    emu.set_faults()
    (page,) = emu.pages(source)
    assert page["properties"]["Name"]["title"][0]["plain_text"] == "ghost"
    (write,) = emu.writes()
    assert write.lost is True and write.fault == "lost" and write.status == 200
    assert [p["id"] for p in notion.data_sources.query(source)["results"]] == [page["id"]]


def test_a_504_after_applying_makes_a_blind_retry_duplicate(emu, source):
    notion = client(emu)
    emu.set_faults(lost_rate=1.0, lost_status=504, methods=("POST",), paths=(r"^/v1/pages$",), seed=1)
    for _ in range(2):
        with pytest.raises(APIResponseError) as failed:
            notion.pages.create(parent={"data_source_id": source}, properties={"Name": {"title": text("twice")}})
        assert (failed.value.status, failed.value.code) == (504, "gateway_timeout")
    assert len(emu.pages(source)) == 2 and len(emu.writes()) == 2


def test_a_slow_answer_times_out_the_client_but_was_applied(emu, source):
    notion = client(emu, timeout_ms=100)
    emu.set_faults(slow_rate=1.0, slow_seconds=0.6, methods=("POST",), seed=1)
    with pytest.raises(RequestTimeoutError):
        notion.pages.create(parent={"data_source_id": source}, properties={})
    emu.set_faults()
    assert len(emu.pages(source)) == 1
    assert emu.requests[-1].fault == "slow"


def test_bad_fault_settings_are_refused(emu):
    for bad in ({"statuses": (418,)}, {"error_rate": 1.5}, {"lost_status": 200}):
        with pytest.raises(ValueError):
            emu.set_faults(**bad)
    with pytest.raises(ValueError):
        emu.set_rate(rate=0)


def test_conflicts_hit_writes_only_and_apply_nothing(emu, source):
    """409 ``conflict_error`` (reference: status codes; wording quoted in rowthan/pagenote#162)."""
    notion = client(emu)
    emu.set_faults(conflict_rate=1.0, seed=5)
    with pytest.raises(APIResponseError) as conflict:
        notion.pages.create(parent={"data_source_id": source}, properties={})
    assert (conflict.value.status, conflict.value.code, str(conflict.value)) == (
        409, "conflict_error", "Conflict occurred while saving. Please try again.")
    assert emu.pages(source) == [] and emu.writes() == []
    assert statuses(lambda: notion.data_sources.query(source), 3) == [200] * 3     # reads never conflict
    assert statuses(lambda: notion.data_sources.retrieve(source), 3) == [200] * 3
    assert [r.fault for r in emu.requests if r.status == 409] == ["error"]


def run_conflicts(seed: int) -> list[int]:
    with NotionEmulator() as emu:
        source = new_source(client(emu), emu.add_page("kbsync"), "Articles", {"Name": {"title": {}}})["id"]
        emu.set_faults(conflict_rate=0.3, seed=seed)
        notion = client(emu)
        return statuses(lambda: notion.pages.create(parent={"data_source_id": source}, properties={}), 30)


def test_occasional_conflicts_are_reproducible_from_the_seed():
    first, again = run_conflicts(11), run_conflicts(11)
    assert first == again and set(first) == {200, 409}


def test_search_is_eventually_consistent_when_told():
    """"Search indexing is not immediate" (reference: search optimizations and limitations)."""
    clock = [1_000_000.0]
    with NotionEmulator(now=lambda: clock[0]) as emu:
        notion = client(emu)
        parent = emu.add_page("kbsync")
        emu.set_search_lag(60)
        source = new_source(notion, parent, "Articles", {"Name": {"title": {}}})
        page = notion.pages.create(parent={"page_id": parent}, properties={"title": text("Weekly")})

        def found(kind: str, query: str) -> list[str]:
            return [r["id"] for r in notion.search(query=query, filter={"property": "object", "value": kind})["results"]]
        assert found("data_source", "Articles") == [] and found("page", "Weekly") == []
        assert found("page", "kbsync") == [parent]          # shared directly: always found
        # the data source can still be read by id, and its database is listed under the page
        assert notion.data_sources.retrieve(source["id"])["id"] == source["id"]
        assert [b["type"] for b in notion.blocks.children.list(parent)["results"]] == ["child_database", "child_page"]
        clock[0] += 61
        assert found("data_source", "Articles") == [source["id"]] and found("page", "Weekly") == [page["id"]]
        emu.reset()
        assert emu.ws.search_lag_ms == 0
