"""numpy, loaded when it is first used.

Why: the links modules are imported by every run (the pipeline, the note
view, the digests), but a run with nothing to link (a no-op sync) never
touches an array, and importing numpy cost a no-op sync of a 100,000-note
vault 50-70 ms of its second. ``np`` below is numpy itself from the first
time one of its attributes is read: the standard library's recipe
(``importlib.util.LazyLoader``). A numpy some other module imported first is
used as it is. The workers' fork server loads it for real (``links.warm``
builds arrays), so no worker imports it again. Before Python 3.12 a lazy
module's first load is not safe from two threads at once; arrays are only
made by a run, in one thread (the daemon's vault watcher makes none).
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def _lazy(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None, f"{name} is not installed"
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


np = _lazy("numpy")
