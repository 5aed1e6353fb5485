"""The Jinja templates pages are rendered with: the bundled ones, or the reader's.

Contract:
- ``environment(kind, folder)``: a Jinja environment whose loader looks in
  the reader's ``[vault] templates`` folder first, then in the bundled
  ``sync/templates``; a file there named like a bundled one
  (``article.md.j2``, ``daily.md.j2``, ``weekly.md.j2``) replaces it.
  ``kind`` picks the whitespace rules the bundled templates are written for
  (``article``: as written; ``rollup``: trim_blocks, lstrip_blocks).
- ``render(env, name, **values)``: the rendered text, or one
  ``TemplateError`` naming the file and line (a syntax error, an unknown
  variable, a filter that fails) instead of a traceback. The result goes
  inside kbsync's block, so it must not contain the block markers: that too
  is a ``TemplateError``.
- ``check(folder)`` compiles every template of the folder up front, so a
  broken one stops the vault stage before any page is written.
- ``texts(folder)``: what the render fingerprint hashes (a changed template
  renders every page again, once).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

BUNDLED = Path(__file__).resolve().parent.parent / "templates"
NAMES = ("article.md.j2", "daily.md.j2", "weekly.md.j2")
MARKER = "%% kbsync:"


class TemplateError(ValueError):
    """A template that cannot be used, in one line: ``path:line: what``."""


@cache
def environment(kind: str, folder: Path | None = None,
                filters: tuple[tuple[str, Callable[..., Any]], ...] = ()) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(str(BUNDLED))]
    if folder is not None:
        loaders.insert(0, jinja2.FileSystemLoader(str(folder)))
    rollup = kind == "rollup"
    env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=False,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=rollup, lstrip_blocks=rollup)
    env.filters.update(dict(filters))
    return env


def _where(exc: BaseException, name: str, folder: Path | None) -> tuple[str, int | None]:
    """The template file and line an error happened at (from Jinja's rewritten traceback)."""
    path = folder / name if folder is not None and (folder / name).is_file() else BUNDLED / name
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return exc.filename or str(path), exc.lineno
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(name):
            line = tb.tb_lineno
        tb = tb.tb_next
    return str(path), line


def render(env: jinja2.Environment, name: str, folder: Path | None = None, **values: Any) -> str:
    try:
        text = env.get_template(name).render(**values)
    except Exception as exc:   # noqa: BLE001 - whatever a template does wrong is one clear line
        path, line = _where(exc, name, folder)
        message = getattr(exc, "message", None) or str(exc)
        raise TemplateError(f"{path}:{line or '?'}: {type(exc).__name__}: {message}") from None
    if MARKER in text:
        path, _ = _where(Exception(), name, folder)
        raise TemplateError(f"{path}: the output contains kbsync's block marker ({MARKER}...); "
                            "the block is kbsync's, its markers too")
    return text


def check(folder: Path | None) -> None:
    """Compile the reader's templates (TemplateError for the first broken one)."""
    if folder is None:
        return
    if not folder.is_dir():
        raise TemplateError(f"{folder}: [vault] templates folder not found")
    env = environment("article", folder)
    for name in NAMES:
        if (folder / name).is_file():
            try:
                env.get_template(name)
            except jinja2.TemplateSyntaxError as exc:
                raise TemplateError(f"{folder / name}:{exc.lineno}: {exc.message}") from None


def texts(folder: Path | None) -> list[tuple[str, str]]:
    """(name, text) of every template in use, for the render fingerprint."""
    out = []
    for name in NAMES:
        mine = folder / name if folder is not None else None
        path = mine if mine is not None and mine.is_file() else BUNDLED / name
        out.append((name, path.read_text("utf-8")))
    return out
