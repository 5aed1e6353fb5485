"""What kbsync owns in a page, as Markdown and properties, for every target.

- ``doc``       ``Doc``: a page's owned properties and body block, target-neutral
- ``article``   an article note's ``Doc`` (properties in Obsidian's types, the body template)
- ``markdown``  the text helpers every page shares: escaping, tags, URLs, stars, one line
"""
