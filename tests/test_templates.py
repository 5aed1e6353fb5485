"""Issue 14.5: templates are the reader's.

``[vault] templates = "folder"``: a Jinja template there overrides the bundled
one of the same name (article notes, daily and weekly pages); the managed
block contract still holds (kbsync writes only inside its markers, the
reader's text around it survives a template change); a broken template is one
clear error naming the file and the line, and no page is written; ``kbsync
init --templates DIR`` copies the bundled templates out as a starting point.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sync.cli import main
from sync.pages.templates import BUNDLED, NAMES
from sync.targets.obsidian.merge import BEGIN, END, split_body
from sync.targets.obsidian.yamlfm import loads_note

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "feeds"


def kbsync(*args: str, ok: bool = True):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output + result.stderr
    return result


def setup(tmp_path: Path, **files: str) -> Path:
    text = (ROOT / "config.toml").read_text("utf-8").replace('"examples/feeds/', f'"{EXAMPLES}/')
    text = text.replace("[vault]", '[vault]\ntemplates = "my-templates"', 1)
    (tmp_path / "config.toml").write_text(text, "utf-8")
    folder = tmp_path / "my-templates"
    folder.mkdir()
    for name, body in files.items():
        (folder / f"{name}.md.j2").write_text(body, "utf-8")
    return tmp_path / "config.toml"


def block(path: Path) -> str:
    _, body = loads_note(path.read_text("utf-8"))
    return split_body(body)[1]


ARTICLE = """My reading card: {{ stars }} {{ score }}
> {{ summary }}
{% for item in related %}- see {{ item.link }}
{% endfor %}"""


def test_the_readers_templates_shape_notes_and_digests(tmp_path: Path) -> None:
    config = setup(tmp_path, article=ARTICLE, daily="Day {{ r.day.isoformat() }}: {{ r.scanned }} articles\n")
    kbsync("sync", "--config", str(config))
    vault = tmp_path / "vault"
    notes = sorted((vault / "Articles").rglob("*.md"))
    assert notes and all(block(n).startswith("My reading card: ") for n in notes)
    linked = [n for n in notes if "- see [[" in block(n)]
    assert linked                                                   # related links still rendered
    day = sorted((vault / "Daily").glob("*.md"))[0]
    assert block(day).strip().startswith(f"Day {day.stem}: ")
    week = sorted((vault / "Weekly").glob("*.md"))[0]
    assert block(week).startswith("# AI Weekly Digest")            # no weekly.md.j2 of theirs: the bundled one
    # the contract holds: a template change rewrites the block only, the reader's text stays
    note = notes[0]
    note.write_text(note.read_text("utf-8") + "My thoughts.\n", "utf-8")
    (tmp_path / "my-templates" / "article.md.j2").write_text("Version two: {{ score }}\n", "utf-8")
    kbsync("sync", "--config", str(config))
    text = note.read_text("utf-8")
    assert block(note).strip().startswith("Version two: ") and text.endswith("My thoughts.\n")
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    kbsync("sync", "--config", str(config))
    assert note.read_text("utf-8") == text                         # idempotent


@pytest.mark.parametrize("body,line,what", [
    ("fine\n{% for x in %}\n{% endfor %}\n", 2, "TemplateSyntaxError"),
    ("fine\nstill fine\n{{ no_such_value }}\n", 3, "UndefinedError"),
])
def test_a_broken_template_is_one_clear_error_naming_file_and_line(tmp_path: Path, body: str, line: int,
                                                                  what: str) -> None:
    config = setup(tmp_path, article=body)
    result = kbsync("sync", "--config", str(config), ok=False)
    assert result.exit_code == 1
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("kbsync: error:")]
    path = tmp_path / "my-templates" / "article.md.j2"
    assert len(errors) == 1 and f"{path}:{line}:" in errors[0], result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert not list((tmp_path / "vault").rglob("*.md"))            # nothing half-written


def test_a_template_may_not_write_kbsyncs_markers(tmp_path: Path) -> None:
    config = setup(tmp_path, daily="%% kbsync:end %%\nmine\n")
    result = kbsync("sync", "--config", str(config), ok=False)
    assert "daily.md.j2: the output contains kbsync's block marker" in result.stderr


def test_init_copies_the_bundled_templates_out(tmp_path: Path) -> None:
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "daily.md.j2").write_text("mine\n", "utf-8")
    result = kbsync("init", str(tmp_path / "vault"), "--templates", str(folder))
    for name in NAMES:
        expected = "mine\n" if name == "daily.md.j2" else (BUNDLED / name).read_text("utf-8")
        assert (folder / name).read_text("utf-8") == expected
    assert "already there, kept" in result.output and "[vault] templates" in result.output


def test_a_digest_template_change_writes_the_digests_again_not_the_notes(tmp_path: Path, monkeypatch) -> None:
    from sync.targets.obsidian import view as view_module
    rendered: list[int] = []
    real = view_module.render_notes

    def counting(items, tz):
        items = list(items)
        rendered.append(len(items))
        return real(items, tz)

    monkeypatch.setattr(view_module, "render_notes", counting)
    config = setup(tmp_path, daily="Day {{ r.day.isoformat() }}\n")
    kbsync("sync", "--config", str(config))
    notes = sum(rendered)
    vault = tmp_path / "vault"
    assert notes == len(list((vault / "Articles").rglob("*.md"))) > 0
    days = sorted((vault / "Daily").glob("*.md"))
    rendered.clear()
    (tmp_path / "my-templates" / "daily.md.j2").write_text("Day two {{ r.day.isoformat() }}\n", "utf-8")
    out = kbsync("sync", "--config", str(config)).output
    assert sum(rendered) == 0                                       # no note rendered to be found unchanged
    assert all(block(d).strip() == f"Day two {d.stem}" for d in days)   # every digest, recent or not
    assert f"rollups: {len(days)} updated" in out
    rendered.clear()
    (tmp_path / "my-templates" / "article.md.j2").write_text("Card {{ score }}\n", "utf-8")
    kbsync("sync", "--config", str(config))
    assert sum(rendered) == notes                                  # the notes' own template: every note
