"""The linker's background word tables are kept in the store and read back while they hold.

(``links/background.py``: building them costs 0.2-0.3 s a run; reading the store's copy
about 10 ms. The copy is used only while its key, a fingerprint of the code and word lists
they are derived from, is the current one.)
"""

from __future__ import annotations

import pytest

from sync.links import background
from sync.store import Store

TERMS = ["result", "muon", "发布", "型发", "#agents", "the"]


@pytest.fixture
def fresh(monkeypatch):
    """This process as if it had not loaded the tables yet (restored after the test)."""
    monkeypatch.setattr(background, "_loaded", [])
    return background


def built_tables() -> background._Tables:
    return background._build()


def test_a_run_keeps_the_tables_and_the_next_reads_them_without_building(tmp_path, fresh, monkeypatch):
    expected = built_tables()
    assert expected.latin and expected.bigrams and expected.words
    with Store(tmp_path / "state.db") as store:
        fresh.load_from(store)   # builds, and keeps a copy
        probabilities = fresh.doc_probability(TERMS)
        assert store.derived("links.background", fresh._derived_from()) is not None
        monkeypatch.setattr(fresh, "_loaded", [])
        monkeypatch.setattr(fresh, "_build", lambda: pytest.fail("the store's copy holds"))
        fresh.load_from(store)
        assert fresh._get() == expected
        assert list(fresh.doc_probability(TERMS)) == list(probabilities)
        assert fresh.cjk_words() == expected.words


def test_a_copy_derived_from_other_code_or_lists_is_built_again(tmp_path, fresh, monkeypatch):
    with Store(tmp_path / "state.db") as store:
        store.set_derived("links.background", "an older fingerprint", b"stale")
        built: list[int] = []
        real = background._build
        monkeypatch.setattr(fresh, "_build", lambda: built.append(1) or real())
        fresh.load_from(store)
        assert built == [1] and fresh._get() == built_tables()
        assert store.derived("links.background", "an older fingerprint") is None   # replaced


def test_an_unreadable_copy_is_built_again_and_replaced(tmp_path, fresh):
    with Store(tmp_path / "state.db") as store:
        key = fresh._derived_from()
        store.set_derived("links.background", key, b"not zlib at all")
        fresh.load_from(store)
        assert fresh._get() == built_tables()
        assert background._decode(store.derived("links.background", key)) == built_tables()


def test_the_fingerprint_follows_the_code_the_tables_are_derived_with(fresh, monkeypatch, tmp_path):
    key = fresh._derived_from()
    assert key == fresh._derived_from()   # the same code and lists: the same key
    features = tmp_path / "features.py"
    features.write_text("# another stemmer\n")
    fake_module = tmp_path / "background.py"
    fake_module.write_text("")
    monkeypatch.setattr(fresh, "__file__", str(fake_module))
    assert fresh._derived_from() != key


def test_with_workers_running_one_of_them_hands_its_tables_over(tmp_path, fresh, monkeypatch):
    """A first sync: the workers that encoded the features have the tables (their fork server
    built them), so the main process takes theirs instead of building its own, and keeps them."""
    expected = built_tables()
    monkeypatch.setattr(fresh, "_build", lambda: pytest.fail("built in the main process"))
    with Store(tmp_path / "state.db") as store:
        fresh.load_from(store, from_workers=True)
        assert fresh._get() == expected
        assert background._decode(store.derived("links.background", fresh._derived_from())) == expected


def test_when_no_worker_can_hand_them_over_they_are_built_here(tmp_path, fresh, monkeypatch):
    def no_workers(*_args):
        raise OSError("no processes left")

    monkeypatch.setattr("sync.parallel.Background", no_workers)
    with Store(tmp_path / "state.db") as store:
        fresh.load_from(store, from_workers=True)
        assert fresh._get() == built_tables()
        assert background._decode(store.derived("links.background", fresh._derived_from())) == built_tables()
