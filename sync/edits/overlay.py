"""The reader's category and tags on top of kbsync's scores, for every page that lists them.

Contract: ``reader_scores(store, scores)`` returns the scores with the
reader's latest edit of ``category`` (their value) and of ``tags`` (their
additions and removals on kbsync's tags) applied, from the journal
(``reader_changes``) whichever target the edit was made in. The daily and
weekly digests (``rollups.pages.window``) and the Notion article pages use
it, so a category changed by hand lists the article under that category
everywhere. The note itself keeps the reader's value by the merge rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..models import Score
from ..store import Store
from . import journal
from .rules import CATEGORY, OWNED_EDITS, TAGS


def reader_edits(store: Store, kb_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """kb_id -> {property: the reader's latest value} for category and tags."""
    if not kb_ids:
        return {}
    winners = journal.latest(c for c in journal.entries(store, kb_ids) if c.property in OWNED_EDITS)
    out: dict[str, dict[str, Any]] = {}
    for (kb_id, prop), change in winners.items():
        if change.value is not None:
            out.setdefault(kb_id, {})[prop] = change.value
    return out


def reader_categories(store: Store) -> dict[str, str]:
    """kb_id -> the category the reader set last, for every article they filed (cleared edits
    dropped): the labels the offline scorer learns from (``scoring.learned``)."""
    winners = journal.latest(c for c in journal.entries(store) if c.property == CATEGORY)
    return {kb_id: change.value.strip() for (kb_id, _), change in winners.items()
            if isinstance(change.value, str) and change.value.strip()}


def with_tag_edit(tags: Sequence[str], edit: Mapping[str, Any] | None) -> tuple[str, ...]:
    if not isinstance(edit, Mapping):
        return tuple(tags)
    removed = {str(t).casefold() for t in edit.get("removed", [])}
    kept = [t for t in tags if t.casefold() not in removed]
    seen = {t.casefold() for t in kept}
    return tuple(kept + [str(t) for t in edit.get("added", []) if str(t).casefold() not in seen])


def apply(score: Score, edits: Mapping[str, Any] | None) -> Score:
    if not edits:
        return score
    category = edits.get(CATEGORY)
    return replace(score, category=category if isinstance(category, str) and category else score.category,
                   tags=with_tag_edit(score.tags, edits.get(TAGS)))


def reader_scores(store: Store, scores: Mapping[str, Score]) -> dict[str, Score]:
    edits = reader_edits(store, list(scores))
    return {k: apply(s, edits.get(k)) for k, s in scores.items()}
