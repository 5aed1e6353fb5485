"""The daemon with Notion on, as a real process: a status set in a note shows in Notion within seconds.

Issue 6's "done when": a daemon started against the example config syncs,
picks up a status change made in a note and shows it in the Notion
emulator, and a SIGTERM stops it cleanly with nothing half-written.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.notion_emulator import NotionEmulator
from tests.test_daemon_process import DEADLINE, finish, log_text, wait_for
from tests.test_e2e import example_config, kbsync, notes

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "secret_daemon"


def start_daemon(config: Path, cwd: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    env.update(PYTHONPATH=str(ROOT), NOTION_TOKEN=TOKEN)
    return subprocess.Popen([sys.executable, "-m", "sync.cli", "daemon", "--config", str(config)], cwd=cwd,
                            env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_daemon_pushes_a_note_status_to_notion_within_seconds(tmp_path):
    with NotionEmulator(token=TOKEN, rate=None) as emu:
        parent = emu.add_page("kbsync")
        config = example_config(tmp_path)
        config.write_text(config.read_text("utf-8") + f'\n[notion]\nparent_page = "{parent}"\n'
                          f'base_url = "{emu.base_url}"\nrequests_per_second = 1000\n'
                          '[daemon]\nat = "07:00"\ndebounce_seconds = 0.3\n', "utf-8")
        kbsync("init", str(tmp_path / "vault"), "--config", str(config))
        daemon = start_daemon(config, tmp_path)
        try:
            wait_for(lambda: "next sync at" in log_text(tmp_path), "the first sync done", daemon)
            sources = {"".join(t["plain_text"] for t in ds["title"]): ds["id"] for ds in emu.data_sources()}
            pages = emu.pages(sources["Articles"])
            assert len(pages) == 78
            note = notes(tmp_path / "vault")[0]
            text = note.read_text("utf-8")
            kb_id = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("kb_id: "))
            note.write_text(text.replace("kb_id:", "status: reading\nkb_id:"), "utf-8")

            def shown() -> bool:
                for page in emu.pages(sources["Articles"]):
                    if "".join(t["plain_text"] for t in page["properties"]["KB ID"]["rich_text"]) == kb_id:
                        status = page["properties"]["Status"]["status"]
                        return bool(status) and status["name"] == "reading"
                return False

            wait_for(shown, "the note's status shown in Notion", daemon)
            assert "notion: reader edits pushed" in log_text(tmp_path)
            daemon.send_signal(signal.SIGTERM)
            assert daemon.wait(DEADLINE) == 0, daemon.stderr.read()
        finally:
            finish(daemon)
        # nothing half-written: a manual sync afterwards sends no write and the page set is whole
        emu.clear_log()
        result = subprocess.run([sys.executable, "-m", "sync.cli", "sync", "--config", str(config)], cwd=tmp_path,
                                env={**os.environ, "PYTHONPATH": str(ROOT), "NOTION_TOKEN": TOKEN},
                                capture_output=True, text=True, timeout=DEADLINE)
        assert result.returncode == 0, result.stderr
        assert emu.writes() == []
        assert len(emu.pages(sources["Articles"])) == 78
