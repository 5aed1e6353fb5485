"""Digests Claude writes (sync/scoring/digests.py): the week's themes and the daily overview line,
one request each, cached by content hash, validated; plus the prompt's calibration examples and
tags that meet across languages through the vocabulary (issue 16, point 5)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timezone

import pytest

from sync.config import load_config
from sync.rollups.digest import DailyCategory, DailyRollup, Trend
from sync.scoring.digests import ClaudeDigests, week_hash
from sync.scoring.prompts import SEED_EXAMPLES, system_prompt
from sync.scoring.vocabulary import Vocabulary, resolve
from sync.store import Store
from sync.text import has_cjk
from tests.claude_fixtures import CFG, ENV_NAMES, ROOT, digest_answer, session_for
from tests.fake_anthropic import Answer, FakeAnthropic, Recorded
from tests.test_claude_trends import story

NOW = datetime(2026, 2, 8, tzinfo=timezone.utc)
WEEK = [story(n, f"Story {n}") for n in range(1, 9)]
OFFLINE = [Trend("Offline group", "Offline description.", tuple(WEEK[:2]))]


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def themes_of(*groups: list[str]) -> Answer:
    return Answer({"themes": [{"name": f"Theme {i}", "analysis": f"Analysis {i}.", "articles": g}
                              for i, g in enumerate(groups, 1)]})


def test_the_week_gets_three_to_six_themes_in_one_request_cached_by_content_hash(tmp_path) -> None:
    with Store(tmp_path / "s.db") as store, FakeAnthropic(default=digest_answer) as fake:
        out = ClaudeDigests(session_for(fake), store, CFG, NOW).themes(WEEK, OFFLINE)
        assert len(fake.message_requests) == 1
        [request] = fake.message_requests
        assert "tools" not in request.body and request.body["output_config"]["format"]["schema"]["required"] == ["themes"]
        sent = json.loads(request.user_text.split("<week_articles>\n")[1].split("\n</week_articles>")[0])
        assert [a["id"] for a in sent] == [f"a{n}" for n in range(1, 9)] and sent[0]["title"] == "Story 1"
        assert [t.name for t in out] == ["Theme 1", "Theme 2", "Theme 3"]
        assert out[0].description == "What theme 1 shows this week."
        assert [s.kb_id for s in out[0].stories] == [WEEK[0].kb_id, WEEK[3].kb_id, WEEK[6].kb_id]
        # the same week again (another run, another target): no request
        assert ClaudeDigests(session_for(fake), store, CFG, NOW).themes(WEEK, OFFLINE) == out
        # the daemon's re-render, with no session at all, shows the same
        assert ClaudeDigests(None, store, CFG, NOW).themes(WEEK, OFFLINE) == out
        assert len(fake.message_requests) == 1
        # a changed week: one new request
        ClaudeDigests(session_for(fake), store, CFG, NOW).themes(WEEK + [story(9, "Story 9")], OFFLINE)
        assert len(fake.message_requests) == 2


@pytest.mark.parametrize(("bad", "problem"), [
    (themes_of(["a1", "a2"], ["a3", "a99"], ["a4"]), "unknown ids: a99"),
    (themes_of(["a1", "a2"], ["a2", "a3"], ["a4"]), "repeats ids of another theme: a2"),
    (themes_of(["a1", "a2"], ["a3"]), "2 themes; give 3 to 6"),
    (themes_of(*[[f"a{n}"] for n in range(1, 8)]), "7 themes; give 3 to 6"),
    (Answer({"themes": [{"name": "", "analysis": "x", "articles": ["a1"]}]}), "needs a name"),
])
def test_an_invalid_theme_answer_is_refused_and_retried_once_with_the_problem(tmp_path, bad: Answer,
                                                                             problem: str) -> None:
    good = themes_of(["a1", "a2"], ["a3", "a4"], ["a5"])
    with Store(tmp_path / "s.db") as store, FakeAnthropic(default=good) as fake:
        fake.push(bad)
        out = ClaudeDigests(session_for(fake), store, CFG, NOW).themes(WEEK, OFFLINE)
        first, retry = fake.message_requests
    assert problem in json.dumps(retry.body["messages"][-1], ensure_ascii=False)
    assert [len(t.stories) for t in out] == [2, 2, 1]


def test_an_answer_invalid_twice_keeps_the_offline_groups_and_is_not_cached(tmp_path) -> None:
    with Store(tmp_path / "s.db") as store, FakeAnthropic(default=themes_of(["a1"], ["a1"], ["a2"])) as fake:
        session = session_for(fake)
        out = ClaudeDigests(session, store, CFG, NOW).themes(WEEK, OFFLINE)
        assert out == OFFLINE and len(fake.message_requests) == 2
        assert any("weekly themes keep the offline groups" in p for p in session.problems)
        fake.default = digest_answer
        ClaudeDigests(session_for(fake), store, CFG, NOW).themes(WEEK, OFFLINE)
        assert len(fake.message_requests) == 3            # tried again: nothing was cached


def test_a_small_week_keeps_the_offline_groups_without_a_request(tmp_path) -> None:
    with Store(tmp_path / "s.db") as store, FakeAnthropic(default=digest_answer) as fake:
        assert ClaudeDigests(session_for(fake), store, CFG, NOW).themes(WEEK[:3], OFFLINE) == OFFLINE
        assert fake.message_requests == []


def test_the_week_hash_follows_the_stories_and_the_model() -> None:
    assert week_hash(WEEK, CFG) == week_hash(list(WEEK), CFG)
    assert week_hash(WEEK, CFG) != week_hash(WEEK[1:], CFG)
    assert week_hash(WEEK, CFG) != week_hash(WEEK, replace(CFG, model="claude-opus-5-5"))


def day(stories: list) -> DailyRollup:
    return DailyRollup(day=date(2026, 2, 7), scanned=len(stories),
                       categories=(DailyCategory("AI/Tech", tuple(stories)),), kb_ids=tuple(s.kb_id for s in stories))


def test_each_day_gets_one_overview_line_once(tmp_path) -> None:
    seen: list[Recorded] = []

    def answer(request: Recorded) -> Answer:
        seen.append(request)
        return Answer({"overview": "The biggest story is Story 1,\nwith  more   to come."})

    with Store(tmp_path / "s.db") as store, FakeAnthropic(default=answer) as fake:
        digests = ClaudeDigests(session_for(fake), store, CFG, NOW)
        line = digests.overview(day(WEEK[:4]))
        assert line == "The biggest story is Story 1, with more to come."       # one line
        assert digests.overview(day(WEEK[:4])) == line and len(fake.message_requests) == 1
        assert ClaudeDigests(None, store, CFG, NOW).overview(day(WEEK[:4])) == line
        assert digests.overview(day([])) == "" and len(fake.message_requests) == 1  # an empty day: none
    assert "<day_articles>" in seen[0].user_text and "tools" not in seen[0].body


def test_no_overview_without_claude(tmp_path) -> None:
    with Store(tmp_path / "s.db") as store:
        assert ClaudeDigests(None, store, CFG, NOW).overview(day(WEEK[:4])) == ""
        assert ClaudeDigests(session_for(None), store, CFG, NOW).overview(day(WEEK[:4])) == ""


# ------------------------------------------------------------ calibration examples


def test_calibration_examples_span_the_scale_in_both_languages_around_both_lines() -> None:
    scores = [s for s, _, _ in SEED_EXAMPLES]
    assert max(scores) >= 95 and min(scores) <= 20 and len(scores) >= 8
    assert any(85 <= s <= 90 for s in scores) and any(80 <= s < 85 for s in scores)     # both sides of 85
    assert any(70 <= s <= 75 for s in scores) and any(65 <= s < 70 for s in scores)     # both sides of 70
    chinese = [t for _, t, _ in SEED_EXAMPLES if has_cjk(t)]
    assert 3 <= len(chinese) <= len(SEED_EXAMPLES) - 3                                   # English and Chinese
    prompt = system_prompt(CFG)
    assert all(title in prompt for _, title, _ in SEED_EXAMPLES)


# ------------------------------------------------------------ tags across languages


def test_the_bundled_vocabulary_makes_english_and_chinese_tags_one_tag() -> None:
    cfg = load_config(ROOT / "config.toml").scoring
    vocab = Vocabulary.from_config(cfg.tags)
    decision = resolve([("en", ["AI agents", "LLM", "reinforcement learning"]),
                        ("zh", ["智能体", "大模型", "强化学习"])], vocab, {}, {}, limit=cfg.max_tags)
    assert decision.tags["en"] == decision.tags["zh"]
    assert "agents" in decision.tags["zh"]
    assert "spelled as listed whatever the article's language" in system_prompt(cfg)
