"""Note names, paths and wikilinks (sync/render/paths.py) against OBSIDIAN.md's rules."""

from __future__ import annotations

import os
import re
import unicodedata
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.targets.obsidian.paths import (
    MAX_NAME_BYTES,
    inside,
    legal_name,
    name_key,
    render_path,
    unique_path,
    wikilink,
    with_suffix_number,
)

FORBIDDEN = set('<>:"/\\|?*#^[]+\'')
RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{dev}{n}" for dev in ("COM", "LPT") for n in "123456789\u00b9\u00b2\u00b3"
}
ARTICLE = "Articles/{published:%Y}/{published:%m}/{published:%Y-%m-%d} {title}.md"
WHEN = datetime(2026, 2, 7, 12, 0, tzinfo=timezone.utc)


def assert_legal(name: str, max_bytes: int = MAX_NAME_BYTES) -> None:
    assert name
    assert not FORBIDDEN & set(name), name
    assert not any(unicodedata.category(ch) == "Cc" for ch in name), name
    assert not name.startswith((".", " ")) and not name.endswith((".", " ")), name
    assert len(name.encode("utf-8")) <= max_bytes
    assert name.partition(".")[0].rstrip(" ").upper() not in RESERVED
    assert unicodedata.is_normalized("NFC", name)
    assert "  " not in name


# ------------------------------------------------------------ legal_name ---


@given(st.text(), st.integers(min_value=8, max_value=300))
def test_legal_name_obeys_every_rule_and_is_idempotent(raw: str, max_bytes: int) -> None:
    name = legal_name(raw, max_bytes)
    assert_legal(name, max_bytes)
    assert legal_name(name, max_bytes) == name


@given(st.lists(st.sampled_from(sorted(RESERVED) + ["con", "Nul", ".", " ", "txt", "md", "?"]),
                max_size=6).map("".join))
def test_reserved_names_never_survive(raw: str) -> None:
    name = legal_name(raw)
    assert_legal(name)
    assert legal_name(name) == name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "etc passwd"),
        ("CON", "CON_"),
        ("con.md", "con_.md"),
        ("con.txt", "con_.txt"),
        ("lpt9.tar.gz", "lpt9_.tar.gz"),
        ("COM\u00b9", "COM\u00b9_"),
        ("CONIN$", "CONIN$_"),
        ("Console", "Console"),
        ("CON_", "CON_"),
        ("مرحبا بالعالم", "مرحبا بالعالم"),
        ("人工智能的未来", "人工智能的未来"),
        ("...", "untitled"),
        ("???", "untitled"),
        ("", "untitled"),
        ("[[x]] | #tag ^block", "x tag block"),
        ("---\nkey: value", "--- key value"),
        ("line one\nline two\tthree\r\n", "line one line two three"),
        ("Cafe\u0301", "Caf\u00e9"),
        ("Don't panic", "Don\u2019t panic"),
        ("Migrants : l'urgence thérapeutique", "Migrants l\u2019urgence thérapeutique"),
        ("AC/DC: Live", "AC DC Live"),
        ("C++ and C#", "C and C"),
        ("  .hidden. ", "hidden"),
        ("evil\u202etxt.exe", "evil txt.exe"),
        ("a\x00b\x7fc", "a b c"),
    ],
)
def test_hostile_names(raw: str, expected: str) -> None:
    assert legal_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # a quote that opens a word turns the other way from the one that closes it or stands
        # inside one (titles quote a lot: 1.4 % of 4,710 corpus titles have an opening ')
        ("FBI has 'grave concerns' about the memo", "FBI has \u2018grave concerns\u2019 about the memo"),
        ("'This is over': Puigdemont's doubts", "\u2018This is over\u2019 Puigdemont\u2019s doubts"),
        ("Spotify's 'Batman Unburied' (the 'podcast')",
         "Spotify\u2019s \u2018Batman Unburied\u2019 (the \u2018podcast\u2019)"),
        # an elided century stays an apostrophe: '90s, '24
        ("Born in the '70s, '80s, or '90s", "Born in the \u201970s, \u201980s, or \u201990s"),
        ("Class of '24 reunion", "Class of \u201924 reunion"),
        # double quotes, which Windows forbids, become typographic ones rather than a gap
        ('Giant Bombcast 474: "Fun!"', "Giant Bombcast 474 \u201cFun!\u201d"),
        ('From "Derry Girls" To "Downton Abbey"', "From \u201cDerry Girls\u201d To \u201cDownton Abbey\u201d"),
        ('Trump diz que tem um bot\u00e3o "muito maior"', "Trump diz que tem um bot\u00e3o \u201cmuito maior\u201d"),
        ("SpeechLLM \u5b66\u4f1a\"\u542c\u8bdd\u5916\u97f3\"", "SpeechLLM \u5b66\u4f1a\u201c\u542c\u8bdd\u5916\u97f3\u201d"),
        # a character removed before a closing quote leaves no gap
        ("Floods: 'How about helping us?'", "Floods \u2018How about helping us\u2019"),
        ('He asked "why?" twice', "He asked \u201cwhy\u201d twice"),
        # a quote that opens and closes nothing (spaces on both sides) is still removed
        ('a " b', "a b"),
        ("a ' b", "a b"),
        ('""', "untitled"),
    ],
)
def test_quotes_become_typographic_ones_that_face_the_right_way(raw: str, expected: str) -> None:
    assert legal_name(raw) == expected


def test_long_names_are_cut_in_bytes_without_splitting_characters() -> None:
    assert legal_name("a" * 10_000) == "a" * MAX_NAME_BYTES
    assert legal_name("🚀" * 200) == "🚀" * (MAX_NAME_BYTES // 4)
    assert legal_name("漢" * 100) == "漢" * (MAX_NAME_BYTES // 3)
    assert legal_name("é" * 150, max_bytes=11) == "é" * 5


def test_a_cut_leaves_no_trailing_space_or_dot() -> None:
    assert legal_name("a" * 199 + " b") == "a" * 199
    assert legal_name("a" * 198 + ". b") == "a" * 198


def test_max_bytes_too_small_is_refused() -> None:
    with pytest.raises(ValueError):
        legal_name("x", max_bytes=3)


# ----------------------------------------------------------- render_path ---


def test_render_article_path() -> None:
    path = render_path(ARTICLE, {"published": WHEN, "title": "GPT-5: what's new?"})
    assert path == PurePosixPath("Articles/2026/02/2026-02-07 GPT-5 what\u2019s new.md")


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("../../etc/passwd", "etc passwd.md"),
        ("CON", "CON_.md"),
        ("con.md", "con_.md.md"),
        ("...", "untitled.md"),
        ("???", "untitled.md"),
        ("a/b\\c", "a b c.md"),
        ("[[x]] | #tag ^block", "x tag block.md"),
        ("---\nkey: value", "--- key value.md"),
    ],
)
def test_hostile_titles_stay_one_file_in_the_folder(title: str, name: str) -> None:
    path = render_path("Notes/{title}.md", {"title": title})
    assert path == PurePosixPath("Notes", name)


def test_long_title_keeps_extension_and_cap() -> None:
    path = render_path(ARTICLE, {"published": WHEN, "title": "🚀" * 200})
    assert path.suffix == ".md"
    stem = path.name[: -len(".md")]
    assert len(stem.encode("utf-8")) <= MAX_NAME_BYTES
    assert stem.startswith("2026-02-07 🚀")


@given(st.text(), st.text(), st.datetimes(min_value=datetime(1000, 1, 1)))
def test_render_path_never_escapes(title: str, folder: str, when: datetime) -> None:
    path = render_path("Articles/{folder}/{when:%Y-%m-%d} {title}.md",
                       {"title": title, "folder": folder, "when": when})
    assert not path.is_absolute()
    assert len(path.parts) == 3  # a "/" in a value never makes a folder
    assert path.parts[0] == "Articles"
    assert path.name.endswith(".md")
    for part in path.parts:
        assert part not in ("", ".", "..")
        assert "\\" not in part and "/" not in part
    assert_legal(path.parts[1])
    assert_legal(path.name[: -len(".md")])


@given(st.text())
def test_rendered_path_stays_inside_the_vault(title: str) -> None:
    root = Path(os.sep, "vault")
    path = render_path("{title}/{title}.md", {"title": title})
    assert (root / path).resolve().is_relative_to(root.resolve())


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("Articles/{nope}.md", "unknown field {nope}"),
        ("{0}.md", "positional"),
        ("{}.md", "positional"),
        ("/etc/{title}.md", "relative"),
        ("\\\\server/{title}.md", "relative"),
        ("C:/{title}.md", "relative"),
        ("../{title}.md", "'..'"),
        ("Articles//{title}.md", "empty"),
        ("Articles/./{title}.md", "'.'"),
        ("{title.nope}.md", "nope"),
    ],
)
def test_bad_templates_give_clear_errors(template: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        render_path(template, {"title": "x"})


_FIELDS = st.sampled_from(["title", "source", "published", "tier", "score"])
_SPECS = {"published": st.sampled_from(["", "%Y", "%m", "%Y-%m-%d", "%Y/%m", "%d %b"]),
          "score": st.sampled_from(["", "03d", ">5", "x"])}


@st.composite
def _templates(draw: st.DrawFn) -> str:
    """A template of literal text (braces escaped) and plain fields with format specs."""
    parts = []
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        parts.append(draw(st.text(alphabet=st.sampled_from("ab /.-{}%:é模"), max_size=6))
                     .replace("{", "{{").replace("}", "}}"))
        field = draw(_FIELDS)
        spec = draw(_SPECS.get(field, st.just("")))
        parts.append("{" + field + (":" + spec if spec else "") + "}")
    return "".join(parts) + ".md"


@given(_templates(), st.text(), st.text(max_size=20), st.datetimes(min_value=datetime(1000, 1, 1)),
       st.integers(min_value=0, max_value=100))
def test_plain_fields_fill_as_the_formatter_does(template: str, title: str, source: str, when: datetime,
                                                  score: int) -> None:
    """``render_path`` fills plain fields itself (``_fill``): the same text as the formatter."""
    from sync.targets.obsidian.paths import _fill, _LegalFormatter, _plain_fields

    values = {"title": title, "source": source, "published": when, "tier": "must-read", "score": score}
    pieces = _plain_fields(template)
    assert pieces is not None
    assert _fill(pieces, values) == _LegalFormatter().vformat(template, (), values)
    if "{title" in template:   # a field without a value: the formatter's error, which names it
        assert _fill(pieces, {k: v for k, v in values.items() if k != "title"}) is None


def test_a_value_its_spec_does_not_fit_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="path template"):
        render_path("{published:%Y}/{title}.md", {"published": None, "title": "x"})


def test_other_fields_are_left_to_the_formatter() -> None:
    from sync.targets.obsidian.paths import _plain_fields

    for template in ("{title!r}.md", "{title.upper}.md", "{0}.md", "{}.md", "{published:{spec}}.md", "{a[0]}.md"):
        assert _plain_fields(template) is None
    assert render_path("{title!s}/{title}.md", {"title": "a:b"}) == PurePosixPath("a b/a b.md")


def test_format_spec_with_slash_cannot_make_a_folder() -> None:
    path = render_path("{when:%Y/%m}/{title}.md", {"when": WHEN, "title": "x"})
    assert path == PurePosixPath("2026 02/x.md")


# --------------------------------------------------- collisions, keys ---


def test_with_suffix_number() -> None:
    assert with_suffix_number(PurePosixPath("A/X.md"), 2) == PurePosixPath("A/X (2).md")
    assert with_suffix_number(PurePosixPath("v1.2"), 3) == PurePosixPath("v1.2 (3)")
    with pytest.raises(ValueError):
        with_suffix_number(PurePosixPath("X.md"), 1)


@given(st.text(min_size=1), st.integers(min_value=2, max_value=10_000))
def test_suffix_stays_within_the_cap(title: str, n: int) -> None:
    path = with_suffix_number(render_path("{t}.md", {"t": title}), n)
    stem = path.name[: -len(".md")]
    assert stem.endswith(f" ({n})")
    assert len(stem.encode("utf-8")) <= MAX_NAME_BYTES
    assert_legal(stem)


def test_name_key_ignores_case_normal_form_and_extension() -> None:
    a = name_key(PurePosixPath("Articles/Cafe\u0301 News.md"))
    b = name_key(PurePosixPath("Other/CAF\u00c9 NEWS.MD"))
    assert a == b == "caf\u00e9 news"


def test_unique_path_numbers_case_insensitive_collisions() -> None:
    existing = {name_key(PurePosixPath(p)) for p in ("A/note.md", "B/NOTE (2).md")}

    def taken(path: PurePosixPath) -> bool:
        return name_key(path) in existing

    assert unique_path(PurePosixPath("C/Note.md"), taken) == PurePosixPath("C/Note (3).md")
    assert unique_path(PurePosixPath("C/Fresh.md"), taken) == PurePosixPath("C/Fresh.md")


def test_unique_path_gives_up_clearly() -> None:
    with pytest.raises(ValueError, match="no free name"):
        unique_path(PurePosixPath("X.md"), lambda _path: True)


# ------------------------------------------------------------------ inside ---


def test_inside_accepts_paths_in_the_root(tmp_path: Path) -> None:
    assert inside(tmp_path, PurePosixPath("a/b.md")) == tmp_path.resolve() / "a" / "b.md"


@pytest.mark.parametrize("rel", ["../x.md", "a/../../x.md", "/etc/passwd"])
def test_inside_refuses_escapes(tmp_path: Path, rel: str) -> None:
    with pytest.raises(ValueError, match="escapes"):
        inside(tmp_path / "vault", PurePosixPath(rel))


def test_inside_follows_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    (root / "real").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (root / "out").symlink_to(tmp_path / "outside")
    (root / "alias").symlink_to(root / "real")
    with pytest.raises(ValueError, match="escapes"):
        inside(root, PurePosixPath("out/x.md"))
    assert inside(root, PurePosixPath("alias/x.md")) == root.resolve() / "real" / "x.md"


def test_inside_reports_symlink_loops(tmp_path: Path) -> None:
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    with pytest.raises(ValueError):
        inside(tmp_path, PurePosixPath("loop/x.md"))


# ---------------------------------------------------------------- wikilink ---


def test_wikilink_shapes() -> None:
    assert wikilink("2026-02-07 Title") == "[[2026-02-07 Title]]"
    assert wikilink("2026-02-07 Title", "Title") == "[[2026-02-07 Title|Title]]"
    assert wikilink("Articles/2026/02/Name", "Name") == "[[Articles/2026/02/Name|Name]]"
    assert wikilink("Name", "Name") == "[[Name]]"
    assert wikilink("Name", " [ ] | ") == "[[Name]]"
    assert wikilink("Name#^block-1") == "[[Name#^block-1]]"


def test_wikilink_cleans_shown_text() -> None:
    assert wikilink("N", "[[x]] | a\nb\tc") == "[[N|x a b c]]"


def test_wikilink_in_table_escapes_pipe() -> None:
    assert wikilink("N", "Shown", in_table=True) == "[[N\\|Shown]]"
    assert wikilink("N", in_table=True) == "[[N]]"


@pytest.mark.parametrize("target", ["", "  ", "a|b", "a]]b", "[[a", "a\nb"])
def test_wikilink_refuses_bad_targets(target: str) -> None:
    with pytest.raises(ValueError):
        wikilink(target)


@given(st.text(), st.booleans())
def test_wikilink_is_always_one_well_formed_link(shown: str, in_table: bool) -> None:
    link = wikilink("Target", shown, in_table=in_table)
    pipe = r"\\\|" if in_table else r"\|"
    assert re.fullmatch(r"\[\[Target(" + pipe + r"[^\[\]|\n\r]+)?\]\]", link), link


@given(st.lists(st.sampled_from(["", ".", "..", "a", "Note.MD", "x.md", "İ", "ﬃ", "e\u0301", " ", "Ä.md", "/"]),
                max_size=5).map("/".join) | st.text())
def test_name_key_of_a_string_is_name_key_of_its_path(path):
    from sync.targets.obsidian.paths import name_key_of

    assert name_key_of(path) == name_key(PurePosixPath(path))


@pytest.mark.parametrize("rel", ["/etc/x.md", "a/../../x.md", "../x.md", "a/../../../b/x.md", "a/"])
def test_write_many_refuses_escapes_after_its_folders_are_cached(tmp_path: Path, rel: str) -> None:
    # the writer caches each folder's real location by its text ("a/", ""): a path that leaves
    # the vault must still be refused once its neighbours' folders are cached
    from sync.targets.obsidian.files import LocalFiles

    vault = tmp_path / "vault"
    vault.mkdir()
    files = LocalFiles(vault)
    files.write_many([("top.md", "t"), ("a/b.md", "b")])
    with pytest.raises((ValueError, IsADirectoryError)):
        files.write_many([(rel, "x")])
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == \
        ["vault/a/b.md", "vault/top.md"]


def test_write_many_follows_a_folder_by_its_text(tmp_path: Path) -> None:
    from sync.targets.obsidian.files import LocalFiles

    files = LocalFiles(tmp_path)
    for rel, text in [("a//b.md", "1"), ("a/b.md", "2"), ("./c.md", "3"), ("c.md", "4")]:
        files.write_many([(rel, text)])   # one path per batch: a batch names each file once
    assert (tmp_path / "a" / "b.md").read_text() == "2"
    assert (tmp_path / "c.md").read_text() == "4"
    assert not list(tmp_path.rglob(".*kbsync-tmp"))
