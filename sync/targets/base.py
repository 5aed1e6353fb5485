"""The two target protocols and the pure decision of what to write.

``Projection`` is one configured target (the vault, Notion) during one run:
the pipeline loops over them, and each works through a page-level ``Target``.

Page level: the pipeline renders ``Doc``s (what kbsync owns in each page) and
``plan`` compares each with the target's sync record: a page whose owned part
hashes the same as last time is not touched at all (no read, no write, no
mtime change), a page the reader deleted is not written again unless
``restore``; everything else becomes an ``Intent`` for the target to apply.
A target applies intents and returns one ``Outcome`` per intent, carrying the
new sync record to store. Every target (Obsidian files, the in-memory twin,
Notion) passes the same contract tests in tests/test_target_contract.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..models import content_hash
from ..pages.doc import Doc
from ..store import SyncRecord


def owned_hash(doc: Doc) -> str:
    """Hash of everything kbsync owns in a page (properties and body block)."""
    return content_hash({"props": doc.props, "region": doc.region, "owned": doc.owned})


@dataclass(frozen=True)
class Intent:
    action: str                 # "create" | "update" | "verify" (restore: recreate if missing)
    doc: Doc
    record: SyncRecord | None
    owned_hash: str


@dataclass
class Outcome:
    key: str
    status: str                 # created | updated | unchanged | deleted | conflict | error | restored
    record: SyncRecord | None = None
    message: str = ""
    reader_props: dict[str, Any] | None = None
    edits: dict[str, Any] | None = None    # the reader's edits of owned values seen in the page (category, tags)
    where: str = ""                        # how the reader knows the page (a vault path); "" = the key

    @property
    def name(self) -> str:
        """The page as messages name it: its path when the target has one, else its key."""
        return self.where or self.key


@dataclass
class Plan:
    intents: list[Intent] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


def plan(docs: Sequence[Doc], records: Mapping[str, SyncRecord], *, restore: bool = False,
         hashes: Mapping[str, str] | None = None) -> Plan:
    """``hashes``: the docs' owned hashes when the caller has them already (computed where the
    docs were rendered), by key; else they are computed here."""
    result = Plan()
    for doc in docs:
        digest = hashes[doc.key] if hashes is not None else owned_hash(doc)
        record = records.get(doc.key)
        if record is None:
            result.intents.append(Intent("create", doc, None, digest))
        elif record.state == "deleted":
            # the reader deleted this page: respect it unless asked to restore
            if restore:
                result.intents.append(Intent("create", doc, record, digest))
            else:
                result.skipped["deleted"] += 1
        elif record.owned_hash == digest:
            if restore:
                result.intents.append(Intent("verify", doc, record, digest))
            else:
                result.skipped["unchanged"] += 1
        else:
            result.intents.append(Intent("update", doc, record, digest))
    return result


class Target(Protocol):
    name: str

    def allocate(self, docs: Sequence[Doc], records: Mapping[str, SyncRecord]) -> dict[str, str]:
        """Decide where new pages go (key -> location) without writing anything."""

    def apply(self, intents: Sequence[Intent], *, dry_run: bool = False) -> list[Outcome]:
        """Carry out the intents; never raise for one bad page (it becomes an error outcome)."""


Loaded = tuple[Mapping[str, Any], Mapping[str, Any]]   # (articles, scores) by kb_id, already in memory


class Projection(Protocol):
    """One configured target during one run; ``pipeline.project`` loops over these.

    Contract, in the order the pipeline calls it (each target's step runs
    before the next step starts for any target):

    - ``with target:`` opens it (an API session); raising one of ``errors``
      means the target failed this run;
    - ``edits_out()`` records the reader's edits made in this target (moves,
      deletions, Notion properties) into the store and the edits journal;
    - ``edits_in()`` writes edits made in the other targets (from the journal)
      into this one;
    - ``write(touched, ...)`` renders the pages whose inputs may have changed,
      ``plan``s them against the sync records and applies the intents through
      its page-level ``Target``; returns the outcomes by the ``RunResult``
      counter they count into;
    - ``finish()`` records that this run's rendering is complete.

    Every step returns the kb_ids whose pages must be rendered again, or its
    outcomes. An exception in ``errors`` stops this target for the rest of the
    run and never the other targets.
    """

    name: str                                   # "vault" | "notion": names its failures
    errors: tuple[type[BaseException], ...]     # what counts as this target failing

    def __enter__(self) -> Projection: ...

    def __exit__(self, *exc: object) -> None: ...

    def edits_out(self) -> set[str]: ...

    def edits_in(self) -> set[str]: ...

    def write(self, touched: set[str], *, restore: bool, loaded: Loaded,
              lap: Callable[[str], None], progress: Callable[[str, int, int], None]) -> dict[str, list[Outcome]]: ...

    def finish(self) -> None: ...

    def figures(self) -> dict[str, dict[str, int]]:
        """Figures of the run beside the outcomes, by counter (Notion: its request count)."""

    def notices(self) -> list[str]:
        """Lines for the run's output beside the outcomes (a database created again)."""

    def describe(self, exc: BaseException) -> str:
        """The one line that says why this target failed."""
