"""Weekly trend groups named by Claude (sync/scoring/trends.py), cached by the group's content hash:
an unchanged week costs nothing, a changed group one request, a failure keeps the offline names."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from sync.rollups.digest import Story, Trend
from sync.scoring.trends import ClaudeTrendNamer, group_hash
from sync.store import Store
from tests.claude_fixtures import CFG, ENV_NAMES, session_for
from tests.fake_anthropic import Answer, FakeAnthropic, Recorded, Text

NOW = datetime(2026, 2, 8, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def story(n: int, title: str) -> Story:
    return Story(kb_id=f"kb-{n:016x}", title=title, url=None, source="Example", published=NOW, score=90,
                 stars="⭐⭐⭐⭐", category="AI/Tech", tags=(), summary=f"Summary {n}.")


TRENDS = [Trend("Adam · Muon", "Summary 1.", (story(1, "Adam/Muon退位！谷歌Magma"), story(2, "NAMO刷新LLM训练上限"))),
          Trend("KV · cache", "Summary 3.", (story(3, "KV压缩提速百倍"), story(4, "HySparse KV Cache")))]


def names(request: Recorded) -> Answer:
    text = request.body["messages"][0]["content"]          # the groups are in the first user turn
    groups = json.loads(text.split("<trend_groups>\n", 1)[1].split("\n</trend_groups>", 1)[0])
    return Answer({"trends": [{"id": g["id"], "name": f"Named {g['articles'][0]['title'][:4]}",
                               "description": "One sentence."} for g in groups]})


def test_groups_are_named_once_and_cached_by_content_hash(tmp_path) -> None:
    with Store(tmp_path / "s.db") as store, FakeAnthropic(default=names) as fake:
        namer = ClaudeTrendNamer(session_for(fake), store, CFG, NOW)
        first = namer.name_trends(TRENDS)
        assert [t.name for t in first] == ["Named Adam", "Named KV压缩"]
        assert [t.stories for t in first] == [t.stories for t in TRENDS]
        assert len(fake.message_requests) == 1                        # all new groups in one request
        request = fake.message_requests[0]
        assert "<trend_groups>" in request.user_text
        # the scorer's mechanism: structured output, no forced tool (a 400 on Sonnet/Opus 5.5)
        assert "tools" not in request.body and "tool_choice" not in request.body
        assert request.body["output_config"]["format"]["schema"]["required"] == ["trends"]
        # an unchanged week: no request at all
        assert ClaudeTrendNamer(session_for(fake), store, CFG, NOW).name_trends(TRENDS) == first
        assert len(fake.message_requests) == 1
        # one group changed: one request, for that group only
        changed = [TRENDS[0], replace(TRENDS[1], stories=TRENDS[1].stories + (story(5, "Another KV story"),))]
        again = ClaudeTrendNamer(session_for(fake), store, CFG, NOW).name_trends(changed)
        assert len(fake.message_requests) == 2 and fake.message_requests[1].user_text.count('"id"') == 1
        assert again[0] == first[0] and again[1].name == "Named KV压缩"


def test_a_failure_keeps_the_offline_names_and_is_not_cached(tmp_path) -> None:
    with Store(tmp_path / "s.db") as store, FakeAnthropic(default=Text("no idea")) as fake:
        session = session_for(fake)
        out = ClaudeTrendNamer(session, store, CFG, NOW).name_trends(TRENDS)
        assert out == TRENDS and len(fake.message_requests) == 2      # the answer, its one retry
        assert any("offline names" in p for p in session.problems)
        fake.default = names
        ClaudeTrendNamer(session_for(fake), store, CFG, NOW).name_trends(TRENDS)
        assert len(fake.message_requests) == 3                        # tried again: nothing was cached


def test_a_partial_answer_is_retried_with_what_is_missing(tmp_path) -> None:
    with Store(tmp_path / "s.db") as store, FakeAnthropic(default=names) as fake:
        fake.push(Answer({"trends": [{"id": "g1", "name": "Only one", "description": "d"}]}))
        out = ClaudeTrendNamer(session_for(fake), store, CFG, NOW).name_trends(TRENDS)
        retry = fake.message_requests[1]
    assert "missing: g2" in json.dumps(retry.body["messages"][-1])
    assert [t.name for t in out] == ["Named Adam", "Named KV压缩"]


def test_the_group_hash_follows_the_stories_and_the_model() -> None:
    assert group_hash(TRENDS[0], "m") == group_hash(replace(TRENDS[0], name="other"), "m")
    assert group_hash(TRENDS[0], "m") != group_hash(TRENDS[0], "n")
    assert group_hash(TRENDS[0], "m") != group_hash(replace(TRENDS[0], stories=TRENDS[0].stories[:1]), "m")
