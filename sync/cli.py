"""The kbsync command line: load config, call the pipeline, print results.

Contract: exit 0 on success; on failure exit non-zero with ONE clear line on
stderr (``kbsync: error: ...``). A feed that fails is reported and skipped, it
never makes ``sync`` fail. Every command takes ``--config PATH`` (default
``./config.toml``).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import __version__
from .collector import collector_paused, no_last_pass
from .config import Config, ConfigError, load_config
from .resources import data_dir

if TYPE_CHECKING:
    from .targets.obsidian.ahead import ScanAhead


class Failure(click.ClickException):
    """One line on stderr, exit 1."""

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(f"kbsync: error: {self.format_message()}", err=True)


def _config(path: str) -> Config:
    try:
        return load_config(path)
    except ConfigError as exc:
        raise Failure(str(exc)) from None


@contextmanager
def _sync_lock(cfg: Config, *, dry_run: bool = False) -> Iterator[None]:
    """One writer per store: wait for a running sync (the daemon's, say) up to [daemon] lock_timeout."""
    from .daemon.lock import LockBusy, StoreLock

    if dry_run:
        yield  # a dry run works on a copy and writes nothing
        return
    lock = StoreLock(cfg.store_path)
    wait = cfg.daemon.lock_timeout
    try:
        lock.acquire(wait, on_wait=lambda pid, what: click.echo(
            f"kbsync: waiting for pid {pid} ({what or 'kbsync'}) to release the store (up to {wait:g} s)", err=True))
    except LockBusy as exc:
        raise Failure(str(exc)) from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def _listing_ahead(cfg: Config, *, dry_run: bool) -> Iterator[ScanAhead | None]:
    """The vault's listing, taken by a child from now on (``targets.obsidian.ahead``); None
    without a vault or in a dry run. Started only once the store's lock is held: a listing
    taken while another run still writes would miss that run's notes, and read as the
    reader's deletions."""
    from .targets.obsidian.ahead import for_run

    listing = for_run(cfg, dry_run=dry_run)
    with listing or nullcontext():
        yield listing


config_option = click.option("--config", "config_path", default="config.toml", show_default=True,
                             type=click.Path(dir_okay=False), help="Path to config.toml.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kbsync")
def main() -> None:
    """Keep an Obsidian knowledge base of AI/tech news: fetch, score, link, roll up."""
    no_last_pass()   # the process ends with the command: no collection over what it leaves


@main.command()
@click.argument("vault", required=False, type=click.Path(file_okay=False))
@config_option
@click.option("--templates", "templates_dir", type=click.Path(file_okay=False),
              help="Also copy kbsync's page templates into this folder, to shape your notes "
                   "(then set [vault] templates to it).")
def init(vault: str | None, config_path: str, templates_dir: str | None) -> None:
    """Create a vault from vault_template/ (settings, Home.md, Articles.base, templates).

    Existing files are never overwritten, so running it on a vault you use is safe:
    kbsync's property types are merged into its types.json, yours are kept.
    """
    if templates_dir is not None:
        from .pages.templates import BUNDLED, NAMES

        folder = Path(templates_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for name in NAMES:
            if (folder / name).exists():
                click.echo(f"{folder / name}: already there, kept")
            else:
                shutil.copy2(BUNDLED / name, folder / name)
                click.echo(f"{folder / name}: copied")
        click.echo(f'use them with: [vault] templates = "{templates_dir}" (relative to config.toml)')
    if vault is None:
        cfg = _config(config_path)
        if cfg.vault is None:
            raise Failure("no VAULT given and the config has no [vault] table")
        target = cfg.vault.path
    else:
        target = Path(vault)
    try:
        template = data_dir("vault_template")
    except FileNotFoundError as exc:
        raise Failure(str(exc)) from None
    from .targets.obsidian.settings import TYPES, daily_collision, install_types

    copied = skipped = 0
    for src in sorted(template.rglob("*")):
        if src.is_dir():
            continue
        dst = target / src.relative_to(template)
        if dst.exists():
            skipped += 1
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
        copied += 1
    click.echo(f"vault ready at {target}: {copied} files copied, {skipped} already there")
    # an existing vault keeps its settings; kbsync's property types are merged into its types.json
    try:
        added, conflicts = install_types(target)
    except ValueError as exc:
        raise Failure(str(exc)) from None
    if added and (target / TYPES).exists():
        click.echo(f"{TYPES}: added the types of {len(added)} properties ({', '.join(added)})")
    for line in conflicts:
        click.echo(f"{TYPES}: {line}", err=True)
    cfg_daily = "Daily"
    if vault is None or Path(config_path).exists():
        try:
            cfg_daily = load_config(config_path).vault.daily_folder  # type: ignore[union-attr]
        except (ConfigError, AttributeError):
            pass
    collision = daily_collision(target, cfg_daily)
    if collision:
        click.echo(f"note: {collision}", err=True)


def _progress(enabled: bool):
    """A progress display on stderr, shown only on a terminal."""
    bars: dict[str, click.progressbar] = {}

    def update(stage: str, done: int, total: int) -> None:
        if not enabled or total == 0:
            return
        bar = bars.get(stage)
        if bar is None:
            bar = click.progressbar(length=total, label=f"{stage:>6}", file=sys.stderr)
            bar.__enter__()
            bars[stage] = bar
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)

    return update


@main.command()
@config_option
@click.option("--dry-run", is_flag=True, help="Do everything but write: report what would change.")
@click.option("--rescore", type=click.Choice(["all", "prompt"]), is_flag=False, flag_value="all", default=None,
              help="Score every article again (--rescore), or only Claude scores made by another model or "
                   "prompt version (--rescore=prompt).")
@click.option("--restore", is_flag=True, help="Recreate notes the reader deleted.")
@click.option("-v", "--verbose", is_flag=True, help="List every feed and problem.")
def sync(config_path: str, dry_run: bool, rescore: str | None, restore: bool, verbose: bool) -> None:
    """One full pass: fetch, score, write notes, link, roll up."""
    cfg = _config(config_path)
    if cfg.vault is not None and not (cfg.vault.path / ".obsidian").exists() and not dry_run:
        click.echo(f"note: {cfg.vault.path} has no .obsidian/ yet; run `kbsync init` for the dashboard and views",
                   err=True)
    try:
        # the collector is paused from here, the imports included (``collector``)
        with collector_paused(), _sync_lock(cfg, dry_run=dry_run), _listing_ahead(cfg, dry_run=dry_run) as listing:
            # imported once the vault's listing is under way: the two overlap (0.3 s each, 100,000 notes)
            from .pipeline import run_sync

            result = run_sync(cfg, env=os.environ, rescore=rescore or False, restore=restore, dry_run=dry_run,
                              progress=_progress(sys.stderr.isatty()), scan_ahead=listing)
    except OSError as exc:
        raise Failure(f"{exc.filename or ''}: {exc.strerror or exc}".strip(": ")) from None
    for feed in result.feeds:
        if feed.status in ("error", "warning", "gone", "retry_later", "skipped") or verbose:
            detail = f": {feed.message}" if feed.message else ""
            click.echo(f"feed {feed.name}: {feed.status}{detail}", err=True)
    for problem in result.problems[: None if verbose else 10]:
        click.echo(f"note {problem}", err=True)
    if len(result.problems) > 10 and not verbose:
        click.echo(f"... and {len(result.problems) - 10} more (use -v)", err=True)
    prefix = "dry run, nothing written: " if dry_run else ""
    notes = ", ".join(f"{n} {k}" for k, n in sorted(result.notes.items())) or "none to write"
    pages = ", ".join(f"{n} {k}" for k, n in sorted(result.pages.items())) or "none to write"
    line = f"{prefix}notes: {notes}; rollups: {pages}; scorer: {result.backend or 'idle'}"
    if cfg.notion is not None:
        counts = dict(result.notion)
        requests = counts.pop("requests", 0)
        line += "; notion: " + (", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing to send") \
            + f" ({requests} requests)"
    click.echo(line)
    click.echo(result.headline())
    if result.failures:
        # the other target was still written; the exit status says not everything was
        for failure in result.failures:
            click.echo(f"kbsync: error: {failure}", err=True)
        raise SystemExit(1)


@main.command()
@config_option
def status(config_path: str) -> None:
    """What the store holds: feeds, articles, tiers, notes, the last run."""
    from .status import status_lines

    cfg = _config(config_path)
    if not cfg.store_path.exists():
        click.echo(f"no store yet at {cfg.store_path}; run `kbsync sync`")
        return
    for line in status_lines(cfg):
        click.echo(line)


@main.command()
@config_option
def doctor(config_path: str) -> None:
    """Check the config, store, vault and (with [notion]) that NOTION_TOKEN reaches the parent page."""
    from .doctor import checks

    results = checks(_config(config_path), os.environ)
    for ok, line in results:
        click.echo(("ok    " if ok else "FAIL  ") + line)
    if not all(ok for ok, _ in results):
        raise SystemExit(1)


@main.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@config_option
@click.option("--dry-run", is_flag=True, help="Validate and report; store nothing.")
def import_(file: str, config_path: str, dry_run: bool) -> None:
    """Import an OPML feed list, or JSON/JSONL articles (pre-scored or not)."""
    from .importer import run_import

    cfg = _config(config_path)
    try:
        with _sync_lock(cfg, dry_run=dry_run):
            lines = run_import(cfg, Path(file), env=os.environ, dry_run=dry_run)
    except ValueError as exc:
        raise Failure(str(exc)) from None
    for line in lines:
        click.echo(line)


@main.command()
@config_option
@click.option("--week", "week", help="ISO week label, e.g. 2026-W09.")
@click.option("--day", "day", type=click.DateTime(formats=["%Y-%m-%d"]), help="A day, e.g. 2026-02-07.")
def rollup(config_path: str, week: str | None, day: datetime | None) -> None:
    """Rebuild one weekly or daily rollup page now."""
    from .store import Store
    from .targets.obsidian.view import ObsidianView

    if bool(week) == bool(day):
        raise Failure("give exactly one of --week YYYY-Www or --day YYYY-MM-DD")
    cfg = _config(config_path)
    if cfg.vault is None:
        raise Failure("the config has no [vault] table")
    from .rollups.digest import week_bounds

    weeks: list[str] = []
    days: list[date] = []
    if week:
        try:
            week_bounds(week, cfg.rollups)
        except ValueError as exc:
            raise Failure(f"--week: {exc}") from None
        weeks.append(week)
    else:
        days.append(day.date())
    now = datetime.now(timezone.utc)
    with _sync_lock(cfg), Store(cfg.store_path) as store:
        from .scoring.run import finish_session, trend_namer
        from .scoring.session import open_session

        # with Claude on, the trends keep Claude's names (cached: an unchanged week costs nothing)
        session = open_session(cfg, os.environ)
        from .pages.templates import TemplateError

        try:
            view = ObsidianView(cfg, store, namer=trend_namer(session, store, cfg, now))
            outcomes = view.sync_rollups(set(), now, weeks=weeks, days=days, restore=True, only=True)
        except TemplateError as exc:
            raise Failure(str(exc)) from None
        if session is not None:
            from .pipeline import RunResult

            finish_session(session, store, now, RunResult())
    for outcome in outcomes:
        record = outcome.record
        click.echo(f"{outcome.status}: {record.path if record else outcome.key}"
                   + (f" ({outcome.message})" if outcome.message else ""))
    if not outcomes:
        click.echo("unchanged")


@main.command()
@config_option
def daemon(config_path: str) -> None:
    """Sync every day at [daemon] at and record the reader's edits in the vault as they happen.

    Runs until SIGTERM or Ctrl-C (it stops between steps; a second signal stops
    it at once). Logs to [daemon] log_file and to stderr. One daemon per store.
    """
    from .daemon.lock import StoreLock, read_holder

    cfg = _config(config_path)
    guard = StoreLock(cfg.store_path, kind="daemon", what="kbsync daemon")
    if not guard.try_acquire():
        pid, _ = read_holder(guard.path)
        raise Failure(f"a kbsync daemon already runs for {cfg.store_path} (pid {pid})")
    try:
        from .daemon.logs import setup_logging
        from .daemon.runner import Daemon, install_signal_handlers

        runner = Daemon(cfg, setup_logging(cfg.daemon.log_file).getChild("daemon"), env=os.environ)
        install_signal_handlers(runner)
        runner.run()
    finally:
        guard.release()


if __name__ == "__main__":
    main()
