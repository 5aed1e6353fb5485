"""Claude against the real API's rules (issue 16): the stricter fake refuses what the API refuses,
kbsync sends only what each model accepts, thinking is paid for and counted, and the budget is hard.

The rules are the fake's (tests/fake_anthropic_models.py, each with its source); the models are
the installed SDK's own list (``anthropic.types.Model``), so a model the SDK learns is checked too.
"""

from __future__ import annotations

import typing
from dataclasses import replace

import anthropic
import pytest

from sync.config import ConfigError, load_config
from sync.scoring.claude import ClaudeScorer
from sync.scoring.models import facts_for, request_controls
from sync.scoring.prompts import build_request
from sync.scoring.trends import build_request as trend_request
from sync.scoring.usage import PRICES, price_for, worst_case
from tests.claude_fixtures import CFG, ENV_NAMES, FakeTime, article, client_for, good, heuristic, session_for
from tests.fake_anthropic import Answer, Error, FakeAnthropic, overloaded, spend_limit
from tests.fake_anthropic_models import model_problem
from tests.test_claude_trends import TRENDS

SDK_MODELS = [m for m in typing.get_args(typing.get_args(anthropic.types.Model)[0])]


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def scorer(session) -> ClaudeScorer:  # noqa: ANN001
    return ClaudeScorer(session.cfg, session, heuristic())


# ------------------------------------------------------------ 1. requests the real API accepts


def test_the_sdk_lists_the_models_this_checks() -> None:
    assert "claude-sonnet-5-5" in SDK_MODELS and "claude-opus-5-5" in SDK_MODELS and len(SDK_MODELS) >= 15


@pytest.mark.parametrize("model", SDK_MODELS)
@pytest.mark.parametrize("effort", ["low", "high", "max"])
@pytest.mark.parametrize("thinking", ["off", "adaptive"])
def test_every_request_kbsync_builds_is_one_the_api_accepts(model: str, effort: str, thinking: str) -> None:
    cfg = replace(CFG, model=model, claude=replace(CFG.claude, effort=effort, thinking=thinking))
    for body in (build_request(article(1), cfg), trend_request([("g1", TRENDS[0])], cfg)):
        assert model_problem(body) is None, (model, effort, thinking, body.get("thinking"))
        assert "tool_choice" not in body and "tools" not in body


@pytest.mark.parametrize("choice", [{"type": "tool", "name": "t"}, {"type": "any"}])
@pytest.mark.parametrize("model", ["claude-sonnet-5-5", "claude-opus-5-5", "claude-fable-5-1"])
def test_the_fake_refuses_forced_tool_use_where_the_api_does(model: str, choice: dict) -> None:
    tool = {"name": "t", "input_schema": {"type": "object"}}
    with FakeAnthropic(default=Answer({"x": 1})) as fake, pytest.raises(anthropic.BadRequestError) as info:
        client_for(fake).messages.create(model=model, max_tokens=100, tools=[tool], tool_choice=choice,
                                         messages=[{"role": "user", "content": "hi"}])
    assert "forced tool use is not supported" in str(info.value)


@pytest.mark.parametrize(("model", "thinking", "effort", "message"), [
    ("claude-sonnet-5-5", {"type": "disabled"}, "low", "between_tools"),
    ("claude-sonnet-5-5", {"type": "between_tools"}, "max", "low, medium and high"),
    ("claude-opus-5-5", {"type": "disabled"}, "low", "thinking.type.adaptive"),
    ("claude-opus-5-5", {"type": "between_tools"}, "low", "thinking.type.adaptive"),
    ("claude-haiku-5-5", {"type": "enabled", "budget_tokens": 2000}, "low", "not supported"),
    ("claude-sonnet-4-5", {"type": "enabled", "budget_tokens": 500}, "low", "budget_tokens"),
])
def test_the_fake_refuses_thinking_a_model_does_not_take(model: str, thinking: dict, effort: str,
                                                          message: str) -> None:
    with FakeAnthropic(default=Answer({"x": 1})) as fake, pytest.raises(anthropic.BadRequestError) as info:
        client_for(fake).messages.create(model=model, max_tokens=4000, thinking=thinking,
                                         output_config={"effort": effort},
                                         messages=[{"role": "user", "content": "hi"}])
    assert message in str(info.value)


def test_the_fake_refuses_a_structured_output_schema_that_allows_extra_keys() -> None:
    with FakeAnthropic(default=Answer({"x": 1})) as fake, pytest.raises(anthropic.BadRequestError) as info:
        client_for(fake).messages.create(model="claude-sonnet-5-5", max_tokens=100,
                                         output_config={"format": {"type": "json_schema", "schema": {"type": "object"}}},
                                         messages=[{"role": "user", "content": "hi"}])
    assert "additionalProperties" in str(info.value)


def test_thinking_blocks_and_thinking_tokens_come_back_when_thinking_is_on() -> None:
    # Opus 5.5 always thinks [O55]; at effort medium (its default) the fake thinks 600 tokens
    with FakeAnthropic(default=Answer(good(80))) as fake:
        message = client_for(fake).messages.create(model="claude-opus-5-5", max_tokens=4000,
                                                   messages=[{"role": "user", "content": "hi"}])
        off = client_for(fake).messages.create(model="claude-sonnet-5-5", max_tokens=4000,
                                               thinking={"type": "between_tools"},
                                               messages=[{"role": "user", "content": "hi"}])
    assert [b.type for b in message.content] == ["thinking", "text"]
    assert message.usage.output_tokens_details.thinking_tokens == 600
    assert message.usage.output_tokens > 600                       # the answer on top: output is inclusive
    assert [b.type for b in off.content] == ["text"] and off.usage.output_tokens_details.thinking_tokens == 0


def test_scoring_counts_thinking_tokens_in_usage_and_cost() -> None:
    cfg = replace(CFG, model="claude-opus-5-5")
    with FakeAnthropic(default=Answer(good(80))) as fake:
        low = session_for(fake, cfg, effort="low")
        scorer(low).score([article(1), article(2)])
        high = session_for(fake, cfg, effort="high")
        scorer(high).score([article(1), article(2)])
    for session, per_answer in ((low, 250), (high, 1400)):
        usage = session.usage["messages"]
        assert usage.thinking_tokens == 2 * per_answer
        assert usage.output_tokens > usage.thinking_tokens
        assert session.summary()["messages"]["thinking_tokens"] == 2 * per_answer
    # thinking is billed as output: high effort costs more for the same articles
    assert high.cost("messages") > low.cost("messages") > 0


# ------------------------------------------------------------ 3. a hard budget


def test_a_timed_out_request_counts_at_its_worst_case() -> None:
    with FakeAnthropic(default=Answer(good(80), delay=0.5)) as fake:
        session = session_for(fake, timeout=0.2, max_retries=3)
        [result] = scorer(session).score([article(1)])
        attempts = len(fake.message_requests)
    worst = worst_case(build_request(article(1), session.cfg), session.model, session.price)
    assert result.fallback and "timed out" in result.backend
    assert attempts == 4 and session.lost == 4
    # four attempts the server ran, none answered: four worst cases, never $0
    assert session.budget.spent == pytest.approx(4 * worst)
    assert session.summary()["lost_attempts"] == 4


def test_a_lost_attempt_is_retried_only_if_its_worst_case_still_fits() -> None:
    worst = worst_case(build_request(article(1), CFG), CFG.model, None)
    with FakeAnthropic(default=Answer(good(80), delay=0.5)) as fake:
        session = session_for(fake, timeout=0.2, max_retries=5, budget_usd=2.5 * worst)
        [result] = scorer(session).score([article(1)])
        attempts = len(fake.message_requests)
    assert attempts == 2 and session.budget.spent == pytest.approx(2 * worst)
    assert session.budget.spent <= 2.5 * worst                      # never past the limit
    assert result.fallback


@pytest.mark.parametrize("code", ["enforced_spend_limit_reached", "contract_spend_limit_reached",
                                  "linked_organization_spend_limit_reached"])
def test_a_spend_limit_switches_claude_off_for_the_run_without_retries(code: str) -> None:
    with FakeAnthropic(default=spend_limit(code)) as fake:
        session = session_for(fake, concurrency=1)
        results = scorer(session).score([article(n) for n in range(1, 11)])
        sent = len(fake.message_requests)
    assert sent == 1                                  # not 40: no retry, and nothing after it
    assert all(r.fallback for r in results)
    assert session.disabled == f"spend limit reached ({code})"
    [line] = [p for p in session.problems if "spend limit" in p]
    assert code in line and "no retries" in line


def test_the_client_raises_the_sdks_spend_limit_errors_from_the_fake() -> None:
    with FakeAnthropic() as fake:
        fake.push(spend_limit("enforced_spend_limit_reached"), spend_limit("linked_organization_spend_limit_reached"))
        kwargs = dict(model="claude-sonnet-5-5", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
        with pytest.raises(anthropic.EnforcedSpendLimitReachedError):
            client_for(fake).messages.create(**kwargs)
        with pytest.raises(anthropic.LinkedOrganizationSpendLimitReachedError):
            client_for(fake).messages.create(**kwargs)


def test_a_plain_rate_limit_is_still_retried() -> None:
    with FakeAnthropic(default=Answer(good(80))) as fake:
        fake.push(Error(429, "slow down", retry_after=0.01), overloaded(0.01))
        session = session_for(fake, time=FakeTime())
        [result] = scorer(session).score([article(1)])
    assert result.backend == "claude" and session.retries == 2 and session.disabled is None


@pytest.mark.parametrize("model", SDK_MODELS)
def test_every_sdk_model_has_a_price_or_a_budget_is_refused_in_one_line(model: str, tmp_path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[scoring]\nmodel = "{model}"\n[scoring.claude]\nbudget_usd = 5\n', "utf-8")
    if price_for(model) is not None:
        assert load_config(config).scoring.claude.budget_usd == 5
        return
    with pytest.raises(ConfigError) as info:
        load_config(config)
    assert "\n" not in str(info.value) and f"no known price for model {model!r}" in str(info.value)


def test_the_price_table_takes_the_higher_of_disagreeing_sources() -> None:
    # Sonnet 5.5's cache read: $0.20 on its model page, $0.10 after the 2026-10-07 cut: the budget takes $0.20
    assert PRICES["claude-sonnet-5-5"] == (2.00, 10.00, 0.20)
    unpriced = [m for m in SDK_MODELS if price_for(m) is None]
    assert unpriced == ["claude-mythos-preview"]


def test_controls_follow_each_models_rules() -> None:
    assert request_controls("claude-sonnet-5-5", "low", "off") == {"output_config": {"effort": "low"},
                                                                   "thinking": {"type": "between_tools"}}
    # between_tools is refused at xhigh/max: thinking stays adaptive there
    assert request_controls("claude-sonnet-5-5", "max", "off") == {"output_config": {"effort": "max"}}
    assert request_controls("claude-opus-5-5", "low", "off") == {"output_config": {"effort": "low"}}
    assert request_controls("claude-sonnet-5", "low", "off")["thinking"] == {"type": "disabled"}
    assert request_controls("claude-haiku-4-5", "low", "off") == {}      # no effort, no thinking unless asked
    assert facts_for("claude-sonnet-5-5-20260928") is facts_for("claude-sonnet-5-5")
    assert facts_for("claude-sonnet-5-20260630") is facts_for("claude-sonnet-5")
