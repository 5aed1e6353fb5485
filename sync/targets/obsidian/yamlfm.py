"""Note frontmatter that Obsidian reads as the intended property types.

``dumps_note`` writes ``---\\n<yaml>---\\n<body>`` and ``loads_note`` reads it
back: ``loads_note(dumps_note(m, b)) == (m, b)`` with equal values of the same
types for str, int, float, bool, None, date, aware and naive datetime, lists
and nested dicts (tuples come back as lists).  The YAML follows
the shared OBSIDIAN.md ("Properties"):

* keys keep insertion order;
* datetimes are ISO 8601 with a ``T`` (``2026-02-07T12:00:00+00:00``; naive
  stays naive; an offset with seconds is converted to UTC), dates are
  ``2026-02-07``;
* list items are indented under their key, as Obsidian writes them;
* a string is plain only when every YAML reader sees a string: anything a
  YAML 1.1 reader (PyYAML) *or* a 1.2 reader (the JavaScript libraries;
  which one Obsidian uses is not documented) would type -- yes/no/on/off/y/n, true/null/~, numbers in any base or form
  ("123", "1e3", "0x1F", "1:20"), dates -- is quoted, and so is anything
  starting with an indicator (``[[wikilinks]]``, ``#tag``, ``- x``) or
  containing ``": "`` / ``" #"``.  Quoted strings use double quotes when
  nothing needs escaping (``"[[Note]]"``, as Obsidian writes), single quotes
  when double quotes would escape an emoji, and escaped double quotes for
  line breaks and control characters, so every value is one line and no line
  of the frontmatter can look like its closing ``---``;
* None is written empty (``rating:``), as Obsidian does;
* long strings are never folded, Unicode is written as is.

Why not python-frontmatter's ``dumps``/``loads``: ``Post(body, **metadata)``
fails on a reader's property named ``content`` or ``handler``; both calls
strip the body (a note would lose its final newline and re-writes would not
be byte-stable); ``loads`` returns ``{}`` for a note whose frontmatter is not
closed; and its SafeLoader reads a reader's ``seen: yes`` as True and
``012`` as 10, which a re-write would then change.  The format is the same,
so python-frontmatter still reads our notes (the tests check that).

Speed: PyYAML's pure-Python emitter needs ~0.8 ms for a 15-key note, and
libyaml's CSafeDumper cannot indent list items (libyaml hard-codes indentless
sequences in mappings).  ``dumps_note`` therefore writes the common shape (a
flat mapping of scalars and lists of scalars) itself in ~70 us, with the very
same scalar decisions as ``ObsidianDumper``; the tests check that both give
identical text.  Anything else (nested dicts, odd keys, unknown types) goes
through ObsidianDumper.  Reading uses libyaml's parser when available.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any

import yaml

__all__ = [
    "NoteParseError", "ObsidianDumper", "ObsidianLoader", "dump_yaml", "dumps_note", "loads_note",
]


class NoteParseError(ValueError):
    """A note whose frontmatter is missing, unclosed, not YAML or not a mapping."""


# ---------------------------------------------------------------- scalars ---

# Characters that cannot stand raw in a one-line plain or single-quoted
# scalar: tab, C0/C1 controls, line breaks (also U+0085, U+2028, U+2029),
# the BOM and U+10FFFF.
_NOT_PRINTABLE = re.compile(
    "[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010fffe]|[\u2028\u2029\ufeff]")
# Characters a double-quoted scalar escapes (PyYAML escapes astral ones too).
_DQ_ESCAPED = re.compile('[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd]|["\\\\\u2028\u2029\ufeff]')
_DQ_NAMED = {
    "\0": "0", "\x07": "a", "\x08": "b", "\t": "t", "\n": "n", "\x0b": "v",
    "\x0c": "f", "\r": "r", "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N",
    "\u2028": "L", "\u2029": "P",
}
# Strings some YAML reader (1.1 or 1.2) gives a type other than string.
_TYPED = re.compile(
    r"""[-+]?\.?[0-9][0-9A-Za-z_.:+\-]*        # numbers in any base or form, dates
      | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)
      | y|Y|n|N|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF
      | true|True|TRUE|false|False|FALSE
      | ~|null|Null|NULL|<<|=""",
    re.X,
)
_PYYAML_RESOLVERS = yaml.resolver.Resolver.yaml_implicit_resolvers
_PLAIN_BAD_START = frozenset("-?:,[]{}#&*!|>'\"%@` ")


def _looks_typed(text: str) -> bool:
    if _TYPED.fullmatch(text):
        return True
    # PyYAML's own table as a safety net (timestamps with a space, ...).
    return any(regexp.match(text) for _tag, regexp in _PYYAML_RESOLVERS.get(text[:1], ()))


def _plain_ok(text: str) -> bool:
    """True when ``text`` can be written unquoted and reads back as this string."""
    return bool(
        text
        and text[0] not in _PLAIN_BAD_START
        and text[-1] not in " :"
        and not text.startswith("...")
        and ": " not in text
        and " #" not in text
        and not _NOT_PRINTABLE.search(text)
        and not _looks_typed(text)
    )


def _str_style(text: str) -> str | None:
    """None (plain), '"' or "'": the one place scalar quoting is decided."""
    if _plain_ok(text):
        return None
    if not _DQ_ESCAPED.search(text):
        return '"'
    if not _NOT_PRINTABLE.search(text):
        return "'"
    return '"'


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _DQ_NAMED:
        return "\\" + _DQ_NAMED[ch]
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02X}"
    if code <= 0xFFFF:
        return f"\\u{code:04X}"
    return f"\\U{code:08X}"


@lru_cache(maxsize=1 << 15)   # pure; every note repeats its property names, its category and tags
def _format_str(text: str) -> str:
    """``text`` as ObsidianDumper writes it (same bytes)."""
    style = _str_style(text)
    if style is None:
        return text
    if style == "'":
        return "'" + text.replace("'", "''") + "'"
    return '"' + _DQ_ESCAPED.sub(_escape, text) + '"'


def _iso_datetime(value: datetime) -> str:
    offset = value.utcoffset()
    # YAML timestamps carry whole-minute offsets only; the instant is kept.
    if offset is not None and (offset.seconds % 60 or offset.microseconds):
        value = value.astimezone(timezone.utc)
    return value.isoformat()


def _format_float(value: float) -> str:
    """As PyYAML's SafeRepresenter writes floats (".inf", "1.0e+17", ...)."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value).lower()
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    return text


# ----------------------------------------------------------------- dumper ---


class ObsidianDumper(yaml.SafeDumper):
    """SafeDumper with the four Obsidian fixes (see the module docstring).

    Keys are always kept in insertion order (``sort_keys`` is ignored: the
    order is part of the note's look); ``width`` defaults to unlimited and
    ``allow_unicode`` to True.
    """

    def __init__(self, stream: Any, default_style: str | None = None,
                 default_flow_style: bool | None = False, canonical: bool | None = None,
                 indent: int | None = None, width: float | None = None,
                 allow_unicode: bool | None = None, line_break: str | None = None,
                 encoding: str | None = None, explicit_start: bool | None = None,
                 explicit_end: bool | None = None, version: Any = None, tags: Any = None,
                 sort_keys: bool = False) -> None:
        super().__init__(
            stream, default_style=default_style, default_flow_style=default_flow_style,
            canonical=canonical, indent=indent,
            width=float("inf") if width is None else width,
            allow_unicode=True if allow_unicode is None else allow_unicode,
            line_break=line_break, encoding=encoding, explicit_start=explicit_start,
            explicit_end=explicit_end, version=version, tags=tags, sort_keys=False,
        )

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent "- item" under its key, as Obsidian does.
        super().increase_indent(flow, False)

    def represent_str(self, data: str) -> yaml.ScalarNode:
        return self.represent_scalar("tag:yaml.org,2002:str", str(data), style=_str_style(data))

    def represent_none(self, data: None) -> yaml.ScalarNode:
        return self.represent_scalar("tag:yaml.org,2002:null", "")

    def represent_datetime(self, data: datetime) -> yaml.ScalarNode:
        return self.represent_scalar("tag:yaml.org,2002:timestamp", _iso_datetime(data))


ObsidianDumper.add_representer(str, ObsidianDumper.represent_str)
ObsidianDumper.add_multi_representer(str, ObsidianDumper.represent_str)
ObsidianDumper.add_representer(type(None), ObsidianDumper.represent_none)
ObsidianDumper.add_representer(datetime, ObsidianDumper.represent_datetime)
ObsidianDumper.add_representer(tuple, ObsidianDumper.represent_list)


# ----------------------------------------------------------------- loader ---


_INT12 = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT12 = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


_MINUTE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}$")
_MINUTE_TAG = "tag:kbsync,2026:minute"


def _construct_minute(loader: yaml.constructor.SafeConstructor, node: yaml.ScalarNode) -> datetime:
    return datetime.fromisoformat(str(loader.construct_scalar(node)).replace("t", "T").replace(" ", "T"))


def _construct_int12(loader: yaml.constructor.SafeConstructor, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _type_as_yaml12(loader: type) -> type:
    """Give ``loader`` (a SafeLoader class) YAML 1.2 typing of plain scalars."""
    loader.yaml_implicit_resolvers = {}
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"))
    # int before float: the float pattern also matches "123".
    loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT12, list("-+0123456789"))
    loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT12, list("-+.0123456789"))
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
    for first, resolvers in _PYYAML_RESOLVERS.items():
        for tag, regexp in resolvers:
            if tag in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge"):
                loader.add_implicit_resolver(tag, regexp, [first])
    loader.add_constructor("tag:yaml.org,2002:int", _construct_int12)
    # a date & time typed by hand without seconds ("2026-02-28T05:05") is a date & time too
    loader.add_implicit_resolver(_MINUTE_TAG, _MINUTE, list("0123456789"))
    loader.add_constructor(_MINUTE_TAG, _construct_minute)
    return loader


class _UniqueKeys(yaml.constructor.SafeConstructor):
    """Refuse a mapping with a repeated key: PyYAML would keep the last value
    silently, and a re-write would then drop the reader's other one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # "<<" merges may legitimately repeat keys
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:
                continue  # unhashable: SafeConstructor reports it
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    f"found duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


@_type_as_yaml12
class ObsidianLoader(_UniqueKeys, yaml.SafeLoader):
    """SafeLoader that types plain scalars as YAML 1.2 readers do.

    true/false only (``yes``, ``on``, ``y`` stay strings), decimal ints
    without YAML 1.1's octal ``012`` or sexagesimal ``1:20``, ``0o``/``0x``
    ints, 1.2 floats (``1e3``, ``.5``), null, and dates / date-times, which
    Obsidian types as date properties.  ``=`` is a string (SafeLoader fails).
    A repeated key is an error.
    """


# The same typing on libyaml's parser: ~8x faster, used when PyYAML has it.
_LOADER: type = ObsidianLoader
if getattr(yaml, "__with_libyaml__", False):
    @_type_as_yaml12
    class _ObsidianCLoader(_UniqueKeys, yaml.CSafeLoader):
        """ObsidianLoader on libyaml's parser."""

    _LOADER = _ObsidianCLoader


# ------------------------------------------------------------ fast writer ---

_FAST_MAX_KEY = 100  # PyYAML writes keys of 123+ characters as "? key"
_LINE_BREAK = re.compile("[\n\x85\u2028\u2029]")


def _fast_scalar(value: Any) -> str | None:
    """The YAML of one scalar exactly as ObsidianDumper writes it, or None."""
    kind = type(value)
    if kind is str:
        return _format_str(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if value is None:
        return ""
    if kind is datetime:
        return _iso_datetime(value)
    if kind is date:
        return value.isoformat()
    if kind is float:
        return _format_float(value)
    return None


def _fast_yaml(metadata: Mapping[str, object]) -> str | None:
    """YAML for a flat mapping of scalars / lists of scalars; None otherwise."""
    lines: list[str] = []
    for key, value in metadata.items():
        # PyYAML writes empty, long or multi-line keys in the "? key" form.
        if (type(key) is not str or not key or len(key) > _FAST_MAX_KEY
                or _LINE_BREAK.search(key)):
            return None
        head = _format_str(key) + ":"
        if type(value) in (list, tuple):
            if not value:
                lines.append(head + " []")
                continue
            lines.append(head)
            for item in value:
                text = _fast_scalar(item)
                if text is None:
                    return None
                lines.append(f"  - {text}" if text else "  -")
            continue
        text = _fast_scalar(value)
        if text is None:
            return None
        lines.append(f"{head} {text}" if text else head)
    lines.append("")
    return "\n".join(lines)


def dump_yaml(metadata: Mapping[str, object]) -> str:
    """The frontmatter YAML (without the ``---`` lines); "" for no metadata."""
    if not metadata:
        return ""
    fast = _fast_yaml(metadata)
    if fast is not None:
        return fast
    return yaml.dump(dict(metadata), Dumper=ObsidianDumper)


def dumps_note(metadata: Mapping[str, object], body: str) -> str:
    """``---\\n<yaml>---\\n<body>``; ``body`` is kept exactly as given."""
    return f"---\n{dump_yaml(metadata)}---\n{body}"


# ---------------------------------------------------------------- reading ---

_OPEN = re.compile(r"\ufeff?---[ \t]*\r?\n")
_CLOSE = re.compile(r"^---[ \t]*(?:\r?\n|\Z)", re.M)


def loads_note(text: str) -> tuple[dict[str, Any], str]:
    """``(metadata, body)`` of a note; the body is returned byte for byte.

    Raises NoteParseError when the note does not start with ``---``, the
    frontmatter is never closed, the YAML is broken or is not a mapping: a
    caller that re-writes the note must not silently drop what it could not
    read.
    """
    opening = _OPEN.match(text)
    if opening is None:
        raise NoteParseError("note has no frontmatter (first line is not '---')")
    closing = _CLOSE.search(text, opening.end())
    if closing is None:
        raise NoteParseError("frontmatter is not closed (no '---' line after the first)")
    source = text[opening.end():closing.start()]
    try:
        data = yaml.load(source, Loader=_LOADER)  # noqa: S506 - a SafeLoader
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as exc:
        raise NoteParseError(f"frontmatter is not valid YAML: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise NoteParseError(f"frontmatter is a {type(data).__name__}, not a mapping of properties")
    return data, text[closing.end():]
