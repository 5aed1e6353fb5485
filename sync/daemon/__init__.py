"""The daily daemon: schedule, lock, vault watcher, reader-edit journal, service loop.

Modules, each small and with one job:

- ``schedule``  pure: when the next daily sync is due (time zones, DST, missed runs)
- ``lock``      one running sync per store (``fcntl.flock`` on a file beside the store)
- ``journal``   the ``reader_changes`` journal of the reader's edits and the seam
                (``EditSink``, ``pending``, ``deliver``) other targets plug into
- ``edits``     pure: what in a note is the reader's, and how it changed
- ``reconcile`` apply a batch of vault changes to the store (moves, deletes, edits);
                ``VaultEditSink`` writes edits made elsewhere into notes
- ``watcher``   watchdog observer on the vault, debounced, feeding ``reconcile``
- ``runner``    the service loop: sleep, sync under the lock, reload config, stop on signals
- ``logs``      rotating log file + stderr
- ``report``    the daemon's lines in ``kbsync status``
"""
