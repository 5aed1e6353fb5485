"""Cassette conformance: the emulator answers like the real Notion API did.

``/work/shared/notion/cassettes`` holds real exchanges recorded (API
2025-09-03) by notion-client's own test suite. Each cassette is replayed in
order against an emptied emulator through the real ``notion_client.Client``:
recorded ids are mapped to the emulator's as answers come in (the shared
root page is created up front), requests to endpoints the emulator does not
model (comments, file uploads, markdown, move) are skipped, and each
answer is compared with the recorded one recursively: the same keys, the
same JSON types, and the same values except ids, timestamps, URLs,
``request_id`` and user names. Error answers must match status and code,
and the message up to ids and the integration's name.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from notion_client import Client
from notion_client.errors import HTTPResponseError

from tests.notion_emulator import NotionEmulator
from tests.notion_emulator.common import parse_id

CASSETTES = Path(__file__).resolve().parents[2] / "shared" / "notion" / "cassettes"
pytestmark = pytest.mark.skipif(not CASSETTES.is_dir(), reason="needs ../shared/notion/cassettes")

ROOT = "393abc1e-edcd-80f3-813b-e205934558c6"     # the page every recorded test works under
SUPPORTED = [(m, re.compile(p)) for m, p in [
    ("GET", r"^users(/[^/]+)?$"), ("GET", r"^invalid$"),
    ("POST", r"^databases$"), ("GET|PATCH", r"^databases/[^/]+$"),
    ("POST", r"^data_sources$"), ("GET|PATCH", r"^data_sources/[^/]+$"),
    ("POST", r"^data_sources/[^/]+/query$"), ("GET", r"^data_sources/[^/]+/templates$"),
    ("POST", r"^pages$"), ("GET|PATCH", r"^pages/[^/]+$"), ("GET", r"^pages/[^/]+/properties/[^/]+$"),
    ("GET|PATCH|DELETE", r"^blocks/[^/]+$"), ("GET|PATCH", r"^blocks/[^/]+/children$"),
    ("POST", r"^search$"),
    ("GET|POST", r"^views$"), ("GET|PATCH|DELETE", r"^views/[^/]+$"), ("POST", r"^views/[^/]+/queries$"),
    ("GET|DELETE", r"^views/[^/]+/queries/[^/]+$"),
]]
IGNORED_KEYS = {"request_id", "url", "public_url", "created_time", "last_edited_time", "next_cursor",
                "workspace_name", "workspace_id", "avatar_url", "email", "expiry_time", "expires_at"}
QUIET = logging.getLogger("tests.notion_emulator.replay")     # the client logs every refusal by default
ID_TEXT = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")


def load(path: Path) -> dict:
    return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _cassettes() -> list[Path]:
    return sorted(CASSETTES.glob("*.yaml")) if CASSETTES.is_dir() else []


def supported(method: str, uri: str) -> str | None:
    """The API path (under /v1/) when the emulator models this request, else None."""
    url = urlsplit(uri)
    if url.hostname != "api.notion.com" or not url.path.startswith("/v1/"):
        return None
    path = url.path[len("/v1/"):]
    ok = any(re.fullmatch(m, method) and p.match(path) for m, p in SUPPORTED)
    return path if ok else None


def remap(value: Any, ids: dict[str, str]) -> Any:
    """Recorded ids (dashed or not) replaced by the emulator's, everywhere in a request."""
    if isinstance(value, dict):
        return {k: remap(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [remap(v, ids) for v in value]
    if isinstance(value, str):
        return ID_TEXT.sub(lambda m: ids.get(parse_id(m.group(0)) or "", m.group(0)), value)
    return value


def learn(recorded: Any, got: Any, ids: dict[str, str]) -> None:
    """Walks both answers side by side, mapping each recorded id to the emulator's."""
    if isinstance(recorded, dict) and isinstance(got, dict):
        for key in recorded.keys() & got.keys():
            learn(recorded[key], got[key], ids)
    elif isinstance(recorded, list) and isinstance(got, list):
        for a, b in zip(recorded, got):
            learn(a, b, ids)
    elif isinstance(recorded, str) and isinstance(got, str):
        old, new = parse_id(recorded), parse_id(got)
        if old and new:
            ids.setdefault(old, new)


def kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {dict: "object", list: "array", str: "string", type(None): "null"}[type(value)]


def differences(recorded: Any, got: Any, where: str = "$", user: bool = False, values: bool = True) -> list[str]:
    """Key and type differences, and value differences when ``values`` (ids and times aside)."""
    if kind(recorded) != kind(got):
        return [f"{where}: {kind(recorded)} recorded, {kind(got)} answered"]
    if isinstance(recorded, dict):
        if recorded.keys() != got.keys():
            return [f"{where}: keys {sorted(recorded.keys() ^ got.keys())} differ"]
        is_user = recorded.get("object") == "user"
        return [d for key in recorded for d in differences(recorded[key], got[key], f"{where}.{key}",
                                                            is_user and key == "name", values)]
    if isinstance(recorded, list):
        if len(recorded) != len(got):
            return [f"{where}: {len(recorded)} items recorded, {len(got)} answered"]
        return [d for i, (a, b) in enumerate(zip(recorded, got))
                for d in differences(a, b, f"{where}[{i}]", values=values)]
    key = where.rsplit(".", 1)[-1]
    if not values or key in IGNORED_KEYS or user or (isinstance(recorded, str) and parse_id(recorded)):
        return []
    return [] if recorded == got else [f"{where}: {recorded!r} recorded, {got!r} answered"]


def error_differences(recorded: dict, got: dict) -> list[str]:
    problems = differences({k: v for k, v in recorded.items() if k != "message"},
                           {k: v for k, v in got.items() if k != "message"})
    norm = [re.sub(r'integration "[^"]*"', 'integration "X"', ID_TEXT.sub("ID", m))
            for m in (recorded["message"], got["message"])]
    if norm[0] != norm[1]:
        problems.append(f"message {recorded['message']!r} recorded, {got['message']!r} answered")
    return problems


class Replayer:
    """One emulator and two clients (the token, a wrong one) for every cassette."""

    def __init__(self, emu: NotionEmulator):
        self.emu = emu
        self.clients = {token: Client(auth=token, base_url=emu.base_url, retry=False, logger=QUIET,
                                      log_level=logging.CRITICAL) for token in (emu.token, "not-the-token")}

    def replay(self, path: Path) -> tuple[int, list[str]]:
        """Replays one cassette on an empty workspace; returns (requests compared, problems found)."""
        self.emu.reset()
        ids = {ROOT: self.emu.add_page("")}
        compared, problems = 0, []
        relaxed = False     # after a skipped write, values may differ (e.g. has_children); shapes may not
        for n, step in enumerate(load(path)["interactions"]):
            request, response = step["request"], step["response"]
            api_path = supported(request["method"], request["uri"])
            if api_path is None:
                relaxed = relaxed or request["method"] != "GET"
                continue
            query = {k: v[-1] for k, v in parse_qs(urlsplit(request["uri"]).query).items()}
            body = json.loads(request["body"]) if request.get("body") else None
            status = response["status"]["code"]
            # the recorded 401s were sent with a wrong token
            client = self.clients["not-the-token" if status == 401 else self.emu.token]
            try:
                got, got_status = client.request(path=remap(api_path, ids), method=request["method"],
                                                 query=remap(query, ids) or None, body=remap(body, ids)), 200
            except HTTPResponseError as error:
                got, got_status = json.loads(error.body), error.status
            recorded = json.loads(response["body"]["string"])
            compared += 1
            where = f"{path.name}#{n} {request['method']} {api_path}"
            if got_status != status:
                problems.append(f"{where}: status {status} recorded, {got_status} answered: {got}")
                continue
            learn(recorded, got, ids)
            found = error_differences(recorded, got) if status >= 400 else \
                differences(recorded, got, values=not relaxed)
            problems += [f"{where}: {p}" for p in found]
        return compared, problems


@pytest.fixture(scope="module")
def replayer():
    with NotionEmulator(token="secret_test") as emu:
        yield Replayer(emu)


@pytest.mark.parametrize("cassette", _cassettes(), ids=lambda p: p.stem)
def test_cassette_replays_like_the_real_api(replayer: Replayer, cassette: Path) -> None:
    _, problems = replayer.replay(cassette)
    assert problems == []


def test_most_recorded_requests_are_modelled() -> None:
    """The replay is not vacuous: most recorded requests are compared."""
    total = compared = 0
    for path in _cassettes():
        steps = load(path)["interactions"]
        total += len(steps)
        compared += sum(1 for s in steps if supported(s["request"]["method"], s["request"]["uri"]))
    assert total > 0
    assert compared >= 0.75 * total, (compared, total)
