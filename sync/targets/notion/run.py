"""Reader edits to Notion between syncs (the daemon's watcher calls this).

Contract: ``push_edits_now`` opens the Notion adapter, pulls the reader's
Notion edits into the journal and pushes the ones made elsewhere (a status
set in a note shows in Notion within seconds, not at the next daily sync);
a tag edit re-sends that article's Tags. Returns how many edits were pushed,
or None when Notion is not configured or has no token. Call it with the
store lock held, like a sync. Notion failures raise ``NotionError``/httpx
errors for the caller to log; the journal keeps the edits for next time.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from ...config import Config
from ...store import Store
from .api import NotionAPI
from .view import NotionView


def push_edits_now(cfg: Config, store: Store, env: Mapping[str, str], now: datetime,
                   log: logging.Logger) -> int | None:
    token = env.get("NOTION_TOKEN")
    if cfg.notion is None or not token:
        return None
    with NotionAPI.for_config(cfg.notion, token) as api:
        view = NotionView(cfg, store, api, now)
        retag = view.exchange_edits(log)
        if retag:
            view.sync_articles(retag)
        return api.counts["PATCH"]
