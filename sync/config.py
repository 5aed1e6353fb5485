"""config.toml -> frozen dataclasses, validated once and passed down.

Contract: ``load_config(path)`` either returns a complete :class:`Config`
(every default filled in, every path absolute, resolved against the config
file's folder) or raises :class:`ConfigError` whose message is ONE line that
names the offending key, e.g. ``config.toml: scoring.must_read: 'high' is not
of type 'integer'`` or ``config.toml: scoring: unknown key 'mustread'``.
The JSON Schema in ``schemas/config.schema.json`` is the single description of
what is allowed; this module only adds the cross-field checks a schema cannot
express (thresholds in order, categories named in keyword rules exist).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from datetime import time, tzinfo
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .prices import price_for
from .resources import data_dir
from .tags import alias_conflict

if TYPE_CHECKING:
    import jsonschema

DEFAULT_PATH_TEMPLATE = "Articles/{published:%Y}/{published:%m}/{published:%Y-%m-%d} {title}.md"
DEFAULT_STORE = ".kbsync/state.db"   # [store] path, relative to the config file
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ConfigError(Exception):
    """A config problem, described in one line."""


@dataclass(frozen=True)
class VaultConfig:
    path: Path
    path_template: str = DEFAULT_PATH_TEMPLATE
    weekly_folder: str = "Weekly"
    daily_folder: str = "Daily"
    templates: Path | None = None         # the reader's templates, overriding the bundled ones by name


@dataclass(frozen=True)
class NotionConfig:
    parent_page: str
    base_url: str | None = None
    requests_per_second: float = 2.9
    timeout: float = 60.0
    retry_wait: float = 0.5          # first backoff after a 5xx/timeout (doubles; Retry-After wins)
    articles_title: str = "Articles"
    weekly_title: str = "Weekly"


@dataclass(frozen=True)
class FetchConfig:
    concurrency: int = 8
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_bytes: int = 10_000_000
    retries: int = 2
    max_retry_wait: float = 30.0
    user_agent: str = "kbsync/0.1 (+https://github.com/kbsync/kbsync)"
    total_timeout: float = 120.0          # one request, start to last byte: a feed that never ends


@dataclass(frozen=True)
class ClaudeConfig:
    """``[scoring.claude]``: how the Claude scorer calls the API (see README, "Scoring with Claude")."""

    max_tokens: int = 4096                # adaptive thinking counts as output on current models
    effort: str = "low"                   # output_config.effort: scoring needs no deep thinking
    thinking: str = "off"                 # off = up-front thinking off where the model allows; adaptive
    concurrency: int = 8
    timeout: float = 60.0
    max_retries: int = 3
    max_retry_wait: float = 60.0          # a longer retry-after gives up on the request for this run
    budget_usd: float | None = None       # per run; None = no limit
    batch_threshold: int = 200            # more articles than this go through Message Batches; 0 = never
    batch_wait: float = 60.0              # seconds a sync polls a batch before leaving it for the next run
    batch_poll: float = 10.0
    summary_language: str = "auto"        # auto = the article's language
    must_read_means: str = ""             # "" = the seeds' definition
    rubric: str = ""                      # extra rubric text, appended
    examples: bool = True                 # calibration examples from the seed digests
    prompt_version: str = "auto"          # auto = a hash of the prompt; set a label to pin it
    trends: bool = True                   # name weekly trend groups with Claude
    themes: bool = True                   # Claude groups the week into 3-6 themes (replacing the offline groups)
    daily_overview: bool = True           # a one-line overview at the top of each daily page
    price_per_mtok: tuple[float, float] | None = None   # (input, output) USD for a model not in the table


@dataclass(frozen=True)
class TagsConfig:
    """``[scoring.tags]``: the controlled tag vocabulary for Claude's tags."""

    vocabulary: tuple[str, ...] = ()
    aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()   # canonical tag -> its variants
    admit: str = "always"                 # always | never | after_n_articles
    admit_after: int = 3


@dataclass(frozen=True)
class ScoringConfig:
    backend: str = "auto"
    model: str = "claude-sonnet-5-5"     # claude-sonnet-4-5 retires 2026-11-30 (the client's deprecation table)
    must_read: int = 85
    worth_reading: int = 70
    # no categories configured: the default AI/tech taxonomy (its keywords: scoring/taxonomy.py)
    categories: tuple[str, ...] = ("Models & releases", "Research", "Agents", "Coding & dev tools",
                                   "Infrastructure & chips", "Safety & policy", "Multimodal & video", "Robotics",
                                   "Industry & business")
    interests: tuple[str, ...] = ()
    category_keywords: tuple[tuple[str, tuple[str, ...]], ...] = ()
    max_tags: int = 8
    claude: ClaudeConfig = field(default_factory=ClaudeConfig)
    tags: TagsConfig = field(default_factory=TagsConfig)


@dataclass(frozen=True)
class LinksConfig:
    k: int = 5
    window_days: int = 180
    min_similarity: float = 0.12


@dataclass(frozen=True)
class RollupConfig:
    week_ends_on: str = "sunday"
    timezone: str = "UTC"
    top_n: int = 10
    digest_days: int = 31      # daily digests for this many days back from the newest article (rollups/recent.py)
    digest_weeks: int = 12     # weekly digests for this many weeks back; older ones: kbsync rollup

    @property
    def tz(self) -> tzinfo:
        return ZoneInfo(self.timezone)

    @property
    def week_end_weekday(self) -> int:
        """0 = Monday … 6 = Sunday (``date.weekday()`` numbering)."""
        return WEEKDAYS.index(self.week_ends_on)


@dataclass(frozen=True)
class FeedConfig:
    url: str              # absolute path for local feeds, URL otherwise
    name: str
    weight: float = 1.0
    enabled: bool = True
    explicit_name: bool = True   # False: named by the feed's own title (sources/names.py), ``name`` the fallback

    @property
    def is_remote(self) -> bool:
        return self.url.startswith(("http://", "https://"))


@dataclass(frozen=True)
class DaemonConfig:
    """``[daemon]``: when ``kbsync daemon`` syncs, and how it watches the vault."""

    at: str = "07:00"                     # local wall-clock time of the daily sync (HH:MM)
    timezone: str = "UTC"                 # IANA zone of ``at``; default: rollups.timezone
    watch: bool = True                    # record the reader's edits in the vault as they happen
    debounce_seconds: float = 1.0         # quiet time before a burst of vault events is read
    log_file: Path | None = None          # rotating log; default .kbsync/kbsync.log beside the config
    lock_timeout: float = 600.0           # how long a sync waits for another one to finish

    @property
    def tz(self) -> tzinfo:
        return ZoneInfo(self.timezone)

    @property
    def at_time(self) -> time:
        hours, minutes = self.at.split(":")
        return time(int(hours), int(minutes))


@dataclass(frozen=True)
class Config:
    path: Path                       # the config file itself
    store_path: Path
    vault: VaultConfig | None = None
    notion: NotionConfig | None = None
    fetch: FetchConfig = field(default_factory=FetchConfig)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    links: LinksConfig = field(default_factory=LinksConfig)
    rollups: RollupConfig = field(default_factory=RollupConfig)
    feeds: tuple[FeedConfig, ...] = ()
    daemon: DaemonConfig = field(default_factory=DaemonConfig)

    @property
    def root(self) -> Path:
        return self.path.parent


@cache
def _validator() -> jsonschema.protocols.Validator:
    import jsonschema   # here: its import is 60 ms of a command that finds its config checked already

    schema = json.loads(_schema_text())
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def _key_path(error: jsonschema.ValidationError) -> str:
    parts = []
    for part in error.absolute_path:
        # list positions read better as feeds[2] than feeds.2
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{part}]"]
        else:
            parts.append(str(part))
    return ".".join(parts)


def describe_error(error: jsonschema.ValidationError) -> str:
    """One line naming the key, for any schema violation."""
    where = _key_path(error)
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        keys = ", ".join(repr(k) for k in extra)
        return f"{where or 'top level'}: unknown key {keys}"
    return f"{where or 'top level'}: {error.message}"


def validate(data: dict[str, Any]) -> None:
    """Raise ConfigError (one line) for the first schema violation, best first."""
    errors = sorted(_validator().iter_errors(data),
                    key=lambda e: (len(list(e.absolute_path)), list(map(str, e.absolute_path))))
    if errors:
        raise ConfigError(describe_error(errors[0]))


def _resolve(root: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (root / path).resolve()


def _feed(root: Path, raw: dict[str, Any]) -> FeedConfig:
    url = raw["url"]
    if not url.startswith(("http://", "https://")):
        # a local feed: paths are relative to the config file
        url = str(_resolve(root, url.removeprefix("file://")))
    name = raw.get("name") or (url.split("//", 1)[-1].split("/", 1)[0] if "//" in url else Path(url).stem)
    return FeedConfig(url=url, name=name, weight=float(raw.get("weight", 1.0)),
                      enabled=raw.get("enabled", True), explicit_name=bool(raw.get("name")))


def _claude_config(raw: dict[str, Any], model: str) -> ClaudeConfig:
    price = raw.get("price_per_mtok")
    claude = ClaudeConfig(**{**raw, "price_per_mtok": tuple(price) if price else None})
    if claude.budget_usd is not None and price_for(model, claude.price_per_mtok) is None:
        # a budget needs a price: refuse rather than spend without counting
        raise ConfigError(f"scoring.claude.budget_usd: no known price for model {model!r}; "
                          "set scoring.claude.price_per_mtok = [input, output] (USD per million tokens)")
    return claude


def _tags_config(raw: dict[str, Any]) -> TagsConfig:
    """``[scoring.tags]``; an alias claimed by two tags is an error naming it."""
    aliases = tuple((tag, tuple(variants)) for tag, variants in raw.get("aliases", {}).items())
    tags = TagsConfig(**{**raw, "vocabulary": tuple(raw.get("vocabulary", ())), "aliases": aliases})
    conflict = alias_conflict(tags)
    if conflict:
        raise ConfigError(f"scoring.tags.aliases: {conflict}")
    return tags


@cache
def _schema_text() -> str:
    return (data_dir("schemas") / "config.schema.json").read_text("utf-8")


CHECKED = "config.checked"   # in the store's folder: the key of the last config the schema passed


def schema_key(data: dict[str, Any]) -> str:
    """The key of a schema verdict: sha256 of the schema and of the TOML data in a canonical
    form (JSON, keys sorted; a TOML date or time tagged with its type, so it never reads as
    the string it prints as). Equal keys, equal verdicts."""
    def typed(value: object) -> dict[str, str]:
        return {"\0toml": type(value).__name__, "value": str(value)}

    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=typed)
    return hashlib.sha256(f"{_schema_text()}\0{text}".encode()).hexdigest()


def _checked_file(root: Path, data: dict[str, Any]) -> Path | None:
    """Where the verdict is kept: beside the store (None when its path is not even a string)."""
    store = data.get("store", {})
    where = store.get("path", DEFAULT_STORE) if isinstance(store, dict) else None
    return _resolve(root, where).parent / CHECKED if isinstance(where, str) else None


def _validate_once(root: Path, data: dict[str, Any]) -> None:
    """``validate``, unless the schema passed this very config before (``CHECKED``).

    Why: every command validates its config, and importing the validator (jsonschema) cost
    each run 60 ms, 6 % of a no-op sync of a 100,000-note vault. A config that passed is
    remembered by ``schema_key``: any edit to it, or to the schema, is validated again. The
    verdict is kept only where the store's folder exists (no folder is made for it), and a
    verdict that cannot be read or written is no verdict.
    """
    checked = _checked_file(root, data)
    key = schema_key(data)
    try:
        if checked is not None and checked.read_text("ascii") == key:
            return
    except (OSError, UnicodeDecodeError):
        pass   # none yet, or unreadable: validated below
    validate(data)
    if checked is not None and checked.parent.is_dir():
        try:
            checked.write_text(key, "ascii")
        except OSError:
            pass   # a read-only folder: validated again next time


def build_config(path: Path, data: dict[str, Any]) -> Config:
    """Validated TOML data -> Config (raises ConfigError)."""
    _validate_once(path.parent, data)
    root = path.parent
    scoring_raw = dict(data.get("scoring", {}))
    keywords = scoring_raw.pop("category_keywords", {})
    claude = _claude_config(scoring_raw.pop("claude", {}), scoring_raw.get("model", ScoringConfig.model))
    tags = _tags_config(scoring_raw.pop("tags", {}))
    scoring = ScoringConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in scoring_raw.items()},
                            category_keywords=tuple((c, tuple(w)) for c, w in keywords.items()),
                            claude=claude, tags=tags)
    if scoring.worth_reading > scoring.must_read:
        raise ConfigError("scoring.worth_reading: must not be above scoring.must_read "
                          f"({scoring.worth_reading} > {scoring.must_read})")
    unknown = [c for c, _ in scoring.category_keywords if c not in scoring.categories and c != "Other"]
    if unknown:
        raise ConfigError(f"scoring.category_keywords: category {unknown[0]!r} is not in scoring.categories")
    rollups = RollupConfig(**data.get("rollups", {}))
    try:
        rollups.tz
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"rollups.timezone: unknown time zone {rollups.timezone!r}") from None
    vault = None
    if "vault" in data:
        raw = dict(data["vault"])
        vault = VaultConfig(**{**raw, "path": _resolve(root, raw["path"]),
                               "templates": _resolve(root, raw["templates"]) if "templates" in raw else None})
    notion = NotionConfig(**data["notion"]) if "notion" in data else None
    store_path = _resolve(root, data.get("store", {}).get("path", DEFAULT_STORE))
    feeds = tuple(_feed(root, f) for f in data.get("feeds", []))
    seen: set[str] = set()
    for i, feed in enumerate(feeds):
        if feed.url in seen:
            raise ConfigError(f"feeds[{i}].url: duplicate feed {feed.url!r}")
        seen.add(feed.url)
    return Config(path=path, store_path=store_path, vault=vault, notion=notion,
                  fetch=FetchConfig(**data.get("fetch", {})), scoring=scoring,
                  links=LinksConfig(**data.get("links", {})), rollups=rollups, feeds=feeds,
                  daemon=_daemon_config(root, data.get("daemon", {}), rollups))


def _daemon_config(root: Path, raw: dict[str, Any], rollups: RollupConfig) -> DaemonConfig:
    """``[daemon]``: the zone defaults to the rollups' zone, the log file to .kbsync/kbsync.log."""
    daemon = DaemonConfig(**{**raw, "timezone": raw.get("timezone", rollups.timezone),
                             "log_file": _resolve(root, raw.get("log_file", ".kbsync/kbsync.log"))})
    try:
        daemon.tz
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"daemon.timezone: unknown time zone {daemon.timezone!r}") from None
    return daemon


def load_config(path: str | Path) -> Config:
    """Read, parse and validate a config file (see the module docstring)."""
    path = Path(path).expanduser().resolve()
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path.name}: invalid TOML: {exc}") from None
    try:
        return build_config(path, data)
    except ConfigError as exc:
        raise ConfigError(f"{path.name}: {exc}") from None
