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

import json
import tomllib
from dataclasses import dataclass, field
from datetime import tzinfo
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema

from .resources import data_dir

DEFAULT_PATH_TEMPLATE = "Articles/{published:%Y}/{published:%m}/{published:%Y-%m-%d} {title}.md"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ConfigError(Exception):
    """A config problem, described in one line."""


@dataclass(frozen=True)
class VaultConfig:
    path: Path
    path_template: str = DEFAULT_PATH_TEMPLATE
    weekly_folder: str = "Weekly"
    daily_folder: str = "Daily"


@dataclass(frozen=True)
class NotionConfig:
    parent_page: str
    base_url: str | None = None


@dataclass(frozen=True)
class FetchConfig:
    concurrency: int = 8
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_bytes: int = 10_000_000
    retries: int = 2
    max_retry_wait: float = 30.0
    user_agent: str = "kbsync/0.1 (+https://github.com/kbsync/kbsync)"


@dataclass(frozen=True)
class ScoringConfig:
    backend: str = "auto"
    model: str = "claude-sonnet-4-5"
    must_read: int = 85
    worth_reading: int = 70
    categories: tuple[str, ...] = ("AI/Tech",)
    interests: tuple[str, ...] = ()
    category_keywords: tuple[tuple[str, tuple[str, ...]], ...] = ()
    max_tags: int = 8


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

    @property
    def is_remote(self) -> bool:
        return self.url.startswith(("http://", "https://"))


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

    @property
    def root(self) -> Path:
        return self.path.parent


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads((data_dir("schemas") / "config.schema.json").read_text("utf-8"))
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
                      enabled=raw.get("enabled", True))


def build_config(path: Path, data: dict[str, Any]) -> Config:
    """Validated TOML data -> Config (raises ConfigError)."""
    validate(data)
    root = path.parent
    scoring_raw = dict(data.get("scoring", {}))
    keywords = scoring_raw.pop("category_keywords", {})
    scoring = ScoringConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in scoring_raw.items()},
                            category_keywords=tuple((c, tuple(w)) for c, w in keywords.items()))
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
        vault = VaultConfig(**{**raw, "path": _resolve(root, raw["path"])})
    notion = NotionConfig(**data["notion"]) if "notion" in data else None
    store_path = _resolve(root, data.get("store", {}).get("path", ".kbsync/state.db"))
    feeds = tuple(_feed(root, f) for f in data.get("feeds", []))
    seen: set[str] = set()
    for i, feed in enumerate(feeds):
        if feed.url in seen:
            raise ConfigError(f"feeds[{i}].url: duplicate feed {feed.url!r}")
        seen.add(feed.url)
    return Config(path=path, store_path=store_path, vault=vault, notion=notion,
                  fetch=FetchConfig(**data.get("fetch", {})), scoring=scoring,
                  links=LinksConfig(**data.get("links", {})), rollups=rollups, feeds=feeds)


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
