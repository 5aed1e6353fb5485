"""kbsync: feeds -> scored, linked notes in Obsidian (and Notion)."""

__version__ = "0.1.0"
