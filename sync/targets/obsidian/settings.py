"""The vault's Obsidian settings kbsync depends on: property types, the Daily notes folder.

Contract:
- ``merge_types(theirs, ours)`` (pure) adds kbsync's property types that the
  vault's ``.obsidian/types.json`` lacks and never changes a type the reader
  set: a different one is a conflict, reported (Obsidian keeps one type per
  property across the whole vault, so kbsync cannot have its own).
- ``install_types(vault)`` does that to the file (atomically) for ``kbsync
  init`` into an existing vault; ``type_problems(vault)`` lists what ``kbsync
  doctor`` reports: missing and conflicting types.
- ``daily_collision(vault, daily_folder)``: the Daily notes plugin writing
  the reader's journal into the folder where kbsync writes its digests (they
  would share files); kbsync's template points the plugin at ``Journal/``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ...resources import data_dir

TYPES = Path(".obsidian") / "types.json"


def kbsync_types() -> dict[str, str]:
    return json.loads((data_dir("vault_template") / TYPES).read_text("utf-8"))["types"]


def merge_types(theirs: dict[str, Any], ours: dict[str, str]) -> tuple[dict[str, Any], list[str], list[str]]:
    """(merged types, names added, conflict lines); the reader's types always stay."""
    merged = dict(theirs)
    added, conflicts = [], []
    for name, kind in ours.items():
        if name not in theirs:
            merged[name] = kind
            added.append(name)
        elif theirs[name] != kind:
            conflicts.append(f"property {name!r} is {theirs[name]!r} in your vault, kbsync writes {kind!r}; "
                             "your type is kept")
    return merged, added, conflicts


def _read(vault: Path) -> dict[str, Any]:
    path = vault / TYPES
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not valid JSON ({exc}); fix or remove it") from None
    return data if isinstance(data, dict) else {}


def install_types(vault: Path) -> tuple[list[str], list[str]]:
    """Merge kbsync's types into the vault's types.json; returns (added, conflicts)."""
    data = _read(vault)
    types = data.get("types") if isinstance(data.get("types"), dict) else {}
    merged, added, conflicts = merge_types(types, kbsync_types())
    if added:
        path = vault / TYPES
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.kbsync-tmp")
        tmp.write_text(json.dumps({**data, "types": merged}, indent=2, ensure_ascii=False) + "\n", "utf-8")
        os.replace(tmp, path)
    return added, conflicts


def type_problems(vault: Path) -> list[str]:
    """Missing and conflicting property types (empty: every property kbsync writes is declared)."""
    try:
        data = _read(vault)
    except ValueError as exc:
        return [str(exc)]
    types = data.get("types") if isinstance(data.get("types"), dict) else {}
    _, added, conflicts = merge_types(types, kbsync_types())
    missing = [f"property {name!r} has no type in .obsidian/types.json (run `kbsync init` to add kbsync's types)"
               for name in added]
    return missing + conflicts


def daily_collision(vault: Path, daily_folder: str) -> str | None:
    """A line when Obsidian's Daily notes plugin writes into kbsync's digest folder."""
    path = vault / ".obsidian" / "daily-notes.json"
    try:
        folder = json.loads(path.read_text("utf-8")).get("folder", "") if path.exists() else None
    except (OSError, ValueError, AttributeError):
        return None
    if folder is None:
        return None
    if folder.strip("/").casefold() == daily_folder.strip("/").casefold():
        return (f"Obsidian's Daily notes plugin writes your journal into {daily_folder}/, where kbsync writes "
                f"its daily digests; set another folder (Settings > Daily notes), e.g. Journal")
    return None
