"""`kbsync doctor`: can this config run? One line per check, and what to do about a failure.

Contract: ``checks`` returns (ok, line) pairs and never raises for a failed
check; the Notion check answers whether ``NOTION_TOKEN`` reaches the
configured parent page (the usual mistake: the page was not shared with the
integration, which Notion reports as 404).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .config import Config
from .targets.notion.api import NotionAPI, NotionError


def notion_check(cfg: Config, env: Mapping[str, str]) -> tuple[bool, str]:
    assert cfg.notion is not None
    token = env.get("NOTION_TOKEN")
    if not token:
        return False, "notion: NOTION_TOKEN is not set (create an integration and export its secret)"
    n = cfg.notion
    try:
        with NotionAPI.for_config(n, token, attempts=2) as api:
            me = api.get(api.client.users.me)
            page = api.get(api.client.pages.retrieve, n.parent_page)
    except NotionError as exc:
        if exc.status == 401:
            return False, "notion: the token was refused (401); copy the integration's secret again"
        if exc.status == 404:
            return False, (f"notion: parent page {n.parent_page} is not visible to the integration; "
                           "open the page in Notion, ••• > Connections, and add the integration")
        return False, f"notion: {exc}"
    except OSError as exc:
        return False, f"notion: cannot reach {n.base_url or 'api.notion.com'}: {exc}"
    title = "".join(t.get("plain_text", "") for p in page.get("properties", {}).values()
                    if p.get("type") == "title" for t in p.get("title", []))
    return True, f"notion: token of {me.get('name') or 'the integration'} reaches parent page {title!r}"


def checks(cfg: Config, env: Mapping[str, str]) -> list[tuple[bool, str]]:
    out = [(True, f"config: {cfg.path} ({len(cfg.feeds)} feeds)")]
    store_dir = cfg.store_path.parent
    writable = os.access(store_dir if store_dir.exists() else store_dir.parent, os.W_OK)
    out.append((writable, f"store: {cfg.store_path}" + ("" if writable else " is not writable")))
    if cfg.vault is not None:
        vault = cfg.vault.path
        ok = vault.exists() and os.access(vault, os.W_OK)
        hint = "" if ok else " does not exist or is not writable (run `kbsync init`)"
        out.append((ok, f"vault: {vault}{hint}"))
        if ok:
            from .targets.obsidian.settings import daily_collision, type_problems

            problems = type_problems(vault)
            out += [(False, f"vault types: {p}") for p in problems] or [(True, "vault types: every property "
                                                                          "kbsync writes is declared")]
            collision = daily_collision(vault, cfg.vault.daily_folder)
            if collision:
                out.append((False, f"vault: {collision}"))
    if cfg.notion is not None:
        out.append(notion_check(cfg, env))
    scorer = "claude" if env.get("ANTHROPIC_API_KEY") and cfg.scoring.backend in ("auto", "claude") else "heuristic"
    out.append((not (cfg.scoring.backend == "claude" and scorer != "claude"),
                f"scoring: {scorer}" + (" (backend = \"claude\" but ANTHROPIC_API_KEY is not set)"
                                        if cfg.scoring.backend == "claude" and scorer != "claude" else "")))
    return out
