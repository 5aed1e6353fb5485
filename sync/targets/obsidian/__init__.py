"""The Obsidian vault target.

- ``view``        ObsidianView: which notes and digests to render this run, and their links
- ``projection``  the vault as a ``targets.base.Projection``
- ``vault``       NoteTarget: applies intents to notes (allocate paths, merge, adopt)
- ``files``       LocalFiles (atomic writes) and its in-memory twin MemoryFiles
- ``paths``       note paths from the path template, legalised in one place
- ``merge``       the managed block and properties merged with the reader's text
- ``yamlfm``      frontmatter in Obsidian's property types
- ``related``     stored links as wikilinks with their reasons
- ``edits``       the vault's side of the edits journal (reconcile, VaultEditSink)
- ``wal``         the write-ahead log of sync records a killed run may not have saved
"""
