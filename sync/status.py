"""`kbsync status`: what the store holds, in a few lines a person can scan."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

from .config import Config
from .daemon.report import daemon_lines
from .pipeline import headline
from .scoring.report import claude_lines
from .store import Store


def _notion_line(store: Store) -> str:
    records = store.sync_records("notion")
    if not records:
        return "notion: nothing written yet (kbsync doctor checks the token and the parent page)"
    kinds = Counter(("weekly" if k.startswith("weekly-") else "article", r.state) for k, r in records.items())
    unfinished = sum(r.state == "creating" or r.owned_hash == "partial" for r in records.values())
    return (f"notion: {kinds['article', 'present']} article pages, {kinds['weekly', 'present']} weekly pages, "
            f"{kinds['article', 'deleted']} deleted by the reader"
            + (f" | {unfinished} to finish next run" if unfinished else ""))


def status_lines(cfg: Config) -> list[str]:
    with Store(cfg.store_path) as store:
        counts = store.counts()
        scores = store.scores()
        tiers = Counter(s.tier for s in scores.values())
        categories = Counter(s.category for s in scores.values())
        records = store.sync_records("obsidian")
        states = Counter(r.state for r in records.values() if not r.key.startswith(("weekly-", "daily-")))
        pages = Counter(r.key.split("-", 1)[0] for r in records.values() if r.key.startswith(("weekly-", "daily-")))
        readers = store.reader_states()
        reading = Counter(str(p.get("status")) for p in readers.values() if p.get("status"))
        lines = [
            f"store: {cfg.store_path}",
            f"articles: {counts['articles']} ({counts['scored']} scored) | "
            f"{tiers['must-read']} must read | {tiers['worth-reading']} worth reading | {tiers['skim']} skim",
            "categories: " + (", ".join(f"{c} {n}" for c, n in categories.most_common()) or "none"),
            f"notes: {states['present']} in the vault, {states['deleted']} deleted by the reader"
            + (f" | rollups: {pages['weekly']} weekly, {pages['daily']} daily" if pages else ""),
        ]
        if cfg.notion is not None:
            lines.append(_notion_line(store))
        if reading:
            lines.append("reader status: " + ", ".join(f"{s} {n}" for s, n in reading.most_common()))
        lines.append(f"feeds: {counts['feeds']}")
        dropped = store.rejects_by_feed()
        for url, feed in sorted(store.feed_states().items(), key=lambda kv: kv[1].name):
            # "last ok": the last time the feed was fetched and parsed whole
            when = f"{feed.last_ok_at:%Y-%m-%d %H:%M}" if feed.last_ok_at else "never"
            problem = (f" | last error ({feed.error_count} in a row): {feed.last_error}"
                       if feed.last_error else "")
            gone = " | DISABLED (410 Gone)" if feed.status == "gone" else ""
            reasons = dropped.get(feed.url) or dropped.get(url) or {}
            lost = (f" | {sum(reasons.values())} entries dropped or merged ("
                    + ", ".join(f"{r}: {n}" for r, n in reasons.items()) + ")") if reasons else ""
            lines.append(f"  {feed.name}: last ok {when}{gone}{problem}{lost}")
        if counts["rejects"]:
            reasons = store.reject_reasons()
            lines.append(f"entries dropped or merged: {counts['rejects']} ("
                         + ", ".join(f"{r}: {n}" for r, n in list(reasons.items())[:5]) + ")")
        last = store.last_run()
        if last:
            lines.append(f"last run: {last['started_at'][:19]} UTC: "
                         + headline(last.get("scanned", 0), last.get("must_read", 0), last.get("worth_reading", 0)))
        lines += daemon_lines(cfg, store, datetime.now(timezone.utc))
        lines += claude_lines(cfg, store, datetime.now(timezone.utc))
    return lines
