"""Article notes rendered on every core: the pure part of writing a note.

Contract: ``render_chunk`` turns a chunk of ``NoteItem``s into one ``Rendered``
per note: the ``Doc``, its owned hash (``targets.base.owned_hash``) and the
note as it is written when it is new (the file's text and its sync record's
merge base as JSON). That is all the CPU a note costs besides reading and
writing files and the store, and it is pure and picklable: ``render_notes``
runs it in worker processes (``sync.parallel``) for a large batch (a first
sync: thousands of notes), yielding chunks in order, so the main process
writes the notes already rendered while the workers render the next ones.
Small batches (the daily run) stay in process.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path

from ...models import Article, Score
from ...pages.article import article_doc
from ...pages.doc import Doc, RelatedItem
from ...parallel import map_maybe_parallel
from ..base import owned_hash
from .merge import base_of, new_note

PARALLEL_MIN = 1000   # notes; below this, starting workers costs more than rendering here
CHUNK = 250


@dataclass(frozen=True)
class NoteItem:
    article: Article
    score: Score
    related: Sequence[RelatedItem]
    week: str
    path: str | None
    week_link: str | None = None          # the ``week`` property as the vault resolves it (``ObsidianView.week_link``)
    template_folder: Path | None = None   # the reader's templates (``pages.templates``)


@dataclass(frozen=True)
class Prepared:
    """A new note, ready: the file's text and its record's merge base (JSON, as the store keeps it)."""

    text: str
    owned: str


def prepare(doc: Doc) -> Prepared:
    """What a new note's file and sync record hold (``NoteTarget`` writes it as is)."""
    return Prepared(new_note(doc.props, doc.region),
                    json.dumps(base_of(doc.props, doc.region), ensure_ascii=False, default=str))


@dataclass(frozen=True)
class Rendered:
    doc: Doc
    owned_hash: str
    prepared: Prepared


def render_chunk(job: tuple[tzinfo, Sequence[NoteItem]]) -> list[Rendered]:
    tz, items = job
    out = []
    for item in items:
        doc = article_doc(item.article, item.score, related=item.related, week=item.week, tz=tz, path=item.path,
                          week_link=item.week_link, template_folder=item.template_folder)
        out.append(Rendered(doc, owned_hash(doc), prepare(doc)))
    return out


def render_notes(items: Sequence[NoteItem], tz: tzinfo, *, chunk: int = CHUNK) -> Iterator[list[Rendered]]:
    """Rendered notes, chunk by chunk in the order of ``items``; on every core for a large batch."""
    jobs = [(tz, items[i:i + chunk]) for i in range(0, len(items), chunk)]
    yield from map_maybe_parallel(render_chunk, jobs, parallel=len(items) >= PARALLEL_MIN)
