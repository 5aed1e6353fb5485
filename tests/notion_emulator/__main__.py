"""Run the emulator in the foreground: ``python -m tests.notion_emulator [--port 8787]``.

Creates (or, with ``--state``, reuses) a top-level page ``kbsync`` and prints
what to paste into ``config.toml`` and the environment to point kbsync's
Notion target at it. Stops on Ctrl-C.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .emulator import NotionEmulator
from .state import Workspace


def _parent_page(ws: Workspace) -> str | None:
    """The first top-level page of a reloaded workspace (made by an earlier run)."""
    return next((p.id for p in ws.pages.values() if p.parent.get("type") == "workspace"), None)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.notion_emulator",
                                     description="A local Notion API (2025-09-03) for trying kbsync offline.")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--token", default="secret_local")
    parser.add_argument("--rate", type=float, default=3.0, help="requests/second on average; 0 = no limit")
    parser.add_argument("--burst", type=int, default=10)
    parser.add_argument("--state", help="JSON file keeping the workspace between runs")
    args = parser.parse_args(argv)
    emu = NotionEmulator(token=args.token, rate=args.rate or None, burst=args.burst, host=args.host,
                         port=args.port, state_file=args.state)
    try:
        emu.start()
    except OSError as error:
        print(f"cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    parent = _parent_page(emu.ws) or emu.add_page("kbsync")
    print(f"Notion emulator (API 2025-09-03) at {emu.base_url}, "
          f"rate {'unlimited' if not args.rate else f'{args.rate:g}/s, burst {args.burst}'}"
          f"{f', state in {args.state}' if args.state else ''}.\n\n"
          "In config.toml:\n\n"
          "[notion]\n"
          f"parent_page = \"{parent}\"\n"
          f"base_url = \"{emu.base_url}\"\n\n"
          "In the shell:\n\n"
          f"export NOTION_TOKEN={args.token}\n\n"
          "Ctrl-C to stop.", flush=True)
    signal.signal(signal.SIGTERM, _interrupt)     # `kill` stops it as cleanly as Ctrl-C
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
