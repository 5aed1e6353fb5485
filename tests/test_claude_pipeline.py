"""kbsync with Claude, end to end through the CLI: the example feeds, a temporary vault, and the
fake Anthropic API on 127.0.0.1 reached through ANTHROPIC_BASE_URL (the real client, no network).

What a reader relies on: with a key, articles are scored by Claude once per content hash (a second
sync sends nothing); a bad key is one clear line and a heuristic run; the key is never written or
logged; the budget leaves the rest for the next run; a prompt change re-scores only when asked.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from sync.cli import main
from sync.targets.obsidian.yamlfm import loads_note
from tests.claude_fixtures import ENV_NAMES, answer_from_article, digest_answer
from tests.fake_anthropic import Answer, FakeAnthropic, Recorded, Text
from tests.test_e2e import EXAMPLES, ROOT, notes, snapshot

SECRET = "sk-ant-api03-PIPELINE-SECRET-0123456789abcdef"


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def script(request: Recorded) -> Answer | Text:
    """Claude's answers: an assessment per article; names for trend groups; themes; overview lines."""
    return digest_answer(request) or answer_from_article(request)


def config(tmp_path: Path, claude: str = "") -> Path:
    text = (ROOT / "config.toml").read_text("utf-8").replace('"examples/feeds/', f'"{EXAMPLES}/')
    text = text.replace("[links]", f"[scoring.claude]\nconcurrency = 4\nmax_retry_wait = 1\n{claude}\n\n[links]")
    path = tmp_path / "config.toml"
    path.write_text(text, "utf-8")
    return path


def kbsync(fake: FakeAnthropic | None, *args: str, key: str | None = None):
    env = {"ANTHROPIC_API_KEY": key or fake.api_key, "ANTHROPIC_BASE_URL": fake.url} if fake else {}
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def rows(tmp_path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(tmp_path / ".kbsync" / "state.db") as conn:
        return conn.execute(sql).fetchall()


def article_requests(fake: FakeAnthropic) -> list[Recorded]:
    return [r for r in fake.message_requests if "<article_data>" in r.user_text]


@pytest.fixture
def synced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    # the offline groups named by Claude (themes: test_weekly_themes_and_daily_overviews_...)
    cfg = config(tmp_path, "themes = false")
    fake = FakeAnthropic(api_key=SECRET, default=script).__enter__()
    result = kbsync(fake, "sync", "--config", str(cfg))
    yield tmp_path, cfg, fake, result
    fake.__exit__(None, None, None)


def test_sync_scores_with_claude_once_per_content_hash(synced) -> None:
    tmp_path, cfg, fake, result = synced
    articles = rows(tmp_path, "SELECT COUNT(*) FROM articles")[0][0]
    assert "scorer: claude" in result.output
    assert len(article_requests(fake)) == articles
    assert rows(tmp_path, "SELECT backend, COUNT(*) FROM scores GROUP BY backend") == [("claude", articles)]
    note = loads_note(notes(tmp_path / "vault")[0].read_text("utf-8"))
    props, body = note
    assert props["model"] == "claude-sonnet-5-5" and props["prompt_version"].startswith("auto-")
    assert "scored_by" not in props and "**Why it matters:**" in body
    weekly = "\n".join(p.read_text("utf-8") for p in (tmp_path / "vault" / "Weekly").glob("*.md"))
    assert "Claude Trend g1" in weekly and "What group g1 shows." in weekly
    # usage and cost are stored per run and shown by status
    [(kind, requests, cost)] = rows(tmp_path, "SELECT kind, requests, cost_usd FROM claude_usage WHERE kind='messages'")
    assert requests == articles and cost > 0
    status = kbsync(None, "status", "--config", str(cfg)).output
    assert re.search(r"^claude: last run .*: \d+ requests \| tokens: .* cache read, .* output \| ~\$", status, re.M)

    # the second sync sends nothing at all: scores and trend names are cached by content hash
    sent, before = len(fake.requests), snapshot(tmp_path / "vault")
    again = kbsync(fake, "sync", "--config", str(cfg))
    assert len(fake.requests) == sent
    assert snapshot(tmp_path / "vault") == before
    assert "notes: none to write; rollups: none to write" in again.output


def test_a_prompt_change_rescores_only_when_asked_and_only_claude_scores(synced) -> None:
    tmp_path, cfg, fake, _ = synced
    claude_scored = rows(tmp_path, "SELECT COUNT(*) FROM scores")[0][0]
    with sqlite3.connect(tmp_path / ".kbsync" / "state.db") as conn:
        # one article as if imported pre-scored: not Claude's, so no prompt change affects it
        conn.execute("UPDATE scores SET backend='import', model=NULL, prompt_version=NULL WHERE rowid = 1")
    cfg.write_text(cfg.read_text("utf-8").replace("max_retry_wait = 1", 'max_retry_wait = 1\nrubric = "Prefer papers."'))
    sent = len(article_requests(fake))
    kbsync(fake, "sync", "--config", str(cfg))
    assert len(article_requests(fake)) == sent                      # not asked: nothing re-scored
    status = kbsync(None, "status", "--config", str(cfg)).output
    assert f"{claude_scored - 1} scores from another model or prompt" in status
    kbsync(fake, "sync", "--config", str(cfg), "--rescore=prompt")
    assert len(article_requests(fake)) == sent + claude_scored - 1
    assert "Prefer papers." in article_requests(fake)[-1].system_text
    assert rows(tmp_path, "SELECT COUNT(DISTINCT prompt_version) FROM scores WHERE backend='claude'") == [(1,)]
    assert rows(tmp_path, "SELECT backend FROM scores WHERE rowid = 1") == [("import",)]


def test_a_bad_key_is_one_clear_line_and_the_run_goes_on_with_the_heuristic(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = config(tmp_path)
    with FakeAnthropic(api_key=SECRET, default=script) as fake:
        result = CliRunner().invoke(main, ["sync", "--config", str(cfg)], catch_exceptions=False,
                                    env={"ANTHROPIC_API_KEY": "sk-ant-wrong", "ANTHROPIC_BASE_URL": fake.url})
        assert result.exit_code == 0
        assert len(fake.requests) == 1                       # a 401 ends Claude for the run
        said = [line for line in result.output.splitlines() if "claude" in line.lower() and "401" in line]
        assert len(said) == 1 and "ANTHROPIC_API_KEY" in said[0]
        articles = rows(tmp_path, "SELECT COUNT(*) FROM articles")[0][0]
        assert len(notes(tmp_path / "vault")) == articles    # every article written, with the heuristic
        props, body = loads_note(notes(tmp_path / "vault")[0].read_text("utf-8"))
        assert props["scored_by"].startswith("heuristic (claude failed: authentication failed (401)")
        assert "[!warning] Scored offline" in body and "model" not in props
        # the key fixed: the fallback scores are picked up again and Claude's replace them
        kbsync(fake, "sync", "--config", str(cfg))
        assert len(article_requests(fake)) == 1 + articles     # the 401, then each article once
    assert rows(tmp_path, "SELECT COUNT(*) FROM scores WHERE fallback = 1") == [(0,)]
    props, body = loads_note(notes(tmp_path / "vault")[0].read_text("utf-8"))
    assert "scored_by" not in props and props["model"] == "claude-sonnet-5-5"


def test_the_key_is_never_written_or_logged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("", "anthropic", "httpx", "httpx2", "httpcore", "kbsync"):
        caplog.set_level(logging.DEBUG, logger=name)
    cfg = config(tmp_path)
    outputs = []
    with FakeAnthropic(api_key=SECRET, default=script) as fake:
        fake.push(Text("garbage"), Text("garbage"))          # one article falls back: reasons are stored
        outputs.append(kbsync(fake, "sync", "--config", str(cfg)).output)
        outputs.append(kbsync(fake, "status", "--config", str(cfg)).output)
        outputs.append(CliRunner().invoke(main, ["sync", "--config", str(cfg), "--rescore"], catch_exceptions=False,
                                          env={"ANTHROPIC_API_KEY": SECRET + "-WRONG",
                                               "ANTHROPIC_BASE_URL": fake.url}).output)
    assert any(r.name.startswith("anthropic") for r in caplog.records)   # the client's debug log was on
    written = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    for text in [caplog.text, *outputs]:
        assert SECRET not in text and "PIPELINE-SECRET" not in text
    assert SECRET.encode() not in written and b"PIPELINE-SECRET" not in written


def test_the_budget_leaves_the_rest_for_the_next_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = config(tmp_path, "budget_usd = 0.1")
    with FakeAnthropic(api_key=SECRET, default=script) as fake:
        first = kbsync(fake, "sync", "--config", str(cfg))
        articles = rows(tmp_path, "SELECT COUNT(*) FROM articles")[0][0]
        scored = rows(tmp_path, "SELECT COUNT(*) FROM scores")[0][0]
        assert 0 < scored < articles
        assert f"{articles - scored} articles wait for the next run" in first.output
        # waiting articles are scored by nothing else: no heuristic score, no note
        assert rows(tmp_path, "SELECT COUNT(*) FROM scores WHERE backend != 'claude'") == [(0,)]
        assert len(notes(tmp_path / "vault")) == scored
        spent = rows(tmp_path, "SELECT SUM(cost_usd) FROM claude_usage")[0][0]
        assert spent <= 0.1
        cfg.write_text(cfg.read_text("utf-8").replace("budget_usd = 0.1", "budget_usd = 50"))
        kbsync(fake, "sync", "--config", str(cfg))
    assert rows(tmp_path, "SELECT COUNT(*) FROM scores WHERE backend = 'claude'") == [(articles,)]
    assert len(notes(tmp_path / "vault")) == articles
    assert len(article_requests(fake)) == articles        # each article asked once in all


def test_a_dry_run_never_calls_claude(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = config(tmp_path)
    with FakeAnthropic(api_key=SECRET, default=script) as fake:
        result = kbsync(fake, "sync", "--config", str(cfg), "--dry-run")
        assert fake.requests == []
    assert "scorer: heuristic (dry run: Claude not called)" in result.output


def test_without_a_key_nothing_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = config(tmp_path)
    result = kbsync(None, "sync", "--config", str(cfg))
    assert "scorer: heuristic" in result.output and "claude" not in result.output.lower()
    props, body = loads_note(notes(tmp_path / "vault")[0].read_text("utf-8"))
    assert not {"model", "prompt_version", "scored_by"} & set(props) and "Why it matters" not in body
    status = kbsync(None, "status", "--config", str(cfg)).output
    assert "claude" not in status
    assert rows(tmp_path, "SELECT COUNT(*) FROM claude_usage") == [(0,)]


def test_weekly_themes_and_daily_overviews_are_written_once_and_cached(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = config(tmp_path)
    with FakeAnthropic(api_key=SECRET, default=script) as fake:
        kbsync(fake, "sync", "--config", str(cfg))
        themes = [r for r in fake.message_requests if "<week_articles>" in r.user_text]
        days = [r for r in fake.message_requests if "<day_articles>" in r.user_text]
        weekly = {p.name: p.read_text("utf-8") for p in (tmp_path / "vault" / "Weekly").glob("*.md")}
        daily = {p.name: p.read_text("utf-8") for p in (tmp_path / "vault" / "Daily").glob("*.md")}
        # one request per week with enough articles, one per day with articles
        assert themes and len(themes) <= len(weekly) and len(days) == len(daily)
        themed = [text for text in weekly.values() if "### Theme 1" in text]
        assert len(themed) == len(themes)
        assert all("What theme 1 shows this week." in text for text in themed)
        assert all("The biggest story is " in text for text in daily.values())
        # an unchanged week and day cost nothing on the next sync
        sent = len(fake.requests)
        kbsync(fake, "sync", "--config", str(cfg))
        assert len(fake.requests) == sent
        assert {p.name: p.read_text("utf-8") for p in (tmp_path / "vault" / "Weekly").glob("*.md")} == weekly
