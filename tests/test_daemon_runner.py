"""The daemon loop with an injected clock and sleeper: days of schedule in a second or two.

The syncs are real (the pipeline on a tiny local feed); the clock is fake: the
sleeper advances it by what the daemon asked for, and a script of actions
(break the config, suspend the machine, stop) runs at given fake times.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sync.config import load_config
from sync.daemon.lock import StoreLock
from sync.daemon.runner import Daemon
from sync.pipeline import run_sync
from sync.status import status_lines
from sync.store import Store
from sync.targets.obsidian.yamlfm import loads_note
from tests.test_e2e import make_config, notes

NY = ZoneInfo("America/New_York")
NAP = 600.0     # the real daemon naps at most 30 s; ten minutes keeps days of fake time cheap
ITEM = ("<item><title>Story {n} about agents</title><link>https://example.com/{n}</link>"
        "<pubDate>Mon, 23 Feb 2026 10:00:00 GMT</pubDate><description>Text {n} about agents.</description></item>")


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NY).astimezone(timezone.utc)


class FakeTime:
    """A clock and a sleeper: sleeping moves the clock; ``at(t, action)`` runs an action once the clock passes t."""

    def __init__(self, start: datetime, until: datetime):
        self.now, self.until = start, until
        self.script: list[tuple[datetime, Callable[[], None]]] = []
        self.naps: list[float] = []
        self.daemon: Daemon | None = None

    def clock(self) -> datetime:
        return self.now

    def at(self, when: datetime, action: Callable[[], None]) -> None:
        self.script.append((when, action))
        self.script.sort(key=lambda pair: pair[0])

    def sleep(self, seconds: float) -> None:
        assert 0 < seconds <= NAP, seconds    # naps are bounded: a wake-up is noticed
        self.naps.append(seconds)
        self.now += timedelta(seconds=seconds)
        while self.script and self.script[0][0] <= self.now:
            self.script.pop(0)[1]()
        if self.now >= self.until:
            self.daemon.request_stop("test over")


def kb(tmp_path: Path, at: str = "07:00", extra: str = "") -> Path:
    feed = tmp_path / "feed.xml"
    feed.write_text("<rss version='2.0'><channel><title>T</title>" + "".join(ITEM.format(n=n) for n in range(3))
                    + "</channel></rss>", "utf-8")
    return make_config(tmp_path, [(str(feed), "Test Feed")],
                       extra=f'[daemon]\nat = "{at}"\ntimezone = "America/New_York"\nwatch = false\n{extra}')


def daemon_for(config: Path, fake: FakeTime, sync=None) -> Daemon:
    log = logging.getLogger("kbsync.test.daemon")
    d = Daemon(load_config(config), log, env={}, clock=fake.clock, sleep=fake.sleep, sync=sync, max_nap=NAP)
    fake.daemon = d
    return d


def real_sync(cfg, now, progress):
    return run_sync(cfg, env={}, now=now, progress=progress)


def test_syncs_at_its_time_every_day_and_status_shows_the_next_run(tmp_path):
    config = kb(tmp_path)
    fake = FakeTime(ny(2026, 3, 6, 12, 0), until=ny(2026, 3, 10, 12, 0))
    daemon = daemon_for(config, fake)
    assert daemon.run() == 0
    # first start runs at once; then 07:00 New York time each day, the DST change included
    assert daemon.runs == [ny(2026, 3, 6, 12, 0), ny(2026, 3, 7, 7, 0), ny(2026, 3, 8, 7, 0),
                           ny(2026, 3, 9, 7, 0), ny(2026, 3, 10, 7, 0)]
    cfg = load_config(config)
    assert len(notes(cfg.vault.path)) == 3
    lines = "\n".join(status_lines(cfg))
    assert "daemon: not running" in lines and "daily sync at 07:00 America/New_York" in lines
    assert "next run:" in lines and "obsidian:" in lines


def test_a_missed_run_after_sleep_runs_once_on_wake(tmp_path):
    config = kb(tmp_path)
    fake = FakeTime(ny(2026, 6, 1, 8, 0), until=ny(2026, 6, 6, 9, 0))
    daemon = daemon_for(config, fake)

    def suspend():                      # the lid closes for four days
        fake.now = ny(2026, 6, 5, 10, 30)
    fake.at(ny(2026, 6, 1, 22, 0), suspend)
    daemon.run()
    assert daemon.runs == [ny(2026, 6, 1, 8, 0), ny(2026, 6, 5, 10, 30), ny(2026, 6, 6, 7, 0)]


def test_a_broken_config_is_reported_once_and_the_old_one_kept(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="kbsync.test.daemon")
    config = kb(tmp_path)
    good = config.read_text("utf-8")
    fake = FakeTime(ny(2026, 6, 1, 8, 0), until=ny(2026, 6, 4, 12, 0))
    daemon = daemon_for(config, fake)
    fake.at(ny(2026, 6, 1, 9, 0), lambda: config.write_text(good.replace("[scoring]", "[scoring]\nmust_read = 'high'"),
                                                            "utf-8"))
    fake.at(ny(2026, 6, 2, 12, 0), lambda: config.write_text(good.replace('at = "07:00"', 'at = "18:30"'), "utf-8"))
    daemon.run()
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == ["config not reloaded, keeping the previous one: config.toml: scoring.must_read: "
                      "'high' is not of type 'integer'"]
    # the broken config did not stop the 07:00 run of June 2; the fixed one moved the time to 18:30
    assert daemon.runs == [ny(2026, 6, 1, 8, 0), ny(2026, 6, 2, 7, 0), ny(2026, 6, 2, 18, 30),
                           ny(2026, 6, 3, 18, 30)]
    assert daemon.cfg.daemon.at == "18:30"
    assert sum("config reloaded" in r.getMessage() for r in caplog.records) == 1


def test_a_failed_sync_is_retried_later_and_shown_in_status(tmp_path):
    config = kb(tmp_path)
    fake = FakeTime(ny(2026, 6, 1, 8, 0), until=ny(2026, 6, 1, 9, 0))
    failures = []

    def flaky(cfg, now, progress):
        if not failures:
            failures.append(now)
            raise OSError(28, "No space left on device")
        return real_sync(cfg, now, progress)

    daemon = daemon_for(config, fake, sync=flaky)
    fake.at(ny(2026, 6, 1, 8, 1), lambda: lines.extend(status_lines(load_config(config))))
    lines: list[str] = []
    daemon.run()
    assert daemon.runs == [ny(2026, 6, 1, 8, 0), ny(2026, 6, 1, 8, 15)]
    assert any("last sync failed" in line and "No space left on device" in line for line in lines)
    assert not any("last sync failed" in line for line in status_lines(load_config(config)))


def test_a_stop_during_the_fetch_stores_nothing_and_the_next_sync_is_whole(tmp_path):
    config = kb(tmp_path)
    fake = FakeTime(ny(2026, 6, 1, 8, 0), until=ny(2026, 6, 2, 0, 0))
    daemon = daemon_for(config, fake)

    def stopped_while_fetching(cfg, now, progress):
        daemon.request_stop("SIGTERM")      # arrives while the feeds are being fetched
        return real_sync(cfg, now, progress)

    daemon._sync = stopped_while_fetching
    assert daemon.run() == 0
    cfg = load_config(config)
    with Store(cfg.store_path) as store:
        assert store.last_run() is None and store.count_articles() == 0
    assert notes(cfg.vault.path) == []
    # the next start runs it again, whole
    fake = FakeTime(ny(2026, 6, 1, 8, 5), until=ny(2026, 6, 1, 8, 30))
    again = daemon_for(config, fake)
    again.run()
    assert again.runs == [ny(2026, 6, 1, 8, 5)]
    assert len(notes(cfg.vault.path)) == 3


def test_a_stop_after_the_fetch_lets_the_sync_finish(tmp_path):
    config = kb(tmp_path)
    fake = FakeTime(ny(2026, 6, 1, 8, 0), until=ny(2026, 6, 2, 0, 0))
    daemon = daemon_for(config, fake)

    def progress_spy(cfg, now, progress):
        def stop_at_notes(stage, done, total):
            if stage == "notes":
                daemon.request_stop("SIGTERM")
            progress(stage, done, total)
        return real_sync(cfg, now, stop_at_notes)

    daemon._sync = progress_spy
    daemon.run()
    cfg = load_config(config)
    with Store(cfg.store_path) as store:
        assert store.last_run() is not None
    assert len(notes(cfg.vault.path)) == 3
    for note in notes(cfg.vault.path):
        loads_note(note.read_text("utf-8"))
    assert daemon.runs == [ny(2026, 6, 1, 8, 0)]


def test_the_daemon_waits_for_a_manual_sync_holding_the_lock(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="kbsync.test.daemon")
    config = kb(tmp_path, extra="lock_timeout = 0")
    fake = FakeTime(ny(2026, 6, 1, 8, 0), until=ny(2026, 6, 1, 8, 20))
    daemon = daemon_for(config, fake)
    held = StoreLock(load_config(config).store_path, what="kbsync sync")
    assert held.try_acquire()
    fake.at(ny(2026, 6, 1, 8, 10), held.release)
    daemon.run()
    # busy at 08:00: skipped with a line naming the holder, tried again 15 minutes later
    assert daemon.runs == [ny(2026, 6, 1, 8, 15)]
    busy = [r.getMessage() for r in caplog.records if "sync skipped" in r.getMessage()]
    assert len(busy) == 1 and "kbsync sync" in busy[0] and "pid" in busy[0]



def test_daemon_config_defaults_and_one_line_errors(tmp_path):
    from sync.config import ConfigError

    config = make_config(tmp_path, [])
    cfg = load_config(config)
    assert (cfg.daemon.at, cfg.daemon.timezone, cfg.daemon.watch) == ("07:00", "Asia/Shanghai", True)
    assert cfg.daemon.log_file == tmp_path / ".kbsync" / "kbsync.log"
    for extra, message in [('[daemon]\nat = "7am"', "config.toml: daemon.at: '7am' does not match"),
                           ('[daemon]\nat = "24:00"', "config.toml: daemon.at: '24:00' does not match"),
                           ('[daemon]\ntimezone = "Mars/Olympus"',
                            "config.toml: daemon.timezone: unknown time zone 'Mars/Olympus'"),
                           ("[daemon]\nevery = 1", "config.toml: daemon: unknown key 'every'"),
                           ("[daemon]\ndebounce_seconds = 0", "config.toml: daemon.debounce_seconds: 0 is less than")]:
        make_config(tmp_path, [], extra=extra)
        with pytest.raises(ConfigError) as err:
            load_config(config)
        assert str(err.value).startswith(message) and "\n" not in str(err.value)


def test_logs_go_to_a_rotating_file_and_stderr_once_each(tmp_path):
    import io

    from sync.daemon.logs import setup_logging

    stream = io.StringIO()
    path = tmp_path / "logs" / "kbsync.log"
    setup_logging(path, stream=stream)
    log = setup_logging(path, stream=stream, max_bytes=400, backups=2)   # a reload replaces, never adds
    for i in range(30):
        log.getChild("daemon").info("line %02d of the daemon's log", i)
    assert stream.getvalue().count("line 29 of the daemon's log") == 1
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == ["kbsync.log", "kbsync.log.1", "kbsync.log.2"]
    assert all(p.stat().st_size <= 400 for p in path.parent.iterdir())
    assert "line 29" in path.read_text("utf-8") and "INFO kbsync.daemon: " in path.read_text("utf-8")
    for handler in list(log.handlers):
        log.removeHandler(handler)
        handler.close()
