"""How to turn the kbsync blocks a page has into the ones it should have (pure).

Contract: ``diff(old, new)`` takes the content fingerprints of kbsync's
blocks as they are in the page (``old``, page order) and as they should be
(``new``) and returns the fewest edits, in page order:

- ``Keep(i, j)``: old block ``i`` is new block ``j`` unchanged;
- ``Patch(i, j)``: old block ``i`` becomes new block ``j`` in place (one
  ``PATCH /blocks/{id}``), possible when both have the same type, not an
  image or a video, and neither has children (Notion cannot replace children in
  an update);
- ``Delete(i)``: old block ``i`` goes;
- ``Insert(js, after)``: new blocks ``js`` go in one append call right after
  ``after`` (``("old", i)``, ``("new", j)`` or None for the top of the page).

Why: a body used to be deleted block by block and appended again (23
requests for one changed sentence), which also moved the reader's own blocks
above kbsync's. Edits in place keep every block's position, so the reader's
blocks stay where they were, and one changed sentence costs one request.

Fingerprints come from ``blocks.content_fingerprint``: ``type:hash`` with a
``+`` for a block with children; an old fingerprint of ``None`` (unknown,
from a record written before fingerprints covered children) never matches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

Anchor = tuple[str, int] | None


@dataclass(frozen=True)
class Keep:
    old: int
    new: int


@dataclass(frozen=True)
class Patch:
    old: int
    new: int


@dataclass(frozen=True)
class Delete:
    old: int


@dataclass(frozen=True)
class Insert:
    new: tuple[int, ...]
    after: Anchor


Edit = Keep | Patch | Delete | Insert


def _type(fp: str | None) -> str | None:
    return fp.split(":", 1)[0] if fp else None


# media blocks are replaced, not patched: what an update of one may carry is not on record
_REPLACED = frozenset({"image", "video"})


def patchable(old: str | None, new: str) -> bool:
    return old is not None and _type(old) == _type(new) and _type(new) not in _REPLACED \
        and not old.endswith("+") and not new.endswith("+")


def diff(old: Sequence[str | None], new: Sequence[str]) -> list[Edit]:
    # unknown old fingerprints are made unique so they never match anything
    keys = [fp if fp is not None else f"?{i}" for i, fp in enumerate(old)]
    edits: list[Edit] = []
    anchor: Anchor = None
    pending: list[int] = []

    def flush() -> None:
        nonlocal anchor, pending
        if pending:
            edits.append(Insert(tuple(pending), anchor))
            anchor, pending = ("new", pending[-1]), []

    def place(j: int) -> None:
        pending.append(j)

    for tag, i1, i2, j1, j2 in SequenceMatcher(None, keys, list(new), autojunk=False).get_opcodes():
        if tag == "equal":
            flush()
            edits += [Keep(i1 + k, j1 + k) for k in range(i2 - i1)]
            anchor = ("old", i2 - 1)
            continue
        olds, news = list(range(i1, i2)), list(range(j1, j2))
        while olds and news:
            i, j = olds.pop(0), news.pop(0)
            if patchable(old[i], new[j]):
                flush()
                edits.append(Patch(i, j))
                anchor = ("old", i)
            else:
                edits.append(Delete(i))
                place(j)
        edits += [Delete(i) for i in olds]
        for j in news:
            place(j)
        flush()
    flush()
    return edits


def cost(edits: Sequence[Edit]) -> int:
    """Requests the edits take (an insert of up to 100 blocks is one call)."""
    return sum(0 if isinstance(e, Keep) else 1 if not isinstance(e, Insert) else -(-len(e.new) // 100)
               for e in edits)
