"""Related articles: which articles are about the same thing, and the index that keeps them.

- ``features``    pure: an article as weighted terms (English words, CJK bigrams, tags)
- ``similarity``  pure: TF-IDF vectors, the time-windowed pair search, the link rule
- ``index``       the incremental index in SQLite: ``update_links``, ``related``,
                  ``story_groups``, ``neighbours``
"""
