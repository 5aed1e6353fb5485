"""Small conveniences for tests that drive the emulator with the real client."""

from __future__ import annotations

import logging
from typing import Any

from notion_client import Client

from .emulator import NotionEmulator

QUIET = logging.getLogger("tests.notion_emulator.client")   # notion-client logs every refusal otherwise

ALL_TYPES: dict[str, Any] = {
    "Name": {"title": {}},
    "Summary": {"rich_text": {}},
    "Score": {"number": {"format": "number"}},
    "Tier": {"select": {"options": [{"name": "must-read", "color": "red"}, {"name": "skim"}]}},
    "Tags": {"multi_select": {}},
    "Stage": {"status": {}},
    "Published": {"date": {}},
    "URL": {"url": {}},
    "Contact": {"email": {}},
    "Phone": {"phone_number": {}},
    "Done": {"checkbox": {}},
    "Owner": {"people": {}},
    "Created": {"created_time": {}},
    "Edited": {"last_edited_time": {}},
}


def client(emu: NotionEmulator, token: str | None = None, **options: Any) -> Client:
    """A real ``notion_client.Client`` on the emulator; ``retry=False`` unless told otherwise."""
    options.setdefault("retry", False)
    return Client(auth=emu.token if token is None else token, base_url=emu.base_url, logger=QUIET,
                  log_level=logging.CRITICAL, **options)


def text(content: str) -> list[dict]:
    return [{"type": "text", "text": {"content": content}}]


def new_source(notion: Client, parent: str, title: str, properties: dict[str, Any]) -> dict:
    """Creates a database with one data source; returns the data source object."""
    db = notion.databases.create(parent={"type": "page_id", "page_id": parent}, title=text(title),
                                 initial_data_source={"properties": properties})
    return notion.data_sources.retrieve(db["data_sources"][0]["id"])


def plain(rich: list[dict]) -> str:
    return "".join(item["plain_text"] for item in rich)
