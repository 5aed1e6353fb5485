"""The Notion target (API version 2025-09-03, through notion-client).

- ``view``        NotionView: which Articles and Weekly pages to send this run
- ``projection``  Notion as a ``targets.base.Projection``
- ``target``      NotionTarget: applies intents to pages (journaled creates, owned blocks)
- ``pages``       owned property values and their diff
- ``blocks``      Markdown -> blocks within the API's limits
- ``setup``       find or create the data sources
- ``edits``       the reader's Notion edits in and out of the journal
- ``api``         the paced, retrying adapter; ``run`` pushes edits between syncs
"""
