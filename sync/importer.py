"""`kbsync import FILE`: an OPML feed list into the config, or articles into the store.

Contract:
- OPML: feeds not yet in the config are APPENDED to config.toml as
  ``[[feeds]]`` tables (the reader's comments and layout stay untouched); the
  new config must still validate, otherwise nothing is written.
- JSON / JSONL articles: stored like feed entries (same merge by canonical
  URL), pre-scored records keep their score (stamped with the article's
  content hash so they are not rescored), then notes and rollups are written
  exactly as after a sync. Bad records are reported with their reason and
  skipped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

from .config import Config, ConfigError, load_config
from .models import Score
from .pipeline import Clock, RunResult, project
from .scoring.heuristic import tier_for
from .sources.imports import ImportedArticle, ImportError_, ImportResult, read_import
from .store import Store
from .store.ingest import adopt_legacy_keys, plan_ingest
from .tags import clean_tags


def _toml_str(value: str) -> str:
    # a JSON string is a valid TOML basic string for everything json.dumps emits
    return json.dumps(value, ensure_ascii=False)


def add_feeds(cfg: Config, result: ImportResult) -> tuple[int, int]:
    """Append new feeds to the config file; return (added, already there)."""
    known = {f.url for f in cfg.feeds}
    new = [f for f in result.feeds if f.url not in known]
    if not new:
        return 0, len(result.feeds)
    block = "".join(f"\n[[feeds]]\nurl = {_toml_str(f.url)}\nname = {_toml_str(f.name)}\n" for f in new)
    original = cfg.path.read_text("utf-8")
    updated = original + ("" if original.endswith("\n") else "\n") + block
    tmp = cfg.path.with_suffix(".toml.kbsync-tmp")
    tmp.write_text(updated, "utf-8")
    try:
        load_config(tmp)
    except ConfigError as exc:
        tmp.unlink()
        raise ValueError(f"the imported feeds would break the config: {exc}") from None
    tmp.replace(cfg.path)
    return len(new), len(result.feeds) - len(new)


def import_articles(cfg: Config, store: Store, result: ImportResult, env: Mapping[str, str],
                    now: datetime, *, dry_run: bool = False) -> RunResult:
    run = RunResult()
    hashes = store.entry_hashes(result.articles[0].entry.feed_url if result.articles else "import:")
    stored = store.get_articles({k for a in result.articles for k in (a.entry.kb_id, *a.entry.aliases)})
    # an article stored under its URL's earlier form keeps its key (and takes this score)
    items = [ImportedArticle(entry, item.prescore) for item, entry in zip(
        result.articles, adopt_legacy_keys([a.entry for a in result.articles], hashes.keys() | stored.keys()))]
    entries = [a.entry for a in items]
    merged, records = plan_ingest(entries, hashes, stored, now)
    store.save_articles(merged.values(), records, now)
    store.save_rejects(result.rejects, now)
    stored = store.get_articles(a.entry.kb_id for a in items if a.prescore)
    prescores = []
    for item in items:
        article, pre = stored.get(item.entry.kb_id), item.prescore
        if article is None or pre is None:
            continue
        prescores.append(Score(
            kb_id=article.kb_id, content_hash=article.content_hash, backend="import", score=pre.score,
            tier=tier_for(pre.score, cfg.scoring), category=pre.category or "Other",
            tags=clean_tags(pre.tags, limit=cfg.scoring.max_tags), summary=pre.summary,
            key_points=tuple(pre.key_points)[:5]))
    store.save_scores(prescores, now)
    seen = {e.kb_id for e in entries}
    project(store, cfg, env, seen, set(merged), now, run, Clock(run),
            prescored={s.kb_id for s in prescores}, dry_run=dry_run)
    return run


def run_import(cfg: Config, path: Path, *, env: Mapping[str, str], dry_run: bool = False) -> list[str]:
    now = datetime.now(timezone.utc)
    try:
        result = read_import(path, now=now)
    except ImportError_ as exc:
        raise ValueError(f"{path.name}: {exc}") from None
    lines = [f"rejected {r.reason}" for r in result.rejects]
    if result.feeds:
        if dry_run:
            known = {f.url for f in cfg.feeds}
            lines.append(f"would add {sum(f.url not in known for f in result.feeds)} feeds to {cfg.path.name}")
        else:
            added, present = add_feeds(cfg, result)
            lines.append(f"{added} feeds added to {cfg.path.name}, {present} already there")
    if result.articles:
        with Store.open_for(cfg.store_path, dry_run=dry_run) as store:
            run = import_articles(cfg, store, result, env, now, dry_run=dry_run)
        notes = ", ".join(f"{n} {k}" for k, n in sorted(run.notes.items())) or "none to write"
        lines.append(f"{len(result.articles)} articles imported ({run.changed} new or changed); notes: {notes}")
        lines.append(run.headline())
    if not result.feeds and not result.articles:
        lines.append("nothing to import")
    return lines
