"""The daemon and the lock as real processes: signals mid-sync, lock contention, one daemon per store.

Feeds are served by the local ``FeedServer``; a slow route keeps a sync in
its fetch while the test sends SIGTERM. Nothing is timed: the tests wait for
the server to see the request, or for a line in the daemon's log, with a
generous deadline.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sync.config import load_config
from sync.daemon.lock import LockBusy, StoreLock
from sync.store import Store
from sync.targets.obsidian.yamlfm import loads_note
from tests.feedserver import FeedServer, Static
from tests.test_e2e import kbsync, make_config, notes

ROOT = Path(__file__).resolve().parents[1]
DEADLINE = 60.0
ITEMS = 6


def rss(n: int) -> bytes:
    items = "".join(f"<item><title>Story {i} about agents</title><link>https://example.com/{i}</link>"
                    f"<pubDate>Mon, 23 Feb 2026 10:00:00 GMT</pubDate><description>Text {i} about agents "
                    f"and inference.</description></item>" for i in range(n))
    return f"<rss version='2.0'><channel><title>T</title>{items}</channel></rss>".encode()


class StallingFeed:
    """A feed whose response stops half way until ``release()``, then the connection closes.

    (``FeedServer``'s slow route keeps a keep-alive connection open after it
    stops, so a client would sit out its read timeout.)
    """

    def __init__(self, body: bytes):
        self.hit, self.released = threading.Event(), threading.Event()
        feed = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"     # one request per connection: returning closes it

            def do_GET(self) -> None:
                feed.hit.set()
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                feed.released.wait(DEADLINE)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/feed.xml"

    def release(self) -> None:
        self.released.set()

    def close(self) -> None:
        self.release()
        self.httpd.shutdown()
        self.httpd.server_close()


def start(*args: str, cwd: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("ANTHROPIC_API_KEY", "NOTION_TOKEN")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen([sys.executable, "-m", "sync.cli", *args], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen) -> None:
    """Kill the process if it still runs and close its pipes."""
    if proc.poll() is None:
        proc.kill()
    proc.communicate(timeout=DEADLINE)


def wait_for(check, what: str, proc: subprocess.Popen | None = None):
    end = time.monotonic() + DEADLINE
    while not (value := check()):
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"process ended ({proc.returncode}) before {what}: {proc.stderr.read()}")
        if time.monotonic() > end:
            raise AssertionError(f"not within {DEADLINE:g} s: {what}")
        time.sleep(0.05)
    return value


def log_text(tmp_path: Path) -> str:
    path = tmp_path / ".kbsync" / "kbsync.log"
    return path.read_text("utf-8") if path.exists() else ""


def every_note_parses_once_per_article(config: Path) -> None:
    cfg = load_config(config)
    with Store(cfg.store_path) as store:
        articles = store.count_articles()
    ids = [loads_note(p.read_text("utf-8"))[0]["kb_id"] for p in notes(cfg.vault.path)]
    assert articles == ITEMS and len(ids) == articles == len(set(ids))
    assert not list(cfg.vault.path.rglob(".*kbsync-tmp"))


def test_sigterm_mid_sync_exits_cleanly_and_the_next_sync_is_whole(tmp_path):
    kbsync("init", str(tmp_path / "vault"))
    slow = StallingFeed(rss(ITEMS))
    try:
        config = make_config(tmp_path, [(slow.url, "Slow Feed")], extra="[daemon]\nwatch = true")
        daemon = start("daemon", "--config", str(config), cwd=tmp_path)
        try:
            # the response stalls half way until released: the sync is surely mid-fetch
            wait_for(slow.hit.is_set, "the daemon's sync fetching the slow feed", daemon)
            daemon.send_signal(signal.SIGTERM)
            wait_for(lambda: "stopping (SIGTERM)" in log_text(tmp_path), "the daemon taking the signal", daemon)
            slow.release()                   # the fetch in flight returns (cut short)
            assert daemon.wait(DEADLINE) == 0, daemon.stderr.read()
        finally:
            finish(daemon)
    finally:
        slow.close()
    log = log_text(tmp_path)
    assert "sync stopped before storing anything" in log and "kbsync daemon stopped" in log
    with Store(load_config(config).store_path) as store:
        assert store.last_run() is None and store.count_articles() == 0 and store.feed_states() == {}
    with FeedServer() as server:
        url = server.add("/feed.xml", Static(rss(ITEMS)))
        config = make_config(tmp_path, [(url, "Feed")], extra="[daemon]\nwatch = true")
        result = kbsync("sync", "--config", str(config))
        assert f"{ITEMS} articles scanned" in result.output
    every_note_parses_once_per_article(config)


def test_a_running_daemon_shows_in_status_refuses_a_twin_and_stops_on_sigint(tmp_path):
    with FeedServer() as server:
        url = server.add("/feed.xml", Static(rss(ITEMS)))
        config = make_config(tmp_path, [(url, "Feed")], extra='[daemon]\nat = "07:00"')
        kbsync("init", str(tmp_path / "vault"))
        daemon = start("daemon", "--config", str(config), cwd=tmp_path)
        try:
            wait_for(lambda: "next sync at" in log_text(tmp_path), "the first sync done", daemon)
            # the reader marks a note read: the daemon's watcher records it
            note = notes(tmp_path / "vault")[0]
            note.write_text(note.read_text("utf-8").replace("kb_id:", "status: read\nkb_id:"), "utf-8")
            wait_for(lambda: "reader edit in" in log_text(tmp_path), "the status edit recorded", daemon)
            status = kbsync("status", "--config", str(config)).output
            assert f"daemon: running (pid {daemon.pid})" in status
            assert "reader status: read 1" in status and "reader edits recorded: 1" in status
            twin = start("daemon", "--config", str(config), cwd=tmp_path)
            out, err = twin.communicate(timeout=DEADLINE)
            assert twin.returncode == 1
            assert err.strip().splitlines() == [
                f"kbsync: error: a kbsync daemon already runs for {load_config(config).store_path} (pid {daemon.pid})"]
            daemon.send_signal(signal.SIGINT)
            assert daemon.wait(DEADLINE) == 0
            assert "kbsync: error" not in daemon.stderr.read()
        finally:
            finish(daemon)
    every_note_parses_once_per_article(config)
    assert "daemon: not running" in kbsync("status", "--config", str(config)).output


def test_a_second_sync_fails_with_the_holders_pid_or_waits_for_it(tmp_path):
    with FeedServer() as server:
        url = server.add("/feed.xml", Static(rss(ITEMS)))
        config = make_config(tmp_path, [(url, "Feed")], extra="[daemon]\nlock_timeout = 0")
        kbsync("init", str(tmp_path / "vault"))
        cfg = load_config(config)
        holder = StoreLock(cfg.store_path, what="kbsync daemon")
        assert holder.try_acquire()
        try:
            refused = kbsync("sync", "--config", str(config), ok=False)
            assert refused.exit_code == 1
            assert f"another sync is running on {cfg.store_path} (pid {os.getpid()}, kbsync daemon)" in refused.output
            # with a timeout, a sync in another process waits, says for whom, and runs once the lock is free
            config.write_text(config.read_text("utf-8").replace("lock_timeout = 0", "lock_timeout = 120"), "utf-8")
            waiting = start("sync", "--config", str(config), cwd=tmp_path)
            line = waiting.stderr.readline()
            assert line.startswith(f"kbsync: waiting for pid {os.getpid()} (kbsync daemon) to release the store")
            assert waiting.poll() is None
        finally:
            holder.release()
        out, _ = waiting.communicate(timeout=DEADLINE)
        assert waiting.returncode == 0 and f"{ITEMS} articles scanned" in out
    every_note_parses_once_per_article(config)


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    store = tmp_path / ".kbsync" / "state.db"
    code = ("import sys, time; from pathlib import Path; from sync.daemon.lock import StoreLock; "
            f"lock = StoreLock(Path({str(store)!r}), what='kbsync sync'); assert lock.try_acquire(); "
            "print('held', flush=True); time.sleep(120)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        mine = StoreLock(store)
        try:
            mine.acquire(0)
        except LockBusy as exc:
            assert exc.pid == proc.pid and f"pid {proc.pid}, kbsync sync" in str(exc)
        else:
            raise AssertionError("the lock was free while held")
        proc.send_signal(signal.SIGKILL)
        proc.wait(DEADLINE)
        mine.acquire(DEADLINE)       # the kernel dropped the dead holder's lock
        assert mine.held
        mine.release()
    finally:
        finish(proc)
