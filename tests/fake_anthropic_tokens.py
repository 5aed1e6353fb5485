"""Token counts and the prompt cache, as the fake Anthropic API reports them.

There is no local Claude tokenizer, so counts are estimates with the real
API's shape: about 4 ASCII characters per token and one token per other
character (Chinese costs about a token a character), 346 extra input tokens
when a tool is forced (the tool-use system prompt Anthropic documents for
``tool_choice`` any/tool; 313 for auto), a few tokens per message.

Prompt caching follows the documented rules: the cacheable prefix runs in
the order tools -> system -> messages up to the LAST block marked
``cache_control``; it is cached only if it has at least the model's minimum
(1,024 tokens for Sonnet and Opus 4/4.1, 2,048 for the Haiku 3.x models,
4,096 for Haiku 4.5 and Opus 4.5, 512 for Sonnet 5.5 and Fable 5.1: the
Sonnet 5 vs 5.5 table of the stored migration notes, "minimum cacheable
prompt 1,024 -> 512 tokens", and "the 512-token cache minimum carries over"
for Fable 5.1); an identical prefix within 5 minutes is
a cache read (and refreshes the entry), otherwise a cache write. Requests
that arrive together before the first one finished all write, as in the API.
"""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

TOOL_FORCED_TOKENS = 346
TOOL_AUTO_TOKENS = 313
MESSAGE_TOKENS = 4
CACHE_TTL = 300.0
MIN_CACHEABLE = {"claude-haiku-4-5": 4096, "claude-opus-4-5": 4096, "claude-3-5-haiku": 2048,
                 "claude-3-haiku": 2048}
DEFAULT_MIN_CACHEABLE = 1024


def estimate(text: str) -> int:
    ascii_chars = sum(1 for ch in text if ch < "\x80")
    return math.ceil(ascii_chars / 4 + (len(text) - ascii_chars))


def min_cacheable(model: str) -> int:
    for prefix, tokens in MIN_CACHEABLE.items():
        if model.startswith(prefix):
            return tokens
    return DEFAULT_MIN_CACHEABLE


def _segments(body: dict[str, Any]) -> list[tuple[int, bool, str]]:
    """(tokens, marked cache_control, identity text) for every block, in prefix order."""
    out: list[tuple[int, bool, str]] = []
    tools = body.get("tools") or []
    if tools:
        choice = (body.get("tool_choice") or {}).get("type", "auto")
        overhead = TOOL_FORCED_TOKENS if choice in ("any", "tool") else TOOL_AUTO_TOKENS
        out.append((overhead, False, f"tool-system:{choice}"))
    for tool in tools:
        text = json.dumps({k: v for k, v in tool.items() if k != "cache_control"}, sort_keys=True, ensure_ascii=False)
        out.append((estimate(text), "cache_control" in tool, text))
    fmt = (body.get("output_config") or {}).get("format")
    if fmt:
        # structured output's schema is input the API adds (how is not documented): counted like a
        # tool definition, in the cacheable prefix (it is the same for every request that sends it)
        text = json.dumps(fmt, sort_keys=True, ensure_ascii=False)
        out.append((estimate(text), False, "format:" + text))
    system = body.get("system") or []
    for block in [{"type": "text", "text": system}] if isinstance(system, str) else system:
        out.append((estimate(block.get("text", "")), "cache_control" in block, block.get("text", "")))
    for message in body.get("messages") or []:
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content or []
        out.append((MESSAGE_TOKENS, False, message.get("role", "")))
        for block in blocks:
            text = json.dumps({k: v for k, v in block.items() if k != "cache_control"}, sort_keys=True,
                              ensure_ascii=False) if block.get("type") != "text" else block.get("text", "")
            out.append((estimate(text), "cache_control" in block, text))
    return out


@dataclass
class Counted:
    input_tokens: int
    cache_read: int
    cache_write: int


class PromptCache:
    """The fake's prompt cache (thread-safe); see the module docstring."""

    def __init__(self, clock: Any = time.monotonic):
        self.clock = clock
        self._entries: dict[str, float] = {}
        self._lock = threading.Lock()

    def count(self, body: dict[str, Any]) -> tuple[Counted, str | None]:
        """Token counts of a request, and the cache key to store once it is answered."""
        segments = _segments(body)
        total = sum(t for t, _, _ in segments)
        marks = [i for i, (_, marked, _) in enumerate(segments) if marked]
        if not marks:
            return Counted(total, 0, 0), None
        prefix = segments[:marks[-1] + 1]
        tokens = sum(t for t, _, _ in prefix)
        if tokens < min_cacheable(str(body.get("model", ""))):
            return Counted(total, 0, 0), None
        key = str(body.get("model")) + "\x00" + "\x00".join(text for _, _, text in prefix)
        with self._lock:
            expires = self._entries.get(key, 0.0)
            if expires > self.clock():
                self._entries[key] = self.clock() + CACHE_TTL   # a read refreshes the entry
                return Counted(total - tokens, tokens, 0), None
        return Counted(total - tokens, 0, tokens), key

    def store(self, key: str | None) -> None:
        if key is not None:
            with self._lock:
                self._entries[key] = self.clock() + CACHE_TTL
