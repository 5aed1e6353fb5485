"""Small shared pieces: the API error, id parsing, the clock, message helpers.

Every refusal the emulator gives is an :class:`ApiError` carrying the real
status, ``code`` and a message in Notion's own style; the HTTP layer turns it
into ``{"object": "error", "status", "code", "message", "request_id"}``.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

API_VERSION = "2025-09-03"
INTEGRATION_NAME = "kbsync-emulator"

TEXT_LIMIT = 2000          # characters in one text object (and a link URL)
EQUATION_LIMIT = 1000      # characters in one equation expression
ARRAY_LIMIT = 100          # items in any array (rich text, children, multi_select, relation, people)
URL_LIMIT = 2000           # characters in a url property
EMAIL_LIMIT = 200          # characters in an email or phone_number property
BLOCK_LIMIT = 1000         # blocks in one request, all levels together
BODY_LIMIT = 500_000       # bytes in one request body
PAGE_SIZE_LIMIT = 100
RELATION_SHOWN = 25        # relation/people items shown in a page object before has_more

_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")
_DASHED = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class ApiError(Exception):
    """A refusal: answered as Notion's error body with this status and code."""

    def __init__(self, status: int, code: str, message: str, additional_data: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.additional_data = additional_data

    def body(self, request_id: str) -> dict[str, Any]:
        body: dict[str, Any] = {"object": "error", "status": self.status, "code": self.code,
                                "message": self.message}
        if self.additional_data is not None:
            body["additional_data"] = self.additional_data
        body["request_id"] = request_id
        return body


def show(value: Any) -> str:
    """A value as Notion quotes it in messages: compact JSON (``{"url":"..."}``, as quoted in
    markomanninen/md2notion#15), cut when long."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= 80 else text[:77] + "..."


def invalid(message: str) -> ApiError:
    """400 ``validation_error`` with Notion's ``body failed validation: ...`` prefix
    (``path failed validation`` / ``query failed validation`` for those parts)."""
    root = re.split(r"[.\[ ]", message, maxsplit=1)[0]
    part = root if root in ("path", "query") else "body"
    return ApiError(400, "validation_error", f"{part} failed validation: {message}")


def rejected(message: str) -> ApiError:
    """400 ``validation_error`` with a message that has no prefix (schema-level checks)."""
    return ApiError(400, "validation_error", message)


def too_long(path: str, size: int, limit: int) -> ApiError:
    return invalid(f"{path}.length should be ≤ `{limit}`, instead was `{size}`.")


def wrong(path: str, expected: str, value: Any) -> ApiError:
    return invalid(f"{path} should be {expected}, instead was `{show(value)}`.")


def missing(path: str) -> ApiError:
    return invalid(f"{path} should be defined, instead was `undefined`.")


def not_found(kind: str, object_id: str, integration_id: str) -> ApiError:
    """404 ``object_not_found`` worded as the recorded real answer."""
    return ApiError(404, "object_not_found",
                    f"Could not find {kind} with ID: {object_id}. Make sure the relevant pages and "
                    f"databases are shared with your integration \"{INTEGRATION_NAME}\".",
                    {"integration_id": integration_id})


def archived() -> ApiError:
    """What Notion answers when a block in the trash (or under a trashed page or database) is edited or
    appended to (dvanoni/notero#704 and #525 quote it)."""
    return rejected("Can't edit block that is archived. You must unarchive the block before editing.")


def archived_page() -> ApiError:
    """What Notion answers to ``PATCH /v1/pages/{id}`` on a page in the trash, or in a trashed database
    (dvanoni/notero#377 and #74 quote it; #74: the page's database had been deleted)."""
    return rejected("Can't update a page that is archived. You must unarchive the page before updating.")


def unsupported(what: str) -> ApiError:
    """A request Notion accepts but this emulator does not model (said plainly)."""
    return ApiError(400, "invalid_request", f"Unsupported request: {what} (not modelled by the kbsync emulator).")


def parse_id(value: Any) -> str | None:
    """A Notion id (dashed or 32 hex digits) in dashed lower-case form, or None."""
    if not isinstance(value, str):
        return None
    if _DASHED.match(value):
        return value.lower()
    if _HEX32.match(value):
        return str(uuid.UUID(value))
    return None


def need_id(path: str, value: Any) -> str:
    """Like :func:`parse_id` but answers Notion's validation error for a bad id."""
    parsed = parse_id(value)
    if parsed is None:
        if value is None:
            raise missing(path)
        raise wrong(path, "a valid uuid", value)
    return parsed


def new_id() -> str:
    return str(uuid.uuid4())


class Clock:
    """Millisecond timestamps that strictly increase, so every change is visible.

    Real Notion rounds page times to the minute; the emulator keeps the
    milliseconds (and never repeats one) so tests can see each edit.
    """

    def __init__(self, now: Callable[[], float] = time.time):
        self._now = now
        self._last = 0

    def stamp(self) -> int:
        ms = int(self._now() * 1000)
        self._last = ms if ms > self._last else self._last + 1
        return self._last

    def now(self) -> int:
        """The current time in milliseconds, without handing out a stamp."""
        return int(self._now() * 1000)

    def seen(self, ms: int) -> None:
        """Never hand out a stamp at or before ``ms`` (used after loading a state file)."""
        self._last = max(self._last, ms)


def iso(ms: int, offset: bool = False) -> str:
    """``2026-07-04T09:08:53.017Z`` (pages, blocks) or ``...+00:00`` (databases), as recorded."""
    moment = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}"
    return text + ("+00:00" if offset else "Z")


def parse_date(text: Any) -> datetime | None:
    """An ISO 8601 date or date-time as an aware datetime (dates at UTC midnight), or None."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
