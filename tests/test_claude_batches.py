"""A big backlog through the Message Batches API (tests/fake_anthropic_batches.py, the real client):
submitted once, its id stored before polling, polled within ``batch_wait``, resumed after a restart
without being sent again, results matched by custom_id and applied. Polling runs on virtual time.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from sync.config import Config
from sync.store import Store
from sync.scoring.run import score_with_claude
from tests.claude_fixtures import CFG, ENV_NAMES, T0, FakeTime, article, data_block, good, session_for
from tests.fake_anthropic import EXPIRED, Answer, Error, FakeAnthropic, Recorded, Text, overloaded

N = 12


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def score_of(request_body: dict) -> int:
    """Each article's answer carries its own number, so a mismatched result would show."""
    return int(re.search(r"Article (\d+)", json.dumps(request_body, ensure_ascii=False)).group(1))


def script(request: Recorded) -> Answer:
    return Answer(good(score_of(request.body) * 5))


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "state.db") as s:
        s.save_articles([article(n) for n in range(1, N + 1)], [], T0)
        yield s


def config(tmp_path: Path, **claude: object) -> Config:
    scoring = replace(CFG, claude=replace(CFG.claude, **{"batch_threshold": 5, "batch_wait": 60, "batch_poll": 10,
                                                          **claude}))
    return Config(path=tmp_path / "config.toml", store_path=tmp_path / "state.db", scoring=scoring)


def run(store: Store, cfg: Config, fake: FakeAnthropic, time: FakeTime | None = None, **kw: object):
    session = session_for(fake, cfg.scoring, time=time or FakeTime())
    ids = [article(n).kb_id for n in range(1, N + 1)]
    return session, score_with_claude(store, cfg, session, ids, T0, **kw)


def batch_rows(store: Store) -> list[tuple]:
    return [tuple(r) for r in store.conn.execute("SELECT batch_id, state, requests FROM claude_batches")]


def test_a_backlog_goes_through_one_batch_and_results_are_matched_by_custom_id(store: Store, tmp_path: Path) -> None:
    with FakeAnthropic(default=script) as fake:
        session, stage = run(store, config(tmp_path), fake)
        [batch] = fake.batches.created
    assert fake.message_requests == []                    # no Messages request: all went in the batch
    sent = [item["custom_id"] for item in batch.requests]
    assert sent == sorted(sent, key=lambda c: [item["custom_id"] for item in batch.requests].index(c))
    assert all(re.fullmatch(r"kb-[0-9a-f]{16}-[0-9a-f]{16}", c) for c in sent) and len(set(sent)) == N
    assert batch_rows(store) == [(batch.id, "applied", N)]
    scores = store.scores()
    # the fake returns results in reverse order: each still lands on its own article
    assert {k: s.score for k, s in scores.items()} == {article(n).kb_id: n * 5 for n in range(1, N + 1)}
    assert {s.backend for s in scores.values()} == {"claude"} and stage.scored == N
    assert session.usage["batch"].requests == N and session.cost("batch") > 0


def test_a_batch_still_running_waits_and_a_restart_resumes_it_without_sending_it_again(store: Store,
                                                                                        tmp_path: Path) -> None:
    cfg = config(tmp_path)
    with FakeAnthropic(default=script, polls_to_end=20) as fake:
        time = FakeTime()
        _, stage = run(store, cfg, fake, time)
        # polled every 10 s for the 60 s allowed, then left for the next run: nothing scored, nothing written
        assert time.sleeps == [10.0] * 6 and stage.scored == 0 and len(stage.waiting) == 0
        assert store.scores() == {} and any("still running" in p for p in stage.problems)
        [(batch_id, state, _)] = batch_rows(store)
        assert (batch_id.startswith("msgbatch_"), state) == (True, "submitted")
    # "restart": a new connection to the same store, a new session; the batch ends at its 20th poll
    with Store(tmp_path / "state.db") as again, FakeAnthropic(default=script, polls_to_end=1) as fresh:
        fresh.batches.batches = fake.batches.batches       # the API still has the batch
        fresh.batches.batches[batch_id].polls = 19
        _, stage = run(again, cfg, fresh)
        assert [b.id for b in fresh.batches.created] == [batch_id]
        assert not [r for r in fresh.requests if r.method == "POST"]       # never sent again
        assert len(again.scores()) == N and stage.scored == N
        assert batch_rows(again) == [(batch_id, "applied", N)]


def test_a_create_that_times_out_is_found_on_the_next_run_not_resubmitted(store: Store, tmp_path: Path) -> None:
    cfg = config(tmp_path)
    with FakeAnthropic(default=script, create_delay=1.0) as fake:
        session = session_for(fake, cfg.scoring, timeout=0.3)
        stage = score_with_claude(store, cfg, session, [article(n).kb_id for n in range(1, N + 1)], T0)
        # unknown whether it was created: written with the heuristic for now, the record kept
        assert {s.fallback for s in store.scores().values()} == {True}
        assert any("batch not submitted: timed out" in p for p in stage.problems)
        assert batch_rows(store) == [(None, "submitting", N)]
        fake.batches.create_delay = 0.0
        _, stage = run(store, cfg, fake)
        assert len(fake.batches.created) == 1                # the one the timed-out create made
        assert batch_rows(store) == [(fake.batches.created[0].id, "applied", N)]
    assert {s.backend for s in store.scores().values()} == {"claude"}


def test_a_rejected_create_is_retried_and_a_failed_one_is_sent_again_next_run(store: Store, tmp_path: Path) -> None:
    cfg = config(tmp_path)
    with FakeAnthropic(default=script) as fake:
        fake.batches.fail_next(overloaded(retry_after=3))          # 529: not accepted, safe to resend
        time = FakeTime()
        run(store, cfg, fake, time)
        assert len(fake.batches.created) == 1 and 3.0 in time.sleeps
    with Store(tmp_path / "other.db") as other, FakeAnthropic(default=script) as fake:
        other.save_articles([article(n) for n in range(1, N + 1)], [], T0)
        fake.batches.fail_next(Error(500, "boom"))                 # answered: no batch was created
        _, stage = run(other, cfg, fake)
        assert fake.batches.created == [] and batch_rows(other) == [(None, "lost", N)]
        assert {s.fallback for s in other.scores().values()} == {True}
        run(other, cfg, fake)                                      # the fallbacks are tried again
        assert len(fake.batches.created) == 1
        assert {s.backend for s in other.scores().values()} == {"claude"}


def test_bad_results_fall_back_and_an_invalid_answer_gets_its_retry_through_messages(store: Store,
                                                                                       tmp_path: Path) -> None:
    def odd(request: Recorded) -> object:
        n = score_of(request.body)
        if request.path == "/v1/messages":                     # the retry, with the errors in the conversation
            return Answer(good(42))
        return {1: Answer(good(150)), 2: Error(529, "Overloaded"), 3: EXPIRED, 4: Text("nope")}.get(n, script(request))

    with FakeAnthropic(default=odd) as fake:
        run(store, config(tmp_path), fake)
        retries = fake.message_requests
    scores = {k: s for k, s in store.scores().items()}
    one, two, three, four = (scores[article(n).kb_id] for n in (1, 2, 3, 4))
    assert (one.backend, one.score) == ("claude", 42)
    assert (four.backend, four.score) == ("claude", 42)
    assert len(retries) == 2 and all(r.body["messages"][-1]["role"] == "user" for r in retries)
    assert "score out of range: 150" in json.dumps(retries[0].body["messages"][-1]) or \
           "score out of range: 150" in json.dumps(retries[1].body["messages"][-1])
    assert two.fallback and "batch request errored (overloaded_error)" in two.backend
    assert three.fallback and "batch request expired" in three.backend
    assert sum(s.backend == "claude" for s in scores.values()) == N - 2


def test_only_what_fits_the_budget_is_batched(store: Store, tmp_path: Path) -> None:
    with FakeAnthropic(default=script) as fake:
        _, stage = run(store, config(tmp_path, budget_usd=0.1), fake)
        [batch] = fake.batches.created
    assert 0 < len(batch.requests) < N and len(stage.waiting) == N - len(batch.requests)
    assert len(store.scores()) == len(batch.requests)


def test_a_small_backlog_uses_messages_not_batches(store: Store, tmp_path: Path) -> None:
    with FakeAnthropic(default=script) as fake:
        run(store, config(tmp_path, batch_threshold=N), fake)
        assert fake.batches.created == [] and len(fake.message_requests) == N


def test_the_fake_batch_api_speaks_the_real_client() -> None:
    with FakeAnthropic(default=script) as fake:
        from tests.claude_fixtures import client_for

        client = client_for(fake)
        from sync.scoring.prompts import build_request

        batch = client.messages.batches.create(requests=[{"custom_id": "a-1", "params": build_request(article(7), CFG)}])
        assert batch.processing_status == "in_progress" and batch.request_counts.processing == 1
        ended = client.messages.batches.retrieve(batch.id)
        [entry] = list(client.messages.batches.results(batch.id))
        assert ended.processing_status == "ended" and ended.request_counts.succeeded == 1
        assert entry.custom_id == "a-1" and entry.result.type == "succeeded"
        assert entry.result.message.usage.input_tokens > 0
        assert data_block(Recorded("POST", "/", {}, build_request(article(7), CFG)))["title"] == "Article 07"


# ------------------------------------------------------------ never paid twice, never stuck (issue 16)


def test_a_crash_between_saving_and_marking_applied_sends_no_second_batch(store: Store, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = config(tmp_path)
    real_save = Store.save_scores

    def crash(self: Store, *a: object, **kw: object) -> None:
        raise KeyboardInterrupt("power cut while saving the scores")

    with FakeAnthropic(default=script) as fake:
        monkeypatch.setattr(Store, "save_scores", crash)
        with pytest.raises(KeyboardInterrupt):
            run(store, cfg, fake)
        [(batch_id, state, _)] = batch_rows(store)
        assert state == "submitted" and store.scores() == {}      # not marked applied before the scores exist
        monkeypatch.setattr(Store, "save_scores", real_save)
        _, stage = run(store, cfg, fake)
        assert [b.id for b in fake.batches.created] == [batch_id]  # the same batch's results, fetched again
        assert batch_rows(store) == [(batch_id, "applied", N)]
        assert {k: s.score for k, s in store.scores().items()} == {article(n).kb_id: n * 5 for n in range(1, N + 1)}
        run(store, cfg, fake)                                      # and a third run: nothing to do
        assert len(fake.batches.created) == 1


@pytest.mark.parametrize("end", ["forget", "archive"])
def test_a_batch_the_api_no_longer_has_releases_its_articles(store: Store, tmp_path: Path, end: str) -> None:
    cfg = config(tmp_path)
    with FakeAnthropic(default=script, polls_to_end=20) as fake:
        run(store, cfg, fake)                                      # submitted, still running after 60 s
        [(batch_id, state, _)] = batch_rows(store)
        assert state == "submitted" and store.scores() == {}
        if end == "forget":
            fake.batches.forget(batch_id)                          # 404 from now on
        else:
            fake.batches.end(fake.batches.batches[batch_id])      # ended, then past its 29 days
            fake.batches.archive(batch_id)
        fake.polls_to_end = fake.batches.polls_to_end = 1
        _, stage = run(store, cfg, fake)
        rows = dict((r[0], r[1]) for r in batch_rows(store))
    assert rows[batch_id] == "gone"
    assert any(f"batch {batch_id}" in p and "go back to the queue" in p for p in stage.problems)
    # released: scored again in the same run (a new batch), nothing stuck without a score
    assert len(store.scores()) == N and {s.backend for s in store.scores().values()} == {"claude"}
    assert sorted(rows.values()) == ["applied", "gone"]


def test_a_backlog_is_split_within_the_documented_limits(store: Store, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import sync.scoring.batches as batches

    monkeypatch.setattr(batches, "MAX_BATCH_REQUESTS", 5)
    with FakeAnthropic(default=script) as fake:
        fake.batches.max_requests = 5                              # the fake refuses a bigger one
        run(store, config(tmp_path), fake)
        sizes = [len(b.requests) for b in fake.batches.created]
    assert sizes == [5, 5, 2]
    assert [r[1] for r in batch_rows(store)] == ["applied"] * 3 and len(store.scores()) == N


def test_a_backlog_is_split_by_bytes_too(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sync.scoring.batches as batches
    from sync.scoring.prompts import build_request

    one = len(json.dumps({"custom_id": "x" * 33, "params": build_request(article(1), CFG)}, ensure_ascii=False).encode())
    monkeypatch.setattr(batches, "MAX_BATCH_BYTES", 4 * one + 100)
    with FakeAnthropic(default=script) as fake:
        fake.batches.max_bytes = 5 * one                           # the fake refuses more than that
        run(store, config(tmp_path), fake)
        sizes = [len(b.requests) for b in fake.batches.created]
    assert sizes == [4, 4, 4] and len(store.scores()) == N


def test_the_fake_refuses_a_batch_over_its_limits() -> None:
    import anthropic

    from sync.scoring.prompts import build_request
    from tests.claude_fixtures import client_for

    with FakeAnthropic(default=script) as fake:
        fake.batches.max_requests = 2
        requests = [{"custom_id": f"a-{n}", "params": build_request(article(n), CFG)} for n in range(3)]
        with pytest.raises(anthropic.BadRequestError, match="at most 2 requests"):
            client_for(fake).messages.batches.create(requests=requests)
        fake.batches.max_requests, fake.batches.max_bytes = 100, 1000
        with pytest.raises(anthropic.APIStatusError) as info:
            client_for(fake).messages.batches.create(requests=requests)
        assert info.value.status_code == 413


def test_results_are_labelled_with_the_model_and_prompt_they_were_submitted_with(store: Store,
                                                                                  tmp_path: Path) -> None:
    old = config(tmp_path, prompt_version="v1")
    with FakeAnthropic(default=script, polls_to_end=20) as fake:
        run(store, old, fake)                                      # still running
        fake.polls_to_end = fake.batches.polls_to_end = 1
        new = config(tmp_path, prompt_version="v2")
        new = replace(new, scoring=replace(new.scoring, model="claude-opus-5-5"))
        run(store, new, fake)
    labels = {(s.model, s.prompt_version) for s in store.scores().values()}
    assert labels == {("claude-sonnet-5-5", "v1")}


def test_a_spend_limit_on_create_is_not_retried_and_switches_claude_off(store: Store, tmp_path: Path) -> None:
    from tests.fake_anthropic import spend_limit

    with FakeAnthropic(default=script) as fake:
        fake.batches.fail_next(spend_limit("contract_spend_limit_reached"))
        session, stage = run(store, config(tmp_path), fake)
        creates = [r for r in fake.requests if r.method == "POST" and r.path == "/v1/messages/batches"]
    assert len(creates) == 1 and session.disabled == "spend limit reached (contract_spend_limit_reached)"
    assert fake.message_requests == []
