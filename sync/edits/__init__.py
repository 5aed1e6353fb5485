"""The reader's edits, shared by every target.

- ``rules``    pure: which properties kbsync owns (``OWNED_KEYS``), what in a page
               is the reader's, how it changed, and how an edit made elsewhere applies
- ``journal``  the ``reader_changes`` journal in the store: each edit made in one
               target (a status set in a note, a rating set in Notion) is recorded
               once and delivered to every other target through its ``EditSink``
"""
