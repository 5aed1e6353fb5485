"""The prompts Claude gets, snapshot-tested: any change to what is sent shows up as a diff here.

The snapshots in tests/snapshots/ are the exact request bodies for the bundled config.toml and a
fixed article (and a trend week, and a retry). To accept an intended change, run
``KBSYNC_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_claude_prompts.py`` and review
the diff; a changed prompt also changes the automatic ``prompt_version`` (checked below).
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from sync.config import load_config
from sync.scoring.prompts import build_request, prompt_version, retry_request, system_prompt
from sync.scoring.trends import build_request as trend_request
from tests.claude_fixtures import ROOT, article
from tests.test_claude_trends import TRENDS

SNAPSHOTS = Path(__file__).parent / "snapshots"
CFG = load_config(ROOT / "config.toml").scoring


def check(name: str, value: object) -> None:
    path = SNAPSHOTS / name
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=1) + "\n"
    if os.environ.get("KBSYNC_UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, "utf-8")
    assert path.exists(), f"missing snapshot {name}: run with KBSYNC_UPDATE_SNAPSHOTS=1"
    assert text == path.read_text("utf-8"), f"{name} changed: review, then update the snapshot"


ZH = article(7, title="Adam如何魔改Muon？融合正交与自适应，NAMO刷新LLM训练上限",
             content="NAMO 把正交化与自适应步长结合。实验显示在 1B 模型上收敛更快。", language="zh")


def test_the_scoring_request_is_as_snapshotted() -> None:
    check("score_system.txt", system_prompt(CFG) + "\n")
    check("score_request_zh.json", build_request(ZH, CFG))
    check("score_request_en.json", build_request(article(3), CFG))


def test_the_retry_request_is_as_snapshotted() -> None:
    reply = SimpleNamespace(content=[SimpleNamespace(type="tool_use", id="toolu_1", name="record_assessment",
                                                     input={"score": 150, "summary": "x"})])
    retried = retry_request(build_request(article(3), CFG), reply, "Your assessment did not validate:\n- score out of range: 150")
    check("score_retry_messages.json", retried["messages"])


def test_the_trend_request_is_as_snapshotted() -> None:
    check("trend_request.json", trend_request([(f"g{i + 1}", t) for i, t in enumerate(TRENDS)], CFG))


def test_the_prompt_version_follows_the_prompt_unless_pinned() -> None:
    version = prompt_version(CFG)
    assert version == prompt_version(replace(CFG))                     # deterministic
    changed = replace(CFG, claude=replace(CFG.claude, rubric="Prefer papers."))
    assert prompt_version(changed) != version
    assert prompt_version(replace(CFG, model="claude-haiku-5-5")) == version   # the model is stored apart
    pinned = replace(changed, claude=replace(changed.claude, prompt_version="v7"))
    assert prompt_version(pinned) == "v7"


@pytest.mark.parametrize("language, expected", [("auto", "in the article's language"), ("English", "in English")])
def test_the_summary_language_is_configurable(language: str, expected: str) -> None:
    cfg = replace(CFG, claude=replace(CFG.claude, summary_language=language))
    assert system_prompt(cfg).count(expected) >= 3        # summary, key points, why it matters (tags: always)
