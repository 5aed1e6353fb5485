"""Imported by the fork server of the worker processes (``sync.parallel.PRELOAD``): the
background word tables (``background``) are built there once, so each worker forked from it
has them from the start; without this every worker of every pool built its own."""

from __future__ import annotations

from .background import load

load()
