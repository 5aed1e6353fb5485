"""Config: the bundled default loads; every mistake is one line naming the key."""

from pathlib import Path

import pytest

from sync.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, "utf-8")
    return path


def test_bundled_config_loads_offline_with_paths_resolved():
    cfg = load_config(ROOT / "config.toml")
    assert cfg.vault is not None and cfg.vault.path == ROOT / "vault"
    assert cfg.store_path == ROOT / ".kbsync" / "state.db"
    assert len(cfg.feeds) >= 3 and all(not f.is_remote and Path(f.url).is_absolute() for f in cfg.feeds)
    assert cfg.scoring.categories[0] == "AI/Tech"
    assert cfg.notion is None


@pytest.mark.parametrize("text, expected", [
    ("[scoring]\nmustread = 3\n", "scoring: unknown key 'mustread'"),
    ("[scoring]\nmust_read = 'high'\n", "scoring.must_read: 'high' is not of type 'integer'"),
    ("[scoring]\nmust_read = 101\n", "scoring.must_read: 101 is greater than the maximum of 100"),
    ("colour = 1\n", "top level: unknown key 'colour'"),
    ("[[feeds]]\nname = 'x'\n", "feeds[0]: 'url' is a required property"),
    ("[[feeds]]\nurl = 'a.xml'\nweight = 'big'\n", "feeds[0].weight: 'big' is not of type 'number'"),
    ("[rollups]\nweek_ends_on = 'someday'\n", "rollups.week_ends_on: 'someday' is not one of"),
    ("[rollups]\ntimezone = 'Mars/Base'\n", "rollups.timezone: unknown time zone 'Mars/Base'"),
    ("[scoring]\nmust_read = 60\nworth_reading = 70\n", "scoring.worth_reading: must not be above"),
    ("[scoring]\ncategories = ['A']\n[scoring.category_keywords]\nB = ['x']\n",
     "scoring.category_keywords: category 'B' is not in scoring.categories"),
    ("[[feeds]]\nurl = 'a.xml'\n[[feeds]]\nurl = 'a.xml'\n", "feeds[1].url: duplicate feed"),
    ("[vault\npath = 1", "invalid TOML"),
])
def test_bad_config_fails_with_one_line_naming_the_key(tmp_path, text, expected):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("config.toml: ")
    assert expected in message


def test_missing_config_file_is_one_clear_line(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")


def test_defaults_fill_everything_and_local_feeds_resolve_against_the_config(tmp_path):
    cfg = load_config(write(tmp_path, "[vault]\npath = 'v'\n[[feeds]]\nurl = 'feeds/x.xml'\n"))
    assert cfg.vault.path == tmp_path / "v"
    assert cfg.feeds[0].url == str(tmp_path / "feeds" / "x.xml")
    assert cfg.feeds[0].name == "x"
    assert cfg.links.k == 5 and cfg.links.window_days == 180
    assert cfg.rollups.week_ends_on == "sunday"


def test_a_config_the_schema_passed_is_not_validated_again_until_it_or_the_schema_changes(tmp_path, monkeypatch):
    """(``config._validate_once``) The verdict is kept beside the store, keyed by the config's
    content and the schema's: an edit, even one that only turns a string into a TOML date,
    is validated again; a folder that is not there is not made for it."""
    from sync import config as C

    calls: list[dict] = []
    real, real_schema = C.validate, C._schema_text()
    monkeypatch.setattr(C, "validate", lambda data: calls.append(data) or real(data))
    path = write(tmp_path, "[vault]\npath = 'v'\n")
    load_config(path)
    assert len(calls) == 1 and not (tmp_path / ".kbsync").exists()   # no store folder: nothing kept
    (tmp_path / ".kbsync").mkdir()
    load_config(path)
    load_config(path)
    assert len(calls) == 2 and (tmp_path / ".kbsync" / C.CHECKED).exists()
    write(tmp_path, "[vault]\npath = 'v'\n[fetch]\nuser_agent = 'x'\n")
    load_config(path)
    assert len(calls) == 3
    # the same bytes with a TOML date where a string was: another key, and the schema refuses it
    assert C.schema_key({"a": "2026-01-01"}) != C.schema_key({"a": __import__("datetime").date(2026, 1, 1)})
    write(tmp_path, "[vault]\npath = 'v'\n[fetch]\nuser_agent = 2026-01-01\n")
    with pytest.raises(ConfigError, match="fetch.user_agent"):
        load_config(path)
    # a changed schema (an upgrade of kbsync): validated again
    write(tmp_path, "[vault]\npath = 'v'\n")
    load_config(path)
    count = len(calls)
    monkeypatch.setattr(C, "_schema_text", lambda: real_schema + " ")
    load_config(path)
    assert len(calls) == count + 1


def test_a_store_folder_kept_elsewhere_keeps_the_verdict_there(tmp_path):
    from sync import config as C

    (tmp_path / "state").mkdir()
    load_config(write(tmp_path, "[store]\npath = 'state/kb.db'\n"))
    assert (tmp_path / "state" / C.CHECKED).exists() and not (tmp_path / ".kbsync").exists()
