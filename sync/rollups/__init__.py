"""Daily and weekly digests, computed from the store.

- ``digest``  pure: calendar (days and weeks in the configured zone), stories,
              trends and the page data (``WeeklyRollup``, ``DailyRollup``)
- ``pages``   the data of one week or day loaded from the store, as a ``Doc``
- ``render``  the data as Markdown through the Jinja templates in ``sync/templates``
"""
