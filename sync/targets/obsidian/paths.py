"""Note paths and wikilinks that are legal on every system Obsidian syncs to.

Every name kbsync writes goes through ``legal_name`` (one place, like beets'
destination), so the rules of the shared OBSIDIAN.md ("File names and
links") live here and nowhere else:

* NFC, because macOS may hand back NFD and two spellings would be two notes;
* Windows' forbidden characters ``< > : " / \\ | ? *``, the link breakers
  ``# ^ [ ]``, Android's ``+`` and ``'``, control characters, bidi overrides
  and the BOM are removed.  Quotes become the typographic ones, which every
  system stores, facing the way they face in the title: an apostrophe or a
  closing single quote ’ ("Don't" -> "Don’t", "l'état" -> "l’état",
  "the '90s" -> "the ’90s": deleted, it made "Dont" and "létat"), an
  opening one ‘ ("FBI has 'grave concerns'" -> "FBI has ‘grave concerns’"),
  and double quotes in pairs, “ then ” ('Bombcast: "Fun!"' -> "Bombcast
  “Fun!”", also between Chinese words, which have no space before them); a
  quote with a space on both sides is removed.  Every other run of removed
  characters becomes ONE space, so "AC/DC: Live" -> "AC DC Live".  White
  space is then collapsed to single spaces;
* a run of ``%`` becomes one ``%``: ``%%`` is Obsidian's comment mark, and a
  link to "a %% b" would hide the rest of the line (with kbsync's own
  ``%% kbsync:end %%`` marker further down, the rest of the note);
* leading dots and spaces (hidden files) and trailing dots and spaces (which
  Windows drops) are stripped;
* reserved Windows device names (CON, PRN, AUX, NUL, COM1-9, LPT1-9 and their
  superscript forms, CONIN$, CONOUT$), also with an extension and in any case,
  get a ``_`` after the stem: "con.txt" -> "con_.txt";
* names are capped in UTF-8 bytes (ext4 allows 255 bytes; we keep 200 for the
  stem so a " (NN)" collision suffix and ".md" always fit);
* an empty result is "untitled".

All functions are pure except ``inside``, which asks the file system to
resolve symlinks.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

MAX_NAME_BYTES = 200
UNTITLED = "untitled"

# Removed characters: Windows-forbidden, link breakers, Android's "+" and "'" (the quotes
# ``_typographic_quotes`` left: next to no word), C0/C1 controls, bidi embedding/override/isolate
# controls, BOM, lone surrogates.
_REMOVED = re.compile(
    "[<>:\"'/\\\\|?*#^\\[\\]+`\x00-\x1f\x7f-\x9f"
    "\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]+"
)
_REMOVED_BEFORE_CLOSING = re.compile("(?<=\\S)(?:" + _REMOVED.pattern + ")(?=[\u2019\u201d])")
_COMMENT_MARK = re.compile("%{2,}")
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{dev}{n}" for dev in ("COM", "LPT") for n in "123456789\u00b9\u00b2\u00b3"]
)
# An extension is a dot, a letter, then up to 9 letters/digits ("v1.2" has none).
_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,9}\Z")
_MAX_SUFFIX_TRIES = 10_000


# pure and called with the same folders, dates and sources for every note: computed once each
@lru_cache(maxsize=1 << 14)
def legal_name(name: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """``name`` made into one legal path component (see the module docstring).

    The result is NFC, contains none of the removed characters, does not start
    with a dot or space, does not end with a dot or space, is not a reserved
    Windows name, fits in ``max_bytes`` of UTF-8 without a split character,
    and is never empty.  ``legal_name(legal_name(x)) == legal_name(x)``.
    """
    if max_bytes < len(UNTITLED):
        raise ValueError(f"max_bytes must be at least {len(UNTITLED)}, got {max_bytes}")
    text = unicodedata.normalize("NFC", name)
    if "'" in text or '"' in text:
        text = _typographic_quotes(text)
    # what a closing quote follows directly goes without a gap: 'helping us?'' -> "helping us’"
    text = _REMOVED.sub(" ", _REMOVED_BEFORE_CLOSING.sub("", text))
    text = _COMMENT_MARK.sub("%", " ".join(text.split()))
    text = _strip_dots_spaces(_cap_bytes(_strip_dots_spaces(text), max_bytes))
    text = _unreserve(text, max_bytes)
    return text or UNTITLED


# a single quote opens a quotation at the start or after a space, an opening bracket, a dash or
# an opening double quote, before a letter; anywhere else next to a word it is an apostrophe or
# closes one ("Don't", "the boys' toys", "the '90s")
_SINGLE_OPENS = re.compile("(?<![^\\s(\\[{\u2010-\u2015\u201c/-])'(?=[^\\W\\d_])")
_SINGLE_CLOSES = re.compile("(?<=\\S)'|'(?=\\w)")


def _typographic_quotes(text: str) -> str:
    """ASCII quotes as typographic ones facing the right way (see the module docstring); a
    quote with a space on each side is left for ``_REMOVED``."""
    text = _SINGLE_CLOSES.sub("\u2019", _SINGLE_OPENS.sub("\u2018", text))
    if '"' not in text:
        return text
    # double quotes come in pairs: the first of a pair opens before a word, the second closes
    # after one; what does neither is removed
    out, opened = [], False
    for i, piece in enumerate(text.split('"')):
        if i:
            before, after = out[-1][-1:], piece[:1]
            if not opened and after.strip():
                out.append("\u201c")
                opened = True
            elif opened and before.strip():
                out.append("\u201d")
                opened = False
            else:
                out.append('"')
        out.append(piece)
    return "".join(out)


def _strip_dots_spaces(text: str) -> str:
    return text.strip(". ")


def _cap_bytes(text: str, max_bytes: int) -> str:
    """The longest prefix of ``text`` within ``max_bytes`` of UTF-8."""
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    # Decoding with "ignore" drops the one character the byte cut split.
    return unicodedata.normalize("NFC", encoded[:max_bytes].decode("utf-8", "ignore"))


def _unreserve(text: str, max_bytes: int) -> str:
    """Append "_" to a reserved stem; "CON" -> "CON_", "con.txt" -> "con_.txt"."""
    stem, dot, rest = text.partition(".")
    if stem.rstrip(" ").upper() not in _RESERVED:
        return text
    fixed = f"{stem}_{dot}{rest}"
    # The extra byte may overflow the cap: cut the tail, the stem stays.
    return _strip_dots_spaces(_cap_bytes(fixed, max_bytes))


def split_extension(name: str) -> tuple[str, str]:
    """``("stem", ".md")`` for "stem.md"; ``(name, "")`` when there is no extension."""
    match = _EXTENSION.search(name)
    if match is None or match.start() == 0:
        return name, ""
    return name[: match.start()], match.group()


class _LegalFormatter(string.Formatter):
    """str.format where every substituted value becomes one legal component."""

    def get_value(self, key: int | str, args: Any, kwargs: Mapping[str, Any]) -> Any:
        if isinstance(key, int):
            raise ValueError(f"path template: positional field {{{key}}} is not allowed; name it")
        if key not in kwargs:
            known = ", ".join(sorted(kwargs)) or "none"
            raise ValueError(f"path template: unknown field {{{key}}} (known: {known})")
        return kwargs[key]

    def format_field(self, value: Any, format_spec: str) -> str:
        return legal_name(super().format_field(value, format_spec))


@lru_cache(maxsize=64)
def _plain_fields(template: str) -> tuple[tuple[str, str | None, str], ...] | None:
    """The template as (literal text, field name, format spec) pieces, when every field is a
    plain name with no conversion and no nested spec (the default template's and most
    readers'); None for any other, which ``_LegalFormatter`` fills.

    Why: ``string.Formatter`` parses the template again for every note, in Python; a first
    sync places 10,000 notes one after the other, with the other core idle."""
    pieces = []
    for literal, field, spec, conversion in string.Formatter().parse(template):
        if field is not None and (not field.isidentifier() or conversion is not None or "{" in spec):
            return None
        pieces.append((literal, field, spec or ""))
    return tuple(pieces)


def _fill(pieces: tuple[tuple[str, str | None, str], ...], values: Mapping[str, Any]) -> str | None:
    """What ``_LegalFormatter().vformat`` makes of the template ``pieces`` (``_plain_fields``);
    None when a field is not in ``values`` (the formatter then says which)."""
    out = []
    for literal, field, spec in pieces:
        out.append(literal)
        if field is not None:
            if field not in values:
                return None
            out.append(legal_name(format(values[field], spec)))
    return "".join(out)


@lru_cache(maxsize=64)
def _check_template(template: str) -> None:
    """Reject templates whose literal text makes an absolute or empty path."""
    skeleton = "".join(
        literal + ("x" if field is not None else "")
        for literal, field, _spec, _conv in string.Formatter().parse(template)
    )
    if skeleton.startswith(("/", "\\", "~")) or re.match(r"[A-Za-z]:", skeleton):
        raise ValueError(f"path template must be relative, got {template!r}")
    for segment in skeleton.split("/"):
        if segment in ("", ".", ".."):
            raise ValueError(f"path template has an empty, '.' or '..' folder: {template!r}")


def render_path(template: str, values: Mapping[str, object]) -> PurePosixPath:
    """The relative note path for ``template`` filled from ``values``.

    ``template`` uses str.format syntax with named fields; datetime format
    specs work ("{published:%Y-%m-%d}").  Each substituted value is legalised
    as ONE component first, so a "/" in a title never makes a folder; then
    each segment of the result is legalised again (a literal extension such
    as ".md" at the end is kept outside the byte cap).  Raises ValueError for
    an unknown or positional field and for a template that is absolute or has
    an empty, "." or ".." folder.
    """
    _check_template(template)
    pieces = _plain_fields(template)
    try:
        rendered = _fill(pieces, values) if pieces is not None else None
        if rendered is None:
            rendered = _LegalFormatter().vformat(template, (), values)
    except (KeyError, IndexError, AttributeError, TypeError) as exc:
        raise ValueError(f"path template {template!r}: {exc}") from exc
    *folders, last = rendered.split("/")
    stem, extension = split_extension(last)
    parts = [legal_name(folder) for folder in folders]
    parts.append(legal_name(stem) + extension)
    return PurePosixPath(*parts)


def with_suffix_number(path: PurePosixPath, n: int) -> PurePosixPath:
    """"X.md" -> "X (n).md", the stem cut as needed to stay within the byte cap."""
    if n < 2:
        raise ValueError(f"collision numbers start at 2, got {n}")
    stem, extension = split_extension(path.name)
    suffix = f" ({n})"
    budget = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    return path.with_name(legal_name(stem, budget) + suffix + extension)


def name_key(path: PurePosixPath) -> str:
    """The key Obsidian's link resolution compares: base name without ".md",
    case-folded and NFC.  Two notes with the same key collide."""
    return _key_of_name(path.name)


def name_key_of(path: str) -> str:
    """``name_key(PurePosixPath(path))`` for a path string, without building the path object
    (a vault of 100,000 notes asks this for every note, twice a run); a last part that is
    empty or "." (which ``PurePosixPath`` normalises away) goes the long way."""
    name = path.rpartition("/")[2]
    if name in ("", "."):
        return name_key(PurePosixPath(path))
    return _key_of_name(name)


def _key_of_name(name: str) -> str:
    if name.lower().endswith(".md"):
        name = name[:-3]
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def with_suffix_label(path: PurePosixPath, label: str) -> PurePosixPath | None:
    """"X.md" -> "X (label).md" (the stem cut to fit), or None when the label has no legal form."""
    clean = legal_name(label, 60).strip()
    if not clean or clean == "_":
        return None
    stem, extension = split_extension(path.name)
    suffix = f" ({clean})"
    budget = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    return path.with_name(legal_name(stem, budget) + suffix + extension)


def unique_path(path: PurePosixPath, taken: Callable[[PurePosixPath], bool],
                label: str | None = None) -> PurePosixPath:
    """``path`` if free, else "X (label).md" when a ``label`` is given and that is
    free (the source: two feeds' reports of one title are told apart by who
    wrote them), else the first free "X (2).md", "X (3).md", ...

    ``taken`` decides what is free; it should compare ``name_key`` values so
    that "Note.md" and "note.md" in another folder count as a collision.
    """
    if not taken(path):
        return path
    labelled = with_suffix_label(path, label) if label else None
    if labelled is not None and not taken(labelled):
        return labelled
    for n in range(2, _MAX_SUFFIX_TRIES):
        candidate = with_suffix_number(path, n)
        if not taken(candidate):
            return candidate
    raise ValueError(f"no free name for {path} after {_MAX_SUFFIX_TRIES} tries")


def inside(root: Path, rel: PurePosixPath) -> Path:
    """``root/rel`` resolved (symlinks followed); ValueError if it leaves ``root``."""
    base = root.resolve()
    try:
        target = (base / rel).resolve()
    except (OSError, RuntimeError) as exc:  # symlink loop
        raise ValueError(f"cannot resolve {rel} under {root}: {exc}") from exc
    if target != base and base not in target.parents:
        raise ValueError(f"{rel} escapes {root} (resolves to {target})")
    return target


_LINK_BREAKERS = re.compile(r"[\[\]|\r\n\x85\u2028\u2029]+")
# a backtick in link text may open a code span, which outranks the wikilink around it
_SHOWN_BREAKERS = re.compile(r"[\[\]|`\r\n\x85\u2028\u2029]+")


def wikilink(target_name: str, shown: str | None = None, *, in_table: bool = False) -> str:
    """``[[target_name|shown]]``; ``[[target_name]]`` when nothing else is shown.

    ``target_name`` is a base name without ".md" (or a path-qualified one,
    "Articles/2026/02/Name"); "#Heading" and "#^block" anchors are allowed.
    It must not contain "[", "]", "|" or a line break (ValueError): cleaning
    it here would silently point the link at another note.  ``shown`` has
    those characters replaced by spaces, white space collapsed and ``%%``
    (an Obsidian comment mark) cut to ``%``.  Inside a Markdown table the
    alias pipe is escaped as ``\\|``.
    """
    if not target_name.strip() or _LINK_BREAKERS.search(target_name):
        raise ValueError(f"not a link target: {target_name!r}")
    text = _COMMENT_MARK.sub("%", " ".join(_SHOWN_BREAKERS.sub(" ", shown).split())) if shown is not None else ""
    if not text or text == target_name:
        return f"[[{target_name}]]"
    pipe = "\\|" if in_table else "|"
    return f"[[{target_name}{pipe}{text}]]"
