"""Run every benchmark and regenerate the results table in bench/README.md.

    .venv/bin/python bench/run_all.py                 # every bench/bench_*.py (make bench-all)
    .venv/bin/python bench/run_all.py scale crash     # only these; the others' last figures stay

The contract a benchmark meets to appear in the table (bench/README.md):

* it is a file ``bench/bench_<name>.py`` that runs as a script with no
  arguments (its defaults are the documented workload);
* the LAST line it prints to stdout is a JSON object of its figures,
  ``{"figure name": value, ...}`` (numbers or short strings with units), e.g.
  ``print(json.dumps(figures))`` at the end of ``main()``.

Each bench runs in its own process (so one bench's memory peak is not
another's, and argv and globals are its own). A bench that fails or prints
no JSON line still gets its section, with the exit status and the tail of
its output. Results are kept in ``bench/results.json`` (per bench, with the
machine and date it ran on), so a partial run updates only its own sections;
the table between the markers in bench/README.md is rewritten from that file,
and so is the project README's summary table (``SUMMARY``: the figures with
targets).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results.json"
README = BENCH / "README.md"
BEGIN, END = "<!-- results:begin (bench/run_all.py writes this) -->", "<!-- results:end -->"
TAIL = 15


def machine() -> dict[str, str]:
    """Where the figures were measured: CPU, RAM, Python, OS, and the commit."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor() or "unknown"
    try:
        kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
        ram = f"{kb / 1024 / 1024:.1f} GB"
    except (OSError, StopIteration):
        ram = "unknown"
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {"cpu": f"{usable} of {os.cpu_count()} cores usable, {model}", "ram": ram,
            "python": platform.python_version(), "os": platform.platform(),
            "commit": commit + (" + uncommitted changes" if dirty else "")}


def benches() -> dict[str, Path]:
    return {p.stem.removeprefix("bench_"): p for p in sorted(BENCH.glob("bench_*.py"))}


def figures_of(stdout: str) -> dict | None:
    """The JSON object on the last non-empty line of a bench's output, if it is one."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        return None
    try:
        value = json.loads(lines[-1])
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


# Benches that time the creation of thousands of files: one that follows a bench which deleted
# its vault would measure the kernel skipping the recently deleted inodes (why: ``settled`` in
# bench_sync.py). So the file system is synced and left alone for a minute before each of
# these, when another ran first.
CREATES_FILES = {"sync", "realfeeds", "scale", "links"}
SETTLE = 61


def settle() -> None:
    print(f"== settling: sync, then {SETTLE} s for the recently deleted inodes to age", flush=True)
    os.sync()
    time.sleep(SETTLE)


def run_one(name: str, path: Path) -> dict:
    print(f"== {name}: {path.relative_to(ROOT)}", flush=True)
    started = time.perf_counter()
    lines: list[str] = []
    with tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        proc = subprocess.Popen([sys.executable, str(path)], cwd=ROOT, stdout=subprocess.PIPE, stderr=err,
                                text=True, bufsize=1)
        assert proc.stdout is not None
        for line in proc.stdout:          # shown as it comes: some benches run for minutes
            sys.stdout.write(line)
            lines.append(line)
        proc.wait()
        err.seek(0)
        errors = err.read()
    seconds = round(time.perf_counter() - started, 1)
    sys.stderr.write(errors[-4000:])
    stdout = "".join(lines)
    figures = figures_of(stdout) if proc.returncode == 0 else None
    doc = (path.read_text("utf-8").split('"""')[1].strip().splitlines() or [""])[0]
    return {"title": doc, "figures": figures, "exit": proc.returncode, "seconds": seconds,
            "tail": None if figures else (stdout + errors).strip().splitlines()[-TAIL:],
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine()}


def render(results: dict[str, dict]) -> str:
    """The Markdown between the README markers: the machine, then one table per bench."""
    out = []
    hardware = {json.dumps({k: v for k, v in r["machine"].items() if k != "commit"}, sort_keys=True)
                for r in results.values()}
    for h in sorted(hardware):
        m = json.loads(h)
        out.append(f"Machine: {m['cpu']}; {m['ram']} RAM; Python {m['python']}; {m['os']}.")
    out.append("")
    for name, r in sorted(results.items()):
        out.append(f"### `bench_{name}.py`: {r['title'].removeprefix('Benchmark: ')}")
        out.append("")
        where = "" if len(hardware) == 1 else f" on {r['machine']['cpu']}"
        out.append(f"Ran {r['date']}{where}, commit {r['machine']['commit']}, in {r['seconds']} s.")
        out.append("")
        if r["figures"]:
            out += ["| figure | value |", "|---|---|"]
            out += [f"| {k} | {_cell(v)} |" for k, v in r["figures"].items()]
        else:
            out.append(f"No figures (exit status {r['exit']}); the end of its output:")
            out += ["", "```", *r["tail"], "```"]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _cell(value: object) -> str:
    if isinstance(value, float):
        value = f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
    elif isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:,}"
    elif isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    return str(value).replace("|", "\\|").replace("\n", " ")


# The project README's benchmark table: (figure, bench, the start of its figure's name, target).
SUMMARY = [
    ("`bench_sync.py` 10k first sync, articles/s (min / median / max)", "sync", "first sync, empty vault: articles/s",
     "median ≥ 1,200/s"),
    ("the same: CPU seconds (this process + pool workers)", "sync", "first sync: CPU seconds", ""),
    ("the same: stages (median run)", "sync", "first sync: stages", ""),
    ("peak RSS, 10k first sync", "sync", "peak memory", "≤ 300 MB"),
    ("no-op re-sync, 10k (server answers 304), s", "sync", "no-op re-sync", ""),
    ("real-feed weight: kbsync first sync, articles/s", "realfeeds", "kbsync first sync", ""),
    ("real-feed weight: bare feedparser (defaults), same bytes, entries/s", "realfeeds", "bare feedparser", ""),
    ("real-feed weight: kbsync vs bare feedparser (medians)", "realfeeds", "ratio", "≥ 2.5×"),
    # the issue's figures were the processes' wall times (the daemon's and cron's view); in its
    # stages (without the interpreter's start, imports and config) is shown beside them
    ("100k vault, no-op sync, wall (process start included), s", "scale", "no-op sync: wall", "≤ 1 s"),
    ("the same, in its stages, s", "scale", "no-op sync: in its stages", ""),
    ("100k vault, 200 new articles, wall (process start included), s", "scale", "daily sync: wall", "≤ 2 s"),
    ("the same, in its stages, s", "scale", "daily sync, ", ""),
    ("related links, 100k from scratch incl. SQLite writes", "links", "update_links(rebuild=True)", "≤ 60 s"),
    ("related links, +200 new against 100k", "links", "update_links, +", "< 2 s"),
]
ROOT_README = ROOT / "README.md"
SUMMARY_BEGIN, SUMMARY_END = "<!-- bench-summary:begin (bench/run_all.py writes this) -->", "<!-- bench-summary:end -->"


def render_summary(results: dict[str, dict]) -> str:
    rows = ["| figure | measured | target |", "|---|---|---|"]
    machines, dates = set(), set()
    for label, bench, prefix, target in SUMMARY:
        r = results.get(bench)
        figures = (r or {}).get("figures") or {}
        value = next((v for k, v in figures.items() if k.startswith(prefix)), None)
        if value is None:
            continue
        machines.add(f"{r['machine']['cpu']}, {r['machine']['ram']} RAM, Python {r['machine']['python']}")
        dates.add(r["date"])
        rows.append(f"| {label} | {_cell(value)} | {target} |")
    dates = sorted(dates)
    where = "; ".join(sorted(machines))
    when = f"{dates[0]} to {dates[-1]}" if len(dates) > 1 else (dates[0] if dates else "never")
    return "\n".join(rows) + f"\n\nMeasured on {where} ({when}; each figure's run is in bench/README.md).\n"


def write_root_readme(results: dict[str, dict]) -> None:
    """The summary table between the markers in the project README, when it has them."""
    text = ROOT_README.read_text("utf-8")
    if SUMMARY_BEGIN not in text:
        return
    head, rest = text.split(SUMMARY_BEGIN, 1)
    _, tail = rest.split(SUMMARY_END, 1)
    ROOT_README.write_text(f"{head}{SUMMARY_BEGIN}\n{render_summary(results)}{SUMMARY_END}{tail}", "utf-8")


def write_readme(results: dict[str, dict]) -> None:
    text = README.read_text("utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{BEGIN}\n{render(results)}{END}{tail}", "utf-8")


def main(argv: list[str]) -> int:
    available = benches()
    wanted = argv or list(available)
    unknown = [w for w in wanted if w not in available]
    if unknown:
        print(f"unknown bench {unknown[0]!r}; known: {', '.join(available)}", file=sys.stderr)
        return 2
    results = json.loads(RESULTS.read_text("utf-8")) if RESULTS.exists() else {}
    results = {k: v for k, v in results.items() if k in available}   # a deleted bench leaves the table
    failed = 0
    for i, name in enumerate(wanted):
        if i and name in CREATES_FILES:
            settle()
        results[name] = run_one(name, available[name])
        failed += results[name]["exit"] != 0
        RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", "utf-8")
        write_readme(results)   # after every bench: a long run that is stopped keeps what it measured
        write_root_readme(results)
    print(f"\n{len(wanted)} benches run, {failed} failed; table in {README.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
