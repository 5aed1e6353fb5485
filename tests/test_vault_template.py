"""The vault template that ``kbsync init`` copies must fit what kbsync writes.

These tests read only ``vault_template/`` and check it the way Obsidian would
read it: every JSON settings file parses; ``types.json`` gives each property
kbsync writes the right Obsidian type; the core plugins the dashboard relies on
are on; ``Articles.base`` uses only the documented Bases schema and refers only
to declared properties and defined formulas; every view Home.md embeds exists;
and no wikilink in the template's Markdown points at a note that will not
exist. The small checkers used for this (a Bases linter, a wikilink extractor,
a Moment.js format subset) are tested on bad input too, so a pass means
something.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from hypothesis import given, strategies as st

TEMPLATE = Path(__file__).resolve().parent.parent / "vault_template"
OBSIDIAN = TEMPLATE / ".obsidian"
ARTICLES_BASE = TEMPLATE / "Articles.base"
HOME = TEMPLATE / "Home.md"

# What kbsync writes into an article note, with the Obsidian type each must have.
EXPECTED_TYPES = {
    "title": "text",
    "url": "text",
    "source": "text",
    "sources": "multitext",
    "author": "text",
    "published": "datetime",
    "score": "number",
    "tier": "text",
    "category": "text",
    "tags": "tags",
    "summary": "text",
    "key_points": "multitext",
    "related": "multitext",
    "week": "text",
    "kb_id": "text",
    "status": "text",
    "rating": "number",
    "aliases": "aliases",
    "cssclasses": "multitext",
}
OBSIDIAN_TYPES = {"text", "multitext", "number", "checkbox", "date", "datetime", "tags", "aliases"}
REQUIRED_PLUGINS = (
    "properties", "bases", "templates", "daily-notes", "bookmarks", "backlink",
    "tag-pane", "graph", "file-explorer", "global-search", "outgoing-link", "page-preview",
)

# The Bases schema as documented at help.obsidian.md/bases/syntax.
BASE_TOP_KEYS = {"filters", "formulas", "properties", "summaries", "views"}
VIEW_TYPES = {"table", "cards", "list", "map"}
FILE_PROPERTIES = {
    "backlinks", "ctime", "embeds", "ext", "file", "folder", "links", "mtime",
    "name", "path", "properties", "size", "tags",
}
BUILTIN_SUMMARIES = {
    "Average", "Min", "Max", "Sum", "Range", "Median", "Stddev", "Earliest",
    "Latest", "Checked", "Unchecked", "Empty", "Filled", "Unique",
}
EXPRESSION_WORDS = {"true", "false", "null", "value", "index", "acc", "values", "this"}

WIKILINK = re.compile(r"\[\[([^\[\]]+?)\]\]")
EMBED = re.compile(r"!\[\[([^\[\]|#]+)#([^\[\]|]+?)(?:\|[^\[\]]*)?\]\]")
FENCE = re.compile(r"^(```|~~~)[^\n]*\n.*?^\1[ \t]*$", re.M | re.S)
BASE_BLOCK = re.compile(r"^```base[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
CORE_TEMPLATE_VARIABLE = re.compile(r"(?:title|date|time)(?::[^{}]+)?")
FRONTMATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# --- small pure helpers -------------------------------------------------------

def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def template_files() -> list[Path]:
    """Every file a new vault receives, outside the .obsidian settings folder."""
    return sorted(p for p in TEMPLATE.rglob("*")
                  if p.is_file() and ".obsidian" not in p.relative_to(TEMPLATE).parts)


def markdown_files() -> list[Path]:
    return [p for p in template_files() if p.suffix == ".md"]


def strip_code(text: str) -> str:
    """Text without fenced blocks or inline code: Obsidian indexes no links there."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def link_targets(text: str) -> list[str]:
    """The target of every wikilink or embed: no heading, block id or alias.

    ``[[Note#Heading|shown]]`` -> ``Note``; ``[[Note\\|shown]]`` (inside a
    table) -> ``Note``; ``[[#Heading]]`` (same note) -> ``""``.
    """
    targets = []
    for inner in WIKILINK.findall(strip_code(text)):
        target = inner.split("|", 1)[0].removesuffix("\\")
        targets.append(target.split("#", 1)[0].strip())
    return targets


def link_names(files: list[Path], root: Path) -> set[str]:
    """Every spelling Obsidian resolves to one of ``files`` (case-insensitive).

    A Markdown note answers to its path and its base name, with or without
    ``.md``; any other file (a ``.base``) only with its extension.
    """
    names: set[str] = set()
    for path in files:
        rel = path.relative_to(root).as_posix().lower()
        names.update({rel, path.name.lower()})
        if path.suffix == ".md":
            names.update({rel[: -len(".md")], path.stem.lower()})
    return names


def resolves(target: str, names: set[str]) -> bool:
    # An empty target is a link to a heading in the same note.
    return target == "" or target.lower() in names


def frontmatter(text: str) -> dict[str, Any] | None:
    match = FRONTMATTER.match(text)
    return yaml.safe_load(match.group(1)) if match else None


def split_reference(ref: str) -> tuple[str, str]:
    """``note.score`` -> ("note", "score"); a bare name is a note property."""
    namespace, dot, name = ref.partition(".")
    if dot and namespace in {"note", "file", "formula"}:
        return namespace, name
    return "note", ref


def expression_references(expr: str) -> tuple[list[tuple[str, str]], list[str]]:
    """The properties an expression reads, and any syntax problems found.

    Walks the expression once, skipping string literals; an identifier after a
    ``.`` is a member or method, one before ``(`` is a function, and
    ``note.x`` / ``file.x`` / ``formula.x`` name a property of that kind.
    """
    refs: list[tuple[str, str]] = []
    problems: list[str] = []
    depth, i = 0, 0
    while i < len(expr):
        char = expr[i]
        if char in "\"'":
            end = i + 1
            while end < len(expr) and expr[end] != char:
                end += 2 if expr[end] == "\\" else 1
            if end >= len(expr):
                problems.append(f"unterminated string in {expr!r}")
                break
            i = end + 1
            continue
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
            if depth < 0:
                problems.append(f"unbalanced brackets in {expr!r}")
                break
        match = IDENTIFIER.match(expr, i)
        if match and (i == 0 or not (expr[i - 1].isalnum() or expr[i - 1] == "_")):
            word, after = match.group(), match.end()
            before = expr[:i].rstrip()
            is_member = before.endswith(".")
            is_call = expr[after:].lstrip().startswith("(")
            if not is_member and not is_call and word not in EXPRESSION_WORDS:
                if word in {"note", "file", "formula"} and expr[after:after + 1] == ".":
                    member = IDENTIFIER.match(expr, after + 1)
                    # file.hasTag(...) is a method of the file, not a property.
                    if member and not expr[member.end():].lstrip().startswith("("):
                        refs.append((word, member.group()))
                    after = member.end() if member else after
                else:
                    refs.append(("note", word))
            i = after
            continue
        i += 1
    if depth > 0 and not problems:
        problems.append(f"unbalanced brackets in {expr!r}")
    return refs, problems


def filter_expressions(node: Any, where: str) -> Iterator[tuple[str | None, str]]:
    """Yield (expression, problem) pairs from a recursive and/or/not filter."""
    if isinstance(node, str):
        yield node, ""
    elif isinstance(node, dict) and len(node) == 1 and next(iter(node)) in {"and", "or", "not"}:
        (key, children), = node.items()
        if not isinstance(children, list) or not children:
            yield None, f"{where}: '{key}' needs a non-empty list"
            return
        for child in children:
            yield from filter_expressions(child, where)
    else:
        yield None, f"{where}: a filter is a string or one of and/or/not, not {node!r}"


def base_problems(doc: Any, declared: set[str]) -> list[str]:
    """Everything in a parsed ``.base`` document Obsidian would not accept.

    ``declared`` names the note properties the vault declares in types.json, so
    a misspelt property shows up here instead of as an empty column.
    """
    if not isinstance(doc, dict):
        return ["a base is a YAML mapping"]
    problems = [f"unknown top-level key {key!r}" for key in doc if key not in BASE_TOP_KEYS]
    formulas = doc.get("formulas") or {}
    custom_summaries = set(doc.get("summaries") or {})

    def check_ref(ref: str, where: str) -> None:
        namespace, name = split_reference(ref)
        if namespace == "formula" and name not in formulas:
            problems.append(f"{where}: formula {name!r} is not defined")
        elif namespace == "file" and name not in FILE_PROPERTIES:
            problems.append(f"{where}: unknown file property {name!r}")
        elif namespace == "note" and name not in declared:
            problems.append(f"{where}: property {name!r} is not declared in types.json")

    def check_expr(expr: str, where: str) -> None:
        refs, syntax = expression_references(expr)
        problems.extend(f"{where}: {p}" for p in syntax)
        for namespace, name in refs:
            check_ref(f"{namespace}.{name}", where)

    def check_filters(node: Any, where: str) -> None:
        for expr, problem in filter_expressions(node, where):
            if expr is None:
                problems.append(problem)
            else:
                check_expr(expr, where)

    if "filters" in doc:
        check_filters(doc["filters"], "filters")
    for name, expr in formulas.items():
        if not isinstance(expr, str):
            problems.append(f"formula {name!r} must be a string")
        else:
            check_expr(expr, f"formula {name!r}")
    for ref, config in (doc.get("properties") or {}).items():
        check_ref(ref, "properties")
        if not isinstance(config, dict) or not isinstance(config.get("displayName", ""), str):
            problems.append(f"properties: {ref!r} needs a mapping with a text displayName")

    views = doc.get("views")
    if not isinstance(views, list) or not views:
        return problems + ["views: a base needs a non-empty list of views"]
    names = [view.get("name") for view in views if isinstance(view, dict)]
    if len(names) != len(set(names)):
        problems.append("views: view names must be unique (embeds name them)")
    for view in views:
        if not isinstance(view, dict):
            problems.append(f"views: {view!r} is not a mapping")
            continue
        where = f"view {view.get('name')!r}"
        if view.get("type") not in VIEW_TYPES:
            problems.append(f"{where}: type {view.get('type')!r} is not one of {sorted(VIEW_TYPES)}")
        if not isinstance(view.get("name"), str) or not view["name"].strip():
            problems.append(f"{where}: a view needs a name")
        if "filters" in view:
            check_filters(view["filters"], where)
        for ref in view.get("order") or []:
            check_ref(ref, f"{where} order")
        for rule in view.get("sort") or []:
            if not isinstance(rule, dict) or rule.get("direction") not in {"ASC", "DESC"}:
                problems.append(f"{where}: sort rule {rule!r} needs property and ASC/DESC")
            else:
                check_ref(rule["property"], f"{where} sort")
        if "groupBy" in view:
            group = view["groupBy"]
            if not isinstance(group, dict) or group.get("direction", "ASC") not in {"ASC", "DESC"}:
                problems.append(f"{where}: groupBy needs property and ASC/DESC")
            else:
                check_ref(group["property"], f"{where} groupBy")
        for ref, summary in (view.get("summaries") or {}).items():
            check_ref(ref, f"{where} summaries")
            if summary not in BUILTIN_SUMMARIES | custom_summaries:
                problems.append(f"{where}: unknown summary {summary!r}")
        limit = view.get("limit")
        if limit is not None and (not isinstance(limit, int) or limit <= 0):
            problems.append(f"{where}: limit must be a positive integer")
    return problems


MOMENT_TOKENS = re.compile(r"\[([^\]]*)\]|GGGG|YYYY|WW|MM|DD|.", re.S)


def moment_format(moment: datetime, fmt: str) -> str:
    """The subset of Moment.js formatting the base uses; anything else raises."""
    iso = moment.isocalendar()
    tokens = {"GGGG": f"{iso.year:04d}", "WW": f"{iso.week:02d}",
              "YYYY": f"{moment.year:04d}", "MM": f"{moment.month:02d}", "DD": f"{moment.day:02d}"}
    out = []
    for match in MOMENT_TOKENS.finditer(fmt):
        text = match.group()
        if match.group(1) is not None:
            out.append(match.group(1))
        elif text in tokens:
            out.append(tokens[text])
        elif text.isalpha():
            raise ValueError(f"unsupported Moment token {text!r} in {fmt!r}")
        else:
            out.append(text)
    return "".join(out)


def formula_format(base: dict[str, Any], formula: str) -> str:
    found = re.findall(r'\.format\("([^"]+)"\)', base["formulas"][formula])
    assert len(found) == 1, f"formula {formula!r} should format the date once"
    return found[0]


# --- fixtures -----------------------------------------------------------------

@pytest.fixture(scope="module")
def types() -> dict[str, str]:
    return read_json(OBSIDIAN / "types.json")["types"]


@pytest.fixture(scope="module")
def base() -> dict[str, Any]:
    return yaml.safe_load(ARTICLES_BASE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def views(base: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {view["name"]: view for view in base["views"]}


# --- .obsidian settings -------------------------------------------------------

@pytest.mark.parametrize("path", sorted(TEMPLATE.rglob("*.json")), ids=lambda p: p.name)
def test_every_json_file_parses_to_an_object(path: Path) -> None:
    assert isinstance(read_json(path), dict)


def test_the_settings_files_obsidian_needs_are_shipped() -> None:
    shipped = {p.name for p in OBSIDIAN.iterdir()}
    assert {"app.json", "core-plugins.json", "templates.json", "daily-notes.json",
            "bookmarks.json", "types.json"} <= shipped


def test_no_workspace_state_is_shipped() -> None:
    # workspace.json changes on every click; shipping it would fight the reader.
    assert not [p for p in TEMPLATE.rglob("workspace*.json")]


def test_types_json_declares_every_kbsync_property(types: dict[str, str]) -> None:
    assert {key: types.get(key) for key in EXPECTED_TYPES} == EXPECTED_TYPES
    assert set(types.values()) <= OBSIDIAN_TYPES


def test_core_plugins_enable_everything_the_dashboard_uses() -> None:
    plugins = read_json(OBSIDIAN / "core-plugins.json")
    assert all(isinstance(on, bool) for on in plugins.values())
    assert [name for name in REQUIRED_PLUGINS if plugins.get(name) is not True] == []


def test_templates_and_daily_notes_point_where_kbsync_writes() -> None:
    templates = read_json(OBSIDIAN / "templates.json")
    daily = read_json(OBSIDIAN / "daily-notes.json")
    assert templates["folder"] == "Templates"
    assert (TEMPLATE / templates["folder"]).is_dir()
    # kbsync writes its digests to Daily/YYYY-MM-DD.md; the reader's journal (the Daily notes
    # plugin) goes elsewhere, so kbsync never takes over a note the reader writes (issue 14)
    assert daily["folder"] != "Daily" and daily["format"] == "YYYY-MM-DD"
    assert (TEMPLATE / daily["folder"]).is_dir()


def test_app_json_settings_are_valid_and_their_folders_exist() -> None:
    app = read_json(OBSIDIAN / "app.json")
    assert app["newLinkFormat"] in {"shortest", "relative", "absolute"}
    assert app["useMarkdownLinks"] is False  # kbsync writes wikilinks; so should the reader
    assert app["propertiesInDocument"] in {"visible", "hidden", "source"}
    assert app["newFileLocation"] in {"root", "current", "folder"}
    if app["newFileLocation"] == "folder":
        assert (TEMPLATE / app["newFileFolderPath"]).is_dir()
    assert isinstance(app["attachmentFolderPath"], str) and app["attachmentFolderPath"]


def test_bookmarks_point_at_home_and_the_articles_base() -> None:
    items = read_json(OBSIDIAN / "bookmarks.json")["items"]
    paths = [item["path"] for item in items if item["type"] == "file"]
    assert {"Home.md", "Articles.base"} <= set(paths)
    assert [p for p in paths if not (TEMPLATE / p).is_file()] == []


# --- Articles.base ------------------------------------------------------------

def test_articles_base_uses_only_the_documented_schema(base: dict[str, Any], types: dict[str, str]) -> None:
    assert base_problems(base, set(types)) == []


def test_articles_base_shows_only_kbsync_articles(base: dict[str, Any]) -> None:
    assert 'file.inFolder("Articles")' in base["filters"]["and"]


def test_articles_base_has_the_promised_views(views: dict[str, dict[str, Any]]) -> None:
    expected = {"Top this week": "table", "By score": "table", "By week": "table",
                "Must read": "cards", "Unread": "table"}
    assert {name: views[name]["type"] for name in expected if name in views} == expected


def test_ranked_views_put_the_best_article_first(views: dict[str, dict[str, Any]]) -> None:
    for name in ("Top this week", "By score"):
        first = views[name]["sort"][0]
        assert (split_reference(first["property"]), first["direction"]) == (("note", "score"), "DESC")
    assert "filters" not in views["By score"]  # every article, nothing hidden


def test_top_this_week_keeps_the_last_seven_days_and_the_upper_tiers(
        base: dict[str, Any], views: dict[str, dict[str, Any]]) -> None:
    exprs = [e for e, _ in filter_expressions(views["Top this week"]["filters"], "top")]
    assert 'tier == "must-read"' in exprs and 'tier == "worth-reading"' in exprs
    assert 'tier == "skim"' not in exprs
    # a rolling window (issue 14: today's ISO week is empty on a Monday and ignores week_ends_on)
    assert 'published >= today() - "7d"' in exprs
    assert formula_format(base, "iso_week") == "GGGG-[W]WW"


def test_grouped_and_filtered_views_use_the_right_property(views: dict[str, dict[str, Any]]) -> None:
    assert split_reference(views["By week"]["groupBy"]["property"]) == ("note", "week")
    assert views["Must read"]["filters"] == 'tier == "must-read"'
    unread = [e for e, _ in filter_expressions(views["Unread"]["filters"], "unread")]
    assert 'status == "unread"' in unread and 'status.isEmpty()' in unread


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2999, 12, 31),
                    timezones=st.just(timezone.utc)))
def test_base_week_and_day_formulas_name_kbsync_rollup_notes(moment: datetime) -> None:
    # the "ISO week" column and "By week" (grouped by kbsync's week link) must spell
    # Weekly/YYYY-Www the same way.
    doc = yaml.safe_load(ARTICLES_BASE.read_text(encoding="utf-8"))
    iso = moment.isocalendar()
    assert moment_format(moment, formula_format(doc, "iso_week")) == f"{iso.year}-W{iso.week:02d}"
    assert moment_format(moment, formula_format(doc, "day")) == moment.date().isoformat()


# --- Markdown: Home, Templates ------------------------------------------------

def test_home_embeds_only_views_that_exist(views: dict[str, dict[str, Any]]) -> None:
    embeds = EMBED.findall(strip_code(HOME.read_text(encoding="utf-8")))
    assert {target for target, _ in embeds} == {"Articles.base"}
    assert [view for _, view in embeds if view not in views] == []
    assert {"Top this week", "Must read", "Unread"} <= {view for _, view in embeds}


def test_home_points_at_the_rollup_folders_and_the_readers_own_keys() -> None:
    home = HOME.read_text(encoding="utf-8")
    daily = read_json(OBSIDIAN / "daily-notes.json")["folder"]
    for needle in ("`Weekly/`", f"`{daily}/`", "`status`", "`rating`", "`read`"):
        assert needle in home


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: p.relative_to(TEMPLATE).as_posix())
def test_every_wikilink_resolves_to_a_file_in_the_template(path: Path) -> None:
    names = link_names(template_files(), TEMPLATE)
    targets = link_targets(path.read_text(encoding="utf-8"))
    # A link built from a {{date}} placeholder exists only once the template is applied.
    placeholders = [t for t in targets if "{{" in t]
    assert not placeholders or path.parent.name == "Templates"
    assert [t for t in targets if "{{" not in t and not resolves(t, names)] == []


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: p.relative_to(TEMPLATE).as_posix())
def test_placeholders_are_core_templates_variables_and_only_in_templates(path: Path) -> None:
    found = PLACEHOLDER.findall(path.read_text(encoding="utf-8"))
    if path.parent.name != "Templates":
        assert found == []
    assert [p for p in found if not CORE_TEMPLATE_VARIABLE.fullmatch(p.strip())] == []


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: p.relative_to(TEMPLATE).as_posix())
def test_frontmatter_parses_and_matches_the_declared_types(path: Path, types: dict[str, str]) -> None:
    props = frontmatter(path.read_text(encoding="utf-8")) or {}
    kinds = {"text": str, "number": (int, float), "multitext": list, "tags": list, "aliases": list}
    for key, value in props.items():
        assert key in types, f"{key} is not declared in types.json"
        assert isinstance(value, kinds[types[key]]), f"{key}={value!r} is not {types[key]}"


def test_templates_ship_a_reading_note_and_a_weekly_review() -> None:
    templates = {p.name for p in (TEMPLATE / "Templates").glob("*.md")}
    assert {"Reading note.md", "Weekly review.md"} <= templates


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: p.relative_to(TEMPLATE).as_posix())
def test_base_code_blocks_in_markdown_are_valid(path: Path, types: dict[str, str]) -> None:
    for block in BASE_BLOCK.findall(path.read_text(encoding="utf-8")):
        assert base_problems(yaml.safe_load(block), set(types)) == []


# --- the checkers themselves --------------------------------------------------

def test_base_checker_reports_what_obsidian_would_reject() -> None:
    bad = {
        "source": "Articles",
        "formulas": {"stars": 'score / 20', "loop": 'formula.missing + 1'},
        "filters": {"and": ['scroe > 80', {"xor": ["a"]}, 'tier == "must-read'], },
        "views": [
            {"type": "kanban", "name": "A", "order": ["note.nope", "file.nope"]},
            {"type": "table", "name": "A", "sort": [{"property": "score", "direction": "down"}],
             "summaries": {"score": "Mean"}, "limit": 0},
        ],
    }
    problems = "\n".join(base_problems(bad, set(EXPECTED_TYPES)))
    for expected in ("unknown top-level key 'source'", "formula 'missing' is not defined",
                     "'scroe' is not declared", "not {'xor'", "unterminated string",
                     "'kanban' is not one of", "'nope' is not declared", "unknown file property 'nope'",
                     "names must be unique", "needs property and ASC/DESC", "unknown summary 'Mean'",
                     "limit must be a positive integer"):
        assert expected in problems


def test_expression_references_skip_strings_members_and_calls() -> None:
    refs, problems = expression_references(
        'if(score, "🌟 tier".repeat((score / 20).ceil()), formula.x) && file.hasTag("a") && !note.status')
    assert problems == []
    assert refs == [("note", "score"), ("note", "score"), ("formula", "x"), ("note", "status")]
    assert expression_references("(a")[1] and expression_references("a)")[1]


def test_link_targets_strip_alias_heading_and_code() -> None:
    text = ("[[A]] ![[B.base#View one]] [[C|shown]] [[D#Head|x]] | [[E\\|x]] |\n"
            "`[[not a link]]`\n```\n[[nor this]]\n```\n[[#Local]]")
    assert link_targets(text) == ["A", "B.base", "C", "D", "E", ""]


link_text = st.text(st.characters(blacklist_characters="[]|#^`\\\n\r{}", blacklist_categories=("Cs",)),
                    min_size=1).map(str.strip).filter(bool)


@given(target=link_text, alias=link_text)
def test_link_targets_find_the_target_whatever_the_alias(target: str, alias: str) -> None:
    assert link_targets(f"see [[{target}|{alias}]] and `[[{alias}]]`") == [target]


def test_link_names_resolve_like_obsidian(tmp_path: Path) -> None:
    for rel in ("Home.md", "Templates/Reading note.md", "Articles.base"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("", encoding="utf-8")
    names = link_names(sorted(tmp_path.rglob("*.*")), tmp_path)
    for target in ("Home", "home.md", "Templates/Reading note", "reading note", "Articles.base", ""):
        assert resolves(target, names), target
    for target in ("Articles", "Weekly/2026-W09", "Reading"):
        assert not resolves(target, names), target


@given(st.dates(min_value=date(1971, 1, 1), max_value=date(2999, 12, 31)))
def test_moment_format_matches_iso_weeks_at_year_boundaries(day: date) -> None:
    moment = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    monday = day - timedelta(days=day.weekday())
    # The ISO year is the year of that week's Thursday.
    assert moment_format(moment, "GGGG").startswith(str((monday + timedelta(days=3)).year))
    with pytest.raises(ValueError):
        moment_format(moment, "gggg-ww")
