"""html.py builds its converter options once: an entry gets options of its own only when a
relative link needs its base URL (building them cost more than converting a 1.5 kB entry)."""

from __future__ import annotations

from sync.sources import html as h


def test_converter_options_are_built_only_for_relative_links(monkeypatch):
    built = []
    real = h._options
    monkeypatch.setattr(h, "_options", lambda base_url=None: built.append(base_url) or real(base_url))
    assert h.to_markdown("<p>absolute <a href='https://x.org/a'>a</a></p>", "https://e.org/p") \
        == "absolute [a](https://x.org/a)"
    assert built == []
    assert h.to_markdown("<p>relative <a href='/a'>a</a></p>", "https://e.org/p") == "relative [a](https://e.org/a)"
    assert built == ["https://e.org/p"]
