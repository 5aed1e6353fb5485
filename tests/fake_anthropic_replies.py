"""The replies the fake Anthropic API can be scripted with (see tests/fake_anthropic.py).

Small frozen values: :class:`Answer` (the answer's JSON: a ``tool_use`` block
when tools were sent, else text; ``thinking`` overrides the thinking tokens
before it), :class:`Text`, :class:`Refusal`, :class:`Error` (status, type,
``retry-after``, ``error.details.error_code``), :class:`Raw`, and for batch
requests :data:`EXPIRED` and :data:`CANCELED`; each may carry a ``delay``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Union


@dataclass(frozen=True)
class Answer:
    """A model answer: the tool's input (a ``tool_use`` block when tools were sent)."""

    input: Any
    stop_reason: str | None = None       # None: "tool_use" (or "end_turn" as text)
    delay: float = 0.0
    thinking: int | None = None          # thinking tokens before it (None: as the model and effort give)


@dataclass(frozen=True)
class Refusal:
    """The model declines (``stop_reason: "refusal"``), with no content."""

    delay: float = 0.0


@dataclass(frozen=True)
class Expired:
    """A batch request the API did not process before the batch expired."""

    delay: float = 0.0


EXPIRED = Expired()


@dataclass(frozen=True)
class Canceled:
    """A batch request canceled before it was processed."""

    delay: float = 0.0


CANCELED = Canceled()


@dataclass(frozen=True)
class Text:
    """A text-only answer (garbage, prose, JSON in a code fence, ...)."""

    text: str
    stop_reason: str = "end_turn"
    delay: float = 0.0


ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
               404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error",
               500: "api_error", 529: "overloaded_error"}


@dataclass(frozen=True)
class Error:
    """An API error with the real body shape; ``retry_after`` sets the header."""

    status: int
    message: str = "fake error"
    type: str | None = None               # None: the API's type for the status
    retry_after: float | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    code: str | None = None               # error.details.error_code

    @property
    def error_type(self) -> str:
        return self.type or ERROR_TYPES.get(self.status, "api_error")


@dataclass(frozen=True)
class Raw:
    """Any status and bytes, for answers the API would never give."""

    status: int
    body: bytes
    content_type: str = "application/json"
    delay: float = 0.0


Reply = Union[Answer, Text, Refusal, Error, Raw, Expired, Canceled]


def spend_limit(code: str = "enforced_spend_limit_reached") -> Error:
    """A spend-limit error as the SDK maps it (anthropic/_error_classes.py ERROR_CLASSES):
    429 rate_limit_error for the enforced and contract limits, 402 billing_error for a linked org."""
    if code == "linked_organization_spend_limit_reached":
        return Error(402, "The linked organization has reached its spend limit.", type="billing_error", code=code)
    return Error(429, "Your organization has reached its spend limit.", type="rate_limit_error", code=code)


def rate_limited(retry_after: float | None = 0.0) -> Error:
    return Error(429, "Number of request tokens has exceeded your per-minute rate limit", retry_after=retry_after)


def overloaded(retry_after: float | None = None) -> Error:
    return Error(529, "Overloaded", retry_after=retry_after)


def server_error(retry_after: float | None = None) -> Error:
    return Error(500, "Internal server error", retry_after=retry_after)


def bad_request(message: str = "messages: field required") -> Error:
    return Error(400, message)
