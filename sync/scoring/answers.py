"""Claude's answer to one article: found in the reply, repaired, validated.

Contract: ``assessment_of(message, cfg)`` returns an :class:`Assessment`
whose fields satisfy ``schemas/score.schema.json`` (with the configured
categories as the category enum), or raises :class:`InvalidAnswer` carrying

* ``reason``: a short, secret-free label ("score out of range: 150") that
  ends up in the fallback note, and
* ``feedback``: the validation errors in full, sent back to Claude when the
  answer is retried once (``retryable``; a refusal is not retried: asking
  again gets the same refusal and costs a request; nor is an answer cut off
  at ``max_tokens``, during thinking or after it: a blind retry with a bigger
  limit would pay for the same tokens twice, so the article falls back and
  the reader is told to raise ``max_tokens`` or lower ``effort``).

The answer is structured output (``output_config.format``): the reply's text
is the JSON object; thinking blocks before it are skipped. A ``tool_use``
block (a proxy or an older request shape) is read as the answer too.

Only safe repairs happen before validation, never guesses: numeric text and
fractions become the integer they spell; the category is respelled as
configured when it matches ignoring case (missing: ``Other``); text is made
one line and cut to its limit; tags go through ``clean_tags``; list items
that are not text, duplicate key points and points beyond five are dropped;
keys the schema does not know (a ``tier``, say) are ignored. An unknown
category or a score outside 0-100 is not repaired: it is an error.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema

from ..config import ScoringConfig
from ..resources import data_dir
from ..tags import clean_tags
from ..text import truncate
from .prompts import MAX_KEY_POINTS, OTHER, TOOL_NAME, category_choices

SUMMARY_CHARS = 300
POINT_CHARS = 200
_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"\s*-?\d+(?:\.\d+)?\s*")


class InvalidAnswer(ValueError):
    """Claude answered, but not with something usable; ``str()`` is the short reason."""

    def __init__(self, reason: str, feedback: str | None = None, *, retryable: bool = True,
                 cut_off: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.feedback = feedback or reason
        self.retryable = retryable
        self.cut_off = cut_off


@dataclass(frozen=True)
class Assessment:
    """A validated answer: every field within the schema."""

    score: int
    category: str
    tags: tuple[str, ...]
    summary: str
    key_points: tuple[str, ...]
    why_it_matters: str


# ---------------------------------------------------------------- finding the answer


def _json_object(text: str) -> Any:
    """The JSON in a text answer: the whole text, else its outermost ``{…}``."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    start, end = text.find("{"), text.rfind("}")
    # prose or a code fence around the JSON: safe to cut away
    if 0 <= start < end:
        try:
            return json.loads(text[start:end + 1])
        except ValueError:
            pass
    raise InvalidAnswer("answer is not JSON", "Your answer was not valid JSON: answer with one JSON object only.")


def extract_answer(message: Any, tool: str = TOOL_NAME) -> Any:
    """The raw answer in a Messages API reply: the tool call's input, else JSON text.

    ``message`` is the client's ``Message`` (or a batch result's); read
    defensively, because a proxy or a future API may send fewer fields.
    """
    stop = getattr(message, "stop_reason", None)
    if stop == "refusal":
        raise InvalidAnswer("model refused", retryable=False)
    blocks = getattr(message, "content", None) or []
    if stop == "max_tokens":
        answered = any(getattr(b, "type", None) in ("text", "tool_use") for b in blocks)
        # not retried: the same request would think as long again and be cut off again, paid twice
        raise InvalidAnswer("answer cut off (max_tokens)" if answered else "cut off while thinking (max_tokens)",
                            retryable=False, cut_off=True)
    for block in blocks:
        if getattr(block, "type", None) == "tool_use" and getattr(block, "name", None) == tool:
            return getattr(block, "input", None)
    text = "".join(getattr(b, "text", "") or "" for b in blocks if getattr(b, "type", None) == "text")
    # no tool call: a bare JSON answer is still an answer
    if text.strip():
        return _json_object(text)
    raise InvalidAnswer("no answer in reply", "Your reply held no JSON object.")


# ---------------------------------------------------------------- repairs


def _one_line(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _number(value: Any) -> Any:
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        # "85" for 85: the same number, spelled as text
        value = float(value)
    if isinstance(value, float) and math.isfinite(value):
        # 84.6 for 85: a fraction on the same scale; the range is the schema's to judge
        return int(round(value))
    return value


def _texts(value: Any, limit: int) -> Any:
    if not isinstance(value, list):
        return value
    return list(dict.fromkeys(truncate(_one_line(v), limit) for v in value if isinstance(v, str) and v.strip()))


def normalise(raw: Any, cfg: ScoringConfig) -> Any:
    """The safe repairs of the module docstring; anything else is left for the schema to judge."""
    if not isinstance(raw, dict):
        return raw
    fixed: dict[str, Any] = {}
    known = _schema()["properties"]
    for key, value in raw.items():
        if key in known and key != "tier":
            fixed[key] = value
    if "score" in fixed:
        fixed["score"] = _number(fixed["score"])
    category = fixed.get("category")
    if category is None:
        fixed["category"] = OTHER
    elif isinstance(category, str):
        by_fold = {c.casefold(): c for c in category_choices(cfg)}
        fixed["category"] = by_fold.get(category.strip().casefold(), category.strip())
    tags = fixed.get("tags", [])
    fixed["tags"] = list(clean_tags([t for t in tags if isinstance(t, str)], limit=cfg.max_tags)) \
        if isinstance(tags, list) else tags
    points = _texts(fixed.get("key_points", []), POINT_CHARS)
    fixed["key_points"] = points[:MAX_KEY_POINTS] if isinstance(points, list) else points
    for key in ("summary", "why_it_matters"):
        if isinstance(fixed.get(key), str):
            fixed[key] = truncate(_one_line(fixed[key]), SUMMARY_CHARS)
    return fixed


# ---------------------------------------------------------------- the schema


@cache
def _schema() -> dict[str, Any]:
    return json.loads((data_dir("schemas") / "score.schema.json").read_text("utf-8"))


@cache
def _validator(categories: tuple[str, ...]) -> jsonschema.protocols.Validator:
    schema = json.loads(json.dumps(_schema()))
    schema["properties"]["category"]["enum"] = list(categories)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def _where(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "answer"


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return truncate(_one_line(text), 30)


def describe(error: jsonschema.ValidationError) -> str:
    """One schema error in a few words (the instance shortened, never the whole text)."""
    where, kind, value = _where(error), error.validator, error.instance
    if kind == "required":
        missing = [f for f in error.validator_value if f not in (value or {})]
        return f"{missing[0] if missing else 'a field'} missing"
    if kind == "type":
        article = "an" if str(error.validator_value)[0] in "aeiou" else "a"
        return f"{where} is not {article} {error.validator_value}"
    if kind in ("minimum", "maximum"):
        return f"{where} out of range: {_short(value)}"
    if kind == "enum":
        return f"{where} '{_short(value)}' is not one of the allowed values"
    if kind == "minLength":
        return f"{where} is empty"
    if kind in ("maxItems", "maxLength"):
        return f"{where} is too long"
    if kind == "pattern":
        return f"{where} has a forbidden character"
    return f"{where}: {truncate(error.message, 60)}"


def validate_answer(raw: Any, cfg: ScoringConfig) -> Assessment:
    """Repair, then validate against the schema; raise :class:`InvalidAnswer` with every error."""
    if not isinstance(raw, dict):
        raise InvalidAnswer("answer is not a JSON object", "Your answer must be a JSON object.")
    fixed = normalise(raw, cfg)
    choices = tuple(category_choices(cfg))
    errors = sorted(_validator(choices).iter_errors(fixed), key=lambda e: (list(map(str, e.absolute_path)),
                                                                         str(e.validator)))
    if errors:
        lines = [f"- {describe(e)}" for e in errors[:8]]
        if any(e.validator == "enum" for e in errors):
            lines.append(f"  (category must be one of: {', '.join(choices)})")
        feedback = ("Your assessment did not validate:\n" + "\n".join(lines)
                    + "\nAnswer again with a complete, corrected assessment as one JSON object.")
        raise InvalidAnswer(describe(errors[0]), feedback)
    return Assessment(score=fixed["score"], category=fixed["category"], tags=tuple(fixed["tags"]),
                      summary=fixed["summary"], key_points=tuple(fixed["key_points"]),
                      why_it_matters=fixed["why_it_matters"])


def assessment_of(message: Any, cfg: ScoringConfig) -> Assessment:
    """The validated assessment in a reply (raises :class:`InvalidAnswer`)."""
    return validate_answer(extract_answer(message), cfg)
