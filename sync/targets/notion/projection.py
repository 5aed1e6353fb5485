"""Notion as one of the run's targets (``targets.base.Projection``).

Contract: entering opens the paced API session and finds or creates the data
sources; ``edits_out`` pulls the reader's Notion edits into the journal;
``edits_in`` pushes edits made in the vault (a tag edit re-sends that
article's Tags); ``write`` sends the Articles pages, then the Weekly pages,
counting into ``RunResult.notion`` (with the request count). Notion fails as
a whole on ``NotionError`` or a transport error; the vault is not affected and
the next run picks up where this one stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime

import httpx

from ...config import Config
from ...store import Store
from ..base import Loaded, Outcome
from .api import NotionAPI, NotionError
from .view import NotionView


class NotionProjection:
    name = "notion"
    errors: tuple[type[BaseException], ...] = (NotionError, httpx.HTTPError)

    def __init__(self, cfg: Config, store: Store, now: datetime, *, token: str, namer: object,
                 log: logging.Logger):
        self.cfg, self.store, self.now, self.token, self.namer, self.log = cfg, store, now, token, namer, log
        self.stack = ExitStack()
        self.api: NotionAPI | None = None
        self.view: NotionView | None = None

    def __enter__(self) -> NotionProjection:
        assert self.cfg.notion is not None
        with ExitStack() as stack:
            self.api = stack.enter_context(NotionAPI.for_config(self.cfg.notion, self.token))
            self.view = NotionView(self.cfg, self.store, self.api, self.now, namer=self.namer)
            self.stack = stack.pop_all()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stack.close()

    def edits_out(self) -> set[str]:
        assert self.view is not None
        return self.view.pull_edits(self.log)

    def edits_in(self) -> set[str]:
        assert self.view is not None
        return self.view.push_edits(self.log)

    def write(self, touched: set[str], *, restore: bool, loaded: Loaded, lap: Callable[[str], None],
              progress: Callable[[str, int, int], None]) -> dict[str, list[Outcome]]:
        assert self.view is not None and self.api is not None
        outcomes = self.view.sync_articles(touched, restore=restore, loaded=loaded)
        outcomes += self.view.sync_weeks(touched, restore=restore)
        lap("notion")
        return {"notion": outcomes}

    def finish(self) -> None:
        assert self.view is not None
        self.view.finish()

    def figures(self) -> dict[str, dict[str, int]]:
        return {"notion": {"requests": self.api.counts["total"] if self.api is not None else 0}}

    def notices(self) -> list[str]:
        return list(self.view.notices) if self.view is not None else []

    def describe(self, exc: BaseException) -> str:
        return f"notion: {exc}"
