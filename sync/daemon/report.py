"""The daemon's lines in ``kbsync status``: is it running, the next run, recent errors.

Contract: ``daemon_lines(cfg, store, now)`` only reads (the store, the lock
files); ``now`` is passed in. "Running" means the pid written in the daemon
lock file is alive; a daemon that crashed leaves its pid there but no
process, and shows as not running.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from ..config import Config
from ..edits import journal
from ..store import Store
from .lock import lock_path, read_holder
from .schedule import describe, next_run

ERROR_META = "daemon:last_error"   # the daemon's last failed sync, cleared by the next good one


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    return True


def _target_errors(cfg: Config, last: dict[str, Any]) -> list[str]:
    """Per configured target: what the last run wrote and how much of it failed."""
    lines = []
    targets = [("obsidian", ("notes", "pages"), cfg.vault), ("notion", ("notion",), cfg.notion)]
    for target, keys, on in targets:
        if on is None:
            continue
        counts: dict[str, int] = {}
        for key in keys:
            for status, n in (last.get(key) or {}).items():
                if status != "requests":
                    counts[status] = counts.get(status, 0) + n
        bad = counts.get("error", 0) + counts.get("conflict", 0)
        done = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing to write"
        lines.append(f"  {target}: {done}" + (f" | {bad} errors or conflicts" if bad else ""))
    problems = last.get("problems") or []
    lines += [f"  problem: {p}" for p in problems[:5]]
    if len(problems) > 5:
        lines.append(f"  ... and {len(problems) - 5} more (kbsync sync -v)")
    return lines


def daemon_lines(cfg: Config, store: Store, now: datetime) -> list[str]:
    d = cfg.daemon
    pid, _ = read_holder(lock_path(cfg.store_path, "daemon"))
    last = store.last_run()
    started = datetime.fromisoformat(last["started_at"]) if last else None
    when = next_run(d.at_time, d.tz, started, now)
    nxt = "due now" if when <= now else describe(when, d.tz)
    running = f"running (pid {pid})" if _alive(pid) else "not running (start it with `kbsync daemon`)"
    lines = [f"daemon: {running}; daily sync at {d.at} {d.timezone}; next run: {nxt}"]
    if last:
        lines.append("last run by target:")
        lines += _target_errors(cfg, last)
    error = store.meta(ERROR_META)
    if error:
        lines.append(f"daemon: last sync failed: {error}")
    targets = ["notion"] if cfg.notion is not None else []
    edits = journal.counts(store, targets)
    if edits["recorded"]:
        line = f"reader edits recorded: {edits['recorded']}"
        if targets:
            line += f" | waiting for notion: {edits['notion']}"
        lines.append(line)
    return lines
