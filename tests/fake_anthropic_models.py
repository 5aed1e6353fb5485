"""Per-model rules of the fake Anthropic API: what each model refuses, and how much it thinks.

Kept apart from kbsync's own table (``sync/scoring/models.py``) on purpose:
the fake states the API's rules from the sources, so a mistake in kbsync's
table shows up as a 400 here instead of being copied into the test double.
Each rule names its source (stored platform docs and the installed SDK,
anthropic 2.17.0, read 2026-12-05):

* [S55] platform.claude.com/docs/en/models/sonnet-5-5/whats-new-sonnet-5-5
* [O55] .../models/opus-5-5/whats-new-opus-5-5 ("the first three also apply
  on Claude Fable 5.1"); .../models/fable-5-1/overview (forced tool use)
* [TT]  .../build-with-claude/thinking-troubleshooting
* [H55] .../models/haiku-5-5/whats-new-haiku-5-5 and the model overview pages'
  "Default effort" column (Sonnet 5.5 high, Opus 5.5 medium, Haiku 5.5 medium,
  Fable 5.1 high)
* [SDK] anthropic/types/output_config_param.py (effort low|medium|high|xhigh|max,
  format {type: json_schema, schema}), thinking_config_*_param.py (adaptive,
  enabled with budget_tokens >= 1024 and < max_tokens, disabled, between_tools),
  types/usage.py + output_tokens_details.py (output_tokens includes thinking;
  thinking_tokens <= output_tokens)
* [SO]  structured outputs: every object in the schema needs
  ``additionalProperties: false`` (the strict-schema rule kbsync's tool
  schemas followed before, and the reason the answer schema has no ranges)

How much a model thinks is not documented as a number: the fake uses
``THINKING_BY_EFFORT`` (tokens per answer), chosen so that effort ``high``
sits inside the 500-2,000 thinking tokens per article that issue 16 quotes
for Sonnet 5.5, and each lower level thinks about half as much. Benchmarks
that quote costs say so.
"""

from __future__ import annotations

from typing import Any

EFFORTS = ("low", "medium", "high", "xhigh", "max")
THINKING_BY_EFFORT = {"low": 250, "medium": 600, "high": 1400, "xhigh": 2400, "max": 3600}

# forced tool use (tool_choice any/tool) returns 400 [S55, O55]
NO_FORCED_TOOLS = ("claude-sonnet-5-5", "claude-opus-5-5", "claude-fable-5-1", "claude-mythos-5-1")
# thinking cannot be disabled (disabled, enabled and between_tools refused) [O55]
ALWAYS_THINKS = ("claude-opus-5-5", "claude-fable-5-1", "claude-mythos-5-1")
# thinking on when the request says nothing [S55, O55, H55, TT]
THINKS_BY_DEFAULT = ("claude-sonnet-5-5", "claude-opus-5-5", "claude-fable-5-1", "claude-mythos-5-1",
                     "claude-haiku-5-5", "claude-sonnet-5", "claude-opus-5", "claude-fable-5", "claude-mythos-5")
# manual extended thinking (enabled + budget_tokens) returns 400 [TT, H55]
NO_EXTENDED = ("claude-opus-4-7", "claude-opus-4-8", "claude-sonnet-5", "claude-fable-5", "claude-mythos-5",
               "claude-haiku-5-5", "claude-sonnet-5-5", "claude-opus-5-5", "claude-fable-5-1", "claude-mythos-5-1")
DEFAULT_EFFORT = {"claude-opus-5-5": "medium", "claude-haiku-5-5": "medium"}   # [H55]; others high


def _model_is(model: str, prefix: str) -> bool:
    """``model`` is ``prefix`` or a dated id of it, and not a longer model id ("claude-sonnet-5" vs "-5-5")."""
    if model == prefix:
        return True
    rest = model[len(prefix) + 1:] if model.startswith(prefix + "-") else None
    # a dated id continues with 8 digits; "claude-sonnet-5-5" is not "claude-sonnet-5" + date
    return rest is not None and (rest.isdigit() and len(rest) == 8 or rest == "latest")


def member(model: str, family: tuple[str, ...]) -> bool:
    return any(_model_is(model, p) for p in family)


def effort_of(body: dict[str, Any]) -> str:
    config = body.get("output_config") or {}
    return config.get("effort") or DEFAULT_EFFORT.get(str(body.get("model")), "high")


def thinking_on(body: dict[str, Any]) -> bool:
    """Whether the model thinks up front for this request."""
    model, thinking = str(body.get("model", "")), body.get("thinking")
    kind = thinking.get("type") if isinstance(thinking, dict) else None
    if kind in ("adaptive", "enabled"):
        return True
    if kind in ("disabled", "between_tools"):
        # between_tools with no tools in the request: "the response contains only text" [S55]
        return False
    return member(model, THINKS_BY_DEFAULT)


def thinking_tokens(body: dict[str, Any], table: dict[str, int] | None = None) -> int:
    if not thinking_on(body):
        return 0
    thinking = body.get("thinking") or {}
    tokens = (table or THINKING_BY_EFFORT)[effort_of(body)]
    if thinking.get("type") == "enabled":
        tokens = min(tokens, int(thinking.get("budget_tokens", tokens)))
    return tokens


def _schema_problem(schema: Any, where: str = "schema") -> str | None:
    if not isinstance(schema, dict):
        return f"{where}: must be an object"
    if schema.get("type") == "object" and schema.get("additionalProperties") is not False:
        return f"{where}: additionalProperties must be false for structured outputs"   # [SO]
    for key, sub in (schema.get("properties") or {}).items():
        problem = _schema_problem(sub, f"{where}.properties.{key}")
        if problem:
            return problem
    if isinstance(schema.get("items"), dict):
        return _schema_problem(schema["items"], f"{where}.items")
    return None


def model_problem(body: dict[str, Any]) -> str | None:
    """What the real API refuses for this model (a 400 invalid_request_error message), else None."""
    model = str(body.get("model", ""))
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") in ("any", "tool") and member(model, NO_FORCED_TOOLS):
        return (f"tool_choice: forced tool use is not supported for {model}; use tool_choice auto "
                "or structured outputs")                                                     # [S55, O55]
    config = body.get("output_config")
    if config is not None:
        if not isinstance(config, dict):
            return "output_config: must be an object"
        effort = config.get("effort")
        if effort is not None and effort not in EFFORTS:
            return f"output_config.effort: must be one of {', '.join(EFFORTS)}"                    # [SDK]
        fmt = config.get("format")
        if fmt is not None:
            if not isinstance(fmt, dict) or fmt.get("type") != "json_schema" or "schema" not in fmt:
                return "output_config.format: must be {type: json_schema, schema}"                 # [SDK]
            problem = _schema_problem(fmt["schema"], "output_config.format.schema")
            if problem:
                return problem
    thinking = body.get("thinking")
    if thinking is None:
        return None
    kind = thinking.get("type") if isinstance(thinking, dict) else None
    if kind not in ("adaptive", "enabled", "disabled", "between_tools"):
        return "thinking.type: must be adaptive, enabled, disabled or between_tools"             # [SDK]
    if member(model, ALWAYS_THINKS) and kind != "adaptive":
        return (f'"thinking.type.{kind}" is not supported for this model. Use "thinking.type.adaptive" '
                'and "output_config.effort" to control thinking behavior.')                       # [O55]
    if kind == "disabled" and member(model, ("claude-sonnet-5-5",)):
        return '"thinking.type.disabled" is not supported for this model; use "between_tools"'   # [S55]
    if kind == "between_tools":
        if not member(model, ("claude-sonnet-5-5",)):
            return '"thinking.type.between_tools" is not supported for this model'              # [SDK, S55]
        if effort_of(body) in ("xhigh", "max"):
            return "thinking.type.between_tools is available at effort low, medium and high"     # [S55]
    if kind == "enabled":
        if member(model, NO_EXTENDED):
            return '"thinking.type.enabled" is not supported for this model; use adaptive thinking'  # [TT]
        budget = thinking.get("budget_tokens")
        if not isinstance(budget, int) or budget < 1024 or budget >= int(body.get("max_tokens", 0)):
            return "thinking.budget_tokens: must be >= 1024 and less than max_tokens"           # [SDK]
    return None
