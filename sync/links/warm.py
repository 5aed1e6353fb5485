"""Imported last by the fork server of the worker processes (``sync.parallel.PRELOAD``).

- The background word tables (``links.background``) are built there once, so each worker
  forked from it has them from the start; without this every worker of every pool built its own.
- numpy is loaded for real (elsewhere it is loaded when first used: ``lazy_numpy``), with
  the table ``features`` reads CJK text by: a worker would load it again for each pool.
- Then everything the fork server holds (the modules, those tables) is moved out of the
  cyclic garbage collector's reach (``gc.freeze``): it lives as long as the workers, and
  each of their full collections walked it again. In a 10,000-article first sync the
  workers' full collections took 0.68-0.74 s of CPU before, 0.06-0.09 s after.
"""

from __future__ import annotations

import gc

from .background import load
from .features import _cjk_table

load()
_cjk_table()
gc.freeze()
