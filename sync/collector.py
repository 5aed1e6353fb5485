"""The cyclic garbage collector paused while a run (and the imports it needs) lasts,
and skipped at the exit of a command (``no_last_pass``).

Why: a run keeps what it builds until it ends (articles, scores, sync
records, the vault's listing and names: a million objects for a 100,000-note
vault) and makes few reference cycles, which reference counting does not
free. The collector's passes over the ever larger heap found next to nothing
and cost a 10,000-article first sync 0.4-0.7 s and a daily run of a
100,000-note vault 0.2 s; the peak memory is the same without them (measured
on both). Importing the pipeline (some 500 modules) set off 140 passes more,
50 ms of a command-line sync's start. What cycles a run leaves are collected
once the collector is back on (the daemon's next runs).
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off inside, as it was after (a caller that turned it off keeps it off)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        # what piled up meanwhile joins the oldest generation first (frozen, then thawed into
        # it): turned back on, the collector would otherwise start a full pass over all of it
        # at the next allocation, 60-80 ms after a run in a 100,000-note vault, right as a
        # command's process ends; the oldest generation is passed over at its own pace
        gc.freeze()
        gc.unfreeze()
        gc.enable()


def no_last_pass() -> None:
    """The collector's final pass at the interpreter's exit skipped (an exit handler freezes
    what is alive then, ``gc.freeze``); registered once however often this is called.

    Why: when a command ends, Python finalises by running a full collection over all that is
    still alive (the modules and what they hold: 40,000 objects after a sync) before
    clearing it: 50-100 ms of a one-second command-line sync, for nothing. Frozen, the
    objects are still freed by reference counting as the modules are cleared; only what a
    reference cycle alone holds is left to the operating system with the process. kbsync
    closes its files and its store itself (``with`` blocks), never through the collector.
    """
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
