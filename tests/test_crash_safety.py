"""Crash safety: ``kbsync sync`` killed with SIGKILL at random moments, then run again.

The run under test is a real ``kbsync sync`` process (``python -m sync.cli``,
the console script's module) over the example feeds plus a 2,000-article
synthetic feed, killed with SIGKILL at seeded random moments and started
again each time, the way a crash, an OOM kill or a pulled plug would
hit it. The whole process group is killed, so the parse workers die with it.
Between runs the world moves on as it does for a real reader: a small "daily"
feed gains items and revises some, and the reader edits a few notes (status,
rating, an own tag, a line of their own below kbsync's block).

Afterwards, and after one uninterrupted run:

* exactly one note per article (kb_ids across the vault: none missing, none twice);
* every note parses (python-frontmatter and ``render.yamlfm``), and every note
  seen between runs was whole (atomic writes: old or new, never half);
* every reader edit is intact;
* every article is on its daily page with its current score, every daily
  and weekly page is what a fresh render gives (none left stale, none frozen
  as if the reader had edited it), and every article has been indexed for
  related links;
* ``PRAGMA integrity_check`` is ok; no temporary file is left in the vault;
* one more run writes nothing.

The same proof runs with the Notion target on (``targets(emu)``: a
``[notion]`` table pointing at ``tests/notion_emulator``, ``NOTION_TOKEN`` for
the killed processes): afterwards exactly one Articles page per article in
the emulator too, and the last run sends Notion no write.

Runtime: every kill costs a fresh interpreter and part of a run, so
``make test`` kills ``KILLS`` (10) times, and ``NOTION_KILLS`` (6) with Notion
on; the full 30-kill proof is ``bench/bench_crash.py`` (part of ``make
bench-all``, ``--notion`` for both targets), the same function with
``kills=30``. ``-m "not slow"`` skips the SIGKILL test in a quick loop.
The tests after it stop a run at each window between two commits on
purpose, in-process, so every window is covered in every ``make test``.
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import frontmatter
import pytest

from sync.targets.obsidian.yamlfm import loads_note
from tests.hostile.synthetic import synthetic_rss
from tests.notion_emulator import NotionEmulator

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "feeds"
KILLS = 10
NOTION_KILLS = 6
SEED = 20260207
SYNTHETIC = 2000
TEMP_MARK = ".kbsync-tmp"
DAILY_ITEM = re.compile(r"^### \d+\. \[\[([^\]|]+)\|.*\n.*\*\*(\d+)\*\*", re.M)   # numbered heading + its score line
DAILY_ALSO = re.compile(r"^- also: \[\[([^\]|]+)\|", re.M)                      # the same story, another source


def vault_notes(vault: Path) -> dict[str, list[Path]]:
    """kb_id -> the article notes carrying it (more than one would be a duplicate)."""
    found: dict[str, list[Path]] = {}
    for path in sorted((vault / "Articles").rglob("*.md")):
        props, _ = loads_note(path.read_text("utf-8"))
        found.setdefault(props["kb_id"], []).append(path)
    return found


def whole(text: str) -> bool:
    """A complete note: closed frontmatter, one kbsync block, the tail of a written note."""
    return (text.startswith("---\n") and "\n---\n" in text[4:] and text.count("%% kbsync:begin %%") == 1
            and text.count("%% kbsync:end %%") == 1)


def temp_files(vault: Path) -> list[Path]:
    return [p for p in vault.rglob("*") if TEMP_MARK in p.name] if vault.exists() else []


# -- the targets under test: each one's page count per kb_id ---------------------------------
def obsidian_pages(tmp_path: Path) -> Counter[str]:
    return Counter({k: len(v) for k, v in vault_notes(tmp_path / "vault").items()})


def notion_pages(emu: NotionEmulator) -> Counter[str]:
    """KB IDs of the Articles pages in the emulator (trashed ones excluded)."""
    sources = [d for d in emu.data_sources() if "".join(t["plain_text"] for t in d["title"]) == "Articles"]
    if not sources:
        return Counter()
    assert len(sources) == 1, "a second Articles data source"
    return Counter("".join(t["plain_text"] for t in p["properties"]["KB ID"]["rich_text"])
                   for p in emu.pages(sources[0]["id"]))


@dataclass
class Targets:
    """What the runs under test write to: the vault, and the Notion emulator when given."""

    pages: dict[str, Callable[[Path], Counter[str]]]
    env: dict[str, str] = field(default_factory=dict)     # for the killed processes
    config: str = ""                                       # more config tables
    emu: NotionEmulator | None = None


def targets(emu: NotionEmulator | None = None) -> Targets:
    if emu is None:
        return Targets({"obsidian": obsidian_pages})
    parent = emu.add_page("kbsync")
    return Targets({"obsidian": obsidian_pages, "notion": lambda _: notion_pages(emu)},
                   env={"NOTION_TOKEN": emu.token}, emu=emu,
                   config=f'\n[notion]\nparent_page = "{parent}"\nbase_url = "{emu.base_url}"\n'
                          "requests_per_second = 1000\nretry_wait = 0.02\n")


# -- the world between runs --------------------------------------------------------------------
def write_daily_feed(path: Path, round_: int) -> None:
    """A small feed that gains 5 items a round and rewrites the 10 before them (a busy news day)."""
    path.write_bytes(synthetic_rss(5 * (round_ + 1), key="daily", seed=SEED, host="daily.example",
                                   version=lambda i: round_ if i >= 5 * round_ - 10 else 0))


def edit_notes(vault: Path, rng: random.Random, edits: dict[str, dict], count: int) -> None:
    """The reader edits ``count`` notes not edited before, as Obsidian would save them."""
    candidates = sorted(p for p in (vault / "Articles").rglob("*.md")) if (vault / "Articles").exists() else []
    rng.shuffle(candidates)
    for path in candidates:
        if count == 0:
            return
        text = path.read_text("utf-8")
        assert whole(text), f"half-written note {path}"
        kb_id = loads_note(text)[0]["kb_id"]
        if kb_id in edits:
            continue
        n = len(edits)
        mine = {"status": "read" if n % 2 else "later", "rating": n % 5 + 1, "tag": f"mine-{n}",
                "line": f"Reader's own line {n} for {kb_id}."}
        text = text.replace("\nkb_id:", f"\nstatus: {mine['status']}\nrating: {mine['rating']}\nkb_id:", 1)
        if "\ntags: []\n" in text:
            text = text.replace("\ntags: []\n", f"\ntags:\n  - {mine['tag']}\n", 1)
        else:
            text = text.replace("\ntags:\n", f"\ntags:\n  - {mine['tag']}\n", 1)
        path.write_text(text.rstrip("\n") + f"\n\n{mine['line']}\n", "utf-8")
        edits[kb_id] = mine
        count -= 1


def kbsync_sync(tmp_path: Path, config: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sync.cli", "sync", "--config", str(config)],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, **env},
                            start_new_session=True)   # its own process group: workers die with it


def make_config(tmp_path: Path, extra: str = "") -> Path:
    text = (ROOT / "config.toml").read_text("utf-8").replace('"examples/feeds/', f'"{EXAMPLES}/')
    text = text.replace('backend = "auto"', 'backend = "heuristic"')
    # the synthetic archive spans more than the default digest window: every day keeps its digest
    text = text.replace("digest_days = 31", "digest_days = 3650").replace("digest_weeks = 12", "digest_weeks = 520")
    text += '\n[[feeds]]\nurl = "synthetic.xml"\nname = "Synthetic"\n\n[[feeds]]\nurl = "daily.xml"\nname = "Daily"\n'
    text += extra
    path = tmp_path / "config.toml"
    path.write_text(text, "utf-8")
    return path


def _creates_reach(emu: NotionEmulator, more: int) -> Callable[[], bool]:
    def count() -> int:
        return sum(r.method == "POST" and r.path == "/v1/pages" for r in emu.requests)
    target = count() + more
    return lambda: count() >= target


def _articles(tmp_path: Path) -> int:
    """Articles in the store (0 before the first run stored any)."""
    db = tmp_path / ".kbsync" / "state.db"
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        try:
            return conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        except sqlite3.OperationalError:   # killed before the schema was made
            return 0


def _killed(proc: subprocess.Popen, delay: float, trigger: Callable[[], bool] | None) -> bool:
    """SIGKILL the run's process group after ``delay`` s or once ``trigger()``; False if it ended first."""
    end = time.monotonic() + delay
    while proc.poll() is None:
        if time.monotonic() >= end or (trigger is not None and trigger()):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return True
        time.sleep(0.005)
    return False


def crash_and_recover(tmp_path: Path, kills: int, seed: int, where: Targets | None = None) -> dict[str, float]:
    """Kill ``kills`` runs at random moments, then finish; returns what happened."""
    where = where or targets()
    config = make_config(tmp_path, where.config)
    vault = tmp_path / "vault"
    (tmp_path / "synthetic.xml").write_bytes(synthetic_rss(SYNTHETIC, seed=seed))
    rng = random.Random(seed)
    edits: dict[str, dict] = {}
    stats: Counter[str] = Counter()
    # kill moments are uniform over a horizon that follows the runs: 1.3x the last run that
    # finished, stretched a little after every kill so that some runs finish (and recover)
    horizon = 4.0
    missed = False
    started = time.monotonic()
    while stats["kills"] < kills:
        assert stats["runs"] < 4 * kills, "runs keep finishing before the kill: horizon too short"
        write_daily_feed(tmp_path / "daily.xml", stats["runs"])
        edit_notes(vault, rng, edits, 4)
        delay = rng.uniform(0.05, horizon)
        # with Notion on, every other kill lands while pages are being created: after a random
        # number of page creates the emulator has answered (a moment chosen by progress, not time).
        # Counted by kills, not runs: a run that finishes before its kill moment (a busy machine)
        # must not shift which kills are the Notion ones. A Notion run that ended before its
        # trigger (it had fewer pages to create) is followed by one killed at its first create;
        # and a trigger never waits for more creates than the run has to make: how far a timed
        # run gets (so what is left for the next) depends on the machine's speed
        trigger = None
        if where.emu is not None and stats["kills"] % 2:
            backlog = _articles(tmp_path) + 5 - sum(notion_pages(where.emu).values())
            more = 1 if missed else rng.randint(1, max(1, min(300, backlog)))
            delay, trigger = 600.0, _creates_reach(where.emu, more)
        t0 = time.monotonic()
        proc = kbsync_sync(tmp_path, config, where.env)
        stats["runs"] += 1
        missed = False
        if _killed(proc, delay, trigger):
            stats["kills"] += 1
            stats["kills inside the Notion stage"] += trigger is not None
            horizon *= 1.2
            stats["temp files left by a kill"] += len(temp_files(vault))
        else:
            err = proc.stderr.read()
            assert proc.returncode == 0, err.decode()
            horizon = max(1.0, 1.3 * (time.monotonic() - t0))
            stats["finished"] += 1
            missed = trigger is not None
        for path in (vault / "Articles").rglob("*.md") if (vault / "Articles").exists() else ():
            assert whole(path.read_text("utf-8")), f"half-written note after a kill: {path}"
    stats["kill seconds"] = round(time.monotonic() - started, 1)
    if where.emu is not None:
        # how far the killed runs got in Notion: the proof needs kills inside that stage
        stats["notion pages before recovery"] = sum(notion_pages(where.emu).values())
    for _ in range(2):   # the recovering run, then one that must find nothing to do
        if where.emu is not None:
            where.emu.clear_log()
        final = subprocess.run([sys.executable, "-m", "sync.cli", "sync", "--config", str(config)],
                               cwd=tmp_path, capture_output=True, text=True, env={**os.environ, **where.env})
        assert final.returncode == 0, final.stderr
    assert "notes: none to write; rollups: none to write" in final.stdout, final.stdout
    if where.emu is not None:
        assert "notion: nothing to send" in final.stdout and where.emu.writes() == [], final.stdout
    stats["edits"] = len(edits)
    check_invariants(tmp_path, edits, where)
    return dict(stats)


def check_invariants(tmp_path: Path, edits: dict[str, dict], where: Targets) -> None:
    vault = tmp_path / "vault"
    with sqlite3.connect(tmp_path / ".kbsync" / "state.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        articles = {r[0] for r in conn.execute("SELECT kb_id FROM articles")}
        scores = dict(conn.execute("SELECT kb_id, score FROM scores").fetchall())
        indexed = {r[0] for r in conn.execute("SELECT kb_id FROM link_docs")}
    assert len(articles) >= SYNTHETIC + 78
    # exactly one page per article in every target
    for name, pages in where.pages.items():
        counted = pages(tmp_path)
        assert set(counted) == articles, f"{name}: missing {len(articles - set(counted))}, " \
                                         f"strangers {len(set(counted) - articles)}"
        assert not {k: n for k, n in counted.items() if n != 1}, f"{name}: duplicates"
    assert temp_files(vault) == []
    notes = {k: v[0] for k, v in vault_notes(vault).items()}
    for path in vault.rglob("*.md"):
        text = path.read_text("utf-8")
        post = frontmatter.loads(text)        # the reference reader agrees with ours
        props, _ = loads_note(text)
        assert post.metadata.keys() == props.keys()
    for kb_id, mine in edits.items():
        props, body = loads_note(notes[kb_id].read_text("utf-8"))
        assert (props.get("status"), props.get("rating")) == (mine["status"], mine["rating"]), kb_id
        assert mine["tag"] in props["tags"], f"{kb_id}: the reader's tag was lost"
        assert mine["line"] in body and body.count("%% kbsync:end %%") == 1, kb_id
    # derived data is not left stale: every article on its daily page with its score, and indexed;
    # every daily and weekly page is what a fresh render gives (none frozen as the reader's)
    check_daily_pages(vault, notes, scores)
    from sync.config import load_config
    check_digests_are_current(load_config(tmp_path / "config.toml"))
    assert indexed == articles


def check_daily_pages(vault: Path, notes: dict[str, Path], scores: dict[str, int]) -> None:
    """Every article is on a daily page once: as a heading with its current score, or as another
    source of a story listed there."""
    headed: dict[str, int] = {}
    listed: list[str] = []      # every listing, so an article on two days counts twice
    for page in (vault / "Daily").glob("*.md"):
        text = page.read_text("utf-8")
        items = [(stem, int(score)) for stem, score in DAILY_ITEM.findall(text)]
        headed.update(items)
        listed += [stem for stem, _ in items] + DAILY_ALSO.findall(text)
    assert sorted(listed) == sorted(notes[k].stem for k in scores)
    assert headed == {notes[k].stem: s for k, s in scores.items() if notes[k].stem in headed}


@pytest.mark.slow
@pytest.mark.parametrize("kills", [KILLS])
def test_sigkill_at_random_moments_loses_nothing_and_duplicates_nothing(tmp_path, kills):
    stats = crash_and_recover(tmp_path, kills, SEED)
    print(f"\ncrash safety: {stats}")
    assert stats["kills"] == kills


@pytest.mark.slow
def test_sigkill_with_notion_on_leaves_one_page_per_article_in_both_targets(tmp_path):
    with NotionEmulator(token="secret_crash", rate=None) as emu:
        stats = crash_and_recover(tmp_path, NOTION_KILLS, SEED + 1, targets(emu))
    print(f"\ncrash safety with Notion: {stats}")
    assert stats["kills"] == NOTION_KILLS
    assert stats["kills inside the Notion stage"] == NOTION_KILLS // 2


# -- the windows between two commits, hit on purpose -----------------------------------------
# A kill lands between two stages only by luck; these tests stop a run at a chosen point
# (an exception that nothing in kbsync catches, as a kill would be), then run again. SQLite
# keeps what was committed, the vault keeps what was renamed: the state a SIGKILL leaves.
class Killed(BaseException):
    """Stands for SIGKILL at a chosen point."""


def day_feed(path: Path, version: int, extra: int = 0) -> None:
    """Twelve items on two days; ``version`` changes every text, ``extra`` adds items."""
    path.write_bytes(synthetic_rss(12 + extra, key="win", seed=1, version=version, revise=1,
                                   spacing=timedelta(hours=4)))


def run(cfg):
    from sync.pipeline import run_sync
    return run_sync(cfg, env={})


def in_process_config(tmp_path: Path):
    from sync.config import load_config
    (tmp_path / "config.toml").write_text('[vault]\npath = "vault"\n[scoring]\nbackend = "heuristic"\n'
                                          '[[feeds]]\nurl = "feed.xml"\nname = "Win"\n', "utf-8")
    return load_config(tmp_path / "config.toml")


def kill_at(monkeypatch, owner, name: str, call: int = 1) -> None:
    """Make the ``call``-th call of ``owner.name`` die before it does anything."""
    real, calls = getattr(owner, name), []

    def dying(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise Killed(name)
        return real(*args, **kwargs)
    monkeypatch.setattr(owner, name, dying)


@pytest.mark.parametrize("stored_first, killed", [(False, ("update_links", 1)), (True, ("update_links", 1)),
                                                   (True, ("remember", 2))],
                         ids=["same-run", "stored-by-an-earlier-run", "leftovers-scored-then-killed"])
def test_killed_after_scoring_before_linking_links_on_the_next_run(tmp_path, monkeypatch, stored_first, killed):
    """``leftovers-scored-then-killed``: the next run scores the stored articles as leftovers,
    saves their scores and dies before it notes them as its work (``remember``'s second call):
    a third run had nothing to take up, and they were never linked (the SIGKILL test's
    "indexed == articles")."""
    import sync.pipeline

    cfg = in_process_config(tmp_path)
    day_feed(tmp_path / "feed.xml", 0)
    if stored_first:
        # the articles are stored, then the run dies: the next run scores them as leftovers
        kill_at(monkeypatch, sync.pipeline, "project")
        with pytest.raises(Killed):
            run(cfg)
        monkeypatch.undo()
    kill_at(monkeypatch, sync.pipeline, *killed)
    with pytest.raises(Killed):
        run(cfg)
    monkeypatch.undo()
    run(cfg)
    with sqlite3.connect(cfg.store_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM link_docs").fetchone()[0] == 12
    related = [loads_note(p.read_text("utf-8"))[0]["related"] for p in (tmp_path / "vault" / "Articles").rglob("*.md")]
    assert len(related) == 12 and all(related)


@pytest.mark.parametrize("call", [1, 2], ids=["notes", "rollups"])
def test_killed_after_writing_before_recording_leaves_no_false_conflict(tmp_path, monkeypatch, call):
    """Pages renamed into place but not recorded are not taken for the reader's edits."""
    from sync.targets.obsidian.view import ObsidianView

    cfg = in_process_config(tmp_path)
    day_feed(tmp_path / "feed.xml", 0)
    run(cfg)
    day_feed(tmp_path / "feed.xml", 1)             # every text changes: notes and digests are rewritten
    kill_at(monkeypatch, ObsidianView, "_save", call)
    with pytest.raises(Killed):
        run(cfg)
    monkeypatch.undo()
    day_feed(tmp_path / "feed.xml", 2, extra=2)    # and the world moves on before the next run
    result = run(cfg)
    assert result.problems == []
    assert "conflict" not in result.notes and "conflict" not in result.pages
    check_pages_are_current(tmp_path)


def check_pages_are_current(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    with sqlite3.connect(tmp_path / ".kbsync" / "state.db") as conn:
        scores = dict(conn.execute("SELECT kb_id, score FROM scores").fetchall())
    notes = {k: v[0] for k, v in vault_notes(vault).items()}
    assert set(notes) == set(scores)
    for kb_id, path in notes.items():
        props, body = loads_note(path.read_text("utf-8"))
        assert props["score"] == scores[kb_id] and re.search(r" v2\\?\.", body), path
    check_daily_pages(vault, notes, scores)


def test_a_new_note_written_but_not_recorded_keeps_the_readers_edits(tmp_path, monkeypatch):
    from sync.targets.obsidian.view import ObsidianView

    cfg = in_process_config(tmp_path)
    day_feed(tmp_path / "feed.xml", 0)
    kill_at(monkeypatch, ObsidianView, "_save")
    with pytest.raises(Killed):
        run(cfg)
    monkeypatch.undo()
    edits: dict[str, dict] = {}
    edit_notes(tmp_path / "vault", random.Random(3), edits, 3)
    day_feed(tmp_path / "feed.xml", 1)
    run(cfg)
    notes = vault_notes(tmp_path / "vault")
    assert len(notes) == 12 and all(len(v) == 1 for v in notes.values())
    for kb_id, mine in edits.items():
        props, body = loads_note(notes[kb_id][0].read_text("utf-8"))
        assert props["status"] == mine["status"] and props["rating"] == mine["rating"]
        assert mine["tag"] in props["tags"] and mine["line"] in body and re.search(r" v1\\?\.", body)


def test_temp_files_left_by_a_killed_write_are_removed_by_the_next(tmp_path):
    cfg = in_process_config(tmp_path)
    day_feed(tmp_path / "feed.xml", 0)
    run(cfg)
    vault = tmp_path / "vault"
    leftovers = [vault / "Daily" / f".2020-01-01.md{TEMP_MARK}",          # a folder the next run writes to
                 vault / "Articles" / "1999" / f".gone.md{TEMP_MARK}",   # one it never writes to again
                 next((vault / "Articles").rglob("*.md")).with_name(f".x.md{TEMP_MARK}")]
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("half a note", "utf-8")
    keep = vault / "Daily" / ".reader-file.md"                  # a hidden file that is not ours stays
    keep.write_text("mine", "utf-8")
    day_feed(tmp_path / "feed.xml", 1)
    run(cfg)
    assert temp_files(vault) == [] and keep.read_text("utf-8") == "mine"


# -- the windows around the digests: derived pages are never left stale ----------------------
def check_digests_are_current(cfg) -> None:
    """Every daily and weekly page holds exactly the block a fresh render of the store gives
    (a page frozen as "edited by the reader", or one still listing an article that left its day,
    fails here), and every article is on its day's page."""
    from sync.store import Store
    from sync.targets.obsidian.merge import read_note, region_hash, split_body
    from sync.targets.obsidian.view import ObsidianView

    with Store(cfg.store_path) as store:
        view = ObsidianView(cfg, store, dry_run=True)
        pages = {k: r for k, r in view.records.items() if r.state == "present" and k.startswith(("daily-", "weekly-"))}
        assert any(k.startswith("daily-") for k in pages) and any(k.startswith("weekly-") for k in pages)
        for key, record in pages.items():
            doc = view.daily(date.fromisoformat(key.removeprefix("daily-"))) if key.startswith("daily-") \
                else view.weekly(key.removeprefix("weekly-"))
            block = split_body(read_note((cfg.vault.path / record.path).read_text("utf-8"))[1])[1]
            assert block is not None and region_hash(block) == region_hash(doc.region), f"{record.path} is stale"
        scores = {k: s.score for k, s in store.scores().items()}
    check_daily_pages(cfg.vault.path, {k: v[0] for k, v in vault_notes(cfg.vault.path).items()}, scores)


def story_feed(path: Path, *, moved: bool = False, category: str = "alpha") -> None:
    """Six stories on Monday 2026-01-05 and Tuesday; ``moved``: the feed re-dates the first one
    to the next Monday (another day, another week); ``category``: its feed category (a tag, and a
    word of its text)."""
    items = []
    for i in range(6):
        when = datetime(2026, 1, 5 + i // 3, 9 + i, tzinfo=timezone.utc)
        if moved and i == 0:
            when = datetime(2026, 1, 12, 9, tzinfo=timezone.utc)
        items.append(f"<item><title>Story {i} on agents and inference</title><link>https://stories.example/{i}</link>"
                     f"<guid>story-{i}</guid><pubDate>{format_datetime(when)}</pubDate>"
                     f"<category>{category if i == 0 else 'misc'}</category>"
                     f"<description>The text of story {i} ({category if i == 0 else 'misc'}): agents, inference "
                     "and evaluation.</description></item>")
    path.write_text("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Stories</title>"
                    "<link>https://stories.example/</link>" + "".join(items) + "</channel></rss>", "utf-8")


@pytest.mark.parametrize("killed", [False, True], ids=["one-run", "killed-after-catch-up"])
def test_a_readers_tag_edit_does_not_freeze_the_digests_of_its_day(tmp_path, monkeypatch, killed):
    """The reader tags notes between runs while their days gain articles. The run's catch-up
    rolls those days up for the edits (through a view of its own) before the run writes them
    with the new articles; the run must merge from the records catch-up left, not take its
    write for the reader's edit of the block and freeze the page for good (the SIGKILL test's
    daily pages once missed every later article of a day, and a run said "none to write")."""
    from sync.targets.obsidian.projection import VaultProjection

    cfg = in_process_config(tmp_path)
    day_feed(tmp_path / "feed.xml", 0)
    run(cfg)
    edits: dict[str, dict] = {}
    edit_notes(tmp_path / "vault", random.Random(5), edits, 12)   # every note: both days, the week
    day_feed(tmp_path / "feed.xml", 1, extra=4)                    # and both days gain articles
    if killed:
        # catch-up has rolled the days up for the edits; the run dies before it writes anything
        kill_at(monkeypatch, VaultProjection, "write")
        with pytest.raises(Killed):
            run(cfg)
        monkeypatch.undo()
    result = run(cfg)
    assert result.problems == [] and "conflict" not in result.pages, result.problems
    check_digests_are_current(cfg)
    day_feed(tmp_path / "feed.xml", 2, extra=6)
    result = run(cfg)
    assert result.problems == [] and "conflict" not in result.pages, result.problems
    check_pages_are_current(tmp_path)
    check_digests_are_current(cfg)
    notes = vault_notes(tmp_path / "vault")
    for kb_id, mine in edits.items():
        assert mine["tag"] in loads_note(notes[kb_id][0].read_text("utf-8"))[0]["tags"]
    assert not run(cfg).pages


def test_killed_after_a_readers_tag_edit_was_journaled_its_digests_still_show_it(tmp_path, monkeypatch):
    """Catch-up records the reader's tag edits in the journal, then rolls their days up. A run
    killed between the two must not leave those digests without the reader's tags for good: the
    next catch-up finds the edits journaled already (nothing new), so the days are owed first."""
    from sync.targets.obsidian.view import ObsidianView

    cfg = in_process_config(tmp_path)
    day_feed(tmp_path / "feed.xml", 0)
    run(cfg)
    edits: dict[str, dict] = {}
    edit_notes(tmp_path / "vault", random.Random(7), edits, 3)
    kill_at(monkeypatch, ObsidianView, "sync_rollups")     # the first: catch-up's, after the journal
    with pytest.raises(Killed):
        run(cfg)
    monkeypatch.undo()
    result = run(cfg)
    assert result.problems == [], result.problems
    check_digests_are_current(cfg)
    daily = "".join(p.read_text("utf-8") for p in (tmp_path / "vault" / "Daily").glob("*.md"))
    assert all(f"#{mine['tag']}" in daily for mine in edits.values())
    assert not run(cfg).pages


@pytest.mark.parametrize("killed", [False, True], ids=["one-run", "killed-after-notes"])
def test_an_article_the_feed_redates_leaves_its_old_day_and_week(tmp_path, monkeypatch, killed):
    """The feed moves a story to another day and week. Its old day's and week's digests must
    stop listing it, also when the run is killed after the notes were written and recorded
    (the note's record then says the new day: the old one is owed in the store before)."""
    from sync.targets.obsidian.view import ObsidianView

    cfg = in_process_config(tmp_path)
    story_feed(tmp_path / "feed.xml")
    run(cfg)
    story_feed(tmp_path / "feed.xml", moved=True)
    if killed:
        kill_at(monkeypatch, ObsidianView, "sync_rollups")
        with pytest.raises(Killed):
            run(cfg)
        monkeypatch.undo()
        assert vault_notes(tmp_path / "vault")   # the notes were written and recorded
    result = run(cfg)
    assert result.problems == []
    check_digests_are_current(cfg)
    daily = tmp_path / "vault" / "Daily"
    assert "Story 0 " not in (daily / "2026-01-05.md").read_text("utf-8")
    assert "Story 0 " in (daily / "2026-01-12.md").read_text("utf-8")
    assert "Story 0 " not in (tmp_path / "vault" / "Weekly" / "2026-W02.md").read_text("utf-8")
    assert not run(cfg).pages


def test_a_note_a_killed_run_wrote_is_not_taken_for_the_readers_edit(tmp_path, monkeypatch):
    """A killed run rewrote a note (its tags changed) but did not record it. The next run's
    catch-up reads notes saved since the last finished run: it must bring the record forward
    first (the write-ahead journal), not record kbsync's own new tags as the reader's edit
    (which would then add a tag kbsync dropped to the digests and Notion for good)."""
    from sync.targets.obsidian.view import ObsidianView

    cfg = in_process_config(tmp_path)
    story_feed(tmp_path / "feed.xml", category="alpha")
    run(cfg)
    story_feed(tmp_path / "feed.xml", category="beta")
    kill_at(monkeypatch, ObsidianView, "_save")       # the notes are renamed into place, not recorded
    with pytest.raises(Killed):
        run(cfg)
    monkeypatch.undo()
    story_feed(tmp_path / "feed.xml", category="gamma")   # the world moves on before the next run
    result = run(cfg)
    assert result.problems == [] and "conflict" not in result.notes, result.problems
    with sqlite3.connect(cfg.store_path) as conn:
        assert conn.execute("SELECT kb_id, property, value FROM reader_changes").fetchall() == []
    first = next(p for p in (tmp_path / "vault" / "Articles").rglob("*Story 0*.md"))
    tags = loads_note(first.read_text("utf-8"))[0]["tags"]
    assert "gamma" in tags and "beta" not in tags
    assert "#beta" not in (tmp_path / "vault" / "Daily" / "2026-01-05.md").read_text("utf-8")
    check_digests_are_current(cfg)


def test_killed_after_storing_revised_articles_rewrites_their_notes(tmp_path, monkeypatch):
    """The feed revised every article; the run stored them and died before recording its work.
    The next run finds the store unchanged against the feed and scores the revised texts as
    leftovers: every note must show the new text, even where the score came out the same."""
    import sync.pipeline

    cfg = in_process_config(tmp_path)
    day_feed(tmp_path / "feed.xml", 0)
    run(cfg)
    day_feed(tmp_path / "feed.xml", 2)
    kill_at(monkeypatch, sync.pipeline, "project")
    with pytest.raises(Killed):
        run(cfg)
    monkeypatch.undo()
    assert run(cfg).problems == []
    check_pages_are_current(tmp_path)
    check_digests_are_current(cfg)


@pytest.mark.parametrize("killed", [False, True], ids=["one-run", "killed-after-article-pages"])
def test_notion_an_article_the_feed_redates_leaves_its_old_weekly_page(tmp_path, monkeypatch, killed):
    """The same in Notion: the Weekly page of the story's old week stops relating it, also when
    the run dies after the Articles pages were sent and before the Weekly pages were."""
    from sync.config import load_config
    from sync.pipeline import run_sync
    from sync.targets.notion.view import NotionView

    with NotionEmulator(token="secret_owed", rate=None) as emu:
        where = targets(emu)
        (tmp_path / "config.toml").write_text('[scoring]\nbackend = "heuristic"\n[[feeds]]\nurl = "feed.xml"\n'
                                              'name = "Stories"\n' + where.config, "utf-8")
        cfg = load_config(tmp_path / "config.toml")
        story_feed(tmp_path / "feed.xml")
        run_sync(cfg, env=where.env)
        story_feed(tmp_path / "feed.xml", moved=True)
        if killed:
            kill_at(monkeypatch, NotionView, "sync_weeks")
            with pytest.raises(Killed):
                run_sync(cfg, env=where.env)
            monkeypatch.undo()
        result = run_sync(cfg, env=where.env)
        assert result.failures == [] and result.problems == []
        sources = {"".join(t["plain_text"] for t in d["title"]): d["id"] for d in emu.data_sources()}
        story = {"".join(t["plain_text"] for t in p["properties"]["KB ID"]["rich_text"]): p["id"]
                 for p in emu.pages(sources["Articles"])
                 if "Story 0 " in "".join(t["plain_text"] for t in p["properties"]["Name"]["title"])}
        weeks = {"".join(t["plain_text"] for t in p["properties"]["Name"]["title"]):
                 {r["id"] for r in p["properties"]["Articles"]["relation"]} for p in emu.pages(sources["Weekly"])}
        (page,) = story.values()
        assert page not in weeks["AI Weekly Digest — 2026-W02"] and page in weeks["AI Weekly Digest — 2026-W03"]
        assert len(weeks["AI Weekly Digest — 2026-W02"]) == 5
