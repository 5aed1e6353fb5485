"""Imports only go downward: the package layout stays the data flow.

The layers, lowest first. A module may import from its own layer and the
layers below it, never from one above; the two targets never import each
other. Every import counts, including ones inside functions, so a lazy
import cannot hide an upward dependency. A module that is in no layer fails
the test too: a new package must be given its place here (and in the
README's "How it works" tree).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sync"

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("core", ("sync", "sync.models", "sync.config", "sync.text", "sync.resources", "sync.tags",
              "sync.prices", "sync.parallel", "sync.escaping", "sync.phrases", "sync.collector")),
    ("store", ("sync.store",)),
    ("edits", ("sync.edits",)),
    ("sources", ("sync.sources",)),
    ("links", ("sync.links",)),
    ("pages", ("sync.pages",)),
    ("rollups", ("sync.rollups",)),
    ("scoring", ("sync.scoring",)),
    ("targets", ("sync.targets",)),
    ("pipeline", ("sync.pipeline", "sync.importer")),
    ("daemon", ("sync.daemon",)),
    ("commands", ("sync.cli", "sync.status", "sync.doctor")),
]
SIBLINGS = ("sync.targets.obsidian", "sync.targets.notion")   # neither imports the other


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int | None:
    best: tuple[int, int] | None = None   # (prefix length, layer index): the longest prefix wins
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if prefix == "sync" and module != "sync":
                    continue   # "sync" names the package's own __init__ only
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), index)
    return None if best is None else best[1]


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every import of a ``sync`` module in the file."""
    this = module_name(path)
    package = this if path.name == "__init__.py" else this.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # "from . import journal" imports a module: judge the module, not its package
            names = [f"{target}.{a.name}" for a in node.names]
            for name in names:
                module = name if (PACKAGE.parent / (name.replace(".", "/") + ".py")).exists() or \
                    (PACKAGE.parent / name.replace(".", "/")).is_dir() else target
                if module.split(".")[0] == "sync":
                    found.append((node.lineno, module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "sync"]
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer():
    assert [module_name(p) for p in MODULES if layer_of(module_name(p)) is None] == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_only_go_downward(path: Path):
    this = module_name(path)
    mine = layer_of(this)
    assert mine is not None
    upward = []
    for line, target in imports(path):
        theirs = layer_of(target)
        if theirs is not None and theirs > mine:
            upward.append(f"line {line}: {target} ({LAYERS[theirs][0]} is above {LAYERS[mine][0]})")
        for a, b in (SIBLINGS, SIBLINGS[::-1]):
            if (this == a or this.startswith(a + ".")) and (target == b or target.startswith(b + ".")):
                upward.append(f"line {line}: {target} (the targets never import each other)")
    assert upward == []


def test_the_rule_catches_an_upward_import(tmp_path):
    """The check itself works: a store module importing the pipeline is refused."""
    assert layer_of("sync.store.ingest") < layer_of("sync.pipeline")
    assert layer_of("sync.targets.obsidian.view") == layer_of("sync.targets")
    assert layer_of("sync.cli") == len(LAYERS) - 1
