"""The workspace as JSON, so ``--state FILE`` survives restarts.

Written atomically (temporary file, then ``os.replace``) after every write
that succeeded; read back on start. The format is this emulator's own.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from .common import Clock
from .state import Block, Database, DataSource, Option, Page, Prop, View, Workspace

FORMAT = 1


def dump(ws: Workspace) -> dict:
    return {"format": FORMAT, "bot_id": ws.bot_id, "person_id": ws.person_id, "workspace_id": ws.workspace_id,
            "pages": [asdict(p) for p in ws.pages.values()],
            "databases": [asdict(d) for d in ws.databases.values()],
            "data_sources": [asdict(d) for d in ws.data_sources.values()],
            "blocks": [asdict(b) for b in ws.blocks.values()],
            "views": [asdict(v) for v in ws.views.values()]}


def load(data: dict, clock: Clock) -> Workspace:
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown state format {data.get('format')!r}")
    ws = Workspace(clock, data["bot_id"], data["person_id"], data["workspace_id"])
    for raw in data["pages"]:
        ws.pages[raw["id"]] = Page(**raw)
    for raw in data["databases"]:
        ws.databases[raw["id"]] = Database(**raw)
    for raw in data["data_sources"]:
        props = {}
        for pid, p in raw.pop("props").items():
            options = [Option(**o) for o in p.pop("options")]
            props[pid] = Prop(**p, options=options)
        ws.data_sources[raw["id"]] = DataSource(**raw, props=props)
    for raw in data["blocks"]:
        ws.blocks[raw["id"]] = Block(**raw)
    for raw in data.get("views", []):          # files written before views were modelled have none
        ws.views[raw["id"]] = View(**raw)
    stamps = [t.edited for group in (ws.pages, ws.databases, ws.data_sources, ws.blocks) for t in group.values()]
    clock.seen(max(stamps, default=0))
    ws.restart_seq(max((p.seq for p in ws.pages.values()), default=-1) + 1)
    return ws


def save(ws: Workspace, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(dump(ws), out, ensure_ascii=False)
    os.replace(tmp, path)


def read(path: Path, clock: Clock) -> Workspace | None:
    if not path.exists():
        return None
    return load(json.loads(path.read_text(encoding="utf-8")), clock)
