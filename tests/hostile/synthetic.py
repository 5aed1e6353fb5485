"""Synthetic feeds of plausible articles, deterministic for a seed.

``synthetic_rss(n)`` is an RSS 2.0 feed of ``n`` items (English and Chinese
titles, a few paragraphs of HTML, a category, one date per item), used by the
crash-safety test (2,000 articles) and the scale benchmark. ``version`` changes
the text of every ``revise``-th item, so a feed can be "updated" between runs
without touching the others.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from xml.sax.saxutils import escape

EN = ("agents inference training optimizer cache context model benchmark latency throughput compiler "
      "kernel sparse attention retrieval evaluation dataset alignment reasoning robotics vision").split()
ZH = "智能体 推理 训练 优化器 缓存 上下文 模型 基准 延迟 吞吐 编译器 稀疏 注意力 检索 评测 数据集 对齐 机器人".split()
START = datetime(2026, 1, 5, tzinfo=timezone.utc)


def item_xml(key: str, i: int, rng: random.Random, when: datetime, *, version: int = 0,
             host: str = "synthetic.example") -> str:
    """One RSS item; ``key`` makes its URL unique, ``version`` its text."""
    zh = i % 3 == 0
    words = ZH if zh else EN
    title = ("".join if zh else " ".join)(rng.choice(words) for _ in range(6)) + f" {key}-{i}"
    paras = "".join(f"<p>{' '.join(rng.choice(words) for _ in range(30))} v{version}.</p>" for _ in range(3))
    body = f"{paras}<ul><li>{rng.choice(words)} point one</li><li>{rng.choice(words)} point two</li></ul>"
    return (f"<item><title>{escape(title)}</title><link>https://{host}/{key}/{i}</link>"
            f"<guid>{key}-{i}</guid><pubDate>{format_datetime(when)}</pubDate>"
            f"<category>{rng.choice(words)}</category><description>{escape(body)}</description></item>")


def synthetic_rss(n: int, *, key: str = "syn", seed: int = 7, start: datetime = START,
                  spacing: timedelta = timedelta(minutes=37), version: int | Callable[[int], int] = 0,
                  revise: int = 0, first: int = 0, host: str = "synthetic.example") -> bytes:
    """An RSS feed of items ``first .. first + n - 1`` (see the module docstring).

    Item texts depend only on (seed, key, index, version), so the same item is
    the same bytes in every call. ``version`` is the version of every
    ``revise``-th item (``revise=0``: none), or a function of the item index.
    """
    items = []
    for i in range(first, first + n):
        rng = random.Random(f"{seed}-{key}-{i}")
        if callable(version):
            v = version(i)
        else:
            v = version if revise and i % revise == 0 else 0
        items.append(item_xml(key, i, rng, start + spacing * i, version=v, host=host))
    return ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
            f"<title>Synthetic {escape(key)}</title><link>https://{host}/{key}/</link>"
            + "".join(items) + "</channel></rss>").encode("utf-8")
