"""A local fake of the Anthropic Messages API, close enough for the real client.

``FakeAnthropic`` is a stdlib ``ThreadingHTTPServer`` on 127.0.0.1 (random
port, HTTP/1.1 keep-alive) serving in a daemon thread; use it as a context
manager and point ``anthropic.Anthropic(base_url=fake.url, api_key=fake.api_key)``
at it. It speaks ``POST /v1/messages`` as the real API does:

* checks the API key (401 ``authentication_error`` when wrong or missing),
  sent as ``x-api-key`` (the documented header) or as
  ``authorization: Bearer <key>`` (what the installed client 2.x sends), and
  ``anthropic-version`` (400 ``invalid_request_error`` when missing or not
  a date), and the body (JSON object with ``model``, ``max_tokens``,
  non-empty ``messages``; a forced ``tool_choice`` must name a sent tool);
* answers with a message object (``id``, ``type: "message"``, ``role``,
  ``model``, ``content`` blocks, ``stop_reason``, ``stop_sequence``, ``usage``)
  and a ``request-id`` header; a scripted answer becomes a ``tool_use`` block
  when tools were sent, else a text block with the JSON;
* answers errors with the real status codes and body
  ``{"type": "error", "error": {"type": ..., "message": ...}, "request_id": ...}``,
  optionally with ``retry-after`` (as the client reads it: seconds, fractions
  allowed).

* reports ``usage`` as the API does (``input_tokens``, ``output_tokens``,
  ``cache_creation_input_tokens``, ``cache_read_input_tokens``,
  ``cache_creation``, ``service_tier``), with estimated token counts and a
  prompt cache that follows the documented rules (tests/fake_anthropic_tokens.py);
* rejects a conversation whose assistant ``tool_use`` is not answered by a
  ``tool_result`` first thing in the next user turn (400, as the API does);
* refuses, per model, what the real API refuses (tests/fake_anthropic_models.py,
  each rule with its source): forced ``tool_choice`` on Sonnet/Opus 5.5 and
  Fable/Mythos 5.1, thinking types a model does not take, an unknown effort,
  a structured-output schema without ``additionalProperties: false``;
* thinks where the real model would (on by default on the 5.x models, off
  with ``between_tools``/``disabled``): the answer then starts with a
  ``thinking`` block (display omitted: empty text and a signature), and
  ``usage.output_tokens`` includes the thinking tokens, also reported in
  ``usage.output_tokens_details.thinking_tokens``; when thinking alone
  reaches ``max_tokens`` the reply is cut off there (``stop_reason:
  "max_tokens"``, only the thinking block), as the API does;
* answers spend-limit errors as the SDK knows them (:func:`spend_limit`: a
  429 ``rate_limit_error`` whose ``error.details.error_code`` is
  ``enforced_spend_limit_reached`` or ``contract_spend_limit_reached``, or a
  402 with ``linked_organization_spend_limit_reached``; anthropic/_error_classes.py);
* speaks the Message Batches API (tests/fake_anthropic_batches.py):
  ``POST /v1/messages/batches``, ``GET /v1/messages/batches[/{id}]``,
  ``GET /v1/messages/batches/{id}/results`` (JSONL, in an order of its own).

What it answers is programmable: a queue of replies (``push``) consumed in
order, then ``default`` (a reply, or a callable ``request -> reply`` that can
decide per request, e.g. by the article in it); batch requests draw on the
same script when their batch ends. Replies are small frozen values
(tests/fake_anthropic_replies.py, re-exported here):
:class:`Answer` (tool input; ``stop_reason="max_tokens"`` for a cut-off one),
:class:`Text` (any text, garbage included), :class:`Refusal`,
:class:`Error` (status + type, optional ``retry-after``), :class:`Raw` (any
bytes) and :data:`EXPIRED` (a batch request the API never got to); each may
carry a ``delay`` (a slow answer). Every request is recorded
(:class:`Recorded`: path, lower-cased headers, parsed body) and the peak
number handled at once is kept, so a test can assert what was sent and how
concurrently.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Union

from tests.fake_anthropic_models import model_problem, thinking_tokens
from tests.fake_anthropic_replies import (  # noqa: F401 - re-exported: tests import them from here
    CANCELED,
    ERROR_TYPES,
    EXPIRED,
    Answer,
    Canceled,
    Error,
    Expired,
    Raw,
    Refusal,
    Reply,
    Text,
    bad_request,
    overloaded,
    rate_limited,
    server_error,
    spend_limit,
)
from tests.fake_anthropic_tokens import PromptCache, estimate

DEFAULT_KEY = "sk-ant-fake-0123456789"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Recorded:
    """One request as the fake received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any                              # parsed JSON, or the raw text when not JSON

    @property
    def api_key(self) -> str | None:
        """The key the request carried: ``x-api-key``, else a bearer token."""
        if "x-api-key" in self.headers:
            return self.headers["x-api-key"]
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        return token if scheme.lower() == "bearer" and token else None

    @property
    def system_text(self) -> str:
        system = self.body.get("system", "") if isinstance(self.body, dict) else ""
        if isinstance(system, list):
            return "".join(b.get("text", "") for b in system if isinstance(b, dict))
        return system

    @property
    def user_text(self) -> str:
        """The text of the last user message (string or text blocks)."""
        messages = self.body.get("messages", []) if isinstance(self.body, dict) else []
        for message in reversed(messages):
            if message.get("role") == "user":
                content = message.get("content", "")
                if isinstance(content, list):
                    return "".join(b.get("text", "") for b in content if isinstance(b, dict))
                return content
        return ""


Script = Union[Reply, Callable[[Recorded], Reply]]


class FakeAnthropic:
    """The fake server; see the module docstring."""

    def __init__(self, *, api_key: str = DEFAULT_KEY, default: Script | None = None, polls_to_end: int = 1,
                 create_delay: float = 0.0):
        from tests.fake_anthropic_batches import BatchBook

        self.api_key = api_key
        self.default = default
        self.requests: list[Recorded] = []
        self.peak_in_flight = 0
        self.cache = PromptCache()
        self.thinking_by_effort: dict[str, int] | None = None    # None: fake_anthropic_models.THINKING_BY_EFFORT
        # batches end on their polls_to_end-th retrieve; create_delay: the create answers late (after creating)
        self.batches = BatchBook(self, polls_to_end=polls_to_end, create_delay=create_delay)
        self._queue: deque[Reply] = deque()
        self._in_flight = 0
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> FakeAnthropic:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None, "use FakeAnthropic as a context manager"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # ------------------------------------------------------------ script

    def push(self, *replies: Reply) -> None:
        """Queue replies; each request takes the next one, then ``default``."""
        with self._lock:
            self._queue.extend(replies)

    @property
    def message_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == "/v1/messages"]

    def _next_reply(self, request: Recorded) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        script = self.default
        if script is None:
            return Error(500, "fake: no reply scripted for this request")
        return script(request) if callable(script) else script

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids):020d}"

    # ------------------------------------------------------------ protocol

    def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, str], bytes]:
        """Decide the response to one request: (status, headers, body)."""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        request = Recorded(method, path.split("?", 1)[0], headers, body)
        with self._lock:
            self.requests.append(request)
        if request.path.startswith("/v1/messages/batches"):
            if request.api_key != self.api_key:
                return self._error(Error(401, "invalid x-api-key"))
            return self.batches.handle(method, path, body)
        if request.path != "/v1/messages" or method != "POST":
            return self._error(Error(404, f"Not found: {method} {request.path}"))
        if request.api_key != self.api_key:
            return self._error(Error(401, "invalid x-api-key"))
        if not _DATE.fullmatch(headers.get("anthropic-version", "")):
            return self._error(Error(400, "anthropic-version: header is required"))
        problem = _request_problem(body)
        if problem:
            return self._error(bad_request(problem))
        reply = self._next_reply(request)
        if reply.delay:
            time.sleep(reply.delay)
        if isinstance(reply, Error):
            return self._error(reply)
        if isinstance(reply, Raw):
            return reply.status, {"content-type": reply.content_type}, reply.body
        if isinstance(reply, (Expired, Canceled)):
            return self._error(Error(500, "fake: EXPIRED/CANCELED are for batch requests"))
        message = self.message(body, reply)
        return 200, {"content-type": "application/json", "request-id": self._new_id("req")}, json.dumps(message).encode()

    def _error(self, error: Error) -> tuple[int, dict[str, str], bytes]:
        request_id = self._new_id("req")
        payload = {"type": "error", "error": self.error_body(error)["error"], "request_id": request_id}
        headers = {"content-type": "application/json", "request-id": request_id, **error.headers}
        if error.retry_after is not None:
            headers["retry-after"] = f"{error.retry_after:g}"
        return error.status, headers, json.dumps(payload).encode()

    def error_body(self, error: Error) -> dict[str, Any]:
        inner: dict[str, Any] = {"type": error.error_type, "message": error.message}
        if error.code:
            inner["details"] = {"error_code": error.code}
        return {"type": "error", "error": inner}

    def message(self, body: dict[str, Any], reply: Answer | Text | Refusal) -> dict[str, Any]:
        """The message object for a reply, with usage (and the prompt cache written once answered)."""
        tools = body.get("tools") or []
        thought = reply.thinking if isinstance(reply, Answer) and reply.thinking is not None \
            else thinking_tokens(body, self.thinking_by_effort)
        thinking_block = {"type": "thinking", "thinking": "", "signature": f"sig_{self._new_id('th')}"}
        if thought and thought >= int(body["max_tokens"]):
            # thinking alone used the whole output limit: cut off before any answer
            return self._envelope(body, [thinking_block], "max_tokens", int(body["max_tokens"]),
                                  int(body["max_tokens"]))
        if isinstance(reply, Refusal):
            content: list[dict[str, Any]] = []
            stop = "refusal"
        elif isinstance(reply, Answer) and tools:
            choice = body.get("tool_choice") or {}
            name = choice.get("name") if choice.get("type") == "tool" else tools[0].get("name")
            content = [{"type": "tool_use", "id": self._new_id("toolu"), "name": name, "input": reply.input}]
            stop = reply.stop_reason or "tool_use"
        else:
            text = reply.text if isinstance(reply, Text) else json.dumps(reply.input, ensure_ascii=False)
            content = [{"type": "text", "text": text}]
            stop = reply.stop_reason or "end_turn"
        answer_tokens = max(1, estimate(json.dumps(content, ensure_ascii=False)))
        if thought:
            content = [thinking_block, *content]
        return self._envelope(body, content, stop, answer_tokens + thought, thought)

    def _envelope(self, body: dict[str, Any], content: list[dict[str, Any]], stop: str, output: int,
                  thought: int) -> dict[str, Any]:
        counted, key = self.cache.count(body)
        self.cache.store(key)
        return {
            "id": self._new_id("msg"), "type": "message", "role": "assistant", "model": body["model"],
            "content": content, "stop_reason": stop, "stop_sequence": None,
            "usage": {"input_tokens": counted.input_tokens,
                      "output_tokens": output,
                      "output_tokens_details": {"thinking_tokens": thought},
                      "cache_creation_input_tokens": counted.cache_write,
                      "cache_read_input_tokens": counted.cache_read,
                      "cache_creation": {"ephemeral_5m_input_tokens": counted.cache_write,
                                         "ephemeral_1h_input_tokens": 0},
                      "service_tier": "standard"},
        }

    def _enter(self) -> None:
        with self._lock:
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1


def _request_problem(body: Any) -> str | None:
    """What the real API would reject in a Messages request body, briefly."""
    if not isinstance(body, dict):
        return "request body must be a JSON object"
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "model: field required"
    if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] < 1:
        return "max_tokens: field required"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    if body.get("stream"):
        return "stream: not supported by the fake"
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "tool":
        names = {t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)}
        if choice.get("name") not in names:
            return f"tool_choice: tool {choice.get('name')!r} not found in tools"
    return model_problem(body) or _conversation_problem(messages)


def _conversation_problem(messages: list[Any]) -> str | None:
    """The API's rules for a conversation: user first, non-empty turns, every tool_use answered at once."""
    if not isinstance(messages[0], dict) or messages[0].get("role") != "user":
        return "messages: the first message must use the user role"
    for i, message in enumerate(messages):
        content = message.get("content") if isinstance(message, dict) else None
        if not content:
            return f"messages.{i}: all messages must have non-empty content"
        if message.get("role") != "assistant" or not isinstance(content, list):
            continue
        calls = [b.get("id") for b in content if isinstance(b, dict) and b.get("type") == "tool_use"]
        nxt = messages[i + 1].get("content") if i + 1 < len(messages) else None
        if not calls or nxt is None:
            continue
        answered = []
        for block in nxt if isinstance(nxt, list) else []:
            if not (isinstance(block, dict) and block.get("type") == "tool_result"):
                break
            answered.append(block.get("tool_use_id"))
        if set(calls) - set(answered):
            return (f"messages.{i + 1}: tool_use ids were found without tool_result blocks immediately "
                    f"after: {', '.join(sorted(set(calls) - set(answered)))}")
    return None


def _handler(fake: FakeAnthropic) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # one write per response: headers and body in separate segments would
        # meet the client's delayed ACK and cost ~40 ms a request
        wbufsize = 1 << 16
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            fake._enter()
            try:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, out_headers, body = fake.handle(self.command, self.path, headers, raw)
            finally:
                fake._leave()
            self.send_response(status)
            for name, value in out_headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: pytest output stays readable

    return Handler
