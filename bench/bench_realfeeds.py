"""Benchmark: real-feed weight: kbsync's first sync against bare feedparser parsing the same bytes.

200 generated feeds (RSS 2.0 with content:encoded, Atom, English and Chinese)
of 20 entries each, every entry 6-8 kB of HTML of the kinds real feeds carry:
headings, paragraphs with links and entities, code blocks, tables, images,
nested lists, block quotes, plus a separate short description. They are
served over local HTTP by a server in another process, as in bench_sync.py.

Measured in the same run, on the same bytes, each at least 3 times (min /
median / max): kbsync's first sync into an empty vault, end to end (fetch,
parse, store, score, link, write notes, roll up), in articles/s; and bare
``feedparser.parse`` of every body with its defaults (sanitising and
resolving relative URLs), in entries/s, one process, no network. The ratio
is kbsync's median over feedparser's median. The last line is the JSON of
the figures (bench/run_all.py).

    .venv/bin/python bench/bench_realfeeds.py [--feeds 200] [--per-feed 20] [--runs 3]
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing as mp
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

EN = ("model training inference latency throughput kernel compiler sparse attention retrieval evaluation "
      "dataset alignment reasoning agent tool cache context window quantization benchmark GPU cluster "
      "scheduler memory bandwidth token decoder encoder pipeline deployment serving").split()
ZH = ("模型 训练 推理 延迟 吞吐 内核 编译器 稀疏 注意力 检索 评测 数据集 对齐 智能体 工具 缓存 上下文 "
      "量化 基准 显卡 集群 调度 内存 带宽 解码 部署 服务 开源 论文 实验").split()
CODE = ["def attention(q, k, v, mask=None):\n    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))\n"
        "    if mask is not None:\n        scores = scores.masked_fill(mask == 0, float('-inf'))\n"
        "    return torch.softmax(scores, dim=-1) @ v\n",
        "for (int i = 0; i < n; i++) {\n    if (a[i] < b[i] && c[i] > 0) { out[i] = a[i] * 2; }\n}\n",
        "$ pip install vllm==0.6.3 && vllm serve meta-llama/Llama-3.1-8B --max-model-len 8192\n"]


def _sentence(rng: random.Random, zh: bool) -> str:
    words = [rng.choice(ZH if zh else EN) for _ in range(rng.randint(8, 18))]
    if zh:
        return "".join(words) + rng.choice(["。", "！", "，而且", "；"])
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice([".", ".", "?", " &amp; more.", " &mdash; really."])


def _para(rng: random.Random, zh: bool, feed: int) -> str:
    parts = [escape(_sentence(rng, zh)) for _ in range(rng.randint(3, 5))]
    i = rng.randrange(len(parts))
    parts[i] = f"<a href='https://example.org/{feed}/ref/{rng.randint(1, 999)}'>{parts[i]}</a>"
    j = rng.randrange(len(parts))
    parts[j] = f"<strong>{parts[j]}</strong>" if rng.random() < 0.5 else f"<em>{parts[j]}</em>"
    return "<p>" + " ".join(parts) + " &ldquo;quoted&rdquo; &lt;tag&gt; &#8212; &copy; 2026</p>"


def entry_html(rng: random.Random, zh: bool, feed: int, item: int) -> str:
    """6-8 kB of the HTML real feeds carry."""
    blocks = [f"<h2>{escape(_sentence(rng, zh))}</h2>"]
    target = rng.randint(5200, 6800)
    kinds = ["p", "p", "p", "code", "table", "img", "list", "quote"]
    while sum(len(b.encode()) for b in blocks) < target:
        kind = rng.choice(kinds)
        if kind == "p":
            blocks.append(_para(rng, zh, feed))
        elif kind == "code":
            blocks.append(f"<pre><code class='language-python'>{escape(rng.choice(CODE))}</code></pre>")
        elif kind == "table":
            rows = "".join(f"<tr><td>{rng.choice(EN)}</td><td>{rng.randint(1, 999)}.{rng.randint(0, 9)}</td>"
                           f"<td>{rng.choice(ZH)}</td></tr>" for _ in range(rng.randint(3, 6)))
            blocks.append(f"<table><thead><tr><th>name</th><th>score</th><th>备注</th></tr></thead>"
                          f"<tbody>{rows}</tbody></table>")
        elif kind == "img":
            blocks.append(f"<figure><img src='/img/{feed}/{item}-{rng.randint(1, 9)}.png' alt='{rng.choice(EN)} chart'"
                          f" width='640' height='360'><figcaption>{escape(_sentence(rng, zh))}</figcaption></figure>")
        elif kind == "list":
            items = "".join(f"<li>{escape(_sentence(rng, zh))}<ul><li>{rng.choice(EN)} detail</li></ul></li>"
                            for _ in range(rng.randint(2, 4)))
            blocks.append(f"<ul>{items}</ul>" if rng.random() < 0.5 else f"<ol>{items}</ol>")
        else:
            blocks.append(f"<blockquote><p>{escape(_sentence(rng, zh))}</p></blockquote>")
    return "".join(blocks)


def make_feed(feed: int, per_feed: int, seed: int = 11) -> bytes:
    rng = random.Random(seed * 1000 + feed)
    zh = feed % 3 == 0
    atom = feed % 4 == 1
    start = datetime(2026, 1, 5, tzinfo=timezone.utc) + timedelta(minutes=feed * 11)
    entries = []
    for i in range(per_feed):
        title = escape(_sentence(rng, zh)[:80]) + f" {feed}-{i}"
        link = f"https://realfeeds.example/{feed}/{i}"
        when = start + timedelta(hours=i * 5)
        html = entry_html(rng, zh, feed, i)
        summary = escape(_sentence(rng, zh))
        tags = "".join(f"<category>{rng.choice(EN)}</category>" for _ in range(2))
        if atom:
            entries.append(f"<entry><title>{title}</title><link href='{link}'/><id>{link}</id>"
                           f"<updated>{when.isoformat()}</updated><summary>{summary}</summary>"
                           f"<content type='html'>{escape(html)}</content></entry>")
        else:
            entries.append(f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
                           f"<pubDate>{format_datetime(when)}</pubDate>{tags}<description>{summary}</description>"
                           f"<content:encoded><![CDATA[{html}]]></content:encoded></item>")
    if atom:
        return (f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
                f"<title>Real {feed}</title><link href='https://realfeeds.example/{feed}/'/>"
                f"<id>https://realfeeds.example/{feed}/</id><updated>{start.isoformat()}</updated>"
                f"{''.join(entries)}</feed>").encode()
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0' "
            f"xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel><title>Real {feed}</title>"
            f"<link>https://realfeeds.example/{feed}/</link>{''.join(entries)}</channel></rss>").encode()


def serve(feeds: int, per_feed: int, port_queue: mp.Queue, stop: mp.Event) -> None:
    from tests.feedserver import FeedServer, Static, synthetic_etag

    with FeedServer() as server:
        for f in range(feeds):
            body = make_feed(f, per_feed)
            server.add(f"/feed/{f}.xml", Static(body, etag=synthetic_etag(body)))
        port_queue.put(server.port)
        stop.wait()


def spread(values: list[float], fmt: str = "{:,.0f}") -> str:
    return " / ".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))


def main() -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--per-feed", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from bench_sync import one_sync, settled

    import feedparser

    bodies = [make_feed(f, args.per_feed) for f in range(args.feeds)]
    total = args.feeds * args.per_feed
    mb = sum(map(len, bodies)) / 1e6
    ports: mp.Queue = mp.Queue()
    stop = mp.Event()
    server = mp.Process(target=serve, args=(args.feeds, args.per_feed, ports, stop), daemon=True)
    server.start()
    port = ports.get(timeout=300)
    kb_rates, fp_rates, runs = [], [], []
    kept = tempfile.TemporaryDirectory(prefix="kbsync-bench-")   # every run's vault, deleted after the last run
    try:
        print(f"file system: {settled(Path(kept.name)):.3f} ms to create a file, before the runs", flush=True)
        for r in range(args.runs):
            # alternated, same bytes: kbsync end to end, then feedparser alone
            run = one_sync(port, args.feeds, Path(kept.name) / f"run {r + 1}")
            runs.append(run)
            kb_rates.append(total / run["first"])
            t = time.perf_counter()
            parsed = sum(len(feedparser.parse(io.BytesIO(b)).entries) for b in bodies)
            fp_rates.append(parsed / (time.perf_counter() - t))
            print(f"run {r + 1}: kbsync {kb_rates[-1]:,.0f} articles/s ({run['first']:.1f} s, notes "
                  f"{run['notes']}), feedparser {fp_rates[-1]:,.0f} entries/s ({parsed} entries)", flush=True)
    finally:
        stop.set()
        server.join(timeout=5)
        kept.cleanup()
    ratio = statistics.median(kb_rates) / statistics.median(fp_rates)
    print(f"{total} entries in {args.feeds} feeds, {mb:.1f} MB ({mb * 1e6 / total / 1e3:.1f} kB an entry)")
    print(f"kbsync first sync: {spread(kb_rates)} articles/s (min / median / max of {args.runs})")
    print(f"bare feedparser, defaults: {spread(fp_rates)} entries/s")
    print(f"ratio (medians): {ratio:.2f}x")
    figures = {
        "entries (feeds x items), size": f"{total:,} ({args.feeds} x {args.per_feed}), {mb:.1f} MB, "
                                         f"{mb * 1e6 / total / 1e3:.1f} kB an entry",
        "kbsync first sync, articles/s (min / median / max)": f"{spread(kb_rates)} ({args.runs} runs)",
        "bare feedparser on the same bytes, defaults, entries/s": spread(fp_rates),
        "ratio kbsync / feedparser (medians)": f"{ratio:.2f}x",
        "kbsync stages, median run": ", ".join(
            f"{k} {v:.1f} s" for k, v in sorted(runs, key=lambda x: x["first"])[len(runs) // 2]["stages"].items()),
        "kbsync peak RSS (max of runs)": f"{max(r['rss_mb'] for r in runs):.0f} MB",
    }
    print(json.dumps(figures, ensure_ascii=False))
    return figures


if __name__ == "__main__":
    main()
