"""What each Claude model accepts: thinking, effort, forced tools. Pure data, with sources.

Contract: ``request_controls(model, effort, thinking)`` returns the request
fields that set how much the model thinks (``thinking``, ``output_config.effort``)
in the form THAT model accepts, or raises :class:`UnsupportedSetting` with one
clear line. ``facts_for(model)`` is the row of :data:`MODELS` (longest id
prefix; dated ids and ``-latest`` share it), or the conservative default for a
model kbsync does not know (send neither field: the API's default applies).

Why it matters: thinking is billed as output. Sonnet 5.5 thinks adaptively at
effort ``high`` when nothing is said, which multiplies the cost of a scoring
request several times over. Scoring needs no deep thinking, so kbsync sends
effort ``low`` (``[scoring.claude] effort``) and turns up-front thinking off
where the model allows it (``thinking = "off"``), in the one spelling the model
accepts: Sonnet 5.5 answers ``"disabled"`` with a 400 and wants
``"between_tools"``; Opus 5.5 and Fable/Mythos 5.1 cannot turn it off at all
(effort is then the only lever); older models take ``"disabled"`` or think only
when asked.

Sources (stored platform docs, read 2026-12-05; the installed SDK is
anthropic 2.17.0, whose ``ThinkingConfigParam`` has the four types
adaptive/enabled/disabled/between_tools and ``OutputConfigParam.effort``
low/medium/high/xhigh/max):

* [S55] platform.claude.com/docs/en/models/sonnet-5-5/whats-new-sonnet-5-5:
  "Forced tool use returns an error"; "send thinking: {type: between_tools}
  instead of disabled ... the lowest thinking setting"; "disabled returns 400";
  "between_tools is available at low, medium and high effort; at xhigh or max
  a request with between_tools returns 400"; "Adaptive thinking is on by
  default ... default effort high"; "if your request uses no tools, the
  response contains only text".
* [O55] .../models/opus-5-5/whats-new-opus-5-5: "Thinking can't be disabled",
  "Forced tool use returns an error", default effort medium; "the first three
  also apply on Claude Fable 5.1". The Fable 5.1 overview repeats forced tool
  use. Mythos 5.1 "offers the same capabilities" (fable-5-1 overview).
* [TT] .../build-with-claude/thinking-troubleshooting: extended thinking
  (``enabled`` + budget) is rejected with a 400 by Opus 4.7, Opus 4.8,
  Sonnet 5, Fable 5 and Mythos 5; it is the only mode of Sonnet 4.5,
  Opus 4.5 and Haiku 4.5.
* [H55] .../models/haiku-5-5/overview and whats-new-haiku-5-5: adaptive thinking
  on by default, default effort medium, manual extended thinking returns an
  error; thinking can be disabled at effort high or lower (docs.apiyi.com's
  thinking guide of 2026-11-09, which also says so for Opus 5).
* [S5] .../models/sonnet-5/overview: Sonnet 5 accepts adaptive and disabled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EFFORTS = ("low", "medium", "high", "xhigh", "max")
_UP_TO_HIGH = frozenset({"low", "medium", "high"})


class UnsupportedSetting(ValueError):
    """A thinking/effort setting the configured model refuses; ``str()`` is one clear line."""


@dataclass(frozen=True)
class ModelFacts:
    off: dict[str, str] | None          # the thinking value that turns up-front thinking off; None: cannot
    off_efforts: frozenset[str]         # efforts at which ``off`` is accepted
    effort: bool                        # accepts output_config.effort
    forced_tools: bool                  # accepts tool_choice any/tool
    thinks_by_default: bool             # thinks when ``thinking`` is omitted
    source: str
    adaptive: bool = True               # accepts thinking {"type": "adaptive"} (4.6 and later)


_ALL = frozenset(EFFORTS)
_DISABLED = {"type": "disabled"}
MODELS: dict[str, ModelFacts] = {
    "claude-sonnet-5-5": ModelFacts({"type": "between_tools"}, _UP_TO_HIGH, True, False, True, "S55"),
    "claude-opus-5-5": ModelFacts(None, frozenset(), True, False, True, "O55"),
    "claude-fable-5-1": ModelFacts(None, frozenset(), True, False, True, "O55"),
    "claude-mythos-5-1": ModelFacts(None, frozenset(), True, False, True, "O55 (same capabilities as Fable 5.1)"),
    # newer than every stored doc: treated like 5.1 (never send a value it may refuse)
    "claude-fable-5-2": ModelFacts(None, frozenset(), True, False, True, "assumed as Fable 5.1"),
    "claude-mythos-5-2": ModelFacts(None, frozenset(), True, False, True, "assumed as Fable 5.1"),
    "claude-haiku-5-5": ModelFacts(_DISABLED, _UP_TO_HIGH, True, True, True, "H55"),
    "claude-sonnet-5": ModelFacts(_DISABLED, _ALL, True, True, True, "S5"),
    "claude-opus-5": ModelFacts(_DISABLED, _UP_TO_HIGH, True, True, True, "H55 (Opus 5)"),
    "claude-fable-5": ModelFacts(None, frozenset(), True, True, True, "TT (adaptive only)"),
    "claude-mythos-5": ModelFacts(None, frozenset(), True, True, True, "TT (adaptive only)"),
    "claude-mythos-preview": ModelFacts(None, frozenset(), True, True, True, "TT (adaptive by default)"),
    # 4.x: no thinking unless asked, so "off" is simply not asking
    "claude-opus-4-8": ModelFacts({}, _ALL, True, True, False, "TT"),
    "claude-opus-4-7": ModelFacts({}, _ALL, True, True, False, "TT"),
    "claude-opus-4-6": ModelFacts({}, _ALL, True, True, False, "TT"),
    "claude-sonnet-4-6": ModelFacts({}, _ALL, True, True, False, "TT"),
    "claude-opus-4-5": ModelFacts({}, _ALL, True, True, False, "TT", adaptive=False),
    "claude-sonnet-4-5": ModelFacts({}, _ALL, False, True, False, "TT", adaptive=False),
    "claude-haiku-4-5": ModelFacts({}, _ALL, False, True, False, "TT", adaptive=False),
}
UNKNOWN = ModelFacts({}, _ALL, False, True, False, "unknown model: the API's defaults", adaptive=False)


def facts_for(model: str) -> ModelFacts:
    for prefix in sorted(MODELS, key=len, reverse=True):
        # dated ids ("claude-haiku-4-5-20251001") and "-latest" aliases share the prefix
        if model == prefix or model.startswith(prefix + "-"):
            return MODELS[prefix]
    return UNKNOWN


def request_controls(model: str, effort: str, thinking: str) -> dict[str, Any]:
    """``thinking`` and ``output_config.effort`` as ``model`` accepts them (see the module docstring).

    ``thinking``: ``"off"`` (up-front thinking off where the model allows it,
    else as little as ``effort`` gives) or ``"adaptive"`` (the model decides).
    """
    facts = facts_for(model)
    out: dict[str, Any] = {}
    if effort and facts.effort:
        if effort not in EFFORTS:
            raise UnsupportedSetting(f"scoring.claude.effort: {effort!r} is not one of {', '.join(EFFORTS)}")
        out["output_config"] = {"effort": effort}
    if thinking == "adaptive":
        if not facts.thinks_by_default and facts.adaptive:
            out["thinking"] = {"type": "adaptive"}
        # else: omitted is adaptive on this model, or it has no adaptive mode (4.5, unknown)
        return out
    if facts.off is None:
        return out                          # cannot be turned off: effort is the lever
    if facts.off and (effort or "high") not in facts.off_efforts:
        # between_tools at xhigh/max is a 400 [S55]: let the model think rather than fail
        return out
    if facts.off:
        out["thinking"] = dict(facts.off)
    return out
