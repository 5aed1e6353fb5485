"""The daily daemon: schedule, lock, vault watcher, service loop.

Modules, each small and with one job:

- ``schedule``  pure: when the next daily sync is due (time zones, DST, missed runs)
- ``lock``      one running sync per store (``fcntl.flock`` on a file beside the store)
- ``watcher``   watchdog observer on the vault, debounced, feeding
                ``targets.obsidian.edits.reconcile`` (the vault's side of the edits journal)
- ``runner``    the service loop: sleep, sync under the lock, reload config, stop on signals
- ``logs``      rotating log file + stderr
- ``report``    the daemon's lines in ``kbsync status``

The reader's edits themselves live below the daemon, in ``sync.edits``: a
one-shot ``kbsync sync`` exchanges them as well.
"""
