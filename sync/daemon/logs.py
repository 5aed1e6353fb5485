"""Daemon logging: a rotating file (``[daemon] log_file``) and stderr.

Contract: ``setup_logging(path)`` configures the ``kbsync`` logger once per
call: previous handlers installed here are replaced (a config reload may move
the file), a file that cannot be opened is reported on stderr and the daemon
logs to stderr alone. The file rotates at ``MAX_BYTES`` keeping ``BACKUPS``
old files (stdlib ``RotatingFileHandler``); under systemd or launchd stderr
goes to the journal or the plist's log path as well.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path
from typing import TextIO

LOGGER = "kbsync"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(path: Path | None, *, stream: TextIO | None = None, level: int = logging.INFO,
                  max_bytes: int = MAX_BYTES, backups: int = BACKUPS) -> logging.Logger:
    log = logging.getLogger(LOGGER)
    for handler in [h for h in log.handlers if getattr(h, "_kbsync", False)]:
        log.removeHandler(handler)
        handler.close()
    log.setLevel(level)
    formatter = logging.Formatter(FORMAT)
    handlers: list[logging.Handler] = [logging.StreamHandler(stream or sys.stderr)]
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handlers.append(logging.handlers.RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups,
                                                                 encoding="utf-8"))
        except OSError as exc:
            print(f"kbsync: cannot open the log file {path}: {exc}; logging to stderr only",
                  file=stream or sys.stderr)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler._kbsync = True  # type: ignore[attr-defined]
        log.addHandler(handler)
    return log
