"""Benchmark: the main job on 10,000 synthetic articles served over local HTTP.

Prints (does not assert), as min / median / max over ``--runs`` (3) runs,
each in a fresh process: first sync into an empty vault (articles/s, end to
end: fetch, parse, store, score, link, write notes, roll up), a no-op re-sync
(seconds; the server answers 304), and peak memory (the run's own max RSS);
plus the CPU seconds of the run (this process, and the pool workers) and its
stages. The feed server runs in a separate process so it does not compete
with kbsync for the GIL.

    .venv/bin/python bench/bench_sync.py [--feeds 100] [--per-feed 100] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import resource
import statistics
from collections import Counter
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EN = ("agents inference training optimizer cache context model benchmark latency throughput compiler "
      "kernel sparse attention retrieval evaluation dataset alignment reasoning robotics vision").split()
ZH = "智能体 推理 训练 优化器 缓存 上下文 模型 基准 延迟 吞吐 编译器 稀疏 注意力 检索 评测 数据集 对齐 机器人".split()


def make_feed(feed: int, per_feed: int, rng: random.Random, start: datetime) -> bytes:
    items = []
    for i in range(per_feed):
        zh = (feed + i) % 3 == 0
        words = ZH if zh else EN
        title = ("".join if zh else " ".join)(rng.choice(words) for _ in range(6)) + f" {feed}-{i}"
        paras = "".join(f"<p>{' '.join(rng.choice(words) for _ in range(40))}.</p>" for _ in range(3))
        body = f"{paras}<ul><li>{rng.choice(words)} point one</li><li>{rng.choice(words)} point two</li></ul>" \
               f"<p><a href='/rel/{i}'>more</a> <script>x()</script></p>"
        when = start + timedelta(minutes=feed * 7 + i * 90)
        items.append(f"<item><title>{escape(title)}</title><link>https://bench.example/{feed}/{i}?utm_source=x</link>"
                     f"<guid>b-{feed}-{i}</guid><pubDate>{format_datetime(when)}</pubDate>"
                     f"<category>{rng.choice(words)}</category>"
                     f"<description>{escape(body)}</description></item>")
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Feed {feed}</title>"
            f"<link>https://bench.example/{feed}/</link>{''.join(items)}</channel></rss>").encode()


def serve(feeds: int, per_feed: int, port_queue: mp.Queue, stop: mp.Event) -> None:
    from tests.feedserver import FeedServer, Static, synthetic_etag

    rng = random.Random(7)
    start = datetime(2026, 1, 5, tzinfo=timezone.utc)
    with FeedServer() as server:
        for f in range(feeds):
            body = make_feed(f, per_feed, rng, start)
            server.add(f"/feed/{f}.xml", Static(body, etag=synthetic_etag(body)))
        port_queue.put(server.port)
        stop.wait()


CHILD_TIMEOUT = 1800


def one_sync(port: int, feeds: int, where: Path, extra: str = "") -> dict:
    """One first sync into an empty vault in ``where`` and a no-op re-sync, in a fresh process
    of its own (its own peak memory, a cold start like the daily job); returns its figures.

    The vault is left in place: the caller deletes every run's vault after the last run, as
    deleting it would slow the next run's file creations (see ``settled``)."""
    import subprocess

    where.mkdir(parents=True)
    proc = subprocess.run([sys.executable, __file__, "--child", str(port), "--feeds", str(feeds), "--extra", extra,
                           "--dir", str(where)],
                          capture_output=True, text=True, timeout=CHILD_TIMEOUT, cwd=ROOT)
    if proc.returncode:
        raise SystemExit(f"bench child failed: {proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _workers_cpu() -> float:
    """CPU seconds of the pool workers (children of the fork server, reaped by it)."""
    import os

    try:
        from multiprocessing import forkserver

        pid = forkserver._forkserver._forkserver_pid
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    except (OSError, AttributeError, TypeError, ValueError):
        return 0.0


def child(port: int, feeds: int, extra: str, where: Path) -> None:
    from sync.config import load_config
    from sync.pipeline import run_sync

    config = where / "config.toml"
    lines = "".join(f'\n[[feeds]]\nurl = "http://127.0.0.1:{port}/feed/{f}.xml"\nname = "Feed {f}"\n'
                    for f in range(feeds))
    config.write_text('[vault]\npath = "vault"\n[scoring]\nbackend = "heuristic"\n'
                      'interests = ["agents", "inference", "智能体", "推理"]\n' + extra + lines, "utf-8")
    cfg = load_config(config)
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    first = run_sync(cfg, env={})
    t1 = time.perf_counter()
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    time.sleep(0.2)   # the fork server reaps its workers
    workers = _workers_cpu()
    second = run_sync(cfg, env={})
    t2 = time.perf_counter()
    notes = sum(1 for _ in (where / "vault" / "Articles").rglob("*.md"))
    create = bare_creates(where / "vault" / "Articles", notes)
    hwm = int(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0]) / 1024
    print(json.dumps({
        "first": t1 - t0, "noop": t2 - t1, "stages": first.timings, "noop_stages": second.timings,
        "notes": notes, "headline": first.headline(), "rss_mb": hwm, "noop_notes": dict(second.notes),
        "create": create,
        "cpu_main": (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), "cpu_workers": workers}))


def bare_creates(articles: Path, n: int, size: int = 2500, batch: int = 500) -> float:
    """Seconds to write ``n`` new files of ``size`` bytes as kbsync writes notes, with raw
    system calls and nothing else: hidden temp file, one syncfs per ``batch``, rename, folder
    fsync; in the folder holding most notes. A control figure for the notes stage: on this
    machine's shared ext4 the same writes took from 0.2 s to 3 s per 10,000 files from one
    minute to the next."""
    import ctypes
    import os

    folders = Counter(p.parent for p in articles.rglob("*.md"))
    folder = folders.most_common(1)[0][0] if folders else articles
    data = b"x" * size
    libc = ctypes.CDLL(None, use_errno=True)
    start = time.perf_counter()
    for first in range(0, n, batch):
        names = [(f"{folder}/.control {i}.md.tmp", f"{folder}/control {i}.bin") for i in range(first, min(n, first + batch))]
        for temp, _ in names:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            os.write(fd, data)
            os.close(fd)
        fd = os.open(folder, os.O_RDONLY)
        libc.syncfs(fd)
        for temp, final in names:
            os.replace(temp, final)
        os.fsync(fd)
        os.close(fd)
    return time.perf_counter() - start   # the files stay: deleted with the run's folder, after the last run


def settled(where: Path, files: int = 2000, normal_ms: float = 0.1, patience: float = 400) -> float:
    """Wait until this file system creates files at its normal speed; returns the ms per file.

    On an ext4 without a journal (this machine's), the kernel skips the inodes deleted in the
    last 60 s one by one when it allocates a new one, and for 360 s while their inode table
    block is still dirty (``recently_deleted`` in ``find_inode_bit``, seen with perf). After a
    test run or another bench deleted thousands of files nearby, creating a file costs 0.4 ms
    of system time instead of 0.025, and a 10k first sync measures that. So before the runs,
    ``files`` empty files are created in a fresh folder under ``where`` (kept there: deleting
    them would do the same to the runs) until they cost less than ``normal_ms`` each, waiting
    30 s after each check, for at most ``patience`` seconds."""
    import os

    deadline = time.monotonic() + patience
    attempt = 0
    while True:
        attempt += 1
        folder = where / f"creation check {attempt}"
        folder.mkdir(parents=True)
        start = time.perf_counter()
        for i in range(files):
            os.close(os.open(folder / f"{i}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        ms = (time.perf_counter() - start) * 1000 / files
        if ms < normal_ms or time.monotonic() > deadline:
            return ms
        print(f"file creation at {ms:.2f} ms a file (recently deleted inodes nearby): waiting 30 s", flush=True)
        os.sync()
        time.sleep(30)


def spread(values: list[float], fmt: str = "{:,.0f}") -> str:
    """min / median / max."""
    return " / ".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--per-feed", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)     # a port: run one sync against it
    parser.add_argument("--extra", default="", help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)      # the child's folder (config, vault)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.feeds, args.extra, args.dir)
    total = args.feeds * args.per_feed

    ports: mp.Queue = mp.Queue()
    stop = mp.Event()
    server = mp.Process(target=serve, args=(args.feeds, args.per_feed, ports, stop), daemon=True)
    server.start()
    port = ports.get(timeout=120)
    runs = []
    kept = tempfile.TemporaryDirectory(prefix="kbsync-bench-")   # every run's vault, deleted after the last run
    try:
        creation = settled(Path(kept.name))
        print(f"file system: {creation:.3f} ms to create a file, before the runs", flush=True)
        for r in range(args.runs):
            run = one_sync(port, args.feeds, Path(kept.name) / f"run {r + 1}")
            runs.append(run)
            print(f"run {r + 1}: first sync {run['first']:6.2f} s = {total / run['first']:6.0f} articles/s "
                  f"(CPU: this process {run['cpu_main']:.1f} s, workers {run['cpu_workers']:.1f} s); "
                  f"no-op {run['noop']:.2f} s; peak RSS {run['rss_mb']:.0f} MB; notes {run['notes']}; "
                  f"control: the same file writes without kbsync {run['create']:.2f} s", flush=True)
            print("  stages:", ", ".join(f"{k} {v:.2f}s" for k, v in run["stages"].items()), flush=True)
    finally:
        stop.set()
        server.join(timeout=5)
        kept.cleanup()
    rates = [total / r["first"] for r in runs]
    median_run = sorted(runs, key=lambda r: r["first"])[len(runs) // 2]
    print(f"articles: {total} in {args.feeds} feeds; {median_run['headline']}")
    print(f"first sync: {spread(rates)} articles/s (min / median / max of {len(runs)} runs)")
    print(f"no-op re-sync: {spread([r['noop'] for r in runs], '{:.2f}')} s")
    print(f"peak memory (max RSS): {spread([r['rss_mb'] for r in runs])} MB")
    # the figures as one JSON line, last: bench/run_all.py puts them in bench/README.md
    print(json.dumps({
        "articles (feeds x items)": f"{total:,} ({args.feeds} x {args.per_feed})",
        "first sync, empty vault: articles/s (min / median / max)": f"{spread(rates)} ({len(runs)} runs)",
        "first sync, seconds (min / median / max)": spread([r["first"] for r in runs], "{:.1f}"),
        "first sync: CPU seconds, this process + pool workers (median run)":
            f"{median_run['cpu_main']:.1f} + {median_run['cpu_workers']:.1f}",
        "first sync: stages (median run)": ", ".join(f"{k} {v:.1f} s" for k, v in median_run["stages"].items()),
        "file system check before the runs: ms to create an empty file": f"{creation:.3f}",
        "control: the notes' file writes (temp, syncfs, rename) without kbsync, s (min / median / max)":
            spread([r["create"] for r in runs], "{:.2f}"),
        "no-op re-sync (server answers 304), s (min / median / max)": spread([r["noop"] for r in runs], "{:.2f}"),
        "peak memory, max RSS (min / median / max)": f"{spread([r['rss_mb'] for r in runs])} MB"}, ensure_ascii=False))


if __name__ == "__main__":
    main()
