"""The Claude scorer, driven through the real ``anthropic`` client against
tests/fake_anthropic.py on 127.0.0.1 (no network).

Retry waits run on virtual time (tests/claude_fixtures.py ``FakeTime``): the
tests assert the exact waits (the server's ``retry-after``, or the backoff)
without sleeping them.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace

import anthropic
import pytest

from sync.scoring.claude import ClaudeScorer
from sync.scoring.heuristic import HeuristicScorer
from sync.scoring.prompts import CONTENT_BUDGET, OPEN_MARK
from sync.scoring.session import WAIT, ClaudeSession
from sync.tags import clean_tags
from tests.claude_fixtures import (
    CFG,
    ENV_NAMES,
    FakeTime,
    article,
    data_block,
    good,
    heuristic,
    heuristic_backend,
    session_for,
)
from tests.fake_anthropic_tokens import min_cacheable
from tests.fake_anthropic import (
    DEFAULT_KEY,
    Answer,
    Error,
    FakeAnthropic,
    Raw,
    Recorded,
    Refusal,
    Text,
    bad_request,
    overloaded,
    rate_limited,
    server_error,
)


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client reads ANTHROPIC_* from the environment; tests use only what they pass."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def scorer_for(fake: FakeAnthropic | None, *, time: FakeTime | None = None, api_key: str | None = None,
               **claude: object) -> ClaudeScorer:
    session = session_for(fake, time=time, api_key=api_key, **claude)
    return ClaudeScorer(session.cfg, session, heuristic())


# ------------------------------------------------------------ good answers


@pytest.mark.parametrize(("score", "tier"), [(100, "must-read"), (85, "must-read"), (84, "worth-reading"),
                                             (70, "worth-reading"), (69, "skim"), (0, "skim")])
def test_good_answer_becomes_a_score_with_tier_from_thresholds(score: int, tier: str) -> None:
    raw_tags = ["#LLM Training", "agents", "llm training", "2026", "机器学习理论", "Evals!", "extra"]
    with FakeAnthropic() as fake:
        # the model's own tier is ignored: only the thresholds decide
        fake.push(Answer(good(score, tier="skim" if tier != "skim" else "must-read", tags=raw_tags,
                              summary="Line one\n  and line two.",
                              key_points=[f"Point {i}." for i in range(8)])))
        [result] = scorer_for(fake).score([article(1)])
    a = article(1)
    assert (result.backend, result.model, result.fallback) == ("claude", CFG.model, False)
    assert result.prompt_version and result.prompt_version.startswith("auto-")
    assert (result.kb_id, result.content_hash) == (a.kb_id, a.content_hash)
    assert (result.score, result.tier, result.category) == (score, tier, "Research")
    assert result.tags == clean_tags(raw_tags, limit=CFG.max_tags)
    assert result.summary == "Line one and line two."
    assert result.key_points == tuple(f"Point {i}." for i in range(5))
    assert result.why_it_matters == "It changes how agents are trained."


def test_request_carries_the_rubric_schema_cache_mark_and_article_as_data() -> None:
    with FakeAnthropic() as fake:
        fake.push(Answer(good()))
        scorer_for(fake).score([article(3)])
        [request] = fake.message_requests
    body = request.body
    assert request.api_key == fake.api_key
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", request.headers["anthropic-version"])
    assert (body["model"], body["max_tokens"]) == (CFG.model, CFG.claude.max_tokens)
    # structured output, no tools: current models refuse a forced tool_choice
    assert "tools" not in body and "tool_choice" not in body
    assert body["system"][-1]["cache_control"] == {"type": "ephemeral"}
    fmt = body["output_config"]["format"]
    assert fmt["type"] == "json_schema" and fmt["schema"]["additionalProperties"] is False
    assert fmt["schema"]["properties"]["category"]["enum"] == ["AI/Tech", "Research", "Other"]
    assert set(fmt["schema"]["required"]) == {"score", "category", "tags", "summary", "key_points",
                                              "why_it_matters"}
    # cheap thinking: effort low, and Sonnet 5.5's way of turning up-front thinking off
    assert body["output_config"]["effort"] == "low"
    assert body["thinking"] == {"type": "between_tools"}
    system = request.system_text
    for needle in ("LLM training", "agents", "Research", "85-100", "70-84", "0-69", OPEN_MARK,
                   "What must-read means", "Calibration examples", "Why it matters"):
        assert needle in system
    data = data_block(request)
    assert data["title"] == "Article 03" and data["source"] == "Example"


def test_the_shared_prefix_is_written_to_the_cache_once_then_read() -> None:
    with FakeAnthropic(default=Answer(good())) as fake:
        scorer = scorer_for(fake, concurrency=4)
        scorer.run([article(n) for n in range(1, 9)])
    usage = scorer.session.usage["messages"]
    # the first request (sent alone) writes, the seven after it read
    assert usage.requests == 8 and usage.cache_write_tokens >= min_cacheable(CFG.model)
    assert usage.cache_read_tokens == 7 * usage.cache_write_tokens
    assert scorer.session.cost("messages") is not None and scorer.session.cost("messages") > 0


def test_article_text_is_truncated_to_the_budget() -> None:
    with FakeAnthropic() as fake:
        fake.push(Answer(good()))
        scorer_for(fake).score([article(1, content="word " * 10_000)])
        data = data_block(fake.message_requests[0])
    assert len(data["content"]) <= CONTENT_BUDGET
    assert data["content_truncated"] is True


@pytest.mark.parametrize(("answer", "expected"), [
    ({"score": "77", "summary": "s", "why_it_matters": "w"}, (77, "Other", ())),   # numeric text; optional fields
    ({**good(), "score": 84.6, "category": "ai/tech"}, (85, "AI/Tech", ("First fact.", "Second fact."))),
    ({**good(50), "key_points": ["a", 3, None, "a", " "]}, (50, "Research", ("a",))),
])
def test_safe_repairs_keep_claudes_answer(answer: dict[str, object], expected: tuple[object, ...]) -> None:
    with FakeAnthropic() as fake:
        fake.push(Answer(answer))
        [result] = scorer_for(fake).score([article(1)])
        assert len(fake.message_requests) == 1
    assert result.backend == "claude"
    assert (result.score, result.category, result.key_points) == expected


def test_json_text_answer_without_tool_call_is_accepted() -> None:
    with FakeAnthropic() as fake:
        fake.push(Text("Here you go:\n```json\n" + json.dumps(good(91)) + "\n```"))
        [result] = scorer_for(fake).score([article(1)])
    assert (result.backend, result.score, result.tier) == ("claude", 91, "must-read")


# ------------------------------------------------------------ invalid answers: one retry, then the fallback


@pytest.mark.parametrize(("reply", "reason", "in_feedback"), [
    (Text("I think this article is great!"), "answer is not JSON", "not valid JSON"),
    (Answer(good(150)), "score out of range: 150", "score out of range: 150"),
    (Answer(good(-3)), "score out of range: -3", "score out of range"),
    (Answer(good("high")), "score is not an integer", "score is not an integer"),
    (Answer(good(category="Robotics")), "category 'Robotics' is not one of the allowed values",
     "category must be one of: AI/Tech, Research, Other"),
    (Answer({"category": "Research", "summary": "s", "why_it_matters": "w"}), "score missing", "score missing"),
    (Answer(good(summary="   ")), "summary is empty", "summary is empty"),
    (Answer(good(tags="llm, agents")), "tags is not an array", "tags is not an array"),
    (Answer(good(why_it_matters=None)), "why_it_matters is not a string", "why_it_matters"),
    (Answer(["not", "an", "object"]), "answer is not a JSON object", "JSON object"),
])
def test_an_invalid_answer_is_retried_once_with_the_validation_errors(reply: Answer | Text, reason: str,
                                                                       in_feedback: str) -> None:
    with FakeAnthropic() as fake:
        fake.push(reply, Answer(good(77)))
        [result] = scorer_for(fake).score([article(1)])
        first, second = fake.message_requests
    assert (result.backend, result.score) == ("claude", 77)
    # the retry continues the conversation: the answer (JSON text), then the errors as text
    assert second.body["messages"][0] == first.body["messages"][0]
    said, feedback = second.body["messages"][1], second.body["messages"][2]
    assert said["role"] == "assistant" and feedback["role"] == "user"
    text = json.dumps(feedback["content"], ensure_ascii=False)
    assert in_feedback in text and (reason in text or isinstance(reply, Text) or "object" in reason)
    if isinstance(reply, Answer):
        [answered] = said["content"]
        [result_block] = feedback["content"]
        assert answered == {"type": "text", "text": json.dumps(reply.input, ensure_ascii=False)}
        assert result_block["type"] == "text" and in_feedback in result_block["text"]


@pytest.mark.parametrize(("reply", "reason"), [
    (Text("I think this article is great!"), "answer is not JSON"),
    (Text(""), "no answer in reply"),
    (Answer(good(150)), "score out of range: 150"),
    (Answer(good(category="Robotics")), "category 'Robotics' is not one of the allowed values"),
])
def test_an_answer_invalid_twice_falls_back_with_the_reason(reply: Answer | Text, reason: str) -> None:
    a = article(1)
    with FakeAnthropic(default=reply) as fake:
        [result] = scorer_for(fake).score([a])
        assert len(fake.message_requests) == 2
    expected = HeuristicScorer(CFG).score([a])[0]
    assert result == replace(expected, backend=heuristic_backend(reason), fallback=True)


def test_a_refusal_is_not_retried() -> None:
    with FakeAnthropic(default=Answer(good())) as fake:
        fake.push(Refusal())
        [result] = scorer_for(fake).score([article(1)])
        assert len(fake.message_requests) == 1
    assert (result.backend, result.fallback) == (heuristic_backend("model refused"), True)


def test_a_cut_off_answer_is_not_retried_and_not_paid_twice() -> None:
    with FakeAnthropic(default=Answer(good(81))) as fake:
        fake.push(Answer({"score": 80, "summary": "half"}, stop_reason="max_tokens"))
        scorer = scorer_for(fake, max_tokens=1000)
        [result] = scorer.score([article(1)])
        assert len(fake.message_requests) == 1            # no blind retry with a doubled limit
    assert (result.backend, result.fallback) == (heuristic_backend("answer cut off (max_tokens)"), True)
    assert any("raise scoring.claude.max_tokens" in p for p in scorer.session.problems)


def test_thinking_that_fills_max_tokens_is_cut_off_and_not_retried() -> None:
    # Opus 5.5 cannot turn thinking off: at effort high it thinks past a small max_tokens
    cfg = replace(CFG, model="claude-opus-5-5")
    with FakeAnthropic(default=Answer(good(81))) as fake:
        session = session_for(fake, cfg, max_tokens=1000, effort="high")
        [result] = ClaudeScorer(session.cfg, session, heuristic()).score([article(1)])
        [request] = fake.message_requests
    assert "thinking" not in request.body                  # never "disabled" on a model that refuses it
    assert result.backend == heuristic_backend("cut off while thinking (max_tokens)")
    usage = session.usage["messages"]
    assert usage.output_tokens == usage.thinking_tokens == 1000       # paid once, counted as thinking


def test_fallback_is_per_article_and_uses_the_batch_context() -> None:
    batch = [article(n, title="bad one" if n == 2 else None) for n in range(1, 6)]

    def script(request: Recorded) -> Answer | Text:
        return Text("garbage") if data_block(request)["title"] == "bad one" else Answer(good(90))

    with FakeAnthropic(default=script) as fake:
        results = scorer_for(fake, concurrency=3).score(batch)
    assert [r.backend for r in results] == ["claude", heuristic_backend("answer is not JSON"),
                                            "claude", "claude", "claude"]
    # the fallback is what the heuristic gives that article among its batch
    assert replace(results[1], backend="heuristic", fallback=False) == HeuristicScorer(CFG).score(batch)[1]


# ------------------------------------------------------------ HTTP errors and retries


def test_429_waits_exactly_the_retry_after_then_succeeds() -> None:
    time = FakeTime()
    with FakeAnthropic() as fake:
        fake.push(rate_limited(retry_after=7), Answer(good(88)))
        scorer = scorer_for(fake, time=time)
        [result] = scorer.score([article(1)])
    assert (result.backend, result.score) == ("claude", 88)
    assert len(fake.message_requests) == 2 and time.sleeps == [7.0]
    assert scorer.session.retries == 1


def test_persistent_overload_falls_back_after_the_retries_honouring_each_retry_after() -> None:
    time = FakeTime()
    with FakeAnthropic(default=overloaded(retry_after=2.5)) as fake:
        [result] = scorer_for(fake, time=time, max_retries=3).score([article(1)])
    assert result.backend == heuristic_backend("overloaded (529)")
    assert len(fake.message_requests) == 4 and time.sleeps == [2.5, 2.5, 2.5]


def test_a_5xx_without_retry_after_backs_off_exponentially() -> None:
    time = FakeTime()
    with FakeAnthropic() as fake:
        fake.push(server_error(), server_error(), Error(502, "bad gateway"), Answer(good(70)))
        [result] = scorer_for(fake, time=time, max_retries=3).score([article(1)])
    assert (result.backend, result.score) == ("claude", 70)
    # 0.5, 1, 2 s, each minus up to a quarter of jitter
    assert [lo <= s <= hi for s, (lo, hi) in zip(time.sleeps, [(0.375, 0.5), (0.75, 1.0), (1.5, 2.0)])] == [True] * 3


def test_a_retry_after_beyond_the_limit_is_not_waited_for() -> None:
    time = FakeTime()
    with FakeAnthropic(default=Answer(good())) as fake:
        fake.push(rate_limited(retry_after=3600))
        [result] = scorer_for(fake, time=time, max_retry_wait=60).score([article(1)])
    assert result.backend == heuristic_backend("rate limited (429)")
    assert time.sleeps == [] and len(fake.message_requests) == 1


def test_a_slow_answer_times_out_is_retried_and_then_falls_back() -> None:
    with FakeAnthropic(default=Answer(good(), delay=1.0)) as fake:
        [result] = scorer_for(fake, timeout=0.2, max_retries=1).score([article(1)])
        assert len(fake.message_requests) == 2
    assert result.backend == heuristic_backend("timed out")


def test_a_slow_answer_within_the_timeout_is_fine() -> None:
    with FakeAnthropic(default=Answer(good(66), delay=0.3)) as fake:
        [result] = scorer_for(fake, timeout=5.0).score([article(1)])
    assert (result.backend, result.score) == ("claude", 66)


def test_a_rate_limit_pauses_every_worker() -> None:
    time = FakeTime()
    with FakeAnthropic(default=Answer(good())) as fake:
        fake.push(Answer(good()), rate_limited(retry_after=5))
        scorer = scorer_for(fake, time=time, concurrency=4)
        results = scorer.score([article(n) for n in range(1, 9)])
    assert all(r.backend == "claude" for r in results)
    assert 5.0 in time.sleeps and scorer.session.pacer.waited >= 5.0


@pytest.mark.parametrize(("reply", "reason", "attempts"), [
    (server_error(retry_after=0.01), "server error (500)", 2),
    (bad_request("max_tokens: too large"), "invalid request (400)", 1),      # a 400 is not retried
    (Error(413, "too big"), "request too large (413)", 1),
    (Raw(200, b"<html>proxy says hi</html>", "text/html"), "no answer in reply", 2),
])
def test_an_error_costs_only_its_article(reply: Error | Raw, reason: str, attempts: int) -> None:
    batch = [article(1, title="unlucky"), article(2), article(3)]

    def script(request: Recorded) -> Error | Raw | Answer:
        return reply if data_block(request)["title"] == "unlucky" else Answer(good(75))

    with FakeAnthropic(default=script) as fake:
        results = scorer_for(fake, max_retries=1, concurrency=1).score(batch)
    assert [r.backend for r in results] == [heuristic_backend(reason), "claude", "claude"]
    assert len(fake.message_requests) == attempts + 2


def test_401_falls_back_for_all_stops_calling_and_says_so_once() -> None:
    batch = [article(n) for n in range(1, 21)]
    with FakeAnthropic(default=Answer(good())) as fake:
        scorer = scorer_for(fake, api_key="sk-ant-wrong-key", concurrency=4)
        first = scorer.score(batch)
        again = scorer.score(batch[:2])                 # the rest of the run stays off
        assert len(fake.message_requests) == 1          # 401 is not retried, and ends the run
    assert {r.backend for r in first + again} == {heuristic_backend("authentication failed (401)")}
    [line] = scorer.session.problems
    assert "authentication failed (401)" in line and "ANTHROPIC_API_KEY" in line


def test_no_api_key_never_calls() -> None:
    scorer = scorer_for(None)
    results = scorer.score([article(1), article(2)])
    assert [r.backend for r in results] == [heuristic_backend("no API key")] * 2
    assert len(scorer.session.problems) == 1


def test_unreachable_api_falls_back() -> None:
    with FakeAnthropic() as fake:
        url = fake.url                      # the port is closed once the fake has stopped
    client = anthropic.Anthropic(api_key=DEFAULT_KEY, base_url=url, max_retries=0, timeout=5.0)
    session = ClaudeSession(CFG, client, sleep=FakeTime().sleep)
    [result] = ClaudeScorer(CFG, session, heuristic()).score([article(1)])
    assert result.backend == heuristic_backend("connection failed")


def test_an_unexpected_client_failure_falls_back(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="kbsync")

    class Broken:
        class messages:  # noqa: N801 - the shape of client.messages.create
            @staticmethod
            def create(**kwargs: object) -> None:
                raise RuntimeError("boom")

    session = ClaudeSession(CFG, Broken())
    [result] = ClaudeScorer(CFG, session, heuristic()).score([article(1)])
    assert result.backend == heuristic_backend("unexpected error (RuntimeError)")
    assert any(r.exc_info for r in caplog.records)         # the traceback is kept for the bug report


# ------------------------------------------------------------ the budget


def test_the_budget_stops_sending_and_the_rest_waits() -> None:
    with FakeAnthropic(default=Answer(good())) as fake:
        scorer = scorer_for(fake, budget_usd=0.06, concurrency=1)
        run = scorer.run([article(n) for n in range(1, 21)])
        sent = len(fake.message_requests)
    session = scorer.session
    assert 0 < len(run.scores) == sent < 20 and len(run.waiting) == 20 - sent
    assert run.waiting == [article(n).kb_id for n in range(sent + 1, 21)]
    assert session.budget.stopped and session.cost("messages") <= 0.06
    assert all(s.backend == "claude" for s in run.scores)


def test_a_request_that_might_not_fit_is_not_sent() -> None:
    with FakeAnthropic(default=Answer(good())) as fake:
        session = session_for(fake, budget_usd=0.01)
        # 10,000 output tokens at $10/M could cost $0.10: over the budget before anything was spent
        assert session.ask({"model": CFG.model, "max_tokens": 10_000,
                            "messages": [{"role": "user", "content": "hi"}]}, lambda m: m) is WAIT
        assert fake.message_requests == [] and session.budget.stopped


# ------------------------------------------------------------ concurrency, order, secrets


def test_order_is_preserved_with_concurrency() -> None:
    batch = [article(n) for n in range(1, 13)]

    def script(request: Recorded) -> Answer:
        n = int(str(data_block(request)["title"]).split()[-1])
        # later articles answer sooner, so completion order is the reverse of input order
        return Answer(good(n * 7, summary=f"about {n}"), delay=0.01 * (13 - n))

    with FakeAnthropic(default=script) as fake:
        results = scorer_for(fake, concurrency=4).score(batch)
    assert [r.kb_id for r in results] == [a.kb_id for a in batch]
    assert [r.score for r in results] == [n * 7 for n in range(1, 13)]
    assert [r.summary for r in results] == [f"about {n}" for n in range(1, 13)]
    assert 2 <= fake.peak_in_flight <= 4


def test_api_key_is_sent_and_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    secret, wrong = "sk-ant-api03-SECRET-do-not-log-0001", "sk-ant-api03-WRONG-do-not-log-0002"
    for name in ("", "anthropic", "httpx", "httpx2", "httpcore", "kbsync"):
        caplog.set_level(logging.DEBUG, logger=name)
    with FakeAnthropic(api_key=secret) as fake:
        fake.push(Answer(good()), Text("garbage"), Text("garbage"), server_error(retry_after=0.01), Answer(good()))
        scorer = scorer_for(fake, api_key=secret, concurrency=1)
        results = scorer.score([article(1), article(2), article(3)])
        locked_out = scorer_for(fake, api_key=wrong)
        results += locked_out.score([article(4)])
    assert {r.api_key for r in fake.message_requests} == {secret, wrong}
    assert any(r.name.startswith("anthropic") for r in caplog.records)   # the client's debug log was on
    everything = (caplog.text + repr(scorer) + repr(locked_out) + repr(results)
                  + "".join(scorer.session.problems + locked_out.session.problems))
    assert secret not in everything and wrong not in everything
    assert "SECRET" not in everything and "WRONG" not in everything
