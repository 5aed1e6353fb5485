"""Which failures are retried and how long kbsync waits (sync/scoring/retries.py): pure decisions,
checked on the client's own exception types, and the pause shared by all workers."""

from __future__ import annotations

import email.utils
import importlib

import anthropic
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.scoring.retries import Pacer, RetryPolicy, call_with_retries, retry_after, retry_delay
from tests.claude_fixtures import FakeTime

CLIENT_HTTP = importlib.import_module(anthropic._base_client.httpx2.__name__)   # the client's own HTTP module
POLICY = RetryPolicy(max_retries=3, max_wait=60)


def status_error(status: int, headers: dict[str, str] | None = None) -> anthropic.APIStatusError:
    request = CLIENT_HTTP.Request("POST", "https://api.anthropic.com/v1/messages")
    response = CLIENT_HTTP.Response(status, headers=headers or {}, request=request)
    return anthropic.APIStatusError("fake", response=response, body=None)


def test_retry_after_in_its_three_spellings() -> None:
    assert retry_after({"retry-after-ms": "250"}) == 0.25
    assert retry_after({"retry-after": "7"}) == 7.0 and retry_after({"retry-after": "0.5"}) == 0.5
    when = email.utils.formatdate(1_000_030, usegmt=True)
    assert retry_after({"retry-after": when}, now=1_000_000) == 30.0
    assert retry_after({"retry-after": "soon"}) is None and retry_after({}) is None


@pytest.mark.parametrize(("status", "retried"), [(408, True), (409, True), (429, True), (500, True), (502, True),
                                                 (503, True), (529, True), (400, False), (401, False),
                                                 (403, False), (404, False), (413, False)])
def test_which_statuses_are_retried(status: int, retried: bool) -> None:
    assert (retry_delay(status_error(status), 1, POLICY, jitter=lambda: 0.0) is not None) == retried


def test_the_server_may_say_otherwise() -> None:
    assert retry_delay(status_error(500, {"x-should-retry": "false"}), 1, POLICY) is None
    assert retry_delay(status_error(400, {"x-should-retry": "true"}), 1, POLICY, jitter=lambda: 0.0) == 0.5


@given(attempt=st.integers(1, 3), jitter=st.floats(0, 1), asked=st.floats(0.001, 120))
def test_a_retry_after_is_honoured_exactly_or_not_waited_for(attempt: int, jitter: float, asked: float) -> None:
    delay = retry_delay(status_error(429, {"retry-after": repr(asked)}), attempt, POLICY, jitter=lambda: jitter)
    assert delay == (asked if asked <= POLICY.max_wait else None)


@given(attempt=st.integers(1, 6), jitter=st.floats(0, 1))
def test_backoff_doubles_with_jitter_and_stops_after_max_retries(attempt: int, jitter: float) -> None:
    delay = retry_delay(status_error(503), attempt, POLICY, jitter=lambda: jitter)
    if attempt > POLICY.max_retries:
        assert delay is None
    else:
        full = min(0.5 * 2 ** (attempt - 1), 8.0)
        assert 0.75 * full <= delay <= full


def test_timeouts_and_lost_connections_are_retried() -> None:
    request = CLIENT_HTTP.Request("POST", "https://api.anthropic.com/v1/messages")
    assert retry_delay(anthropic.APITimeoutError(request), 1, POLICY) is not None
    assert retry_delay(anthropic.APIConnectionError(request=request), 1, POLICY) is not None
    assert retry_delay(ValueError("a bug"), 1, POLICY) is None


def test_a_rate_limit_pauses_everyone_through_the_pacer() -> None:
    time = FakeTime()
    pacer = Pacer(time.sleep, time.clock)
    answers = iter([status_error(429, {"retry-after": "4"}), "ok"])

    def call() -> str:
        value = next(answers)
        if isinstance(value, Exception):
            raise value
        return value

    assert call_with_retries(call, POLICY, pacer) == "ok"
    assert time.sleeps == [4.0] and pacer.waited == 4.0
    pacer.pause(2.0)
    pacer.wait()                                   # another worker arriving during a pause waits it out
    assert time.sleeps == [4.0, 2.0]
