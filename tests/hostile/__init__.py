"""Feeds generated at test time: hostile input and large synthetic feeds.

Nothing here is committed as data: every feed is built by a function (cheap,
deterministic for a seed), so the repository stays small and a test can say in
code exactly what it throws at kbsync.

- ``synthetic``: ``synthetic_rss(n, ...)``, an RSS feed of ``n`` plausible
  articles (crash-safety test, scale benchmark);
- ``feeds``: feeds built to break things (path traversal, control characters,
  YAML and wikilink injection, ``---`` in content, 1 MB content, deeply nested
  HTML, billion laughs, external entities);
- ``servers``: ``HostileServer``, the test feed server plus routes that
  misbehave at the HTTP level (a gzip bomb, a feed that never ends).
"""
