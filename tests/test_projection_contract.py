"""The contract every run-level target passes (``targets.base.Projection``).

The same tests run against the vault and against Notion (the emulator, driven
by the real notion-client), each configured alone, through the pipeline's one
loop (``pipeline.run_targets``): a first run writes every page, a second
writes nothing, an edit made in the target reaches the journal (edits out),
an edit in the journal reaches the target (edits in), and a target that fails
sits out alone. A ``MemoryProjection`` twin holds the protocol's shape for
the loop's own tests.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timezone

import pytest

from sync.config import load_config
from sync.edits import journal
from sync.pipeline import RunResult, configured_targets, run_sync, run_targets
from sync.store import Store
from sync.targets.base import Outcome, Projection
from sync.targets.notion.projection import NotionProjection
from sync.targets.obsidian.projection import VaultProjection
from sync.targets.obsidian.yamlfm import loads_note
from tests.notion_emulator import NotionEmulator
from tests.test_e2e import example_config

TOKEN = "secret_contract"
NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)


@pytest.fixture
def emu():
    with NotionEmulator(token=TOKEN, rate=None) as emulator:
        yield emulator


@pytest.fixture(params=["vault", "notion"])
def setup(request, tmp_path, emu):
    """(kind, config path) with that target alone."""
    path = example_config(tmp_path)
    text = path.read_text("utf-8")
    if request.param == "notion":
        parent = emu.add_page("kbsync")
        text = re.sub(r"\[vault\]\n(.+\n)+", "", text)
        text += (f'\n[notion]\nparent_page = "{parent}"\nbase_url = "{emu.base_url}"\n'
                 "requests_per_second = 1000\nretry_wait = 0.02\n")
    path.write_text(text, "utf-8")
    return request.param, path


def counter(result: RunResult, kind: str) -> Counter[str]:
    return result.notion if kind == "notion" else result.notes + result.pages


def test_both_targets_implement_the_protocol():
    for cls in (VaultProjection, NotionProjection, MemoryProjection):
        for name in ("__enter__", "__exit__", "edits_out", "edits_in", "write", "finish", "figures", "notices", "describe"):
            assert callable(getattr(cls, name)), (cls, name)
        assert isinstance(cls.name, str) and all(issubclass(e, BaseException) for e in cls.errors)


def test_first_run_writes_every_page_and_second_writes_nothing(setup):
    kind, config = setup
    cfg = load_config(config)
    first = run_sync(cfg, env={"NOTION_TOKEN": TOKEN}, now=NOW)
    assert not first.failures, first.failures
    assert counter(first, kind)["created"] >= 78      # every example article, and digests
    second = run_sync(cfg, env={"NOTION_TOKEN": TOKEN}, now=NOW)
    assert not second.failures
    assert counter(second, kind)["created"] == counter(second, kind)["updated"] == 0


def test_an_edit_in_the_journal_reaches_the_target_and_comes_back_out_once(setup, emu):
    kind, config = setup
    cfg = load_config(config)
    run_sync(cfg, env={"NOTION_TOKEN": TOKEN}, now=NOW)
    with Store(cfg.store_path) as store:
        kb_id = sorted(store.all_ids())[0]
        other = "notion" if kind == "vault" else journal.OBSIDIAN
        journal.record(store, [journal.Change(kb_id, "status", "reading", NOW, other)])
        result = RunResult()
        targets = configured_targets(cfg, store, {"NOTION_TOKEN": TOKEN}, NOW, result, dry_run=False)
        run_targets(store, targets, set(), result)
        assert not result.failures, result.failures
        # delivered: nothing of it is pending for this target any more
        mine = journal.OBSIDIAN if kind == "vault" else "notion"
        assert journal.pending(store, mine).push == []
        # and shown in the target itself
        if kind == "vault":
            record = store.sync_records("obsidian", {kb_id})[kb_id]
            props, _ = loads_note((cfg.vault.path / record.path).read_text("utf-8"))
            assert props["status"] == "reading"
        else:
            page = next(p for p in emu.pages(next(iter(_sources(emu).values())))
                        if "".join(t["plain_text"] for t in p["properties"]["KB ID"]["rich_text"]) == kb_id)
            assert page["properties"]["Status"]["status"]["name"] == "reading"
        # pulled back out, the target's own copy of the edit is not recorded a second time
        before = len(journal.entries(store))
        run_targets(store, configured_targets(cfg, store, {"NOTION_TOKEN": TOKEN}, NOW, RunResult(),
                                              dry_run=False), set(), RunResult())
        assert len(journal.entries(store)) == before


def _sources(emu) -> dict[str, str]:
    return {"".join(t["plain_text"] for t in ds["title"]): ds["id"] for ds in emu.data_sources()
            if "".join(t["plain_text"] for t in ds["title"]) == "Articles"}


def test_a_failing_target_sits_out_and_the_other_still_writes(setup, tmp_path):
    kind, config = setup
    cfg = load_config(config)
    with Store(cfg.store_path) as store:
        result = RunResult()
        real = configured_targets(cfg, store, {"NOTION_TOKEN": TOKEN}, NOW, result, dry_run=False)
        broken = MemoryProjection(fail_at="write")
        healthy = MemoryProjection()
        run_targets(store, [broken, *real, healthy], {"kb-x"}, result)
    assert result.failures == ["memory: disk on fire"]
    assert healthy.steps == ["enter", "edits_out", "edits_in", "write", "finish", "exit"]
    assert broken.steps == ["enter", "edits_out", "edits_in", "write", "exit"]


class MemoryProjection:
    """The in-memory twin: records the steps it is taken through; can fail at one of them."""

    name = "memory"
    errors: tuple[type[BaseException], ...] = (OSError,)

    def __init__(self, fail_at: str | None = None):
        self.fail_at, self.steps, self.written = fail_at, [], set()

    def _step(self, name: str) -> None:
        self.steps.append(name)
        if name == self.fail_at:
            raise OSError("disk on fire")

    def __enter__(self) -> MemoryProjection:
        self._step("enter")
        return self

    def __exit__(self, *exc: object) -> None:
        self.steps.append("exit")

    def edits_out(self) -> set[str]:
        self._step("edits_out")
        return set()

    def edits_in(self) -> set[str]:
        self._step("edits_in")
        return set()

    def write(self, touched, *, restore, loaded, lap, progress) -> dict[str, list[Outcome]]:
        self._step("write")
        self.written |= touched
        return {"notes": [Outcome(k, "created") for k in sorted(touched)]}

    def finish(self) -> None:
        self._step("finish")

    def figures(self) -> dict[str, dict[str, int]]:
        return {}

    def notices(self) -> list[str]:
        return []

    def describe(self, exc: BaseException) -> str:
        return f"memory: {exc}"


def _typed(target: Projection) -> Projection:   # the twin type-checks as a Projection
    return target


_typed(MemoryProjection())
