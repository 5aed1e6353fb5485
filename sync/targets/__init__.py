"""Where the store is projected to: the vault and Notion.

``base`` holds the two protocols: ``Projection`` (one target during one run,
what ``pipeline.run_targets`` loops over) and ``Target`` (pages: allocate and
apply intents), with ``plan``, the pure decision of what to write. Each
target is a package with its view (what to render), projection, page target
and adapters; the two never import each other.
"""
