"""A local emulator of the Notion REST API (version 2025-09-03) for kbsync's tests.

Drive it with the unmodified ``notion_client.Client(auth=emu.token,
base_url=emu.base_url)``::

    from tests.notion_emulator import NotionEmulator
    with NotionEmulator(token="secret_test", rate=None) as emu:
        parent = emu.add_page("kbsync")
        ...

Response objects follow the real recorded exchanges in
``/work/shared/notion/cassettes``; limits, error bodies, rate limiting and
fault injection follow https://developers.notion.com/reference/request-limits
and /reference/status-codes; every content rule and its source is listed in
``RULES.md`` beside this file. ``python -m tests.notion_emulator`` runs it in
the foreground for trying the Notion target by hand.
"""

from .emulator import EmulatorError, Logged, NotionEmulator

__all__ = ["NotionEmulator", "EmulatorError", "Logged"]
